"""Warm, sandboxed kernels: each submission's kernel is forked from a parent that did the imports.

Starting a kernel and importing numpy, matplotlib, scikit-learn or TensorFlow costs seconds of
CPU per submission, the same seconds every time. A grading slot keeps one *zygote*: a process,
inside the slot's sandbox (:mod:`autograder.engine.sandbox`), that has imported ipykernel and the
modules the lab's notebook imports, and does nothing else. Each kernel is a ``fork()`` of it,
so it starts with those modules loaded; nothing a submission does reaches the zygote's memory.
Between submissions the zygote kills every process the last one left in the sandbox and wipes
the sandbox's writable folders.

nbgrader runs notebooks through nbclient and jupyter_client, whose *provisioner* is the
extension point for how a kernel process comes to be: :class:`ForkingProvisioner` asks the
zygote instead of ``Popen``, so nbgrader's own execution (interrupts, dead kernels) is
unchanged. The grading worker, outside the sandbox, talks to the kernel over Unix sockets in
the slot's runtime folder (the sandbox has no network, not even the host's loopback).
:class:`ForkedExecute` times each cell by the kernel's CPU time, not the wall clock, so a busy
machine does not turn right answers into timeouts, and checks the canary cells
(:mod:`autograder.engine.canaries`) that tell whether the kernel's replies can be trusted.
The zygote's own code, the only part that runs inside the sandbox, is
:mod:`autograder.engine.inside`.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import importlib
import importlib.util
import json
import os
import select
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from nbclient.util import run_sync
from nbgrader.preprocessors import Execute

from autograder.engine import judging, probe
from autograder.engine.canaries import plant, verdict
from autograder.engine.judge import Judge
from autograder.engine.sandbox import (
    BOX,
    Limits,
    bubblewrap,
    descendants,
    host_pid,
    kernel_env,
    limiter,
    make_box,
    private_env,
    sandboxed,
    tree_cpu_seconds,
    wipe,
)

#: Environment variable that carries the modules a slot's zygote imports (comma-separated).
PRELOAD_ENV = "AUTOGRADER_PRELOAD"

#: Seconds the zygote may take to import everything (a loaded machine is slow to import).
START_TIMEOUT = 600


def preload_modules(notebook: Path) -> list[str]:
    """The installed modules ``notebook``'s code cells import, in order of first import."""
    import nbformat
    from IPython.core.inputtransformer2 import TransformerManager

    to_python = TransformerManager().transform_cell
    names: list[str] = []
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(to_python(cell.source))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.append(node.module)
    return [name for name in dict.fromkeys(names) if _installed(name)]


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def python_module(module: str, *args: str) -> list[str]:
    """The command that runs ``module`` with this Python, never importing from the working
    folder (``-P``): a file a submission wrote there can never stand in for the grader's own."""
    return [sys.executable, "-P", "-m", module, *args]


class ZygoteLost(RuntimeError):
    """The zygote died, stopped answering or answered nonsense (a submission may do that)."""


