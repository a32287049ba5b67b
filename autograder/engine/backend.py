"""Where grading jobs run: one small interface (:class:`Backend`) and the local backends.

A backend is started for one lab (:class:`LabSpec`, plain data), takes jobs, hands back their
results as they finish and shuts down. Everything it is given travels by value: a
:class:`~autograder.engine.worker.Job` carries the submission's bytes and the digest of the
lab's template gradebook, whose bytes (:class:`Template`) a backend delivers once per worker;
a result carries the scores, the reason and the autograded notebook's bytes. So a backend's
workers may be this machine's warm slots (:class:`LocalBackend`, the default), any
``concurrent.futures.Executor`` (:class:`ExecutorBackend`) or the machines of a Dask cluster
(:mod:`autograder.engine.cluster`): none needs a file of the coordinator.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import os
import queue
from abc import ABC, abstractmethod
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import ModuleType

from autograder.engine.devices import DEFAULT_BACKEND, plan, thread_caps
from autograder.engine.kernels import PRELOAD_ENV
from autograder.engine.sandbox import Limits
from autograder.engine.warm import WarmPool, run_job
from autograder.engine.worker import Job, JobResult, SlotSettings

#: The code a worker grades with, besides the installed libraries: its course version is a
#: digest of these packages' sources (the engine, the helpers kernels import, the data generator).
VERSIONED_PACKAGES = ("autograder.engine", "nnkit", "coursedata")
#: Installed libraries whose version can change what a notebook computes or how it is scored.
VERSIONED_DISTRIBUTIONS = ("numpy", "scipy", "scikit-learn", "librosa", "keras", "tensorflow",
                           "jax", "torch", "nbgrader", "nbclient", "nbformat", "ipykernel")


class BackendError(RuntimeError):
    """The backend cannot grade (unreachable, refused, gone); the message is for a person."""


@dataclass(frozen=True)
class LabSpec:
    """What every worker must know to grade ``lab``, by value: how to set up its slots (the
    modules its kernels preload, whether it needs the generated data, limits, device) and
    which version of the course the coordinator grades with, and the Keras backend kernels use."""

    lab: str
    lab_digest: str
    course_version: str
    preload: tuple[str, ...]
    needs_data: bool
    limits: Limits = Limits()
    device: str = "auto"
    keras_backend: str = DEFAULT_BACKEND


@dataclass(frozen=True)
class Template:
    """The lab's template gradebook (its cells and points), with the digest jobs refer to."""

    data: bytes
    digest: str

    @classmethod
    def of(cls, path: Path) -> Template:
        data = path.read_bytes()
        return cls(data, hashlib.sha256(data).hexdigest())


def course_version() -> str:
    """A digest of what can change a score on a worker: the sources of
    :data:`VERSIONED_PACKAGES` as this process imports them (the engine with its nbgrader
    configuration, the helpers kernels import, the data generator) and the installed versions
    of :data:`VERSIONED_DISTRIBUTIONS`. A lab's judge travels with each job, by value."""
    digest = hashlib.sha256()
    for name in VERSIONED_PACKAGES:
        spec = importlib.util.find_spec(name)
        for folder in (spec.submodule_search_locations or []) if spec else []:
            for path in sorted(Path(folder).rglob("*.py")):
                digest.update(f"{name}/{path.relative_to(folder)}\0".encode())
                digest.update(path.read_bytes())
    for name in VERSIONED_DISTRIBUTIONS:
        try:
            digest.update(f"{name}=={metadata.version(name)}\0".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name} absent\0".encode())
    return digest.hexdigest()[:16]


def refusal(lab: LabSpec) -> str | None:
    """Why this machine must not grade ``lab`` (its course version differs), or ``None``."""
    mine = course_version()
    if mine != lab.course_version:
        return (f"course version {mine} differs from the coordinator's {lab.course_version} "
                "(update this machine's course checkout and run tools/bootstrap.sh)")
    if importlib.util.find_spec(lab.keras_backend) is None:
        return f"Keras backend {lab.keras_backend} is not installed on this machine"
    return None


