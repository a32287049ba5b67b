"""The local grading engine: a few long-lived ("warm") workers, one per slot.

Starting Python and importing nbgrader and nbclient costs seconds; plain nbgrader pays it once
per batch, a fresh process per submission pays it every time. A warm worker pays it once per
slot: it lives in its own folder (inside its own sandbox when bubblewrap exists) and grades the
slot's jobs one after another; between jobs the slot's job folder and private home are wiped
and, in the sandbox, every process the last submission left behind is killed. A worker that
dies or runs past the notebook time limit is killed and replaced.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from autograder.devices import DevicePlan
from autograder.sandbox import (
    KERNEL_CPU_ENV,
    PID_NAMESPACE_ENV,
    Limits,
    bubblewrap,
    limiter,
    private_env,
    sandboxed,
)
from autograder.worker import Job, JobResult, failure_reason, finish, prepare_folder


class Slot:
    """One warm worker process and the folder it may write to."""

    def __init__(self, folder: Path, hidden: tuple[Path, ...], limits: Limits,
                 env: dict[str, str], device_files: tuple[str, ...]):
        self.folder = folder
        self.hidden = hidden
        self.limits = limits
        self.env = env
        self.device_files = device_files
        self.proc: subprocess.Popen | None = None
        self.lines: queue.Queue[str | None] = queue.Queue()

    def start(self) -> None:
        """Start the worker and wait until it has done its imports."""
        self.folder.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **self.env, **private_env(self.folder),
               "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
               PID_NAMESPACE_ENV: "1" if bubblewrap() else "0",
               KERNEL_CPU_ENV: str(self.limits.cpu_seconds)}
        command = [sys.executable, "-m", "autograder.worker", "--serve", str(self.folder)]
        log = open(self.folder / "worker.log", "w")  # noqa: SIM115 (owned by the process)
        self.proc = subprocess.Popen(
            sandboxed(command, self.folder, list(self.hidden), self.device_files),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True, env=env,
            preexec_fn=limiter(self.limits, cpu=False), start_new_session=True)
        self.lines = queue.Queue()
        threading.Thread(target=self._pump, args=(self.proc, self.lines), daemon=True).start()
        if self._next_line(120) != "ready":
            self.stop()
            raise RuntimeError(f"a grading worker did not start; see {self.folder}/worker.log")

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

    def run(self, job: Job, keep: Path) -> JobResult:
        """Grade ``job`` in this slot; its folder is then moved to ``keep`` for the record."""
        start = time.perf_counter()
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        for sub in ("home", "tmp", "runtime", "ipython", "matplotlib", "numba", "keras"):
            shutil.rmtree(self.folder / sub, ignore_errors=True)
        private_env(self.folder)
        prepare_folder(job, self.folder / "job")
        request = {"lab": job.lab, "student": job.student, "cell_timeout": job.cell_timeout}
        reason = None
        try:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
            answer = self._next_line(job.notebook_timeout)
            if answer is None:
                raise BrokenPipeError
            reply = json.loads(answer)
            if not reply["ok"]:
                reason = failure_reason(reply["log"])
        except TimeoutError:
            self.stop()
            reason = f"the notebook ran past {job.notebook_timeout} s and was stopped"
        except (BrokenPipeError, OSError, ValueError):
            self.stop()
            reason = "the kernel died (crash, exit or out of memory)"
        shutil.rmtree(keep, ignore_errors=True)
        shutil.move(self.folder / "job", keep)
        return finish(job, keep, reason, start)


class WarmPool:
    """``submit(job)`` futures served by ``size`` warm slots under ``root``."""

    def __init__(self, size: int, root: Path, hidden: tuple[Path, ...], limits: Limits,
                 devices: DevicePlan, env: dict[str, str]):
        self.root = root
        self.free: queue.Queue[Slot] = queue.Queue()
        for i in range(size):
            self.free.put(Slot(root / f"slot{i}", hidden, limits, {**devices.env_for(i), **env},
                               devices.device_files))
        self.threads = ThreadPoolExecutor(max_workers=max(size, 1))
        self.slots = list(self.free.queue)

    def start(self) -> WarmPool:
        """Start every slot's worker now, in the background; the first jobs then find them
        ready. A worker that fails to start is started again by its first job, which reports
        why it failed."""
        for _ in self.slots:
            self.threads.submit(self._warm_up)
        return self

    def _warm_up(self) -> None:
        slot = self.free.get()
        try:
            slot.start()
        except (RuntimeError, TimeoutError, OSError):
            slot.stop()
        finally:
            self.free.put(slot)

    def _run(self, job: Job) -> JobResult:
        slot = self.free.get()
        try:
            return slot.run(job, self.root / "done" / job.student)
        finally:
            self.free.put(slot)

    def submit(self, fn, job: Job) -> Future:
        """Run ``job`` on the next free slot (``fn`` is ignored: the slot's worker grades)."""
        return self.threads.submit(self._run, job)

    def shutdown(self) -> None:
        self.threads.shutdown()
        for slot in self.slots:
            slot.stop()
