"""Where generated data lives: outside git, configurable with ``NN_COURSE_CACHE``."""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "NN_COURSE_CACHE"


def cache_dir(*parts: str) -> Path:
    """The cache folder (``$NN_COURSE_CACHE`` or ``~/.cache/nn-course``), created on demand."""
    root = Path(os.environ.get(ENV_VAR) or Path.home() / ".cache" / "nn-course")
    path = root.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path
