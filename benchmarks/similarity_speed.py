"""How long ``autograder similarity`` takes on a big class.

    python benchmarks/similarity_speed.py [--lab lab4] [--size 500]

The class (``tests/similarity_class.py: big_class``): the lab's independent references and its
solution with each catalogued mistake (``autograder.simulate``), each student one of them
disguised at random (renamed, reformatted, reordered, comments and prints, a ``while`` loop),
and one in ten a disguised copy of a classmate. It is written to a temporary folder first;
the clock then covers the whole command as an instructor runs it: reading every notebook,
fingerprinting, comparing every pair, and writing the CSV and the HTML page.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from autograder.cli import main  # noqa: E402
from tests.similarity_class import big_class  # noqa: E402


def _cpu() -> float:
    """CPU seconds used so far by this process and the fingerprinting processes it waited for."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def run(lab: str, size: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "class"
        big_class(ROOT, lab, folder, size)
        start, cpu = time.perf_counter(), _cpu()
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main(["--work", str(Path(tmp) / "work"), "similarity", lab,
                         "--submissions", str(folder), "--top", "5"])
        wall, used = time.perf_counter() - start, _cpu() - cpu
        print(out.getvalue())
        pairs = size * (size - 1) // 2
        print(f"{lab}: {size} submissions, {pairs} pairs, exit {code}: {wall:.1f} s wall, "
              f"{used:.1f} CPU s ({os.cpu_count()} cores, load {os.getloadavg()[0]:.1f})")


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lab", default="lab4")
    p.add_argument("--size", type=int, default=500)
    return p.parse_args()


if __name__ == "__main__":
    args = parse()
    run(args.lab, args.size)
