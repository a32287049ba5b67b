"""A thin door to nbgrader's own API, configured for this course."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory

from autograder.course import Course
from autograder.nbconfig import CELL_TIMEOUT, apply_kernel_env, course_config


def nbgrader_api(course: Course, release_dir: Path | None = None,
                 cell_timeout: int = CELL_TIMEOUT) -> NbGraderAPI:
    """An ``NbGraderAPI`` whose gradebook and submissions live in ``course.work``.

    ``release_dir`` replaces ``labs/`` as the release directory (grading releases into a scratch
    folder only to load the lab's cells into the gradebook).
    """
    course.work.mkdir(parents=True, exist_ok=True)
    apply_kernel_env()
    # nbgrader runs `alembic` to create a gradebook: it must be found beside this Python.
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    config = course_config(course.root, course.work, cell_timeout, course.db_url)
    if release_dir is not None:
        config.CourseDirectory.release_directory = str(release_dir)
    coursedir = CourseDirectory(config=config)
    api = NbGraderAPI(coursedir=coursedir, config=config)
    api.log.setLevel(logging.WARNING)
    return api


def check_result(result: dict, what: str) -> None:
    """Raise with nbgrader's own log when one of its apps reports failure."""
    if not result.get("success"):
        detail = (result.get("error") or result.get("log") or "").strip().splitlines()[-5:]
        raise RuntimeError(f"nbgrader {what} failed: " + " | ".join(detail))
