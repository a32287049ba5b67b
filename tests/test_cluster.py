"""Grading on a Dask cluster (loopback only): a scheduler and two ``autograder worker``
processes, each in an empty folder of its own, under bubblewrap, where the course tree (all but
the installed packages) and every test folder, the submissions and the coordinator's gradebook
among them, do not exist. Whatever they grade comes to them by value.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from autograder.cli import main
from autograder.course import Course
from autograder.demo import CLASS, build_class
from autograder.engine.backend import LabSpec, course_version
from autograder.engine.sandbox import bubblewrap
from autograder.grade import load_reasons
from autograder.report import grades_table
from autograder.simulate import solved_notebook
from tests import test_postgres
from tests.conftest import ROOT

distributed = pytest.importorskip("distributed", reason="needs Dask (the cluster extra)")
pytestmark = pytest.mark.skipif(bubblewrap() is None, reason="workers need bubblewrap")

SOURCE = ROOT / "solutions" / "lab1" / "lab1.ipynb"
RELEASED = ROOT / "labs" / "lab1" / "lab1.ipynb"
postgres_url = test_postgres.postgres_url  # the throwaway PostgreSQL server (a fixture)

#: What a worker may see of the course tree: the installed environment and packages.
INSTALLED = (".venv", "autograder", "nnkit", "data/coursedata")


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.2)


class Cluster:
    """A scheduler on loopback and the workers started for it."""

    def __init__(self, hidden: Path):
        self.hidden = hidden
        self.root = Path(tempfile.mkdtemp(prefix="ag-cluster-"))
        file = self.root / "scheduler.json"
        self.scheduler = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
             "--port", "0", "--no-dashboard", "--scheduler-file", str(file)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        _wait(file.exists, 60, "the scheduler did not start")
        self.client = distributed.Client(scheduler_file=str(file), timeout=60)
        self.address = self.client.scheduler.address
        self.workers: list[subprocess.Popen] = []

    def add_worker(self, pythonpath: Path | None = None) -> subprocess.Popen:
        """Start an ``autograder worker`` (one slot) in an empty folder, under bubblewrap: the
        course tree shows only :data:`INSTALLED`; the tests' folders and the machine's /tmp
        nothing (its own /tmp goes with it)."""
        home = Path(tempfile.mkdtemp(dir=self.root))
        view = ["--dev-bind", "/", "/", "--proc", "/proc", "--unshare-pid", "--tmpfs", str(ROOT),
                "--tmpfs", str(self.hidden), "--tmpfs", "/tmp", "--bind", str(home), str(home)]
        for name in INSTALLED:
            view += ["--ro-bind", str(ROOT / name), str(ROOT / name)]
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        if pythonpath:
            env["PYTHONPATH"] = str(pythonpath)
            view += ["--ro-bind", str(pythonpath), str(pythonpath)]
        before = set(self.client.scheduler_info(n_workers=-1)["workers"])
        worker = subprocess.Popen(
            [bubblewrap(), *view, "--chdir", str(home), "--die-with-parent", "--",
             str(ROOT / ".venv" / "bin" / "autograder"), "worker", self.address, "--slots", "1"],
            env=env, stdout=subprocess.DEVNULL, stderr=home.with_suffix(".log").open("w"),
            start_new_session=True)
        _wait(lambda: set(self.client.scheduler_info(n_workers=-1)["workers"]) - before, 120,
              f"the worker did not join (see {home}.log)")
        worker.address = (set(self.client.scheduler_info(n_workers=-1)["workers"]) - before).pop()
        self.workers.append(worker)
        return worker

    def kill(self, worker: subprocess.Popen) -> None:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        _wait(lambda: worker.address not in self.client.scheduler_info(n_workers=-1)["workers"],
              60, "the scheduler did not notice the dead worker")

    def close(self) -> None:
        self.client.close()
        for process in (*self.workers, self.scheduler):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    running = Cluster(hidden=tmp_path_factory.getbasetemp())
    try:
        running.add_worker()
        running.add_worker()
        yield running
    finally:
        running.close()


def _honest_class(folder: Path, students: list[str]) -> None:
    solved = solved_notebook(SOURCE, RELEASED)
    for student in students:
        (folder / student).mkdir(parents=True)
        nbformat.write(solved, folder / student / "lab1.ipynb")


@pytest.mark.slow
def test_the_demo_class_gets_the_local_pools_grades_on_the_cluster(cluster: Cluster,
                                                                    tmp_path: Path, capsys):
    """The grades and reasons each demo student gets locally (tests/test_demo.py checks them
    there) also come from two workers that see neither the course nor the submissions."""
    course = Course(ROOT, tmp_path / "work")
    build_class(course, tmp_path / "subs", ROOT / "labs")
    assert main(["--work", str(course.work), "grade", "lab1", str(tmp_path / "subs"),
                 "--cell-timeout", "12", "--cluster", cluster.address]) == 0
    assert "grading on the Dask cluster" in capsys.readouterr().out
    table = grades_table(course, "lab1").set_index("student_id")
    assert dict(table["score"]) == {s.student: s.deserves for s in CLASS}
    reasons = dict(table["needs_look"])
    assert reasons["ada"] == reasons["ben"] == reasons["cat"] == ""
    assert "kernel died" in reasons["dan"] and "time limit" in reasons["eve"]
    assert "not a valid notebook" in reasons["fay"] and "misnamed file" in reasons["gus"]
    autograded = course.work / "autograded" / "ada" / "lab1" / "lab1.ipynb"
    assert nbformat.read(autograded, as_version=4).cells, "the autograded copy comes back"


@pytest.mark.slow
def test_a_worker_with_another_course_version_is_refused(cluster: Cluster):
    """A worker whose course packages differ (here nnkit with one more line) must not grade:
    the coordinator names it and grades on the others."""
    from autograder.engine.cluster import DaskBackend

    shadow = Path(tempfile.mkdtemp(dir=cluster.root))  # outside the folders workers cannot see
    shutil.copytree(ROOT / "nnkit", shadow / "nnkit")
    with (shadow / "nnkit" / "__init__.py").open("a") as init:
        init.write("\n# another version\n")
    odd = cluster.add_worker(pythonpath=shadow)
    try:
        backend = DaskBackend(cluster.address)
        spec = LabSpec("lab1", "digest", course_version(), (), False)
        message = backend.start(spec, 1)
        backend.shutdown()
        assert f"worker {odd.address} refused: course version" in message
        assert "2 worker(s)" in message and odd.address not in backend.workers
    finally:
        cluster.kill(odd)


@pytest.mark.slow
def test_a_worker_killed_mid_batch_loses_nothing(cluster: Cluster, tmp_path: Path):
    """A third worker is killed while it grades: its job runs on another worker, every
    student has exactly one row, and the honest students keep full marks."""
    students = [f"s{i}" for i in range(4)]
    _honest_class(tmp_path / "subs", students)
    doomed = cluster.add_worker()
    course = Course(ROOT, tmp_path / "work")
    done: list[int] = []
    grading = threading.Thread(target=lambda: done.append(main(
        ["--work", str(course.work), "grade", "lab1", str(tmp_path / "subs"),
         "--cluster", cluster.address])))
    grading.start()
    _wait(lambda: any(str(key).startswith("grade-") for key in
                      cluster.client.processing([doomed.address]).get(doomed.address, [])),
          300, "the third worker never got a job")
    time.sleep(5)  # it is grading now: kill it mid-job
    cluster.kill(doomed)
    grading.join(timeout=600)
    assert done == [0]
    table = grades_table(course, "lab1")
    assert sorted(table["student_id"]) == students
    assert (table["score"] == 20).all(), load_reasons(course, "lab1")


@pytest.mark.slow
def test_the_postgresql_gradebook_through_the_cluster(cluster: Cluster, tmp_path: Path,
                                                      postgres_url: str, monkeypatch, capsys):
    """tests/test_postgres.py's grading, with the jobs on the cluster ($NN_COURSE_CLUSTER)."""
    monkeypatch.setenv("NN_COURSE_CLUSTER", cluster.address)
    test_postgres.test_grade_and_report_with_a_postgresql_gradebook(tmp_path, postgres_url)
    assert "grading on the Dask cluster" in capsys.readouterr().out


def test_a_job_whose_worker_died_twice_gets_zero_with_the_reason():
    """The scheduler gives a job up after its second worker death (KilledWorker): that
    student gets zero with the reason, not a retry forever nor a lost row."""
    from autograder.engine.cluster import CRASHED, DaskBackend
    from autograder.engine.worker import Job

    class Failed:
        status = "error"

        def exception(self) -> BaseException:
            return distributed.KilledWorker("grade-lab1-x", None, 1)

    result = DaskBackend("tcp://nowhere:1").outcome(Failed(), Job("lab1", "x", b"", "", "", 1, 1))
    assert (result.scores, result.reason) == ([], CRASHED)
    assert "crashed the grading worker" in CRASHED
