"""The leak checks: nothing of ``solutions/`` in the released labs (:func:`find_leaks`), and
nothing of the instructor's in the student edition (:func:`find_edition_leaks`)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import nbformat

from autograder.course import PACKAGE_FOLDERS, Course

MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
_REGION = re.compile(r"^\s*### BEGIN (SOLUTION|HIDDEN TESTS)\s*$(.*?)^\s*### END \1\s*$",
                     re.MULTILINE | re.DOTALL)
_MIN_LENGTH = 12
#: Folders and files of the instructor's repository that never belong in the student edition.
INSTRUCTOR_FOLDERS = ("solutions", "references", "autograder", "tests", "benchmarks", "grading")
INSTRUCTOR_FILES = ("mistakes.json", "visible_only.json", "nbgrader_config.py", "conftest.py", "gradebook.db")
#: Folders of the course whose files no published file may copy byte for byte (nor of this
#: package, wherever it is installed).
_COPY_SOURCES = ("solutions", "references", "tests", "benchmarks")


def _significant(lines: str) -> set[str]:
    """Lines long enough to identify code (short lines like ``return self`` are everywhere)."""
    return {s for s in (line.strip() for line in lines.splitlines())
            if len(s) >= _MIN_LENGTH and not s.startswith("#")}


def _code_text(path: Path) -> str:
    """A notebook's cell sources (a ``.ipynb``), or a file's text."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":
        return "\n".join(c.source for c in nbformat.reads(text, as_version=4).cells)
    return text


def split_lines(source: Path) -> tuple[set[str], set[str]]:
    """Significant lines inside, and outside, the solution and hidden-test regions of a notebook
    (``.ipynb`` or ``.py``). A file with no region is all inside: lecture answers, say (``.md``)."""
    text = _code_text(source)
    if not _REGION.search(text):
        return _significant(text), set()
    inside = "".join(m.group(2) for m in _REGION.finditer(text))
    return _significant(inside), _significant(_REGION.sub("", text))


def _walk(folder: Path) -> list[Path]:
    """Every file under ``folder``, sorted, outside ``.git`` and notebook checkpoints."""
    return sorted(p for p in folder.rglob("*") if p.is_file()
                  and not {".git", ".ipynb_checkpoints"} & set(p.relative_to(folder).parts))


def secret_lines(course: Course) -> dict[str, str]:
    """``{line: where}`` (``where`` a folder of ``solutions/``) for lines that only solutions
    show: inside a lab's secret regions or in a file of answers, and never in the given code of
    any lab or in a lecture (``self.b_ = 0.0`` handed out in one lab is no leak of another)."""
    secrets: dict[str, str] = {}
    public: set[str] = set()
    for path in _walk(course.solutions):
        if path.suffix in (".py", ".ipynb", ".md"):
            inside, outside = split_lines(path)
            secrets.update(dict.fromkeys(inside, path.parent.relative_to(course.solutions).as_posix()))
            public |= outside
    for lecture in sorted((course.root / "lectures").glob("*.ipynb")):
        public |= _significant(_code_text(lecture))
    for folder in PACKAGE_FOLDERS:  # the helper packages students get (a judge may share a line)
        for path in sorted((course.root / folder).rglob("*.py")):
            public |= _significant(path.read_text(encoding="utf-8"))
    return {line: where for line, where in secrets.items() if line not in public}


def find_leaks(course: Course, released: Path | None = None, names_from: Path | None = None) -> list[str]:
    """Every file under ``released`` (default ``labs/``) that shows a marker or a line only
    ``solutions/`` has, named from ``names_from`` (default: ``released``'s parent); empty means
    clean."""
    released = released or course.labs
    secrets = secret_lines(course)
    leaks = []
    for path in _walk(released):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        rel = path.relative_to(names_from or released.parent)
        leaks += [f"{rel}: contains the marker {m!r}" for m in MARKERS if m in text]
        if path.suffix == ".ipynb":
            text = _code_text(path)
        for line in sorted(_significant(text) & secrets.keys()):
            leaks.append(f"{rel}: shows a line of solutions/{secrets[line]} (a solution, hidden "
                         f"test or answer): {line!r}")
    return leaks


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def find_edition_leaks(course: Course, edition: Path) -> list[str]:
    """Everything in the student edition at ``edition`` that is the instructor's: an instructor
    folder or file by name (``solutions/``, ``autograder/``, tests, ``mistakes.json``...), a copy
    of a file from those folders, a marker, or a line only ``solutions/`` has."""
    package = Path(__file__).resolve().parent
    folders = [(course.root / name, course.root) for name in _COPY_SOURCES] + [(package, package.parent)]
    copies = {_digest(p): p.relative_to(base).as_posix()
              for folder, base in folders if folder.is_dir()
              for p in _walk(folder) if p.stat().st_size}
    leaks = []
    for path in _walk(edition):
        rel = path.relative_to(edition)
        if set(rel.parts[:-1]) & set(INSTRUCTOR_FOLDERS) or path.name in INSTRUCTOR_FILES or (
                path.name.startswith("test_") and path.suffix == ".py"):
            leaks.append(f"{rel}: instructor-only, never part of the student edition")
        elif path.stat().st_size and _digest(path) in copies:
            leaks.append(f"{rel}: a copy of the instructor's {copies[_digest(path)]}")
    return leaks + find_leaks(course, edition, names_from=edition)


def secret_region_lines(text: str) -> set[str]:
    """The significant lines inside the solution and hidden-test regions of ``text``."""
    return _significant("".join(m.group(2) for m in _REGION.finditer(text)))
