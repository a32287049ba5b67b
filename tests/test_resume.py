"""Stop and resume: Ctrl-C saves what finished and exits 130; a rerun grades only the rest."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from autograder.course import Course
from autograder.grade import grade, load_names
from autograder.report import grades_table
from autograder.simulate import solved_notebook
from tests.conftest import ROOT

SOURCE = ROOT / "solutions" / "lab1" / "lab1.ipynb"
RELEASED = ROOT / "labs" / "lab1" / "lab1.ipynb"


def _class(folder: Path, students: list[str]) -> None:
    for student in students:
        (folder / student).mkdir(parents=True, exist_ok=True)
        nbformat.write(solved_notebook(SOURCE, RELEASED), folder / student / "lab1.ipynb")


@pytest.mark.slow
def test_ctrl_c_saves_what_finished_and_a_rerun_grades_the_rest(tmp_path: Path):
    folder = tmp_path / "subs"
    slow = nbformat.read(RELEASED, as_version=4)
    first = next(c for c in slow.cells if c.metadata.get("nbgrader", {}).get("solution"))
    first.source = "import time\ntime.sleep(600)"
    (folder / "z_sleeper").mkdir(parents=True)
    nbformat.write(slow, folder / "z_sleeper" / "lab1.ipynb")
    (folder / "no_notebook").mkdir()
    _class(folder, ["a_honest"])
    work = tmp_path / "work"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "autograder.cli", "--work", str(work), "grade",
                             "lab1", str(folder), "--jobs", "1", "--cell-timeout", "900"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                            cwd=ROOT)
    course = Course(ROOT, work)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and proc.poll() is None and len(load_names(course, "lab1")) < 2:
        time.sleep(1)
    time.sleep(2)  # the sleeper's job is under way
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130, out
    assert "interrupted: 2 of 3 graded and saved" in out, out
    assert "Traceback" not in out
    table = grades_table(course, "lab1").set_index("student_id")
    assert table.loc["a_honest", "score"] == 20
    assert "missing notebook" in table.loc["no_notebook", "needs_look"]
    assert "z_sleeper" not in table.index

    # the rerun skips the two already graded and grades the sleeper (given a short budget)
    (folder / "z_sleeper" / "lab1.ipynb").unlink()
    _class(folder, ["z_sleeper"])
    grade(course, "lab1", folder, progress=False)
    table = grades_table(course, "lab1").set_index("student_id")
    assert table.loc[["a_honest", "z_sleeper"], "score"].tolist() == [20, 20]


@pytest.mark.slow
def test_a_rerun_skips_what_was_graded_from_the_same_bytes(tmp_path: Path, capsys):
    folder = tmp_path / "subs"
    _class(folder, ["a", "b"])
    course = Course(ROOT, tmp_path / "work")
    grade(course, "lab1", folder, progress=False)
    nb = nbformat.read(folder / "b" / "lab1.ipynb", as_version=4)
    nb.cells[-1].source += "\n# changed"
    nbformat.write(nb, folder / "b" / "lab1.ipynb")
    grade(course, "lab1", folder, progress=True)
    out = capsys.readouterr().out
    assert "1 submission(s) already graded" in out
    assert grades_table(course, "lab1").set_index("student_id")["score"].tolist() == [20, 20]
