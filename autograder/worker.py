"""One grading job: autograde one submission in a private folder, outside the course tree.

A job is plain data (picklable), and so is its result: any ``concurrent.futures.Executor`` can
run :func:`run_job`, a thread pool here, a distributed engine later. The job's folder holds a
copy of the lab's template gradebook and the submission, nothing else; nbgrader runs there in
a child process (sandboxed when possible, see :mod:`autograder.sandbox`), and only the
coordinating process writes the course's gradebook, from the job's result.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from autograder.nbconfig import COURSE_ID
from autograder.sandbox import Limits, limiter, private_env, sandboxed

#: Errors in an autograded notebook, or in nbgrader's log, and what they mean to a person.
TROUBLE = {
    "CellTimeoutError": "a cell ran past the time limit",
    "KeyboardInterrupt": "a cell ran past the time limit and was interrupted",
    "DeadKernelError": "the kernel died (crash, exit or out of memory)",
    "Kernel died": "the kernel died (crash, exit or out of memory)",
}


@dataclass(frozen=True)
class Job:
    """Grade ``notebook`` as ``student``'s hand-in of ``lab``."""

    lab: str
    student: str
    notebook: Path
    notebook_name: str
    template_db: Path
    folder: Path
    cell_timeout: int
    notebook_timeout: int
    hidden: tuple[Path, ...] = ()
    limits: Limits = Limits()
    env: dict[str, str] = field(default_factory=dict)
    device_files: tuple[str, ...] = ()


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
    folder: Path | None = None

    @property
    def graded(self) -> bool:
        return bool(self.scores)


def prepare_folder(job: Job, folder: Path) -> Path:
    """Fill ``folder`` (emptied first) with the template gradebook and the submission."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    shutil.copyfile(job.template_db, folder / "gradebook.db")
    target = folder / "submitted" / job.student / job.lab
    target.mkdir(parents=True)
    shutil.copyfile(job.notebook, target / job.notebook_name)
    return folder


def _read_scores(folder: Path, job: Job) -> list[CellScore]:
    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}", COURSE_ID) as gb:
        try:
            submission = gb.find_submission(job.lab, job.student)
        except MissingEntry:
            return []
        return [CellScore(nb.name, g.name, g.auto_score, float(g.max_score),
                          bool(g.needs_manual_grade))
                for nb in submission.notebooks for g in nb.grades]


def _trouble_in(text: str) -> str | None:
    return next((meaning for name, meaning in TROUBLE.items() if name in text), None)


def _notebook_trouble(autograded: Path) -> str | None:
    if not autograded.is_file():
        return None
    nb = json.loads(autograded.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error" and out.get("ename") in TROUBLE:
                gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "?")
                return f"{TROUBLE[out['ename']]} (cell {gid})"
    return None


def failure_reason(output: str) -> str:
    """What a failed autograde's output means to a person."""
    lines = output.strip().splitlines() or ["no output"]
    return _trouble_in(output) or f"grading failed: {lines[-1][:200]}"


def finish(job: Job, folder: Path, reason: str | None, start: float) -> JobResult:
    """Read the scores a job left in ``folder`` (none when it failed) into a result."""
    scores = _read_scores(folder, job) if reason is None else []
    if reason is None:
        reason = _notebook_trouble(folder / "autograded" / job.student / job.lab / job.notebook_name)
    return JobResult(job.student, scores, reason, time.perf_counter() - start, folder)


def run_job(job: Job) -> JobResult:
    """Autograde one submission in a fresh process; never raises for what the submission does.

    This is the unit a distributed executor runs; the local default is :mod:`autograder.warm`.
    """
    start = time.perf_counter()
    folder = prepare_folder(job, job.folder)
    command = [sys.executable, "-m", "autograder.worker", str(folder), job.lab, job.student,
               str(job.cell_timeout)]
    env = {**os.environ, **job.env, **private_env(folder),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    reason = None
    try:
        proc = subprocess.run(sandboxed(command, folder, list(job.hidden), job.device_files), env=env,
                              capture_output=True, text=True, timeout=job.notebook_timeout,
                              preexec_fn=limiter(job.limits), start_new_session=True)
        if proc.returncode != 0:
            reason = failure_reason(proc.stdout + proc.stderr)
    except subprocess.TimeoutExpired:
        reason = f"the notebook ran past {job.notebook_timeout} s and was stopped"
    return finish(job, folder, reason, start)


def _autograde_here(folder: Path, lab: str, student: str, cell_timeout: int,
                    forked: bool = False) -> int:
    """Run nbgrader's autograde in ``folder`` (the child process's whole job); ``forked``
    kernels come from this process's zygote (see :mod:`autograder.kernels`)."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.converters import Autograde
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import Execute

    from autograder.kernels import ForkedExecute
    from autograder.nbconfig import apply_kernel_env, course_config

    apply_kernel_env()
    config = course_config(folder, folder, cell_timeout)
    config.CourseDirectory.source_directory = str(folder / "source")
    if forked:
        steps = Autograde.class_traits()["autograde_preprocessors"].default()
        config.Autograde.autograde_preprocessors = [ForkedExecute if step is Execute else step
                                                    for step in steps]
    coursedir = CourseDirectory(config=config)
    result = NbGraderAPI(coursedir=coursedir, config=config).autograde(lab, student)
    if not result.get("success"):
        print(result.get("log", ""), result.get("error", ""), sep="\n")
        return 1
    return 0


def _serve(slot: Path) -> int:
    """A warm worker: heavy imports once, then one job per line of its requests, in
    ``slot/job``; kernels are forked from a zygote that imported the lab's modules.

    Requests and answers (one JSON line each) travel on private copies of stdin and stdout;
    fds 0 and 1, which kernels inherit, point at /dev/null and the log, so a submission can
    neither read the next request nor forge an answer. Inside a sandbox with its own process
    namespace every process a submission left behind is killed before the next job.
    """
    import contextlib
    import io

    import nbclient  # noqa: F401  (warm: imported once, before any submission)
    from nbgrader.apps import NbGraderAPI  # noqa: F401

    from autograder.kernels import PRELOAD_ENV, Zygote, spared_pids, use_zygote
    from autograder.nbconfig import apply_kernel_env
    from autograder.sandbox import kill_strays, protect_from_tracing

    protect_from_tracing()
    requests = os.fdopen(os.dup(0), "r")
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(2, 1)
    apply_kernel_env()
    zygote = Zygote([m for m in os.environ.get(PRELOAD_ENV, "").split(",") if m])
    zygote.start()
    use_zygote(zygote)
    print("ready", file=answers, flush=True)
    for line in requests:
        request = json.loads(line)
        captured = io.StringIO()
        with contextlib.redirect_stdout(captured):
            code = _autograde_here(slot / "job", request["lab"], request["student"],
                                   request["cell_timeout"], forked=True)
        kill_strays(spared_pids())
        print(json.dumps({"ok": code == 0, "log": captured.getvalue()[-4000:]}), file=answers,
              flush=True)
    zygote.stop()
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "--serve":
        sys.exit(_serve(Path(sys.argv[2])))
    sys.exit(_autograde_here(Path(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])))
