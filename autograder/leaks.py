"""The leak check: no solution code and no hidden test anywhere in the released labs."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from autograder.course import Course

MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
_REGION = re.compile(r"^\s*### BEGIN (SOLUTION|HIDDEN TESTS)\s*$(.*?)^\s*### END \1\s*$",
                     re.MULTILINE | re.DOTALL)
_MIN_LENGTH = 12


def _significant(lines: str) -> set[str]:
    """Lines long enough to identify code (short lines like ``return self`` are everywhere)."""
    return {s for s in (line.strip() for line in lines.splitlines())
            if len(s) >= _MIN_LENGTH and not s.startswith("#")}


def split_lines(source_notebook: Path) -> tuple[set[str], set[str]]:
    """Significant lines inside, and outside, the solution and hidden-test regions."""
    nb = nbformat.read(source_notebook, as_version=4)
    inside: set[str] = set()
    outside: set[str] = set()
    for cell in nb.cells:
        secret = "".join(m.group(2) for m in _REGION.finditer(cell.source))
        inside |= _significant(secret)
        outside |= _significant(_REGION.sub("", cell.source))
    return inside, outside


def secret_lines(course: Course) -> dict[str, str]:
    """``{line: lab}`` for lines that appear only in some lab's secret regions, never in the
    given code of any lab (``self.b_ = 0.0`` handed out in one lab is no leak of another)."""
    secrets: dict[str, str] = {}
    public: set[str] = set()
    for lab in course.lab_names():
        for nb in course.source_notebooks(lab):
            inside, outside = split_lines(nb)
            secrets.update(dict.fromkeys(inside, lab))
            public |= outside
    return {line: lab for line, lab in secrets.items() if line not in public}


def find_leaks(course: Course, released: Path | None = None) -> list[str]:
    """Every released file that shows a marker or a secret line of any lab; empty means clean."""
    released = released or course.labs
    secrets = secret_lines(course)
    leaks = []
    for path in sorted(p for p in released.rglob("*") if p.is_file()):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        rel = path.relative_to(released.parent)
        leaks += [f"{rel}: contains the marker {m!r}" for m in MARKERS if m in text]
        if path.suffix == ".ipynb":
            text = "\n".join(c.source for c in nbformat.reads(text, as_version=4).cells)
        for line in sorted(_significant(text) & secrets.keys()):
            leaks.append(f"{rel}: shows a line of {secrets[line]}'s solution or hidden tests: {line!r}")
    return leaks
