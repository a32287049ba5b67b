"""Canary cells: catch a kernel that forges its replies.

A student's code runs in the kernel, so it can patch the kernel's own messaging (``Session.send``,
the shell's ``run_cell``, ``json.dumps``) and make every test cell report success. The grader
cannot stop that from inside the kernel, but it can check it: before a notebook runs, two cells
the student has never seen are planted among its test cells, with random values: one must fail
with a random token, the other must print a value computed by running it. A kernel whose reply
to either is wrong has forged its replies, and its scores cannot be trusted. The canaries are
removed again before the notebook is saved.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from nbformat import NotebookNode
from nbformat.v4 import new_code_cell

_KEY = "autograder_canary"
#: Errors that mean the cell did not run to the end for a reason of its own (a timeout, an
#: interrupt, a dead kernel): a canary that meets one proves nothing either way.
_INCONCLUSIVE = {"CellTimeoutError", "KeyboardInterrupt", "DeadKernelError"}

FORGED = "the kernel's replies were tampered with (a canary cell was reported wrongly)"


@dataclass(frozen=True)
class Canaries:
    """What the planted cells must show: the failing one's token, the printing one's value."""

    token: str
    value: str


def _test_cells(nb: NotebookNode) -> list[int]:
    return [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
            and c.metadata.get("nbgrader", {}).get("grade")
            and not c.metadata.get("nbgrader", {}).get("solution")]


def plant(nb: NotebookNode) -> Canaries:
    """Insert the two canary cells after randomly chosen test cells of ``nb`` (at the end when
    there are none)."""
    rand = secrets.SystemRandom()
    token = secrets.token_hex(8)
    a, b, c = (rand.randrange(10**5, 10**6) for _ in range(3))
    canaries = Canaries(token, str(a * b + c))
    failing = new_code_cell(f"### BEGIN HIDDEN TESTS\nassert {a} * {b} == {c}, {token!r}\n"
                            "### END HIDDEN TESTS")
    printing = new_code_cell(f"### BEGIN HIDDEN TESTS\n__import__('sys').stdout.write("
                             f"str({a} * {b} + {c}) + '\\n')\n### END HIDDEN TESTS")
    failing.metadata[_KEY] = "fails"
    printing.metadata[_KEY] = "prints"
    tests = _test_cells(nb) or [len(nb.cells) - 1]
    spots = sorted(rand.sample(tests, 2) if len(tests) >= 2 else tests * 2, reverse=True)
    for spot, cell in zip(spots, rand.sample([failing, printing], 2)):
        nb.cells.insert(spot + 1, cell)
    return canaries


def _judge(cell: NotebookNode, canaries: Canaries) -> bool | None:
    """Whether the canary ``cell`` was reported truly (``None``: it proves nothing)."""
    outputs = cell.get("outputs", [])
    if any(o.get("ename") in _INCONCLUSIVE for o in outputs):
        return None
    if cell.metadata[_KEY] == "fails":
        return any(o.get("output_type") == "error" and canaries.token in str(o.get("evalue"))
                   for o in outputs)
    printed = "".join(str(o.get("text", "")) for o in outputs if o.get("name") == "stdout")
    return printed.strip() == canaries.value


def verdict(nb: NotebookNode, canaries: Canaries) -> str | None:
    """Remove the canary cells from the executed ``nb``; return :data:`FORGED` if either was
    reported wrongly, else ``None``."""
    planted = [c for c in nb.cells if _KEY in c.metadata]
    nb.cells = [c for c in nb.cells if _KEY not in c.metadata]
    judged = [_judge(c, canaries) for c in planted]
    return FORGED if len(planted) != 2 or False in judged else None
