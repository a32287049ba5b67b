"""The Setup cell helps: on Colab it installs what a notebook needs, and when it cannot, the
notebook stops with one sentence (no traceback, no pip output, no later cell run)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import types
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from autograder.course import Edition
from autograder.notebooks import setup_cell
from coursedata import fashion_mnist, soundfonts
from nnkit import colab
from tests.conftest import ROOT


def _kernel(tmp_path: Path, python: str, env: dict[str, str]) -> KernelManager:
    """A kernel manager for a kernel run by ``python`` with ``env`` added to its environment."""
    spec = tmp_path / "kernels" / "setup-test"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "setup test", "language": "python", "env": env}))
    return KernelManager(kernel_name="setup-test",
                         kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec.parent)]))


def run_notebook(nb: nbformat.NotebookNode, km: KernelManager, cwd: Path, timeout: int = 120) -> None:
    """*Run all*, as Jupyter and Colab do it (stop at the first cell that raises), in ``cwd``;
    the kernel is shut down after (nbclient leaves a kernel it was given running)."""
    try:
        NotebookClient(nb, km=km, timeout=timeout, resources={"metadata": {"path": str(cwd)}}).execute()
    finally:
        if km.has_kernel:
            km.shutdown_kernel(now=True)


def _run_all(nb: nbformat.NotebookNode, km: KernelManager, cwd: Path) -> None:
    with pytest.raises(CellExecutionError):
        run_notebook(nb, km, cwd)


def _only_error_line(cell: nbformat.NotebookNode) -> str:
    """The one line an errored cell shows; fails if it shows anything else."""
    assert [out.output_type for out in cell.outputs] == ["error"], cell.outputs
    traceback = cell.outputs[0].traceback
    assert len(traceback) == 1 and "\n" not in traceback[0], traceback
    return traceback[0]


@pytest.mark.slow
def test_setup_cell_that_cannot_install_stops_the_notebook_with_one_sentence(tmp_path: Path):
    # A Colab-like kernel (google.colab imported at start-up) in a fresh venv without the course
    # package, whose package index and GitHub are unreachable (a proxy that refuses).
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    fake = tmp_path / "fake"
    (fake / "google" / "colab").mkdir(parents=True)
    (fake / "google" / "colab" / "__init__.py").write_text("")
    (fake / "sitecustomize.py").write_text("import google.colab\n")
    # ipykernel and pip come from the instructor's venv by PYTHONPATH, which skips its .pth
    # files: the editable install of nnkit stays invisible.
    env = {"PYTHONPATH": f"{fake}{os.pathsep}{sysconfig.get_paths()['purelib']}",
           "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9",
           "PIP_RETRIES": "0", "PIP_TIMEOUT": "3", "PIP_NO_INPUT": "1", "PIP_CONFIG_FILE": os.devnull}
    work = tmp_path / "work"
    work.mkdir()
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("## Setup"),
        nbformat.v4.new_code_cell(setup_cell(Edition.read(ROOT), ("instruments",))),
        nbformat.v4.new_code_cell("import numpy as np"),
        nbformat.v4.new_code_cell("print(setup, np)"),
    ])
    _run_all(nb, _kernel(tmp_path, str(venv / "bin" / "python"), env), work)
    line = _only_error_line(nb.cells[1])
    assert line.startswith("Setup failed: could not install the course package; check that this "
                           "runtime is online"), line
    assert all(not cell.outputs and cell.execution_count is None for cell in nb.cells[2:])


@pytest.mark.slow
def test_setup_error_shows_as_one_line_in_a_kernel(tmp_path: Path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("from nnkit.colab import SetupError\n"
                                  "raise SetupError('could not do it; do this')"),
        nbformat.v4.new_code_cell("print('never')")])
    _run_all(nb, _kernel(tmp_path, sys.executable, {}), tmp_path)
    assert _only_error_line(nb.cells[0]) == "Setup failed: could not do it; do this"
    assert not nb.cells[1].outputs


@pytest.fixture
def on_colab(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))


@pytest.fixture
def apt_get(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A fake ``apt-get`` first on PATH that logs its arguments and exits with ``status``."""
    log = tmp_path / "apt.log"

    def install(status: int) -> Path:
        script = tmp_path / "bin" / "apt-get"
        script.parent.mkdir(exist_ok=True)
        script.write_text(f'#!/bin/sh\necho "$@" >> {log}\nexit {status}\n')
        script.chmod(0o755)
        monkeypatch.setenv("PATH", f"{script.parent}{os.pathsep}{os.environ['PATH']}")
        return log

    return install


@pytest.fixture
def no_soundfonts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = {name: tmp_path / "missing" / path.name for name, path in soundfonts.SOUNDFONTS.items()}
    monkeypatch.setattr(soundfonts, "SOUNDFONTS", missing)


@pytest.mark.usefixtures("on_colab", "no_soundfonts")
def test_on_colab_the_instruments_need_installs_fluidsynth_and_the_soundfonts(apt_get):
    log = apt_get(0)
    colab.setup(needs=("instruments",))
    update, install = log.read_text().splitlines()
    assert update == "update -qq"
    assert install.split()[-4:] == ["libfluidsynth3", *soundfonts.PACKAGES.values()]


@pytest.mark.usefixtures("on_colab", "no_soundfonts")
def test_on_colab_a_failed_apt_get_is_one_sentence(apt_get):
    apt_get(100)
    with pytest.raises(colab.SetupError) as failed:
        colab.setup(needs=("instruments",))
    assert failed.value._render_traceback_() == [
        "Setup failed: could not install libfluidsynth3, fluid-soundfont-gm, timgm6mb-soundfont, "
        "musescore-general-soundfont-small with apt-get; check that this runtime is online, then "
        "run this cell again"]


@pytest.mark.usefixtures("no_soundfonts")
def test_off_colab_setup_never_runs_apt_get(apt_get):
    log = apt_get(0)
    colab.setup(needs=("instruments",))
    assert not log.exists()


def test_missing_fashion_mnist_is_downloaded_or_one_sentence(monkeypatch: pytest.MonkeyPatch):
    downloads = []
    monkeypatch.setattr(fashion_mnist, "find_dir", lambda: None)
    monkeypatch.setattr(fashion_mnist, "load_data", lambda allow_download: downloads.append(allow_download))
    colab.setup(needs=("fashion_mnist",))
    assert downloads == [True]

    def offline(allow_download: bool):
        raise OSError("Temporary failure in name resolution")

    monkeypatch.setattr(fashion_mnist, "load_data", offline)
    with pytest.raises(colab.SetupError, match=r"^could not download Fashion-MNIST \(OSError\); check"):
        colab.setup(needs=("fashion_mnist",))


def test_setup_quiets_tensorflow_and_refuses_unknown_needs(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    colab.setup()
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"
    with pytest.raises(colab.SetupError, match="unknown needs"):
        colab.setup(needs=("mnist",))
