"""The grading engine: sandboxed, warm workers that run one submission each, the judge that
scores their evidence outside the sandbox, and the backends that hand them jobs (the local warm
pool, or a Dask cluster).

The commands use the engine through the names below and nothing else; each is imported on
first use, so a kernel or a quick command that needs one part does not load them all.
"""

from __future__ import annotations

import importlib

#: The engine's public face: name -> the module that defines it.
_PUBLIC = {
    "Backend": "backend", "BackendError": "backend", "ExecutorBackend": "backend",
    "LabSpec": "backend", "LocalBackend": "backend", "Template": "backend",
    "cluster_module": "backend", "course_version": "backend",
    "DEFAULT_BACKEND": "devices", "KERAS_BACKENDS": "devices", "keras_backend": "devices",
    "JUDGE_FILE": "judge", "Judge": "judge", "judge_source": "judge", "load_judge": "judge",
    "preload_modules": "kernels",
    "CELL_TIMEOUT": "nbconfig", "COURSE_ID": "nbconfig", "KERNEL_ENV": "nbconfig",
    "NEVER_RELEASED": "nbconfig", "apply_kernel_env": "nbconfig", "course_config": "nbconfig",
    "device_summary": "probe",
    "read_regular": "safeio", "regular_kind": "safeio",
    "Limits": "sandbox", "bubblewrap": "sandbox",
    "SCRATCH_PARENT": "warm",
    "CellScore": "worker", "Job": "worker", "JobResult": "worker",
}
_RENAMED = {"load_judge": "load", "device_summary": "summary"}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'autograder.engine' has no attribute {name!r}")
    module = importlib.import_module(f"autograder.engine.{_PUBLIC[name]}")
    return getattr(module, _RENAMED.get(name, name))
