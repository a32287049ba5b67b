"""The grading engine's own defences, without a kernel: canaries, tampering, safe reads, scores, ids, env."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import io
import math
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import nbformat
import pytest
from nbformat import NotebookNode

import autograder.engine.canaries as canaries_module
import autograder.engine.kernels as kernels
import autograder.engine.sandbox as sandbox
import autograder.engine.warm as warm
import autograder.submissions as submissions
from autograder.course import Course
from autograder.engine import devices
from autograder.engine.backend import LabSpec, slot_settings
from autograder.engine.canaries import FORGED, Canaries, plant, verdict
from autograder.engine.devices import KERAS_BACKENDS, THREAD_VARIABLES, plan, thread_caps
from autograder.engine.kernels import PRELOAD_ENV, ForkingProvisioner, Zygote
from autograder.engine.nbconfig import KERNEL_ENV
from autograder.engine.safeio import read_regular, regular_kind
from autograder.engine.sandbox import (
    ALLOWED_ENV,
    BOX,
    Limits,
    kernel_env,
    private_env,
    visible_paths,
)
from autograder.engine.worker import SETTINGS_ENV, CellScore, JobResult, SlotSettings
from autograder.grade import _invalid_scores, _Recorder
from autograder.ids import is_plain, safe_id
from autograder.submissions import Submission, find_submissions, tampering
from tests.conftest import ROOT

# --------------------------------------------------------------------------------------------
# A small notebook in nbgrader's shape: a solution cell, test cells, a manually graded answer.


def _cell(source: str, grade_id: str, *, grade: bool, solution: bool, kind: str = "code",
          points: float = 1) -> NotebookNode:
    make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    cell = make(source)
    cell.metadata["nbgrader"] = {"grade": grade, "solution": solution, "locked": not solution,
                                 "grade_id": grade_id, "schema_version": 3,
                                 **({"points": points} if grade else {})}
    return cell


def _notebook() -> NotebookNode:
    """Prose, a solution, three test cells and manually graded answers (text and code)."""
    return nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Lab"),
        _cell("def f(x):\n    return 2 * x", "answer", grade=False, solution=True),
        _cell("assert f(1) == 2", "test_a", grade=True, solution=False),
        nbformat.v4.new_code_cell("y = f(3)"),
        _cell("assert f(2) == 4", "test_b", grade=True, solution=False),
        _cell("Explain.", "essay", grade=True, solution=True, kind="markdown"),
        _cell("# plot it", "manual", grade=True, solution=True),
        _cell("assert f(0) == 0", "test_c", grade=True, solution=False),
    ])


def _is_test(cell: NotebookNode) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def _planted(nb: NotebookNode) -> list[int]:
    return [i for i, c in enumerate(nb.cells) if canaries_module._KEY in c.metadata]


def _run_honestly(cell: NotebookNode) -> None:
    """Give ``cell`` the outputs a truthful kernel would report for it (run here, no kernel)."""
    out = io.StringIO()
    cell.outputs = []
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(cell.source, "<canary>", "exec"), {})
    except Exception as exc:  # the failing canary must raise
        cell.outputs.append(nbformat.v4.new_output("error", ename=type(exc).__name__,
                                                   evalue=str(exc), traceback=[]))
    if out.getvalue():
        cell.outputs.insert(0, nbformat.v4.new_output("stream", name="stdout", text=out.getvalue()))


def _executed(nb: NotebookNode) -> NotebookNode:
    for i in _planted(nb):
        _run_honestly(nb.cells[i])
    return nb


def _canary(nb: NotebookNode, role: str) -> NotebookNode:
    return next(c for c in nb.cells if c.metadata.get(canaries_module._KEY) == role)


# --- canaries --------------------------------------------------------------------------------


def test_canaries_are_two_hidden_ungraded_cells_right_after_random_test_cells() -> None:
    """Each canary follows a real test cell (never a solution or prose), looks like a hidden
    test, carries no nbgrader metadata (it never scores) and its values change every time."""
    spots, tokens = set(), set()
    for _ in range(40):
        nb = _notebook()
        original = [c.source for c in nb.cells]
        found = plant(nb)
        planted = _planted(nb)
        assert len(planted) == 2
        for i in planted:
            cell = nb.cells[i]
            assert "nbgrader" not in cell.metadata and cell.cell_type == "code"
            assert cell.source.startswith("### BEGIN HIDDEN TESTS\n")
            assert cell.source.endswith("### END HIDDEN TESTS")
            assert _is_test(nb.cells[i - 1]) and not _is_test(cell)
        roles = {nb.cells[i].metadata[canaries_module._KEY] for i in planted}
        assert roles == {"fails", "prints"}
        assert found.token in _canary(nb, "fails").source
        assert found.value not in _canary(nb, "prints").source  # computed, not written out
        assert [c.source for i, c in enumerate(nb.cells) if i not in planted] == original
        spots.add(tuple(planted))
        tokens.add(found.token)
    assert len(tokens) == 40 and len(spots) > 1


def test_canaries_go_at_the_end_of_a_notebook_without_test_cells() -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Notes"),
                                         nbformat.v4.new_code_cell("x = 1")])
    plant(nb)
    assert _planted(nb) == [2, 3]


def test_a_truthful_kernel_passes_the_canaries_and_they_leave_no_trace() -> None:
    nb = _notebook()
    before = [c.source for c in nb.cells]
    found = plant(nb)
    _executed(nb)
    assert _canary(nb, "fails").outputs[-1]["ename"] == "AssertionError"
    assert verdict(nb, found) is None
    assert [c.source for c in nb.cells] == before and not _planted(nb)


def _reports_success(nb: NotebookNode) -> None:
    _canary(nb, "fails").outputs = []


def _wrong_token(nb: NotebookNode) -> None:
    _canary(nb, "fails").outputs[-1]["evalue"] = "0123456789abcdef"


def _wrong_value(nb: NotebookNode) -> None:
    _canary(nb, "prints").outputs = [nbformat.v4.new_output("stream", name="stdout", text="42\n")]


def _prints_nothing(nb: NotebookNode) -> None:
    _canary(nb, "prints").outputs = []


def _value_on_stderr(nb: NotebookNode) -> None:
    _canary(nb, "prints").outputs[0]["name"] = "stderr"


def _canary_dropped(nb: NotebookNode) -> None:
    nb.cells.remove(_canary(nb, "prints"))


def _canary_added(nb: NotebookNode) -> None:
    nb.cells.append(nbformat.from_dict({**_canary(nb, "prints"), "id": "copy"}))


@pytest.mark.parametrize("forge", [_reports_success, _wrong_token, _wrong_value, _prints_nothing,
                                   _value_on_stderr, _canary_dropped, _canary_added])
def test_a_forged_reply_to_either_canary_is_caught(forge: Callable[[NotebookNode], None]) -> None:
    nb = _notebook()
    found = plant(nb)
    _executed(nb)
    forge(nb)
    assert verdict(nb, found) == FORGED
    assert not _planted(nb)


@pytest.mark.parametrize("ename", ["CellTimeoutError", "KeyboardInterrupt", "DeadKernelError"])
def test_a_canary_cut_short_by_a_timeout_or_a_dead_kernel_proves_nothing(ename: str) -> None:
    """A slow machine or a crash is not a forgery; a canary that did run must still be right."""
    nb = _notebook()
    found = plant(nb)
    _executed(nb)
    for cell in (_canary(nb, "fails"), _canary(nb, "prints")):
        cell.outputs = [nbformat.v4.new_output("error", ename=ename, evalue="", traceback=[])]
    assert verdict(nb, found) is None
    nb = _notebook()
    found = plant(nb)
    _executed(nb)
    _canary(nb, "fails").outputs = [nbformat.v4.new_output("error", ename=ename, evalue="",
                                                           traceback=[])]
    _wrong_value(nb)
    assert verdict(nb, found) == FORGED


def test_canaries_from_another_run_do_not_pass() -> None:
    nb = _notebook()
    plant(nb)
    _executed(nb)
    assert verdict(nb, Canaries("feedfacefeedface", "1")) == FORGED


# --- tampering -------------------------------------------------------------------------------


@pytest.fixture
def released(tmp_path: Path) -> Path:
    path = tmp_path / "release" / "lab.ipynb"
    path.parent.mkdir()
    nbformat.write(_notebook(), path)
    return path


def _bytes(nb: NotebookNode) -> bytes:
    return nbformat.writes(nb).encode("utf-8")


def _by_id(nb: NotebookNode, grade_id: str) -> NotebookNode:
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def test_an_honest_notebook_needs_no_look(released: Path) -> None:
    nb = _notebook()
    _by_id(nb, "answer").source = ("import numpy as np\nsession = {'fit': 1}  # my sessions\n"
                                   "def f(x):\n    return np.multiply(2, x)")
    nb.cells.insert(1, nbformat.v4.new_markdown_cell("I read about ipykernel and /proc/ today."))
    assert tampering(_bytes(nb), released) is None


def test_deleted_stripped_duplicated_and_retyped_cells_are_named(released: Path) -> None:
    nb = _notebook()
    nb.cells.remove(_by_id(nb, "test_b"))
    _by_id(nb, "test_c").metadata = {}
    answer = _by_id(nb, "answer")
    nb.cells.insert(nb.cells.index(answer), nbformat.from_dict({**answer, "id": "copy"}))
    test_a = _by_id(nb, "test_a")
    nb.cells[nb.cells.index(test_a)] = nbformat.v4.new_markdown_cell(test_a.source,
                                                                     metadata=test_a.metadata)
    why = tampering(_bytes(nb), released)
    assert why == ("tampered notebook: cells deleted or stripped of metadata: test_b, test_c; "
                   "cells duplicated: answer; cells changed in type: test_a")


@pytest.mark.parametrize("code", [
    "import ipykernel", "from jupyter_client.session import Session", "import zmq",
    "get_ipython().run_cell('x')", "ip.showtraceback = lambda *a: None", "import sqlite3",
    "open('../gradebook.db')", "json.dumps = lambda *a, **k: '{}'", "sys.modules['numpy'] = fake",
    "open('/proc/1/mem')", "get_ipython().kernel.shell", "get_ipython().events.register",
    "get_ipython().ast_transformers.append(t)", "get_ipython().input_transformers_post",
])
def test_code_that_reaches_into_the_kernel_or_the_grader_is_flagged(released: Path,
                                                                    code: str) -> None:
    nb = _notebook()
    _by_id(nb, "answer").source += "\n" + code
    why = tampering(_bytes(nb), released)
    assert why is not None and why.startswith("tampered notebook: code touches the kernel")


# --- safe reading --------------------------------------------------------------------------


def _finishes(call: Callable[[], Any], seconds: float = 10) -> Any:
    """``call()``'s value; fails the test if it blocks (a read of a pipe would)."""
    box: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: box.setdefault("value", call()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "blocked (waiting on a pipe?)"
    return box["value"]


def test_read_regular_reads_only_small_regular_files(tmp_path: Path) -> None:
    target = tmp_path / "real.ipynb"
    target.write_bytes(b"x" * 100)
    (tmp_path / "link.ipynb").symlink_to(target)
    (tmp_path / "folder").mkdir()
    os.mkfifo(tmp_path / "pipe.ipynb")
    assert read_regular(target, 100) == b"x" * 100
    assert read_regular(target, 99) is None
    assert read_regular(tmp_path / "link.ipynb", 1000) is None
    assert read_regular(tmp_path / "folder", 1000) is None
    assert read_regular(tmp_path / "missing", 1000) is None
    assert _finishes(lambda: read_regular(tmp_path / "pipe.ipynb", 1000)) is None
    assert regular_kind(target) is None
    assert regular_kind(tmp_path / "link.ipynb") == "a link, not a notebook"
    assert regular_kind(tmp_path / "folder") == "a folder"
    assert regular_kind(tmp_path / "pipe.ipynb").startswith("not a regular file")
    assert regular_kind(tmp_path / "missing") == "missing"


def test_find_submissions_reads_each_layout_and_refuses_what_is_not_a_notebook(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Links, pipes, oversize files, dot files, checkpoints and misnamed or doubled hand-ins:
    every student gets a row, only regular files are read, and nothing blocks."""
    good = _bytes(_notebook())
    secret = tmp_path / "solutions"
    secret.mkdir()
    (secret / "lab.ipynb").write_bytes(good)
    subs = tmp_path / "subs"
    files = {"ada/lab.ipynb": good, "ben/lab/lab.ipynb": good, "cat.ipynb": good,
             "eve/my_lab_final.ipynb": good, "gus/lab.ipynb": b"{ not json",
             "ivy/lab.ipynb": good, "ivy.ipynb": good, "jo/a/lab.ipynb": good,
             "jo/b/lab.ipynb": good, "kim/.ipynb_checkpoints/lab.ipynb": good,
             "zoë/lab.ipynb": good, "big/lab.ipynb": good + b" " * 2000,
             "notes.txt": b"hello", ".hidden.ipynb": good, ".git/lab.ipynb": good,
             "__MACOSX/ada/lab.ipynb": good}
    for name, data in files.items():
        (subs / name).parent.mkdir(parents=True, exist_ok=True)
        (subs / name).write_bytes(data)
    (subs / "hal").mkdir()
    (subs / "dan").mkdir()
    (subs / "dan" / "lab.ipynb").symlink_to(secret / "lab.ipynb")
    (subs / "lee").mkdir()
    (subs / "lee" / "sub").symlink_to(secret, target_is_directory=True)
    (subs / "max").symlink_to(secret, target_is_directory=True)
    (subs / "ned.ipynb").symlink_to(secret / "lab.ipynb")
    (subs / "fay").mkdir()
    os.mkfifo(subs / "fay" / "lab.ipynb")
    os.mkfifo(subs / "pat.ipynb")
    monkeypatch.setattr(submissions, "MAX_NOTEBOOK_BYTES", len(good) + 1000)

    found = {s.student: s for s in _finishes(lambda: find_submissions(subs, "lab.ipynb"))}
    problems = {student: s.problem for student, s in found.items()}
    zoe = safe_id("zoë")
    assert set(found) == {"ada", "ben", "cat", "dan", "eve", "fay", "gus", "hal", "ivy", "jo",
                          "kim", "lee", "max", "ned", "notes.txt", "pat", "big", zoe}
    for student in ("ada", "ben", "cat", zoe):
        assert problems[student] is None and found[student].notebook == good
    assert found[zoe].name == "zoë"
    assert problems["dan"] == problems["max"] == problems["ned"] == "a link, not a notebook"
    assert problems["fay"].startswith("not a regular file") and problems["pat"] == problems["fay"]
    assert problems["lee"] == problems["kim"] == problems["hal"] == (
        "missing notebook: no lab.ipynb was handed in")
    assert problems["big"].startswith("notebook larger than")
    assert problems["eve"] == "misnamed file: expected lab.ipynb, found my_lab_final.ipynb"
    assert problems["gus"].startswith("not a valid notebook")
    assert problems["ivy"] == "handed in twice (ivy, ivy.ipynb); keep one"
    assert problems["jo"] == "2 copies of lab.ipynb; hand in one"
    assert problems["notes.txt"] == "not a notebook: notes.txt"
    for student, sub in found.items():  # only regular files were read
        assert sub.notebook in (None, good, b"{ not json"), student
        assert (sub.notebook is None) == (problems[student] is not None and student != "gus")


def test_a_missing_submissions_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no folder of submissions"):
        find_submissions(tmp_path / "nowhere", "lab.ipynb")


# --- scores a job returns --------------------------------------------------------------------

EXPECTED = {("lab", "test_a"): 2.0, ("lab", "test_b"): 3.0}


def _scores(**changes: Any) -> list[CellScore]:
    """Valid scores for :data:`EXPECTED`, with ``test_a``'s fields changed by ``changes``."""
    return [dataclasses.replace(CellScore("lab", "test_a", 2.0, 2.0, False), **changes),
            CellScore("lab", "test_b", 1.5, 3.0, False)]


@pytest.mark.parametrize("scores", [
    _scores(), _scores(auto_score=0.0), _scores(auto_score=0), _scores(auto_score=None),
    [CellScore("lab", "test_b", 3, 3.0, True), CellScore("lab", "test_a", 1.0, 2.0, False)],
])
def test_valid_scores_are_recorded(scores: list[CellScore]) -> None:
    assert _invalid_scores(scores, EXPECTED) is None


@pytest.mark.parametrize(("scores", "why"), [
    (_scores(cell="test_z"), "unexpected cell 'test_z'"),
    (_scores(notebook="other"), "unexpected cell 'test_a'"),
    ([*_scores(), CellScore("lab", "test_a", 0.0, 2.0, False)], "unexpected cell 'test_a'"),
    (_scores()[1:], "cells missing from the result"),
    ([], "cells missing from the result"),
    (_scores(auto_score=math.nan), "score out of range for cell 'test_a'"),
    (_scores(auto_score=math.inf), "score out of range for cell 'test_a'"),
    (_scores(auto_score=-math.inf), "score out of range for cell 'test_a'"),
    (_scores(auto_score=-0.5), "score out of range for cell 'test_a'"),
    (_scores(auto_score=2.01), "score out of range for cell 'test_a'"),
    (_scores(auto_score=True), "score out of range for cell 'test_a'"),
    (_scores(auto_score="2"), "score out of range for cell 'test_a'"),
    (_scores(max_score=20.0, auto_score=20.0), "wrong maximum for cell 'test_a'"),
    (_scores(max_score=math.nan), "wrong maximum for cell 'test_a'"),
    (_scores(max_score=2), "wrong maximum for cell 'test_a'"),
])
def test_odd_scores_are_refused_with_a_reason(scores: list[CellScore], why: str) -> None:
    assert _invalid_scores(scores, EXPECTED) == why


def test_a_result_with_odd_scores_becomes_a_zero_with_a_reason(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               released: Path) -> None:
    """The coordinator records no score of a result it cannot trust, for that student alone,
    and still looks for tampering in the notebook handed in."""
    honest = Submission("ada", "ada", _bytes(_notebook()))
    nb = _notebook()
    _by_id(nb, "answer").source += "\nimport ipykernel"
    sly = Submission("eve", "eve", _bytes(nb))
    batch = SimpleNamespace(fresh=[honest, sly], ready=[honest, sly], lab="lab",
                            release=released)
    saved: dict[str, tuple[JobResult, str | None]] = {}
    monkeypatch.setattr(_Recorder, "_save", lambda self, sub, result, why:
                        saved.__setitem__(sub.student, (result, why)))
    recorder = _Recorder(None, batch, EXPECTED, None, progress=False)  # type: ignore[arg-type]
    recorder.result(JobResult("ada", _scores(), None, 1.0))
    recorder.result(JobResult("eve", _scores(auto_score=1e9), None, 1.0))
    assert saved["ada"] == (JobResult("ada", _scores(), None, 1.0), "")
    result, why = saved["eve"]
    assert result.scores == [] and not result.graded
    assert result.reason == ("the grading job returned invalid scores (score out of range for "
                             "cell 'test_a')")
    assert why is not None and why.startswith("tampered notebook: code touches the kernel")
    assert why.endswith("; " + result.reason)


# --- student ids -----------------------------------------------------------------------------

PLAIN = ["ada", "jdoe@example.edu", "a.b+c-d_e", "S001", "x" * 64, "Ada"]
ODD = ["zoë", "Zoë Li", "Zoe Li", "zoe li", "ZOË LI", "zoe\u0308", "-rf", "--help", "../x", "..",
       ".", ".hidden", "a/b", "/etc/passwd", "a\\b", "..\\..\\x", "C:\\x", "", " ", "o'brien",
       'say "hi"', "x" * 65, "名字", "王小明", "a b", "a\nb", "a\x00b", "~", "ada~", "-", "_x",
       "\udcff", "ada ", " ada", "Ada\u200b", "zoë_li~" + "0" * 15]
SAFE = re.compile(r"^[a-z0-9_]+~[0-9a-f]{15}$")


@pytest.mark.parametrize("student", PLAIN)
def test_a_plain_id_is_its_own_folder_name(student: str) -> None:
    assert is_plain(student) and safe_id(student) == student and "~" not in student


@pytest.mark.parametrize("student", ODD)
def test_an_odd_id_gets_a_safe_folder_name_inside_the_folder(student: str, tmp_path: Path) -> None:
    name = safe_id(student)
    assert not is_plain(student) and SAFE.match(name), name
    assert len(name) <= 64 and not name.startswith(("-", ".")) and name == safe_id(student)
    folder = tmp_path / name
    folder.mkdir()
    assert folder.resolve().parent == tmp_path.resolve()


def test_the_id_map_is_one_to_one() -> None:
    """Texts that slug alike, differ in case or normalization, or copy another's safe name,
    still get folders of their own; a plain id can never equal an odd id's name."""
    texts = PLAIN + ODD + [safe_id("zoë"), safe_id("Zoë Li"), "zoe_li", "zoe-li", "zoe.li"]
    names = [safe_id(t) for t in texts]
    assert len(set(texts)) == len(texts) and len(set(names)) == len(names)
    assert safe_id(safe_id("zoë")) != safe_id("zoë")


# --- the environment and the paths a kernel sees ---------------------------------------------

#: What must not reach a kernel; the values of the first four appear nowhere else.
SECRETS = {"AWS_SECRET_ACCESS_KEY": "s3cr3t", "NN_COURSE_DB": "postgresql://u:pw@db/x",
           "GITHUB_TOKEN": "ghp_x", "LD_PRELOAD": "/tmp/evil.so",
           "NN_COURSE_WORK": "/work/grading", "NN_COURSE_ROOT": "/work/main",
           "PYTHONPATH": "/work/main/solutions", "PYTHONSTARTUP": "/tmp/x.py",
           "SSH_AUTH_SOCK": "/tmp/agent",
           SETTINGS_ENV: "{}", PRELOAD_ENV: "numpy", "VIRTUAL_ENV": "/work/main/.venv",
           "PYTHONHOME": "/x", "JUPYTER_CONFIG_DIR": "/root/.jupyter", "lang": "C",
           "TF_TOKEN_app_terraform_io": "tf-secret", "LC_NOTE": "an instructor's note"}


def test_kernel_env_keeps_the_allow_list_and_drops_everything_else() -> None:
    allowed = {name: "1" for name in ALLOWED_ENV} | {"LC_ALL": "C.UTF-8", "TF_CPP_MIN_LOG_LEVEL": "3"}
    assert kernel_env({**allowed, **SECRETS}) == allowed


def _engine_envs(monkeypatch: pytest.MonkeyPatch,
                 tmp_path: Path) -> Iterator[tuple[str, str, int, SlotSettings]]:
    """Every slot environment the engine builds, per Keras backend, device choice and GPU count."""
    monkeypatch.setenv("NN_COURSE_CACHE", str(tmp_path / "cache"))
    for name in (*THREAD_VARIABLES, "XLA_FLAGS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(devices, "cpu_only", lambda backend: None)  # only changes a message
    for backend in KERAS_BACKENDS:
        for choice in ("auto", "gpu", "cpu"):
            for gpus in (0, 1, 2):
                monkeypatch.setattr(devices, "gpu_count", lambda n=gpus: n)
                lab = LabSpec("lab", "d", "v", ("numpy",), False, device=choice,
                              keras_backend=backend)
                for settings in slot_settings(lab, 3)[0]:
                    yield backend, choice, gpus, settings


def test_every_variable_the_engine_sets_for_a_kernel_passes_the_allow_list(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Device plans (TensorFlow, JAX, PyTorch; CPU and GPUs), thread caps, nbgrader's kernel
    environment and the kernel's private folders: none is dropped on the way into the sandbox
    (only the worker's own list of modules to preload is not for kernels)."""
    seen = set()
    for backend, choice, gpus, settings in _engine_envs(monkeypatch, tmp_path):
        env = {**settings.env, **KERNEL_ENV, **private_env(BOX),
               "JUPYTER_RUNTIME_DIR": "/tmp/ag/s0/runtime", "PATH": "/usr/bin"}
        env.pop(PRELOAD_ENV)
        assert kernel_env(env) == env, (backend, choice, gpus)
        seen |= set(env)
    assert {"KERAS_BACKEND", "CUDA_VISIBLE_DEVICES", "JAX_PLATFORMS", "XLA_FLAGS",
            "XLA_PYTHON_CLIENT_PREALLOCATE", "TF_FORCE_GPU_ALLOW_GROWTH", "NN_COURSE_CACHE",
            *THREAD_VARIABLES} <= seen
    assert set(thread_caps(4, cores=2)) <= seen
    assert all(set(kernel_env(p.env_for(i))) == set(p.env_for(i))
               for backend in KERAS_BACKENDS for p in (plan("gpu", 2, backend), plan("cpu", 0, backend))
               for i in range(2))


class _Started(Exception):
    """Raised by a fake ``Popen`` once it has seen what would have been started."""


def _capture_popen(monkeypatch: pytest.MonkeyPatch, module: Any) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def popen(command: list[str], **kwargs: Any) -> None:
        seen.update(kwargs, command=command)
        raise _Started

    monkeypatch.setattr(module.subprocess, "Popen", popen)
    return seen


def test_the_worker_zygote_and_kernel_environments_hold_only_the_allow_list(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """From the instructor's shell (with secrets in it) to the worker, its sandboxed zygote and
    a kernel: each variable the engine adds reaches the kernel, nothing else of the shell does."""
    settings = next(s for *_, s in _engine_envs(monkeypatch, tmp_path))
    for name in list(os.environ):
        monkeypatch.delenv(name)
    shell = {"HOME": "/root", "PATH": "/usr/bin", "LANG": "C.UTF-8", **SECRETS}
    for name, value in shell.items():
        monkeypatch.setenv(name, value)
    seen = _capture_popen(monkeypatch, warm)
    with pytest.raises(_Started):
        warm.Slot(tmp_path / "slot", settings).start()
    worker = seen["env"]
    assert seen["command"][:3] == [sys.executable, "-P", "-m"]
    added = {k for k in worker if shell.get(k) != worker[k]} - {SETTINGS_ENV, PRELOAD_ENV}
    assert added and set(kernel_env(worker)) >= added

    # the worker: nbgrader's kernel environment, its settings taken out (engine.worker._serve)
    worker = {**KERNEL_ENV, **worker}
    worker.pop(SETTINGS_ENV)
    for name in list(os.environ):
        monkeypatch.delenv(name)
    for name, value in worker.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(kernels, "bubblewrap", lambda: "/usr/bin/bwrap")
    monkeypatch.setattr(sandbox, "bubblewrap", lambda: "/usr/bin/bwrap")
    seen = _capture_popen(monkeypatch, kernels)
    runtime = tmp_path / "slot" / "runtime"
    with pytest.raises(_Started):
        Zygote(["numpy"], runtime, Limits(), (str(tmp_path / "cache"),)).start()
    zygote, command = seen["env"], seen["command"]
    assert zygote == {**kernel_env(worker), **private_env(BOX)}
    assert set(zygote) >= (added | set(KERNEL_ENV)) and not set(zygote) & set(SECRETS)
    assert command[:2] == ["/usr/bin/bwrap", "--clearenv"]
    setenv = {command[i + 1]: command[i + 2] for i, arg in enumerate(command) if arg == "--setenv"}
    assert setenv == zygote
    assert not any(value in arg for value in list(SECRETS.values())[:4] for arg in command)

    # a kernel the zygote forks: nbgrader's environment, filtered again, in its private folders
    forked: dict[str, Any] = {}
    zygote_stub = SimpleNamespace(box=BOX, runtime=runtime,
                                  fork=lambda argv, env, cwd: forked.update(argv=argv, env=env,
                                                                            cwd=cwd)
                                  or SimpleNamespace(pid=4242))
    monkeypatch.setattr(kernels, "_zygote", zygote_stub)
    provisioner = ForkingProvisioner(kernel_id="k", kernel_spec=None, parent=None)
    launch = [sys.executable, "-m", "ipykernel_launcher", "-f", str(runtime / "k.json")]
    asyncio.run(provisioner.launch_kernel(launch, env={**worker, **SECRETS}))
    assert forked["env"] == {**kernel_env(worker), **private_env(BOX)}
    assert forked["argv"] == launch[3:] and forked["cwd"] == str(BOX / "work")
    with pytest.raises(RuntimeError, match="refused to start a kernel"):
        asyncio.run(provisioner.launch_kernel(["/bin/sh", "-c", "id"], env={}))


def _shows(path: str, folder: Path, *, part: bool) -> bool:
    """Whether the sandbox path ``path`` shows all of ``folder`` (or, with ``part``, any of it)."""
    shown = Path(os.path.realpath(path))
    target = Path(os.path.realpath(folder))
    return shown == target or shown in target.parents or (part and target in shown.parents)


@pytest.mark.parametrize("work", ["tmp", "grading"])
def test_the_sandbox_shows_nothing_of_the_solutions_the_repository_or_the_working_folder(
        tmp_path: Path, work: str) -> None:
    course = Course(ROOT, tmp_path / "work" if work == "tmp" else ROOT / "grading")
    cache = tmp_path / "cache"
    cache.mkdir()
    shown = visible_paths([cache])
    course_only = [course.root / "solutions", course.root / ".git", course.work, course.gradebook,
                   course.root / "solutions" / "lab1" / "mistakes.json", course.root / "labs"]
    system = [course.root, Path("/root"), Path("/home"), Path("/tmp"), Path("/etc/shadow"),
              Path("/etc"), Path("/")]
    for path in shown:
        for folder in course_only:
            assert not _shows(path, folder, part=True), (path, folder)
        for folder in system:
            assert not _shows(path, folder, part=False), (path, folder)
    assert str(cache) in shown and sys.prefix in shown


def test_the_course_version_covers_the_grading_configuration_and_the_libraries(monkeypatch):
    """A Dask worker whose nbgrader configuration or libraries differ would score differently:
    its course version must differ too (it is refused then)."""
    from importlib import metadata

    from autograder.engine import backend

    before = backend.course_version()
    read = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes",
                        lambda self: read(self) + (b"# edited" if self.name == "nbconfig.py" else b""))
    assert backend.course_version() != before
    monkeypatch.undo()
    version = metadata.version
    monkeypatch.setattr(backend.metadata, "version",
                        lambda name: "0.0.1" if name == "nbgrader" else version(name))
    assert backend.course_version() != before


def test_requests_and_replies_between_slot_and_worker_are_typed_and_checked():
    from autograder.engine.worker import Reply, Request

    request = Request("lab1", "ann", 30, 30.0, "judge = None", 7)
    assert Request.from_line(request.to_line()) == request
    for line in ("[]", '{"ok": "yes"}', "nonsense"):
        with pytest.raises(ValueError):
            Reply.from_line(line)
    assert Reply.from_line('{"ok": true, "forged": 3, "device": []}') == Reply(True)
