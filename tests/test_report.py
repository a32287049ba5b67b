"""The report: original ids, lateness and a late policy, where students struggled, and one
line with exit 2 for each bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.cli import main
from autograder.course import Course
from autograder.report import _penalty, grades_table, question_stats
from autograder.roster import Identity
from tests.conftest import ROOT
from tests.gradebooks import fake_grading

ZOE = "Zoë Li"


@pytest.fixture
def graded(course: Course) -> Course:
    fake_grading(course, "lab1", {
        "doejane": {"test_fit": 5, "test_predict": 10},
        "zoe_li~1": {"test_fit": 5, "test_predict": 15},
        "roebob": {"test_fit": 0, "test_predict": 12},
    }, reasons={"hal": "missing notebook: no lab1.ipynb was handed in"}, identities=[
        Identity("doejane", "doejane", "canvas", "12345", "678", "2026-03-03T12:00:00",
                 "2026-03-01T00:00:00", True),
        Identity("zoe_li~1", ZOE, "moodle", "4242", "", "2026-02-27T10:00:00",
                 "2026-03-01T00:00:00", False),
        Identity("roebob", "roebob", "canvas", "222", "9", "2026-03-02T00:00:00", "", True),
    ])
    return course


def test_the_table_names_students_as_the_lms_did_and_says_who_was_late(graded: Course):
    table = grades_table(graded, "lab1").set_index("student_id")
    assert table.loc["zoe_li~1", "name"] == ZOE and table.loc["zoe_li~1", "late"] == ""
    assert table.loc["doejane", "days_late"] == 2.5 and table.loc["doejane", "late"] == "yes"
    assert table.loc["roebob", "late"] == "yes"
    assert table.loc["hal", "score"] == 0 and "missing notebook" in table.loc["hal", "needs_look"]
    assert table.loc["doejane", "percent"] == 75.0


def test_a_late_penalty_counts_started_days_and_needs_a_deadline(graded: Course,
                                                                 capsys):
    assert main(["--work", str(graded.work), "report", "lab1", "--late-penalty", "10"]) == 2
    assert "collect again with --deadline" in capsys.readouterr().err
    fake_grading(Course(ROOT, graded.work / "b"), "lab1", {
        "doejane": {"test_fit": 5, "test_predict": 10}}, identities=[
        Identity("doejane", "doejane", "canvas", "12345", "678", "2026-03-03T12:00:00",
                 "2026-03-01T00:00:00", True)])
    table = grades_table(Course(ROOT, graded.work / "b"), "lab1", late_penalty=10)
    assert table.loc[0, "penalty"] == 6.0 and table.loc[0, "score"] == 9.0  # 3 days x 2 points
    assert table.loc[0, "percent"] == 45.0


def test_questions_where_students_struggled_come_first(graded: Course, capsys):
    stats = question_stats(graded, "lab1")
    assert stats["question"].tolist() == ["test_predict", "test_fit"]
    assert stats["share_full"].tolist() == [0.33, 0.67]
    assert main(["--work", str(graded.work), "report", "lab1"]) == 0
    out = capsys.readouterr().out
    assert "2 late hand-in(s): doejane (2.5 d), roebob (? d)" in out
    assert "  hal: missing notebook" in out
    csv = (graded.work / "reports" / "lab1_grades.csv").read_text(encoding="utf-8")
    assert csv.splitlines()[0] == "student_id,name,score,max_score,percent,late,days_late,needs_look"
    assert f"zoe_li~1,{ZOE},20.0" in csv


@pytest.mark.parametrize("command", ["report", "feedback"])
def test_report_or_feedback_before_any_grading_is_one_line_and_exit_2(tmp_path: Path, capsys,
                                                                       command: str):
    assert main(["--work", str(tmp_path), command, "lab1"]) == 2
    err = capsys.readouterr().err
    assert err == (f"autograder: nothing graded yet for lab1 in {tmp_path}: run "
                   "`autograder grade lab1 SUBMISSIONS` first\n")
    assert not (tmp_path / "gradebook.db").exists()


@pytest.mark.parametrize("url", ["not a url", "nosuchdb://host/x", "mysql://u@localhost/x",
                                 "postgresql+psycopg://u@127.0.0.1:9/x"])
def test_a_bad_gradebook_url_is_one_line_and_exit_2(tmp_path: Path, capsys, url: str):
    assert main(["--work", str(tmp_path), "--db", url, "report", "lab1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"autograder: cannot open the gradebook {url}: ")
    assert err.count("\n") == 1


def test_debug_shows_the_traceback(tmp_path: Path):
    with pytest.raises(Exception, match="nothing graded yet"):
        main(["--debug", "--work", str(tmp_path), "report", "lab1"])


@pytest.mark.parametrize("args", [["--late-penalty", "ten"], ["--late-penalty", "0"],
                                  ["--lms", "canvas"]])
def test_bad_report_options_exit_2(tmp_path: Path, args: list[str]):
    with pytest.raises(SystemExit) as stop:
        main(["--work", str(tmp_path), "report", "lab1", *args])
    assert stop.value.code == 2


@pytest.mark.parametrize(("days", "lost"), [(None, 0.0), (float("nan"), 0.0), (0.0, 0.0), (-1.0, 0.0),
                                            (0.1, 2.0), (1.0, 2.0), (1.5, 4.0), (30.0, 15.0)])
def test_a_penalty_counts_started_days_late_and_none_on_time(days: float | None, lost: float):
    """An on-time student beside a late one has NaN days late in the table: no penalty, no crash."""
    assert _penalty(15.0, 20.0, days, 10) == lost
