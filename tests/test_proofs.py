"""Proofs keyed by their inputs: the digest follows exactly what a proof depends on, records
round-trip and catch a contradicting replay, smoke proofs cover every mistake over landings."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from autograder import proofs
from autograder.cli import main
from autograder.course import Course
from autograder.verify import lab_digest, simulated_students
from tests.conftest import ROOT

#: A copy of the course with everything a lab's digest may read, and things it must not.
PARTS = ("solutions/lab1", "labs/lab1", "solutions/lab2", "labs/lab2", "nnkit", "data/coursedata",
         "autograder", "nbgrader_config.py", proofs.LOCK, "README.md", "lectures/01_perceptron.py")


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy for the module; a test that changes a file puts it back."""
    root = tmp_path_factory.mktemp("proofs") / "course"
    for part in PARTS:
        source, target = ROOT / part, root / part
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)
    return root


def _digest(root: Path, backend: str = "tensorflow") -> str:
    return proofs.inputs_digest(root, proofs.lab_inputs(root, "lab1"), [backend])


@pytest.mark.parametrize(("changed", "counts"), [
    ("solutions/lab1/mistakes.json", True),
    ("labs/lab1/lab1.ipynb", True),
    ("nnkit/__init__.py", True),
    ("data/coursedata/toy.py", True),
    ("autograder/engine/sandbox.py", True),
    ("autograder/grade.py", True),
    ("autograder/simulate.py", True),
    ("nbgrader_config.py", True),
    (proofs.LOCK, True),
    ("solutions/lab2/mistakes.json", False),
    ("labs/lab2/lab2.ipynb", False),
    ("lectures/01_perceptron.py", False),
    ("README.md", False),
    ("autograder/cli.py", False),
    ("autograder/lms.py", False),
])
def test_a_lab_digest_changes_with_its_inputs_only(tree: Path, changed: str, counts: bool):
    before, path = _digest(tree), tree / changed
    original = path.read_bytes()
    try:
        path.write_bytes(original + b"\n")
        assert (_digest(tree) != before) is counts
    finally:
        path.write_bytes(original)


def test_a_new_file_in_a_lab_and_the_backend_count(tree: Path):
    before = _digest(tree)
    assert _digest(tree, "jax") != before
    new = tree / "solutions" / "lab1" / "references" / "new.json"
    new.write_text("{}")
    try:
        assert _digest(tree) != before
    finally:
        new.unlink()


def test_the_code_closure_follows_imports_anywhere(tmp_path: Path):
    tree = tmp_path / "course"
    shutil.copytree(ROOT / "autograder", tree / "autograder",
                    ignore=shutil.ignore_patterns("__pycache__"))
    names = {p.relative_to(tree).as_posix() for p in proofs.code_closure(tree, ["autograder.verify"])}
    assert {"autograder/grade.py", "autograder/simulate.py", "autograder/engine/__init__.py",
            "autograder/submissions.py", "autograder/ids.py", "autograder/__init__.py"} <= names
    assert not names & {"autograder/cli.py", "autograder/lms.py", "autograder/feedback.py"}
    (tree / "autograder" / "simulate.py").write_text(
        (tree / "autograder" / "simulate.py").read_text() + "\n\ndef later():\n"
        "    from autograder import lms  # imported inside a function\n")
    later = {p.relative_to(tree).as_posix() for p in proofs.code_closure(tree, ["autograder.verify"])}
    assert "autograder/lms.py" in later


def test_listed_inputs_are_what_git_would_commit(tmp_path: Path):
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    (tmp_path / ".gitignore").write_text("ignored.txt\n")
    (tmp_path / "pkg" / "__pycache__").mkdir(parents=True)
    for name in ("tracked.py", "new.py", "ignored.txt", "__pycache__/x.pyc"):
        (tmp_path / "pkg" / name).write_text(name)
    subprocess.run([*git, "add", "pkg/tracked.py"], check=True)
    listed = {p.name for p in proofs._listed(tmp_path, ["pkg"])}
    assert listed == {"tracked.py", "new.py"}
    before = proofs.inputs_digest(tmp_path, ["pkg"])
    (tmp_path / "pkg" / "ignored.txt").write_text("changed")
    assert proofs.inputs_digest(tmp_path, ["pkg"]) == before


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the checkout to another user")
def test_a_checkout_another_user_owns_is_still_read(tmp_path: Path):
    """git refuses a repository another user owns ("dubious ownership") unless told it is safe."""
    subprocess.run(["git", "-C", str(tmp_path), "init", "-q"], check=True)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("a")
    for path in (tmp_path, *tmp_path.rglob("*")):
        os.lchown(path, 65534, 65534)
    assert [p.name for p in proofs._listed(tmp_path, ["pkg"])] == ["a.py"]
    assert proofs.commit_seed(tmp_path) == 0   # no commit yet, and no error


