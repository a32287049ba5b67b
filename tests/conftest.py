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


_PROOFS: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Keep what each expensive proof did (``record_property("proof", ...)``), from any worker."""
    if report.when == "call":
        _PROOFS.extend(str(value) for name, value in report.user_properties if name == "proof")


def pytest_terminal_summary(terminalreporter) -> None:
    """One line per expensive proof: whole or replayed in part, and why."""
    if _PROOFS:
        terminalreporter.section("proofs")
        for line in sorted(_PROOFS):
            terminalreporter.write_line(line)


def pytest_configure(config: pytest.Config) -> None:
    """With ``pytest -n``, hand each worker one test at a time (xdist's ``--maxschedchunk 1``):
    by default a worker is given a run of consecutive tests up front, so the longest tests,
    sorted first, all went to one worker while the other ran out of work."""
    if getattr(config.option, "maxschedchunk", 0) is None:
        config.option.maxschedchunk = 1


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the longest tests first: with ``pytest -n 2`` the workers then finish together,
    instead of one grading a lab for many minutes at the end while the other waits."""
    def rank(item: pytest.Item) -> int:
        return next((i for i, prefix in enumerate(LONGEST) if item.nodeid.startswith(prefix)),
                    len(LONGEST) + (0 if item.get_closest_marker("slow") else 1))

    items.sort(key=rank)
