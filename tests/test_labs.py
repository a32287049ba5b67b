"""Every lab grades right: solution 100 %, release 0, each catalogued mistake loses points,
and hidden tests hold when a notebook patches numpy, rebinds helpers or changes directory."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from autograder.course import Course
from autograder.grade import grade
from autograder.report import cell_scores
from autograder.simulate import load_mistakes, solved_notebook
from autograder.verify import verify
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
def test_lab_has_a_catalogue_of_at_least_five_mistakes(lab: str):
    assert len(load_mistakes(ROOT / "solutions" / lab)) >= 5


@pytest.mark.parametrize("lab", LABS)
def test_lab_grades_right(lab: str):
    outcomes = verify(Course(ROOT, ROOT / "grading"), lab, progress=False)
    wrong = [o for o in outcomes if not o.ok]
    assert not wrong, "\n".join(f"{o.student} ({o.what}): {o.score}/{o.max_score}, lost "
                                f"{o.lost} {o.reason}" for o in wrong)


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
