"""The grading part of ``benchmarks/gpu_check.sh``: grade small simulated classes of the Keras labs
with the JAX backend on the GPU, then on the CPU, and write a report.

    python benchmarks/gpu_check.py --out OUT [--labs lab4 lab5] [--jobs 4] [--budget 480]

For each lab the class is the solution, the untouched release and the first catalogued mistake
of each of ``--mistakes`` distinct answer cells (Keras cells first). Each pass grades the class
with :func:`autograder.grade.grade` on this machine's warm pool (``--jobs`` slots whose kernels
are forked from a sandboxed zygote that has imported Keras and JAX), first with ``device="gpu"``
(skipped on a machine without one), then ``device="cpu"``. It checks what
:mod:`autograder.verify` checks (the solution full marks, the release zero, each mistake loses
its cells), and that every kernel of the GPU pass reported a GPU from inside itself.

Writes ``OUT/gpu_check.json`` and ``OUT/gpu_check.md`` after every lab graded (a run stopped
at its time limit still leaves what it did). Exit status: 0 when every expectation held and
every GPU kernel ran on a GPU, 1 when one did not, 3 when this machine has no GPU (only the CPU
pass ran; its expectations held).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from autograder.course import Course
from autograder.engine import devices as devices_module
from autograder.engine.backend import LocalBackend
from autograder.engine.devices import plan
from autograder.engine.sandbox import Limits, bubblewrap, kernel_env, limiter, sandboxed
from autograder.grade import GradingInterrupted, cell_scores, grade, load_devices, load_reasons
from autograder.report import grades_table
from autograder.simulate import Mistake, load_mistakes, solved_notebook
from autograder.verify import Expectation

ROOT = Path(__file__).resolve().parents[1]
VERSIONS = ("jax", "jaxlib", "jax-cuda13-plugin", "jax-cuda12-plugin", "keras", "nbgrader",
            "numpy", "ipykernel", "nbclient", "jupyter-client", "pyzmq")
EXIT_OK, EXIT_FAILED, EXIT_NO_GPU = 0, 1, 3

#: Asks JAX, in a fresh interpreter, which devices it sees, and compiles and runs one product
#: on the first (the preflight's probe).
JAX_DEVICES = ("import json, jax, jax.numpy as jnp\n"
               "d = jax.devices()\n"
               "x = jnp.ones((64, 64))\n"
               "jax.jit(lambda a: a @ a)(x).block_until_ready()\n"
               "print('DEVICES', json.dumps([f'{x.platform}:{x.id}' for x in d]))\n")


@dataclass
class Student:
    """One simulated student: who, what was handed in, the grade that proves the lab right."""

    student: str
    what: str
    expectation: Expectation


@dataclass
class PassResult:
    """One lab graded on one device: per student score, lost cells, device report, seconds."""

    device: str
    wall_s: float | None = None
    error: str | None = None
    rows: dict[str, dict] = field(default_factory=dict)


def pick_mistakes(lab_dir: Path, count: int) -> list[Mistake]:
    """The first catalogued mistake of each of ``count`` distinct answer cells, those of cells
    named after Keras first (where the GPU matters)."""
    chosen: dict[str, Mistake] = {}
    mistakes = load_mistakes(lab_dir)
    for mistake in sorted(mistakes, key=lambda m: "keras" not in m.cell):
        if len(chosen) < count and mistake.cell not in chosen:
            chosen[mistake.cell] = mistake
    return list(chosen.values())


def write_class(course: Course, lab: str, mistakes: int, folder: Path) -> list[Student]:
    """Write ``lab``'s small class into ``folder/<student>/<notebook>``; return who is who."""
    source = course.source_notebooks(lab)[0]
    released = course.labs / lab / source.name
    notebooks = {"solution": (Expectation("the solution", "full"), solved_notebook(source, released)),
                 "release": (Expectation("the release, untouched", "zero"),
                             nbformat.read(released, as_version=4))}
    for i, mistake in enumerate(pick_mistakes(course.solutions / lab, mistakes), start=1):
        notebooks[f"mistake{i}"] = (Expectation(f"mistake: {mistake.name}", "loses", mistake.loses),
                                    solved_notebook(source, released, (mistake,)))
    students = []
    for student, (expectation, nb) in notebooks.items():
        (folder / student).mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, folder / student / source.name)
        students.append(Student(student, expectation.what, expectation))
    return students


def _seconds(course: Course, lab: str) -> dict[str, float | None]:
    path = course.work / "reasons" / f"{lab}.graded.json"
    data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    return {student: entry.get("seconds") for student, entry in data.items()}


