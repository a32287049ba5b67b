"""``grade LAB SUBMISSIONS``: autograde a folder of submissions, in parallel and isolated.

Grading goes in phases: find the work (:func:`find_work`), make the lab's template gradebook
(:func:`prepare_lab`), build one :class:`~autograder.engine.worker.Job` per submission, by value
(:func:`build_jobs`), hand them to a backend (this machine's warm pool, one worker per core by
default, or a Dask cluster) whose kernels run in a sandbox, put the lab into the course's
gradebook while the first jobs run (:func:`into_course_gradebook`), and record each result as
it arrives (:func:`run_jobs`). Only this coordinating process writes the course's gradebook, and it
checks every value a job returns before it does. A bad submission (invalid JSON, no notebook,
a link, a misnamed file), a dead kernel, a timeout or a forged reply gets a score and a reason
for that student alone; the batch always goes on, and reasons are saved as each result arrives.
A submission already graded from the same bytes and the same version of the lab is skipped
unless ``regrade``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import secrets
import shutil
import signal
import tempfile
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from tqdm import tqdm

from autograder.course import Course, CourseError
from autograder.engine import (
    CELL_TIMEOUT,
    COURSE_ID,
    JUDGE_FILE,
    SCRATCH_PARENT,
    Backend,
    BackendError,
    CellScore,
    Job,
    JobResult,
    LabSpec,
    Limits,
    LocalBackend,
    Template,
    bubblewrap,
    cluster_module,
    course_version,
    device_summary,
    judge_source,
    keras_backend,
    load_judge,
    preload_modules,
)
from autograder.nbgrader_api import check_result, nbgrader_api
from autograder.profile import Profile
from autograder.roster import read_identities
from autograder.submissions import Submission, find_submissions, tampering

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


def load_devices(course: Course, lab: str) -> dict[str, dict | None]:
    """``{student id: what the kernel reported running on}`` (see :mod:`autograder.engine.probe`)."""
    return {student: entry.get("device") for student, entry in _load(_graded_path(course, lab)).items()}


def cell_scores(course: Course, lab: str, student: str) -> dict[str, tuple[float, float]]:
    """``{grade_id: (score, max_score)}`` for each graded cell of ``student``'s ``lab``."""
    scores: dict[str, tuple[float, float]] = {}
    with course.open_gradebook() as gb:
        try:
            submission = gb.find_submission(lab, student)
        except MissingEntry:
            return scores
        for notebook in submission.notebooks:
            for g in notebook.grades:
                scores[g.name] = (float(g.score), float(g.max_score))
    return scores


def _template_gradebook(course: Course, lab: str, scratch: Path) -> Path:
    """A gradebook holding only ``lab``'s cells and points: what each job starts from."""
    template = Course(course.root, scratch / "template")
    api = nbgrader_api(template, release_dir=scratch / "template" / "release")
    check_result(api.generate_assignment(lab, force=True), f"generate_assignment {lab}")
    return template.gradebook


def _expected_cells(template: Path) -> dict[tuple[str, str], float]:
    """``{(notebook, cell): max score}`` of every graded cell of the template gradebook."""

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


def _lab_digest(source: Path, judge: str) -> str:
    return hashlib.sha256(source.read_bytes() + judge.encode()).hexdigest()


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



@dataclass(frozen=True)
class GradeSettings:
    """How :func:`grade` runs. ``cell_timeout`` is each cell's budget of the kernel's CPU time
    (per thread it may use); ``notebook_timeout`` a wall-clock guard for the whole notebook.
    ``jobs`` local workers run at once (default: the number of cores). ``device`` is
    ``"auto"`` (GPUs when present), ``"gpu"`` or ``"cpu"``; ``keras_backend`` the Keras backend
    kernels use (default: ``$KERAS_BACKEND``, else TensorFlow). ``cluster`` is a Dask scheduler's
    address to grade on instead of this machine; ``backend`` replaces both (any
    :class:`~autograder.engine.backend.Backend`). ``challenge_seed`` picks the inputs the
    hidden tests' probes get (default: a fresh random seed per run); ``profile`` prints where
    the run's seconds went."""

    cell_timeout: int = CELL_TIMEOUT
    notebook_timeout: int | None = None
    jobs: int | None = None
    limits: Limits = Limits()
    device: str = "auto"
    keras_backend: str | None = None
    regrade: bool = False
    progress: bool = True
    cluster: str | None = None
    backend: Backend | None = None
    challenge_seed: int | None = None
    profile: bool = False

    @property
    def budget(self) -> int:
        """Wall-clock seconds a notebook may run."""
        return self.notebook_timeout or max(1800, 6 * self.cell_timeout)


