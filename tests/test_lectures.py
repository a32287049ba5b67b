"""Every lecture runs top to bottom, offline, in fast mode, without errors or stderr noise, on
every Keras backend it can use: all of them on TensorFlow, those that import Keras also on JAX
and PyTorch (a backend whose package is not installed is skipped)."""

from __future__ import annotations

import importlib.util
import re
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.proofs import Record, commit_seed, inputs_digest, lecture_inputs, matching
from nnkit.timing import best_time
from tests.conftest import ROOT

LECTURES = sorted((ROOT / "lectures").glob("*.ipynb"))
BACKENDS = ("tensorflow", "jax", "torch")   # KERAS_BACKEND values, each its package's name
_IMPORTS_KERAS = re.compile(r"^(import keras|from keras[ .])", re.MULTILINE)


def uses_keras(path: Path) -> bool:
    """True when the lecture (its jupytext source) imports Keras, so its backend matters."""
    return bool(_IMPORTS_KERAS.search(path.with_suffix(".py").read_text(encoding="utf-8")))


def _runs() -> list:
    """(lecture, backend) pairs, with readable ids: ``05_backpropagation-jax``; a lecture that
    does not import Keras runs once, under its plain name, with no backend (None) to choose."""
    runs = []
    for path in LECTURES:
        if not uses_keras(path):
            runs.append(pytest.param(path, None, id=path.stem))
            continue
        runs += [pytest.param(path, backend, id=f"{path.stem}-{backend}") for backend in BACKENDS]
    return runs


RUNS = _runs()


def replayed_at_this_commit(path: Path, backend: str | None) -> bool:
    """The one lecture run that replays its record at this commit (chosen from the commit, so
    that successive landings re-run every lecture on every backend)."""
    runs = [tuple(param.values) for param in RUNS]
    return runs.index((path, backend)) == commit_seed(ROOT) % len(runs)


@pytest.mark.slow
@pytest.mark.parametrize(("path", "backend"), RUNS)
def test_lecture_runs(path: Path, backend: str | None, tmp_path: Path,
                      monkeypatch: pytest.MonkeyPatch, proof_mode: str):
    """With ``--proofs auto`` a lecture whose inputs match its record (it ran clean at them)
    is skipped, but for the one run this commit replays."""
    if backend is not None:
        if importlib.util.find_spec(backend) is None:   # as pytest.importorskip, not importing it
            pytest.skip(f"Keras backend {backend}: the {backend} package is not installed")
    name = f"lecture-{path.stem}"
    digest = inputs_digest(ROOT, [*lecture_inputs(path), "tests/test_lectures.py"], [backend or "-"])
    if (proof_mode == "auto" and matching(ROOT, name, backend, digest)
            and not replayed_at_this_commit(path, backend)):
        pytest.skip(f"ran clean at these inputs ({Record.path(ROOT, name, backend).name})")
        monkeypatch.setenv("KERAS_BACKEND", backend)
    else:
        monkeypatch.delenv("KERAS_BACKEND", raising=False)
    monkeypatch.setenv("NN_COURSE_FAST", "1")
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    if backend == "torch":
        # PyTorch's OpenMP threads spin while they wait for work: with two notebooks on two
        # cores (pytest -n 2) they took turns and ran the small models of lecture 7 7x slower
        monkeypatch.setenv("OMP_NUM_THREADS", "1")
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    stderr = [o.text for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "stream" and o.name == "stderr"]
    assert not stderr, f"{path.name} ({backend or 'no Keras'}) wrote to stderr: {stderr[:2]}"
    if proof_mode == "record":
        Record(name, backend or "-", digest, {"run": {"stderr": 0, "errors": 0}}).save(ROOT)


def test_keras_lectures_are_found():
    """The lectures that import Keras are the ones run on every backend (04 and later)."""
    keras_lectures = {path.stem[:2] for path in LECTURES if uses_keras(path)}
    assert {"04", "05", "06", "07", "08", "09", "10"} <= keras_lectures
    assert not keras_lectures & {"01", "02", "03"}


def test_best_time_counts_cpu_not_waiting():
    """Lecture 5's cost figures come from best_time: time spent off the CPU (here asleep, on a
    busy machine waiting for a core) must not count."""
    assert best_time(lambda: time.sleep(0.05), repeat=2) < 0.01
