"""Which device grading uses: GPUs when present (shared by several kernels), else the CPU."""

from __future__ import annotations

import glob
import importlib.metadata
import os
import shutil
import subprocess
from dataclasses import dataclass

#: The variables that size the thread pools of BLAS (numpy, scikit-learn) and TensorFlow.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")


def thread_caps(workers: int, cores: int | None = None) -> dict[str, str]:
    """Environment that gives each of ``workers`` kernels its share of the cores: left alone,
    every kernel sizes its thread pools for the whole machine, and kernels side by side then
    fight over the cores. A variable the instructor has set is left as it is."""
    cores = cores or os.cpu_count() or 1
    share = str(max(1, cores // max(workers, 1)))
    return {name: share for name in THREAD_VARIABLES if name not in os.environ}


def gpu_count() -> int:
    """NVIDIA GPUs visible on this machine (0 when there is no driver)."""
    if shutil.which("nvidia-smi"):
        try:
            out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=20)
            return sum(line.startswith("GPU ") for line in out.stdout.splitlines())
        except (OSError, subprocess.TimeoutExpired):
            return 0
    return len(glob.glob("/proc/driver/nvidia/gpus/*"))


@dataclass(frozen=True)
class DevicePlan:
    """The environment each grading slot gets, the device files a sandbox must show, a message."""

    envs: tuple[dict[str, str], ...]
    device_files: tuple[str, ...]
    message: str

    def env_for(self, index: int) -> dict[str, str]:
        return self.envs[index % len(self.envs)]


def plan(choice: str, gpus: int | None = None) -> DevicePlan:
    """A plan for ``choice`` in ``{"auto", "gpu", "cpu"}``: GPUs are shared round-robin, with
    TensorFlow's memory growth on so that several kernels fit on one GPU."""
    gpus = gpu_count() if gpus is None else gpus
    if choice == "cpu" or (choice == "auto" and gpus == 0):
        why = "as asked" if choice == "cpu" else "no GPU found"
        return DevicePlan(({"CUDA_VISIBLE_DEVICES": "-1"},), (), f"grading on the CPU ({why})")
    if gpus == 0:
        return DevicePlan(({"CUDA_VISIBLE_DEVICES": "-1"},), (),
                          "--gpu asked, but no GPU found: grading on the CPU")
    envs = tuple({"CUDA_VISIBLE_DEVICES": str(i), "TF_FORCE_GPU_ALLOW_GROWTH": "true",
                  "XLA_PYTHON_CLIENT_PREALLOCATE": "false"} for i in range(gpus))
    files = tuple(sorted(glob.glob("/dev/nvidia*")))
    message = f"grading on {gpus} GPU(s), kernels share them with memory growth on"
    if cpu_only_tensorflow():
        message += ("; but the TensorFlow installed here is tensorflow-cpu, so TensorFlow code "
                    "still runs on the CPU (bash tools/bootstrap.sh --gpu installs "
                    "tensorflow[and-cuda])")
    return DevicePlan(envs, files, message)


def _distribution_installed(name: str) -> bool:
    try:
        importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def cpu_only_tensorflow() -> bool:
    """Whether the installed TensorFlow is the CPU-only build (it cannot use a GPU)."""
    return _distribution_installed("tensorflow-cpu") and not _distribution_installed("tensorflow")