@dataclass
class Batch:
    """What one ``grade`` has to do: the submissions to record (``fresh``), those of them with a
    notebook to run (``ready``), and the lab as workers need it (``spec``)."""

    lab: str
    notebook_name: str
    release: Path
    fresh: list[Submission]
    ready: list[Submission]
    spec: LabSpec
    graded: dict[str, dict]
    reasons: dict[str, str]
    judge: str = ""
    seed: int = 0


def find_work(course: Course, lab: str, folder: Path, settings: GradeSettings) -> Batch:
    """Phase 1: the submissions of ``lab`` in ``folder`` not graded yet from the same bytes and
    lab version (all of them with ``regrade``)."""
    course.require_lab(lab)
    source = course.source_notebooks(lab)[0]
    submissions = find_submissions(folder, source.name, read_identities(course, lab))
    judge = judge_source(course.solutions, lab)
    if judge:
        try:
            load_judge(judge, f"{lab}_judge")
        except Exception as exc:  # noqa: BLE001 - the instructor's file: report, do not grade
            raise CourseError(f"{course.solutions / lab / JUDGE_FILE} does not load: {exc!r}") from exc
    lab_digest = _lab_digest(source, judge)
    graded = _load(_graded_path(course, lab))
    fresh = [s for s in submissions if settings.regrade
             or graded.get(s.student, {}).get("digest") != f"{lab_digest}:{s.digest}"]
    if settings.progress and len(fresh) < len(submissions):
        print(f"autograder: {len(submissions) - len(fresh)} submission(s) already graded from the "
              "same notebook and lab version: skipped (--regrade grades them again)")
    spec = LabSpec(lab, lab_digest, course_version(), tuple(preload_modules(source)),
                   "instruments" in source.read_text(encoding="utf-8"), settings.limits,
                   settings.device, keras_backend(settings.keras_backend))
    return Batch(lab, source.name, course.work / "release" / lab / source.name, fresh,
                 [s for s in fresh if not s.problem and s.notebook is not None], spec, graded,
                 load_reasons(course, lab), judge,
                 secrets.randbelow(2**62) if settings.challenge_seed is None
                 else settings.challenge_seed)


def prepare_lab(course: Course, lab: str, scratch: Path) -> tuple[Template, dict[tuple[str, str], float]]:
    """Phase 2: ``lab``'s template gradebook (what jobs start from) and the points of each
    graded cell (what every result is checked against)."""
    template = _template_gradebook(course, lab, scratch)
    return Template.of(template), _expected_cells(template)


def into_course_gradebook(course: Course, lab: str, settings: GradeSettings) -> None:
    """Put ``lab`` into the course's gradebook and release folder (before any result is
    recorded; it runs while the first jobs do)."""
    api = nbgrader_api(course, release_dir=course.work / "release",
                       cell_timeout=settings.cell_timeout)
    check_result(api.generate_assignment(lab, force=True), f"generate_assignment {lab}")


def build_jobs(batch: Batch, template: Template, settings: GradeSettings) -> list[Job]:
    """Phase 3: one job per ready submission, by value."""
    return [Job(batch.lab, s.student, s.notebook, batch.notebook_name, template.digest,
                settings.cell_timeout, settings.budget, batch.judge, batch.seed)
            for s in batch.ready]


def run_jobs(backend: Backend, jobs: list[Job], stop: threading.Event) -> Iterator[JobResult]:
    """Phase 4: yield the results of ``jobs`` (already handed to ``backend``) as they finish,
    until all have or ``stop`` is set."""
    left = len(jobs)
    while left and not stop.is_set():
        result = backend.next_result(timeout=0.5)
        if result is not None:
            left -= 1
            yield result


