"""``validate NOTEBOOK``: run a notebook's visible tests, as a student checks their work.

nbgrader's own ``nbgrader validate`` exits 0 even when tests fail, so this reads nbgrader's
result and turns it into an exit code.
"""

from __future__ import annotations

from pathlib import Path

from nbgrader.validator import Validator

from autograder.nbconfig import CELL_TIMEOUT, apply_kernel_env, course_config


def validate(notebook: Path, root: Path, cell_timeout: int = CELL_TIMEOUT) -> list[str]:
    """Run ``notebook`` with nbgrader's validator; return one line per failing test cell."""
    apply_kernel_env()
    config = course_config(root, root / "grading", cell_timeout)
    results = Validator(config=config).validate(str(notebook.resolve()))
    problems = []
    for cell in results.get("type_changed", []):
        problems.append(f"a cell changed type from {cell['old_type']} to {cell['new_type']}")
    for cell in results.get("changed", []):
        problems.append(f"a read-only cell was changed: {cell['source'].splitlines()[0][:70]}")
    for cell in results.get("failed", []):
        first = cell["source"].splitlines()[0][:70] if cell["source"] else "(empty cell)"
        error = cell.get("error", "").strip().splitlines()
        problems.append(f"test failed: {first} -> {error[-1][:200] if error else 'error'}")
    return problems
