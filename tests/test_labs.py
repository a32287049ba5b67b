"""Every lab grades right: the solution and each independent reference 100 %, the release 0,
each catalogued mistake loses points, the visible-only submission at most a fifth of them; and
hidden tests hold when a notebook patches numpy, rebinds helpers or changes directory."""

from __future__ import annotations

import importlib.util

import pytest

from autograder.course import Course
from autograder.engine.kernels import preload_modules
from autograder.proofs import ALWAYS_REPLAYED
from autograder.simulate import (
    PATCHING_PRELUDE,
    filled_notebook,
    load_mistakes,
    load_references,
    load_visible_only,
)
from autograder.verify import PATCHED, VISIBLE_ONLY_BOUND, Expectation, prove, simulated_students
from tests.conftest import ROOT

LABS = Course(ROOT, ROOT / "grading").lab_names()


@pytest.mark.parametrize("lab", LABS)
def test_lab_has_its_mistakes_references_and_visible_only_submission(lab: str):
    folder = ROOT / "solutions" / lab
    assert len(load_mistakes(folder)) >= 15, "fewer than 15 catalogued mistakes"
    assert len(load_references(folder)) >= 2, "fewer than 2 independent references"
    assert load_visible_only(folder) is not None, "no visible-only submission"


@pytest.mark.parametrize("lab", LABS)
def test_the_verification_class_has_a_student_who_patches_the_checks(lab: str):
    """Graded with every proof of the lab: the first mistake, after a prelude that patches
    numpy, builtins and the check helpers, must still lose that mistake's cells."""
    mistake = load_mistakes(ROOT / "solutions" / lab)[0]
    expectation, nb = simulated_students(Course(ROOT, ROOT / "grading"), lab)[PATCHED]
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == mistake.cell)
    assert cell.source.startswith(PATCHING_PRELUDE) and mistake.replace in cell.source
    assert expectation.rule == "loses" and expectation.loses == mistake.loses
    assert PATCHED in ALWAYS_REPLAYED


def _uses_keras(lab: str) -> bool:
    return "keras" in preload_modules(ROOT / "solutions" / lab / f"{lab}.ipynb")


def _grading_cases() -> list:
    """Every lab on TensorFlow (the default backend); a lab that uses Keras on JAX and PyTorch
    too (skipped where that backend is not installed: CI installs JAX, not PyTorch)."""
    cases = [pytest.param(lab, "tensorflow", id=lab) for lab in LABS]
    for backend in ("jax", "torch"):
        installed = importlib.util.find_spec(backend) is not None
        skip = pytest.mark.skipif(not installed, reason=f"{backend} is not installed (see README)")
        cases += [pytest.param(lab, backend, id=f"{lab}-{backend}", marks=skip)
                  for lab in LABS if _uses_keras(lab)]
    return cases


@pytest.mark.slow
@pytest.mark.parametrize(("lab", "backend"), _grading_cases())
def test_lab_grades_right(lab: str, backend: str, proof_mode: str, record_property):
    """The same judgement on every Keras backend: solution and references full marks, release 0,
    every catalogued mistake loses its cells, the visible-only submission at most a fifth. With
    ``--proofs auto`` the whole class where the lab's inputs changed since its record on
    TensorFlow, else the smoke proof, which must agree with the record."""
    proof = prove(Course(ROOT, ROOT / "grading"), lab, mode=proof_mode, keras_backend=backend,
                  progress=False)
    record_property("proof", f"{lab} on {backend}: {proof.kind} ({len(proof.outcomes)} students, "
                             f"inputs {proof.digest[:12]})")
    wrong = [o for o in proof.outcomes if not o.ok]
    assert not wrong, "\n".join(f"{o.student} ({o.what}): {o.score}/{o.max_score}, lost "
                                f"{o.lost} {o.reason}" for o in wrong)
    assert not proof.contradictions, "\n".join(proof.contradictions)


def test_answers_for_a_cell_the_release_lacks_are_refused():
    released = ROOT / "labs" / "lab1" / "lab1.ipynb"
    with pytest.raises(ValueError, match="no_such_cell"):
        filled_notebook(released, {"no_such_cell": "pass"})


@pytest.mark.parametrize(("total", "holds"), [(0.0, True), (4.0, True), (4.5, False)])
def test_visible_only_may_score_at_most_the_bound(total: float, holds: bool):
    assert VISIBLE_ONLY_BOUND == 0.20
    assert Expectation("visible-only", "at most").holds(total, 20.0, []) is holds
