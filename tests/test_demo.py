"""The demo class gets exactly the grades each simulated student deserves, and the demo
writes the instructor's whole output: table, statistics, CSV, histogram, feedback."""

from __future__ import annotations

import pytest

from autograder.cli import EXIT_OK, main
from autograder.course import Course
from autograder.feedback import generate_feedback
from autograder.grade import grade
from autograder.report import COLUMNS, grades_table, question_stats


@pytest.mark.slow
def test_demo_class_gets_what_each_student_deserves(course: Course,
                                                     capsys: pytest.CaptureFixture):
    assert main(["--work", str(course.work), "demo", "--cell-timeout", "20"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "every simulated student got the grade they deserve" in out
    assert "5 submission(s) need a human look" in out and "wrote 8 feedback file(s)" in out
    table = grades_table(course, "lab1").set_index("student_id")
    assert dict(table["score"]) == {"ada": 20, "ben": 15, "cat": 0, "dan": 0, "eve": 15,
                                    "fay": 0, "gus": 0, "hal": 0}
    assert (table["max_score"] == 20).all()
    reasons = dict(table["needs_look"])
    assert reasons["ada"] == reasons["ben"] == reasons["cat"] == ""
    assert "kernel died" in reasons["dan"]
    assert "time limit" in reasons["eve"], "the infinite loop must be cut off by the timeout"
    assert "not a valid notebook" in reasons["fay"]
    assert "misnamed file" in reasons["gus"] and "lab1.ipynb" in reasons["gus"]
    assert "missing notebook" in reasons["hal"]
    reports = course.work / "reports"
    assert (reports / "lab1_histogram.png").stat().st_size > 1000
    csv = (reports / "lab1_grades.csv").read_text()
    assert csv.splitlines()[0] == ",".join(COLUMNS)  # grade columns only, no "deserves"
    assert "ada,20.0,20.0,100.0," in csv

    # Grading the same submission again gives the same score, and the others keep theirs.
    grade(course, "lab1", course.work / "demo_submissions", cell_timeout=20, progress=False)
    again = grades_table(course, "lab1").set_index("student_id")
    assert dict(again["score"]) == dict(table["score"])

    # Per-question statistics, and feedback without the hidden tests.
    stats = question_stats(course, "lab1").set_index("question")
    assert stats["points"].sum() == 20
    # graded: ada, ben, cat, eve (dan's kernel died); full marks here: ada and eve
    assert stats.loc["test_adaline_sgd_shuffle", "share_full"] == 0.5
    feedback = {p.parts[-3]: p.read_text() for p in generate_feedback(course, "lab1")}
    assert set(feedback) == {"ada", "ben", "cat", "dan", "eve", "fay", "gus", "hal"}
    for student in ("dan", "fay", "gus", "hal"):  # no graded notebook: a page that says why
        assert "could not be graded" in feedback[student]
    probe = "_returned"  # a name only the hidden probes use
    assert probe not in feedback["ben"] and "HIDDEN TESTS" not in feedback["ben"]
    shown = {p.parts[-3]: p.read_text() for p in generate_feedback(course, "lab1", True)}
    assert probe in shown["ben"]
