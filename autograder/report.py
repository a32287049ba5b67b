"""``report LAB``: grades from the gradebook as a CSV file and a table in the terminal."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from nbgrader.api import Gradebook, MissingEntry

from autograder.course import Course
from autograder.grade import load_reasons

COLUMNS = ["student_id", "score", "max_score", "percent", "needs_look"]


def grades_table(course: Course, lab: str) -> pd.DataFrame:
    """One row per student known to the gradebook or to the last grading of ``lab``."""
    course.require_lab(lab)
    reasons = load_reasons(course, lab)
    rows = []
    with Gradebook(course.db_url) as gb:
        try:
            max_score = gb.find_assignment(lab).max_score
        except MissingEntry:
            max_score = 0.0
        students = sorted({s.id for s in gb.students} | set(reasons))
        for student in students:
            try:
                score = gb.find_submission(lab, student).score
            except MissingEntry:
                if student not in reasons:
                    continue
                score = 0.0
            rows.append({"student_id": student, "score": round(float(score), 2),
                         "max_score": float(max_score),
                         "percent": round(100.0 * score / max_score, 1) if max_score else 0.0,
                         "needs_look": reasons.get(student, "")})
    return pd.DataFrame(rows, columns=COLUMNS)


def write_csv(table: pd.DataFrame, course: Course, lab: str) -> Path:
    """Write ``table`` to ``<work>/reports/<lab>_grades.csv`` and return the path."""
    path = course.work / "reports" / f"{lab}_grades.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False)
    return path


def cell_scores(course: Course, lab: str, student: str) -> dict[str, tuple[float, float]]:
    """``{grade_id: (score, max_score)}`` for each graded cell of ``student``'s ``lab``."""
    scores: dict[str, tuple[float, float]] = {}
    with Gradebook(course.db_url) as gb:
        try:
            submission = gb.find_submission(lab, student)
        except MissingEntry:
            return scores
        for notebook in submission.notebooks:
            for g in notebook.grades:
                scores[g.name] = (float(g.score), float(g.max_score))
    return scores
