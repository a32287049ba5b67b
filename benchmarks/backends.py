"""One class graded on each Keras backend, in one run: the time each took and whether every
student got the same score in every cell.

    python benchmarks/backends.py [--labs lab4 lab5] [--size 12] [--backends tensorflow jax torch]

The class is built as in ``grading_speed.py`` (each lab's solution, release and catalogued
mistakes, repeated until it holds ``--size`` submissions); backends that are not installed are
left out. Times are wall seconds of ``autograder grade`` on the local warm pool (``--jobs``
slots), so the ratios, not the seconds, are what carries over to another machine.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import time
from pathlib import Path

from tabulate import tabulate

sys.path.insert(0, str(Path(__file__).resolve().parent))
from grading_speed import ROOT, build_class  # noqa: E402

from autograder.course import Course  # noqa: E402
from autograder.grade import (  # noqa: E402
    cell_scores,  # noqa: E402
    grade,
    load_devices,
)


def grade_on(backend: str, labs: list[str], submissions: Path, work: Path, jobs: int
             ) -> tuple[float, dict[tuple[str, str], dict], set[str]]:
    """Grade every lab's submissions on ``backend``: wall seconds, each student's cell scores,
    and the devices the kernels reported."""
    course = Course(ROOT, work)
    start = time.perf_counter()
    for lab in labs:
        grade(course, lab, submissions / lab, jobs=jobs, keras_backend=backend, progress=False)
    seconds = time.perf_counter() - start
    scores = {(lab, s.name): cell_scores(course, lab, s.name)
              for lab in labs for s in sorted((submissions / lab).iterdir())}
    devices = {f"{d.get('device')} ({d.get('backend')})" for lab in labs
               for d in load_devices(course, lab).values() if d}
    return seconds, scores, devices


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labs", nargs="+", default=["lab4", "lab5"])
    parser.add_argument("--size", type=int, default=12, help="submissions in the class")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--backends", nargs="+", default=["tensorflow", "jax", "torch"])
    args = parser.parse_args()
    backends = [b for b in args.backends if importlib.util.find_spec(b) is not None]
    with tempfile.TemporaryDirectory(prefix="backends-") as tmp:
        scratch = Path(tmp)
        counts = build_class(Course(ROOT, scratch / "build"), args.labs, args.size, scratch / "subs")
        print(f"class: {counts}, {args.jobs} slots; backends: {', '.join(backends)}", flush=True)
        runs = {b: grade_on(b, args.labs, scratch / "subs", scratch / b, args.jobs) for b in backends}
    first = backends[0]
    rows = []
    for backend, (seconds, scores, devices) in runs.items():
        differ = [f"{lab}/{student}" for (lab, student), cells in scores.items()
                  if cells != runs[first][1][(lab, student)]]
        rows.append({"backend": backend, "wall s": round(seconds, 1),
                     "s per submission": round(seconds / args.size, 1),
                     f"time vs {first}": round(seconds / runs[first][0], 2),
                     f"scores differ from {first}": ", ".join(differ) or "none",
                     "kernels ran on": ", ".join(sorted(devices))})
    print(tabulate(rows, headers="keys", tablefmt="github"))


if __name__ == "__main__":
    main()
