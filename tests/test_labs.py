"""Every lab grades right: the solution and each independent reference 100 %, the release 0,
each catalogued mistake loses points, the visible-only submission at most a fifth of them; and
hidden tests hold when a notebook patches numpy, rebinds helpers or changes directory."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat
import pytest

from autograder.course import Course
from autograder.engine.kernels import preload_modules
from autograder.grade import grade
from autograder.report import cell_scores
from autograder.simulate import (
    filled_notebook,
    load_mistakes,
    load_references,
    load_visible_only,
    solved_notebook,
)
from autograder.verify import VISIBLE_ONLY_BOUND, Expectation, verify
from tests.conftest import ROOT

LABS = Course(ROOT, ROOT / "grading").lab_names()

CHEAT = ("import builtins, os, numpy as np\n"
         "np.allclose = lambda *a, **k: True\n"
         "np.array_equal = lambda *a, **k: True\n"
         "np.isclose = lambda *a, **k: np.ones(np.shape(a[0]), dtype=bool)\n"
         "expect_close = expect_equal = expect = lambda *a, **k: None\n"
         "builtins.all = lambda *a, **k: True\n"
         "os.chdir('/')\n\n")


@pytest.mark.parametrize("lab", LABS)
def test_lab_has_its_mistakes_references_and_visible_only_submission(lab: str):
    folder = ROOT / "solutions" / lab
    assert len(load_mistakes(folder)) >= 15, "fewer than 15 catalogued mistakes"
    assert len(load_references(folder)) >= 2, "fewer than 2 independent references"
    assert load_visible_only(folder) is not None, "no visible-only submission"


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
def test_lab_grades_right(lab: str, backend: str):
    """The same judgement on every Keras backend: solution and references full marks, release 0,
    every catalogued mistake loses its cells, the visible-only submission at most a fifth."""
    outcomes = verify(Course(ROOT, ROOT / "grading"), lab, progress=False, keras_backend=backend)
    wrong = [o for o in outcomes if not o.ok]
    assert not wrong, "\n".join(f"{o.student} ({o.what}): {o.score}/{o.max_score}, lost "
                                f"{o.lost} {o.reason}" for o in wrong)


@pytest.mark.slow
@pytest.mark.parametrize("lab", LABS)
def test_hidden_tests_survive_a_cheating_notebook(lab: str, tmp_path: Path):
    """The first catalogued mistake, plus a prelude that patches numpy and builtins, rebinds the
    check helpers and changes directory: it must still lose the mistake's points."""
    mistake = load_mistakes(ROOT / "solutions" / lab)[0]
    source = ROOT / "solutions" / lab / f"{lab}.ipynb"
    nb = solved_notebook(source, ROOT / "labs" / lab / f"{lab}.ipynb", (mistake,))
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == mistake.cell)
    cell.source = CHEAT + cell.source
    (tmp_path / "subs" / "cheater").mkdir(parents=True)
    nbformat.write(nb, tmp_path / "subs" / "cheater" / source.name)
    course = Course(ROOT, tmp_path / "work")
    grade(course, lab, tmp_path / "subs", progress=False)
    scores = cell_scores(course, lab, "cheater")
    lost = {gid for gid, (got, most) in scores.items() if got < most}
    assert scores and set(mistake.loses) <= lost, (
        f"patching numpy/builtins won back {set(mistake.loses) - lost}")


def test_answers_for_a_cell_the_release_lacks_are_refused():
    released = ROOT / "labs" / "lab1" / "lab1.ipynb"
    with pytest.raises(ValueError, match="no_such_cell"):
        filled_notebook(released, {"no_such_cell": "pass"})


@pytest.mark.parametrize(("total", "holds"), [(0.0, True), (4.0, True), (4.5, False)])
def test_visible_only_may_score_at_most_the_bound(total: float, holds: bool):
    assert VISIBLE_ONLY_BOUND == 0.20
    assert Expectation("visible-only", "at most").holds(total, 20.0, []) is holds
