"""Which device grading uses: the plan for CPUs and GPUs, and how GPUs are found."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.course import Course
from autograder.engine.devices import (
    KERAS_BACKENDS,
    THREAD_VARIABLES,
    XLA_ONE_THREAD,
    gpu_count,
    keras_backend,
    plan,
    thread_caps,
)
from autograder.engine.sandbox import Limits, limiter
from autograder.grade import grade, load_devices
from autograder.report import grades_table
from autograder.simulate import solved_notebook
from tests.conftest import ROOT


def test_device_plans():
    cpu = plan("auto", gpus=0)
    assert cpu.envs == ({"CUDA_VISIBLE_DEVICES": "-1", "KERAS_BACKEND": "tensorflow"},)
    assert "no GPU found" in cpu.message and not cpu.gpu
    assert "as asked" in plan("cpu", gpus=2).message
    gpu = plan("gpu", gpus=2)
    assert gpu.gpu and "Keras on tensorflow" in gpu.message
    assert [gpu.env_for(i)["CUDA_VISIBLE_DEVICES"] for i in range(4)] == ["0", "1", "0", "1"]
    assert gpu.env_for(0)["TF_FORCE_GPU_ALLOW_GROWTH"] == "true"
    assert "no GPU found" in plan("gpu", gpus=0).message


def test_each_backend_is_told_to_share_the_gpu_and_to_stay_off_it_on_the_cpu():
    """JAX would take 75 % of the GPU per kernel without XLA_PYTHON_CLIENT_PREALLOCATE=false; on
    the CPU it must not look for a GPU plugin (it warns on stderr, which costs a test cell)."""
    for backend in KERAS_BACKENDS:
        env = plan("gpu", gpus=1, backend=backend).env_for(0)
        assert env["KERAS_BACKEND"] == backend and env["XLA_PYTHON_CLIENT_PREALLOCATE"] == "false"
    assert plan("cpu", backend="jax").env_for(0)["JAX_PLATFORMS"] == "cpu"
    assert "JAX_PLATFORMS" not in plan("gpu", gpus=1, backend="jax").env_for(0)


def test_unknown_or_missing_backends_are_refused(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    assert keras_backend() == "jax" and keras_backend("tensorflow") == "tensorflow"
    with pytest.raises(ValueError, match="unknown Keras backend"):
        keras_backend("theano")
    import autograder.engine.devices as devices

    monkeypatch.setattr(devices.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ValueError, match="not installed here"):
        keras_backend("torch")


def test_gpu_plan_says_when_the_backend_cannot_use_the_gpu(monkeypatch: pytest.MonkeyPatch):
    import autograder.engine.devices as devices

    monkeypatch.setattr(devices, "_distribution_installed", lambda name: name == "tensorflow-cpu")
    assert "still runs on the CPU" in plan("gpu", gpus=1).message
    assert "no CUDA plugin" in plan("gpu", gpus=1, backend="jax").message
    monkeypatch.setattr(devices, "_distribution_installed", lambda name: True)
    assert "CPU" not in plan("gpu", gpus=1).message
    assert "CPU" not in plan("gpu", gpus=1, backend="jax").message


def test_gpu_slots_limit_data_not_address_space(monkeypatch: pytest.MonkeyPatch):
    """CUDA reserves address space far beyond what it uses: a cap on address space would stop
    it from starting, so GPU slots cap data instead (CPU slots keep the address-space cap)."""
    import autograder.engine.devices as devices
    from autograder.engine.backend import LabSpec, slot_settings

    lab = LabSpec("lab1", "x", "y", (), False, device="cpu")
    assert all(s.limits.address_space for s in slot_settings(lab, 2)[0])
    monkeypatch.setattr(devices, "gpu_count", lambda: 1)
    on_gpu = slot_settings(dataclasses.replace(lab, device="gpu"), 2)[0]
    assert not any(s.limits.address_space for s in on_gpu)
    for limits, capped, free in ((on_gpu[0].limits, "data size", "address space"),
                                 (Limits(memory_mb=4096), "address space", "data size")):
        shown = subprocess.run(["cat", "/proc/self/limits"], capture_output=True, text=True,
                               preexec_fn=limiter(limits)).stdout
        rows = {line[:26].strip().removeprefix("Max ").lower(): line[26:].split()[0]
                for line in shown.splitlines()[1:]}
        assert rows[capped] == str(limits.memory_mb * 1024 * 1024) and rows[free] == "unlimited"


def test_gpus_are_counted_from_nvidia_smi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    fake = tmp_path / "nvidia-smi"
    fake.write_text("#!/bin/sh\necho 'GPU 0: NVIDIA H100 (UUID: GPU-a)'\n"
                    "echo 'GPU 1: NVIDIA H100 (UUID: GPU-b)'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert gpu_count() == 2
    assert "2 GPU(s)" in plan("auto").message


def test_thread_caps_share_the_cores(monkeypatch: pytest.MonkeyPatch):
    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("XLA_FLAGS", raising=False)
    caps = thread_caps(2, cores=2)
    assert {caps[name] for name in THREAD_VARIABLES} == {"1"} and caps["XLA_FLAGS"] == XLA_ONE_THREAD
    assert "XLA_FLAGS" not in thread_caps(2, cores=8)
    assert thread_caps(3, cores=16)["TF_NUM_INTRAOP_THREADS"] == "5"
    assert thread_caps(4, cores=2)["OMP_NUM_THREADS"] == "1"
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert "OMP_NUM_THREADS" not in thread_caps(2, cores=2)


def _class_printing(folder: Path, prelude: str) -> None:
    """Two solved lab 1 notebooks, students ``a`` and ``b``, that run ``prelude`` first."""
    released = ROOT / "labs" / "lab1" / "lab1.ipynb"
    for student in ("a", "b"):
        nb = solved_notebook(ROOT / "solutions" / "lab1" / "lab1.ipynb", released)
        first = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
        first.source = prelude + first.source
        (folder / student).mkdir(parents=True)
        nbformat.write(nb, folder / student / "lab1.ipynb")


def _printed(course: Course, student: str) -> list[str]:
    """What ``student``'s autograded lab 1 printed, one entry per output."""
    graded = nbformat.read(course.work / "autograded" / student / "lab1" / "lab1.ipynb", 4)
    return [o.get("text", "") for c in graded.cells if c.cell_type == "code" for o in c.outputs]


