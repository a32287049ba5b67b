"""``feedback LAB``: nbgrader's per-student HTML feedback, hidden tests kept hidden.

nbgrader's feedback shows the autograded notebook, whose test cells hold the hidden tests and
whose tracebacks quote their lines. Unless the instructor asks for them, the hidden regions are
removed and a failing hidden test's traceback is cut down to its last line (the error message).
"""

from __future__ import annotations

from pathlib import Path

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import ClearHiddenTests, GetGrades

from autograder.course import Course
from autograder.nbgrader_api import check_result, nbgrader_api


class HideHiddenTests(ClearHiddenTests):
    """Remove hidden-test regions and the traceback lines that would quote them."""

    def preprocess_cell(self, cell, resources, cell_index):
        had_hidden = self.begin_test_delimeter in cell.source
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if had_hidden and cell.cell_type == "code":
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    out["traceback"] = [f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"]
        return cell, resources


def generate_feedback(course: Course, lab: str, show_hidden: bool = False) -> list[Path]:
    """Write ``<work>/feedback/<student>/<lab>/*.html`` for every graded student."""
    course.require_lab(lab)
    api = nbgrader_api(course)
    steps = [GetGrades] + ([] if show_hidden else [HideHiddenTests]) + [CSSHTMLHeaderPreprocessor]
    api.config.GenerateFeedback.preprocessors = steps
    api.coursedir.config.GenerateFeedback.preprocessors = steps
    check_result(api.generate_feedback(lab, force=True), f"generate_feedback {lab}")
    return sorted((course.work / "feedback").glob(f"*/{lab}/*.html"))
