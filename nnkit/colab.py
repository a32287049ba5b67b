"""The second half of every notebook's Setup cell: make ready what the notebook needs.

The first half installs the course package on Colab (it cannot live here: it runs before this
package exists); then ``setup(needs=(...))`` quiets TensorFlow's start-up logging and, for each
need, makes its data or system packages available: on Colab by installing them (Colab is
online and root), anywhere by downloading what only needs a download. When it cannot, it raises
:class:`SetupError`, which IPython shows as one line instead of a traceback: what failed and what
to do. The later cells then never run (*Run all* stops at the first error).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterable

#: Environment for TensorFlow, set before any cell imports it: no start-up log lines.
QUIET_TENSORFLOW = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"}

OFFLINE_ADVICE = "check that this runtime is online, then run this cell again"


class SetupError(RuntimeError):
    """The notebook cannot be made ready; the message says what failed and what to do."""

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback: the one sentence."""
        return [f"Setup failed: {self}"]


def on_colab() -> bool:
    """True inside a Colab runtime."""
    return "google.colab" in sys.modules


def apt_install(packages: Iterable[str]) -> None:
    """``apt-get install`` Debian ``packages`` (as root, as on Colab), or :class:`SetupError`."""
    packages = list(packages)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"],
                    ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages]):
        try:
            failed = subprocess.run(command, capture_output=True, env=env).returncode != 0
        except OSError:
            failed = True
        if failed:
            raise SetupError(f"could not install {', '.join(packages)} with apt-get; {OFFLINE_ADVICE}")


def _instruments() -> None:
    """FluidSynth and the three soundfonts the instrument data is rendered from (Colab: apt)."""
    from coursedata import soundfonts

    missing = [name for name, path in soundfonts.SOUNDFONTS.items() if not path.is_file()]
    if missing and on_colab():
        apt_install(["libfluidsynth3", *soundfonts.PACKAGES.values()])


def _fashion_mnist() -> None:
    """Fashion-MNIST: when no local copy exists, Keras downloads it into its own cache."""
    from coursedata import fashion_mnist

    if fashion_mnist.find_dir() is not None:
        return
    try:
        fashion_mnist.load_data(allow_download=True)
    except Exception as exc:  # any download failure: network, DNS, a truncated file
        raise SetupError(f"could not download Fashion-MNIST ({type(exc).__name__}); "
                         f"{OFFLINE_ADVICE}") from exc


#: What a Setup cell may ask for, and how each is made ready.
NEEDS: dict[str, Callable[[], None]] = {"fashion_mnist": _fashion_mnist, "instruments": _instruments}


def setup(needs: Iterable[str] = ()) -> None:
    """Quiet TensorFlow's logging, then make each of ``needs`` (keys of :data:`NEEDS`) ready."""
    needs = tuple(needs)
    unknown = sorted(set(needs) - NEEDS.keys())
    if unknown:
        raise SetupError(f"unknown needs {unknown}; known: {sorted(NEEDS)}")
    for key, value in QUIET_TENSORFLOW.items():
        os.environ.setdefault(key, value)
    for need in needs:
        NEEDS[need]()
