"""Feedback: survives any student cell text, hides hidden tests, shows the student's figures,
and says who got no page and why."""

from __future__ import annotations

import base64
from pathlib import Path

import nbformat
import pytest
from nbgrader.preprocessors import ClearHiddenTests

from autograder.cli import main
from autograder.course import Course
from autograder.feedback import CSP, HideHiddenTests
from autograder.report import grades_table
from autograder.simulate import Mistake, solved_notebook

QUOTE = "# ### BEGIN HIDDEN TESTS, said the lab; I wonder what they check"
HIDDEN = "_rng = np.random.default_rng(2024)"  # a line of lab 1's first hidden test


def _cells() -> nbformat.NotebookNode:
    student = nbformat.v4.new_code_cell(f"{QUOTE}\nx = 1")
    student.metadata["nbgrader"] = {"grade": False, "grade_id": "answer", "solution": True,
                                    "locked": False, "schema_version": 3}
    test = nbformat.v4.new_code_cell("assert x == 1\n### BEGIN HIDDEN TESTS\nassert x > 0\n"
                                     "### END HIDDEN TESTS")
    test.metadata["nbgrader"] = {"grade": True, "grade_id": "test", "solution": False,
                                 "locked": True, "points": 1, "schema_version": 3}
    test.outputs = [nbformat.v4.new_output("error", ename="AssertionError", evalue="no",
                                           traceback=["assert x > 0", "AssertionError: no"])]
    return nbformat.v4.new_notebook(cells=[student, test])


def test_a_student_cell_quoting_the_hidden_test_marker_is_left_as_written():
    with pytest.raises(RuntimeError, match="No end hidden tests"):
        ClearHiddenTests().preprocess(_cells(), {})
    nb, _ = HideHiddenTests().preprocess(_cells(), {})
    assert nb.cells[0].source == f"{QUOTE}\nx = 1"
    assert nb.cells[1].source == "assert x == 1"
    assert nb.cells[1].outputs[0].traceback == ["AssertionError: no"]


@pytest.mark.slow
def test_feedback_after_a_real_grading(course: Course, tmp_path: Path, capsys):
    """One grading of lab 1 with the kernels' plotting backend: the solution (its answer quoting
    the hidden-test marker) keeps full marks and its page shows its figures, no hidden test;
    an empty hand-in gets a page that gives its reason."""
    source = course.source_notebooks("lab1")[0]
    quote = Mistake("quotes the marker", "perceptron", "class Perceptron:",
                    f"{QUOTE}\nclass Perceptron:")
    nb = solved_notebook(source, course.labs / "lab1" / "lab1.ipynb", (quote,))
    subs = tmp_path / "subs"
    (subs / "ada").mkdir(parents=True)
    (subs / "hal").mkdir()
    nbformat.write(nb, subs / "ada" / "lab1.ipynb")
    work = ["--work", str(course.work)]
    assert main([*work, "grade", "lab1", str(subs), "--cell-timeout", "120"]) == 0
    assert grades_table(course, "lab1").set_index("student_id").loc["ada", "score"] == 20
    graded = nbformat.read(course.work / "autograded" / "ada" / "lab1" / "lab1.ipynb", 4)
    pngs = [o.data["image/png"] for c in graded.cells for o in c.get("outputs", [])
            if "image/png" in o.get("data", {})]
    assert len(pngs) >= 3 and base64.b64decode(pngs[0]).startswith(b"\x89PNG")
    assert main([*work, "feedback", "lab1"]) == 0
    out = capsys.readouterr().out
    assert "wrote 2 feedback file(s)" in out
    assert "1 of them say why there is no graded notebook:\n  hal: missing notebook" in out
    why = (course.work / "feedback" / "hal" / "lab1" / "lab1.html").read_text(encoding="utf-8")
    assert "could not be graded" in why and "missing notebook" in why and CSP in why
    page = (course.work / "feedback" / "ada" / "lab1" / "lab1.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in page and "I wonder what they check" in page
    assert HIDDEN not in page


def test_output_that_quotes_a_hidden_test_is_redacted():
    """A kernel sees the hidden tests it runs and may print them (e.g. from IPython's ``In``)."""
    nb = _cells()
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout",
                                                  text="my history:\nassert x > 0\nbye\n")]
    nb, _ = HideHiddenTests().preprocess(nb, {})
    assert "assert x > 0" not in nb.cells[0].outputs[0].text
    assert "my history:" in nb.cells[0].outputs[0].text and "bye" in nb.cells[0].outputs[0].text
