"""``release LAB``: nbgrader generates the student version, then the leak check runs.

Releasing also stamps: the lab's source notebooks and its release get the badge and Setup cell
``[tool.nn-course]`` says (:func:`autograder.notebooks.stamp`); :func:`restamp` does it for every
notebook of the course.
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat

from autograder.course import Course, CourseError, Edition
from autograder.leaks import find_leaks
from autograder.nbgrader_api import check_result, nbgrader_api
from autograder.notebooks import read_source, stamp, write_source


def _write_release(nb: nbformat.NotebookNode, ipynb: Path) -> None:
    """Write a released notebook and its ``.py`` (a release is made from the ``.ipynb``)."""
    nbformat.write(nb, ipynb)
    jupytext.write(nb, ipynb.with_suffix(".py"), fmt="py:percent")


def stamp_source(py: Path, root: Path, edition: Edition) -> bool:
    """Stamp the notebook whose source is ``py`` (its ``.ipynb`` follows); True if it changed."""
    nb = read_source(py)
    if not stamp(nb, py.with_suffix(".ipynb").relative_to(root).as_posix(), edition):
        return False
    write_source(nb, py)
    return True


def _stamp_release(ipynb: Path, root: Path, edition: Edition) -> bool:
    nb = nbformat.read(ipynb, as_version=4)
    if not stamp(nb, ipynb.relative_to(root).as_posix(), edition):
        return False
    _write_release(nb, ipynb)
    return True


def restamp(course: Course) -> list[Path]:
    """Stamp every lecture, lab source and released lab; return the notebooks that changed."""
    edition = course.edition
    changed = [py for folder in (course.root / "lectures", course.solutions)
               for py in sorted(folder.rglob("*.py"))
               if py.with_suffix(".ipynb").is_file() and stamp_source(py, course.root, edition)]
    changed += [ipynb for ipynb in sorted(course.labs.glob("*/*.ipynb"))
                if _stamp_release(ipynb, course.root, edition)]
    return changed


def release(course: Course, lab: str, dest: Path | None = None) -> list[Path]:
    """Release ``lab`` into ``dest`` (default ``labs/``), pair each notebook with a ``.py``.

    Raises :class:`CourseError` when the leak check finds anything.
    """
    course.require_lab(lab)
    dest = dest or course.labs
    edition = course.edition
    for source in course.source_notebooks(lab):
        stamp_source(source.with_suffix(".py"), course.root, edition)
    api = nbgrader_api(course, release_dir=dest)
    check_result(api.generate_assignment(lab, force=True), f"generate_assignment {lab}")
    written = []
    for source in course.source_notebooks(lab):
        released = dest / lab / source.name
        nb = nbformat.read(released, as_version=4)
        stamp(nb, f"labs/{lab}/{source.name}", edition)
        _write_release(nb, released)
        written += [released, released.with_suffix(".py")]
    leaks = find_leaks(course, dest)
    if leaks:
        raise CourseError("the release leaks solutions or hidden tests:\n  " + "\n  ".join(leaks))
    return written
