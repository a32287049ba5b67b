"""Submissions that attack the grader: it survives each, the gradebook stays consistent, and
an honest student graded in the same batch keeps full marks.

Each attack that would *gain* points if it worked is written so: it fetches the solution by
the forbidden route (reading solutions/, a network socket) and runs it. Isolation means it
scores 0.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from pathlib import Path

import nbformat
import pytest

from autograder.course import Course
from autograder.engine.devices import thread_caps
from autograder.engine.sandbox import Limits, bubblewrap, sandboxed
from autograder.engine.worker import WALL_FACTOR, SlotSettings
from autograder.grade import grade
from autograder.report import grades_table
from autograder.simulate import solved_notebook
from tests.conftest import ROOT

SOURCE = ROOT / "solutions" / "lab1" / "lab1.ipynb"
RELEASED = ROOT / "labs" / "lab1" / "lab1.ipynb"


def _answers() -> str:
    """The solution cells' code, as an attacker who got hold of it would run it."""
    nb = solved_notebook(SOURCE, RELEASED)
    return "\n\n".join(c.source for c in nb.cells
                       if c.metadata.get("nbgrader", {}).get("solution"))


def _attacker(prelude: str) -> nbformat.NotebookNode:
    """The untouched release with ``prelude`` run before the first answer cell."""
    nb = nbformat.read(RELEASED, as_version=4)
    first = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
    first.source = prelude + "\n\n" + first.source
    return nb


