"""Kernels that lie about their tests gain nothing: the judge, outside the sandbox, gives the
points from the evidence alone (lab 1, graded end to end through ``grade``).

Every forger below beat the grader when the kernel's own test results counted. Stub code (no
exercise solved) must score 0 however it forges; a partly wrong student must score exactly
what its code earns; honest students keep full marks; a regrade with new challenges gives the
same scores. The last test removes the judge and shows the same forgers winning again.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import nbformat
import pytest

from autograder import grade as grade_module
from autograder.course import Course
from autograder.engine.sandbox import bubblewrap
from autograder.ids import safe_id
from autograder.report import grades_table
from autograder.simulate import load_mistakes, solved_notebook
from tests.conftest import ROOT

SOURCE = ROOT / "solutions" / "lab1" / "lab1.ipynb"
RELEASED = ROOT / "labs" / "lab1" / "lab1.ipynb"

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(bubblewrap() is None, reason="needs bubblewrap")]

#: Forges the reply of every cell that looks like a real test (it imports the course's test
#: helpers) and leaves everything else alone, so the canaries see an honest kernel.
FORGES_REAL_TESTS = """
session = get_ipython().kernel.session
real_send = session.send
shell = get_ipython()
def send(stream, msg_or_type, content=None, *args, **kwargs):
    code = shell.user_ns.get('_ih', [''])[-1]
    if 'nnkit' in code:
        if msg_or_type == 'error':
            return None
        if msg_or_type == 'execute_reply' and content and content.get('status') == 'error':
            content = {'status': 'ok', 'execution_count': content.get('execution_count'),
                       'user_expressions': {}, 'payload': []}
    return real_send(stream, msg_or_type, content, *args, **kwargs)
session.send = send
"""

#: Shows a result before every cell runs: nbgrader reads a test cell's first result as its
#: partial credit, and a result that is not a number as full marks.
DISPLAYS_BEFORE_EVERY_CELL = """
get_ipython().events.register('pre_run_cell', lambda *a: get_ipython().displayhook('passed'))
"""

#: Makes every expression of every cell a displayed result.
SHOWS_EVERY_EXPRESSION = "get_ipython().ast_node_interactivity = 'all'"

#: Replaces the probe's report with made-up evidence: the challenge's own arrays everywhere.
FORGES_EVIDENCE = """
import sys, nnkit.evidence as ev
def report(lab, test, **values):
    made_up = {k: ev.challenge(lab, test) for k in values}
    sys.stdout.write(ev.MARK + test + ' ' + ev.dumps(made_up) + '\\n')
    sys.stdout.write(ev.MARK + test + ' ' + ev.dumps({k: 0 for k in values}) + '\\n')
ev.report = report
"""

#: Patches the course's check helpers and puts a fake module in sys.modules (numpy's own
#: comparisons stay: the visible tests use them, and breaking those only costs the patcher).
PATCHES_CHECKS = """
import sys, types, nnkit.grading
for name in ('expect', 'expect_close', 'expect_equal', 'expect_shape'):
    try:
        setattr(nnkit.grading, name, lambda *a, **k: None)
    except Exception:
        pass
fake = types.ModuleType('nnkit.grading')
fake.__getattr__ = lambda name: (lambda *a, **k: None)
sys.modules['nnkit.grading'] = fake
"""

#: Walks what the kernel can read for the judge's references: files, its history, its memory.
WALKS_FOR_ANSWERS = """
import gc, os, sys, json
NAMES = ['reference_' + n for n in ('perceptron', 'adaline_gd', 'sgd')]
MARKERS = ['def ' + n + '(' for n in NAMES] + ['Lab 1' + "'s hidden tests"]
hits = []
skip = {'/usr', '/proc', '/sys', '/dev', sys.base_prefix, os.path.join(sys.prefix, 'lib')}
for top, dirs, files in os.walk('/'):
    dirs[:] = [d for d in dirs if os.path.join(top, d) not in skip]
    for f in files:
        try:
            text = open(os.path.join(top, f), errors='ignore').read(2_000_000)
        except OSError:
            continue
        hits += [f'{top}/{f}: {m}' for m in MARKERS if m in text]
texts = list(get_ipython().user_ns.get('In', [])) + [o for o in gc.get_objects() if isinstance(o, str)]
hits += [f'memory: {m}' for t in texts for m in MARKERS if m in t and t not in MARKERS]
hits += [f'function {o.__name__}' for o in gc.get_objects()
         if callable(o) and getattr(o, '__name__', '') in NAMES]
