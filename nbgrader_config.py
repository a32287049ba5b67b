"""nbgrader configuration: the repository root is the course directory.

Everything lives in ``autograder/engine/nbconfig.py`` so that plain ``nbgrader`` commands (formgrader
included) and the ``autograder`` CLI agree: the same working folder (``grading/`` unless
``NN_COURSE_WORK`` names another), the same gradebook (``NN_COURSE_DB``, else SQLite in the
working folder), and feedback with the hidden tests removed.
"""

from pathlib import Path

from autograder.course import Course
from autograder.engine import apply_kernel_env, course_config

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)
_course = Course.locate(root=Path(__file__).resolve().parent)
c.merge(course_config(_course.root, _course.work, db_url=_course.db_url))
apply_kernel_env()
