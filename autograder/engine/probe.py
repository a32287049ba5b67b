"""What a kernel ran on, read from inside it: the Keras backend, the device and the peak memory
the framework took on it.

Like the canaries (:mod:`autograder.engine.canaries`), the probe is a cell the grader adds to
a notebook before it runs, here at the very end, and removes before the notebook is saved: it
never counts and never reaches feedback. It imports nothing the notebook did not: a notebook
that never imported Keras reports no backend. What it prints comes from a kernel that runs
student code, so it is information for the instructor (``grade`` sums it up), not evidence.
"""

from __future__ import annotations

import json

from nbformat import NotebookNode
from nbformat.v4 import new_code_cell

_KEY = "autograder_probe"
_MARK = "AUTOGRADER_PROBE "

#: Runs in the kernel; prints one line: the mark, then JSON.
CODE = '''\
def _autograder_probe():
    import json, os, sys
    info = {"backend": None, "device": "cpu", "peak_mb": None,
            "visible": os.environ.get("CUDA_VISIBLE_DEVICES")}
    keras = sys.modules.get("keras")
    try:
        if keras is not None:
            info["backend"] = keras.backend.backend()
        if info["backend"] == "jax":
            import jax
            device = jax.devices()[0]
            info["device"] = f"{device.platform}:{device.id}"
            stats = device.memory_stats() or {}
            if "peak_bytes_in_use" in stats:
                info["peak_mb"] = stats["peak_bytes_in_use"] / 2**20
        elif info["backend"] == "torch":
            import torch
            if torch.cuda.is_initialized():
                info["device"] = f"cuda:{torch.cuda.current_device()}"
                info["peak_mb"] = torch.cuda.max_memory_allocated() / 2**20
        elif info["backend"] == "tensorflow":
            import tensorflow as tf
            gpus = tf.config.list_logical_devices("GPU")
            if gpus:
                info["device"] = gpus[0].name
                info["peak_mb"] = tf.config.experimental.get_memory_info("GPU:0")["peak"] / 2**20
    except Exception as exc:
        info["error"] = f"{type(exc).__name__}: {exc}"[:200]
    sys.stdout.write("AUTOGRADER_PROBE " + json.dumps(info) + "\\n")
_autograder_probe()
del _autograder_probe'''


def plant(nb: NotebookNode) -> None:
    """Append the probe cell to ``nb``."""
    cell = new_code_cell(CODE)
    cell.metadata[_KEY] = True
    nb.cells.append(cell)


def read(nb: NotebookNode) -> dict | None:
    """Remove the probe cell from the executed ``nb``; return what it reported (``None`` when
    it did not run to the end: the kernel died or a cell before it timed out)."""
    planted = [c for c in nb.cells if _KEY in c.metadata]
    nb.cells = [c for c in nb.cells if _KEY not in c.metadata]
    for cell in planted:
        printed = "".join(str(o.get("text", "")) for o in cell.get("outputs", [])
                          if o.get("name") == "stdout")
        lines = [line for line in printed.splitlines() if line.startswith(_MARK)]
        if lines:
            try:
                info = json.loads(lines[-1][len(_MARK):])
            except ValueError:
                return None
            return info if isinstance(info, dict) else None
    return None


def summary(reports: list[dict | None]) -> str:
    """One line on where a batch's kernels ran: backend and device with counts, and the largest
    peak memory on an accelerator."""
    counts: dict[str, int] = {}
    peaks = []
    for info in reports:
        if not info:
            key = "not reported"
        else:
            key = f"{info.get('device', '?')}" + (f" (Keras on {info['backend']})"
                                                  if info.get("backend") else " (no Keras)")
            if isinstance(info.get("peak_mb"), (int, float)):
                peaks.append(float(info["peak_mb"]))
        counts[key] = counts.get(key, 0) + 1
    line = "kernels ran on " + ", ".join(f"{key} x{n}" for key, n in sorted(counts.items()))
    if peaks:
        line += f"; peak accelerator memory per kernel {min(peaks):.0f}-{max(peaks):.0f} MiB"
    return line