@pytest.mark.slow
def test_each_kernel_runs_blas_on_its_share_of_the_cores(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch):
    """Two workers side by side: the BLAS numpy loaded in the kernel's zygote sizes its thread
    pool to half the cores, not all of them (seen from inside the graded notebook)."""
    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    _class_printing(tmp_path / "subs", "import threadpoolctl\nprint('BLAS threads', max("
                    "p['num_threads'] for p in threadpoolctl.threadpool_info()))\n")
    course = Course(ROOT, tmp_path / "work")
    grade(course, "lab1", tmp_path / "subs", jobs=2, progress=False)
    expected = f"BLAS threads {max(1, (os.cpu_count() or 1) // 2)}\n"
    for student in ("a", "b"):
        assert expected in _printed(course, student)


@pytest.mark.slow
def test_gpu_grading_gives_each_kernel_a_gpu_with_memory_growth(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture):
    """With (fake) GPUs present, grading says so and each kernel sees one GPU, memory growth on."""
    fake = tmp_path / "bin" / "nvidia-smi"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'GPU 0: A (UUID: GPU-a)'\necho 'GPU 1: B (UUID: GPU-b)'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    _class_printing(tmp_path / "subs", "import os\nprint('GPU', os.environ['CUDA_VISIBLE_DEVICES'], "
                    "os.environ['TF_FORCE_GPU_ALLOW_GROWTH'])\n")
    course = Course(ROOT, tmp_path / "work")
    grade(course, "lab1", tmp_path / "subs", jobs=2, device="gpu")
    out = capsys.readouterr().out
    assert "grading on 2 GPU(s)" in out and "kernels ran on cpu (no Keras) x2" in out
    for student in ("a", "b"):
        assert set(_printed(course, student)) & {"GPU 0 true\n", "GPU 1 true\n"}
    assert grades_table(course, "lab1")["score"].tolist() == [20, 20]
    # the probe read each kernel's GPU from inside it, and left no trace in the notebook
    assert {d["visible"] for d in load_devices(course, "lab1").values()} <= {"0", "1"}
    assert not any("AUTOGRADER_PROBE" in text for text in _printed(course, "a"))


@pytest.mark.parametrize("framework", ["jax", "torch"])
def test_the_zygote_can_tell_a_started_device_runtime_from_an_import(framework: str):
    """Importing JAX or PyTorch starts no runtime (a zygote may fork after it); using JAX does,
    and the zygote then falls back to preloading nothing (kernels.Zygote.start)."""
    pytest.importorskip(framework)
    use = "jax.numpy.ones(1).block_until_ready()" if framework == "jax" else "torch.ones(1)"
    code = (f"import {framework}\n"
            "from autograder.engine.inside import device_runtime_started as started\n"
            f"before = started()\n{use}\nprint(before, started())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "JAX_PLATFORMS": "cpu"}, check=True).stdout.split()
    assert out == (["None", "jax"] if framework == "jax" else ["None", "None"])
