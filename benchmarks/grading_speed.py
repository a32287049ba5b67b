"""Plain ``nbgrader autograde`` against ``autograder grade``, locally and on Dask, in one run.

    python benchmarks/grading_speed.py [--labs lab1 lab2 lab3] [--sizes 12 36] [--no-dask]

The class: for each lab, the solution, the untouched release and one student per catalogued
mistake, repeated until it holds ``--size`` submissions (mixed quality). Every grader gets the
same notebooks on the same machine: plain nbgrader, ``grade`` on the local warm pool (``--jobs``
slots) and ``grade --cluster`` on a loopback Dask cluster (a scheduler and ``--jobs`` workers
of one slot each, started before the clock starts, as a standing cluster would be). A last
pass only executes each notebook (nbclient, no grading) to estimate what the notebooks
themselves cost, so the overhead per submission can be told apart from the work.

``grade`` is timed at two class sizes: the difference gives its marginal cost per submission,
and what is left at zero submissions its fixed start-up cost (wall = start-up + n x marginal).
Plain nbgrader and the notebooks alone are timed at the larger size only.
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


def _line(small: int, large: int, wall_small: float, wall_large: float) -> tuple[float, float]:
    """(start-up s, marginal s per submission) of the line through the two timings."""
    marginal = (wall_large - wall_small) / (large - small)
    return wall_small - marginal * small, marginal


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labs", nargs="+", default=["lab1", "lab2", "lab3"])
    parser.add_argument("--sizes", type=int, nargs=2, default=[12, 36], metavar=("SMALL", "LARGE"),
                        help="the two class sizes grade is timed at")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-dask", dest="dask", action="store_false",
                        help="leave out the Dask rows")
    args = parser.parse_args()
    small, large = sorted(args.sizes)
    course = Course(ROOT, ROOT / "grading")
    scratch = Path(tempfile.mkdtemp(prefix="grading-speed-"))
    walls: dict[str, list[float]] = {}
    try:
        for n in (small, large):
            counts = build_class(course, args.labs, n, scratch / f"class{n}")
            print(f"class of {n}: {counts}; {args.jobs} worker(s); {os.cpu_count()} core(s)")
            walls.setdefault("autograder grade", []).append(
                ours(args.labs, scratch / f"class{n}", scratch / f"ours{n}", jobs=args.jobs))
            if args.dask:
                with dask_cluster(args.jobs) as address:
                    walls.setdefault(f"autograder grade --cluster ({args.jobs} Dask workers x 1 "
                                     "slot)", []).append(
                        ours(args.labs, scratch / f"class{n}", scratch / f"dask{n}", cluster=address))
        plain = plain_nbgrader(args.labs, scratch / f"class{large}", scratch)
        with kernels_quiet():
            alone = execution_only(args.labs, scratch / f"class{large}") / large
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    rows = [["nbgrader autograde (serial)", "", f"{plain:.1f}", "", f"{plain / large - alone:.2f}",
             "1.00"]]
    lines = {}
    for name, (w_small, w_large) in walls.items():
        start_up, marginal = lines[name] = _line(small, large, w_small, w_large)
        rows.append([name, f"{w_small:.1f}", f"{w_large:.1f}", f"{start_up:.1f}",
                     f"{marginal * args.jobs - alone:.2f}", f"{plain / w_large:.2f}"])
    print(tabulate(rows, headers=["grader", f"wall s ({small})", f"wall s ({large})",
                                  "start-up s", "overhead s/submission", f"speed-up ({large})"],
                   tablefmt="github"))
    print(f"\nnotebooks alone (nbclient, serial, fresh kernels): {alone:.2f} s each; overhead per "
          "submission = marginal wall x workers - that")
    start_up, marginal = lines["autograder grade"]
    slots = 10 * 8
    print(f"predicted for 500 submissions per lab on 10 workers of 8 cores ({slots} slots): "
          f"{start_up + 500 * marginal * args.jobs / slots:.0f} s per lab")


if __name__ == "__main__":
    main()
