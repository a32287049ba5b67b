"""Where student code runs: an allow-list bubblewrap sandbox, with resource limits.

A grading slot keeps one sandbox alive for many submissions; student kernels are forked inside
it (see :mod:`autograder.engine.kernels`). The sandbox sees only what :func:`visible_paths` lists, all
read-only: the system's programs and libraries, a few files of ``/etc``, the Python installation
and its packages, the course's helper packages and the generated-data cache. Everything else on
the machine (``/home``, ``/root``, the host's ``/tmp``, the course's ``solutions/``, the
submissions folder, other jobs, the job's gradebook) does not exist inside. What a kernel may
write is a private, size-limited ``/box`` (its working folder, home and temporary files) and
``/tmp``, both wiped between submissions, and the slot's runtime folder (connection file and
the kernel's sockets). There is no network, no other process of the machine, no capability, and
the environment holds only the variables :func:`kernel_env` allows.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import os
import resource
import shutil
import signal
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

#: The system folders a kernel needs (read-only); symbolic links among them are recreated.
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")

#: Files and folders of ``/etc`` a kernel needs: the dynamic loader, locale and time zone,
#: fonts for plots, user names for ``getpass`` (no password hashes: ``shadow`` stays out).
ETC_PATHS = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "timezone",
             "alternatives", "fonts", "mime.types", "passwd", "group", "nsswitch.conf", "hosts",
             "ssl", "ca-certificates", "os-release", "matplotlibrc", "fluidsynth")

#: The course's own packages that kernels import (read-only, wherever they are installed).
COURSE_PACKAGES = ("autograder", "nnkit", "coursedata")

#: Inside the sandbox: the kernel's private, size-limited folder (wiped between submissions).
BOX = Path("/box")

#: Environment variables a kernel may see, by exact name (a prefix would admit an instructor's
#: ``TF_TOKEN_...`` or an ``LC_`` note); nothing else of the instructor's environment reaches
#: student code.
ALLOWED_ENV = frozenset({
    "PATH", "HOME", "TMPDIR", "LANG", "LANGUAGE", "TZ", "TERM", "JUPYTER_RUNTIME_DIR",
    "IPYTHONDIR", "MPLCONFIGDIR", "NUMBA_CACHE_DIR", "KERAS_HOME", "XDG_CACHE_HOME",
    "XDG_CONFIG_HOME", "JPY_PARENT_PID", "JPY_SESSION_NAME", "PYDEVD_DISABLE_FILE_VALIDATION",
    "NBGRADER_EXECUTION", "PYTHONWARNINGS", "PYTHONHASHSEED", "MPLBACKEND", "KERAS_BACKEND",
    "CUDA_VISIBLE_DEVICES", "XLA_PYTHON_CLIENT_PREALLOCATE", "XLA_PYTHON_CLIENT_ALLOCATOR",
    "XLA_FLAGS", "JAX_PLATFORMS", "PYTORCH_CUDA_ALLOC_CONF", "LD_LIBRARY_PATH", "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
    "NN_COURSE_FAST", "NN_COURSE_CACHE",
    "LC_ALL", "LC_CTYPE", "LC_NUMERIC", "LC_TIME", "LC_COLLATE", "LC_MONETARY", "LC_MESSAGES",
    "LC_PAPER", "LC_NAME", "LC_ADDRESS", "LC_TELEPHONE", "LC_MEASUREMENT", "LC_IDENTIFICATION",
    "TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS", "TF_FORCE_GPU_ALLOW_GROWTH",
    "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "TF_GPU_ALLOCATOR", "TF_DETERMINISTIC_OPS",
    "TF_XLA_FLAGS",
})


@dataclass(frozen=True)
class Limits:
    """Per-submission limits: address space (MiB) per process, CPU seconds per kernel, and
    disk (MiB) for each of the kernel's writable folders (and for any one file it writes)."""

    memory_mb: int = 8192
    cpu_seconds: int = 900
    disk_mb: int = 1024
    #: ``memory_mb`` caps the address space; where GPU drivers reserve address space far beyond
    #: what they use (CUDA does), it caps the process's data (heap and private mappings) instead.
    address_space: bool = True


def bubblewrap() -> str | None:
    """The ``bwrap`` executable, or ``None`` when this machine has no sandbox."""
    return shutil.which("bwrap")


