"""Tampered notebooks: cells deleted, duplicated, changed in type, metadata stripped. Each ends
as a score and a reason for that student; the honest student in the batch keeps full marks."""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
import pytest

from autograder.course import Course
from autograder.grade import grade
from autograder.report import grades_table
from autograder.simulate import solved_notebook
from tests.conftest import ROOT

SOURCE = ROOT / "solutions" / "lab1" / "lab1.ipynb"
RELEASED = ROOT / "labs" / "lab1" / "lab1.ipynb"


def _gid(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


@pytest.mark.slow
def test_tampered_notebooks_get_a_score_and_a_reason(tmp_path: Path):
    honest = solved_notebook(SOURCE, RELEASED)
    deleted = copy.deepcopy(honest)
    deleted.cells = [c for c in deleted.cells if _gid(c) != "test_perceptron_xor"]
    duplicated = copy.deepcopy(honest)
    index = next(i for i, c in enumerate(duplicated.cells) if _gid(c) == "adaline_gd")
    duplicated.cells.insert(index, copy.deepcopy(duplicated.cells[index]))
    retyped = copy.deepcopy(honest)
    cell = next(c for c in retyped.cells if _gid(c) == "test_adaline_gd")
    retyped.cells[retyped.cells.index(cell)] = nbformat.v4.new_markdown_cell(
        cell.source, metadata=cell.metadata)
    stripped = copy.deepcopy(honest)
    for c in stripped.cells:
        c.metadata = {}
    folder = tmp_path / "subs"
    for student, nb in {"honest": honest, "deleted": deleted, "duplicated": duplicated,
                        "retyped": retyped, "stripped": stripped}.items():
        (folder / student).mkdir(parents=True)
        nbformat.write(nb, folder / student / "lab1.ipynb")

    course = Course(ROOT, tmp_path / "work")
    grade(course, "lab1", folder, cell_timeout=60, progress=False)
    table = grades_table(course, "lab1").set_index("student_id")

    assert set(table.index) == {"honest", "deleted", "duplicated", "retyped", "stripped"}
    assert table.loc["honest", "score"] == 20 and table.loc["honest", "needs_look"] == ""
    assert table.loc["deleted", "score"] == 18  # the deleted test's 2 points are lost
    assert table.loc["retyped", "score"] == 20  # nbgrader restores the locked test cell
    assert "deleted" in table.loc["deleted", "needs_look"]
    assert "test_perceptron_xor" in table.loc["deleted", "needs_look"]
    assert "duplicated: adaline_gd" in table.loc["duplicated", "needs_look"]
    assert table.loc["retyped", "needs_look"] != ""
    assert table.loc["stripped", "needs_look"] != ""
