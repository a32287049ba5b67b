"""nbgrader's configuration for this course, in one place.

``nbgrader_config.py`` at the repository root applies it for plain ``nbgrader`` commands, and
the ``autograder`` CLI applies it with the instructor's working folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from traitlets.config import Config

from autograder.engine.devices import DEFAULT_BACKEND

#: The course's id in nbgrader's gradebook. nbgrader leaves it empty by default, which SQLite
#: lets pass but PostgreSQL refuses (an assignment's course must exist).
COURSE_ID = "nn-course"

#: Seconds one cell may run: enough for the labs' Keras training on a 2-core CPU.
CELL_TIMEOUT = 300

#: Environment for every kernel nbgrader starts. nbgrader scores a test cell 0 when it writes to
#: stderr, so TensorFlow's start-up log lines must not reach it. matplotlib's inline backend
#: puts each figure a student's code draws into the graded notebook as a PNG, for feedback.
KERNEL_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "PYTHONWARNINGS": "ignore",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "KERAS_BACKEND": DEFAULT_BACKEND,  # unless KERAS_BACKEND is set (grade --backend sets it)
}

#: stderr lines that are noise, not a student's error (removed by nbgrader's IgnorePattern).
STDERR_NOISE = (
    r"(?m)^.*(?:I0000|W0000|E0000|oneDNN|cuda|CUDA|TF-TRT|tensorflow/|absl::|"
    r"Unable to register|computation placer|WARNING: All log messages|"
    r"This TensorFlow binary is optimized).*$"
)

#: Files in a lab's source folder that are never released (the .py is the solution's source).
NEVER_RELEASED = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.py", "mistakes.json",
                  "references", "visible_only.json"]


#: nbgrader's feedback steps, with hidden tests removed as ``autograder feedback`` removes them,
#: for plain ``nbgrader generate_feedback`` and formgrader too (nbgrader's own steps keep them).
#: Named, not imported: ``autograder.feedback`` imports this module.
FEEDBACK_PREPROCESSORS = [
    "nbgrader.preprocessors.GetGrades",
    "autograder.feedback.HideHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]


def apply_kernel_env() -> None:
    """Put :data:`KERNEL_ENV` into this process's environment; kernels inherit it."""
    for key, value in KERNEL_ENV.items():
        os.environ.setdefault(key, value)


def course_config(root: Path, work: Path, cell_timeout: int = CELL_TIMEOUT,
                  db_url: str | None = None) -> Config:
    """The nbgrader ``Config`` for the course rooted at ``root`` with working folder ``work``
    and gradebook ``db_url`` (default: SQLite in ``work``)."""
    c = Config()
    c.CourseDirectory.root = str(root)
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.source_directory = "solutions"
    c.CourseDirectory.release_directory = "labs"
    c.CourseDirectory.submitted_directory = str(work / "submitted")
    c.CourseDirectory.autograded_directory = str(work / "autograded")
    c.CourseDirectory.feedback_directory = str(work / "feedback")
    c.CourseDirectory.ignore = NEVER_RELEASED
    c.CourseDirectory.db_url = db_url or f"sqlite:///{work / 'gradebook.db'}"
    c.Exchange.root = str(work / "exchange")
    c.Execute.timeout = cell_timeout
    c.Execute.interrupt_on_timeout = True
    c.Execute.allow_errors = True
    c.IgnorePattern.enabled = True
    c.IgnorePattern.pattern = STDERR_NOISE
    c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    c.GenerateFeedback.preprocessors = FEEDBACK_PREPROCESSORS
    return c
