"""``autograder similarity``: disguised copies rank above independent work, the release's own
code never counts, the same input gives the same files, ``--against`` compares with earlier
years only, hostile names and code stay inert, and bad input is one line with exit 2. No
notebook is run and nothing is graded (a synthetic class from the labs' references)."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.cli import main
from autograder.course import Course
from autograder.ids import safe_id
from autograder.report import grades_table
from autograder.roster import Identity
from autograder.similarity import Result, similarity
from autograder.simulate import filled_notebook
from tests.conftest import ROOT
from tests.gradebooks import fake_grading
from tests.similarity_class import disguised, independent, write_class, write_notebook

COPIED = "loops"
HOSTILE_NAME = "=cmd|'calc'!A0 <img src=x onerror=alert(1)>"
HOSTILE_CODE = "# </pre><script>alert('owned')</script>\nHOSTILE = \"<script>x()</script>\"\n"


@pytest.fixture(scope="module", params=["lab4", "lab1"])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> tuple[str, Path, dict[str, str]]:
    """A class of ``lab`` (lab 4: functions; lab 1: classes and methods), with two untouched
    releases and a student without a notebook."""
    lab = request.param
    folder = tmp_path_factory.mktemp(lab) / "class"
    copies = write_class(ROOT, lab, folder, copied=COPIED)
    shutil.copytree(folder / "release", folder / "release_too")
    (folder / "no_notebook").mkdir()
    return lab, folder, copies


def _compare(lab: str, folder: Path, work: Path, **kw) -> Result:
    return similarity(Course(ROOT, work), lab, folder, **kw)


def _share(result: Result, a: str, b: str) -> float:
    for p in result.pairs:
        if {result.label(p.a), result.label(p.b)} == {a, b}:
            return p.similarity
    raise KeyError((a, b))


def test_every_disguised_copy_ranks_above_every_independent_pair(built, tmp_path: Path):
    lab, folder, copies = built
    result = _compare(lab, folder, tmp_path)
    honest = sorted(independent(ROOT, lab))
    independent_pairs = [_share(result, a, b) for i, a in enumerate(honest) for b in honest[i + 1:]]
    planted = {who: _share(result, who, source) for who, source in copies.items()}
    assert len(planted) == 6 and len(independent_pairs) == 3
    assert min(planted.values()) > max(independent_pairs) + 0.15, (planted, independent_pairs)
    # and in the ranking itself, no independent pair comes before any planted copy
    ranked = [{result.label(p.a), result.label(p.b)} for p in result.pairs]
    last_copy = max(ranked.index({who, src}) for who, src in copies.items())
    first_honest = min(ranked.index({a, b}) for i, a in enumerate(honest) for b in honest[i + 1:])
    assert last_copy < first_honest


def test_the_release_own_code_is_never_reported(built, tmp_path: Path):
    lab, folder, _ = built
    result = _compare(lab, folder, tmp_path)
    for p in result.pairs:
        if {"release", "release_too"} & {result.label(p.a), result.label(p.b)}:
            assert p.share_a == p.share_b == 0.0, (result.label(p.a), result.label(p.b))
    assert all(not len(fp.hashes) for fp in result.prints if fp.answer.student.startswith("release"))
    # the untouched cells of a student who answered one cell give no fingerprint at all
    released = ROOT / "labs" / lab / f"{lab}.ipynb"
    one_cell = folder.parent / "one_cell"
    first, second = list(independent(ROOT, lab)[COPIED].items())[:2]
    write_notebook(one_cell, "a", filled_notebook(released, dict([first])), released.name)
    write_notebook(one_cell, "b", filled_notebook(released, dict([second])), released.name)
    a, b = _compare(lab, one_cell, tmp_path / "two").prints
    assert [a.answer.cells[i][0] for i, *_ in a.where] == [first[0]]
    assert [b.answer.cells[i][0] for i, *_ in b.where] == [second[0]]
    assert result.skipped == {"no_notebook": f"missing notebook: no {lab}.ipynb was handed in"}


def test_the_same_input_gives_the_same_files(tmp_path: Path):
    lab, folder = "lab4", tmp_path / "class"
    write_class(ROOT, lab, folder, copied=COPIED)
    assert main(["--work", str(tmp_path / "one"), "similarity", lab, "--submissions",
                 str(folder)]) == 0
    env = {**os.environ, "PYTHONHASHSEED": "4321"}  # Python's own hash differs per process
    subprocess.run([sys.executable, "-m", "autograder.cli", "--work", str(tmp_path / "two"),
                    "similarity", lab, "--submissions", str(folder)], check=True, env=env,
                   capture_output=True, cwd=ROOT)
    for suffix in (".csv", ".html"):
        one = (tmp_path / "one" / "reports" / f"{lab}_similarity{suffix}").read_bytes()
        assert one == (tmp_path / "two" / "reports" / f"{lab}_similarity{suffix}").read_bytes()


def test_against_compares_the_class_with_earlier_years_only(tmp_path: Path):
    lab, released = "lab4", ROOT / "labs" / "lab4" / "lab4.ipynb"
    earlier, now = tmp_path / "2025", tmp_path / "class"
    write_class(ROOT, lab, earlier, copied=COPIED, disguises=("rename",))
    answers = independent(ROOT, lab)
    write_notebook(now, "ann", filled_notebook(released, disguised(answers[COPIED], "all")),
                   released.name)
    write_notebook(now, "bob", filled_notebook(released, answers["vectorised"]), released.name)
    result = _compare(lab, now, tmp_path / "work", against=[earlier])
    labels = [(result.label(p.a), result.label(p.b)) for p in result.pairs]
    assert set(labels[:3]) == {("bob", "2025/vectorised"), ("ann", "2025/loops"),
                               ("ann", "2025/copy_rename")}
    assert result.pairs[2].similarity > 2 * _share(result, "ann", "bob")
    assert all(not result.prints[p.a].answer.source for p in result.pairs)  # never earlier-earlier
    assert len(result.pairs) == 1 + 2 * 5  # ann-bob, then each with the 5 earlier notebooks


def test_after_grading_the_report_names_similar_students_and_keeps_scores(course: Course,
                                                                          capsys):
    lab, released = "lab1", ROOT / "labs" / "lab1" / "lab1.ipynb"
    answers = independent(ROOT, lab)
    zoe = safe_id("Zoë Li")
    hand_ins = {"ann": answers[COPIED], zoe: disguised(answers[COPIED], "all"),
                "cat": answers["vectorised"], "dan": answers["solution"]}
    for student, cells in hand_ins.items():  # where grade keeps what it graded
        write_notebook(course.work / "submitted", f"{student}/{lab}",
                       filled_notebook(released, cells), released.name)
    write_notebook(course.work / "submitted", "eve/lab4", nbformat.v4.new_notebook(), "lab4.ipynb")
    fake_grading(course, lab, {s: {"test_fit": 5} for s in hand_ins}, identities=[
        Identity(zoe, "Zoë Li", "canvas", "1", "2", "2026-03-01T00:00:00", "", False)])
    before = grades_table(course, lab).set_index("student_id")["score"]
    assert main(["--work", str(course.work), "similarity", lab, "--threshold", "50%"]) == 0
    out = capsys.readouterr().out
    assert "| ann " in out and "| Zoë Li " in out and "not compared" not in out  # eve: lab 4 only
    table = grades_table(course, lab).set_index("student_id")
    assert table.loc["ann", "needs_look"].startswith("similar to Zoë Li (")
    assert table.loc[zoe, "needs_look"].startswith("similar to ann (")
    assert table.loc[zoe, "needs_look"].endswith(" % of answer code)")
    assert table.loc["cat", "needs_look"] == table.loc["dan", "needs_look"] == ""
    assert (table["score"] == before).all()


def test_hostile_names_and_code_are_inert(tmp_path: Path):
    lab, released = "lab4", ROOT / "labs" / "lab4" / "lab4.ipynb"
    answers = independent(ROOT, lab)
    cells = dict(answers[COPIED])
    first = next(iter(cells))
    cells[first] = HOSTILE_CODE + cells[first]
    folder = tmp_path / "class"
    write_notebook(folder, HOSTILE_NAME, filled_notebook(released, cells), released.name)
    write_notebook(folder, "copier", filled_notebook(released, cells), released.name)
    write_notebook(folder, "other", filled_notebook(released, answers["vectorised"]), released.name)
    assert main(["--work", str(tmp_path / "work"), "similarity", lab, "--submissions",
                 str(folder)]) == 0
    page = (tmp_path / "work" / "reports" / f"{lab}_similarity.html").read_text(encoding="utf-8")
    assert "<script" not in page.lower() and "<img src=x" not in page
    assert "&lt;script&gt;alert(" in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    with (tmp_path / "work" / "reports" / f"{lab}_similarity.csv").open(newline="") as f:
        cells_out = [c for row in csv.reader(f) for c in row]
    assert f"'{HOSTILE_NAME}" in cells_out
    assert not any(c.startswith(("=", "+", "@")) for c in cells_out)


@pytest.mark.parametrize("args, says", [
    (["similarity", "lab9", "--submissions", "."], "no lab called 'lab9'"),
    (["similarity", "lab4", "--submissions", "/no/such/folder"], "no folder of submissions"),
    (["similarity", "lab4"], "nothing graded yet for lab4"),
    (["similarity", "lab4", "--submissions", "{empty}"], "no notebook of lab4 to compare"),
    (["similarity", "lab4", "--submissions", "{empty}", "--against", "/no/such/year"],
     "no folder of earlier submissions"),
    (["similarity", "lab4", "--submissions", "{empty}", "--against", str(ROOT / "solutions")],
     "is in solutions/, the instructor's own code"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, capsys, args: list[str], says: str):
    (tmp_path / "empty").mkdir()
    args = [a.replace("{empty}", str(tmp_path / "empty")) for a in args]
    assert main(["--work", str(tmp_path / "work"), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says in err and "Traceback" not in err


def test_notebooks_are_read_without_following_links(tmp_path: Path):
    lab, released = "lab4", ROOT / "labs" / "lab4" / "lab4.ipynb"
    folder = tmp_path / "class"
    write_notebook(folder, "ann", filled_notebook(released, independent(ROOT, lab)[COPIED]),
                   released.name)
    (folder / "eve").mkdir()
    (folder / "eve" / released.name).symlink_to(folder / "ann" / released.name)
    os.mkfifo(folder / "pip.ipynb")
    result = _compare(lab, folder, tmp_path / "work")
    assert [fp.answer.student for fp in result.prints] == ["ann"]
    assert set(result.skipped) == {"eve", "pip"}
    assert nbformat.read(folder / "ann" / released.name, as_version=4)  # untouched
