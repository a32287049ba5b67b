"""The notebook check passes on the repository and catches each kind of problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from autograder.notebooks import all_notebooks, check_notebook, check_notebooks
from tests.conftest import ROOT


def test_every_committed_notebook_is_in_sync_clean_and_badged():
    assert all_notebooks(ROOT), "no notebooks found"
    assert check_notebooks(ROOT) == []


@pytest.fixture
def copy_of_lab1(tmp_path: Path) -> Path:
    """The released lab 1 in a copy of the course (the check reads where badges point from
    the course's ``pyproject.toml``)."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "labs" / "lab1"
    shutil.copytree(ROOT / "labs" / "lab1", target)
    return target / "lab1.ipynb"


def test_check_finds_a_pair_out_of_sync(copy_of_lab1: Path):
    py = copy_of_lab1.with_suffix(".py")
    py.write_text(py.read_text().replace("Rosenblatt's", "Rosenblat's"))
    assert any("out of sync" in p for p in check_notebook(copy_of_lab1, copy_of_lab1.parents[2]))


def test_check_finds_outputs(copy_of_lab1: Path):
    nb = nbformat.read(copy_of_lab1, as_version=4)
    code = next(c for c in nb.cells if c.cell_type == "code")
    code.outputs = [nbformat.v4.new_output("stream", text="hello\n")]
    nbformat.write(nb, copy_of_lab1)
    assert any("outputs" in p for p in check_notebook(copy_of_lab1, copy_of_lab1.parents[2]))


def test_check_finds_a_badge_pointing_elsewhere(tmp_path: Path, copy_of_lab1: Path):
    moved = tmp_path / "labs" / "lab9" / "lab9.ipynb"
    moved.parent.mkdir(parents=True)
    shutil.copy(copy_of_lab1, moved)
    shutil.copy(copy_of_lab1.with_suffix(".py"), moved.with_suffix(".py"))
    assert any("badge" in p for p in check_notebook(moved, tmp_path))


def test_check_finds_a_missing_pair(copy_of_lab1: Path):
    copy_of_lab1.with_suffix(".py").unlink()
    assert any("no paired" in p for p in check_notebook(copy_of_lab1, copy_of_lab1.parents[2]))
