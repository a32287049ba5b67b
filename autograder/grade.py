"""``grade LAB SUBMISSIONS``: autograde a folder of submissions, in parallel and isolated.

Each submission is one :class:`~autograder.worker.Job`, run by a pool (default: one worker per
core) in a private folder outside the course tree, sandboxed where bubblewrap exists. Only this
coordinating process writes the course's gradebook. A bad submission (invalid JSON, no
notebook, a misnamed file), a dead kernel or a timeout gets a score and a reason; the batch
always goes on.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import warnings
from concurrent.futures import Executor, as_completed
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from tqdm import tqdm

from autograder.course import Course
from autograder.devices import plan, thread_caps
from autograder.kernels import PRELOAD_ENV, preload_modules
from autograder.nbconfig import CELL_TIMEOUT
from autograder.nbgrader_api import check_result, nbgrader_api
from autograder.sandbox import Limits, bubblewrap
from autograder.submissions import Submission, find_submissions, tampering
from autograder.warm import WarmPool
from autograder.worker import Job, JobResult, run_job

_warned_no_sandbox = False


def reasons_path(course: Course, lab: str) -> Path:
    return course.work / "reasons" / f"{lab}.json"


def load_reasons(course: Course, lab: str) -> dict[str, str]:
    """Why each student's grade may need a look, as recorded by the last grading."""
    path = reasons_path(course, lab)
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _template_gradebook(course: Course, lab: str, scratch: Path) -> Path:
    """A gradebook holding only ``lab``'s cells and points: what each job starts from."""
    template = Course(course.root, scratch / "template")
    api = nbgrader_api(template, release_dir=scratch / "template" / "release")
    check_result(api.generate_assignment(lab, force=True), f"generate_assignment {lab}")
    return template.gradebook


def _record(gb: Gradebook, course: Course, lab: str, result: JobResult) -> None:
    """Write one job's result into the course's gradebook (coordinator only)."""
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
    for folder in ("submitted", "autograded"):
        produced = result.folder / folder / result.student / lab
        if produced.is_dir():
            shutil.copytree(produced, course.work / folder / result.student / lab)


def _hidden_paths(course: Course, jobs_root: Path) -> tuple[Path, ...]:
    return (course.solutions, course.root / ".git", course.work, jobs_root)


def _prepare(source: Path) -> dict[str, str]:
    """Build the generated data the lab whose notebook is ``source`` uses before grading
    (sandboxes see the cache read-only); return the environment for its jobs: where the cache
    is, which modules kernels preload."""
    from coursedata.cache import ENV_VAR, cache_dir

    if "instruments" in source.read_text(encoding="utf-8"):
        from coursedata import instruments

        instruments.build()
    return {ENV_VAR: str(cache_dir()), PRELOAD_ENV: ",".join(preload_modules(source))}


def grade(course: Course, lab: str, folder: Path, cell_timeout: int = CELL_TIMEOUT,
          progress: bool = True, jobs: int | None = None, notebook_timeout: int | None = None,
          limits: Limits | None = None, executor: Executor | None = None,
          device: str = "auto") -> dict[str, str]:
    """Autograde every submission of ``lab`` in ``folder``; return ``{student: reason}``.

    ``jobs`` workers run at once (default: the number of cores); ``executor`` replaces the
    local pool (a distributed engine's ``Executor`` works: jobs and results are plain data).
    ``device`` is ``"auto"`` (GPUs when present), ``"gpu"`` or ``"cpu"``.
    """
    global _warned_no_sandbox
    course.require_lab(lab)
    source = course.source_notebooks(lab)[0]
    expected = source.name
    submissions = find_submissions(folder, expected)
    ready = [s for s in submissions if not s.problem and s.notebook is not None]
    if bubblewrap() is None and not _warned_no_sandbox:
        _warned_no_sandbox = True
        print("autograder: bubblewrap (bwrap) not found: student code runs unsandboxed, in a "
              "private folder with resource limits (apt-get install bubblewrap)")
    devices = plan(device)
    if progress:
        print(f"autograder: {devices.message}")
    limits = limits or Limits()
    reasons = load_reasons(course, lab)
    scratch = Path(tempfile.mkdtemp(prefix=f"nn-grading-{lab}-"))
    jobs_root = scratch / "jobs"
    hidden = _hidden_paths(course, jobs_root)
    workers = min(jobs or os.cpu_count() or 1, len(ready))
    job_env = {**_prepare(source), **thread_caps(workers)}
    # The warm workers start now (imports take seconds) while the lab goes into the gradebooks.
    pool = executor or WarmPool(workers, jobs_root, hidden, limits, devices, job_env).start()
    try:
        api = nbgrader_api(course, release_dir=course.work / "release", cell_timeout=cell_timeout)
        check_result(api.generate_assignment(lab, force=True), f"generate_assignment {lab}")
        template = _template_gradebook(course, lab, scratch)
        budget = notebook_timeout or max(600, 4 * cell_timeout)
        todo = [Job(lab, s.student, s.notebook, expected, template, jobs_root / s.student,
                    cell_timeout, budget, hidden, limits, {**devices.env_for(i), **job_env},
                    devices.device_files)
                for i, s in enumerate(ready)]
        tampered = {s.student: tampering(s.notebook, course.work / "release" / lab / expected)
                    for s in ready}
        bar = tqdm(total=len(submissions), desc=f"grading {lab}", unit="student",
                   disable=not progress)
        with course.open_gradebook() as gb:
            for s in submissions:
                if s not in ready:
                    _record(gb, course, lab, JobResult(s.student, [], s.problem, 0.0))
                    reasons[s.student] = _problem(s)
                    bar.update()
            futures = {pool.submit(run_job, job): job for job in todo}
            for future in as_completed(futures):
                result = future.result()
                _record(gb, course, lab, result)
                why = "; ".join(filter(None, (tampered[result.student], result.reason)))
                if why:
                    reasons[result.student] = why
                else:
                    reasons.pop(result.student, None)
                bar.set_postfix_str(result.student)
                bar.update()
        bar.close()
    finally:
        if executor is None:
            pool.shutdown()
        shutil.rmtree(scratch, ignore_errors=True)
    path = reasons_path(course, lab)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(reasons, indent=1, sort_keys=True), encoding="utf-8")
    return reasons


def _problem(sub: Submission) -> str:
    return sub.problem or "no notebook to grade"