def test_a_record_round_trips_and_names_what_a_replay_contradicts(tmp_path: Path):
    record = proofs.Record("lab1", "tensorflow", "abc", {
        "solution": {"score": 20.0, "max": 20.0, "lost": []},
        "mistake01": {"score": 15.0, "max": 20.0, "lost": ["test_fit"]}})
    path = record.save(tmp_path)
    assert path == tmp_path / "proofs" / "lab1.tensorflow.json"
    assert proofs.Record.load(tmp_path, "lab1", "tensorflow") == record
    assert proofs.matching(tmp_path, "lab1", "tensorflow", "abc") == record
    assert proofs.matching(tmp_path, "lab1", "tensorflow", "abd") is None
    assert proofs.matching(tmp_path, "lab1", "jax", "abc") is None
    same = {"solution": {"score": 20.0, "max": 20.0, "lost": []},
            "mistake09": {"score": 0.0, "max": 20.0, "lost": ["x"]}}   # not in the record
    assert record.contradictions(same) == []
    other = {"mistake01": {"score": 17.0, "max": 20.0, "lost": ["test_fit"]}}
    assert len(record.contradictions(other)) == 1 and "mistake01" in record.contradictions(other)[0]
    path.write_text("not json")
    assert proofs.Record.load(tmp_path, "lab1", "tensorflow") is None


@pytest.mark.parametrize(("mode", "matches", "default", "smoke"), [
    ("auto", True, True, True), ("auto", False, True, False), ("auto", False, False, True),
    ("auto", True, False, True), ("full", True, True, False), ("record", True, True, False),
    ("smoke", False, True, True)])
def test_auto_replays_in_part_only_what_its_record_proves(mode: str, matches: bool, default: bool,
                                                          smoke: bool):
    assert proofs.replays_in_part(mode, matches, default) is smoke


def test_smoke_proofs_cover_every_mistake_over_landings():
    course = Course(ROOT, ROOT / "grading")
    names = list(simulated_students(course, "lab1"))
    mistakes = {n for n in names if n.startswith("mistake")}
    seen: set[str] = set()
    for seed in range(60):
        chosen = proofs.smoke_students(names, seed)
        assert chosen == proofs.smoke_students(reversed(names), seed)   # the seed decides
        assert {"solution", "release", "visible-only"} <= chosen
        assert len([n for n in chosen if n.startswith("reference-")]) == 1
        assert len(chosen & mistakes) == proofs.SMOKE_MISTAKES
        seen |= chosen
    assert mistakes <= seen


def test_the_commit_picks_the_smoke_proof(tmp_path: Path):
    assert proofs.commit_seed(tmp_path) == 0   # not a git checkout
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True)
    if head.returncode == 0:
        assert proofs.commit_seed(ROOT) == int(head.stdout[:12], 16)


def test_verify_digest_says_whether_the_record_matches(capsys: pytest.CaptureFixture[str]):
    assert main(["verify", "lab1", "--digest", "--backend", "tensorflow"]) == 0
    out = capsys.readouterr().out
    course = Course(ROOT, ROOT / "grading")
    assert out.startswith(lab_digest(course, "lab1", "tensorflow"))
    record = proofs.Record.load(ROOT, "lab1", "tensorflow")
    state = ("no record" if record is None else "the record matches"
             if record.digest == lab_digest(course, "lab1", "tensorflow") else "the record is stale")
    assert state in out
    assert main(["verify", "no_such_lab", "--digest"]) == 2


def test_committed_records_are_well_formed():
    """Every record names a proof the course has, on a backend, with outcomes that passed."""
    labs = set(Course(ROOT, ROOT / "grading").lab_names())
    lectures = {f"lecture-{p.stem}" for p in (ROOT / "lectures").glob("*.ipynb")}
    for path in sorted((ROOT / proofs.RECORDS).glob("*.json")):
        data = json.loads(path.read_text())
        assert path.name == f"{data['name']}.{data['backend']}.json"
        assert data["name"] in labs | lectures | {"student-edition"}, path.name
        assert len(data["digest"]) == 64 and data["outcomes"], path.name


def _graded(students: list[str], score: float) -> list:
    from autograder.verify import Outcome
    return [Outcome(s, s, score, 20.0, [], True) for s in students]


def test_prove_replays_a_matching_record_and_fails_when_the_replay_disagrees(
        tree: Path, monkeypatch: pytest.MonkeyPatch):
    """``prove`` without grading: a stand-in ``verify`` says who was graded and how."""
    import autograder.verify as verify_module

    course = Course(tree, tree / "grading")
    graded: list[set[str] | None] = []

    def fake_verify(course, lab, progress=True, keras_backend=None, only=None, plain=False):
        graded.append(None if only is None else set(only))
        return _graded(sorted(only or simulated_students(course, lab)), score)

    monkeypatch.setattr(verify_module, "verify", fake_verify)
    score = 20.0
    stale = verify_module.prove(course, "lab1", mode="auto", keras_backend="tensorflow")
    assert stale.kind == "full" and graded[-1] is None and stale.recorded is None
    made = verify_module.prove(course, "lab1", mode="record", keras_backend="tensorflow")
    assert made.recorded == proofs.Record.path(tree, "lab1", "tensorflow") and made.ok
    try:
        again = verify_module.prove(course, "lab1", mode="auto", keras_backend="tensorflow", seed=3)
        assert again.kind == "smoke" and again.ok
        assert graded[-1] == proofs.smoke_students(simulated_students(course, "lab1"), 3)
        score = 19.0   # the same inputs, another outcome: the replay contradicts the record
        broken = verify_module.prove(course, "lab1", mode="auto", keras_backend="tensorflow", seed=3)
        assert not broken.ok and len(broken.contradictions) == len(graded[-1])
        score = 20.0
        jax = verify_module.prove(course, "lab1", mode="auto", keras_backend="jax")
        assert jax.kind == "smoke" and not jax.contradictions   # no record on JAX: expectations only
    finally:
        made.recorded.unlink()
