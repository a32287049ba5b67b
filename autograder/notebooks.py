"""The notebook conventions and their check: pairs in sync, no outputs, and the badge and Setup
cell that ``[tool.nn-course]`` (:class:`~autograder.course.Edition`) says.

Lectures and labs carry an *Open in Colab* badge pointing at themselves in the student edition;
solutions carry none (``release`` gives each lab its own). Every notebook's Setup cell, the first
code cell under its ``## Setup`` heading, is the same text: it installs the edition's package on
Colab, then calls :func:`nnkit.colab.setup` with what the notebook needs. :func:`stamp` writes
both; the check is :func:`stamp` run on a copy.
"""

from __future__ import annotations

import ast
import copy
import re
from collections.abc import Iterable
from pathlib import Path

import jupytext
import jupytext.cli
import jupytext.config
import nbformat

from autograder.course import CourseError, Edition
from nnkit.colab import NEEDS

NOTEBOOK_FOLDERS = ("lectures", "solutions", "labs")
#: The folders the student edition publishes; their notebooks carry a badge.
PUBLISHED_FOLDERS = ("lectures", "labs")

BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
_BADGE = re.compile(r"\[!\[Open In Colab\]\([^)\s]*\)\]\([^)\s]*\)")
_SETUP_HEADING = re.compile(r"^#{1,6}\s*Setup\s*$", re.MULTILINE)
_SETUP_CALL = re.compile(r"^setup\((?:needs=(.*))?\)\s*$", re.MULTILINE)
SETUP_IMPORT = "from nnkit.colab import setup"

SETUP_CELL = '''\
# Setup, the same in every notebook: on Colab, install the course package (the version that
# matches this notebook), then make ready what this notebook needs.
import importlib.util
import subprocess
import sys

COURSE_PACKAGE = "{install}"
if importlib.util.find_spec("nnkit") is None:
    class SetupFailed(Exception):
        def _render_traceback_(self):  # IPython shows this line instead of a traceback
            return [f"Setup failed: {{self}}"]

    if "google.colab" not in sys.modules:
        raise SetupFailed("the course package is not installed in this Python; "
                          "install it as the course README says, then restart the kernel")
    if subprocess.run([sys.executable, "-m", "pip", "install", "-q", COURSE_PACKAGE],
                      capture_output=True).returncode:
        raise SetupFailed("could not install the course package; check that this runtime is online "
                          "(or upload the course wheel and %pip install it), then run this cell again")
    importlib.invalidate_caches()

{import_line}

{call}'''


def badge(url: str) -> str:
    """The Markdown of an *Open in Colab* badge for ``url``."""
    return f"[![Open In Colab]({BADGE_IMAGE})]({url})"


def setup_cell(edition: Edition, needs: Iterable[str] = ()) -> str:
    """The Setup cell's source for a notebook that needs ``needs`` (keys of ``nnkit.colab.NEEDS``)."""
    needs = tuple(needs)
    unknown = sorted(set(needs) - NEEDS.keys())
    if unknown:
        raise CourseError(f"unknown Setup needs {unknown}; known: {sorted(NEEDS)}")
    quoted = ", ".join(f'"{need}"' for need in needs) + ("," if len(needs) == 1 else "")
    call = f"setup(needs=({quoted}))" if needs else "setup()"
    return SETUP_CELL.format(install=edition.install, import_line=SETUP_IMPORT, call=call)


def _setup_needs(source: str) -> tuple[str, ...]:
    """The ``needs`` a Setup cell passes to ``setup``."""
    match = _SETUP_CALL.search(source)
    return tuple(ast.literal_eval(match.group(1))) if match and match.group(1) else ()


def _stamp_badge(cell: nbformat.NotebookNode, wanted: str | None) -> bool:
    """Put ``wanted`` (or no badge) into the title cell, just under its first line."""
    old = cell.source
    if wanted is None:
        new = re.sub(r"\n*" + _BADGE.pattern + r"[ \t]*", "", old, count=1)
    elif _BADGE.search(old):
        new = _BADGE.sub(lambda _: wanted, old, count=1)
    else:
        title, _, rest = old.partition("\n")
        new = f"{title}\n\n{wanted}" + (f"\n\n{rest.lstrip(chr(10))}" if rest.strip() else "")
    cell.source = new
    return new != old


