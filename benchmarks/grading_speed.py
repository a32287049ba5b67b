"""Plain ``nbgrader autograde`` against ``autograder grade``, locally and on Dask, in one run.

    python benchmarks/grading_speed.py [--labs lab1 lab2 lab3] [--size 42] [--no-dask]

The class: for each lab, the solution, the untouched release and one student per catalogued
mistake, repeated until it holds ``--size`` submissions (mixed quality). Every grader gets the
same notebooks on the same machine: plain nbgrader, ``grade`` on the local warm pool (``--jobs``
slots) and ``grade --cluster`` on a loopback Dask cluster (a scheduler and ``--jobs`` workers
of one slot each, started before the clock starts, as a standing cluster would be). A last
pass only executes each notebook (nbclient, no grading) to estimate what the notebooks
themselves cost, so the overhead per submission can be told apart from the work.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from itertools import cycle
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from tabulate import tabulate

from autograder.course import Course
from autograder.engine.nbconfig import apply_kernel_env
from autograder.grade import grade
from autograder.verify import simulated_class

ROOT = Path(__file__).resolve().parents[1]


def build_class(course: Course, labs: list[str], size: int, folder: Path) -> dict[str, int]:
    """Write ``size`` submissions spread over ``labs`` into ``folder/<lab>/<student>/``."""
    pools = {}
    for lab in labs:
        simulated_class(course, lab, folder / "pool" / lab)
        pools[lab] = sorted((folder / "pool" / lab).iterdir())
    counts = dict.fromkeys(labs, 0)
    order = cycle([(lab, p) for i in range(max(map(len, pools.values())))
                   for lab in labs for p in pools[lab][i:i + 1]])
    for n in range(size):
        lab, student_dir = next(order)
        target = folder / lab / f"s{n:03d}-{student_dir.name}"
        shutil.copytree(student_dir, target)
        counts[lab] += 1
    shutil.rmtree(folder / "pool")
    return counts


def plain_nbgrader(labs: list[str], submissions: Path, scratch: Path) -> float:
    """Wall time of stock ``nbgrader generate_assignment`` + ``autograde``, one lab at a time."""
    course_dir = scratch / "plain"
    (course_dir / "source").mkdir(parents=True)
    (course_dir / "nbgrader_config.py").write_text(
        "c = get_config()\nc.Execute.timeout = 300\n"
        "c.CourseDirectory.ignore = ['.ipynb_checkpoints', '*.py', 'mistakes.json']\n")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    nbgrader = [sys.executable, "-m", "nbgrader"]
    for lab in labs:
        shutil.copytree(ROOT / "solutions" / lab, course_dir / "source" / lab)
        subprocess.run([*nbgrader, "generate_assignment", lab, "--force"], cwd=course_dir,
                       env=env, check=True, capture_output=True)
        for student in (submissions / lab).iterdir():
            shutil.copytree(student, course_dir / "submitted" / student.name / lab)
    start = time.perf_counter()
    for lab in labs:
        subprocess.run([*nbgrader, "autograde", lab, "--force"], cwd=course_dir, env=env,
                       check=True, capture_output=True)
    return time.perf_counter() - start


def ours(labs: list[str], submissions: Path, work: Path, **options: object) -> float:
    """Wall time of ``autograder grade`` for the same class (``options`` go to ``grade``)."""
    course = Course(ROOT, work)
    start = time.perf_counter()
    for lab in labs:
        grade(course, lab, submissions / lab, progress=False, **options)
    return time.perf_counter() - start


@contextlib.contextmanager
def dask_cluster(workers: int) -> Iterator[str]:
    """A Dask scheduler on loopback (in this process) and ``workers`` ``autograder worker``
    processes of one slot each; yields the scheduler's address."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=0, host="127.0.0.1", dashboard_address=None) as cluster:
        procs = [subprocess.Popen([sys.executable, "-m", "autograder.cli", "worker",
                                   cluster.scheduler_address, "--slots", "1"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for _ in range(workers)]
        try:
            with Client(cluster) as client:
                client.wait_for_workers(workers, timeout=300)
            yield cluster.scheduler_address
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait()


@contextlib.contextmanager
def kernels_quiet() -> Iterator[None]:
    """Send what kernels print on the inherited stderr (start-up warnings) to /dev/null."""
    saved = os.dup(2)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)


def execution_only(labs: list[str], submissions: Path) -> float:
    """Seconds to just run every notebook once with nbclient, serially, each in a fresh kernel:
    what the notebooks cost when no grader is involved."""
    apply_kernel_env()
    total = 0.0
    for lab in labs:
        for student in sorted((submissions / lab).iterdir()):
            nb = nbformat.read(student / f"{lab}.ipynb", as_version=4)
            with tempfile.TemporaryDirectory() as cwd:
                start = time.perf_counter()
                NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                               resources={"metadata": {"path": cwd}}).execute()
                total += time.perf_counter() - start
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labs", nargs="+", default=["lab1", "lab2", "lab3"])
    parser.add_argument("--size", type=int, default=42, help="submissions in the class")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-dask", dest="dask", action="store_false",
                        help="leave out the Dask column")
    args = parser.parse_args()
    course = Course(ROOT, ROOT / "grading")
    scratch = Path(tempfile.mkdtemp(prefix="grading-speed-"))
    try:
        counts = build_class(course, args.labs, args.size, scratch / "class")
        print(f"class: {args.size} submissions ({counts}); {args.jobs} worker(s); "
              f"{os.cpu_count()} core(s)")
        plain = plain_nbgrader(args.labs, scratch / "class", scratch)
        mine = ours(args.labs, scratch / "class", scratch / "ours", jobs=args.jobs)
        if args.dask:
            with dask_cluster(args.jobs) as address:
                dask = ours(args.labs, scratch / "class", scratch / "dask", cluster=address)
        with kernels_quiet():
            alone = execution_only(args.labs, scratch / "class")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    n = args.size
    rows = [["nbgrader autograde (serial)", f"{plain:.1f}", f"{60 * n / plain:.1f}", "1.00"],
            ["autograder grade", f"{mine:.1f}", f"{60 * n / mine:.1f}", f"{plain / mine:.2f}"]]
    if args.dask:
        rows.append([f"autograder grade --cluster ({args.jobs} Dask workers x 1 slot)",
                     f"{dask:.1f}", f"{60 * n / dask:.1f}", f"{plain / dask:.2f}"])
    print(tabulate(rows, headers=["grader", "wall s", "submissions/min", "speed-up"],
                   tablefmt="github"))
    overhead = (mine * args.jobs - alone) / n
    print(f"\nnotebooks alone (nbclient, serial): {alone:.1f} s, {alone / n:.2f} s each")
    print(f"overhead per submission in `grade` (wall x workers - notebooks alone) / n: "
          f"{overhead:.2f} s")
    if args.dask:
        print(f"Dask backend's overhead per submission over the local pool (wall difference / n): "
              f"{(dask - mine) / n:.2f} s")


if __name__ == "__main__":
    main()
