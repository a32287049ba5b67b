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


def tampering(notebook: Path, released: Path) -> str | None:
    """How the nbgrader cells of ``notebook`` differ from the release: deleted, duplicated,
    changed in type, or stripped of metadata (nbgrader restores what it can; a person should
    look), or ``None``."""
    def cells(path: Path) -> list[tuple[str, str]]:
        nb = nbformat.read(path, as_version=4)
        return [(c.metadata["nbgrader"]["grade_id"], c.cell_type) for c in nb.cells
                if "grade_id" in c.metadata.get("nbgrader", {})]

    expected = dict(cells(released))
    found = cells(notebook)
    ids = [gid for gid, _ in found]
    problems = []
    missing = sorted(set(expected) - set(ids))
    if missing:
        problems.append(f"cells deleted or stripped of metadata: {', '.join(missing)}")
    duplicated = sorted({gid for gid in ids if ids.count(gid) > 1})
    if duplicated:
        problems.append(f"cells duplicated: {', '.join(duplicated)}")
    retyped = sorted(gid for gid, kind in found if gid in expected and expected[gid] != kind)
    if retyped:
        problems.append(f"cells changed in type: {', '.join(retyped)}")
    return "tampered notebook: " + "; ".join(problems) if problems else None


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
