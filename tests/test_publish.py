"""The student edition: written from an allow-list, the same on every run, checked for leaks,
stamped from the one configured location, installable and runnable alone; and plain nbgrader
keeps hidden tests out of feedback."""

from __future__ import annotations

import ast
import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder.cli import main
from autograder.course import Course, CourseError
from autograder.engine import COURSE_ID
from autograder.leaks import find_edition_leaks, secret_lines
from autograder.notebooks import all_notebooks, check_notebooks
from autograder.proofs import Record, edition_inputs, inputs_digest, matching
from autograder.publish import publish
from autograder.release import release
from autograder.simulate import load_mistakes
from tests.conftest import ROOT
from tests.test_setup_cell import _kernel, run_notebook

#: What a copy of the course needs for stamping, releasing and publishing.
COURSE_PARTS = ("lectures", "labs", "solutions", "nnkit", "data", "LICENSE", "pyproject.toml",
                "jupytext.toml", "nbgrader_config.py")
STUDENT_EDITION = ["LICENSE", "README.md", "data", "labs", "lectures", "nnkit", "pyproject.toml"]


@pytest.fixture
def copy(tmp_path: Path) -> Course:
    """A copy of the course (sources, releases, helpers, configuration) to publish from."""
    root = tmp_path / "course"
    for part in COURSE_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, root / part, ignore=shutil.ignore_patterns(
                "__pycache__", ".ipynb_checkpoints", "cache"))
        else:
            shutil.copy2(source, root / part)
    return Course(root, tmp_path / "work")


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_publish_writes_the_student_edition_only_and_the_same_twice(copy: Course, tmp_path: Path):
    first = publish(copy, tmp_path / "first")
    assert first.leaks == []
    assert sorted(p.name for p in (tmp_path / "first").iterdir()) == STUDENT_EDITION
    tree = _tree(tmp_path / "first")
    assert not [rel for rel in tree if rel.endswith(".py") and not rel.startswith(("nnkit/", "data/"))]
    labs = {rel for rel in tree if rel.startswith("labs/")}
    assert labs == {f"labs/{lab}/{lab}.ipynb" for lab in copy.lab_names()}
    pyproject = tree["pyproject.toml"].decode()
    for tool in ("nbgrader", "jupyterlab", "notebook", "jupytext", "nbclient", "tabulate"):
        assert not re.search(rf'^\s*"{tool}\b', pyproject, re.MULTILINE), tool
    assert f'name = "{copy.edition.package}"' in pyproject

    (tmp_path / "first" / ".git").mkdir()  # the public repository's clone: kept
    (tmp_path / "first" / "stale.txt").write_text("from an earlier edition")  # removed
    again = publish(copy, tmp_path / "first")
    assert again.restamped == [] and again.leaks == []
    assert _tree(tmp_path / "first") == {**tree, **_tree(tmp_path / "first" / ".git")}
    publish(copy, tmp_path / "second")
    assert _tree(tmp_path / "second") == tree


def test_publish_refuses_a_folder_that_is_not_a_student_edition(copy: Course, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture):
    other = tmp_path / "thesis"
    other.mkdir()
    (other / "chapter1.tex").write_text("precious")
    with pytest.raises(CourseError, match="neither empty nor a student edition"):
        publish(copy, other)
    monkeypatch.setenv("NN_COURSE_ROOT", str(copy.root))
    assert main(["publish", str(other)]) == 2
    assert (other / "chapter1.tex").read_text() == "precious"
    assert "neither empty nor a student edition" in capsys.readouterr().err


def _solution_and_hidden_cells(course: Course, lab: str) -> dict[str, str]:
    source = nbformat.read(course.solutions / lab / f"{lab}.ipynb", as_version=4)
    return {marker: next(c.source for c in source.cells if f"### BEGIN {marker}" in c.source)
            for marker in ("SOLUTION", "HIDDEN TESTS")}


