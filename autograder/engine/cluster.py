"""Grading on a Dask cluster: ``autograder worker ADDRESS`` on each machine, ``autograder grade
... --cluster ADDRESS`` on the coordinator.

A worker (``autograder worker``, or ``dask worker --preload autograder.engine.cluster``) is a
Dask worker with warm, sandboxed slots inside (:class:`GradingSlots`: the same
:class:`~autograder.engine.warm.WarmPool` as on one machine, one slot per Dask thread), GPUs
advertised as the Dask resource ``GPU``. For each lab it checks that its course version is the
coordinator's (:func:`~autograder.engine.backend.refusal`), builds the lab's generated data once
and starts its slots. The coordinator (:class:`DaskBackend`) sends the template gradebook once
per worker (Dask ``scatter``, keyed by its content) and one task per submission; it alone writes
the gradebook. A worker that dies takes its running jobs with it and Dask runs them elsewhere; a
job whose worker died twice is not tried again (:data:`CRASHED`). A scheduler that goes away
stops the grading with :class:`~autograder.engine.backend.BackendError`.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import signal
import sys
import tempfile
import threading
import uuid
from pathlib import Path

from distributed import Client, KilledWorker, Worker, get_worker
from distributed.diagnostics.plugin import WorkerPlugin

from autograder.engine.backend import (
    BackendError,
    FutureBackend,
    LabSpec,
    Template,
    refusal,
    slot_settings,
)
from autograder.engine.devices import gpu_count
from autograder.engine.sandbox import bubblewrap
from autograder.engine.warm import SCRATCH_PARENT, WarmPool
from autograder.engine.worker import Job, JobResult

#: The name of the worker plugin that holds a worker's grading slots.
PLUGIN = "autograder-slots"

#: Deaths of its worker a job is allowed before it is given up (the scheduler's setting).
CRASHES_ALLOWED = 1

#: The reason of a submission whose worker died every time it ran.
CRASHED = "the submission crashed the grading worker (twice): 0 points"

#: Environment variable with the scheduler's address (``grade --cluster``'s default).
CLUSTER_ENV = "NN_COURSE_CLUSTER"


class LabRefused(RuntimeError):
    """This worker cannot grade the lab (its course version differs)."""


class GradingSlots(WorkerPlugin):
    """A Dask worker plugin: the worker's warm slots for the lab it grades now (``slots`` of
    them), started by the first job of a lab, replaced when another lab comes."""

    name = PLUGIN

    def __init__(self, slots: int):
        self.slots = slots
        self.lock = threading.Lock()
        self.lab: LabSpec | None = None
        self.pool: WarmPool | None = None
        self.root = Path(tempfile.mkdtemp(prefix="ag-worker-", dir=SCRATCH_PARENT))

    def pool_for(self, lab: LabSpec) -> WarmPool:
        """The warm pool for ``lab``; raises :class:`LabRefused` when it may not be graded here."""
        with self.lock:
            if lab != self.lab:
                why = refusal(lab)
                if why:
                    raise LabRefused(why)
                self.close()
                settings, _ = slot_settings(lab, self.slots)
                self.pool = WarmPool(self.slots, self.root / "slots", settings).start()
                self.lab = lab
            return self.pool

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel=True)
            self.pool = self.lab = None

    def teardown(self, worker: object) -> None:
        self.close()
        shutil.rmtree(self.root, ignore_errors=True)


def grade_on_worker(job: Job, lab: LabSpec, template: bytes) -> JobResult:
    """The task a coordinator submits: grade ``job`` on this worker's next free slot."""
    slots = get_worker().plugins.get(PLUGIN)
    if slots is None:
        raise LabRefused("this Dask worker has no grading slots (start it with `autograder worker`)")
    return slots.pool_for(lab).run(job, template)


def check_worker(lab: LabSpec, dask_worker=None) -> str | None:
    """Run on every worker before grading: why it refuses ``lab``, or ``None``."""
    if PLUGIN not in dask_worker.plugins:
        return "it has no grading slots (start it with `autograder worker`)"
    return refusal(lab)


def _allow_failures(count: int, dask_scheduler=None) -> None:
    dask_scheduler.allowed_failures = count


