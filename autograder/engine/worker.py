"""One grading job, and the warm worker process that runs jobs one after another.

A job is plain data (picklable) that carries the submission's bytes, and so is its result,
which carries the scores, a reason and the autograded notebook's bytes. The worker process runs
nbgrader's autograde *outside* the sandbox, in a folder of its own that no kernel can see (the
job's gradebook, with every hidden test, lives there); only the kernels it starts, forked from
the slot's zygote, run inside the sandbox (:mod:`autograder.engine.kernels`). Only the coordinating
process writes the course's gradebook, from the job's result.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder.engine.devices import THREAD_VARIABLES
from autograder.engine.judge import Judge
from autograder.engine.judge import load as load_judge
from autograder.engine.sandbox import Limits

#: Errors in an autograded notebook, or in nbgrader's log, and what they mean to a person.
TROUBLE = {
    "CellTimeoutError": "a cell ran past the time limit",
    "KeyboardInterrupt": "a cell ran past the time limit and was interrupted",
    "DeadKernelError": "the kernel died (crash, exit or out of memory)",
    "Kernel died": "the kernel died (crash, exit or out of memory)",
}

#: nbgrader's wall-clock limit per cell is this many times the cell's CPU-time budget: a guard
#: for cells that sleep, generous enough that a loaded machine does not trip it.
WALL_FACTOR = 10


@dataclass(frozen=True)
class SlotSettings:
    """How a slot's sandbox is set up: limits, the environment of its worker and kernels, the
    extra host paths it shows read-only (the data cache) and the device files it passes."""

    limits: Limits = Limits()
    env: dict[str, str] = field(default_factory=dict)
    read_only: tuple[str, ...] = ()
    device_files: tuple[str, ...] = ()

    @property
    def kernel_threads(self) -> int:
        """Threads each kernel of the slot may use (its thread caps, else this machine's)."""
        name = THREAD_VARIABLES[0]
        return int(self.env.get(name) or os.environ.get(name) or 1)


@dataclass(frozen=True)
class Job:
    """Grade ``notebook`` (the bytes handed in) as ``student``'s hand-in of ``lab``, starting
    from the template gradebook whose SHA-256 is ``template`` (sent to workers separately,
    once). Plain data: nothing in it names a file of the coordinator."""

    lab: str
    student: str
    notebook: bytes
    notebook_name: str
    template: str
    cell_timeout: int
    notebook_timeout: int
    judge: str = ""  #: the lab's judge module (Python text; empty: the kernel's tests decide)
    seed: int = 0  #: the grading run's challenge seed (never sent to the kernel)


@dataclass
class CellScore:
    notebook: str
    cell: str
    auto_score: float | None
    max_score: float
    needs_manual_grade: bool


@dataclass
class JobResult:
    """What the coordinator needs to record a job: scores, a reason, the autograded copy."""

    student: str
    scores: list[CellScore]
    reason: str | None
    seconds: float
    autograded: bytes | None = None
    retry: bool = False  # not the submission's fault: grade it again on the next run
    device: dict | None = None  # what the kernel reported running on (engine.probe)
    timings: dict[str, float] = field(default_factory=dict)  # phase: seconds (grade --profile)

    @property
    def graded(self) -> bool:
        return bool(self.scores)


@dataclass(frozen=True)
class Request:
    """What a slot asks its worker process to grade (one JSON line on the worker's stdin)."""

    lab: str
    student: str
    cell_timeout: int
    cell_cpu_seconds: float
    judge: str = ""
    seed: int = 0

    def to_line(self) -> str:
        return json.dumps(dataclasses.asdict(self)) + "\n"

    @classmethod
    def from_line(cls, line: str) -> Request:
        return cls(**json.loads(line))


@dataclass(frozen=True)
class Reply:
    """What the worker process answers (one JSON line): whether autograde finished, the tail of
    its log, what the canaries said and what the kernel reported running on."""

    ok: bool
    log: str = ""
    forged: str | None = None
    device: dict | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def to_line(self) -> str:
        return json.dumps(dataclasses.asdict(self)) + "\n"

    @classmethod
    def from_line(cls, line: str) -> Reply:
        """Parse an answer; raise ``ValueError`` for anything that is not one."""
        data = json.loads(line)
        if not isinstance(data, dict) or not isinstance(data.get("ok"), bool):
            raise ValueError("not a worker's reply")
        forged, device, timings = data.get("forged"), data.get("device"), data.get("timings")
        timings = timings if isinstance(timings, dict) else {}
        return cls(data["ok"], str(data.get("log", "")), forged if isinstance(forged, str) else None,
                   device if isinstance(device, dict) else None,
                   {str(k): float(v) for k, v in timings.items() if isinstance(v, (int, float))})


def trouble_in(text: str) -> str | None:
    """What an error named in ``text`` means to a person, if it is one of :data:`TROUBLE`."""
    return next((meaning for name, meaning in TROUBLE.items() if name in text), None)


def failure_reason(output: str) -> str:
    """What a failed autograde's output means to a person."""
    lines = output.strip().splitlines() or ["no output"]
    return trouble_in(output) or f"grading failed: {lines[-1][:200]}"


def _autograde_here(folder: Path, lab: str, student: str, cell_timeout: int,
                    cell_cpu_seconds: float, judge: Judge | None = None, seed: int = 0) -> int:
    """Run nbgrader's autograde of ``student``'s ``lab`` in the job folder ``folder``, with
    kernels forked from this process's zygote, its test cells judged by ``judge``."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.converters import Autograde
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import Execute

    from autograder.engine.kernels import ForkedExecute
    from autograder.engine.nbconfig import course_config

    config = course_config(folder, folder, cell_timeout * WALL_FACTOR)
    config.CourseDirectory.source_directory = str(folder / "source")
    config.Execute.kernel_name = "python3"
    steps = Autograde.class_traits()["autograde_preprocessors"].default()
    config.Autograde.autograde_preprocessors = [ForkedExecute if step is Execute else step
                                                for step in steps]
    ForkedExecute.cell_cpu_seconds = cell_cpu_seconds
    ForkedExecute.judge, ForkedExecute.seed = judge, seed
    coursedir = CourseDirectory(config=config)
    result = NbGraderAPI(coursedir=coursedir, config=config).autograde(lab, student)
    if not result.get("success"):
        print(result.get("log", ""), result.get("error", ""), sep="\n")
        return 1
    return 0


def _serve(slot: Path) -> int:
    """A warm worker: heavy imports once, then one job per line of its requests, in
    ``slot/job``, with kernels from a zygote sandboxed around ``slot/runtime``.

    Requests and answers (one JSON line each) travel on private copies of stdin and stdout;
    fds 0 and 1 point at /dev/null and the log, so nothing nbgrader prints can pass for an
    answer.
    """
    import contextlib
    import io

    import nbclient  # noqa: F401  (warm: imported once, before any submission)
    from nbgrader.apps import NbGraderAPI  # noqa: F401

    from autograder.engine import kernels
    from autograder.engine.nbconfig import apply_kernel_env

    requests = os.fdopen(os.dup(0), "r")
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(2, 1)
    apply_kernel_env()
    settings = json.loads(os.environ.pop(SETTINGS_ENV))
    zygote = kernels.Zygote([m for m in os.environ.get(kernels.PRELOAD_ENV, "").split(",") if m],
                            slot / "runtime", Limits(**settings["limits"]),
                            tuple(settings["read_only"]), tuple(settings["device_files"]))
    zygote.start()
    kernels.use_zygote(zygote)
    print("ready", file=answers, flush=True)
    judges: dict[str, Judge] = {}
    for line in requests:
        request = Request.from_line(line)
        captured = io.StringIO()
        kernels.LAST_VERDICT = kernels.LAST_DEVICE = None
        kernels.LAST_TIMINGS.clear()
        start = time.perf_counter()
        if request.judge and request.judge not in judges:
            judges = {request.judge: load_judge(request.judge)}
        with contextlib.redirect_stdout(captured):
            code = _autograde_here(slot / "job", request.lab, request.student,
                                   request.cell_timeout, request.cell_cpu_seconds,
                                   judges.get(request.judge), request.seed)
        graded = time.perf_counter()
        zygote.sweep()
        timings = dict(kernels.LAST_TIMINGS)
        timings["nbgrader's other steps"] = graded - start - sum(timings.values())
        timings["sweep between students"] = time.perf_counter() - graded
        answers.write(Reply(code == 0, captured.getvalue()[-4000:], kernels.LAST_VERDICT,
                            kernels.LAST_DEVICE, timings).to_line())
        answers.flush()
    zygote.stop()
    return 0


#: Carries a slot's :class:`SlotSettings` (as JSON) to its worker process.
SETTINGS_ENV = "AUTOGRADER_SLOT_SETTINGS"


if __name__ == "__main__":
    sys.exit(_serve(Path(sys.argv[1])))