@pytest.mark.parametrize("marker", ["SOLUTION", "HIDDEN TESTS"])
def test_publish_fails_when_a_lab_carries_a_solution_or_hidden_tests(copy: Course, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch,
                                                                     capsys: pytest.CaptureFixture,
                                                                     marker: str):
    planted = _solution_and_hidden_cells(copy, "lab1")[marker]
    released = copy.labs / "lab1" / "lab1.ipynb"
    nb = nbformat.read(released, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(planted))
    nbformat.write(nb, released)
    monkeypatch.setenv("NN_COURSE_ROOT", str(copy.root))
    assert main(["publish", str(tmp_path / "edition")]) == 1
    out = capsys.readouterr().out
    assert f"labs/lab1/lab1.ipynb: contains the marker 'BEGIN {marker}'" in out
    assert "shows a line of solutions/lab1" in out and "do not push it" in out


def test_edition_leak_check_names_everything_of_the_instructors(copy: Course, tmp_path: Path):
    edition = tmp_path / "edition"
    assert publish(copy, edition).leaks == []
    planted = {
        "solutions/lab1/lab1.py": (copy.solutions / "lab1" / "lab1.py").read_bytes(),
        "labs/lab1/mistakes.json": b"[]",
        "labs/lab1/references/loops.json": b"{}",
        "autograder/__init__.py": b'"""the grader"""\n',
        "tests/test_lab1.py": b"def test(): pass\n",
        "nnkit/answers.py": (copy.solutions / "lab2" / "lab2.py").read_bytes(),
        "nnkit/release.py": (ROOT / "autograder" / "release.py").read_bytes(),
        "lectures/notes.md": next(line for line, where in secret_lines(copy).items()
                                  if where == "lectures").encode(),  # a lecture exercise's answer
    }
    for rel, content in planted.items():
        (edition / rel).parent.mkdir(parents=True, exist_ok=True)
        (edition / rel).write_bytes(content)
    leaks = find_edition_leaks(copy, edition)
    for rel in planted:
        assert any(leak.startswith(f"{rel}:") for leak in leaks), (rel, leaks)
    assert any(leak.startswith("nnkit/release.py: a copy of the instructor's autograder/release.py")
               for leak in leaks)


def _configure(course: Course, repository: str, ref: str) -> None:
    pyproject = course.root / "pyproject.toml"
    text = pyproject.read_text()
    text = re.sub(r'(?m)^repository = "[^"]*"', f'repository = "{repository}"', text)
    pyproject.write_text(re.sub(r'(?m)^ref = "[^"]*"', f'ref = "{ref}"', text))


@pytest.mark.slow
def test_changing_the_location_restamps_every_badge_and_setup_cell(copy: Course, tmp_path: Path):
    old = copy.edition
    _configure(copy, "another-school/nn-2027", "spring-2027")
    new = copy.edition
    assert new.install != old.install and new.badge_url("x") != old.badge_url("x")
    notebooks = all_notebooks(copy.root)
    problems = check_notebooks(copy.root)
    assert {p.split(":")[0] for p in problems if "Setup cell" in p} == {
        nb.relative_to(copy.root).as_posix() for nb in notebooks}
    assert {p.split(":")[0] for p in problems if "badge" in p} == {
        nb.relative_to(copy.root).as_posix() for nb in notebooks if not nb.is_relative_to(copy.solutions)}

    release(copy, "lab1")
    assert not [p for p in check_notebooks(copy.root) if "lab1/" in p and ("badge" in p or "Setup" in p)]
    published = publish(copy, tmp_path / "edition")
    assert not [p for p in check_notebooks(copy.root) if "badge" in p or "Setup" in p]
    assert published.leaks == []
    edition = tmp_path / "edition"
    texts = [p.read_text() for p in [*notebooks, *(nb.with_suffix(".py") for nb in notebooks),
                                     *edition.rglob("*.ipynb"), edition / "README.md"]]
    assert all(old.install not in text and old.badge_url("") not in text for text in texts)
    assert all(new.install in text for text in texts if "## Setup" in text)
    for nb in edition.rglob("*.ipynb"):
        rel = nb.relative_to(edition).as_posix()
        assert f"]({new.badge_url(rel)})" in nb.read_text(), rel
    assert not [nb for nb in copy.solutions.rglob("*.ipynb") if "Open In Colab" in nb.read_text()]


