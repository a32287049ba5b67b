"""``release LAB``: nbgrader generates the student version, then the leak check runs."""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat

from autograder.course import Course, CourseError
from autograder.leaks import find_leaks
from autograder.nbgrader_api import check_result, nbgrader_api


def _point_badge_at(nb: nbformat.NotebookNode, source_rel: str, release_rel: str) -> None:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = cell.source.replace(source_rel, release_rel)


def release(course: Course, lab: str, dest: Path | None = None) -> list[Path]:
    """Release ``lab`` into ``dest`` (default ``labs/``), pair each notebook with a ``.py``.

    Raises :class:`CourseError` when the leak check finds anything.
    """
    course.require_lab(lab)
    dest = dest or course.labs
    api = nbgrader_api(course, release_dir=dest)
    check_result(api.generate_assignment(lab, force=True), f"generate_assignment {lab}")
    written = []
    for source in course.source_notebooks(lab):
        released = dest / lab / source.name
        nb = nbformat.read(released, as_version=4)
        _point_badge_at(nb, f"solutions/{lab}/{source.name}", f"labs/{lab}/{source.name}")
        nbformat.write(nb, released)
        jupytext.write(nb, released.with_suffix(".py"), fmt="py:percent")
        written += [released, released.with_suffix(".py")]
    leaks = find_leaks(course, dest)
    if leaks:
        raise CourseError("the release leaks solutions or hidden tests:\n  " + "\n  ".join(leaks))
    return written
