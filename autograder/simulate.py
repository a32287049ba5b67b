"""Simulated students: the released lab with the solution filled in, optionally with a mistake.

A lab's catalogue of plausible mistakes lives in ``solutions/<lab>/mistakes.json``: each entry
names a solution cell (its nbgrader ``grade_id``), a text to find there and its replacement, and
the test cells the mistake must lose.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import nbformat

_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


@dataclass(frozen=True)
class Mistake:
    """One plausible student mistake: replace ``find`` by ``replace`` in solution cell ``cell``."""

    name: str
    cell: str
    find: str
    replace: str
    loses: tuple[str, ...] = ()


def load_mistakes(lab_dir: Path) -> list[Mistake]:
    """The mistake catalogue of the lab whose source folder is ``lab_dir`` (empty if none)."""
    path = lab_dir / "mistakes.json"
    if not path.is_file():
        return []
    return [Mistake(**{**m, "loses": tuple(m.get("loses", ()))})
            for m in json.loads(path.read_text(encoding="utf-8"))]


def _grade_id(cell: nbformat.NotebookNode) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def solved_notebook(source: Path, released: Path,
                    mistakes: tuple[Mistake, ...] = ()) -> nbformat.NotebookNode:
    """The released notebook with every solution cell answered from ``source``, then ``mistakes``.

    Raises ``ValueError`` when a mistake's text is not found exactly once in its cell, so that
    a catalogue that no longer matches the solution is noticed.
    """
    answers = {_grade_id(c): c.source for c in nbformat.read(source, as_version=4).cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    nb = nbformat.read(released, as_version=4)
    for cell in nb.cells:
        gid = _grade_id(cell)
        if gid in answers:
            cell.source = "\n".join(line for line in answers[gid].splitlines()
                                    if line.strip() not in _MARKERS)
    cells = {_grade_id(c): c for c in nb.cells}
    for mistake in mistakes:
        cell = cells.get(mistake.cell)
        count = cell.source.count(mistake.find) if cell is not None else 0
        if count != 1:
            raise ValueError(f"mistake {mistake.name!r}: its text occurs {count} times in cell "
                             f"{mistake.cell!r}, expected once")
        cell.source = cell.source.replace(mistake.find, mistake.replace)
    return nb
