"""``validate NOTEBOOK``: run a notebook's visible tests, as a student checks their work.

nbgrader's own ``nbgrader validate`` exits 0 even when tests fail, and its messages are HTML
or whole tracebacks; this names each failing test cell with its points, then the error it
raised, in plain text, and turns the result into an exit code.
"""

from __future__ import annotations

from pathlib import Path

from nbconvert.filters import strip_ansi
from nbgrader.validator import Validator

from autograder.course import CourseError
from autograder.engine import CELL_TIMEOUT, apply_kernel_env, course_config
from autograder.submissions import invalid_reason


class PlainValidator(Validator):
    """nbgrader's validator, whose message for a failing cell is the error it raised (its type
    and text, no traceback, no HTML), and which keeps each failing cell's name and points."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.failures: dict[str, tuple[str, float, str]] = {}

    def _extract_error(self, cell) -> str:
        lines = [f"{out.ename}: {out.evalue}" if out.output_type == "error" else out.text.strip()
                 for out in cell.get("outputs", [])
                 if out.output_type == "error"
                 or (out.output_type == "stream" and out.name == "stderr")]
        message = strip_ansi("\n".join(lines) or super()._extract_error(cell))
        meta = cell.metadata.get("nbgrader", {})
        self.failures[cell.source.strip()] = (meta.get("grade_id", "?"),
                                              float(meta.get("points", 0)), message)
        return message


def validate(notebook: Path, root: Path, cell_timeout: int = CELL_TIMEOUT) -> list[str]:
    """Run ``notebook`` with nbgrader's validator; return one paragraph per problem: a failing
    test cell's name and points, then its message, indented. Raises :class:`CourseError` when
    ``notebook`` is not a notebook."""
    if not notebook.is_file():
        raise CourseError(f"no notebook at {notebook}")
    if why := invalid_reason(notebook.read_bytes()):
        raise CourseError(f"{notebook} is {why}")
    apply_kernel_env()
    validator = PlainValidator(config=course_config(root, root / "grading", cell_timeout))
    results = validator.validate(str(notebook.resolve()))
    problems = [f"a cell changed type from {c['old_type']} to {c['new_type']}"
                for c in results.get("type_changed", [])]
    problems += [f"a read-only cell was changed: {c['source'].splitlines()[0][:70]}"
                 for c in results.get("changed", [])]
    for cell in results.get("failed", []):
        name, points, message = validator.failures[cell["source"]]
        indented = "\n".join(f"    {line}" for line in message.splitlines())
        problems.append(f"{name} ({points:g} point{'s' * (points != 1)}) failed:\n{indented}")
    return problems