class DaskBackend(FutureBackend):
    """Jobs on the Dask cluster whose scheduler is at ``address``."""

    def __init__(self, address: str, connect_timeout: float = 20):
        super().__init__()
        self.address, self.connect_timeout = address, connect_timeout
        self.client = None
        self.lab: LabSpec | None = None
        self.workers: list[str] = []
        self.templates: dict[str, object] = {}

    def start(self, lab: LabSpec, jobs: int) -> str:
        # Dask logs every lost connection with a traceback; the coordinator says it in one line.
        logging.getLogger("distributed").setLevel(logging.CRITICAL)
        try:
            self.client = Client(self.address, timeout=self.connect_timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise BackendError(f"cannot reach the Dask scheduler at {self.address} ({exc})") from exc
        info = self.client.scheduler_info(n_workers=-1)["workers"]
        answers = self.client.run(check_worker, lab, on_error="return")
        refused = {address: str(why) for address, why in answers.items() if why}
        accepted = [address for address in answers if address not in refused and (
            lab.device != "gpu" or info.get(address, {}).get("resources", {}).get("GPU", 0) > 0)]
        notes = "".join(f"; worker {address} refused: {why}" for address, why in refused.items())
        if not accepted:
            what = "no worker with a GPU" if lab.device == "gpu" and not refused else "no worker"
            raise BackendError(f"{what} can grade {lab.lab} on the Dask scheduler at "
                               f"{self.address}{notes or ' (start some with `autograder worker`)'}")
        self.client.run_on_scheduler(_allow_failures, CRASHES_ALLOWED)
        self.lab, self.workers = lab, accepted
        slots = sum(info.get(address, {}).get("nthreads", 0) for address in accepted)
        return (f"grading on the Dask cluster at {self.address}: {len(accepted)} worker(s), "
                f"{slots} slot(s){notes}")

    def submit(self, job: Job, template: Template) -> None:
        if template.digest not in self.templates:
            self.templates[template.digest] = self.client.scatter(
                template.data, broadcast=True, hash=True, workers=self.workers)
        future = self.client.submit(grade_on_worker, job, self.lab, self.templates[template.digest],
                                    key=f"grade-{job.lab}-{job.student}-{uuid.uuid4().hex[:8]}",
                                    workers=self.workers, allow_other_workers=False, pure=False)
        self.track(future, job)

    def next_result(self, timeout: float) -> JobResult | None:
        result = super().next_result(timeout)
        if result is None and self.client.status in ("closing", "closed"):
            raise self.lost()
        return result

    def lost(self) -> BackendError:
        return BackendError(f"lost the Dask scheduler at {self.address}")

    def outcome(self, future, job: Job) -> JobResult:
        if future.status == "cancelled":
            raise self.lost()
        if future.status == "error":
            exc = future.exception()
            if isinstance(exc, KilledWorker):
                return JobResult(job.student, [], CRASHED, 0.0)
            return JobResult(job.student, [], f"not graded: {exc}; grade this student again", 0.0,
                             retry=True)
        return future.result()

    def shutdown(self, cancel: bool = False) -> None:
        if self.client is None:
            return
        if cancel and self.client.status == "running":
            self.client.cancel(list(self.pending), force=True)
        self.client.close()


def _no_sandbox() -> str | None:
    if bubblewrap() is None:
        return ("bubblewrap (bwrap) not found: student code would run unsandboxed; install it "
                "(apt-get install bubblewrap) before grading on this machine")
    return None


async def dask_setup(worker: Worker) -> None:
    """``dask worker ADDRESS --preload autograder.engine.cluster``: a plain Dask worker (what
    dask-jobqueue and dask-kubernetes start) gets one grading slot per thread."""
    why = _no_sandbox()
    if why:
        raise RuntimeError(why)
    await worker.plugin_add(GradingSlots(worker.state.nthreads))


def serve(address: str, slots: int, name: str | None = None) -> int:
    """Run a Dask worker with ``slots`` grading slots for the scheduler at ``address`` until it
    is stopped (Ctrl-C, SIGTERM) or loses its scheduler for a minute."""
    why = _no_sandbox()
    if why:
        print(f"autograder: {why}", file=sys.stderr)
        return 1
    gpus = gpu_count()

    async def run() -> None:
        worker = Worker(address, nthreads=slots, name=name, resources={"GPU": gpus} if gpus else None,
                        plugins=(GradingSlots(slots),), memory_limit=0, death_timeout=60)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, lambda: asyncio.ensure_future(worker.close()))
        await worker
        print(f"autograder: grading worker {worker.address} with {slots} slot(s)"
              f"{f' and {gpus} GPU(s)' if gpus else ''}, scheduler {address}", flush=True)
        await worker.finished()

    asyncio.run(run())
    return 0
