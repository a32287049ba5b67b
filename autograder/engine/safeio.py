"""Reading files a student may have shaped: never follow a link, never block on a pipe."""

from __future__ import annotations

import os
import stat
from pathlib import Path


class NotRegular(ValueError):
    """The path is a link, a pipe, a socket, a device or a folder: nothing to read."""


def regular_kind(path: Path) -> str | None:
    """``None`` for a regular file, else what ``path`` is instead (for a reason shown to people)."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return "missing"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return "a link, not a notebook"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file (a pipe, socket or device)"


def read_regular(path: Path, max_bytes: int) -> bytes | None:
    """The bytes of the regular file ``path``, or ``None`` when it is anything else, is
    missing or is larger than ``max_bytes``; opened without following links or blocking."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
            return None
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read(max_bytes + 1)[:max_bytes]
    finally:
        os.close(fd)
