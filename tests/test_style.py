"""The Python packages and tests stay ruff-clean."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_ruff_is_clean():
    targets = ["autograder", "nnkit", "data", "tests", "benchmarks", "nbgrader_config.py"]
    result = subprocess.run([sys.executable, "-m", "ruff", "check",
                             *[t for t in targets if (ROOT / t).exists()]],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout
