"""Releases are generated, identical to what is committed, and leak nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from autograder.course import Course, CourseError
from autograder.leaks import find_leaks
from autograder.release import release


def _lab_names() -> list[str]:
    from tests.conftest import ROOT

    return Course(ROOT, ROOT / "grading").lab_names()


@pytest.mark.parametrize("lab", _lab_names())
def test_committed_release_is_what_the_release_command_makes(course: Course, lab: str,
                                                             tmp_path: Path):
    fresh = tmp_path / "released"
    release(course, lab, fresh)
    committed = sorted(p.name for p in (course.labs / lab).iterdir())
    assert committed == sorted(p.name for p in (fresh / lab).iterdir())
    for name in committed:
        assert (fresh / lab / name).read_text() == (course.labs / lab / name).read_text(), (
            f"labs/{lab}/{name} differs from a fresh release: run `autograder release {lab}`")


def test_committed_labs_leak_nothing(course: Course):
    assert find_leaks(course) == []


def test_leak_check_catches_a_solution_line_and_a_hidden_test(course: Course, tmp_path: Path):
    copy = tmp_path / "labs"
    shutil.copytree(course.labs, copy)
    py = copy / "lab1" / "lab1.py"
    py.write_text(py.read_text() + "\nself.w_ += self.eta * 2.0 * X.T @ errors / X.shape[0]\n")
    (copy / "lab1" / "notes.txt").write_text('_c = nnkit.evidence.challenge("lab1", '
                                             '"test_perceptron_xor")\n')
    (copy / "lab1" / "judge.txt").write_text("def reference_perceptron(X, y, eta, n_iter, seed):\n")
    leaks = find_leaks(course, copy)
    assert any("lab1.py" in leak for leak in leaks)
    assert any("notes.txt" in leak for leak in leaks)
    assert any("judge.txt" in leak for leak in leaks), "a line of a judge is a secret too"


def test_release_of_an_unknown_lab_is_refused(course: Course):
    with pytest.raises(CourseError, match="no lab called 'lab99'.*known labs: lab1"):
        release(course, "lab99")
