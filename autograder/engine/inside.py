"""The code that runs inside the sandbox, and nothing else: the zygote and the kernels it forks.

The zygote (started by :class:`autograder.engine.kernels.Zygote` as
``python -m autograder.engine.inside``) imports ipykernel and the lab's modules once, then
serves one JSON request per line: fork a kernel (answer: its pid) or sweep the sandbox between
submissions (answer: ``swept``). Everything here runs beside student code; nothing here holds
a hidden test, a reference or a gradebook.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import importlib
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from autograder.engine.sandbox import (
    Limits,
    kernel_env,
    kill_strays,
    limit_kernel,
    make_box,
    protect_from_tracing,
    wipe,
)


def _reap(signum: int, frame: Any) -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def _run_kernel(request: dict, options: argparse.Namespace) -> int:
    """In the forked child: detach, take the kernel's environment and limits, run ipykernel
    until it shuts down and return its exit status (the child then exits like any
    interpreter)."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.setsid()
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(2, 1)
    os.environ.clear()
    os.environ.update(kernel_env(request["env"]))
    os.chdir(request["cwd"])
    limit_kernel(options.cpu, options.disk)
    if "numpy" in sys.modules:  # a fresh interpreter seeds numpy from the OS: so does a fork
        sys.modules["numpy"].random.seed()
    from ipykernel.kernelapp import IPKernelApp

    try:
        # ipykernel reads its parent's pid from the environment when imported (in the zygote,
        # before there was one): hand it over, as a freshly started kernel would read it.
        IPKernelApp.launch_instance(argv=request["argv"],
                                    parent_handle=int(request["env"].get("JPY_PARENT_PID") or 0))
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else 0
    return 0


def _sweep(options: argparse.Namespace) -> None:
    """Between submissions: no process but this one, empty writable folders."""
    if options.sandboxed:
        kill_strays({os.getpid()})
        for folder in ("/tmp", "/dev/shm", "/dev/mqueue"):  # files, POSIX shm and queues
            wipe(Path(folder))
        _remove_sysv_ipc()
    wipe(Path(options.box))
    make_box(Path(options.box))


def _remove_sysv_ipc() -> None:
    """Remove every System V message queue, semaphore set and shared-memory segment of the
    sandbox's IPC namespace (the next student would find them)."""
    libc = ctypes.CDLL(None, use_errno=True)
    ipc_rmid = 0
    for kind, remove in (("msg", lambda i: libc.msgctl(i, ipc_rmid, None)),
                         ("sem", lambda i: libc.semctl(i, 0, ipc_rmid)),
                         ("shm", lambda i: libc.shmctl(i, ipc_rmid, None))):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/sysvipc/{kind}").read_text().splitlines()[1:]:
                fields = line.split()
                if len(fields) > 1 and fields[1].isdigit():
                    remove(int(fields[1]))


def device_runtime_started() -> str | None:
    """The framework, if any, whose device runtime (threads, CUDA context) this process has
    started: JAX's backends or PyTorch's CUDA. A fork cannot use what its parent started, so
    the zygote must not have; importing the frameworks starts neither."""
    if "jax" in sys.modules:
        from jax._src import xla_bridge

        if xla_bridge.backends_are_initialized():
            return "jax"
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_initialized():
        return "torch"
    return None


def _zygote_main(argv: list[str]) -> int:
    """Import ipykernel and the modules once, then serve requests, one JSON line each: fork a
    kernel (answer: its pid) or sweep (answer: ``swept``)."""
    parser = argparse.ArgumentParser(prog="autograder.engine.inside")
    parser.add_argument("--box", required=True)
    parser.add_argument("--cpu", type=int, default=Limits.cpu_seconds)
    parser.add_argument("--disk", type=int, default=Limits.disk_mb)
    parser.add_argument("--sandboxed", action="store_true")
    parser.add_argument("modules", nargs="*")
    options = parser.parse_args(argv)
    make_box(Path(options.box))
    from ipykernel import kernelapp  # noqa: F401

    for name in options.modules:
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    if (started := device_runtime_started()) and options.modules:
        print("unsafe", started, flush=True)
        return 3
    protect_from_tracing()
    signal.signal(signal.SIGCHLD, _reap)
    print("ready", os.getpid(), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        if request.get("sweep"):
            _sweep(options)
            print("swept", flush=True)
            continue
        pid = os.fork()
        if pid == 0:
            return _run_kernel(request, options)
        print(pid, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(_zygote_main(sys.argv[1:]))
