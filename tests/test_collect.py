"""Collecting hand-ins from a folder, a Canvas zip and a Moodle zip; ids of any text; rosters."""

from __future__ import annotations

import os
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from autograder.cli import main
from autograder.collect import Who, collect, identities, student_of
from autograder.course import CourseError
from autograder.ids import safe_id
from autograder.roster import read_roster

NB = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
MARCH = (2026, 3, 1, 10, 0, 0)


def _zip(path: Path, files: dict[str, tuple[bytes, tuple]]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, (data, when) in files.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=when), data)
    return path


def _statuses(entries) -> dict[str, str]:
    return {e.source: e.status for e in entries}


def test_student_names_from_lms_file_names():
    assert student_of("doejane_12345_678_lab1.ipynb") == Who("doejane", "canvas", "12345", "678")
    assert student_of("doejane_LATE_12345_678_lab1-1.ipynb") == Who("doejane", "canvas", "12345",
                                                                    "678", True)
    assert student_of("Jane Doe_4242_assignsubmission_file_/lab1.ipynb") == Who(
        "Jane Doe", "moodle", "4242")
    assert student_of("Jane Doe_4242_assignsubmission_file_lab1.ipynb") == Who(
        "Jane Doe", "moodle", "4242")
    assert student_of("Ann Marie/Copy of lab1.ipynb") == Who("Ann Marie")
    assert student_of("carol.ipynb") == Who("carol")
    assert student_of("README.txt") is None


def test_canvas_zip_keeps_identities_the_newest_copy_and_reports_the_rest(tmp_path: Path):
    source = _zip(tmp_path / "canvas.zip", {
        "doejane_12345_678_lab1.ipynb": (NB, MARCH),
        "doejane_12345_679_lab1-1.ipynb": (NB.replace(b"[]", b"[ ]"), (2026, 3, 2, 10, 0, 0)),
        "roebob_LATE_222_680_lab1.ipynb": (NB, (2026, 3, 9, 10, 0, 0)),
        "notes.txt": (b"hello", MARCH),
    })
    entries = collect("lab1", source, tmp_path / "out")
    status = _statuses(entries)
    assert status["doejane_12345_678_lab1.ipynb"].startswith("duplicate")
    assert status["doejane_12345_679_lab1-1.ipynb"] == "ok"
    assert status["roebob_LATE_222_680_lab1.ipynb"] == "late"
    assert status["notes.txt"] == "unknown file"
    assert (tmp_path / "out" / "doejane" / "lab1.ipynb").read_bytes() == NB.replace(b"[]", b"[ ]")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["doejane", "roebob"]
    found = {i.student: i for i in identities(entries, None)}
    assert (found["doejane"].user_id, found["doejane"].submission_id) == ("12345", "679")
    assert found["doejane"].handed_in == ""  # a Canvas zip's times are the download's
    assert found["roebob"].late and found["roebob"].lms == "canvas"


def test_moodle_zip_a_deadline_and_lateness_in_days(tmp_path: Path):
    source = _zip(tmp_path / "moodle.zip", {
        "Jane Doe_4242_assignsubmission_file_/lab1.ipynb": (NB, (2026, 3, 1, 9, 0, 0)),
        "Bob Roe_4243_assignsubmission_file_/my lab.ipynb": (NB, (2026, 3, 5, 12, 0, 0)),
    })
    deadline = datetime(2026, 3, 3)
    entries = collect("lab1", source, tmp_path / "out", deadline=deadline)
    assert {e.who.original: e.status for e in entries} == {"Jane Doe": "ok", "Bob Roe": "late"}
    bob = next(i for i in identities(entries, deadline) if i.original == "Bob Roe")
    assert bob.user_id == "4243" and bob.days_late == 2.5
    assert (tmp_path / "out" / safe_id("Bob Roe") / "lab1.ipynb").is_file()


def test_folder_of_colab_downloads(tmp_path: Path):
    (tmp_path / "in" / "ann").mkdir(parents=True)
    (tmp_path / "in" / "ann" / "Copy of lab1.ipynb").write_bytes(NB)
    (tmp_path / "in" / "dave.ipynb").write_bytes(NB)
    entries = collect("lab1", tmp_path / "in", tmp_path / "out")
    assert sorted(e.student for e in entries) == ["ann", "dave"]
    assert (tmp_path / "out" / "ann" / "lab1.ipynb").is_file()


