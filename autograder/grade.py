"""``grade LAB SUBMISSIONS``: autograde a folder of submissions with nbgrader, student by student.

A bad submission (invalid JSON, no notebook, a misnamed file) gets a zero and a reason; a
student whose grading fails is recorded the same way, and the batch goes on.
"""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from tqdm import tqdm

from autograder.course import Course
from autograder.nbconfig import CELL_TIMEOUT
from autograder.nbgrader_api import check_result, nbgrader_api
from autograder.submissions import Submission, find_submissions

#: Error names in an autograded notebook that deserve a human look, and what they mean.
RUNTIME_TROUBLE = {
    "CellTimeoutError": "a cell ran past the time limit",
    "DeadKernelError": "the kernel died (crash, exit or out of memory)",
    "KeyboardInterrupt": "a cell ran past the time limit and was interrupted",
}


def reasons_path(course: Course, lab: str) -> Path:
    return course.work / "reasons" / f"{lab}.json"


def load_reasons(course: Course, lab: str) -> dict[str, str]:
    """Why each student's grade may need a look, as recorded by the last grading."""
    path = reasons_path(course, lab)
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _runtime_trouble(autograded: Path) -> str | None:
    if not autograded.is_file():
        return None
    nb = nbformat.read(autograded, as_version=4)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error" and out.get("ename") in RUNTIME_TROUBLE:
                gid = cell.metadata.get("nbgrader", {}).get("grade_id", "?")
                return f"{RUNTIME_TROUBLE[out['ename']]} (cell {gid})"
    return None


def _record_zero(course: Course, lab: str, student: str) -> None:
    """Make ``student`` exist in the gradebook with no submission, so the report shows 0."""
    with Gradebook(course.db_url) as gb, warnings.catch_warnings():
        # nbgrader's own removal trips SQLAlchemy autoflush warnings that mean nothing here.
        warnings.simplefilter("ignore")
        gb.update_or_create_student(student)
        try:
            gb.remove_submission(lab, student)
        except MissingEntry:
            pass
    for folder in ("submitted", "autograded"):
        shutil.rmtree(course.work / folder / student / lab, ignore_errors=True)


def grade(course: Course, lab: str, folder: Path, cell_timeout: int = CELL_TIMEOUT,
          progress: bool = True) -> dict[str, str]:
    """Autograde every submission of ``lab`` in ``folder``; return ``{student: reason}``."""
    course.require_lab(lab)
    expected = course.source_notebooks(lab)[0].name
    api = nbgrader_api(course, release_dir=course.work / "release", cell_timeout=cell_timeout)
    # Loads the lab's cells and points into the gradebook; the scratch release is not used.
    check_result(api.generate_assignment(lab, force=True), f"generate_assignment {lab}")
    reasons = load_reasons(course, lab)
    submissions = find_submissions(folder, expected)
    bar = tqdm(submissions, desc=f"grading {lab}", unit="student", disable=not progress)
    for sub in bar:
        bar.set_postfix_str(sub.student)
        reason = _grade_one(course, api, lab, sub, expected)
        if reason:
            reasons[sub.student] = reason
        else:
            reasons.pop(sub.student, None)
    path = reasons_path(course, lab)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(reasons, indent=1, sort_keys=True), encoding="utf-8")
    return reasons


def _grade_one(course: Course, api, lab: str, sub: Submission, expected: str) -> str | None:
    if sub.problem or sub.notebook is None:
        _record_zero(course, lab, sub.student)
        return sub.problem
    target = course.work / "submitted" / sub.student / lab
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    shutil.copyfile(sub.notebook, target / expected)
    result = api.autograde(lab, sub.student, force=True, create=True)
    if not result.get("success"):
        _record_zero(course, lab, sub.student)
        text = f"{result.get('log', '')}\n{result.get('error', '')}"
        if "DeadKernelError" in text or "Kernel died" in text:
            return RUNTIME_TROUBLE["DeadKernelError"]
        lines = text.strip().splitlines() or ["unknown error"]
        return f"grading failed: {lines[-1][:200]}"
    return _runtime_trouble(course.work / "autograded" / sub.student / lab / expected)
