"""A hostile class: each submission attacks the grader in its own way, beside honest students.

Every attack that would *gain* points if it worked is written so (it finds the answers by the
forbidden route and runs them, or forges its results), so the defence shows as a 0. Honest
students, graded after the attacks on the same warm workers, keep full marks, every entry of
the submissions folder gets a row, and a regrade gives the same scores.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from autograder.course import Course
from autograder.engine.sandbox import Limits, bubblewrap, visible_paths
from autograder.engine.worker import CellScore
from autograder.grade import _invalid_scores, grade
from autograder.ids import safe_id
from autograder.report import grades_table
from autograder.simulate import solved_notebook
from coursedata.cache import cache_dir
from tests.conftest import ROOT

SOURCE = ROOT / "solutions" / "lab1" / "lab1.ipynb"
RELEASED = ROOT / "labs" / "lab1" / "lab1.ipynb"

needs_sandbox = pytest.mark.skipif(bubblewrap() is None, reason="needs bubblewrap")


def _attacker(prelude: str) -> nbformat.NotebookNode:
    """The untouched release (every answer a stub) with ``prelude`` run before the first answer."""
    nb = nbformat.read(RELEASED, as_version=4)
    first = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
    first.source = prelude + "\n\n" + first.source
    return nb


#: Run the answer cells of the notebook at ``path`` (if it can be read) in the kernel's globals.
_RUN_ANSWERS_FROM = ("def run_answers_from(path):\n"
                     "    import json\n"
                     "    try:\n        cells = json.load(open(path))['cells']\n"
                     "    except Exception:\n        return False\n"
                     "    for c in cells:\n"
                     "        if c.get('metadata', {}).get('nbgrader', {}).get('solution'):\n"
                     "            exec(''.join(c['source']), globals())\n"
                     "    return True\n")

#: Patches the kernel's messaging so that every error becomes a success (issue: stub code got
#: 20/20 this way, in plain nbgrader too).
FORGES_REPLIES = """
session = get_ipython().kernel.session
real_send = session.send
def send(stream, msg_or_type, content=None, *args, **kwargs):
    if msg_or_type == 'error':
        return None
    if msg_or_type == 'execute_reply' and content and content.get('status') == 'error':
        content = {'status': 'ok', 'execution_count': content.get('execution_count'),
                   'user_expressions': {}, 'payload': []}
    return real_send(stream, msg_or_type, content, *args, **kwargs)
session.send = send
"""

#: Plants a fake grader module everywhere it can write, then kills its parents so that the
#: worker restarts (issue: the fake worker graded the next student 1000/20).
PLANTS_MODULE = """
import os, signal
fake = "open({marker!r}, 'w').write('imported')\\n"
for base in {{os.getcwd(), os.environ.get('HOME', ''), os.environ.get('TMPDIR', ''),
              os.environ.get('JUPYTER_RUNTIME_DIR', ''), '/tmp', '..', '../..', '../../..'}}:
    try:
        os.makedirs(os.path.join(base, 'autograder', 'engine'), exist_ok=True)
        for name in ('__init__.py', 'engine/__init__.py', 'engine/worker.py', 'engine/kernels.py'):
            open(os.path.join(base, 'autograder', name), 'w').write(fake)
    except OSError:
        pass
os.kill(os.getppid(), signal.SIGKILL)
"""

#: Plants triggers in every gradebook it finds (issue: auto_score := max_score, and text in
#: max_score that crashed the coordinator).
PLANTS_TRIGGERS = """
import os, sqlite3
for top, dirs, files in os.walk('/'):
    dirs[:] = [d for d in dirs if d not in ('proc', 'sys', 'dev')]
    for f in files:
        if f.endswith('.db'):
            try:
                db = sqlite3.connect(os.path.join(top, f))
                db.execute("create trigger t1 after update on grade begin update grade set "
                           "auto_score = 1000, max_score = 'x'; end")
                db.commit()
            except Exception:
                pass
