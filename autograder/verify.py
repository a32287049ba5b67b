"""``verify LAB``: prove that a lab grades right.

One batch of simulated students, graded in a scratch working folder: the solution and every
independent reference (``solutions/<lab>/references/``) must score full marks, the released lab
zero, every mistake in the lab's catalogue (``solutions/<lab>/mistakes.json``) must lose points
in each cell it names, and the visible-only submission (``solutions/<lab>/visible_only.json``)
at most :data:`VISIBLE_ONLY_BOUND` of the lab's points; the first mistake again, after a
prelude that patches numpy, builtins and the check helpers (:data:`PATCHED`), must still lose.

:func:`prove` keys that verification by what it depends on (:mod:`autograder.proofs`): with
``--record`` a passing full run is written to ``proofs/<lab>.<backend>.json``; a *smoke* proof
grades part of the class and must agree with a record made at the same digest; ``auto`` runs
the smoke proof where the default backend's record matches, and the whole class otherwise
(other backends: the smoke proof, as :data:`~autograder.proofs.SMOKE_MISTAKES` says).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from tqdm import tqdm

from autograder import proofs
from autograder.course import Course, CourseError
from autograder.engine import DEFAULT_BACKEND
from autograder.engine import keras_backend as resolve_backend
from autograder.grade import cell_scores, grade
from autograder.nbgrader_api import check_result, nbgrader_api
from autograder.simulate import (
    PATCHING_PRELUDE,
    filled_notebook,
    load_mistakes,
    load_references,
    load_visible_only,
    solved_notebook,
)

#: The student who hands in the first catalogued mistake after :data:`PATCHING_PRELUDE`.
PATCHED = "patched-checks"
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


def simulated_students(course: Course, lab: str) -> dict[str, tuple[Expectation, nbformat.NotebookNode]]:
    """The solution, the release, one student per catalogued mistake, each reference and the
    visible-only submission: what each hands in and what it must get, by student name."""
    source = course.source_notebooks(lab)[0]
    released = course.labs / lab / source.name
    lab_dir = course.solutions / lab
    students = {
        "solution": (Expectation("the solution", "full"), solved_notebook(source, released)),
        "release": (Expectation("the release, untouched", "zero"),
                    nbformat.read(released, as_version=4)),
    }
    mistakes = load_mistakes(lab_dir)
    for i, mistake in enumerate(mistakes, start=1):
        students[f"mistake{i:02d}"] = (Expectation(mistake.name, "loses", mistake.loses),
                                       solved_notebook(source, released, (mistake,)))
    if mistakes:
        students[PATCHED] = (Expectation(f"{mistakes[0].name}, numpy, builtins and the check "
                                         "helpers patched", "loses", mistakes[0].loses),
                             solved_notebook(source, released, mistakes[:1], PATCHING_PRELUDE))
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
    return students


def simulated_class(course: Course, lab: str, folder: Path,
                    only: Collection[str] | None = None) -> dict[str, Expectation]:
    """Write the simulated students of ``lab`` (those named in ``only``, default all) into
    ``folder``; return what each student written must get."""
    source = course.source_notebooks(lab)[0]
    students = {name: entry for name, entry in simulated_students(course, lab).items()
                if only is None or name in only}
    for student, (_, nb) in students.items():
        (folder / student).mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, folder / student / source.name)
    return {student: expectation for student, (expectation, _) in students.items()}


@contextlib.contextmanager
def _keras_backend_env(backend: str | None) -> Iterator[None]:
    """``KERAS_BACKEND`` set to ``backend`` (if given) for the kernels started inside."""
    old = os.environ.get("KERAS_BACKEND")
    if backend:
        os.environ["KERAS_BACKEND"] = backend
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("KERAS_BACKEND", None)
        else:
            os.environ["KERAS_BACKEND"] = old


def grade_plain(work: Course, lab: str, folder: Path, progress: bool = True) -> dict[str, str]:
    """Grade the students in ``folder`` with stock nbgrader, one after the other: no sandbox,
    and the hidden tests judged in the student's kernel (what plain ``nbgrader autograde``
    does with this course's notebooks); return ``{student: why it failed}``."""
    notebook = work.source_notebooks(lab)[0].name
    api = nbgrader_api(work, release_dir=work.work / "release")
    check_result(api.generate_assignment(lab, force=True), f"generate_assignment {lab}")
    reasons = {}
    for student in tqdm(sorted(p.name for p in folder.iterdir()), desc=f"plain nbgrader {lab}",
                        unit="student", disable=not progress):
        target = work.work / "submitted" / student / lab
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(folder / student / notebook, target / notebook)
        result = api.autograde(lab, student)
        if not result.get("success"):
            reasons[student] = "nbgrader autograde failed"
    return reasons