def test_any_id_gets_its_own_folder_and_nothing_outside_it_is_touched(tmp_path: Path):
    """Ids of any text (unicode, spaces, apostrophes, a leading dash, very long, Chinese) each
    get a folder of their own inside dest; Zoë Li and Zoé Li stay two students; entries that
    escape or name nobody are refused, and what was collected before survives them."""
    out = tmp_path / "out"
    (out / "earlier").mkdir(parents=True)
    (out / "earlier" / "lab1.ipynb").write_bytes(NB)
    (tmp_path / "x.ipynb").write_bytes(b"outside")
    names = ["Zoë Li", "Zoé Li", "ann marie", "o'brien", "-rf", "a" * 300, "张伟"]
    files = {f"{n}_{4000 + i}_assignsubmission_file_/lab1.ipynb": (NB, MARCH)
             for i, n in enumerate(names)}
    files.update({"../../x.ipynb": (NB, MARCH), "/tmp/evil.ipynb": (NB, MARCH),
                  "   .ipynb": (NB, MARCH), " _4100_assignsubmission_file_/lab1.ipynb": (NB, MARCH)})
    entries = collect("lab1", _zip(tmp_path / "moodle.zip", files), out)
    status = _statuses(entries)
    assert status["../../x.ipynb"] == status["/tmp/evil.ipynb"] == (
        "refused: the path leads outside the submission")
    assert status["   .ipynb"] == "refused: the path names no student"
    assert status[" _4100_assignsubmission_file_/lab1.ipynb"] == "refused: the path names no student"
    folders = {e.who.original: e.student for e in entries if e.status == "ok"}
    assert sorted(folders) == sorted(names)
    assert len(set(folders.values())) == len(names)
    assert sorted(p.name for p in out.iterdir()) == sorted([*folders.values(), "earlier"])
    assert (out / "earlier" / "lab1.ipynb").is_file() and (tmp_path / "x.ipynb").is_file()


def test_two_students_with_one_name_stay_two(tmp_path: Path):
    entries = collect("lab1", _zip(tmp_path / "canvas.zip", {
        "leejohn_111_1_lab1.ipynb": (NB, MARCH), "leejohn_222_2_lab1.ipynb": (NB, MARCH)}),
        tmp_path / "out")
    assert sorted(e.student for e in entries) == ["leejohn_111", "leejohn_222"]


def test_links_and_pipes_in_a_folder_are_refused(tmp_path: Path):
    (tmp_path / "in" / "ann").mkdir(parents=True)
    (tmp_path / "secret.ipynb").write_bytes(b"instructor's")
    (tmp_path / "in" / "ann" / "lab1.ipynb").symlink_to(tmp_path / "secret.ipynb")
    os.mkfifo(tmp_path / "in" / "bob.ipynb")
    status = _statuses(collect("lab1", tmp_path / "in", tmp_path / "out"))
    assert status == {"ann/lab1.ipynb": "refused: a link, not a notebook",
                      "bob.ipynb": "refused: not a regular file"}
    assert not (tmp_path / "out").exists()


def test_rosters_from_canvas_moodle_or_a_plain_column(tmp_path: Path):
    canvas = tmp_path / "canvas.csv"
    canvas.write_text("Student,ID,SIS User ID,SIS Login ID,Section,Lab 1 (55)\n"
                      "    Points Possible,,,,,20.00\n"
                      '"Doe, Jane",12345,S1,jdoe,A,\n', encoding="utf-8")
    source = _zip(tmp_path / "canvas.zip", {"doejane_12345_678_lab1.ipynb": (NB, MARCH),
                                            "stranger_999_681_lab1.ipynb": (NB, MARCH)})
    status = _statuses(collect("lab1", source, tmp_path / "out", read_roster(canvas)))
    assert status == {"doejane_12345_678_lab1.ipynb": "ok",
                      "stranger_999_681_lab1.ipynb": "not on the roster"}
    moodle = tmp_path / "moodle.csv"
    moodle.write_text("Identifier,Full name,Email address,Grade\nParticipant 4242,Zoë Li,z@x,\n",
                      encoding="utf-8")
    assert read_roster(moodle).has(identities(collect(
        "lab1", _zip(tmp_path / "m.zip", {"Zoë Li_4242_assignsubmission_file_/a.ipynb": (NB, MARCH)}),
        tmp_path / "m"), None)[0])
    plain = tmp_path / "plain.csv"
    plain.write_text("student_id,email\nZOË LI,z@x\n", encoding="utf-8")
    assert read_roster(plain).keys == {"zoë li"}


