"""Students' self-check: nbgrader validate's exit code lies, ours does not."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.cli import main
from autograder.simulate import load_mistakes, solved_notebook
from tests.conftest import ROOT

RELEASED = ROOT / "labs" / "lab1" / "lab1.ipynb"


@pytest.mark.slow
def test_plain_nbgrader_validate_exits_0_on_a_failing_notebook():
    result = subprocess.run([sys.executable, "-m", "nbgrader", "validate", str(RELEASED)],
                            cwd=ROOT, capture_output=True, text=True, timeout=180,
                            env={**os.environ, "PATH": f"{Path(sys.executable).parent}:"
                                 + os.environ["PATH"]})
    assert result.returncode == 0
    assert "VALIDATION FAILED" in result.stdout + result.stderr


@pytest.mark.slow
def test_validate_names_failing_tests_in_plain_text_and_passes_the_solution(tmp_path: Path,
                                                                            capsys):
    """A failing visible test is named with its points, then its error, with no HTML and no
    traceback; the solution passes."""
    source = ROOT / "solutions" / "lab1" / "lab1.ipynb"
    strict = next(m for m in load_mistakes(ROOT / "solutions" / "lab1")
                  if m.name == "perceptron predicts with z > 0 instead of z >= 0")
    wrong = tmp_path / "wrong" / "lab1.ipynb"
    wrong.parent.mkdir()
    nbformat.write(solved_notebook(source, RELEASED, (strict,)), wrong)
    assert main(["validate", str(wrong)]) == 1
    out = capsys.readouterr().out
    assert ("test_perceptron_predict (2 points) failed:\n    AssertionError: predict: expected "
            "[0, 1, 1] (z >= 0 gives 1), got [") in out
    assert "<span" not in out and "&gt;" not in out and "Traceback" not in out
    solved = tmp_path / "lab1.ipynb"
    nbformat.write(solved_notebook(source, RELEASED), solved)
    assert main(["validate", str(solved)]) == 0
    assert "all visible tests pass" in capsys.readouterr().out


def test_validate_of_a_file_that_is_not_a_notebook_is_one_line_and_exit_2(tmp_path: Path,
                                                                          capsys):
    text = tmp_path / "lab1.ipynb"
    text.write_text("print('hello')\n", encoding="utf-8")
    assert main(["validate", str(text)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"autograder: {text} is not a valid notebook (") and err.count("\n") == 1
