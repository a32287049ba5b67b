"""The General MIDI soundfonts and the FluidSynth library the instrument data is rendered with.

Everything comes from Debian packages; a missing piece raises an error that names the package.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

APT_HINT = (
    "apt-get install --no-install-recommends libfluidsynth3 fluid-soundfont-gm "
    "timgm6mb-soundfont musescore-general-soundfont-small"
)

SOUNDFONTS: dict[str, Path] = {
    "FluidR3_GM": Path("/usr/share/sounds/sf2/FluidR3_GM.sf2"),
    "TimGM6mb": Path("/usr/share/sounds/sf2/TimGM6mb.sf2"),
    "MuseScore_General_Lite": Path("/usr/share/sounds/sf3/MuseScore_General_Lite.sf3"),
}

PACKAGES: dict[str, str] = {
    "FluidR3_GM": "fluid-soundfont-gm",
    "TimGM6mb": "timgm6mb-soundfont",
    "MuseScore_General_Lite": "musescore-general-soundfont-small",
}


class MissingSoundfontError(FileNotFoundError):
    """A soundfont file is not installed."""


class SynthUnavailableError(ImportError):
    """The FluidSynth shared library (or its Python bindings) cannot be loaded."""


def soundfont_path(name: str) -> Path:
    """The file of soundfont ``name``, or :class:`MissingSoundfontError` naming its package."""
    path = SOUNDFONTS[name]
    if not path.is_file():
        raise MissingSoundfontError(
            f"soundfont {name} not found at {path}; install the Debian package "
            f"{PACKAGES[name]} ({APT_HINT})"
        )
    return path


def require_fluidsynth() -> ModuleType:
    """Import ``fluidsynth`` (pyfluidsynth), or say which package provides the library."""
    try:
        import fluidsynth
    except (ImportError, OSError) as err:
        raise SynthUnavailableError(
            f"FluidSynth is not available ({err}); install libfluidsynth3 ({APT_HINT}) "
            "and the Python bindings (pip install pyfluidsynth)"
        ) from err
    return fluidsynth