def grade_pass(lab: str, device: str, students: list[Student], submissions: Path, scratch: Path,
               args: argparse.Namespace) -> PassResult:
    """Grade ``lab``'s class on ``device`` (``"gpu"`` or ``"cpu"``) in a working folder of its own;
    the slots (and their worker logs) stay under ``scratch/<device>-<lab>/slots``."""
    result = PassResult(device)
    course = Course(ROOT, scratch / f"{device}-{lab}" / "work")
    backend = LocalBackend(scratch / f"{device}-{lab}", args.jobs)
    start = time.perf_counter()
    try:
        grade(course, lab, submissions, keras_backend=args.backend, device=device, jobs=args.jobs,
              progress=True, notebook_timeout=args.notebook_timeout, backend=backend)
    except GradingInterrupted as exc:
        result.error = str(exc)
    except Exception as exc:  # reported, never hidden
        result.error = f"{type(exc).__name__}: {exc}"
    result.wall_s = round(time.perf_counter() - start, 1)
    try:
        table = grades_table(course, lab).set_index("student_id")
    except Exception as exc:
        result.error = result.error or f"no grades: {type(exc).__name__}: {exc}"
        return result
    devices, reasons, seconds = load_devices(course, lab), load_reasons(course, lab), _seconds(course, lab)
    for s in students:
        scores = cell_scores(course, lab, s.student) if s.student in table.index else {}
        total = sum(got for got, _ in scores.values())
        most = sum(m for _, m in scores.values())
        lost = sorted(gid for gid, (got, m) in scores.items() if got < m)
        result.rows[s.student] = {
            "graded": bool(scores), "score": total, "max": most, "lost": lost,
            "ok": s.expectation.holds(total, most, lost),
            "device": devices.get(s.student), "seconds": seconds.get(s.student),
            "reason": reasons.get(s.student, "") or ("" if scores else "not graded")}
    return result


def on_gpu(report: dict | None) -> bool:
    """Whether a kernel's own report says it ran Keras on a GPU."""
    device = str((report or {}).get("device") or "")
    return device.startswith(("gpu", "cuda", "/device:GPU"))


def preflight(timeout: float) -> dict[str, str]:
    """Which devices JAX sees in a fresh interpreter: with this environment, with only what a
    kernel may see (the sandbox's allow-list), and inside the sandbox itself. A GPU lost at one
    of these steps says which layer of grading loses it."""
    devices = plan("gpu", backend="jax")
    env = {**kernel_env(dict(os.environ)), **devices.env_for(0)}
    limits = Limits(address_space=False)
    found = {}
    with tempfile.TemporaryDirectory(prefix="gpu-check-", dir="/tmp") as runtime:
        command = [sys.executable, "-P", "-c", JAX_DEVICES]
        steps = {"full environment": (command, {**os.environ, **devices.env_for(0)}),
                 "kernel environment": (command, env)}
        if bubblewrap():
            steps["sandboxed"] = (sandboxed(command, Path(runtime), limits,
                                            device_files=devices.device_files, env=env), env)
        for name, (argv, step_env) in steps.items():
            try:
                run = subprocess.run(argv, env=step_env, capture_output=True, text=True, cwd=runtime,
                                     timeout=timeout, preexec_fn=limiter(limits))
                line = [x for x in run.stdout.splitlines() if x.startswith("DEVICES ")]
                found[name] = line[-1][8:] if line else f"failed: {(run.stderr.strip() or '?')[-300:]}"
            except subprocess.TimeoutExpired:
                found[name] = f"no answer in {timeout:.0f} s"
    return found


def versions() -> dict[str, str]:
    """Python's and the main packages' versions, as the kernels import them."""
    found = {"python": platform.python_version()}
    for name in VERSIONS:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return found


def _fmt(value: object, digits: int = 0) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _device(row: dict) -> str:
    """A kernel's device as the report shows it: ``gpu:0 (CUDA_VISIBLE_DEVICES=0)``."""
    if not row:
        return "-"
    info = row.get("device")
    if not info:
        return "not reported"
    visible = f" (visible {info['visible']})" if info.get("visible") not in (None, "-1") else ""
    return f"{info.get('device', '?')}{visible}"


