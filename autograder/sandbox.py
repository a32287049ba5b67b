"""Where student code runs: a bubblewrap sandbox when there is one, with resource limits.

Inside the sandbox the whole system is read-only, there is no network, the process tree dies
with the grader, every capability is dropped (root in the sandbox cannot unmount what hides the
solutions, nor trace other processes), and the course's solutions, its git history, the
instructor's working folder and every other temporary folder are hidden; only the submission's
own folder is writable.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import shutil
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Limits:
    """Per-submission limits: address space (MiB) and CPU seconds for each process."""

    memory_mb: int = 8192
    cpu_seconds: int = 900


def bubblewrap() -> str | None:
    """The ``bwrap`` executable, or ``None`` when this machine has no sandbox."""
    return shutil.which("bwrap")


def private_env(folder: Path) -> dict[str, str]:
    """Environment that sends every write a kernel makes (home, temp, caches) into ``folder``."""
    env = {}
    for name, sub in (("HOME", "home"), ("TMPDIR", "tmp"), ("JUPYTER_RUNTIME_DIR", "runtime"),
                      ("IPYTHONDIR", "ipython"), ("MPLCONFIGDIR", "matplotlib"),
                      ("NUMBA_CACHE_DIR", "numba"), ("KERAS_HOME", "keras")):
        (folder / sub).mkdir(parents=True, exist_ok=True)
        env[name] = str(folder / sub)
    return env


def sandboxed(command: list[str], writable: Path, hidden: list[Path],
              device_files: tuple[str, ...] = ()) -> list[str]:
    """``command`` wrapped in bubblewrap: read-only system, no network, ``hidden`` emptied,
    ``device_files`` (GPUs) passed through."""
    bwrap = bubblewrap()
    if bwrap is None:
        return command
    args = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--tmpfs", "/dev/shm", "--proc", "/proc"]
    for path in hidden:
        if path.exists():
            args += ["--tmpfs", str(path)]
    for device in device_files:
        args += ["--dev-bind", device, device]
    args += ["--bind", str(writable), str(writable), "--unshare-net", "--unshare-pid",
             "--unshare-ipc", "--cap-drop", "ALL", "--die-with-parent", "--new-session",
             "--chdir", str(writable)]
    return [*args, *command]


def limiter(limits: Limits, cpu: bool = True) -> Callable[[], None]:
    """A ``preexec_fn`` that applies ``limits`` to the child and everything it starts; without
    ``cpu``, the CPU-time limit is left to the kernels (a warm worker lives for many jobs, and
    its CPU time adds up; see :func:`limit_cpu`)."""

    def apply() -> None:
        memory = limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if cpu:
            limit_cpu(limits.cpu_seconds)

    return apply


#: Carries the CPU seconds each kernel of a warm worker may use (see :func:`limit_cpu`).
KERNEL_CPU_ENV = "AUTOGRADER_KERNEL_CPU_SECONDS"


def limit_cpu(seconds: int) -> None:
    """Let this process (a fresh kernel) use at most ``seconds`` of CPU time."""
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))


#: Set in a sandboxed worker's environment: it has a process namespace of its own.
PID_NAMESPACE_ENV = "AUTOGRADER_PID_NAMESPACE"


def protect_from_tracing() -> None:
    """Make this process non-dumpable: without ``CAP_SYS_PTRACE`` (dropped in the sandbox) no
    other process may trace it or read or write its memory. Forked children inherit this."""
    pr_set_dumpable = 4
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_dumpable, 0, 0, 0, 0)


def _live_pids() -> list[int]:
    pids = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = Path(entry.path, "stat").read_text()
                if stat[stat.rindex(")") + 2] != "Z":
                    pids.append(int(entry.name))
    return pids


def kill_strays(spared: set[int]) -> None:
    """Kill every live process of this sandbox's process namespace except ``spared`` and its
    init, until none is left (a fork loop is outrun). Does nothing outside a sandbox."""
    if os.environ.get(PID_NAMESPACE_ENV) != "1":
        return
    for _ in range(1000):
        strays = [pid for pid in _live_pids() if pid != 1 and pid not in spared]
        if not strays:
            return
        for pid in strays:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
