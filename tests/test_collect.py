"""Collecting hand-ins from a folder, a Canvas zip and a Moodle zip."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path

from autograder.collect import collect, student_of

NB = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'


def _zip(path: Path, files: dict[str, tuple[bytes, tuple]]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, (data, when) in files.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=when), data)
    return path


def test_student_names_from_lms_file_names():
    assert student_of("doejane_12345_678_lab1.ipynb") == ("doejane", False)
    assert student_of("doejane_LATE_12345_678_lab1-1.ipynb") == ("doejane", True)
    assert student_of("Jane Doe_4242_assignsubmission_file_/lab1.ipynb") == ("jane_doe", False)
    assert student_of("bob/Copy of lab1.ipynb") == ("bob", False)
    assert student_of("carol.ipynb") == ("carol", False)
    assert student_of("README.txt") == (None, False)


def test_canvas_zip_keeps_the_newest_copy_and_reports_the_rest(tmp_path: Path):
    source = _zip(tmp_path / "canvas.zip", {
        "doejane_12345_678_lab1.ipynb": (NB, (2026, 3, 1, 10, 0, 0)),
        "doejane_12345_679_lab1-1.ipynb": (NB.replace(b"[]", b"[ ]"), (2026, 3, 2, 10, 0, 0)),
        "roebob_LATE_222_680_lab1.ipynb": (NB, (2026, 3, 9, 10, 0, 0)),
        "notes.txt": (b"hello", (2026, 3, 1, 10, 0, 0)),
        "stranger_999_681_lab1.ipynb": (NB, (2026, 3, 1, 10, 0, 0)),
    })
    entries = {e.source: e.status for e in collect("lab1", source, tmp_path / "out",
                                                   roster={"doejane", "roebob"})}
    assert entries["doejane_12345_678_lab1.ipynb"].startswith("duplicate")
    assert entries["doejane_12345_679_lab1-1.ipynb"] == "ok"
    assert entries["roebob_LATE_222_680_lab1.ipynb"] == "late"
    assert entries["notes.txt"] == "unknown file"
    assert entries["stranger_999_681_lab1.ipynb"] == "unknown student 'stranger'"
    assert (tmp_path / "out" / "doejane" / "lab1.ipynb").read_bytes() == NB.replace(b"[]", b"[ ]")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["doejane", "roebob"]


def test_moodle_zip_and_a_deadline(tmp_path: Path):
    source = _zip(tmp_path / "moodle.zip", {
        "Jane Doe_4242_assignsubmission_file_/lab1.ipynb": (NB, (2026, 3, 1, 9, 0, 0)),
        "Bob Roe_4243_assignsubmission_file_/my lab.ipynb": (NB, (2026, 3, 5, 9, 0, 0)),
    })
    entries = collect("lab1", source, tmp_path / "out", deadline=datetime(2026, 3, 3))
    assert {e.student: e.status for e in entries} == {"jane_doe": "ok", "bob_roe": "late"}
    assert (tmp_path / "out" / "bob_roe" / "lab1.ipynb").is_file()


def test_folder_of_colab_downloads(tmp_path: Path):
    (tmp_path / "in" / "ann").mkdir(parents=True)
    (tmp_path / "in" / "ann" / "Copy of lab1.ipynb").write_bytes(NB)
    (tmp_path / "in" / "dave.ipynb").write_bytes(NB)
    entries = collect("lab1", tmp_path / "in", tmp_path / "out")
    assert sorted(e.student for e in entries) == ["ann", "dave"]
    assert (tmp_path / "out" / "ann" / "lab1.ipynb").is_file()
