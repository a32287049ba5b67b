"""Grades back to the LMS: fill the lab's column of the instructor's own gradebook export.

**Canvas** (Grades → Export → CSV): columns ``Student, ID, SIS User ID, SIS Login ID, Section``,
one column per assignment named ``<Assignment name> (<assignment id>)``, computed read-only
columns, and under the header a ``Points Possible`` row. The file written keeps the identity
columns, the ``Points Possible`` row and the lab's column only: Canvas's import (Grades → Import)
changes that assignment and nothing else. Students are joined on Canvas's user id (``ID``), which
``collect`` keeps from the bulk download's file names, else on the SIS login or user id.

**Moodle** (the assignment's *View all submissions → Download grading worksheet*): columns
``Identifier`` (``Participant 4242``), ``Full name``, ``Email address``, ``Grade``, ``Maximum
Grade``...; the worksheet comes back with ``Grade`` filled, for *Upload grading worksheet*.
Students are joined on the participant id, which ``collect`` keeps from the bulk download's
folder names, else on the full name or e-mail address. Where the worksheet has a ``Feedback
comments`` column, each graded student's row gets a comment (unless the instructor wrote one):
the score, and for a hand-in that earned nothing for a reason of its own (no notebook, a dead
kernel...) that reason.

Scores are scaled to the LMS's points when they differ from the lab's. Students the export has
but the grader does not keep the export's value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from autograder.course import CourseError
from autograder.roster import Identity, key

CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Integration ID", "Section")
LMS_NAMES = ("canvas", "moodle")
#: The grading worksheet's column for feedback comments (Moodle's "Feedback comments" plugin).
MOODLE_COMMENTS = "Feedback comments"


@dataclass
class Filled:
    """An LMS import file's rows, the column filled, and the graded students it lacks."""

    table: pd.DataFrame
    column: str
    filled: int = 0
    missing: list[str] = field(default_factory=list)


def _norm(text: str) -> str:
    """An assignment's name as a key: no trailing ``(id)``, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", re.sub(r"\s*\(\d+\)\s*$", "", text).casefold())


def read_export(path: Path, required: tuple[str, ...], what: str) -> pd.DataFrame:
    """The CSV at ``path``, every cell as text; :class:`CourseError` unless it has ``required``."""
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise CourseError(f"no {what} at {path}") from None
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CourseError(f"{path} is not a CSV file ({first})") from None
    table.columns = [c.strip() for c in table.columns]
    lacking = [c for c in required if c not in table.columns]
    if lacking:
        raise CourseError(f"{path} is not a {what}: it has no {', '.join(map(repr, lacking))} "
                          f"column (its columns: {', '.join(table.columns)})")
    return table


def _score(value: float, max_score: float, lms_points: str) -> str:
    try:
        points = float(lms_points)
    except ValueError:
        points = max_score
    scaled = value * points / max_score if max_score and points > 0 else value
    return f"{round(scaled, 2):g}"


def _join(identities: dict[str, Identity], lms: str) -> dict[str, str]:
    """``{LMS user id: student}`` for the students ``collect`` found in ``lms``'s download."""
    return {i.user_id: s for s, i in identities.items() if i.lms == lms and i.user_id}


def _by_text(grades: pd.DataFrame) -> dict[str, str]:
    """``{key of an id or name: student}`` for joins on what the LMS's export shows; a name
    two students share joins neither."""
    pairs = [(key(str(text)), row.student_id) for row in grades.itertuples()
             for text in {row.student_id, row.name}]
    owners: dict[str, set[str]] = {}
    for text, student in pairs:
        owners.setdefault(text, set()).add(student)
    return {text: next(iter(students)) for text, students in owners.items() if len(students) == 1}