def slot_settings(lab: LabSpec, slots: int) -> tuple[list[SlotSettings], str]:
    """The settings of this machine's ``slots`` slots for ``lab``, and which device they use.
    Builds the lab's generated data first (once per machine: it is cached), which sandboxes see
    read-only; each kernel gets its share of the cores."""
    from coursedata.cache import ENV_VAR, cache_dir

    if lab.needs_data:
        from coursedata import instruments

        instruments.build()
    cache = str(cache_dir())
    devices = plan(lab.device, backend=lab.keras_backend)
    env = {ENV_VAR: cache, PRELOAD_ENV: ",".join(lab.preload), **thread_caps(slots)}
    limits = dataclasses.replace(lab.limits, address_space=not devices.gpu)
    settings = [SlotSettings(limits, {**devices.env_for(i), **env}, (cache,),
                             devices.device_files) for i in range(slots)]
    return settings, devices.message


def cluster_module() -> ModuleType:
    """:mod:`autograder.engine.cluster`; a :class:`BackendError` says how to install Dask."""
    try:
        from autograder.engine import cluster
    except ModuleNotFoundError as exc:
        raise BackendError(f"grading on a cluster needs Dask ({exc}): "
                           "pip install -e '.[cluster]'") from exc
    return cluster


class Backend(ABC):
    """Runs grading jobs somewhere: start, submit, results as they finish, shut down."""

    @abstractmethod
    def start(self, lab: LabSpec, jobs: int) -> str:
        """Get workers ready to grade ``jobs`` submissions of ``lab`` (they may still be
        warming up on return); return one line on where and how they run."""

    @abstractmethod
    def submit(self, job: Job, template: Template) -> None:
        """Queue ``job``; ``template`` is the gradebook its digest names."""

    @abstractmethod
    def next_result(self, timeout: float) -> JobResult | None:
        """The next finished job's result, or ``None`` if none finished within ``timeout``
        seconds. Raises :class:`BackendError` when the backend cannot go on."""

    @abstractmethod
    def shutdown(self, cancel: bool = False) -> None:
        """Stop; with ``cancel``, jobs not finished yet are dropped."""


class FutureBackend(Backend):
    """A backend whose jobs are futures: results are collected as the futures finish."""

    def __init__(self) -> None:
        self.finished: queue.Queue = queue.Queue()
        self.pending: dict = {}

    def track(self, future, job: Job) -> None:
        """Hand ``future``'s result to :meth:`next_result` once it finishes."""
        self.pending[future] = job
        future.add_done_callback(self.finished.put)

    def next_result(self, timeout: float) -> JobResult | None:
        try:
            future = self.finished.get(timeout=timeout)
        except queue.Empty:
            return None
        return self.outcome(future, self.pending.pop(future))

    def outcome(self, future, job: Job) -> JobResult:
        """``job``'s result from its finished ``future``."""
        return future.result()

    def cancel_pending(self) -> None:
        for future in list(self.pending):
            future.cancel()


class LocalBackend(FutureBackend):
    """This machine's warm pool: one slot per core (or ``jobs``), scratch under ``root``."""

    def __init__(self, root: Path, jobs: int | None = None):
        super().__init__()
        self.root, self.jobs = root, jobs
        self.pool: WarmPool | None = None

    def start(self, lab: LabSpec, jobs: int) -> str:
        workers = max(1, min(self.jobs or os.cpu_count() or 1, jobs))
        settings, message = slot_settings(lab, workers)
        self.pool = WarmPool(workers, self.root / "slots", settings).start()
        return message

    def submit(self, job: Job, template: Template) -> None:
        self.track(self.pool.submit(job, template.data), job)

    def shutdown(self, cancel: bool = False) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel=cancel)


class ExecutorBackend(FutureBackend):
    """Any ``concurrent.futures.Executor`` (the caller's, left running): each job in a fresh
    slot of its own, ``jobs`` slot settings in turn."""

    def __init__(self, executor: Executor, jobs: int | None = None):
        super().__init__()
        self.executor, self.jobs = executor, jobs
        self.settings: list[SlotSettings] = []

    def start(self, lab: LabSpec, jobs: int) -> str:
        self.settings, message = slot_settings(lab, max(1, min(self.jobs or os.cpu_count() or 1, jobs)))
        return message

    def submit(self, job: Job, template: Template) -> None:
        settings = self.settings[len(self.pending) % len(self.settings)]
        future: Future = self.executor.submit(run_job, job, template.data, settings)
        self.track(future, job)

    def shutdown(self, cancel: bool = False) -> None:
        if cancel:
            self.cancel_pending()