def _visible_text(feedback: Path) -> str:
    """What a student reads in an HTML feedback file: tags stripped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", feedback.read_text(encoding="utf-8")))


def _significant(text: str) -> set[str]:
    return {s for s in (line.strip() for line in text.splitlines()) if len(s) >= 12 and not s.startswith("#")}


@pytest.mark.slow
def test_plain_nbgrader_generate_feedback_hides_hidden_tests(tmp_path: Path):
    """From the course root, as formgrader would: nbgrader's own commands, this course's
    nbgrader_config.py, the gradebook named by NN_COURSE_DB."""
    course = tmp_path / "course"
    shutil.copytree(ROOT / "solutions" / "lab1", course / "solutions" / "lab1")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    work, db = tmp_path / "work", tmp_path / "elsewhere.db"
    mistake = load_mistakes(course / "solutions" / "lab1")[0]
    student = nbformat.read(course / "solutions" / "lab1" / "lab1.ipynb", as_version=4)
    for cell in student.cells:  # a student whose code passes some tests and fails others
        if cell.metadata.get("nbgrader", {}).get("grade_id") == mistake.cell:
            cell.source = cell.source.replace(mistake.find, mistake.replace, 1)
    submitted = work / "submitted" / "ada" / "lab1" / "lab1.ipynb"
    submitted.parent.mkdir(parents=True)
    nbformat.write(student, submitted)
    bin_dir = Path(sys.executable).parent  # the instructor's venv, activated
    env = {**os.environ, "NN_COURSE_WORK": str(work), "NN_COURSE_DB": f"sqlite:///{db}",
           "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    env.pop("NN_COURSE_ROOT", None)
    nbgrader = str(bin_dir / "nbgrader")
    release_to = f"--CourseDirectory.release_directory={tmp_path / 'release'}"
    for command in (["generate_assignment", "lab1", release_to], ["autograde", "lab1"],
                    ["generate_feedback", "lab1"]):
        done = subprocess.run([nbgrader, *command, "--force"], cwd=course, env=env,
                              capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert db.is_file() and not (work / "gradebook.db").exists()
    with Gradebook(f"sqlite:///{db}", COURSE_ID) as gb:  # plain nbgrader judges in the kernel
        grades = {g.name: (g.auto_score, g.max_score)
                  for nb in gb.find_submission("lab1", "ada").notebooks for g in nb.grades}
    lost = {name for name, (score, most) in grades.items() if score < most}
    assert lost == set(mistake.loses), grades
    shown = _visible_text(work / "feedback" / "ada" / "lab1" / "lab1.html")

    source = nbformat.read(course / "solutions" / "lab1" / "lab1.ipynb", as_version=4)
    region = r"### BEGIN HIDDEN TESTS(.*?)### END HIDDEN TESTS"
    cells = [c.source for c in source.cells if c.cell_type == "code"]
    hidden = _significant("".join(m for c in cells for m in re.findall(region, c, re.DOTALL)))
    given = _significant("\n".join(re.sub(region, "", c, flags=re.DOTALL) for c in cells))
    assert hidden - given and given & _significant(shown), "the feedback shows no code at all"
    assert "BEGIN HIDDEN TESTS" not in shown
    assert not (hidden - given) & _significant(shown)


#: Modules a notebook may import only on the Keras backend that needs them (the edition installs
#: TensorFlow; `.[jax]` and `.[torch]` are the student's choice).
BACKEND_ONLY = {"jax", "torch"}


def _imported_modules(paths: list[Path]) -> set[str]:
    """The top-level modules the code cells of ``paths`` import, wherever in a cell."""
    from IPython.core.inputtransformer2 import TransformerManager

    names: set[str] = set()
    for path in paths:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                tree = ast.parse(TransformerManager().transform_cell(cell.source))
                names |= {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import)
                          for a in n.names}
                names |= {n.module.split(".")[0] for n in ast.walk(tree)
                          if isinstance(n, ast.ImportFrom) and n.module and not n.level}
    return names - BACKEND_ONLY


def _cells_run(path: Path) -> list[nbformat.NotebookNode]:
    """The cells of a notebook the student-edition test runs: a lab up to its first exercise,
    lecture 1 whole, any other lecture its Setup and imports."""
    cells = nbformat.read(path, as_version=4).cells
    if path.parts[-3] == "labs":
        return cells[:next(i for i, c in enumerate(cells) if "YOUR CODE HERE" in c.source)]
    if path.stem == "01_perceptron":
        return cells
    code = [i for i, c in enumerate(cells) if c.cell_type == "code"]
    return cells[:code[1] + 1]


def _edition_notebooks(folder: Path) -> list[Path]:
    return sorted((folder / "lectures").glob("*.ipynb")) + sorted((folder / "labs").glob("*/*.ipynb"))


EDITION = "student-edition"


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_student_edition_installs_alone_and_runs_every_notebook(copy: Course, tmp_path: Path,
                                                                proof_mode: str):
    """In a fresh venv holding only the edition's package: every module any notebook imports
    resolves; every notebook runs its Setup and first cells (a lab up to its first exercise, a
    lecture through its imports) and lecture 1 runs whole. (test_lectures runs every lecture
    whole, from the course.) With ``--proofs auto``, skipped while its inputs (packaging, the
    code that publishes, the cells it runs, the pinned versions) match its record."""
    notebooks = _edition_notebooks(ROOT)
    ran = [f"{nb.relative_to(ROOT)}\n" + "\n".join(c.source for c in _cells_run(nb)) for nb in notebooks]
    imports = sorted(_imported_modules(notebooks))
    digest = inputs_digest(ROOT, [*edition_inputs(ROOT), "tests/test_publish.py",
                                  "tests/test_setup_cell.py"], [*ran, *imports])
    if proof_mode == "auto" and matching(ROOT, EDITION, None, digest):
        pytest.skip(f"installed and ran at these inputs ({Record.path(ROOT, EDITION, None).name})")
    edition = tmp_path / "edition"
    assert publish(copy, edition).leaks == []
    venv = tmp_path / "venv"
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # pip's own cache (default location): a second run installs from it, not the network.
    subprocess.run([python, "-m", "pip", "install", "-q", f"{edition}[tf]", "ipykernel"], check=True)
    absent = subprocess.run([python, "-c", "import importlib.util as u; print([m for m in ('nbgrader', "
                             "'jupyterlab', 'notebook', 'jupytext', 'autograder') if u.find_spec(m)])"],
                            capture_output=True, text=True, check=True, cwd=tmp_path)
    assert absent.stdout.strip() == "[]"
    notebooks = _edition_notebooks(edition)
    wanted = sorted(_imported_modules(notebooks))
    missing = subprocess.run([python, "-c", "import importlib.util as u, sys; print([m for m in "
                              "sys.argv[1:] if u.find_spec(m) is None])", *wanted],
                             capture_output=True, text=True, check=True, cwd=tmp_path)
    assert "keras" in wanted and missing.stdout.strip() == "[]"
    env = {"NN_COURSE_FAST": "1", "MPLBACKEND": "Agg", "PYTHONPATH": ""}
    run_in = tmp_path / "student"  # outside the course: nnkit must come from the venv
    run_in.mkdir()
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        nb.cells = _cells_run(path)
        run_notebook(nb, _kernel(tmp_path, str(python), env), run_in, timeout=900)
    if proof_mode == "record":
        Record(EDITION, "-", digest, {"notebooks run": {"count": len(notebooks)}}).save(ROOT)
