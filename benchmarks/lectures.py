"""Run every lecture top to bottom and print its run time and the figures it quotes.

    python benchmarks/lectures.py            # full runs (the figures quoted in the text)
    python benchmarks/lectures.py --fast     # NN_COURSE_FAST=1, as the test suite runs them

A figure is any output line starting with ``[figure] ``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from tabulate import tabulate
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]


def run_lecture(path: Path) -> tuple[float, list[str]]:
    """Execute one lecture in a scratch folder; return its wall time and its figure lines."""
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as scratch:
        start = time.perf_counter()
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": scratch}}).execute()
        seconds = time.perf_counter() - start
    figures = [line.removeprefix("[figure] ")
               for cell in nb.cells if cell.cell_type == "code"
               for out in cell.outputs if out.output_type == "stream"
               for line in out.text.splitlines() if line.startswith("[figure] ")]
    return seconds, figures


def main() -> None:
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
    rows = []
    for path in tqdm(paths, desc="lectures", unit="lecture"):
        seconds, figures = run_lecture(path)
        rows.append({"lecture": path.stem, "seconds": round(seconds, 1),
                     "figures quoted": "\n".join(figures)})
    print(tabulate(rows, headers="keys", tablefmt="grid"))
    print(f"mode: {'fast' if args.fast else 'full'}; total {sum(r['seconds'] for r in rows):.0f} s")


if __name__ == "__main__":
    main()
