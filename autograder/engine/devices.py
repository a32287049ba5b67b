"""Which device and which Keras backend grading uses: GPUs when present (shared by several
kernels), else the CPU; Keras on TensorFlow (the default), JAX or PyTorch."""

from __future__ import annotations

import glob
import importlib.metadata
import importlib.util
import os
import shutil
import subprocess
from dataclasses import dataclass

#: The variables that size the thread pools of BLAS (numpy, scikit-learn), TensorFlow and
#: PyTorch (which reads ``OMP_NUM_THREADS``).
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")

#: XLA (JAX's compiler) has no thread-count variable; these flags make its CPU code use one.
XLA_ONE_THREAD = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"

#: The Keras backends the course runs on (``KERAS_BACKEND``), each the module it needs.
KERAS_BACKENDS = ("tensorflow", "jax", "torch")
DEFAULT_BACKEND = "tensorflow"


def keras_backend(choice: str | None = None) -> str:
    """The Keras backend kernels use: ``choice``, else ``$KERAS_BACKEND``, else TensorFlow.
    A :class:`ValueError` says when it is unknown or not installed here."""
    backend = choice or os.environ.get("KERAS_BACKEND") or DEFAULT_BACKEND
    if backend not in KERAS_BACKENDS:
        raise ValueError(f"unknown Keras backend {backend!r}: choose one of {', '.join(KERAS_BACKENDS)}")
    if importlib.util.find_spec(backend) is None:
        raise ValueError(f"Keras backend {backend} is not installed here "
                         f"(pip install -e '.[{'tf' if backend == 'tensorflow' else backend}]')")
    return backend


def thread_caps(workers: int, cores: int | None = None) -> dict[str, str]:
    """Environment that gives each of ``workers`` kernels its share of the cores: left alone,
    every kernel sizes its thread pools for the whole machine, and kernels side by side then
    fight over the cores. A variable the instructor has set is left as it is."""
    cores = cores or os.cpu_count() or 1
    share = max(1, cores // max(workers, 1))
    caps = {name: str(share) for name in THREAD_VARIABLES if name not in os.environ}
    if share == 1 and "XLA_FLAGS" not in os.environ:
        caps["XLA_FLAGS"] = XLA_ONE_THREAD
    return caps


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
    """The environment each grading slot gets, the device files a sandbox must show, a message.
    ``gpu``: kernels use GPUs, whose drivers reserve far more address space than they use (a
    limit on address space would stop them: memory is then limited as data instead)."""

    envs: tuple[dict[str, str], ...]
    device_files: tuple[str, ...]
    message: str
    gpu: bool = False

    def env_for(self, index: int) -> dict[str, str]:
        return self.envs[index % len(self.envs)]


def plan(choice: str, gpus: int | None = None, backend: str = DEFAULT_BACKEND) -> DevicePlan:
    """A plan for ``choice`` in ``{"auto", "gpu", "cpu"}`` and the Keras ``backend``: GPUs are
    shared round-robin, each framework told to take GPU memory as it needs it (TensorFlow's
    memory growth, no preallocation in JAX; PyTorch's caching allocator does so already), so
    that several kernels fit on one GPU."""
    gpus = gpu_count() if gpus is None else gpus
    on_keras = f"Keras on {backend}"
    if choice == "cpu" or gpus == 0:
        why = "as asked" if choice == "cpu" else "--gpu asked, but no GPU found" if choice == "gpu" \
            else "no GPU found"
        env = {"CUDA_VISIBLE_DEVICES": "-1", "KERAS_BACKEND": backend}
        if backend == "jax":  # no search for a GPU plugin (it warns on stderr)
            env["JAX_PLATFORMS"] = "cpu"
        return DevicePlan((env,), (), f"grading on the CPU ({why}), {on_keras}")
    envs = tuple({"CUDA_VISIBLE_DEVICES": str(i), "KERAS_BACKEND": backend,
                  "TF_FORCE_GPU_ALLOW_GROWTH": "true", "XLA_PYTHON_CLIENT_PREALLOCATE": "false"}
                 for i in range(gpus))
    files = tuple(sorted(glob.glob("/dev/nvidia*")))
    message = f"grading on {gpus} GPU(s), {on_keras}, kernels share them (memory taken as needed)"
    if (why := cpu_only(backend)):
        message += f"; but {why}, so Keras code still runs on the CPU"
    return DevicePlan(envs, files, message, gpu=True)


def _distribution_installed(name: str) -> bool:
    try:
        importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def cpu_only(backend: str) -> str | None:
    """Why the installed build of ``backend`` cannot use a GPU (and how to get one that can), or
    ``None`` when it can (or this cannot tell)."""
    if backend == "tensorflow" and _distribution_installed("tensorflow-cpu") \
            and not _distribution_installed("tensorflow"):
        return ("the TensorFlow installed here is tensorflow-cpu (bash tools/bootstrap.sh --gpu "
                "installs tensorflow[and-cuda])")
    if backend == "jax" and not any(_distribution_installed(f"jax-cuda{v}-plugin") for v in (12, 13)):
        return "the JAX installed here has no CUDA plugin (pip install 'jax[cuda12]')"
    if backend == "torch" and _distribution_installed("torch") \
            and importlib.metadata.version("torch").endswith("+cpu"):
        return "the PyTorch installed here is its CPU build"
    return None
