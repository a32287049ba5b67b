"""Find each student's notebook in a folder of submissions, and say what is wrong with it.

Accepted layouts, per student: ``FOLDER/<student>/<notebook>.ipynb``,
``FOLDER/<student>/<lab>/<notebook>.ipynb`` (nbgrader's own) and ``FOLDER/<student>.ipynb``.
``<student>`` may be any text (see :mod:`autograder.ids`); every entry of the folder ends as a
:class:`Submission`, graded or with the reason it cannot be. Nothing here follows a link or
opens anything but a regular file.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.engine import read_regular, regular_kind
from autograder.ids import safe_id

#: The largest notebook accepted for grading (the labs' notebooks are well under 1 MB).
MAX_NOTEBOOK_BYTES = 32 * 1024 * 1024

#: Signs, in a student's code, of reaching into the kernel's machinery or the grader's files:
#: legitimate answers never need them, so a person should look.
_SUSPICIOUS = re.compile(r"ipykernel|jupyter_client|\bzmq\b|run_cell|\bSession\b|showtraceback|"
                         r"sqlite3|gradebook|json\.dumps\s*=|sys\.modules\[|/proc/|"
                         r"get_ipython\(\)\.(?:kernel|events|ast_transformers|input_transformers)")


@dataclass(frozen=True)
class Submission:
    """A student's notebook (its bytes), or the reason there is none to grade. ``student`` is
    the safe id; ``name`` the folder or file name as handed in."""

    student: str
    name: str
    notebook: bytes | None
    problem: str | None = None

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.notebook or b"").hexdigest()


def invalid_reason(data: bytes) -> str | None:
    """Why the notebook ``data`` cannot be graded (not JSON, not a notebook), or ``None``."""
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # nbformat raises several types for broken files
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"not a valid notebook ({first[:120]})"
    return None


def _grade_cells(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    return [(c.metadata["nbgrader"]["grade_id"], c.cell_type) for c in nb.cells
            if "grade_id" in c.metadata.get("nbgrader", {})]


@functools.lru_cache(maxsize=8)
def _released_cells(released: Path, mtime_ns: int, size: int) -> dict[str, str]:
    """The release's graded cells, read once per version of the file (not once per student)."""
    return dict(_grade_cells(nbformat.read(released, as_version=4)))


def tampering(notebook: bytes, released: Path) -> str | None:
    """How the nbgrader cells of ``notebook`` differ from the release (deleted, duplicated,
    changed in type, stripped of metadata: nbgrader restores what it can), and whether its
    code reaches into the kernel or the grader; ``None`` when nothing needs a look."""
    nb = nbformat.reads(notebook.decode("utf-8"), as_version=4)
    stat = released.stat()
    expected = _released_cells(released, stat.st_mtime_ns, stat.st_size)
    found = _grade_cells(nb)
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
    touched = sorted({m.group(0) for c in nb.cells if c.cell_type == "code"
                      for m in _SUSPICIOUS.finditer(c.source)})
    if touched:
        problems.append(f"code touches the kernel or the grader ({', '.join(touched)})")
    return "tampered notebook: " + "; ".join(problems) if problems else None


def _notebooks_in(folder: Path) -> list[Path]:
    found = []
    for top, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d != ".ipynb_checkpoints")
        found += [Path(top, f) for f in sorted(files) if f.endswith(".ipynb")]
    return found


def _read(student: str, name: str, path: Path) -> Submission:
    kind = regular_kind(path)
    if kind is not None:
        return Submission(student, name, None, kind)
    data = read_regular(path, MAX_NOTEBOOK_BYTES)
    if data is None:
        return Submission(student, name, None, f"notebook larger than {MAX_NOTEBOOK_BYTES >> 20} MiB")
    return Submission(student, name, data, invalid_reason(data))


def _pick(student: str, name: str, notebooks: list[Path], expected: str) -> Submission:
    if not notebooks:
        return Submission(student, name, None, f"missing notebook: no {expected} was handed in")
    named = [p for p in notebooks if p.name == expected]
    if not named:
        found = ", ".join(p.name for p in notebooks)
        return Submission(student, name, None, f"misnamed file: expected {expected}, found {found}")
    if len(named) > 1:
        return Submission(student, name, None, f"{len(named)} copies of {expected}; hand in one")
    return _read(student, name, named[0])


def _entry(path: Path, expected: str, known: Collection[str]) -> Submission:
    name = path.name

    def student(text: str) -> str:
        return text if text in known else safe_id(text)

    if regular_kind(path) == "a folder":
        return _pick(student(name), name, _notebooks_in(path), expected)
    stem = name.removesuffix(".ipynb")
    if regular_kind(path) is None and not name.endswith(".ipynb"):
        return Submission(student(stem), name, None, f"not a notebook: {name}")
    return _read(student(stem), name, path)


def find_submissions(folder: Path, expected: str, known: Collection[str] = ()) -> list[Submission]:
    """One :class:`Submission` per student found in ``folder`` (hidden files aside); two
    entries that belong to the same student give one submission that says so. A folder named
    by an id in ``known`` (the ids ``collect`` gave) keeps that id; any other name is mapped
    with :func:`~autograder.ids.safe_id`."""
    if not folder.is_dir():
        raise FileNotFoundError(f"no folder of submissions at {folder}")
    by_student: dict[str, list[Submission]] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.name == "__MACOSX":
            continue
        sub = _entry(path, expected, known)
        by_student.setdefault(sub.student, []).append(sub)
    found = []
    for student, subs in by_student.items():
        if len(subs) > 1:
            names = ", ".join(s.name for s in subs)
            found.append(Submission(student, subs[0].name, None, f"handed in twice ({names}); keep one"))
        else:
            found.append(subs[0])
    return found
