"""Find each student's notebook in a folder of submissions, and say what is wrong with it.

Accepted layouts, per student: ``FOLDER/<student>/<notebook>.ipynb``,
``FOLDER/<student>/<lab>/<notebook>.ipynb`` (nbgrader's own) and ``FOLDER/<student>.ipynb``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

_STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]*$")


@dataclass(frozen=True)
class Submission:
    """A student's notebook, or the reason there is none to grade."""

    student: str
    notebook: Path | None
    problem: str | None = None


def _notebooks_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def invalid_reason(notebook: Path) -> str | None:
    """Why ``notebook`` cannot be graded (not JSON, not a notebook), or ``None``."""
    try:
        nb = nbformat.read(notebook, as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # nbformat raises several types for broken files
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"not a valid notebook ({first[:120]})"
    return None


def _pick(student: str, notebooks: list[Path], expected: str) -> Submission:
    if not notebooks:
        return Submission(student, None, f"missing notebook: no {expected} was handed in")
    named = [p for p in notebooks if p.name == expected]
    if not named:
        found = ", ".join(p.name for p in notebooks)
        return Submission(student, None, f"misnamed file: expected {expected}, found {found}")
    if len(named) > 1:
        return Submission(student, None, f"{len(named)} copies of {expected}; hand in one")
    return Submission(student, named[0], invalid_reason(named[0]))


def find_submissions(folder: Path, expected: str) -> list[Submission]:
    """One :class:`Submission` per student found in ``folder``; ``expected`` is the file name."""
    if not folder.is_dir():
        raise FileNotFoundError(f"no folder of submissions at {folder}")
    found = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        student = entry.stem if entry.is_file() else entry.name
        if not _STUDENT_ID.match(student):
            continue
        if entry.is_dir():
            found.append(_pick(student, _notebooks_in(entry), expected))
        elif entry.suffix == ".ipynb":
            found.append(Submission(student, entry, invalid_reason(entry)))
    return found