def verify(course: Course, lab: str, progress: bool = True, keras_backend: str | None = None,
           only: Collection[str] | None = None, plain: bool = False) -> list[Outcome]:
    """Grade the simulated class of ``lab`` (the students named in ``only``, default all) in a
    scratch folder, on ``keras_backend`` (default as :func:`~autograder.grade.grade`'s), and
    judge each outcome. ``plain`` grades with stock nbgrader instead (:func:`grade_plain`)."""
    course.require_lab(lab)
    scratch = Path(tempfile.mkdtemp(prefix=f"verify-{lab}-"))
    try:
        work = Course(course.root, scratch / "work")
        students = simulated_class(course, lab, scratch / "submissions", only)
        if plain:
            with _keras_backend_env(keras_backend):
                reasons = grade_plain(work, lab, scratch / "submissions", progress)
        else:
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


@dataclass
class Proof:
    """A lab's verification keyed by its inputs: which students it graded (``kind`` ``full`` or
    ``smoke``), how they fared, and where they disagree with a record at the same digest."""

    lab: str
    backend: str
    digest: str
    kind: str
    outcomes: list[Outcome]
    contradictions: list[str] = field(default_factory=list)
    recorded: Path | None = None

    @property
    def ok(self) -> bool:
        return all(o.ok for o in self.outcomes) and not self.contradictions


def lab_digest(course: Course, lab: str, backend: str) -> str:
    """The digest of everything ``lab``'s verification on ``backend`` depends on."""
    return proofs.inputs_digest(course.root, proofs.lab_inputs(course.root, lab), [backend])


def _entry(outcome: Outcome) -> dict:
    return {"score": outcome.score, "max": outcome.max_score, "lost": outcome.lost}


def prove(course: Course, lab: str, mode: str = "full", keras_backend: str | None = None,
          seed: int | None = None, progress: bool = True, plain: bool = False) -> Proof:
    """Verify ``lab`` as ``mode`` says: ``full`` (every student), ``record`` (every student,
    and a passing run written as the lab's record), ``smoke`` (the students of
    :func:`~autograder.proofs.smoke_students` for ``seed``, default the commit's) or ``auto``
    (smoke where the record matches on the default backend and on every other backend, full
    where the default backend's record is stale or missing). Outcomes of students a matching
    record holds must equal it. ``plain`` grades with stock nbgrader (the record, made by the
    grader, must agree; a plain proof is never recorded)."""
    if mode not in (*proofs.MODES, "smoke"):
        raise ValueError(f"unknown proof mode {mode!r}")
    if plain and mode == "record":
        raise CourseError("records are made by the grader: --record and --plain do not combine")
    course.require_lab(lab)
    backend = resolve_backend(keras_backend)
    digest = lab_digest(course, lab, backend)
    record = proofs.matching(course.root, lab, backend, digest)
    smoke = proofs.replays_in_part(mode, record is not None, backend == DEFAULT_BACKEND)
    only = None
    if smoke:
        seed = proofs.commit_seed(course.root) if seed is None else seed
        only = proofs.smoke_students(simulated_students(course, lab), seed)
    outcomes = verify(course, lab, progress=progress, keras_backend=backend, only=only, plain=plain)
    proof = Proof(lab, backend, digest, "smoke" if smoke else "full", outcomes)
    if record is not None:
        proof.contradictions = record.contradictions({o.student: _entry(o) for o in outcomes})
    if mode == "record" and proof.ok:
        proof.recorded = proofs.Record(lab, backend, digest,
                                       {o.student: _entry(o) for o in outcomes}).save(course.root)
    return proof
