"""A thin door to nbgrader's own API, configured for this course."""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import nbgrader.api
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from nbgrader.dbutil import ALEMBIC_DIR

from autograder.course import Course
from autograder.engine import CELL_TIMEOUT, apply_kernel_env, course_config


@functools.cache
def alembic_head() -> str:
    """The newest gradebook schema revision of the installed nbgrader.

    nbgrader asks for it each time it creates a gradebook by running ``alembic heads`` in a
    subprocess, which re-imports everything (about 3 s here, paid by every grading batch for its
    template gradebook); alembic's own API answers the same in about 0.1 s.
    """
    config = AlembicConfig()
    config.set_main_option("script_location", ALEMBIC_DIR)
    return ScriptDirectory.from_config(config).get_current_head()


nbgrader.api.get_alembic_version = alembic_head


def nbgrader_api(course: Course, release_dir: Path | None = None,
                 cell_timeout: int = CELL_TIMEOUT) -> NbGraderAPI:
    """An ``NbGraderAPI`` whose gradebook and submissions live in ``course.work``.

    ``release_dir`` replaces ``labs/`` as the release directory (grading releases into a scratch
    folder only to load the lab's cells into the gradebook).
    """
    course.work.mkdir(parents=True, exist_ok=True)
    apply_kernel_env()
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
