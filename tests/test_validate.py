"""Students' self-check: nbgrader validate's exit code lies, ours does not."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat

from autograder.cli import main
from autograder.simulate import solved_notebook
from tests.conftest import ROOT

RELEASED = ROOT / "labs" / "lab1" / "lab1.ipynb"


def test_plain_nbgrader_validate_exits_0_on_a_failing_notebook():
    result = subprocess.run([sys.executable, "-m", "nbgrader", "validate", str(RELEASED)],
                            cwd=ROOT, capture_output=True, text=True, timeout=180,
                            env={**os.environ, "PATH": f"{Path(sys.executable).parent}:"
                                 + os.environ["PATH"]})
    assert result.returncode == 0
    assert "VALIDATION FAILED" in result.stdout + result.stderr


def test_validate_fails_on_the_release_and_passes_on_the_solution(tmp_path: Path, capsys):
    assert main(["validate", str(RELEASED)]) == 1
    assert "test failed" in capsys.readouterr().out
    solved = tmp_path / "lab1.ipynb"
    nbformat.write(solved_notebook(ROOT / "solutions" / "lab1" / "lab1.ipynb", RELEASED), solved)
    assert main(["validate", str(solved)]) == 0
    assert "all visible tests pass" in capsys.readouterr().out