print('WALKED ' + json.dumps(sorted(set(hits))))
"""


def _with_prelude(nb: nbformat.NotebookNode, prelude: str) -> nbformat.NotebookNode:
    first = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
    first.source = prelude + "\n\n" + first.source
    return nb


def _stub(prelude: str) -> nbformat.NotebookNode:
    return _with_prelude(nbformat.read(RELEASED, as_version=4), prelude)


def _encoded(code: str) -> str:
    blob = base64.b64encode(code.encode()).decode()
    return f"import base64\nexec(base64.b64decode({blob!r}).decode())"


def _class(folder: Path) -> dict[str, int]:
    """Write the class; return each student's deserved score."""
    mistake = next(m for m in load_mistakes(SOURCE.parent) if m.name == "perceptron bias never updated")
    wrong = 20 - 5  # it loses test_perceptron_fit (3) and test_perceptron_xor (2)
    students = {
        "forges_real_tests": (_stub(FORGES_REAL_TESTS), 0),
        "forges_behind_exec": (_stub(_encoded(FORGES_REAL_TESTS)), 0),
        "displays_before_every_cell": (_stub(DISPLAYS_BEFORE_EVERY_CELL), 0),
        "shows_every_expression": (_stub(SHOWS_EVERY_EXPRESSION), 0),
        "forges_evidence": (_stub(FORGES_EVIDENCE), 0),
        "walks_for_answers": (_stub(WALKS_FOR_ANSWERS), 0),
        "wrong_and_displays": (_with_prelude(solved_notebook(SOURCE, RELEASED, (mistake,)),
                                             DISPLAYS_BEFORE_EVERY_CELL), wrong),
        "wrong_and_patches_checks": (_with_prelude(solved_notebook(SOURCE, RELEASED, (mistake,)),
                                                   PATCHES_CHECKS), wrong),
        "wrong_and_forges_tests": (_with_prelude(solved_notebook(SOURCE, RELEASED, (mistake,)),
                                                 FORGES_REAL_TESTS), wrong),
        "honest": (solved_notebook(SOURCE, RELEASED), 20),
        "honest_and_patches_checks": (_with_prelude(solved_notebook(SOURCE, RELEASED),
                                                    PATCHES_CHECKS), 20),
    }
    for student, (nb, _) in students.items():
        (folder / student).mkdir(parents=True)
        nbformat.write(nb, folder / student / "lab1.ipynb")
    return {student: deserved for student, (_, deserved) in students.items()}


def _grade(course: Course, folder: Path, seed: int, regrade: bool = False) -> dict[str, float]:
    grade_module.grade(course, "lab1", folder, cell_timeout=60, notebook_timeout=600, jobs=2,
                       progress=False, challenge_seed=seed, regrade=regrade)
    return grades_table(course, "lab1").set_index("student_id")["score"].to_dict()


def _walked(course: Course) -> list[str]:
    path = course.work / "autograded" / safe_id("walks_for_answers") / "lab1" / "lab1.ipynb"
    text = "\n".join(str(o.get("text", "")) for c in nbformat.read(path, as_version=4).cells
                     for o in c.get("outputs", []))
    return json.loads(text.split("WALKED ", 1)[1].splitlines()[0])


def test_forged_replies_displays_and_evidence_earn_exactly_what_the_code_earns(tmp_path: Path):
    folder = tmp_path / "subs"
    deserved = _class(folder)
    course = Course(ROOT, tmp_path / "work")
    scores = _grade(course, folder, seed=11)
    assert scores == {safe_id(s): d for s, d in deserved.items()}
    assert _walked(course) == [], "a judge's reference was readable from the kernel"
    again = _grade(course, folder, seed=987654321, regrade=True)
    assert again == scores, "new challenges, same scores"


def test_without_the_judge_the_same_forgers_win(tmp_path: Path, monkeypatch):
    """The defence by removal: with the kernel's own test results counting again (no judge),
    stub code that displays a value before every cell scores points."""
    monkeypatch.setattr(grade_module, "judge_source", lambda solutions, lab: "")
    folder = tmp_path / "subs"
    (folder / "displays").mkdir(parents=True)
    nbformat.write(_stub(DISPLAYS_BEFORE_EVERY_CELL), folder / "displays" / "lab1.ipynb")
    course = Course(ROOT, tmp_path / "work")
    assert _grade(course, folder, seed=11)["displays"] > 0
