"""Which device grading uses: the plan for CPUs and GPUs, and how GPUs are found."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.devices import gpu_count, plan


def test_device_plans():
    cpu = plan("auto", gpus=0)
    assert cpu.envs == ({"CUDA_VISIBLE_DEVICES": "-1"},) and "no GPU found" in cpu.message
    assert "as asked" in plan("cpu", gpus=2).message
    gpu = plan("gpu", gpus=2)
    assert [gpu.env_for(i)["CUDA_VISIBLE_DEVICES"] for i in range(4)] == ["0", "1", "0", "1"]
    assert gpu.env_for(0)["TF_FORCE_GPU_ALLOW_GROWTH"] == "true"
    assert "no GPU found" in plan("gpu", gpus=0).message


def test_gpus_are_counted_from_nvidia_smi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    fake = tmp_path / "nvidia-smi"
    fake.write_text("#!/bin/sh\necho 'GPU 0: NVIDIA H100 (UUID: GPU-a)'\n"
                    "echo 'GPU 1: NVIDIA H100 (UUID: GPU-b)'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert gpu_count() == 2
    assert "2 GPU(s)" in plan("auto").message