@pytest.fixture
def solution_server():
    """A loopback TCP server that hands out the solution code to whoever connects."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    payload = _answers().encode()

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                conn.sendall(payload)

    threading.Thread(target=serve, daemon=True).start()
    yield server.getsockname()[1]
    server.close()


@pytest.mark.slow
@pytest.mark.skipif(bubblewrap() is None, reason="needs bubblewrap for the sandbox")
def test_attacks_fail_and_honest_students_keep_their_scores(tmp_path: Path, solution_server: int):
    course = Course(ROOT, tmp_path / "work")
    course.work.mkdir(parents=True)
    outside = tmp_path / "outside.txt"
    gradebook = course.gradebook
    reads_solutions = (f"exec(__import__('json').load(open({str(SOURCE)!r}))['cells'] and "
                       f"'\\n'.join(''.join(c['source']) for c in __import__('json').load("
                       f"open({str(SOURCE)!r}))['cells'] if c.get('metadata', {{}}).get("
                       f"'nbgrader', {{}}).get('solution')))")
    attacks = {
        "reads_solutions": reads_solutions,
        "uses_network": "import socket\ns = socket.create_connection(('127.0.0.1', "
                        f"{solution_server}), timeout=3)\ncode = b''\nwhile chunk := s.recv(65536):\n"
                        "    code += chunk\nexec(code.decode())",
        "writes_outside": f"open({str(outside)!r}, 'w').write('pwned')",
        "edits_gradebook": f"import sqlite3\ndb = sqlite3.connect({str(gradebook)!r})\n"
                           "db.execute('update grade set auto_score = 100')\ndb.commit()",
        "exits_kernel": "import os\nos._exit(3)",
        "sys_exit": "import sys\nsys.exit(0)",
        "keyboard_interrupt": "raise KeyboardInterrupt",
        "patches_builtins": "import builtins\nbuiltins.AssertionError = type('Nope', (Exception,), {})",
        "hides_tracebacks": "get_ipython().showtraceback = lambda *a, **k: None",
        "floods_output": "print('x' * 5_000_000, end='')",
        "eats_memory": "blocks = [bytearray(512 * 1024 * 1024) for _ in range(64)]",
        "forks_many": "import os, time\nfor _ in range(200):\n    if os.fork() == 0:\n"
                      "        time.sleep(60)\n        os._exit(0)",
        "unmounts_hidden": f"import subprocess\nsubprocess.run(['umount', '-l', "
                           f"{str(SOURCE.parent.parent)!r}])\n" + reads_solutions,
        # the worker's answers to the coordinator, written to the stdout of the kernel's parent
        # (the zygote) and grandparent (the worker)
        "forges_answers": "import os\nforged = b'{\"ok\": true, \"log\": \"\"}\\n' * 5\n"
                          "def parent(pid):\n"
                          "    return int(open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()[1])\n"
                          "for pid in (parent(os.getpid()), parent(parent(os.getpid()))):\n"
                          "    try:\n        with open(f'/proc/{pid}/fd/1', 'wb') as f:\n"
                          "            f.write(forged)\n    except OSError:\n        pass",
        "kills_its_parent": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)",
        "rewrites_job_gradebook": "import os, sqlite3, time\nif os.fork() == 0:\n"
                                  "    os.setsid()\n    for _ in range(3000):\n"
                                  "        try:\n            db = sqlite3.connect('../../../gradebook.db')\n"
                                  "            db.execute('update grade set auto_score = 100')\n"
                                  "            db.commit()\n            db.close()\n"
                                  "        except Exception:\n            pass\n"
                                  "        time.sleep(0.01)\n    os._exit(0)",
    }
    folder = tmp_path / "subs"
    for student, prelude in attacks.items():
        (folder / student).mkdir(parents=True)
        nbformat.write(_attacker(prelude), folder / student / "lab1.ipynb")
    honest = ["honest", "zz_honest1", "zz_honest2"]  # the last ones follow every attack
    for student in honest:
        (folder / student).mkdir()
        nbformat.write(solved_notebook(SOURCE, RELEASED), folder / student / "lab1.ipynb")

    grade(course, "lab1", folder, cell_timeout=30, progress=False)
    table = grades_table(course, "lab1").set_index("student_id")

    assert (table.loc[honest, "score"] == 20).all()
    assert set(table.index) == {*attacks, *honest}, "every student must end with a grade"
    for student in attacks:
        assert table.loc[student, "score"] == 0, f"{student} gained points"
    assert not outside.exists(), "a submission wrote outside its folder"
    assert "kernel died" in table.loc["exits_kernel", "needs_look"]


@pytest.mark.slow
def test_a_notebook_past_its_time_budget_is_stopped_and_the_batch_goes_on(tmp_path: Path):
    """Each cell stays under the cell limit, the notebook as a whole does not."""
    folder = tmp_path / "subs"
    (folder / "slow").mkdir(parents=True)
    slow = nbformat.read(RELEASED, as_version=4)
    for cell in slow.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = "import time\ntime.sleep(12)\n" + cell.source
    nbformat.write(slow, folder / "slow" / "lab1.ipynb")
    (folder / "honest").mkdir()
    nbformat.write(solved_notebook(SOURCE, RELEASED), folder / "honest" / "lab1.ipynb")
    course = Course(ROOT, tmp_path / "work")
    grade(course, "lab1", folder, cell_timeout=20, notebook_timeout=30, progress=False)
    table = grades_table(course, "lab1").set_index("student_id")
    assert table.loc["honest", "score"] == 20
    assert table.loc["slow", "score"] == 0
    assert "ran past 30 s" in table.loc["slow", "needs_look"]


@pytest.mark.slow
def test_any_executor_can_run_the_jobs(tmp_path: Path):
    """The pool is replaceable: jobs and results are plain data (here a one-thread executor
    runs each job in a fresh process instead of a warm worker)."""
    from concurrent.futures import ThreadPoolExecutor

    from autograder.engine.backend import ExecutorBackend

    (tmp_path / "subs" / "honest").mkdir(parents=True)
    nbformat.write(solved_notebook(SOURCE, RELEASED), tmp_path / "subs" / "honest" / "lab1.ipynb")
    course = Course(ROOT, tmp_path / "work")
    with ThreadPoolExecutor(max_workers=1) as executor:
        grade(course, "lab1", tmp_path / "subs", progress=False, backend=ExecutorBackend(executor))
    assert grades_table(course, "lab1").set_index("student_id").loc["honest", "score"] == 20


@pytest.mark.skipif(bubblewrap() is None, reason="needs bubblewrap for the sandbox")
def test_sandboxed_code_cannot_reach_into_a_protected_process(tmp_path: Path):
    """The warm worker and its kernel zygote outlive submissions: code in the sandbox, though
    root there, must not read (or write) their memory."""
    script = ("import os, sys\nfrom autograder.engine.sandbox import protect_from_tracing\n"
              "protect_from_tracing()\npid = os.fork()\nif pid == 0:\n"
              "    os.execv(sys.executable, [sys.executable, '-c', "
              "f'open(\"/proc/{os.getppid()}/mem\", \"rb\")'])\n"
              "print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))")
    done = subprocess.run(sandboxed([sys.executable, "-c", script], tmp_path, Limits()),
                          capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "1"
    assert "PermissionError" in done.stderr


@pytest.mark.slow
def test_each_kernel_gets_the_cpu_limit_the_long_lived_worker_does_not(tmp_path: Path):
    """A kernel that spins is stopped by its CPU-time limit; the warm worker, whose CPU time adds
    up over the whole batch, must not be, or a later honest student would pay for it."""
    folder = tmp_path / "subs"
    spinner = nbformat.read(RELEASED, as_version=4)
    first = next(c for c in spinner.cells if c.metadata.get("nbgrader", {}).get("solution"))
    first.source = "while True:\n    pass"
    (folder / "a_spinner").mkdir(parents=True)
    nbformat.write(spinner, folder / "a_spinner" / "lab1.ipynb")
    honest = [f"honest{i}" for i in range(8)]
    for student in honest:
        (folder / student).mkdir()
        nbformat.write(solved_notebook(SOURCE, RELEASED), folder / student / "lab1.ipynb")
    course = Course(ROOT, tmp_path / "work")
    grade(course, "lab1", folder, cell_timeout=60, jobs=1, limits=Limits(cpu_seconds=4),
          progress=False)
    table = grades_table(course, "lab1").set_index("student_id")
    assert (table.loc[honest, "score"] == 20).all(), table.loc[honest, "needs_look"].to_dict()
    assert table.loc["a_spinner", "score"] == 0
    assert "kernel died" in table.loc["a_spinner", "needs_look"]


#: Leaves marks everywhere a later student of the same sandbox might look.
LEAVES_MARKS = """
import ctypes, os
for path in ('/left', '/etc/left', '/dev/left', '/dev/shm/left'):
    try:
        open(path, 'w').write('x')
    except OSError:
        pass
