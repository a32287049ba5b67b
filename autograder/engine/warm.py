"""The local grading engine: a few long-lived ("warm") workers, one per slot.

Starting Python and importing nbgrader and nbclient costs seconds; plain nbgrader pays it once
per batch, a fresh process per submission pays it every time. A warm worker pays it once per
slot and grades the slot's jobs one after another. Each slot has a folder of its own:
``job/`` (the job's gradebook, its submitted and autograded copies: only the worker sees it) and
``runtime/`` (the kernel's connection file and sockets: shared with the sandbox). Both are
rebuilt from scratch for every job. A worker that dies, runs past the notebook time limit or
cannot start is killed and replaced; a job never raises out of the pool.
"""

from __future__ import annotations

import dataclasses
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from autograder.engine.canaries import FORGED
from autograder.engine.kernels import python_module
from autograder.engine.nbconfig import COURSE_ID
from autograder.engine.safeio import read_regular
from autograder.engine.sandbox import limiter, wipe
from autograder.engine.worker import (
    SETTINGS_ENV,
    CellScore,
    Job,
    JobResult,
    Reply,
    Request,
    SlotSettings,
    failure_reason,
    trouble_in,
)

#: Seconds a worker may take to import nbgrader and start its zygote (generous: a loaded
#: machine is slow); a worker that is not ready by then is started once more.
START_TIMEOUT = 900

#: Where grading's scratch folders go, whatever ``$TMPDIR`` says: kernels' Unix socket paths
#: live there and must stay under the system's limit of 107 bytes.
SCRATCH_PARENT = "/tmp"

#: The largest autograded notebook kept for feedback (a flood of output is dropped).
MAX_AUTOGRADED_BYTES = 64 * 1024 * 1024


class WorkerFailed(RuntimeError):
    """A grading worker could not start (not the submission's fault)."""


def _read_scores(db: Path, job: Job) -> list[CellScore]:
    with Gradebook(f"sqlite:///{db}", COURSE_ID) as gb:
        try:
            submission = gb.find_submission(job.lab, job.student)
        except MissingEntry:
            return []
        return [CellScore(nb.name, g.name, g.auto_score, float(g.max_score),
                          bool(g.needs_manual_grade))
                for nb in submission.notebooks for g in nb.grades]


def _notebook_trouble(nb_bytes: bytes | None) -> str | None:
    """The first timeout, interrupt or dead kernel recorded in an autograded notebook."""
    if not nb_bytes:
        return None
    try:
        nb = json.loads(nb_bytes)
    except ValueError:
        return None
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error" and (meaning := trouble_in(str(out.get("ename")))):
                gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "?")
                return f"{meaning} (cell {gid})"
    return None