def markdown(data: dict) -> str:
    """The report as Markdown: the machine, one table per lab, the verdict."""
    m = data["machine"]
    lines = ["# GPU check of grading", "",
             f"**Verdict: {data['verdict']}**", "",
             f"- machine: {m['gpu'] or 'no GPU'}; {m['cores']} cores; {m['glibc']}",
             "- versions: " + ", ".join(f"{k} {v}" for k, v in data["versions"].items()),
             f"- Keras backend {data['backend']}, {data['jobs']} slots; sandboxed: {data['sandbox']}",
             f"- wheels carried: {data['setup'].get('wheels', '-')}; offline install "
             f"{data['setup'].get('install_s', '-')} s",
             "- wall times: " + ", ".join(f"{k} {v} s" for k, v in data["wall_s"].items())]
    if data.get("preflight"):
        lines.append("- JAX devices in a fresh interpreter: " + "; ".join(
            f"{k}: {v}" for k, v in data["preflight"].items()))
    for note in data["notes"]:
        lines.append(f"- note: {note}")
    for lab, info in data["labs"].items():
        gpu, cpu = info["passes"].get("gpu", {}), info["passes"].get("cpu", {})
        lines += ["", f"## {lab}", "",
                  f"GPU pass: {_fmt(gpu.get('wall_s'))} s wall{', ' + gpu['error'] if gpu.get('error') else ''}"
                  f"; CPU pass: {_fmt(cpu.get('wall_s'))} s wall"
                  f"{', ' + cpu['error'] if cpu.get('error') else ''}", "",
                  "| student | what | score GPU | score CPU | expected ok (GPU/CPU) "
                  "| device GPU pass / CPU pass | peak MiB (GPU) | s GPU | s CPU |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for s in info["students"]:
            g, c = gpu.get("rows", {}).get(s["student"], {}), cpu.get("rows", {}).get(s["student"], {})
            ok = "/".join("-" if not r else "yes" if r["ok"] else "NO" for r in (g, c))
            devices = " / ".join(_device(r) for r in (g, c))
            lines.append(
                f"| {s['student']} | {s['what']} | {_fmt(g.get('score'), 1)}/{_fmt(g.get('max'), 1)} "
                f"| {_fmt(c.get('score'), 1)}/{_fmt(c.get('max'), 1)} | {ok} | {devices} "
                f"| {_fmt((g.get('device') or {}).get('peak_mb'))} | {_fmt(g.get('seconds'), 1)} "
                f"| {_fmt(c.get('seconds'), 1)} |")
        for name, p in (("GPU", gpu), ("CPU", cpu)):
            for student, row in p.get("rows", {}).items():
                if row.get("reason") or not row.get("ok"):
                    lines.append(f"\n{name} {student}: lost {row.get('lost')}; {row.get('reason') or ''}")
    return "\n".join(lines) + "\n"


def save(data: dict, out: Path) -> None:
    """Write the JSON and the Markdown report (again: each lab graded adds to them)."""
    (out / "gpu_check.json").write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")
    (out / "gpu_check.md").write_text(markdown(data), encoding="utf-8")


def verdict(data: dict, gpus: int) -> tuple[int, str]:
    """The exit status and a one-line verdict."""
    problems: list[str] = []
    warnings: list[str] = []
    for lab, info in data["labs"].items():
        for device in ("gpu", "cpu") if gpus else ("cpu",):
            p = info["passes"].get(device)
            if p is None:
                if f"{lab} on the {device.upper()}" not in data["skipped"]:
                    problems.append(f"{lab} not graded on the {device.upper()}")
                continue
            if gpus and device == "cpu" and "interrupted" in (p.get("error") or ""):
                # With a GPU the CPU pass is only a comparison: cut short, it is no failure.
                warnings.append(f"{lab} on the CPU: {p['error']}")
                continue
            if p.get("error"):
                problems.append(f"{lab} {device.upper()}: {p['error']}")
            for s in info["students"]:
                row = p["rows"].get(s["student"])
                if row is None or not row.get("graded", True):
                    problems.append(f"{lab} {device.upper()} {s['student']}: not graded")
                elif not row["ok"]:
                    lost = ", ".join(row["lost"]) or "nothing"
                    problems.append(f"{lab} {device.upper()} {s['student']}: expectation failed "
                                    f"({row['score']:g}/{row['max']:g}, lost {lost})")
                elif device == "gpu" and not on_gpu(row["device"]):
                    problems.append(f"{lab} GPU {s['student']}: kernel ran on "
                                    f"{(row['device'] or {}).get('device', 'an unreported device')}")
    for what in data["skipped"]:
        # Without a GPU the CPU pass is the check; with one, the CPU pass is only a comparison.
        (warnings if gpus and what.endswith("CPU") else problems).append(f"{what}: skipped (time budget)")
    if problems:
        return EXIT_FAILED, "FAILED: " + "; ".join(problems[:12])
    if not gpus:
        return EXIT_NO_GPU, "no GPU on this machine: the CPU pass held every expectation (exit 3)"
    if warnings:
        return EXIT_OK, ("OK on the GPU: every expectation held and every kernel ran on a GPU; but "
                         + "; ".join(warnings))
    return EXIT_OK, "OK: every expectation held on GPU and CPU, and every GPU kernel ran on a GPU"


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--labs", nargs="+", default=["lab4", "lab5"])
    parser.add_argument("--mistakes", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("--backend", default="jax")
    parser.add_argument("--budget", type=float, default=360.0,
                        help="seconds this script may take; a pass that would not fit is skipped")
    parser.add_argument("--notebook-timeout", type=int, default=180)
    parser.add_argument("--scratch", type=Path, default=None,
                        help="where classes, working folders and slots go (default: a new /tmp folder)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    # ``timeout`` stops the script with SIGTERM: grade() then saves what it has and stops
    # (GradingInterrupted); between gradings the signal ends the loop here.
    signal.signal(signal.SIGTERM, _stop)
    args.out.mkdir(parents=True, exist_ok=True)
    scratch = args.scratch or Path(tempfile.mkdtemp(prefix="gpu_check.", dir="/tmp"))
    scratch.mkdir(parents=True, exist_ok=True)
    course = Course(ROOT, scratch / "unused")
    if os.environ.get("GPU_CHECK_PRETEND_GPUS"):  # testing the GPU path's code on a CPU machine
        pretend = int(os.environ["GPU_CHECK_PRETEND_GPUS"])
        devices_module.gpu_count = lambda: pretend
    gpus = devices_module.gpu_count()
    nvidia = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True).stdout.strip() \
        if shutil.which("nvidia-smi") else ""
    data: dict = {
        "verdict": "running", "backend": args.backend, "jobs": args.jobs,
        "machine": {"gpu": nvidia, "gpus": gpus, "cores": os.cpu_count(),
                    "glibc": " ".join(platform.libc_ver()), "platform": platform.platform()},
        "versions": versions(),
        "sandbox": f"yes ({bubblewrap()})" if bubblewrap() else "no (bwrap not on PATH)",
        "setup": json.loads(os.environ.get("GPU_CHECK_SETUP", "{}")),
        "notes": [], "wall_s": {}, "labs": {}, "skipped": [], "preflight": {}}
    if not gpus:
        data["notes"].append("no GPU on this machine: the GPU pass is skipped, the CPU pass runs")
    save(data, args.out)
    classes = {}
    for lab in args.labs:
        students = write_class(course, lab, args.mistakes, scratch / "class" / lab)
        classes[lab] = students
        data["labs"][lab] = {"students": [{"student": s.student, "what": s.what,
                                           **asdict(s.expectation)} for s in students],
                             "passes": {}}
    order = [(d, lab) for d in (("gpu", "cpu") if gpus else ("cpu",)) for lab in args.labs]
    took: dict[str, float] = {}  # the longest pass so far, per lab and per device
    try:
        if gpus:
            t = time.perf_counter()
            data["preflight"] = preflight(90)
            data["wall_s"]["preflight"] = round(time.perf_counter() - t, 1)
            print("gpu_check: preflight", json.dumps(data["preflight"]), flush=True)
            save(data, args.out)
        for device, lab in order:
            left = args.budget - (time.perf_counter() - start)
            guess = 1.2 * max(took.get(device, 0.0), 0.6 * took.get(lab, 0.0))
            if left < max(guess, 30.0):
                data["skipped"].append(f"{lab} on the {device.upper()}")
                continue
            print(f"gpu_check: grading {lab} on the {device.upper()} ({left:.0f} s left)", flush=True)
            result = grade_pass(lab, device, classes[lab], scratch / "class" / lab, scratch, args)
            for key in (lab, device):
                took[key] = max(took.get(key, 0.0), result.wall_s or 0.0)
            data["labs"][lab]["passes"][device] = asdict(result)
            data["wall_s"][f"{lab} {device.upper()}"] = result.wall_s
            save(data, args.out)
            if result.error and "interrupted" in result.error:
                raise KeyboardInterrupt
    except KeyboardInterrupt:
        data["notes"].append("stopped by a signal (time limit): the report holds what was done")
    code, line = verdict(data, gpus)
    data["verdict"] = line
    data["wall_s"]["grading script"] = round(time.perf_counter() - start, 1)
    data["scratch"] = str(scratch)
    save(data, args.out)
    print(f"gpu_check: {line}", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
