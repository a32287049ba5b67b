"""``grade LAB SUBMISSIONS``: autograde a folder of submissions, in parallel and isolated.

Each submission is one :class:`~autograder.worker.Job` that carries the notebook's bytes, run by
a pool (default: one warm worker per core) whose kernels run in a sandbox. Only this
coordinating process writes the course's gradebook, and it checks every value a job returns
before it does. A bad submission (invalid JSON, no notebook, a link, a misnamed file), a dead
kernel, a timeout or a forged reply gets a score and a reason for that student alone; the
batch always goes on, and reasons are saved as each result arrives. A submission already
graded from the same bytes and the same version of the lab is skipped unless ``regrade``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import signal
import tempfile
import threading
import warnings
from concurrent.futures import Executor, as_completed
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from tqdm import tqdm

from autograder.course import Course
from autograder.devices import THREAD_VARIABLES, plan, thread_caps
from autograder.kernels import PRELOAD_ENV, preload_modules
from autograder.nbconfig import CELL_TIMEOUT
from autograder.nbgrader_api import check_result, nbgrader_api
from autograder.sandbox import Limits, bubblewrap
from autograder.submissions import Submission, find_submissions, tampering
from autograder.warm import WarmPool, run_job
from autograder.worker import CellScore, Job, JobResult, SlotSettings

_warned_no_sandbox = False


class GradingInterrupted(Exception):
    """Ctrl-C or SIGTERM stopped ``grade``; ``done`` of ``total`` results were saved."""

    def __init__(self, done: int, total: int):
        super().__init__(f"interrupted: {done} of {total} graded and saved")
        self.done, self.total = done, total


def reasons_path(course: Course, lab: str) -> Path:
    return course.work / "reasons" / f"{lab}.json"


def _graded_path(course: Course, lab: str) -> Path:
    return course.work / "reasons" / f"{lab}.graded.json"


def _load(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except ValueError:
        return {}


def _save(path: Path, data: dict) -> None:
    """Write ``data`` as JSON atomically (an interrupted run never leaves half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def load_reasons(course: Course, lab: str) -> dict[str, str]:
    """Why each student's grade may need a look, as recorded by the gradings of ``lab``."""
    return _load(reasons_path(course, lab))


def load_names(course: Course, lab: str) -> dict[str, str]:
    """``{student id: the folder or file name it was handed in as}`` for graded students."""
    return {student: entry["name"] for student, entry in _load(_graded_path(course, lab)).items()}


def _template_gradebook(course: Course, lab: str, scratch: Path) -> Path:
    """A gradebook holding only ``lab``'s cells and points: what each job starts from."""
    template = Course(course.root, scratch / "template")
    api = nbgrader_api(template, release_dir=scratch / "template" / "release")
    check_result(api.generate_assignment(lab, force=True), f"generate_assignment {lab}")
    return template.gradebook


def _expected_cells(template: Path) -> dict[tuple[str, str], float]:
    """``{(notebook, cell): max score}`` of every graded cell of the template gradebook."""
    from autograder.nbconfig import COURSE_ID

    with Gradebook(f"sqlite:///{template}", COURSE_ID) as gb:
        return {(nb.name, cell.name): float(cell.max_score)
                for assignment in gb.assignments for nb in assignment.notebooks
                for cell in nb.grade_cells}


def _invalid_scores(scores: list[CellScore], expected: dict[tuple[str, str], float]) -> str | None:
    """Why ``scores`` cannot be recorded (unknown or missing cells, bad types, out of range)."""
    seen = set()
    for s in scores:
        key = (s.notebook, s.cell)
        if key not in expected or key in seen:
            return f"unexpected cell {s.cell!r}"
        seen.add(key)
        if not isinstance(s.max_score, float) or s.max_score != expected[key]:
            return f"wrong maximum for cell {s.cell!r}"
        score = s.auto_score
        if score is not None and (not isinstance(score, (int, float)) or isinstance(score, bool)
                                  or not math.isfinite(score) or not 0 <= score <= s.max_score):
            return f"score out of range for cell {s.cell!r}"
    if seen != set(expected):
        return "cells missing from the result"
    return None


def _record(gb: Gradebook, course: Course, lab: str, sub: Submission, notebook_name: str,
            result: JobResult) -> None:
    """Write one job's result into the course's gradebook and files (coordinator only)."""
    with warnings.catch_warnings():
        # nbgrader's removal trips SQLAlchemy autoflush warnings that mean nothing here.
        warnings.simplefilter("ignore")
        gb.update_or_create_student(result.student)
        try:
            gb.remove_submission(lab, result.student)
        except MissingEntry:
            pass
        for folder in ("submitted", "autograded"):
            shutil.rmtree(course.work / folder / result.student / lab, ignore_errors=True)
        if not result.graded:
            return
        gb.add_submission(lab, result.student)
        for s in result.scores:
            grade = gb.find_grade(s.cell, s.notebook, lab, result.student)
            grade.auto_score = s.auto_score
            grade.needs_manual_grade = s.needs_manual_grade
        gb.db.commit()
    for folder, data in (("submitted", sub.notebook), ("autograded", result.autograded)):
        if data is not None:
            target = course.work / folder / result.student / lab
            target.mkdir(parents=True, exist_ok=True)
            (target / notebook_name).write_bytes(data)


def _job_env(source: Path) -> tuple[dict[str, str], tuple[str, ...]]:
    """Build the generated data the lab whose notebook is ``source`` uses before grading
    (sandboxes see the cache read-only); return the environment for its jobs (where the cache
    is, which modules kernels preload) and the host paths the sandbox must show."""
    from coursedata.cache import ENV_VAR, cache_dir

    if "instruments" in source.read_text(encoding="utf-8"):
        from coursedata import instruments

        instruments.build()
    cache = str(cache_dir())
    return {ENV_VAR: cache, PRELOAD_ENV: ",".join(preload_modules(source))}, (cache,)


def _lab_digest(source: Path) -> str:
    return hashlib.sha256(source.read_bytes()).hexdigest()


class _Interrupts:
    """While active, SIGINT and SIGTERM set a flag instead of killing the coordinator."""

    def __init__(self) -> None:
        self.hit = threading.Event()
        self._old: dict[int, object] = {}

    def __enter__(self) -> _Interrupts:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._old[sig] = signal.signal(sig, lambda *_: self.hit.set())
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._old.items():
            signal.signal(sig, handler)


def grade(course: Course, lab: str, folder: Path, cell_timeout: int = CELL_TIMEOUT,
          progress: bool = True, jobs: int | None = None, notebook_timeout: int | None = None,
          limits: Limits | None = None, executor: Executor | None = None,
          device: str = "auto", regrade: bool = False) -> dict[str, str]:
    """Autograde every submission of ``lab`` in ``folder``; return ``{student: reason}``.

    ``cell_timeout`` is each cell's budget of the kernel's CPU time (per thread it may use);
    ``notebook_timeout`` a wall-clock guard for the whole notebook. ``jobs`` workers run at
    once (default: the number of cores); ``executor`` replaces the local pool (any
    ``concurrent.futures.Executor``: jobs and results are plain data). ``device`` is ``"auto"``
    (GPUs when present), ``"gpu"`` or ``"cpu"``. Raises :class:`GradingInterrupted` on Ctrl-C
    or SIGTERM, after saving every finished result.
    """
    global _warned_no_sandbox
    course.require_lab(lab)
    source = course.source_notebooks(lab)[0]
    expected = source.name
    submissions = find_submissions(folder, expected)
    lab_digest = _lab_digest(source)
    graded = _load(_graded_path(course, lab))
    reasons = load_reasons(course, lab)
    fresh = [s for s in submissions
             if regrade or graded.get(s.student, {}).get("digest") != f"{lab_digest}:{s.digest}"]
    skipped = len(submissions) - len(fresh)
    ready = [s for s in fresh if not s.problem and s.notebook is not None]
    if progress and skipped:
        print(f"autograder: {skipped} submission(s) already graded from the same notebook and "
              "lab version: skipped (--regrade grades them again)")
    if not fresh:
        return reasons
    if bubblewrap() is None and not _warned_no_sandbox:
        _warned_no_sandbox = True
        print("autograder: bubblewrap (bwrap) not found: student code runs unsandboxed, with "
              "resource limits only (apt-get install bubblewrap)")
    devices = plan(device)
    if progress:
        print(f"autograder: {devices.message}")
    limits = limits or Limits()
    scratch = Path(tempfile.mkdtemp(prefix="ag-"))
    workers = max(1, min(jobs or os.cpu_count() or 1, len(ready)))
    caps = thread_caps(workers)
    env, read_only = _job_env(source)
    env.update(caps)
    settings = [SlotSettings(limits, {**devices.env_for(i), **env}, read_only, devices.device_files)
                for i in range(workers)]
    threads = int(os.environ.get(THREAD_VARIABLES[0]) or caps.get(THREAD_VARIABLES[0]) or 1)
    # The warm workers start now (imports take seconds) while the lab goes into the gradebooks.
    pool = executor or (WarmPool(workers, scratch / "slots", settings).start() if ready else None)
    done = 0
    try:
        api = nbgrader_api(course, release_dir=course.work / "release", cell_timeout=cell_timeout)
        check_result(api.generate_assignment(lab, force=True), f"generate_assignment {lab}")
        template = _template_gradebook(course, lab, scratch)
        cells = _expected_cells(template)
        budget = notebook_timeout or max(1800, 6 * cell_timeout)
        todo = {s.student: Job(lab, s.student, s.notebook, expected, template, cell_timeout,
                               budget, float(cell_timeout * threads), settings[i % workers])
                for i, s in enumerate(ready)}
        by_student = {s.student: s for s in fresh}
        release = course.work / "release" / lab / expected
        bar = tqdm(total=len(fresh), desc=f"grading {lab}", unit="student", disable=not progress)

        def save(sub: Submission, result: JobResult, why: str | None) -> None:
            nonlocal done
            _record(gb, course, lab, sub, expected, result)
            if why:
                reasons[sub.student] = why
            else:
                reasons.pop(sub.student, None)
            graded[sub.student] = {"name": sub.name, "digest": f"{lab_digest}:{sub.digest}"}
            _save(reasons_path(course, lab), reasons)
            _save(_graded_path(course, lab), graded)
            done += 1
            bar.set_postfix_str(sub.student[:20])
            bar.update()

        with course.open_gradebook() as gb, _Interrupts() as interrupts:
            for sub in fresh:
                if sub.student not in todo:
                    save(sub, JobResult(sub.student, [], sub.problem, 0.0),
                         sub.problem or "no notebook to grade")
            futures = {pool.submit(run_job, job) for job in todo.values()}
            pending = set(futures)
            while pending and not interrupts.hit.is_set():
                try:
                    future = next(as_completed(pending, timeout=0.5))
                except TimeoutError:
                    continue
                pending.discard(future)
                result = future.result()
                sub = by_student[result.student]
                invalid = _invalid_scores(result.scores, cells) if result.graded else None
                if invalid:
                    result = JobResult(sub.student, [], f"the grading job returned invalid "
                                       f"scores ({invalid})", result.seconds)
                why = "; ".join(filter(None, (tampering(sub.notebook, release), result.reason)))
                save(sub, result, why)
            bar.close()
            if interrupts.hit.is_set():
                for future in pending:
                    future.cancel()
                raise GradingInterrupted(done, len(fresh))
    finally:
        if executor is None and pool is not None:
            pool.shutdown(cancel=True)
        shutil.rmtree(scratch, ignore_errors=True)
    return reasons
