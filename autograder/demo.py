"""``demo``: a small simulated class of lab 1, released, graded and reported.

Each simulated student stands for a case an instructor meets: a correct notebook, a partly
correct one, the untouched release, a notebook that kills its kernel, one with an infinite
loop, and three hand-ins that cannot be graded at all.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.course import Course
from autograder.grade import grade
from autograder.release import release
from autograder.report import grades_table
from autograder.simulate import Mistake, load_mistakes, solved_notebook

LAB = "lab1"

CRASH = Mistake("kills its own kernel", "perceptron", "class Perceptron:",
                "import os\nos._exit(1)\n\n\nclass Perceptron:")
INFINITE_LOOP = Mistake("loops forever in Perceptron.fit", "perceptron",
                        "        self.errors_ = []\n",
                        "        self.errors_ = []\n        while True:\n            pass\n")


@dataclass(frozen=True)
class DemoStudent:
    """A simulated student, what they hand in, and the score they deserve."""

    student: str
    hands_in: str
    deserves: float


CLASS = (
    DemoStudent("ada", "the correct solution", 20),
    DemoStudent("ben", "AdalineSGD without a reshuffle per epoch (loses 3 + 2 points)", 15),
    DemoStudent("cat", "the release, untouched", 0),
    DemoStudent("dan", "a notebook that kills its kernel in the first answer", 0),
    DemoStudent("eve", "an infinite loop in Perceptron.fit (loses 3 + 2 points)", 15),
    DemoStudent("fay", "a file that is not valid JSON", 0),
    DemoStudent("gus", "a misnamed notebook", 0),
    DemoStudent("hal", "nothing (an empty folder)", 0),
)


def build_class(course: Course, folder: Path, release_dir: Path) -> None:
    """Write the simulated hand-ins of :data:`CLASS` into ``folder``, from the release in
    ``release_dir``."""
    source = course.source_notebooks(LAB)[0]
    released = release_dir / LAB / source.name
    no_reshuffle = next(m for m in load_mistakes(course.solutions / LAB)
                        if m.name == "AdalineSGD never reshuffles")
    notebooks = {
        "ada": solved_notebook(source, released),
        "ben": solved_notebook(source, released, (no_reshuffle,)),
        "cat": nbformat.read(released, as_version=4),
        "dan": solved_notebook(source, released, (CRASH,)),
        "eve": solved_notebook(source, released, (INFINITE_LOOP,)),
    }
    shutil.rmtree(folder, ignore_errors=True)
    for student, nb in notebooks.items():
        (folder / student).mkdir(parents=True)
        nbformat.write(nb, folder / student / source.name)
    (folder / "fay").mkdir()
    (folder / "fay" / source.name).write_text('{"cells": [ oops, this is not JSON', encoding="utf-8")
    (folder / "gus").mkdir()
    nbformat.write(notebooks["ada"], folder / "gus" / "my_lab1_final.ipynb")
    (folder / "hal").mkdir()


def run_demo(course: Course, cell_timeout: int = 15, progress: bool = True):
    """Release lab 1 (into the working folder, leaving ``labs/`` alone), grade the simulated
    class, and return the grade table with what each student deserves."""
    release_dir = course.work / "released"
    release(course, LAB, release_dir)
    folder = course.work / "demo_submissions"
    build_class(course, folder, release_dir)
    grade(course, LAB, folder, cell_timeout=cell_timeout, progress=progress)
    table = grades_table(course, LAB)
    expected = {s.student: s.deserves for s in CLASS}
    table.insert(3, "deserves", table["student_id"].map(expected))
    return table
