"""The notebook check: pairs in sync, no outputs, the right Colab badge."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import jupytext
import nbformat

from autograder.course import BRANCH, REPOSITORY

NOTEBOOK_FOLDERS = ("lectures", "solutions", "labs")


def badge_url(relpath: str) -> str:
    """The Colab address of the notebook at ``relpath`` in the repository."""
    return f"https://colab.research.google.com/github/{REPOSITORY}/blob/{BRANCH}/{relpath}"


def _cells(nb: nbformat.NotebookNode) -> list[tuple[str, str, object]]:
    return [(c.cell_type, c.source.strip(), c.metadata.get("nbgrader")) for c in nb.cells]


def check_notebook(ipynb: Path, root: Path) -> list[str]:
    """Problems with one ``.ipynb``: no pair, pair out of sync, outputs, wrong badge."""
    rel = ipynb.relative_to(root).as_posix()
    problems = []
    nb = nbformat.read(ipynb, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count")):
            problems.append(f"{rel}: cell {i} carries outputs; clear them (jupytext --sync the .py)")
            break
    py = ipynb.with_suffix(".py")
    if not py.is_file():
        problems.append(f"{rel}: no paired {py.name}; the .py is the source to edit")
    else:
        paired = jupytext.read(py)
        if _cells(paired) != _cells(nb):
            problems.append(f"{rel}: out of sync with {py.name}; run `jupytext --sync {py.relative_to(root)}`")
    first_markdown = next((c.source for c in nb.cells if c.cell_type == "markdown"), "")
    if f"({badge_url(rel)})" not in first_markdown:
        problems.append(f"{rel}: the first markdown cell lacks the Open in Colab badge for {badge_url(rel)}")
    return problems


def all_notebooks(root: Path) -> list[Path]:
    """Every committed notebook in the notebook folders."""
    found: list[Path] = []
    for folder in NOTEBOOK_FOLDERS:
        found += [p for p in sorted((root / folder).rglob("*.ipynb"))
                  if ".ipynb_checkpoints" not in p.parts]
    return found


def check_notebooks(root: Path, notebooks: Iterable[Path] | None = None) -> list[str]:
    """Problems across ``notebooks`` (default: all), plus ``.py`` sources with no ``.ipynb``."""
    notebooks = list(notebooks) if notebooks is not None else all_notebooks(root)
    problems = [p for nb in notebooks for p in check_notebook(nb, root)]
    for folder in NOTEBOOK_FOLDERS:
        for py in sorted((root / folder).rglob("*.py")):
            text = py.read_text(encoding="utf-8")
            if "# %%" in text and not py.with_suffix(".ipynb").is_file():
                problems.append(f"{py.relative_to(root)}: no paired .ipynb; run `jupytext --sync`")
    return problems
