"""``report LAB``: grades from the gradebook as a CSV file and a table in the terminal.

Each student's row carries the id the LMS gave (``name``), lateness as ``collect`` recorded it
(:mod:`autograder.roster`) and, with a late policy, the points it cost; ``needs_look`` adds
whom ``similarity`` flagged. Per question, the statistics list first where students struggled
(the lowest share of full marks).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
from nbgrader.api import MissingEntry

from autograder.course import Course, CourseError
from autograder.grade import load_reasons
from autograder.roster import read_identities
from autograder.safetext import write_csv_table
from autograder.similarity import needs_look as similar_to

COLUMNS = ["student_id", "name", "score", "max_score", "percent", "late", "days_late",
           "needs_look"]
STATS = ["question", "points", "mean", "share_full"]


def require_graded(course: Course, lab: str) -> None:
    """Raise :class:`CourseError` unless ``lab`` has been graded in ``course``'s working folder."""
    course.require_lab(lab)
    nothing = CourseError(f"nothing graded yet for {lab} in {course.work}: run "
                          f"`autograder grade {lab} SUBMISSIONS` first")
    if course.db is None and not course.gradebook.is_file():
        raise nothing
    if load_reasons(course, lab):
        return
    with course.open_gradebook() as gb:
        try:
            if gb.find_assignment(lab).submissions:
                return
        except MissingEntry:
            pass
    raise nothing


def _penalty(score: float, max_score: float, days: float | None, per_day: float) -> float:
    """Points a hand-in ``days`` late loses: ``per_day`` % of the lab's points per started day,
    never more than its score; none when it was on time (``days`` unknown, NaN or not above 0,
    as pandas gives an on-time student beside a late one)."""
    if days is None or math.isnan(days) or days <= 0:
        return 0.0
    return min(score, max_score * per_day / 100 * math.ceil(days))


def grades_table(course: Course, lab: str, late_penalty: float | None = None) -> pd.DataFrame:
    """One row per student known to the gradebook or to the last grading of ``lab``.

    ``late_penalty`` (percent of the lab's points per started day late) lowers ``score`` and
    adds a ``penalty`` column; it needs every late hand-in's lateness, which ``collect`` knows
    when it was given ``--deadline``."""
    require_graded(course, lab)
    reasons = load_reasons(course, lab)
    similar = similar_to(course, lab)  # flagged pairs of `similarity`: a look, never a score
    who = read_identities(course, lab)
    rows = []
    with course.open_gradebook() as gb:
        try:
            max_score = float(gb.find_assignment(lab).max_score)
        except MissingEntry:
            max_score = 0.0
        for student in sorted({s.id for s in gb.students} | set(reasons)):
            try:
                score = float(gb.find_submission(lab, student).score)
            except MissingEntry:
                if student not in reasons:
                    continue
                score = 0.0
            identity = who.get(student)
            rows.append({"student_id": student,
                         "name": identity.original if identity else student,
                         "score": round(score, 2), "max_score": max_score,
                         "late": "yes" if identity and identity.late else "",
                         "days_late": identity.days_late if identity else None,
                         "needs_look": "; ".join(filter(None, (reasons.get(student, ""),
                                                               similar.get(student, ""))))})
    table = pd.DataFrame(rows, columns=COLUMNS)
    if late_penalty:
        unknown = table[(table["late"] == "yes") & table["days_late"].isna()]
        if len(unknown):
            raise CourseError(f"--late-penalty needs to know how late each hand-in was; "
                              f"{len(unknown)} late one(s) have no deadline to count from: "
                              f"collect again with --deadline")
        table.insert(2, "penalty", [round(_penalty(r.score, r.max_score, r.days_late,
                                                   late_penalty), 2)
                                    for r in table.itertuples()])
        table["score"] = table["score"] - table["penalty"]
    table["percent"] = (100 * table["score"] / max_score).round(1) if max_score else 0.0
    table["days_late"] = table["days_late"].astype(float).round(2)
    return table


def write_csv(table: pd.DataFrame, course: Course, lab: str) -> Path:
    """Write ``table``'s grade columns to ``<work>/reports/<lab>_grades.csv``, with no cell a
    spreadsheet would evaluate (:mod:`autograder.safetext`); return the path."""
    path = course.work / "reports" / f"{lab}_grades.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_csv_table(table[[c for c in COLUMNS if c in table]], path)


def question_stats(course: Course, lab: str) -> pd.DataFrame:
    """Per test cell: points, mean score and the share of graded students with full marks;
    where students struggled (the lowest share of full marks) first."""
    scores: dict[str, list[float]] = {}
    points: dict[str, float] = {}
    with course.open_gradebook() as gb:
        try:
            assignment = gb.find_assignment(lab)
        except MissingEntry:
            return pd.DataFrame(columns=STATS)
        for submission in assignment.submissions:
            for notebook in submission.notebooks:
                for g in notebook.grades:
                    scores.setdefault(g.name, []).append(float(g.score))
                    points[g.name] = float(g.max_score)
    rows = [{"question": name, "points": points[name],
             "mean": round(sum(values) / len(values), 2),
             "share_full": round(sum(v >= points[name] for v in values) / len(values), 2)}
            for name, values in scores.items()]
    return pd.DataFrame(rows, columns=STATS).sort_values(["share_full", "mean"],
                                                         ignore_index=True, kind="stable")


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
