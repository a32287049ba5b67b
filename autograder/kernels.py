"""Warm kernels: each submission's kernel is forked from a parent that has done the imports.

Starting a kernel and importing numpy, matplotlib, scikit-learn or TensorFlow costs seconds of
CPU per submission, the same seconds every time. A grading slot keeps one *zygote*: a process
that has imported ipykernel and the modules the lab's notebook imports, and does nothing else.
Each kernel is a ``fork()`` of it, so it starts with those modules loaded and its memory shared
copy-on-write; nothing a submission does reaches the zygote or the next kernel.

nbgrader runs notebooks through nbclient and jupyter_client, whose *provisioner* is the
extension point for how a kernel process comes to be: :class:`ForkingProvisioner` asks the
zygote instead of ``Popen``, so nbgrader's own execution (cell timeouts, interrupts, dead
kernels) is unchanged. Kernels that are not ``ipykernel`` start the usual way.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import importlib.util
import json
import os
import select
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from nbgrader.preprocessors import Execute

from autograder.sandbox import KERNEL_CPU_ENV, kill_strays, limit_cpu, protect_from_tracing

#: Environment variable that carries the modules a slot's zygote imports (comma-separated).
PRELOAD_ENV = "AUTOGRADER_PRELOAD"


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


class ForkedKernel:
    """The ``Popen``-like handle jupyter_client keeps for a kernel the zygote forked.

    The kernel is the zygote's child, not ours: a pidfd tells when it ended (its exit status
    stays with the zygote, so it reads as -1) and signals it without a race on pid reuse.
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


class Zygote:
    """The slot's warm parent process; :meth:`fork` makes a kernel from it."""

    def __init__(self, modules: list[str]):
        self.modules = modules
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        """Start the zygote; it is ready once it has imported everything."""
        self.proc = subprocess.Popen([sys.executable, "-m", "autograder.kernels", *self.modules],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        if self.proc.stdout.readline().strip() != "ready":
            raise RuntimeError("the kernel zygote did not start")

    def fork(self, argv: list[str], env: dict[str, str], cwd: str) -> ForkedKernel:
        """A kernel running ``ipykernel`` with ``argv``, in ``cwd`` with environment ``env``.

        A zygote that died (a submission may kill its parent) is started again first.
        """
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        self.proc.stdin.write(json.dumps({"argv": argv, "env": env, "cwd": cwd}) + "\n")
        self.proc.stdin.flush()
        return ForkedKernel(int(self.proc.stdout.readline()))

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None and self.proc.poll() is None else None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


_zygote: Zygote | None = None


def use_zygote(zygote: Zygote | None) -> None:
    """Make kernels that :class:`ForkedExecute` starts in this process come from ``zygote``."""
    global _zygote
    _zygote = zygote


def spared_pids() -> set[int]:
    """Processes a sweep of stray processes must leave alive: this one and its zygote."""
    spared = {os.getpid()}
    if _zygote is not None and _zygote.pid is not None:
        spared.add(_zygote.pid)
    return spared


class ForkingProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, with ipykernel kernels forked from the zygote."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any):
        if _zygote is None or cmd[1:3] != ["-m", "ipykernel_launcher"]:
            return await super().launch_kernel(cmd, **kwargs)
        cwd = str(kwargs.get("cwd") or os.getcwd())
        self.process = _zygote.fork(cmd[3:], dict(kwargs.get("env") or os.environ), cwd)
        self.pid = self.pgid = self.process.pid
        self.cwd = cwd
        return self.connection_info


class ForkingKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` whose kernels come from :class:`ForkingProvisioner`."""

    async def _async_pre_start_kernel(self, **kw: Any):
        if self.provisioner is None:
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            self.provisioner = ForkingProvisioner(kernel_id=self.kernel_id,
                                                  kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)


class ForkedExecute(Execute):
    """nbgrader's ``Execute`` with forked kernels; when the notebook is done, every process
    it left behind is killed before nbgrader saves the scores, so none can touch them."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs["kernel_manager_class"] = ForkingKernelManager
        super().__init__(*args, **kwargs)

    def preprocess(self, nb, resources=None, km=None):
        try:
            return super().preprocess(nb, resources, km)
        finally:
            kill_strays(spared_pids())


def _reap(signum: int, frame: Any) -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def _run_kernel(request: dict) -> int:
    """In the forked child: detach, take the kernel's environment, run ipykernel until it
    shuts down and return its exit status (the child then exits like any interpreter)."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.setsid()
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(2, 1)
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    if os.environ.get(KERNEL_CPU_ENV):
        limit_cpu(int(os.environ[KERNEL_CPU_ENV]))
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


def _zygote_main(modules: list[str]) -> int:
    """Import ipykernel and ``modules`` once, then fork one kernel per request line."""
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]  # as ipykernel_launcher does; the kernel puts '' back
    from ipykernel import kernelapp  # noqa: F401

    for name in modules:
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    protect_from_tracing()
    signal.signal(signal.SIGCHLD, _reap)
    print("ready", flush=True)
    for line in sys.stdin:
        pid = os.fork()
        if pid == 0:
            return _run_kernel(json.loads(line))
        print(pid, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(_zygote_main(sys.argv[1:]))
