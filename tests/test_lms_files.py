"""LMS files read and written directly: Canvas and Moodle exports, identities and rosters."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from autograder.course import Course, CourseError
from autograder.lms import _score, fill, fill_canvas, fill_moodle, read_export
from autograder.roster import Identity, read_identities, read_roster, write_identities

LAB1 = "Lab 1 (30101)"

#: Canvas's gradebook export as Canvas writes it: a byte-order mark, a ``Points Possible`` row,
#: read-only totals, Canvas's own test student and a row Canvas could not import back (no ID).
CANVAS = ("\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,Lab 1 (30101),Lab 2 (30102),"
          "Current Score\n"
          "    Points Possible,,,,,10.00,25.00,(read only)\n"
          '"Doe, Jane",12345,S001,jdoe,Section A,,18.00,72.00\n'
          '"Roe, Bob",222,S002,broe,Section A,3.00,,\n'
          '"Li, Zoë",333,S003,zli,Section B,7.00,20.00,80.00\n'
          "Ann Oh,444,ann01,,Section B,,,\n"
          "Test Student,999,,,,,,\n"
          "No Canvas id,,,ghost,,,,\n")

#: Moodle's grading worksheet: ``Participant N`` ids, a maximum per row, feedback columns.
MOODLE = ("Identifier,Full name,Email address,Status,Grade,Maximum Grade,Grade can be changed,"
          "Feedback comments\n"
          "Participant 4242,Jane Doe,jane@example.edu,Submitted for grading,,100.00,Yes,\n"
          f"Participant 4243,{unicodedata.normalize('NFD', 'ZOË  LI')},zoe@example.edu,"
          'Submitted for grading,,100.00,Yes,"well done, really"\n'
          "Participant 4244,Bob Roe,bob@example.edu,Submitted for grading,,10.00,Yes,\n"
          "Participant 4245,Sam Lee,sam1@example.edu,No submission,,100.00,Yes,\n"
          "Participant 4246,Kim Ng,kim@example.edu,No submission,55.00,100.00,Yes,\n")


def _grades(rows: list[tuple[str, str, float]], max_score: float = 20.0) -> pd.DataFrame:
    """A grades table as :func:`autograder.report.grades_table` gives it."""
    return pd.DataFrame([{"student_id": s, "name": n, "score": v, "max_score": max_score}
                         for s, n, v in rows])


def _file(tmp_path: Path, text: str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _round_trip(table: pd.DataFrame, tmp_path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    """``table`` written as the import file and read back as the LMS reads it."""
    path = tmp_path / "import.csv"
    table.to_csv(path, index=False)
    return read_export(path, required, "import file")


def test_canvas_export_round_trip(tmp_path: Path) -> None:
    """Joined on Canvas's user id (from collect), the SIS login or the SIS user id; scaled to
    the column's points; only the identity columns and the lab's column are written back, every
    other cell as Canvas exported it; a Moodle identity never joins a Canvas row."""
    export = _file(tmp_path, CANVAS)
    grades = _grades([("doejane", "Jane Doe", 15.0), ("broe", "broe", 20.0),
                      ("ann01", "ann01", 0.0), ("ghost", "ghost", 5.0),
                      ("zed", "zed", 19.0)])
    identities = {"doejane": Identity("doejane", "Jane Doe", "canvas", "12345", "678"),
                  "zed": Identity("zed", "zed", "moodle", "333")}
    filled = fill_canvas(export, "lab1", grades, identities)
    assert (filled.column, filled.filled, filled.missing) == (LAB1, 3, ["ghost", "zed"])
    back = _round_trip(filled.table, tmp_path, ("Student", "ID"))
    original = read_export(export, ("Student", "ID"), "Canvas gradebook export")
    assert list(back.columns) == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", LAB1]
    assert back[LAB1].tolist() == ["10.00", "7.5", "10", "7.00", "0", "", ""]
    assert back.drop(columns=LAB1).equals(original[list(back.columns)].drop(columns=LAB1))


def test_moodle_worksheet_round_trip(tmp_path: Path) -> None:
    """Joined on the participant id (from collect), else the full name (any case, spacing or
    Unicode form) or the e-mail; scaled to each row's maximum; a name two graded students share
    joins neither; every column and every other cell comes back as Moodle wrote it."""
    worksheet = _file(tmp_path, MOODLE)
    grades = _grades([("jane_doe~1", "Jane Doe", 15.0), ("zoe_li~2", "Zoë Li", 20.0),
                      ("bob@example.edu", "Bob Roe", 12.0), ("sam_a", "Sam Lee", 20.0),
                      ("sam_b", "Sam Lee", 10.0)])
    identities = {"jane_doe~1": Identity("jane_doe~1", "Jane Doe", "moodle", "4242"),
                  "bob@example.edu": Identity("bob@example.edu", "Bob Roe", "canvas", "4245")}
    filled = fill_moodle(worksheet, "lab1", grades, identities)
    assert (filled.column, filled.filled, filled.missing) == ("Grade", 3, ["sam_a", "sam_b"])
    back = _round_trip(filled.table, tmp_path, ("Identifier", "Grade"))
    original = read_export(worksheet, ("Identifier", "Grade"), "Moodle grading worksheet")
    assert list(back.columns) == list(original.columns)
    assert back["Grade"].tolist() == ["75", "100", "6", "", "55.00"]
    kept = ["Grade", "Feedback comments"]  # the columns the grader fills
    assert back.drop(columns=kept).equals(original.drop(columns=kept))
    assert back.loc[1, "Feedback comments"] == "well done, really"


def test_fill_picks_the_lms_and_refuses_others(tmp_path: Path) -> None:
    grades = _grades([("jdoe", "jdoe", 10.0)])
    assert fill("canvas", _file(tmp_path, CANVAS), "lab1", grades, {}).table[LAB1][1] == "5"
    assert fill("moodle", _file(tmp_path, MOODLE, "m.csv"), "lab1", grades, {}).filled == 0
    with pytest.raises(CourseError, match="unknown LMS 'blackboard'"):
        fill("blackboard", _file(tmp_path, CANVAS), "lab1", grades, {})


@pytest.mark.parametrize(("value", "max_score", "points", "written"), [
    (15, 20, "10.00", "7.5"), (20, 20, "100", "100"), (1, 3, "10", "3.33"), (0, 20, "10", "0"),
    (15, 20, "(read only)", "15"), (15, 20, "", "15"), (15, 20, "0", "15"), (15, 20, "-5", "15"),
    (15, 0, "10", "15"), (12.345, 20, "20", "12.35"),
])
def test_scores_are_scaled_to_the_lms_points(value: float, max_score: float, points: str,
                                             written: str) -> None:
    assert _score(value, max_score, points) == written


def test_the_canvas_column_must_be_found_once_or_named(tmp_path: Path) -> None:
    grades = _grades([("jdoe", "jdoe", 10.0)])
    twice = _file(tmp_path, CANVAS.replace("Lab 2 (30102)", "lab_1 (30199)"))
    with pytest.raises(CourseError, match="more than one column"):
        fill_canvas(twice, "lab1", grades, {})
    none = _file(tmp_path, CANVAS.replace(LAB1, "Perceptrons (30101)"), "none.csv")
    with pytest.raises(CourseError, match="no column of .* is 'lab1'; name it with --column"):
        fill_canvas(none, "lab1", grades, {})
    assert fill_canvas(none, "lab1", grades, {}, "Perceptrons (30101)").filled == 1
    with pytest.raises(CourseError, match="has no column 'Lab 9'"):
        fill_canvas(none, "lab1", grades, {}, "Lab 9")


@pytest.mark.parametrize(("data", "message"), [
    (None, "no Canvas gradebook export at"),
    (b"", "is not a CSV file"),
    (b"\xff\xfe\x00S\x00t\x00", "is not a CSV file"),
    (b'Student,"ID\n1,2\n', "is not a CSV file"),
    (MOODLE.encode(), "is not a Canvas gradebook export: it has no 'Student', 'ID' column"),
])
def test_a_file_that_is_not_the_export_is_refused(tmp_path: Path, data: bytes | None,
                                                  message: str) -> None:
    path = tmp_path / "export.csv"
    if data is not None:
        path.write_bytes(data)
    with pytest.raises(CourseError, match=message):
        read_export(path, ("Student", "ID"), "Canvas gradebook export")


# --- identities and rosters ------------------------------------------------------------------

FOUND = [Identity("doejane", "Doe, Jane", "canvas", "12345", "678", "2026-03-03T12:00:00",
                  "2026-03-01T00:00:00", True),
         Identity("zoe_li~abc", "Zoë \"Z\" Li", "moodle", "4243", "", "2026-02-28T09:30:00",
                  "2026-03-01T00:00:00", False),
         Identity("rf~0123", "-rf", "", "", "", "2026-03-01T10:00:00", "", True),
         Identity("plain", "plain")]


def test_identities_round_trip_and_a_student_collected_again_replaces_their_row(
        tmp_path: Path) -> None:
    course = Course(tmp_path, tmp_path / "work")
    assert read_identities(course, "lab1") == {}
    path = write_identities(course, "lab1", FOUND)
    assert read_identities(course, "lab1") == {i.student: i for i in FOUND}
    again = Identity("doejane", "Doe, Jane", "canvas", "12345", "900", "2026-03-04T12:00:00")
    assert write_identities(course, "lab1", [again]) == path
    assert read_identities(course, "lab1") == {i.student: i for i in [again, *FOUND[1:]]}
    assert read_identities(course, "lab2") == {}


def test_days_late_needs_a_late_hand_in_and_both_times() -> None:
    late, early, unknown, plain = FOUND
    assert late.days_late == 2.5
    assert early.days_late is None and unknown.days_late is None and plain.days_late is None
    marked = Identity("a", "a", handed_in="2026-02-01T00:00:00", deadline="2026-03-01T00:00:00",
                      late=True)
    assert marked.days_late == 0.0


def test_a_canvas_export_as_roster(tmp_path: Path) -> None:
    roster = read_roster(_file(tmp_path, CANVAS))
    assert roster.columns == ("ID", "SIS User ID", "SIS Login ID")
    assert roster.has(Identity("x", "x", "canvas", "12345"))
    assert roster.has(Identity("broe", "BRoe"))
    assert roster.has(Identity("ann01", "Ann"))
    assert not roster.has(Identity("x", "x", "moodle", "12345"))
    assert not roster.has(Identity("nobody", "Nobody"))
    assert not roster.has(Identity("student_points", "Points Possible"))


def test_a_moodle_worksheet_as_roster(tmp_path: Path) -> None:
    roster = read_roster(_file(tmp_path, "\ufeff" + MOODLE))  # as a spreadsheet saves it
    assert roster.columns == ("Identifier", "Full name", "Email address")
    assert roster.has(Identity("x", "x", "moodle", "4242"))
    assert roster.has(Identity("zoe_li~2", "Zoë Li"))
    assert roster.has(Identity("bob@example.edu", "Bob"))
    assert not roster.has(Identity("x", "x", "canvas", "4242"))
    assert not roster.has(Identity("x", "Zoe Li"))


@pytest.mark.parametrize(("data", "message"), [
    (None, "no roster file at"),
    (b"name,section\nada,A\n", "has no column of student ids"),
    (b"", "has no column of student ids .* its header is: empty"),
    (b"student_id\n\n  \n", "names no student"),
    (b"student_id\n\xff\xfe\n", "is not a UTF-8 CSV file"),
])
def test_a_bad_roster_is_refused(tmp_path: Path, data: bytes | None, message: str) -> None:
    path = tmp_path / "roster.csv"
    if data is not None:
        path.write_bytes(data)
    with pytest.raises(CourseError, match=message):
        read_roster(path)