def kernel_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` reduced to the variables a kernel may see."""
    return {k: v for k, v in env.items() if k in ALLOWED_ENV}


def private_env(box: Path) -> dict[str, str]:
    """Environment that sends every write a kernel makes (home, temp, caches) into ``box``."""
    return {"HOME": str(box / "home"), "TMPDIR": str(box / "tmp"),
            "IPYTHONDIR": str(box / "ipython"), "MPLCONFIGDIR": str(box / "matplotlib"),
            "NUMBA_CACHE_DIR": str(box / "numba"), "KERAS_HOME": str(box / "keras"),
            "XDG_CACHE_HOME": str(box / "cache"), "XDG_CONFIG_HOME": str(box / "config")}


def make_box(box: Path) -> None:
    """Create the kernel's folders in ``box``: ``work`` (its working folder) and those of
    :func:`private_env`."""
    for sub in ("work", *(Path(p).name for p in private_env(box).values())):
        (box / sub).mkdir(parents=True, exist_ok=True)


def _package_dirs() -> list[str]:
    dirs = []
    for name in COURSE_PACKAGES:
        with contextlib.suppress(ImportError, ValueError):
            spec = importlib.util.find_spec(name)
            if spec and spec.submodule_search_locations:
                dirs += list(spec.submodule_search_locations)
    return dirs


def visible_paths(extra: Iterable[str | Path] = ()) -> list[str]:
    """Every host path the sandbox shows (read-only), besides ``/dev``, ``/proc`` and its own
    folders: the allow-list, in one place."""
    paths = [*SYSTEM_PATHS, *(f"/etc/{name}" for name in ETC_PATHS),
             sys.base_prefix, sys.prefix, *_package_dirs(), *map(str, extra)]
    return [p for p in dict.fromkeys(os.path.abspath(p) for p in paths) if os.path.lexists(p)]


def sandboxed(command: list[str], runtime: Path, limits: Limits, read_only: Iterable[str | Path] = (),
              device_files: tuple[str, ...] = (), env: dict[str, str] | None = None) -> list[str]:
    """``command`` wrapped in bubblewrap (see the module's docstring). ``runtime`` is the one
    host folder it may write (at the same path inside); ``read_only`` adds host paths (the data
    cache); ``device_files`` are passed through (GPUs); ``env`` is its whole environment."""
    bwrap = bubblewrap()
    if bwrap is None:
        return command
    args = [bwrap, "--clearenv"]
    for key, value in sorted((env or {}).items()):
        args += ["--setenv", key, value]
    # The kernel's own folders first: a course or cache that lives under /tmp is then bound
    # on top of the private /tmp, not hidden by it.
    size = str(limits.disk_mb * 1024 * 1024)
    args += ["--dev", "/dev", "--proc", "/proc", "--size", size, "--tmpfs", "/tmp",
             "--size", size, "--tmpfs", str(BOX), "--size", size, "--tmpfs", "/dev/shm",
             "--mqueue", "/dev/mqueue"]
    for path in visible_paths(read_only):
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        else:
            args += ["--ro-bind", path, path]
    for device in device_files:
        args += ["--dev-bind", device, device]
    # Last: the sandbox's own root and /dev become read-only, so nothing is written (or left
    # for the next student) outside the size-limited, wiped folders above.
    args += ["--bind", str(runtime), str(runtime), "--remount-ro", "/dev", "--remount-ro", "/",
             "--unshare-net", "--unshare-pid",
             "--unshare-ipc", "--unshare-uts", "--cap-drop", "ALL", "--die-with-parent",
             "--new-session", "--chdir", "/"]
    return [*args, *command]


def limiter(limits: Limits, die_with_parent: bool = False) -> Callable[[], None]:
    """A ``preexec_fn`` that caps the address space of the child and everything it starts (the
    CPU-time and file-size limits are set per kernel: see :func:`limit_kernel`); with
    ``die_with_parent`` the child is killed when the thread that started it ends."""

    def apply() -> None:
        memory = limits.memory_mb * 1024 * 1024
        kind = resource.RLIMIT_AS if limits.address_space else resource.RLIMIT_DATA
        resource.setrlimit(kind, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if die_with_parent:
            pr_set_pdeathsig = 1
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)

    return apply


def limit_kernel(cpu_seconds: int, disk_mb: int) -> None:
    """Let this process (a fresh kernel) use at most ``cpu_seconds`` of CPU time and write no
    file larger than ``disk_mb``."""
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    size = disk_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))


def protect_from_tracing() -> None:
    """Make this process non-dumpable: without ``CAP_SYS_PTRACE`` (dropped in the sandbox) no
    other process may trace it or read or write its memory or file descriptors. Forked
    children inherit this."""
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
    init, until none is left (a fork loop is outrun). Call only inside a sandbox."""
    for _ in range(1000):
        strays = [pid for pid in _live_pids() if pid != 1 and pid not in spared]
        if not strays:
            return
        for pid in strays:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)


def _open_up(folder: str) -> None:
    """Give the owner back every right on ``folder`` and on each folder below it (a kernel may
    make folders unreadable, mode 000: an owner needs no capability to undo that)."""
    todo = [folder]
    while todo:
        path = todo.pop()
        with contextlib.suppress(OSError):
            os.chmod(path, 0o700)
            todo += [e.path for e in os.scandir(path) if e.is_dir(follow_symlinks=False)]


def wipe(folder: Path) -> None:
    """Remove everything inside ``folder`` (never following links), keeping the folder."""
    with contextlib.suppress(FileNotFoundError):
        os.chmod(folder, os.stat(folder).st_mode | 0o700)
        for entry in os.scandir(folder):
            if entry.is_dir(follow_symlinks=False):
                _open_up(entry.path)
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _status_field(pid: int, name: str) -> list[str]:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(name + ":"):
                return line.split()[1:]
    return []


def host_pid(ancestor: int, inner: int) -> int | None:
    """The host's pid of the process that is ``inner`` in its own (sandbox) pid namespace and
    descends from host process ``ancestor``; ``None`` if there is none."""
    for pid in _live_pids():
        nspid = _status_field(pid, "NSpid")
        if len(nspid) < 2 or nspid[-1] != str(inner):
            continue
        walk = pid
        while walk > 1:
            if walk == ancestor:
                return pid
            ppid = _status_field(walk, "PPid")
            walk = int(ppid[0]) if ppid else 0
    return None


def _stat_fields(pid: int) -> list[str]:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return []
    return stat[stat.rindex(")") + 2:].split()


def descendants(root: int) -> list[int]:
    """The live processes below host process ``root`` (children, their children...)."""
    children: dict[int, list[int]] = {}
    for pid in _live_pids():
        fields = _stat_fields(pid)
        if fields:
            children.setdefault(int(fields[1]), []).append(pid)
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def tree_cpu_seconds(root: int) -> float:
    """CPU time used by ``root`` and every process below it, live or already reaped (a reaped
    child's time is in its parent's count): what a budget for a sandbox's work must count."""
    total = 0
    for pid in (root, *descendants(root)):
        fields = _stat_fields(pid)
        if fields:
            total += sum(int(fields[i]) for i in (11, 12, 13, 14))
    return total / os.sysconf("SC_CLK_TCK")
