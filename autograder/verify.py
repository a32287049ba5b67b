"""``verify LAB``: prove that a lab grades right.

One batch of simulated students, graded in a scratch working folder: the solution and every
independent reference (``solutions/<lab>/references/``) must score full marks, the released lab
zero, every mistake in the lab's catalogue (``solutions/<lab>/mistakes.json``) must lose points
in each cell it names, and the visible-only submission (``solutions/<lab>/visible_only.json``)
at most :data:`VISIBLE_ONLY_BOUND` of the lab's points.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.course import Course, CourseError
from autograder.grade import grade
from autograder.report import cell_scores
from autograder.simulate import (
    filled_notebook,
    load_mistakes,
    load_references,
    load_visible_only,
    solved_notebook,
)

#: The most a submission that only special-cases the visible tests' inputs may score, as a
#: share of the lab's points.
VISIBLE_ONLY_BOUND = 0.20


@dataclass(frozen=True)
class Expectation:
    """What one simulated student hands in, and the grade that proves the lab right.

    ``rule`` is ``"full"`` (every point), ``"zero"``, ``"loses"`` (fewer than every point, and
    at least the cells in ``loses``) or ``"at most"`` (:data:`VISIBLE_ONLY_BOUND` of the points).
    """

    what: str
    rule: str
    loses: tuple[str, ...] = ()

    def holds(self, total: float, most: float, lost: list[str]) -> bool:
        if most == 0:
            return False
        return {"full": total == most,
                "zero": total == 0,
                "loses": total < most and set(self.loses) <= set(lost),
                "at most": total <= VISIBLE_ONLY_BOUND * most}[self.rule]


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


def simulated_class(course: Course, lab: str, folder: Path) -> dict[str, Expectation]:
    """Write the solution, the release, one student per catalogued mistake, each reference and
    the visible-only submission into ``folder``; return what each student must get."""
    source = course.source_notebooks(lab)[0]
    released = course.labs / lab / source.name
    lab_dir = course.solutions / lab
    students = {
        "solution": (Expectation("the solution", "full"), solved_notebook(source, released)),
        "release": (Expectation("the release, untouched", "zero"),
                    nbformat.read(released, as_version=4)),
    }
    for i, mistake in enumerate(load_mistakes(lab_dir), start=1):
        students[f"mistake{i:02d}"] = (Expectation(mistake.name, "loses", mistake.loses),
                                       solved_notebook(source, released, (mistake,)))
    try:
        for ref in load_references(lab_dir):
            students[f"reference-{ref.name}"] = (
                Expectation(f"reference: {ref.what}", "full"),
                filled_notebook(released, ref.cells))
        cheat = load_visible_only(lab_dir)
        if cheat is not None:
            students["visible-only"] = (Expectation(f"visible-only: {cheat.what}", "at most"),
                                        filled_notebook(released, cheat.cells))
    except (ValueError, KeyError) as exc:
        raise CourseError(f"{lab}: a reference or visible-only file does not fit the "
                          f"release: {exc}") from exc
    for student, (_, nb) in students.items():
        (folder / student).mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, folder / student / source.name)
    return {student: expectation for student, (expectation, _) in students.items()}


def verify(course: Course, lab: str, progress: bool = True,
           keras_backend: str | None = None) -> list[Outcome]:
    """Grade the simulated class of ``lab`` in a scratch folder (on ``keras_backend``, default
    as :func:`~autograder.grade.grade`'s) and judge each outcome."""
    course.require_lab(lab)
    scratch = Path(tempfile.mkdtemp(prefix=f"verify-{lab}-"))
    try:
        work = Course(course.root, scratch / "work")
        students = simulated_class(course, lab, scratch / "submissions")
        reasons = grade(work, lab, scratch / "submissions", progress=progress,
                        keras_backend=keras_backend)
        outcomes = []
        for student, expected in students.items():
            scores = cell_scores(work, lab, student)
            total = sum(s for s, _ in scores.values())
            most = sum(m for _, m in scores.values())
            lost = _lost(scores)
            outcomes.append(Outcome(student, expected.what, total, most, lost,
                                    expected.holds(total, most, lost),
                                    reasons.get(student, "")))
        return outcomes
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
