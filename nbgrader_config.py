"""nbgrader configuration: the repository root is the course directory.

Everything lives in ``autograder/nbconfig.py`` so that plain ``nbgrader`` commands and the
``autograder`` CLI agree. The working folder (submissions, gradebook, feedback) is ``grading/``
unless ``NN_COURSE_WORK`` names another.
"""

import os
from pathlib import Path

from autograder.nbconfig import apply_kernel_env, course_config

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)
_root = Path(__file__).resolve().parent
c.merge(course_config(_root, Path(os.environ.get("NN_COURSE_WORK", _root / "grading")).resolve()))
apply_kernel_env()