os.makedirs('/tmp/locked/inner', exist_ok=True)
open('/tmp/locked/inner/big', 'wb').write(bytes(1 << 20))
os.chmod('/tmp/locked/inner', 0)
os.chmod('/tmp/locked', 0)
libc = ctypes.CDLL(None)
libc.msgget(1234, 0o1666)
libc.shmget(4321, 4096, 0o1666)
rt = ctypes.CDLL('librt.so.1')
rt.mq_open(b'/left', os.O_CREAT | os.O_RDWR, 0o600, None)
"""

#: Looks for what an earlier student left, and prints it.
FINDS_MARKS = """
import json, os
found = [p for p in ('/left', '/etc/left', '/dev/left', '/dev/shm/left', '/tmp/locked',
                     '/dev/mqueue/left') if os.path.lexists(p)]
found += [kind for kind in ('msg', 'shm', 'sem')
          if open(f'/proc/sysvipc/{kind}').read().splitlines()[1:]]
print('FOUND ' + json.dumps(found))
"""


@pytest.mark.slow
@pytest.mark.skipif(bubblewrap() is None, reason="needs bubblewrap for the sandbox")
def test_nothing_a_student_leaves_in_the_sandbox_reaches_the_next(tmp_path: Path):
    folder = tmp_path / "subs"
    for student, prelude in (("a_leaves", LEAVES_MARKS), ("b_finds", FINDS_MARKS)):
        (folder / student).mkdir(parents=True)
        nbformat.write(_attacker(prelude), folder / student / "lab1.ipynb")
    course = Course(ROOT, tmp_path / "work")
    grade(course, "lab1", folder, cell_timeout=60, jobs=1, progress=False)  # one sandbox, in order
    nb = nbformat.read(course.work / "autograded" / "b_finds" / "lab1" / "lab1.ipynb", as_version=4)
    printed = "".join(str(o.get("text", "")) for c in nb.cells for o in c.get("outputs", []))
    assert json.loads(printed.split("FOUND ", 1)[1].splitlines()[0]) == []


#: Sleeps in the kernel while two children burn the CPU; when the cell is stopped, prints
#: how much CPU time the children had used by then, and after how many seconds.
BURNS_IN_CHILDREN = """
import os, subprocess, sys, time
burners = [subprocess.Popen([sys.executable, '-c', 'while True: pass']) for _ in range(2)]
start = time.monotonic()
try:
    while True:
        time.sleep(1)
except KeyboardInterrupt:
    used = 0.0
    for burner in burners:  # alive, or a zombie the grader killed: its stat still counts
        fields = open(f'/proc/{burner.pid}/stat').read().rsplit(')', 1)[1].split()
        used += (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')
        burner.kill()
    print(f'CHILDREN USED {used:.1f} AFTER {time.monotonic() - start:.1f}')
    raise
"""


@pytest.mark.slow
@pytest.mark.skipif(bubblewrap() is None, reason="needs bubblewrap for the sandbox")
def test_a_cell_budget_counts_the_processes_the_kernel_starts(tmp_path: Path):
    """The kernel sleeps while its children burn the CPU: the cell is stopped once they used
    its budget, not by the wall-clock guard (ten times the budget)."""
    folder = tmp_path / "subs"
    (folder / "burns").mkdir(parents=True)
    nbformat.write(_attacker(BURNS_IN_CHILDREN), folder / "burns" / "lab1.ipynb")
    course = Course(ROOT, tmp_path / "work")
    grade(course, "lab1", folder, cell_timeout=3, jobs=1, progress=False)
    nb = nbformat.read(course.work / "autograded" / "burns" / "lab1" / "lab1.ipynb", as_version=4)
    printed = "".join(str(o.get("text", "")) for c in nb.cells for o in c.get("outputs", []))
    used, _, after = printed.split("CHILDREN USED ", 1)[1].split()[:3]
    budget = 3 * SlotSettings(env=thread_caps(1)).kernel_threads  # cell_timeout x threads
    guard = 3 * WALL_FACTOR
    assert float(used) >= 0.9 * budget and float(after) < 0.75 * guard, (
        f"children used {used} CPU s of a {budget} s budget; stopped after {after} s "
        f"(the wall-clock guard is {guard} s)")
