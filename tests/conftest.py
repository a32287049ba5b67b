"""Shared fixtures: the course, with a working folder private to each test."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.course import Course

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def course(tmp_path: Path) -> Course:
    """The repository's course, grading into a temporary working folder."""
    return Course(ROOT, tmp_path / "work")
