"""Shared fixtures: the course, with a working folder private to each test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from autograder.course import Course
from autograder.proofs import MODES

ROOT = Path(__file__).resolve().parents[1]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--proofs", choices=MODES, default=os.environ.get("NN_COURSE_PROOFS", "auto"),
                     help="auto (default): expensive proofs whose inputs match their record in "
                     "proofs/ replay in part; full: run them all whole; record: run them all whole "
                     "and write the records of those that pass (also $NN_COURSE_PROOFS)")


@pytest.fixture
def proof_mode(request: pytest.FixtureRequest) -> str:
    """How expensive proofs run this session (``--proofs``)."""
    return request.config.getoption("--proofs")


@pytest.fixture
def course(tmp_path: Path) -> Course:
    """The repository's course, grading into a temporary working folder."""
    return Course(ROOT, tmp_path / "work")


#: Tests that take many minutes, heaviest first (prefixes of their ids).
LONGEST = ("tests/test_labs.py::test_lab_grades_right[lab6", "tests/test_labs.py::test_lab_grades_right[lab5",
           "tests/test_labs.py::test_lab_grades_right[lab4",
           "tests/test_publish.py::test_student_edition_installs_alone",
           "tests/test_attacks.py", "tests/test_labs.py::test_lab_grades_right")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the longest tests first: with ``pytest -n 2`` the workers then finish together,
    instead of one grading a lab for many minutes at the end while the other waits."""
    def rank(item: pytest.Item) -> int:
        return next((i for i, prefix in enumerate(LONGEST) if item.nodeid.startswith(prefix)),
                    len(LONGEST) + (0 if item.get_closest_marker("slow") else 1))

    items.sort(key=rank)
