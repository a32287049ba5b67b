"""``verify LAB``: prove that a lab grades right.

The solution must score full marks, the released lab zero, and every mistake in the lab's
catalogue (``solutions/<lab>/mistakes.json``) must lose points in each cell it names. All are
graded as one batch of simulated students in a scratch working folder.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.course import Course
from autograder.grade import grade
from autograder.report import cell_scores
from autograder.simulate import Mistake, load_mistakes, solved_notebook


@dataclass
class Outcome:
    """How one simulated student of the verification fared."""

    student: str
    what: str
    score: float
    max_score: float
    lost: list[str]
    ok: bool
    reason: str = ""


def _lost(scores: dict[str, tuple[float, float]]) -> list[str]:
    return sorted(gid for gid, (got, most) in scores.items() if got < most)


def simulated_class(course: Course, lab: str, folder: Path,
                    extra: dict[str, tuple[Mistake, ...]] | None = None) -> dict[str, str]:
    """Write the solution, the release and one student per mistake into ``folder``.

    Returns ``{student: description}``; ``extra`` adds students with other mistake sets.
    """
    source = course.source_notebooks(lab)[0]
    released = course.labs / lab / source.name
    students: dict[str, tuple[str, nbformat.NotebookNode]] = {
        "solution": ("the solution", solved_notebook(source, released)),
        "release": ("the release, untouched", nbformat.read(released, as_version=4)),
    }
    for i, mistake in enumerate(load_mistakes(course.solutions / lab), start=1):
        students[f"mistake{i:02d}"] = (mistake.name, solved_notebook(source, released, (mistake,)))
    for student, mistakes in (extra or {}).items():
        what = " + ".join(m.name for m in mistakes)
        students[student] = (what, solved_notebook(source, released, mistakes))
    for student, (_, nb) in students.items():
        (folder / student).mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, folder / student / source.name)
    return {student: what for student, (what, _) in students.items()}


def verify(course: Course, lab: str, progress: bool = True) -> list[Outcome]:
    """Grade the simulated class of ``lab`` in a scratch folder and judge each outcome."""
    course.require_lab(lab)
    scratch = Path(tempfile.mkdtemp(prefix=f"verify-{lab}-"))
    try:
        work = Course(course.root, scratch / "work")
        students = simulated_class(course, lab, scratch / "submissions")
        reasons = grade(work, lab, scratch / "submissions", progress=progress)
        mistakes = load_mistakes(course.solutions / lab)
        outcomes = []
        for student, what in students.items():
            scores = cell_scores(work, lab, student)
            total = sum(s for s, _ in scores.values())
            most = sum(m for _, m in scores.values())
            lost = _lost(scores)
            if student == "solution":
                ok = bool(scores) and total == most
            elif student == "release":
                ok = bool(scores) and total == 0
            else:
                mistake = mistakes[int(student.removeprefix("mistake")) - 1]
                ok = total < most and set(mistake.loses) <= set(lost)
            outcomes.append(Outcome(student, what, total, most, lost, ok,
                                    reasons.get(student, "")))
        return outcomes
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
