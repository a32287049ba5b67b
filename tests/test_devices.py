"""Which device grading uses: the plan for CPUs and GPUs, and how GPUs are found."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest

from autograder.course import Course
from autograder.engine.devices import THREAD_VARIABLES, gpu_count, plan, thread_caps
from autograder.grade import grade
from autograder.report import grades_table
from autograder.simulate import solved_notebook
from tests.conftest import ROOT


def test_device_plans():
    cpu = plan("auto", gpus=0)
    assert cpu.envs == ({"CUDA_VISIBLE_DEVICES": "-1"},) and "no GPU found" in cpu.message
    assert "as asked" in plan("cpu", gpus=2).message
    gpu = plan("gpu", gpus=2)
    assert [gpu.env_for(i)["CUDA_VISIBLE_DEVICES"] for i in range(4)] == ["0", "1", "0", "1"]
    assert gpu.env_for(0)["TF_FORCE_GPU_ALLOW_GROWTH"] == "true"
    assert "no GPU found" in plan("gpu", gpus=0).message


def test_gpu_plan_says_when_tensorflow_cannot_use_the_gpu(monkeypatch: pytest.MonkeyPatch):
    import autograder.engine.devices as devices

    monkeypatch.setattr(devices, "cpu_only_tensorflow", lambda: True)
    assert "still runs on the CPU" in plan("gpu", gpus=1).message
    monkeypatch.setattr(devices, "cpu_only_tensorflow", lambda: False)
    assert "CPU" not in plan("gpu", gpus=1).message


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
    assert set(thread_caps(2, cores=2).values()) == {"1"}
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
    assert "grading on 2 GPU(s)" in capsys.readouterr().out
    for student in ("a", "b"):
        assert set(_printed(course, student)) & {"GPU 0 true\n", "GPU 1 true\n"}
    assert grades_table(course, "lab1")["score"].tolist() == [20, 20]
