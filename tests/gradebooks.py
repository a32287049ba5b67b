"""A graded class written straight into a gradebook, for tests of what comes after grading
(reports, LMS files) without running any notebook."""

from __future__ import annotations

import json
import warnings

import autograder.nbgrader_api  # noqa: F401  (nbgrader's gradebook needs its schema patch)
from autograder.course import Course
from autograder.grade import reasons_path
from autograder.roster import Identity, write_identities

POINTS = {"test_fit": 5.0, "test_predict": 15.0}


def fake_grading(course: Course, lab: str, scores: dict[str, dict[str, float]],
                 reasons: dict[str, str] | None = None,
                 identities: list[Identity] = ()) -> None:
    """Record ``scores`` (``{student: {cell: points}}``, cells of :data:`POINTS`) for ``lab``,
    the grading's ``reasons`` and the students' LMS ``identities``, as grade and collect do."""
    course.work.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings(), course.open_gradebook() as gb:
        warnings.simplefilter("ignore")
        gb.add_assignment(lab)
        gb.add_notebook(lab, lab)
        for cell, points in POINTS.items():
            gb.add_grade_cell(cell, lab, lab, max_score=points, cell_type="code")
        for student, cells in scores.items():
            gb.add_student(student)
            gb.add_submission(lab, student)
            for cell, score in cells.items():
                gb.find_grade(cell, lab, lab, student).auto_score = score
        for student in reasons or {}:
            gb.update_or_create_student(student)
        gb.db.commit()
    path = reasons_path(course, lab)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(reasons or {}), encoding="utf-8")
    write_identities(course, lab, list(identities))
