"""Simulated students: the released lab with its answer cells filled in.

A lab's source folder (``solutions/<lab>/``) holds, beside the instructor notebook:

- ``mistakes.json``: a catalogue of plausible mistakes; each entry names a solution cell (its
  nbgrader ``grade_id``), a text to find there and its replacement, and the test cells the
  mistake must lose. The file is either that list, or ``{"mistakes": [...], "rulings": [...]}``
  where each ruling records, for the people who maintain the lab, a choice the lab's text left
  open that a reference took differently, and whether the text now states it or the test
  stopped checking it;
- ``references/<name>.json``: independent correct implementations, written from the released
  notebook's text alone; each must score full marks;
- ``visible_only.json``: a submission that passes the visible tests by special-casing their
  inputs without implementing anything; it must score almost nothing.

A reference and the visible-only file share one shape: ``{"author": ..., "what": "one line",
"varies": [...], "cells": {"<grade_id>": "<full source of that answer cell>"}}``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
#: Put before a mistake's cell by the verification's ``patched-checks`` student: it patches
#: numpy's comparisons and builtins, rebinds the check helpers and changes directory, and must
#: still lose the mistake's points (hidden tests may not trust what a notebook can rebind).
PATCHING_PRELUDE = ("import builtins, os, numpy as np\n"
                    "np.allclose = lambda *a, **k: True\n"
                    "np.array_equal = lambda *a, **k: True\n"
                    "np.isclose = lambda *a, **k: np.ones(np.shape(a[0]), dtype=bool)\n"
                    "expect_close = expect_equal = expect = lambda *a, **k: None\n"
                    "builtins.all = lambda *a, **k: True\n"
                    "os.chdir('/')\n\n")
REFERENCES = "references"
VISIBLE_ONLY = "visible_only.json"


@dataclass(frozen=True)
class Mistake:
    """One plausible student mistake: replace ``find`` by ``replace`` in solution cell ``cell``."""

    name: str
    cell: str
    find: str
    replace: str
    loses: tuple[str, ...] = ()


@dataclass(frozen=True)
class Answers:
    """A whole submission given as its answer cells: ``{grade_id: source}``."""

    name: str
    author: str
    what: str
    cells: dict[str, str]
    varies: tuple[str, ...] = field(default=())


def load_mistakes(lab_dir: Path) -> list[Mistake]:
    """The mistake catalogue of the lab whose source folder is ``lab_dir`` (empty if none)."""
    path = lab_dir / "mistakes.json"
    if not path.is_file():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    entries = data["mistakes"] if isinstance(data, dict) else data
    return [Mistake(**{**m, "loses": tuple(m.get("loses", ()))}) for m in entries]


def load_answers(path: Path) -> Answers:
    """A reference or visible-only submission stored at ``path``."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return Answers(name=path.stem, author=data.get("author", ""), what=data.get("what", ""),
                   cells=dict(data["cells"]), varies=tuple(data.get("varies", ())))


def load_references(lab_dir: Path) -> list[Answers]:
    """The independent references of the lab whose source folder is ``lab_dir``, by name."""
    return [load_answers(p) for p in sorted((lab_dir / REFERENCES).glob("*.json"))]


def load_visible_only(lab_dir: Path) -> Answers | None:
    """The lab's visible-only submission, or ``None`` when it has none yet."""
    path = lab_dir / VISIBLE_ONLY
    return load_answers(path) if path.is_file() else None


def _grade_id(cell: nbformat.NotebookNode) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def filled_notebook(released: Path, cells: dict[str, str]) -> nbformat.NotebookNode:
    """The released notebook with each answer cell named in ``cells`` replaced by its source.

    Raises ``ValueError`` when ``cells`` names a cell that is not an answer cell of the
    release, so that a submission written against another version of the lab is noticed.
    """
    nb = nbformat.read(released, as_version=4)
    answer_cells = {_grade_id(c): c for c in nb.cells
                    if c.metadata.get("nbgrader", {}).get("solution")}
    unknown = sorted(set(cells) - set(answer_cells))
    if unknown:
        raise ValueError(f"no answer cell called {', '.join(map(repr, unknown))} in {released}")
    for gid, source in cells.items():
        answer_cells[gid].source = source
    return nb


def solution_cells(source: Path) -> dict[str, str]:
    """The answer cells of the instructor notebook ``source``, solution markers removed."""
    return {_grade_id(c): "\n".join(line for line in c.source.splitlines()
                                    if line.strip() not in _MARKERS)
            for c in nbformat.read(source, as_version=4).cells
            if c.metadata.get("nbgrader", {}).get("solution")}


def solved_notebook(source: Path, released: Path, mistakes: tuple[Mistake, ...] = (),
                    prelude: str = "") -> nbformat.NotebookNode:
    """The released notebook with every answer cell taken from ``source``, then ``mistakes``
    (each with ``prelude`` put before its cell's code).

    Raises ``ValueError`` when a mistake's text is not found exactly once in its cell, so that
    a catalogue that no longer matches the solution is noticed.
    """
    cells = solution_cells(source)
    for mistake in mistakes:
        count = cells[mistake.cell].count(mistake.find) if mistake.cell in cells else 0
        if count != 1:
            raise ValueError(f"mistake {mistake.name!r}: its text occurs {count} times in cell "
                             f"{mistake.cell!r}, expected once")
        cells[mistake.cell] = prelude + cells[mistake.cell].replace(mistake.find, mistake.replace)
    return filled_notebook(released, cells)
