"""Every lecture runs top to bottom, offline, in fast mode, without errors or stderr noise."""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from nnkit.timing import best_time
from tests.conftest import ROOT

LECTURES = sorted((ROOT / "lectures").glob("*.ipynb"))


@pytest.mark.slow
@pytest.mark.parametrize("path", LECTURES, ids=[p.stem for p in LECTURES])
def test_lecture_runs(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("NN_COURSE_FAST", "1")
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    stderr = [o.text for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "stream" and o.name == "stderr"]
    assert not stderr, f"{path.name} wrote to stderr: {stderr[:2]}"


def test_best_time_counts_cpu_not_waiting():
    """Lecture 5's cost figures come from best_time: time spent off the CPU (here asleep, on a
    busy machine waiting for a core) must not count."""
    assert best_time(lambda: time.sleep(0.05), repeat=2) < 0.01