def test_a_roster_without_an_id_column_or_matching_nobody_is_an_error(tmp_path: Path):
    bad = tmp_path / "ids.txt"
    bad.write_text("doejane\nroebob\n", encoding="utf-8")
    with pytest.raises(CourseError, match="no column of student ids"):
        read_roster(bad)
    other = tmp_path / "other.csv"
    other.write_text("student_id\nsomeone\n", encoding="utf-8")
    source = _zip(tmp_path / "c.zip", {"doejane_12345_678_lab1.ipynb": (NB, MARCH)})
    with pytest.raises(CourseError, match="matches none of the notebooks"):
        collect("lab1", source, tmp_path / "out", read_roster(other))
    assert not (tmp_path / "out").exists()
    assert main(["--work", str(tmp_path / "work"), "collect", "lab1", str(source),
                 "--roster", str(bad)]) == 2


@pytest.mark.parametrize(("make", "args", "message"), [
    (lambda p: p.mkdir(), [], "holds no file: nothing to collect"),
    (lambda p: p.write_bytes(b"PK\x03\x04 not really a zip"), [], "is not a zip file"),
    (lambda p: None, [], "no folder or zip file at"),
    (lambda p: p.mkdir(), ["--deadline", "March 1 2026"], "is not an ISO date-time"),
    (lambda p: p.mkdir(), ["--roster", "nowhere.csv"], "no roster file at"),
])
def test_bad_input_to_collect_is_one_line_and_exit_2(tmp_path: Path, capsys, make, args,
                                                     message):
    source = tmp_path / "source"
    make(source)
    assert main(["--work", str(tmp_path / "work"), "collect", "lab1", str(source), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_collect_records_identities_and_takes_a_deadline_with_a_time_zone(tmp_path: Path,
                                                                            capsys):
    source = _zip(tmp_path / "canvas.zip", {"doejane_12345_678_lab1.ipynb": (NB, MARCH),
                                             "roebob_LATE_222_680_lab1.ipynb": (NB, MARCH)})
    work = tmp_path / "work"
    assert main(["--work", str(work), "collect", "lab1", str(source),
                 "--deadline", "2026-02-28T12:00+00:00"]) == 0
    out = capsys.readouterr().out
    assert "2 notebook(s)" in out and "no hand-in times" in out
    assert "by status: ok 1, late 1" in out
    table = (work / "identities" / "lab1.csv").read_text(encoding="utf-8").splitlines()
    doe = next(row for row in table if row.startswith("doejane,"))
    roe = next(row for row in table if row.startswith("roebob,"))
    assert doe.startswith("doejane,doejane,canvas,12345,678,,") and not doe.endswith("yes")
    assert roe.endswith("yes"), "late only where Canvas marked it so, whatever the zip's times"
    source = _zip(tmp_path / "moodle.zip", {
        "Jane Doe_4242_assignsubmission_file_/lab1.ipynb": (NB, MARCH)})
    assert main(["--work", str(work), "collect", "lab2", str(source),
                 "--deadline", "2026-02-28T12:00+00:00"]) == 0
    moodle = (work / "identities" / "lab2.csv").read_text(encoding="utf-8")
    assert "2026-03-01T10:00:00" in moodle and moodle.rstrip().endswith("yes")


@pytest.mark.slow
def test_one_id_per_student_from_a_moodle_zip_through_grade_and_report(tmp_path: Path):
    """Names with spaces, accents and apostrophes: the id collect gives is the id grade
    records, report shows with the person's name, and the LMS files are keyed by."""
    import nbformat

    from autograder.course import Course
    from autograder.report import grades_table
    from autograder.roster import read_identities
    from autograder.simulate import solved_notebook
    from tests.conftest import ROOT

    solved = nbformat.writes(solved_notebook(ROOT / "solutions" / "lab1" / "lab1.ipynb",
                                             ROOT / "labs" / "lab1" / "lab1.ipynb")).encode()
    names = ["García López Eve", "Zoë Li", "Seán O'Brien"]
    source = _zip(tmp_path / "moodle.zip", {
        f"{name}_{4000 + i}_assignsubmission_file_/lab1.ipynb": (solved, MARCH)
        for i, name in enumerate(names)})
    work = tmp_path / "work"
    assert main(["--work", str(work), "collect", "lab1", str(source)]) == 0
    assert main(["--work", str(work), "grade", "lab1", str(work / "incoming" / "lab1"),
                 "--jobs", "2"]) == 0
    course = Course(ROOT, work)
    who = read_identities(course, "lab1")
    table = grades_table(course, "lab1").set_index("student_id")
    assert set(table.index) == set(who) and len(who) == 3
    assert sorted(who[s].original for s in table.index) == sorted(names)
    assert (table["score"] == 20).all()
