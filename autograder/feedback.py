"""``feedback LAB``: nbgrader's per-student HTML feedback, hidden tests kept hidden.

nbgrader's feedback shows the autograded notebook, whose test cells hold the hidden tests and
whose tracebacks quote their lines. Unless the instructor asks for them, the hidden regions are
removed from the test cells and a failing hidden test's traceback is cut down to its last line
(the error message). Students' own cells are shown as they wrote them, whatever they contain
(a stray ``BEGIN HIDDEN TESTS`` included). Figures the student's code drew are in the pages:
grading kernels use matplotlib's inline backend (:data:`autograder.nbconfig.KERNEL_ENV`).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader import utils
from nbgrader.preprocessors import ClearHiddenTests, GetGrades
from tqdm import tqdm

from autograder.course import Course
from autograder.grade import load_reasons
from autograder.leaks import secret_region_lines
from autograder.nbgrader_api import nbgrader_api
from autograder.report import require_graded

#: What stands in for an output line that quoted a hidden test.
REDACTED = "[a line of a hidden test, removed]"


def _redact(text: str, hidden: set[str]) -> str:
    return "\n".join(REDACTED if any(h in line for h in hidden) else line
                     for line in text.split("\n"))


class HideHiddenTests(ClearHiddenTests):
    """Remove hidden-test regions from test cells, and the traceback lines that would quote
    them; leave every other cell (a student's text above all) untouched. A kernel sees the code
    it runs and may print it: any output line that quotes a hidden test is redacted too."""

    def preprocess(self, nb, resources):
        hidden = set().union(*(secret_region_lines(c.source) for c in nb.cells
                               if utils.is_grade(c) and not utils.is_solution(c)))
        nb, resources = super().preprocess(nb, resources)
        for cell in nb.cells:
            for out in cell.get("outputs", []) if hidden else []:
                for key in ("text", "evalue"):
                    if isinstance(out.get(key), str):
                        out[key] = _redact(out[key], hidden)
                for mime, value in out.get("data", {}).items():
                    if isinstance(value, str) and mime.startswith("text/"):
                        out["data"][mime] = _redact(value, hidden)
                if "traceback" in out:
                    out["traceback"] = [_redact(line, hidden) for line in out["traceback"]]
        return nb, resources

    def preprocess_cell(self, cell, resources, cell_index):
        if not utils.is_grade(cell) or utils.is_solution(cell):
            return cell, resources
        had_hidden = self.begin_test_delimeter in cell.source
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if had_hidden and cell.cell_type == "code":
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    out["traceback"] = [f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"]
        return cell, resources


@dataclass
class FeedbackRun:
    """The pages written, and each student who got none with the reason."""

    written: list[Path] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)


def _graded_students(course: Course, lab: str) -> list[str]:
    with course.open_gradebook() as gb:
        students = {s.student.id for s in gb.find_assignment(lab).submissions}
    return sorted(students | set(load_reasons(course, lab)))


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else "nbgrader failed"


def feedback_pages(course: Course, lab: str, show_hidden: bool = False,
                   progress: bool = False) -> FeedbackRun:
    """Write ``<work>/feedback/<student>/<lab>/*.html`` for every graded student, one at a
    time (a progress bar when ``progress``); say why any student got no page."""
    require_graded(course, lab)
    api = nbgrader_api(course)
    steps = [GetGrades] + ([] if show_hidden else [HideHiddenTests]) + [CSSHTMLHeaderPreprocessor]
    api.config.GenerateFeedback.preprocessors = steps
    api.coursedir.config.GenerateFeedback.preprocessors = steps
    reasons = load_reasons(course, lab)
    run = FeedbackRun()
    for student in tqdm(_graded_students(course, lab), desc=f"feedback {lab}", unit="student",
                        disable=not progress):
        if not (course.work / "autograded" / student / lab).is_dir():
            run.missing[student] = reasons.get(student) or "no autograded notebook"
            continue
        folder = course.work / "feedback" / student / lab
        shutil.rmtree(folder, ignore_errors=True)
        result = api.generate_feedback(lab, student_id=student, force=True)
        pages = sorted(folder.glob("*.html"))
        if result.get("success") and pages:
            run.written += pages
        else:
            run.missing[student] = _last_line(result.get("error") or result.get("log") or "")
    return run


def generate_feedback(course: Course, lab: str, show_hidden: bool = False) -> list[Path]:
    """The pages :func:`feedback_pages` writes."""
    return feedback_pages(course, lab, show_hidden).written