def fill_canvas(export: Path, lab: str, grades: pd.DataFrame, identities: dict[str, Identity],
                column: str | None = None) -> Filled:
    """Canvas's import file for ``lab`` from the gradebook ``export`` and ``grades`` (a
    :func:`~autograder.report.grades_table`); ``column`` names the assignment's column when
    its name does not say ``lab``."""
    table = read_export(export, ("Student", "ID"), "Canvas gradebook export")
    if column is None:
        matches = [c for c in table.columns if c not in CANVAS_IDENTITY and _norm(c) == _norm(lab)]
        if len(matches) != 1:
            others = [c for c in table.columns if c not in CANVAS_IDENTITY]
            raise CourseError(f"{'no' if not matches else 'more than one'} column of {export} "
                              f"is {lab!r}; name it with --column (columns: {', '.join(others)})")
        column = matches[0]
    elif column not in table.columns:
        raise CourseError(f"{export} has no column {column!r}")
    by_id, by_text = _join(identities, "canvas"), _by_text(grades)
    scores = grades.set_index("student_id")
    points = table.loc[table["Student"].str.strip() == "Points Possible", column]
    lms_points = points.iloc[0] if len(points) else ""
    filled = set()
    for i, row in table.iterrows():
        student = by_id.get(row["ID"].strip()) or next(
            (by_text[key(row[c])] for c in ("SIS Login ID", "SIS User ID")
             if c in table.columns and row[c].strip() and key(row[c]) in by_text), None)
        if row["ID"].strip() and student in scores.index:
            got = scores.loc[student]
            table.at[i, column] = _score(got["score"], got["max_score"], lms_points)
            filled.add(student)
    keep = [c for c in CANVAS_IDENTITY if c in table.columns] + [column]
    return Filled(table[keep], column, len(filled), sorted(set(scores.index) - filled))


def fill_moodle(export: Path, lab: str, grades: pd.DataFrame,
                identities: dict[str, Identity]) -> Filled:
    """Moodle's grading worksheet ``export`` for ``lab`` with ``Grade`` filled from ``grades``."""
    table = read_export(export, ("Identifier", "Grade"), "Moodle grading worksheet")
    by_id, by_text = _join(identities, "moodle"), _by_text(grades)
    scores = grades.set_index("student_id")
    filled = set()
    for i, row in table.iterrows():
        participant = re.search(r"(\d+)\s*$", row["Identifier"])
        student = (by_id.get(participant[1]) if participant else None) or next(
            (by_text[key(row[c])] for c in ("Full name", "Email address")
             if c in table.columns and key(row[c]) in by_text), None)
        if student in scores.index:
            got = scores.loc[student]
            table.at[i, "Grade"] = _score(got["score"], got["max_score"],
                                          row.get("Maximum Grade", ""))
            old = str(row.get(MOODLE_COMMENTS, "") or "")
            if MOODLE_COMMENTS in table.columns and (not old.strip() or old.startswith(_OURS)):
                table.at[i, MOODLE_COMMENTS] = comment(got["score"], got["max_score"],
                                                       str(got.get("needs_look", "") or ""))
            filled.add(student)
    return Filled(table, "Grade", len(filled), sorted(set(scores.index) - filled))


_OURS = "Autograded:"


def comment(score: float, max_score: float, reason: str) -> str:
    """What a student reads beside their grade in the LMS (an instructor's own comment in the
    worksheet is kept instead)."""
    text = f"{_OURS} {score:g} of {max_score:g} points."
    if reason and not score:
        text += f" No points because: {reason}."
    return text + " Your feedback page shows what each test checked."


def fill(lms: str, export: Path, lab: str, grades: pd.DataFrame,
         identities: dict[str, Identity], column: str | None = None) -> Filled:
    """:func:`fill_canvas` or :func:`fill_moodle`, by ``lms``."""
    if lms == "canvas":
        return fill_canvas(export, lab, grades, identities, column)
    if lms == "moodle":
        return fill_moodle(export, lab, grades, identities)
    raise CourseError(f"unknown LMS {lms!r}: choose one of {', '.join(LMS_NAMES)}")