class ForkedKernel:
    """The ``Popen``-like handle jupyter_client keeps for a kernel the zygote forked.

    ``pid`` is the kernel's pid on the host. The kernel is the zygote's child, not ours: a pidfd
    tells when it ended (its exit status stays with the zygote, so it reads as -1) and signals
    it without a race on pid reuse.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None
        self._pidfd = os.pidfd_open(pid)

    def poll(self) -> int | None:
        if self.returncode is None and select.select([self._pidfd], [], [], 0)[0]:
            self.returncode = -1
            os.close(self._pidfd)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None and not select.select([self._pidfd], [], [], timeout)[0]:
            raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout or 0)
        return self.poll()

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(self._pidfd, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


@dataclass
class Zygote:
    """The slot's warm, sandboxed parent of kernels, as the grading worker sees it.

    ``runtime`` is the host folder shared with the sandbox (connection files, sockets);
    ``read_only`` more host paths the sandbox shows (the data cache); ``device_files`` GPUs.
    """

    modules: list[str]
    runtime: Path
    limits: Limits
    read_only: tuple[str, ...] = ()
    device_files: tuple[str, ...] = ()
    proc: subprocess.Popen | None = None
    inner_pid: int = 0

    @property
    def sandboxed(self) -> bool:
        return bubblewrap() is not None

    @property
    def box(self) -> Path:
        """The kernel's private folder, as the kernel sees it."""
        return BOX if self.sandboxed else self.runtime.parent / "box"

    def start(self) -> None:
        """Start the zygote in its sandbox; it is ready once it has imported everything."""
        self.stop()
        env = {**kernel_env(dict(os.environ)), **private_env(self.box)}
        if not self.sandboxed:
            make_box(self.box)
        args = ["--box", str(self.box), "--cpu", str(self.limits.cpu_seconds),
                "--disk", str(self.limits.disk_mb), *(["--sandboxed"] if self.sandboxed else []),
                *self.modules]
        command = sandboxed(python_module("autograder.engine.inside", *args), self.runtime, self.limits,
                            self.read_only, self.device_files, env)
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     env=env, cwd=self.runtime, start_new_session=True, bufsize=0,
                                     preexec_fn=limiter(self.limits, die_with_parent=True))
        ready = self._line(START_TIMEOUT).split()
        if ready[:1] == ["unsafe"] and self.modules:
            # an import started a device runtime: forks of this zygote would inherit its dead
            # threads (and CUDA context); a zygote that preloads nothing is always safe
            self.modules = []
            return self.start()
        if len(ready) != 2 or ready[0] != "ready" or not ready[1].isdigit():
            raise ZygoteLost("the kernel zygote did not start")
        self.inner_pid = int(ready[1])

    def _line(self, timeout: float) -> str:
        out = self.proc.stdout
        if not select.select([out], [], [], timeout)[0]:
            self.stop()
            raise ZygoteLost("the kernel zygote stopped answering")
        line = out.readline(4096)
        if not line:
            self.stop()
            raise ZygoteLost("the kernel zygote died")
        return line.decode("ascii", "replace").strip()

    def _call(self, request: dict, timeout: float) -> str:
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        try:
            self.proc.stdin.write(json.dumps(request).encode() + b"\n")
            self.proc.stdin.flush()
        except OSError:
            self.stop()
            raise ZygoteLost("the kernel zygote died") from None
        return self._line(timeout)

    def fork(self, argv: list[str], env: dict[str, str], cwd: str) -> ForkedKernel:
        """A kernel running ``ipykernel`` with ``argv``, in ``cwd`` with environment ``env``.

        A zygote that died (a submission may kill its parent) is started again first.
        """
        reply = self._call({"argv": argv, "env": env, "cwd": cwd}, 60)
        if not reply.isdigit():
            self.stop()
            raise ZygoteLost("the kernel zygote answered nonsense")
        pid = host_pid(self.proc.pid, int(reply)) if self.sandboxed else int(reply)
        if pid is None:
            raise ZygoteLost("the forked kernel vanished")
        return ForkedKernel(pid)

    def sweep(self) -> None:
        """Kill what the last submission left running and wipe the kernel's folders; a zygote
        that cannot do that is stopped (the next job starts a fresh sandbox)."""
        try:
            if self.proc is not None and self._call({"sweep": True}, 60) != "swept":
                self.stop()
        except ZygoteLost:
            pass
        wipe(self.runtime)

    def stop(self) -> None:
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            self.proc = None


_zygote: Zygote | None = None


def use_zygote(zygote: Zygote | None) -> None:
    """Make kernels that :class:`ForkedExecute` starts in this process come from ``zygote``."""
    global _zygote
    _zygote = zygote


class ForkingProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, with kernels forked from the sandboxed zygote; any
    other kind of kernel is refused (a notebook's metadata may name one)."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any):
        if _zygote is None or cmd[1:3] != ["-m", "ipykernel_launcher"]:
            raise RuntimeError(f"refused to start a kernel other than the course's Python: {cmd[:3]}")
        env = {**kernel_env(dict(kwargs.get("env") or os.environ)), **private_env(_zygote.box)}
        cwd = str(_zygote.box / "work")
        self.process = _zygote.fork(cmd[3:], env, cwd)
        self.pid = self.pgid = self.process.pid
        self.cwd = cwd
        return self.connection_info


class ForkingKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` whose kernels come from :class:`ForkingProvisioner`, talking
    over Unix sockets (the sandbox has no network)."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("transport", "ipc")
        if _zygote is not None:  # the connection file and the sockets go where both sides see
            kwargs.setdefault("connection_file", str(_zygote.runtime / f"k{uuid.uuid4().hex[:12]}.json"))
        super().__init__(**kwargs)

    async def _async_pre_start_kernel(self, **kw: Any):
        if self.provisioner is None:
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            self.provisioner = ForkingProvisioner(kernel_id=self.kernel_id,
                                                  kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)


class ForkedExecute(Execute):
    """nbgrader's ``Execute`` with sandboxed forked kernels.

    Each cell may use ``cell_cpu_seconds`` of the kernel's CPU time (it is interrupted past
    that); nbgrader's wall-clock ``timeout`` stays as a generous guard for cells that sleep.
    With a :attr:`judge`, the run's challenges are planted first and every test cell it covers
    is judged from its evidence afterwards (:mod:`autograder.engine.judging`). Canary cells are
    planted among the tests and checked after the run (``verdict``, also left in
    :data:`LAST_VERDICT`), and a probe cell at the end reports the device
    (:data:`LAST_DEVICE`); every process the notebook left behind is killed before nbgrader
    saves the scores.
    """

    cell_cpu_seconds: float = 0.0
    #: The lab's judge and the run's challenge seed (no judge: the kernel's tests decide).
    judge: Judge | None = None
    seed: int = 0

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs["kernel_manager_class"] = ForkingKernelManager
        # Every output is in by the time the kernel stops, and the sweep kills whatever is
        # left: waiting for a graceful shutdown cost ~3 s per submission, for nothing.
        kwargs["shutdown_kernel"] = "immediate"
        super().__init__(*args, **kwargs)

    def preprocess(self, nb, resources=None, km=None):
        global LAST_VERDICT, LAST_DEVICE
        clock = time.perf_counter()
        self._cells_seconds = 0.0
        self._first_cell = self._last_cell = None
        if self.judge is not None:
            judging.plant(nb, self.judge, self.seed)
        canaries = plant(nb)
        probe.plant(nb)
        planted = time.perf_counter()
        try:
            nb, resources = super().preprocess(nb, resources, km)
        finally:
            ran = time.perf_counter()
            if _zygote is not None:
                _zygote.sweep()
        swept = time.perf_counter()
        LAST_VERDICT = verdict(nb, canaries)
        LAST_DEVICE = probe.read(nb)
        if self.judge is not None:
            judging.judge_notebook(nb, self.judge, self.seed, self.cell_cpu_seconds)
        first, last = self._first_cell or ran, self._last_cell or ran
        LAST_TIMINGS.update({
            "challenges and judging": planted - clock + time.perf_counter() - swept,
            "notebook cells": self._cells_seconds,
            "kernel start": first - planted,
            "kernel stop": ran - last,
            "between cells": last - first - self._cells_seconds,
            "sweep after the kernel": swept - ran})
        return nb, resources

    async def _cpu_watchdog(self) -> None:
        """Interrupt the cell once the sandbox's processes (the kernel and everything it
        started, live or gone) used its CPU budget; stop what the kernel started first."""
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        if process is None or self.cell_cpu_seconds <= 0:
            return
        root = _zygote.proc.pid if _zygote is not None and _zygote.proc is not None else process.pid
        start = tree_cpu_seconds(root)
        while tree_cpu_seconds(root) - start < self.cell_cpu_seconds:
            await asyncio.sleep(0.25)
        for pid in descendants(process.pid):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        await self.km.interrupt_kernel()

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        watchdog = asyncio.ensure_future(self._cpu_watchdog())
        start = time.perf_counter()
        self._first_cell = self._first_cell or start
        try:
            return await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        finally:
            watchdog.cancel()
            self._last_cell = time.perf_counter()
            self._cells_seconds += self._last_cell - start

    execute_cell = run_sync(async_execute_cell)


#: Where the last notebook's seconds went inside :class:`ForkedExecute` (phase: seconds).
LAST_TIMINGS: dict[str, float] = {}
#: What the canaries of the last notebook :class:`ForkedExecute` ran said (``None``: trusted).
LAST_VERDICT: str | None = None
#: What the probe of the last notebook :class:`ForkedExecute` ran reported (backend, device).
LAST_DEVICE: dict | None = None
