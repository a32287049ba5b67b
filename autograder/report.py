"""``report LAB``: grades from the gradebook as a CSV file and a table in the terminal."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from nbgrader.api import MissingEntry

from autograder.course import Course
from autograder.grade import load_reasons

COLUMNS = ["student_id", "score", "max_score", "percent", "needs_look"]


def grades_table(course: Course, lab: str) -> pd.DataFrame:
    """One row per student known to the gradebook or to the last grading of ``lab``."""
    course.require_lab(lab)
    reasons = load_reasons(course, lab)
    rows = []
    with course.open_gradebook() as gb:
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
    """Write ``table``'s grade columns to ``<work>/reports/<lab>_grades.csv``; return the path."""
    path = course.work / "reports" / f"{lab}_grades.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    table[COLUMNS].to_csv(path, index=False)
    return path


def cell_scores(course: Course, lab: str, student: str) -> dict[str, tuple[float, float]]:
    """``{grade_id: (score, max_score)}`` for each graded cell of ``student``'s ``lab``."""
    scores: dict[str, tuple[float, float]] = {}
    with course.open_gradebook() as gb:
        try:
            submission = gb.find_submission(lab, student)
        except MissingEntry:
            return scores
        for notebook in submission.notebooks:
            for g in notebook.grades:
                scores[g.name] = (float(g.score), float(g.max_score))
    return scores


def question_stats(course: Course, lab: str) -> pd.DataFrame:
    """Per test cell: points, mean score and the share of graded students with full marks."""
    rows = []
    with course.open_gradebook() as gb:
        try:
            assignment = gb.find_assignment(lab)
        except MissingEntry:
            return pd.DataFrame(columns=["question", "points", "mean", "share_full"])
        scores: dict[str, list[float]] = {}
        points: dict[str, float] = {}
        for submission in assignment.submissions:
            for notebook in submission.notebooks:
                for g in notebook.grades:
                    scores.setdefault(g.name, []).append(float(g.score))
                    points[g.name] = float(g.max_score)
    for name, values in scores.items():
        rows.append({"question": name, "points": points[name],
                     "mean": round(sum(values) / len(values), 2),
                     "share_full": round(sum(v >= points[name] for v in values) / len(values), 2)})
    return pd.DataFrame(rows, columns=["question", "points", "mean", "share_full"])


def write_histogram(table: pd.DataFrame, course: Course, lab: str) -> Path:
    """A histogram of the percentages in ``table`` as ``<work>/reports/<lab>_histogram.png``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = course.work / "reports" / f"{lab}_histogram.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.hist(table["percent"], bins=[0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100.001],
            color="tab:blue", edgecolor="black")
    ax.set_xlabel("score (%)")
    ax.set_ylabel("students")
    ax.set_title(f"{lab}: {len(table)} students, mean {table['percent'].mean():.1f} %")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