"""

#: Looks through the whole file system for other notebooks, hidden tests and gradebooks, and
#: prints what it sees; runs any solution it finds (issue: a classmate's notebook, another
#: course's graded notebook in /tmp).
EXPLORES = """
import os, sys, json
found = {'files': [], 'notebooks': [], 'hidden': [], 'gradebooks': []}
system = {'/usr', '/proc', '/sys', '/dev', sys.prefix, sys.base_prefix}  # the allowed system
try:
    for top, dirs, files in os.walk('/'):
        dirs[:] = [d for d in dirs if os.path.join(top, d) not in system]
        for f in files:
            path = os.path.join(top, f)
            found['files'].append(path)
            if f.endswith('.db'):
                found['gradebooks'].append(path)
            if f.endswith('.ipynb'):
                found['notebooks'].append(path)
                try:
                    text = open(path).read()
                except OSError:
                    continue
                if 'BEGIN HIDDEN TESTS' in text:
                    found['hidden'].append(path)
                run_answers_from(path)
finally:
    print('EXPLORED ' + json.dumps(found))
"""


def _write(folder: Path, student: str, nb: nbformat.NotebookNode) -> None:
    (folder / student).mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / student / "lab1.ipynb")


def _outputs(course: Course, student: str) -> str:
    path = course.work / "autograded" / safe_id(student) / "lab1" / "lab1.ipynb"
    nb = nbformat.read(path, as_version=4)
    return "\n".join(str(o.get("text", "")) + str(o.get("evalue", "")) for c in nb.cells
                     for o in c.get("outputs", []))


@pytest.mark.slow
@needs_sandbox
def test_a_hostile_class_gains_nothing_and_stops_nothing(tmp_path: Path, monkeypatch):
    secret = f"instructor-secret-{secrets.token_hex(6)}"
    monkeypatch.setenv("AUTOGRADER_TEST_TOKEN", secret)
    elsewhere = tmp_path.parent / f"another-course-{secrets.token_hex(4)}.ipynb"
    nbformat.write(solved_notebook(SOURCE, RELEASED), elsewhere)  # in the host's /tmp
    marker = tmp_path / "fake-grader-was-imported"
    folder = tmp_path / "subs"
    attacks = {
        "forges_replies": FORGES_REPLIES,
        "plants_module": PLANTS_MODULE.format(marker=str(marker)),
        "plants_triggers": PLANTS_TRIGGERS,
        "explores": _RUN_ANSWERS_FROM + EXPLORES,
        "prints_env": "import os\nprint(dict(os.environ))",
        "leaves_fifos": "import os\nfor base in (os.getcwd(), os.environ['HOME'], "
                        "os.environ['JUPYTER_RUNTIME_DIR']):\n    os.mkfifo(os.path.join(base, "
                        "'lab1.ipynb.fifo'))\nos.mkfifo('lab1.ipynb.x')",
        "writes_a_gigabyte": "with open('big.bin', 'wb') as f:\n    for _ in range(1024):\n"
                             "        f.write(bytes(1 << 20))",
        "stops_its_parent": "import os, signal\nos.kill(os.getppid(), signal.SIGSTOP)",
    }
    for student, prelude in attacks.items():
        _write(folder, student, _attacker(prelude))
    honest = ["honest", "zoë", "ann marie", "o'brien", "-rf", "back\\slash", "zz_honest"]
    for student in honest:
        _write(folder, student, solved_notebook(SOURCE, RELEASED))
    (folder / "links_to_solutions").symlink_to(SOURCE.parent)
    (folder / "links_a_notebook").mkdir()
    (folder / "links_a_notebook" / "lab1.ipynb").symlink_to(SOURCE)
    (folder / "top_link.ipynb").symlink_to(SOURCE)
    os.mkfifo(folder / "a_fifo.ipynb")
    (folder / "fifo_in_folder").mkdir()
    os.mkfifo(folder / "fifo_in_folder" / "lab1.ipynb")
    linked = ["links_to_solutions", "links_a_notebook", "top_link"]
    fifos = ["a_fifo", "fifo_in_folder"]

    course = Course(ROOT, tmp_path / "work")
    grade(course, "lab1", folder, cell_timeout=30, notebook_timeout=300, jobs=2,
          limits=Limits(disk_mb=256), progress=False)
    table = grades_table(course, "lab1").set_index("student_id")

    everyone = [*attacks, *honest, *linked, *fifos]
    assert set(table.index) == {safe_id(s) for s in everyone}, "every entry must get a row"
    honest_ids = [safe_id(s) for s in honest]
    assert (table.loc[honest_ids, "score"] == 20).all(), table.loc[honest_ids, "needs_look"].to_dict()
    for student in [*attacks, *linked, *fifos]:
        assert table.loc[safe_id(student), "score"] == 0, f"{student} gained points"
    assert "tampered with" in table.loc["forges_replies", "needs_look"]
    for student in linked:
        assert "a link, not a notebook" in table.loc[safe_id(student), "needs_look"]
    for student in fifos:
        assert "not a regular file" in table.loc[safe_id(student), "needs_look"]
    assert not marker.exists(), "the grader imported a module a submission wrote"
    assert secret not in _outputs(course, "prints_env"), "the instructor's environment leaked"
    explored = json.loads(_outputs(course, "explores").split("EXPLORED ", 1)[1].splitlines()[0])
    assert explored["notebooks"] == explored["hidden"] == explored["gradebooks"] == []
    allowed = (*visible_paths([cache_dir()]), "/box/", "/tmp/", "/dev/shm/")
    outside = [f for f in explored["files"] if not f.startswith(allowed)]
    assert explored["files"] and not outside, f"visible beyond the allow-list: {outside[:5]}"
    largest = max(p.stat().st_size for p in course.work.rglob("*") if p.is_file())
    assert largest < 50 * 2**20, "a huge file a submission wrote was copied back"

    first = table["score"].to_dict()
    grade(course, "lab1", folder, cell_timeout=30, notebook_timeout=300, jobs=2,
          limits=Limits(disk_mb=256), progress=False, regrade=True)
    assert grades_table(course, "lab1").set_index("student_id")["score"].to_dict() == first


def test_scores_a_job_returns_are_checked_before_they_are_recorded():
    cells = {("lab1", "a"): 2.0, ("lab1", "b"): 3.0}
    good = [CellScore("lab1", "a", 2.0, 2.0, False), CellScore("lab1", "b", 0.0, 3.0, False)]
    assert _invalid_scores(good, cells) is None
    for bad in ([CellScore("lab1", "a", 2.0, 2.0, False)],                      # a cell missing
                [*good, CellScore("lab1", "c", 1.0, 1.0, False)],             # an unknown cell
                [CellScore("lab1", "a", 1000.0, 2.0, False), good[1]],        # above the maximum
                [CellScore("lab1", "a", float("nan"), 2.0, False), good[1]],  # not a number
                [CellScore("lab1", "a", "2", 2.0, False), good[1]],           # text
                [CellScore("lab1", "a", 2.0, "x", False), good[1]]):          # text as maximum
        assert _invalid_scores(bad, cells), bad


@pytest.mark.slow
def test_a_worker_that_cannot_start_costs_a_row_with_a_reason_not_the_batch(tmp_path, monkeypatch):
    import autograder.engine.warm as warm

    monkeypatch.setattr(warm, "START_TIMEOUT", 0.01)
    folder = tmp_path / "subs"
    _write(folder, "a", solved_notebook(SOURCE, RELEASED))
    _write(folder, "b", solved_notebook(SOURCE, RELEASED))
    course = Course(ROOT, tmp_path / "work")
    reasons = grade(course, "lab1", folder, progress=False)
    assert set(reasons) == {"a", "b"}
    assert all("not graded" in why and "did not start" in why for why in reasons.values())


@pytest.mark.slow
@needs_sandbox
def test_the_grade_does_not_depend_on_how_busy_the_machine_is(tmp_path: Path):
    """The solution of a Keras lab, graded while every core is kept busy by other processes,
    keeps full marks: cells are timed by the kernel's CPU time, not the wall clock. (With the
    wall clock, the cell limit here fires under this load.)"""
    lab = "lab5"
    source = ROOT / "solutions" / lab / f"{lab}.ipynb"
    released = ROOT / "labs" / lab / f"{lab}.ipynb"
    folder = tmp_path / "subs"
    (folder / "solution").mkdir(parents=True)
    nbformat.write(solved_notebook(source, released), folder / "solution" / f"{lab}.ipynb")
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                for _ in range(4 * (os.cpu_count() or 1))]
    try:
        time.sleep(1)
        course = Course(ROOT, tmp_path / "work")
        reasons = grade(course, lab, folder, cell_timeout=12, jobs=1, progress=False)
    finally:
        for spinner in spinners:
            spinner.kill()
    table = grades_table(course, lab).set_index("student_id")
    assert table.loc["solution", "score"] == table.loc["solution", "max_score"], reasons
