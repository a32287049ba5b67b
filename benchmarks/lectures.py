"""Run every lecture top to bottom and print its run time and the figures it quotes.

    python benchmarks/lectures.py            # full runs (the figures quoted in the text)
    python benchmarks/lectures.py --fast     # NN_COURSE_FAST=1, as the test suite runs them

A figure is any output line starting with ``[figure] ``. Besides wall-clock seconds, which grow
with whatever else the machine runs, it reports the CPU seconds the lecture's kernel used (its
threads and waited-for children), which hardly depend on the load: on an idle 2-core machine
the wall time lies between half of it and about all of it.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from tabulate import tabulate
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]


CPU_PREFIX = "[kernel cpu seconds] "
CPU_CELL = ("import os as _os\n_t = _os.times()\n"
            f"print('{CPU_PREFIX}' + str(_t.user + _t.system + _t.children_user + _t.children_system))")


def stream_lines(nb) -> list[str]:
    """Every line the notebook's code cells printed."""
    return [line for cell in nb.cells if cell.cell_type == "code"
            for out in cell.outputs if out.output_type == "stream"
            for line in out.text.splitlines()]


def run_lecture(path: Path) -> dict:
    """Execute one lecture in a scratch folder; return its table row: wall time, its kernel's
    CPU time, its figure lines, and the error that stopped it (the figures printed before it
    are still listed)."""
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(CPU_CELL))
    error = ""
    with tempfile.TemporaryDirectory() as scratch:
        start = time.perf_counter()
        try:
            NotebookClient(nb, timeout=600, kernel_name="python3",
                           resources={"metadata": {"path": scratch}}).execute()
        except CellExecutionError as exc:
            arrows = [line for line in re.sub(r"\x1b\[[0-9;]*m", "", exc.traceback).splitlines()
                      if line.startswith("---->")]
            error = f"FAILED {exc.ename} {exc.evalue} at {''.join(arrows[-1:])}"
        seconds = time.perf_counter() - start
    lines = stream_lines(nb)
    cpu = next((float(line.removeprefix(CPU_PREFIX)) for line in lines
                if line.startswith(CPU_PREFIX)), float("nan"))
    figures = [line.removeprefix("[figure] ") for line in lines if line.startswith("[figure] ")]
    return {"lecture": path.stem, "seconds": round(seconds, 1), "CPU seconds": round(cpu, 1),
            "figures quoted": "\n".join(figures + ([error] if error else [])), "failed": bool(error)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fast", action="store_true", help="set NN_COURSE_FAST=1")
    parser.add_argument("lectures", nargs="*", help="lecture notebooks (default: all)")
    args = parser.parse_args()
    os.environ["NN_COURSE_FAST"] = "1" if args.fast else "0"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("MPLBACKEND", "Agg")
    paths = [Path(p) for p in args.lectures] or sorted((ROOT / "lectures").glob("*.ipynb"))
    load_before = os.getloadavg()
    rows = [run_lecture(path) for path in tqdm(paths, desc="lectures", unit="lecture")]
    failed = [row.pop("failed") for row in rows]
    print(tabulate(rows, headers="keys", tablefmt="grid"))
    print(f"mode: {'fast' if args.fast else 'full'}; total {sum(r['seconds'] for r in rows):.0f} s, "
          f"{sum(r['CPU seconds'] for r in rows):.0f} CPU s; load averages (1, 5, 15 min) "
          f"{' '.join(f'{x:.1f}' for x in load_before)} before, "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} after")
    return 1 if any(failed) else 0


if __name__ == "__main__":
    sys.exit(main())