class _Recorder:
    """Phase 5: checks each result and records it at once (gradebook, files, reasons, what
    was graded), with a progress bar."""

    def __init__(self, course: Course, batch: Batch, cells: dict[tuple[str, str], float],
                 gb: Gradebook, progress: bool):
        self.course, self.batch, self.cells, self.gb = course, batch, cells, gb
        self.by_student = {s.student: s for s in batch.fresh}
        self.done = 0
        self.devices: list[dict | None] = []
        self.bar = tqdm(total=len(batch.fresh), desc=f"grading {batch.lab}", unit="student",
                        disable=not progress)

    def unready(self) -> None:
        """Record the submissions that have no notebook to run (with their problem)."""
        ready = {s.student for s in self.batch.ready}
        for sub in self.batch.fresh:
            if sub.student not in ready:
                self._save(sub, JobResult(sub.student, [], sub.problem, 0.0),
                           sub.problem or "no notebook to grade")

    def result(self, result: JobResult) -> None:
        """Record one job's result, zero if its scores do not fit the lab's cells."""
        sub = self.by_student[result.student]
        invalid = _invalid_scores(result.scores, self.cells) if result.graded else None
        if invalid:
            result = JobResult(sub.student, [], f"the grading job returned invalid scores "
                               f"({invalid})", result.seconds)
        why = "; ".join(filter(None, (tampering(sub.notebook, self.batch.release), result.reason)))
        self._save(sub, result, why)

    def _save(self, sub: Submission, result: JobResult, why: str | None) -> None:
        batch = self.batch
        _record(self.gb, self.course, batch.lab, sub, batch.notebook_name, result)
        if why:
            batch.reasons[sub.student] = why
        else:
            batch.reasons.pop(sub.student, None)
        if result.retry:
            batch.graded.pop(sub.student, None)
        else:
            batch.graded[sub.student] = {"name": sub.name,
                                         "digest": f"{batch.spec.lab_digest}:{sub.digest}",
                                         "device": result.device,
                                         "seed": batch.seed if batch.judge else None,
                                         "seconds": round(result.seconds, 1)}
            if result.graded:
                self.devices.append(result.device)
        _save(reasons_path(self.course, batch.lab), batch.reasons)
        _save(_graded_path(self.course, batch.lab), batch.graded)
        self.done += 1
        self.bar.set_postfix_str(sub.student[:20])
        self.bar.update()


def _backend(settings: GradeSettings, scratch: Path) -> Backend:
    """The backend ``settings`` ask for: theirs, a Dask cluster's, or this machine's pool."""
    global _warned_no_sandbox
    if settings.backend is not None:
        return settings.backend
    if settings.cluster:
        return cluster_module().DaskBackend(settings.cluster)
    if bubblewrap() is None and not _warned_no_sandbox:
        _warned_no_sandbox = True
        print("autograder: bubblewrap (bwrap) not found: student code runs unsandboxed, with "
              "resource limits only (apt-get install bubblewrap)")
    return LocalBackend(scratch, settings.jobs)


def grade(course: Course, lab: str, folder: Path, settings: GradeSettings | None = None,
          **options: object) -> dict[str, str]:
    """Autograde every submission of ``lab`` in ``folder``; return ``{student: reason}``.

    ``settings`` (or the same as keyword ``options``) say how: see :class:`GradeSettings`.
    Raises :class:`GradingInterrupted` on Ctrl-C or SIGTERM and
    :class:`~autograder.engine.backend.BackendError` when the backend cannot go on, in both
    cases after saving every finished result.
    """
    settings = settings or GradeSettings(**options)
    profile = Profile()
    with profile.phase("read and check the submissions"):
        batch = find_work(course, lab, folder, settings)
    if not batch.fresh:
        return batch.reasons
    scratch = Path(tempfile.mkdtemp(prefix="ag-", dir=SCRATCH_PARENT))
    backend = _backend(settings, scratch)
    recorder = None
    try:
        if batch.ready:  # workers warm up while the lab goes into the gradebooks
            with profile.phase("start the workers"):
                message = backend.start(batch.spec, len(batch.ready))
            if settings.progress:
                print(f"autograder: {message}")
                if batch.judge:
                    print(f"autograder: hidden tests judged outside the sandbox, challenge seed "
                          f"{batch.seed} (--challenge-seed {batch.seed} gives the same inputs)")
        with profile.phase("make the lab's template gradebook"):
            template, cells = prepare_lab(course, lab, scratch)
            jobs = build_jobs(batch, template, settings)
            for job in jobs:
                backend.submit(job, template)
        with profile.phase("put the lab into the course's gradebook"):
            into_course_gradebook(course, lab, settings)
        with course.open_gradebook() as gb, _Interrupts() as interrupts:
            recorder = _Recorder(course, batch, cells, gb, settings.progress)
            recorder.unready()
            for result in run_jobs(backend, jobs, interrupts.hit):
                profile.job(result.timings)
                with profile.phase("record the results"):
                    recorder.result(result)
            recorder.bar.close()
            if settings.progress and recorder.devices:
                print(f"autograder: {device_summary(recorder.devices)}")
            if settings.profile:
                print(profile.table())
            if interrupts.hit.is_set():
                raise GradingInterrupted(recorder.done, len(batch.fresh))
    except BackendError as exc:
        done = recorder.done if recorder else 0
        raise BackendError(f"{exc}: {done} of {len(batch.fresh)} graded and saved; run the same "
                           "command again to grade the rest") from exc
    finally:
        backend.shutdown(cancel=True)
        shutil.rmtree(scratch, ignore_errors=True)
    return batch.reasons