class Slot:
    """One warm worker process and the folder it owns."""

    def __init__(self, folder: Path, settings: SlotSettings):
        self.folder = folder
        self.settings = settings
        self.proc: subprocess.Popen | None = None
        self.lines: queue.Queue[str | None] = queue.Queue()

    def start(self) -> None:
        """Start the worker and wait until it has done its imports and started its zygote."""
        self.stop()
        for sub in ("job", "runtime"):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **self.settings.env,
               "JUPYTER_RUNTIME_DIR": str(self.folder / "runtime"),
               "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
               SETTINGS_ENV: json.dumps(dataclasses.asdict(self.settings))}
        log = open(self.folder / "worker.log", "w")  # noqa: SIM115 (owned by the process)
        self.proc = subprocess.Popen(
            python_module("autograder.engine.worker", str(self.folder)), stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=log, text=True, env=env, cwd=self.folder,
            preexec_fn=limiter(self.settings.limits), start_new_session=True)
        self.lines = queue.Queue()
        threading.Thread(target=self._pump, args=(self.proc, self.lines), daemon=True).start()
        try:
            ready = self._next_line(START_TIMEOUT)
        except TimeoutError:
            ready = None
        if ready != "ready":
            self.stop()
            raise WorkerFailed(f"the grading worker did not start (see {self.folder}/worker.log)")

    @staticmethod
    def _pump(proc: subprocess.Popen, lines: queue.Queue) -> None:
        for line in proc.stdout:
            lines.put(line.strip())
        lines.put(None)

    def _next_line(self, timeout: float) -> str | None:
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError from None

    def stop(self) -> None:
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
            self.proc = None

    def _ensure_started(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            return
        try:
            self.start()
        except (WorkerFailed, OSError):
            self.start()  # once more; a second failure is reported for this job alone

    def _prepare(self, job: Job, template: bytes) -> Path:
        folder = self.folder / "job"
        wipe(folder)
        wipe(self.folder / "runtime")
        (folder / "gradebook.db").write_bytes(template)
        target = folder / "submitted" / job.student / job.lab
        target.mkdir(parents=True)
        (target / job.notebook_name).write_bytes(job.notebook)
        return folder

    def run(self, job: Job, template: bytes) -> JobResult:
        """Grade ``job`` in this slot, from the template gradebook's bytes; never raises for
        what the submission does."""
        start = time.perf_counter()
        try:
            self._ensure_started()
        except (WorkerFailed, OSError) as exc:
            return JobResult(job.student, [], f"not graded: {exc}; grade this student again",
                             time.perf_counter() - start, retry=True)
        prepared = time.perf_counter()
        folder = self._prepare(job, template)
        timings = {"job folder": time.perf_counter() - prepared}
        request = Request(job.lab, job.student, job.cell_timeout,
                          float(job.cell_timeout * self.settings.kernel_threads), job.judge, job.seed)
        reason = forged = device = None
        try:
            self.proc.stdin.write(request.to_line())
            self.proc.stdin.flush()
            answer = self._next_line(job.notebook_timeout)
            if answer is None:
                raise BrokenPipeError
            reply = Reply.from_line(answer)
            forged, device = reply.forged, reply.device
            timings.update(reply.timings)
            if not reply.ok:
                reason = failure_reason(reply.log)
        except TimeoutError:
            self.stop()
            reason = f"the notebook ran past {job.notebook_timeout} s and was stopped"
        except (BrokenPipeError, OSError, ValueError, KeyError):
            self.stop()
            reason = "the kernel died (crash, exit or out of memory)"
        answered = time.perf_counter()
        copy = folder / "autograded" / job.student / job.lab / job.notebook_name
        autograded = read_regular(copy, MAX_AUTOGRADED_BYTES)
        dropped = autograded is None and copy.is_file()
        scores = _read_scores(folder / "gradebook.db", job) if reason is None else []
        if forged and job.judge:  # the judge gave the points: the canaries only ask for a look
            reason = f"{FORGED}; the scores come from the judge and stand"
        elif forged:
            scores = [dataclasses.replace(s, auto_score=0.0) for s in scores]
            reason = FORGED
        reason = reason or _notebook_trouble(autograded)
        if dropped:
            note = (f"its graded notebook is over {MAX_AUTOGRADED_BYTES // 2**20} MiB (output "
                    "flood) and was not kept: no feedback page")
            reason = f"{reason}; {note}" if reason else note
        timings["copy back and read scores"] = time.perf_counter() - answered
        return JobResult(job.student, scores, reason, time.perf_counter() - start, autograded,
                         device=device, timings=timings)


def run_job(job: Job, template: bytes, settings: SlotSettings) -> JobResult:
    """Grade one job in a fresh slot of its own (what a plain ``Executor`` runs)."""
    with tempfile.TemporaryDirectory(prefix="ag-", dir=SCRATCH_PARENT) as tmp:
        slot = Slot(Path(tmp), settings)
        try:
            return slot.run(job, template)
        finally:
            slot.stop()


class WarmPool:
    """``size`` warm slots under ``root``: :meth:`run` grades a job on the next free one,
    :meth:`submit` does it in the background."""

    def __init__(self, size: int, root: Path, settings: list[SlotSettings]):
        self.root = root
        self.free: queue.Queue[Slot] = queue.Queue()
        for i in range(size):
            self.free.put(Slot(root / f"s{i}", settings[i % len(settings)]))
        self.threads = ThreadPoolExecutor(max_workers=max(size, 1))
        self.slots = list(self.free.queue)
        self.closed = False

    def start(self) -> WarmPool:
        """Start every slot's worker now, in the background; the first jobs then find them
        ready. A worker that fails to start is started again by its first job."""
        for _ in self.slots:
            self.threads.submit(self._warm_up)
        return self

    def _warm_up(self) -> None:
        slot = self.free.get()
        try:
            slot.start()
        except (WorkerFailed, OSError):
            slot.stop()
        finally:
            self.free.put(slot)

    def run(self, job: Job, template: bytes) -> JobResult:
        """Grade ``job`` on the next free slot (waiting for one); after :meth:`shutdown`, a
        result that says it was not graded."""
        slot = self.free.get()
        try:
            if self.closed:
                return JobResult(job.student, [], "not graded: the grading worker shut down; "
                                 "grade this student again", 0.0, retry=True)
            return slot.run(job, template)
        finally:
            self.free.put(slot)

    def submit(self, job: Job, template: bytes) -> Future:
        """:meth:`run` in the background."""
        return self.threads.submit(self.run, job, template)

    def shutdown(self, cancel: bool = False) -> None:
        """Stop every worker; with ``cancel``, jobs not yet started are dropped."""
        self.closed = cancel
        self.threads.shutdown(wait=not cancel, cancel_futures=cancel)
        for slot in self.slots:
            slot.stop()