def _stamp_setup(nb: nbformat.NotebookNode, edition: Edition, rel: str) -> bool:
    """Make the first code cell under ``## Setup`` the Setup cell (inserting one if needed)."""
    heading = next((i for i, c in enumerate(nb.cells)
                    if c.cell_type == "markdown" and _SETUP_HEADING.search(c.source)), None)
    if heading is None:
        raise CourseError(f"{rel}: no '## Setup' section (its first code cell is the Setup cell)")
    at = next((i for i in range(heading + 1, len(nb.cells)) if nb.cells[i].cell_type == "code"),
              len(nb.cells))
    current = nb.cells[at] if at < len(nb.cells) else None
    if current is None or SETUP_IMPORT not in current.source:
        nb.cells.insert(at, nbformat.v4.new_code_cell(setup_cell(edition)))
        return True
    wanted = setup_cell(edition, _setup_needs(current.source))
    changed = current.source != wanted
    current.source = wanted
    return changed


def stamp(nb: nbformat.NotebookNode, rel: str, edition: Edition) -> list[str]:
    """Give ``nb`` (at ``rel`` in the repository) the badge and Setup cell ``edition`` says;
    return what changed (``"badge"``, ``"Setup cell"``)."""
    title = next((c for c in nb.cells if c.cell_type == "markdown"), None)
    if title is None:
        raise CourseError(f"{rel}: no markdown cell to carry the title and badge")
    published = rel.split("/", 1)[0] in PUBLISHED_FOLDERS
    changed = []
    if _stamp_badge(title, badge(edition.badge_url(rel)) if published else None):
        changed.append("badge")
    if _stamp_setup(nb, edition, rel):
        changed.append("Setup cell")
    return changed


def read_source(py: Path) -> nbformat.NotebookNode:
    """A notebook's ``.py`` source, read with the repository's jupytext configuration."""
    return jupytext.read(py, config=jupytext.config.load_jupytext_config(str(py)))


def write_source(nb: nbformat.NotebookNode, py: Path) -> None:
    """Write ``nb`` to its ``.py`` source, then sync the paired ``.ipynb`` from it."""
    config = jupytext.config.load_jupytext_config(str(py))
    py.write_text(jupytext.writes(nb, fmt="py:percent", config=config), encoding="utf-8")
    jupytext.cli.jupytext(["--sync", "--quiet", str(py)])


def _cells(nb: nbformat.NotebookNode) -> list[tuple[str, str, object]]:
    return [(c.cell_type, c.source.strip(), c.metadata.get("nbgrader")) for c in nb.cells]


_FIX = {
    "badge": "the Colab badge disagrees with [tool.nn-course] (lectures and labs carry their own, "
             "solutions none)",
    "Setup cell": "the Setup cell (first code cell under '## Setup') disagrees with "
                  "[tool.nn-course]",
}


def check_notebook(ipynb: Path, root: Path, edition: Edition | None = None) -> list[str]:
    """Problems with one ``.ipynb``: no pair, pair out of sync, outputs, badge or Setup cell not
    as ``edition`` (default: the one ``root/pyproject.toml`` configures) says."""
    rel = ipynb.relative_to(root).as_posix()
    edition = edition or Edition.read(root)
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
    try:
        changed = stamp(copy.deepcopy(nb), rel, edition)
    except CourseError as exc:
        return [*problems, str(exc)]
    problems += [f"{rel}: {_FIX[part]}; `autograder publish DIR` restamps every notebook"
                 for part in changed]
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
    edition = Edition.read(root)
    problems = [p for nb in notebooks for p in check_notebook(nb, root, edition)]
    for folder in NOTEBOOK_FOLDERS:
        for py in sorted((root / folder).rglob("*.py")):
            text = py.read_text(encoding="utf-8")
            if "# %%" in text and not py.with_suffix(".ipynb").is_file():
                problems.append(f"{py.relative_to(root)}: no paired .ipynb; run `jupytext --sync`")
    return problems
