"""Grades back to Canvas and Moodle, through the instructor's own exports.

The fixtures follow the documented layouts: Canvas's gradebook export (Grades → Export: identity
columns ``Student, ID, SIS User ID, SIS Login ID, Section``, one ``Name (assignment id)`` column
per assignment, read-only totals, a ``Points Possible`` row) and Moodle's assignment grading
worksheet (View all submissions → Download grading worksheet: ``Identifier`` = ``Participant N``).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from autograder.cli import main
from autograder.course import Course
from autograder.roster import Identity
from tests.gradebooks import fake_grading

CANVAS_EXPORT = """\
Student,ID,SIS User ID,SIS Login ID,Section,Lab 1 (30101),Lab 2 (30102),Current Score,\
Unposted Current Score,Final Score,Unposted Final Score
    Points Possible,,,,,10.00,25.00,(read only),(read only),(read only),(read only)
"Doe, Jane",12345,S001,jdoe,Section A,,18.00,72.00,72.00,72.00,72.00
"Roe, Bob",222,S002,broe,Section A,,,,,,
"Li, Zoë",333,S003,zli,Section B,7.00,20.00,80.00,80.00,80.00,80.00
"""

MOODLE_WORKSHEET = """\
Identifier,Full name,Email address,Status,Grade,Maximum Grade,Grade can be changed,\
Last modified (submission),Last modified (grade),Feedback comments
Participant 4242,Jane Doe,jane@example.edu,Submitted for grading,,100.00,Yes,\
"Sunday, 1 March 2026, 9:00 AM",-,
Participant 4243,Zoë Li,zoe@example.edu,Submitted for grading,,100.00,Yes,\
"Sunday, 1 March 2026, 9:30 AM",-,
Participant 4244,Bob Roe,bob@example.edu,No submission,,100.00,Yes,-,-,
"""


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _export(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_canvas_round_trip(course: Course, tmp_path: Path, capsys):
    """Joined on Canvas's user id from the bulk download (doejane), else on the SIS login
    (broe); scaled to Canvas's 10 points; the lab's column only; one graded student Canvas
    does not know is named and the exit code says so."""
    fake_grading(course, "lab1", {"doejane": {"test_fit": 5, "test_predict": 10},
                                  "broe": {"test_fit": 5, "test_predict": 15},
                                  "ghost": {"test_fit": 0, "test_predict": 0}},
                 identities=[Identity("doejane", "doejane", "canvas", "12345", "678")])
    export = _export(tmp_path, CANVAS_EXPORT)
    assert main(["--work", str(course.work), "report", "lab1", "--lms", "canvas",
                 str(export)]) == 1
    out = capsys.readouterr().out
    assert "2 grade(s) in column 'Lab 1 (30101)'" in out
    assert "1 graded student(s) not found in" in out and out.rstrip().endswith("ghost")
    written = course.work / "reports" / "lab1_canvas_import.csv"
    rows = _rows(written)
    assert list(rows[0]) == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                             "Lab 1 (30101)"]
    assert [(r["Student"], r["Lab 1 (30101)"]) for r in rows] == [
        ("    Points Possible", "10.00"), ("Doe, Jane", "7.5"), ("Roe, Bob", "10"),
        ("Li, Zoë", "7.00")]


def test_canvas_column_must_be_found_or_named(course: Course, tmp_path: Path, capsys):
    fake_grading(course, "lab1", {"doejane": {"test_fit": 5, "test_predict": 10}})
    export = _export(tmp_path, CANVAS_EXPORT.replace("Lab 1 (30101)", "Perceptrons (30101)"))
    work = ["--work", str(course.work), "report", "lab1", "--lms", "canvas", str(export)]
    assert main(work) == 2
    assert "no column of" in capsys.readouterr().err
    assert main([*work, "--column", "Perceptrons (30101)"]) == 1
    assert _rows(course.work / "reports" / "lab1_canvas_import.csv")[1]["Perceptrons (30101)"] == ""


def test_moodle_round_trip(course: Course, tmp_path: Path):
    """Joined on the participant id from the bulk download (Jane Doe), else on the full name
    (Zoë Li, collected from a folder); scaled to Moodle's 100 points; every column kept."""
    fake_grading(course, "lab1", {"jane_doe~1": {"test_fit": 5, "test_predict": 10},
                                  "zoe_li~2": {"test_fit": 5, "test_predict": 15}},
                 identities=[Identity("jane_doe~1", "Jane Doe", "moodle", "4242"),
                             Identity("zoe_li~2", "Zoë Li")])
    export = _export(tmp_path, MOODLE_WORKSHEET)
    assert main(["--work", str(course.work), "report", "lab1", "--lms", "moodle",
                 str(export)]) == 0
    rows = _rows(course.work / "reports" / "lab1_moodle_import.csv")
    assert list(rows[0]) == next(csv.reader([MOODLE_WORKSHEET.splitlines()[0]]))
    assert [(r["Identifier"], r["Grade"]) for r in rows] == [
        ("Participant 4242", "75"), ("Participant 4243", "100"), ("Participant 4244", "")]
    assert rows[0]["Feedback comments"].startswith("Autograded: 15 of 20 points.")
    assert rows[2]["Feedback comments"] == ""  # not graded here: the export's value stays


@pytest.mark.parametrize(("lms", "text", "message"), [
    ("canvas", MOODLE_WORKSHEET, "is not a Canvas gradebook export: it has no 'Student', 'ID'"),
    ("moodle", CANVAS_EXPORT, "is not a Moodle grading worksheet: it has no 'Identifier'"),
    ("moodle", "", "is not a CSV file"),
    ("blackboard", CANVAS_EXPORT, "unknown LMS 'blackboard': choose one of canvas, moodle"),
])
def test_a_wrong_export_is_one_line_and_exit_2(course: Course, tmp_path: Path, capsys,
                                               lms: str, text: str, message: str):
    fake_grading(course, "lab1", {"doejane": {"test_fit": 5, "test_predict": 10}})
    assert main(["--work", str(course.work), "report", "lab1", "--lms", lms,
                 str(_export(tmp_path, text))]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_a_zero_for_a_reason_of_its_own_says_so_in_the_lms_comment():
    from autograder.lms import comment

    zero = comment(0.0, 20.0, "missing notebook: no lab1.ipynb was handed in")
    assert zero.startswith("Autograded: 0 of 20 points.") and "because: missing notebook" in zero
    assert "because" not in comment(0.0, 20.0, "")
    assert "because" not in comment(12.5, 20.0, "similar to another hand-in")
