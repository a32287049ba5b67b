"""Probe inside, judge outside: how a notebook's test cells get their verdicts.

Before the notebook runs, a cell is planted at its top that hands the kernel the challenges
(inputs only, drawn from the grading run's seed; the seed stays here). After it ran, each test
cell that the lab's :class:`~autograder.engine.judge.Judge` covers is judged from the evidence
its probe printed, read as untrusted data, and its outputs are replaced: what the student's
code printed stays, every displayed result, stray error and evidence line goes, and a failing
verdict becomes the cell's one error. nbgrader then scores the cell from those outputs, so its
points come from the judge alone: nothing the kernel displays, prints or reports about itself
can raise them.
"""

from __future__ import annotations

from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_output

from autograder.engine.judge import Judge
from nnkit.evidence import MARK

_KEY = "autograder_challenges"
#: The ``ename`` of a failing verdict (nbgrader scores any error output 0).
FAILED = "TestFailed"
#: Kernel errors that mean a cell was stopped, not that the student's code failed: a verdict
#: on such a cell keeps the name, so the grader's reasons (a timeout, a dead kernel) still show.
STOPPED = frozenset({"KeyboardInterrupt", "CellTimeoutError", "DeadKernelError"})


def plant(nb: NotebookNode, judge: Judge, seed: int) -> None:
    """Insert the cell that hands the kernel ``judge``'s challenges for ``seed``."""
    cell = new_code_cell("import nnkit.evidence\n"
                         f"nnkit.evidence.receive({judge.challenges_text(seed)!r})")
    cell.metadata[_KEY] = True
    nb.cells.insert(0, cell)


def _grade_id(cell: NotebookNode) -> str | None:
    meta = cell.metadata.get("nbgrader", {})
    if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
        return meta.get("grade_id")
    return None


def _evidence(printed: str, test: str) -> tuple[list[str], str]:
    """The evidence lines for ``test`` in ``printed``, and what else was printed."""
    found, kept = [], []
    for line in printed.splitlines(keepends=True):
        if line.startswith(MARK):
            found.append(line[len(MARK):])
        else:
            kept.append(line)
    own = [text.partition(" ")[2] for text in found if text.partition(" ")[0] == test]
    return own if len(own) == len(found) else found + ["$other"], "".join(kept)


def _stopped(outputs: list, budget: float) -> str:
    errors = [o for o in outputs if o.get("output_type") == "error"]
    if not errors:
        return "the test did not report its evidence"
    error = errors[-1]
    if error.get("ename") == "KeyboardInterrupt":
        return f"this cell ran past its time limit ({budget:g} CPU seconds) and was stopped"
    return f"the test stopped before it reported: {str(error.get('ename'))[:80]}: " \
           f"{str(error.get('evalue'))[:300]}"


def judge_cell(cell: NotebookNode, judge: Judge, seed: int, budget: float = 0.0) -> str | None:
    """Judge one executed test cell and rewrite its outputs; return why it failed, if it did.
    ``budget`` is the cell's CPU time limit (for the message of a cell that ran past it)."""
    test = _grade_id(cell)
    outputs = cell.get("outputs", [])
    printed = "".join(str(o.get("text", "")) for o in outputs
                      if o.get("output_type") == "stream" and o.get("name") == "stdout")
    lines, kept = _evidence(printed, test)
    errors = [o for o in outputs if o.get("output_type") == "error"]
    stopped = not lines and errors and errors[-1].get("ename") in STOPPED
    if not lines:
        reason = _stopped(outputs, budget)
    elif len(lines) > 1:
        reason = "the test reported its evidence more than once, or for another test"
    else:
        reason = judge.verdict(test, judge.challenges(seed).get(test, {}), lines[0].strip())
    cell.outputs = [new_output("stream", name="stdout", text=kept)] if kept else []
    if reason is not None:
        ename = str(errors[-1]["ename"]) if stopped else FAILED
        cell.outputs.append(new_output("error", ename=ename, evalue=reason,
                                       traceback=[f"{ename}: {reason}"]))
    return reason


def judge_notebook(nb: NotebookNode, judge: Judge, seed: int,
                   budget: float = 0.0) -> dict[str, str | None]:
    """Remove the planted cell from the executed ``nb`` and judge every test cell the judge
    covers; return each one's reason (``None``: passed)."""
    nb.cells = [c for c in nb.cells if _KEY not in c.metadata]
    return {_grade_id(cell): judge_cell(cell, judge, seed, budget) for cell in nb.cells
            if _grade_id(cell) in judge.checks}
