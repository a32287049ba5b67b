"""The ``autograder`` command line: check, release, grade, report and demo.

Exit codes: 0 success; 1 the work ran but found a problem (a leak, notebooks out of sync, a
demo grade that differs from what the student deserves); 2 bad input (unknown lab, missing
folder, bad arguments).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tabulate import tabulate

from autograder.course import Course, CourseError
from autograder.sandbox import Limits

EXIT_OK, EXIT_PROBLEM, EXIT_BAD_INPUT = 0, 1, 2


def _print_table(table) -> None:
    print(tabulate(table, headers="keys", tablefmt="github", showindex=False, floatfmt="g"))


def cmd_check(course: Course, args: argparse.Namespace) -> int:
    from autograder.notebooks import check_notebooks

    problems = check_notebooks(course.root)
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s)" if problems else "all notebooks in sync, clean, badged")
    return EXIT_PROBLEM if problems else EXIT_OK


def cmd_release(course: Course, args: argparse.Namespace) -> int:
    from autograder.release import release

    for path in release(course, args.lab):
        print(f"released {path.relative_to(course.root)}")
    print("leak check: clean")
    return EXIT_OK


def cmd_collect(course: Course, args: argparse.Namespace) -> int:
    from datetime import datetime

    from autograder.collect import collect

    course.require_lab(args.lab)
    roster = None
    if args.roster:
        lines = Path(args.roster).read_text(encoding="utf-8").split()
        roster = {line.split(",")[0].strip().lower() for line in lines if line.strip()}
    deadline = datetime.fromisoformat(args.deadline) if args.deadline else None
    dest = Path(args.dest or course.work / "incoming" / args.lab)
    entries = collect(args.lab, Path(args.source), dest, roster, deadline)
    print(tabulate([{"file": e.source, "student": e.student or "?", "status": e.status}
                    for e in entries], headers="keys", tablefmt="github"))
    kept = sum(e.status in ("ok", "late") for e in entries)
    print(f"\n{kept} notebook(s) in {dest}; grade them with `autograder grade {args.lab} {dest}`")
    return EXIT_OK


def cmd_grade(course: Course, args: argparse.Namespace) -> int:
    from autograder.grade import grade

    reasons = grade(course, args.lab, Path(args.submissions).resolve(),
                    cell_timeout=args.cell_timeout, jobs=args.jobs,
                    notebook_timeout=args.notebook_timeout,
                    limits=Limits(memory_mb=args.memory_mb, cpu_seconds=args.cpu_seconds),
                    device=args.device)
    for student, reason in sorted(reasons.items()):
        print(f"  {student}: {reason}")
    print(f"graded; gradebook at {course.gradebook}; run `autograder report {args.lab}`")
    return EXIT_OK


def cmd_feedback(course: Course, args: argparse.Namespace) -> int:
    from autograder.feedback import generate_feedback

    written = generate_feedback(course, args.lab, show_hidden=args.show_hidden)
    print(f"wrote {len(written)} feedback file(s) under {course.work / 'feedback'}")
    return EXIT_OK


def _report(course: Course, lab: str, table) -> None:
    """Print the per-question statistics and who needs a look; write the CSV and histogram."""
    from autograder.report import question_stats, write_csv, write_histogram

    print("\nper question:")
    _print_table(question_stats(course, lab))
    look = table[table["needs_look"] != ""]
    print(f"\n{len(look)} submission(s) need a human look" + (":" if len(look) else ""))
    for row in look.itertuples():
        print(f"  {row.student_id}: {row.needs_look}")
    print(f"\nwrote {write_csv(table, course, lab)}")
    if len(table):
        print(f"wrote {write_histogram(table, course, lab)}")


def cmd_report(course: Course, args: argparse.Namespace) -> int:
    from autograder.report import grades_table

    table = grades_table(course, args.lab)
    _print_table(table)
    _report(course, args.lab, table)
    return EXIT_OK


def cmd_demo(course: Course, args: argparse.Namespace) -> int:
    from autograder.demo import LAB, run_demo
    from autograder.feedback import generate_feedback

    table = run_demo(course, cell_timeout=args.cell_timeout)
    _print_table(table)
    _report(course, LAB, table)
    written = generate_feedback(course, LAB)
    print(f"wrote {len(written)} feedback file(s) under {course.work / 'feedback'}")
    wrong = table[table["score"] != table["deserves"]]
    if len(wrong):
        print(f"\n{len(wrong)} student(s) did not get the grade they deserve")
        return EXIT_PROBLEM
    print("\nevery simulated student got the grade they deserve")
    return EXIT_OK


def cmd_verify(course: Course, args: argparse.Namespace) -> int:
    from autograder.verify import verify

    outcomes = verify(course, args.lab)
    rows = [{"student": o.student, "hands in": o.what, "score": o.score, "max": o.max_score,
             "cells lost": ", ".join(o.lost), "ok": "yes" if o.ok else "NO"} for o in outcomes]
    print(tabulate(rows, headers="keys", tablefmt="github"))
    bad = [o for o in outcomes if not o.ok]
    print(f"\n{len(bad)} of {len(outcomes)} outcome(s) wrong" if bad else "\nthe lab grades right")
    return EXIT_PROBLEM if bad else EXIT_OK


def cmd_validate(course: Course, args: argparse.Namespace) -> int:
    from autograder.validate import validate

    notebook = Path(args.notebook)
    if not notebook.is_file():
        raise FileNotFoundError(f"no notebook at {notebook}")
    problems = validate(notebook, course.root, cell_timeout=args.cell_timeout)
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s)" if problems else "all visible tests pass")
    return EXIT_PROBLEM if problems else EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograder", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", help="working folder for submissions, gradebook and reports "
                        "(default: grading/ in the course, or $NN_COURSE_WORK)")
    parser.add_argument("--db", help="gradebook as an SQLAlchemy URL, e.g. "
                        "postgresql://host/course (default: SQLite in the working folder, "
                        "or $NN_COURSE_DB)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("check", help="check that notebook pairs are in sync, output-free and badged")
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("release", help="generate the student version of a lab into labs/, "
                       "then check it for leaks")
    p.add_argument("lab")
    p.set_defaults(func=cmd_release)
    p = sub.add_parser("collect", help="gather hand-ins (folder, Canvas or Moodle zip, Colab "
                       "downloads) into one folder per student")
    p.add_argument("lab")
    p.add_argument("source", help="a folder or an LMS bulk-download zip")
    p.add_argument("--dest", help="where to put them (default: <work>/incoming/LAB)")
    p.add_argument("--roster", help="file of student ids (first column); others are reported")
    p.add_argument("--deadline", help="ISO date-time; files modified later are reported late")
    p.set_defaults(func=cmd_collect)
    p = sub.add_parser("grade", help="autograde a folder of submissions, in parallel, sandboxed")
    p.add_argument("lab")
    p.add_argument("submissions", help="folder with one sub-folder or notebook per student")
    p.add_argument("--cell-timeout", type=int, default=None, help="seconds per cell")
    p.add_argument("--notebook-timeout", type=int, default=None,
                   help="seconds per notebook (default: max(600, 4 x cell timeout))")
    p.add_argument("--jobs", type=int, default=None, help="parallel workers (default: cores)")
    p.add_argument("--memory-mb", type=int, default=Limits.memory_mb,
                   help=f"address-space limit per process (default {Limits.memory_mb})")
    p.add_argument("--cpu-seconds", type=int, default=Limits.cpu_seconds,
                   help=f"CPU-time limit per kernel (default {Limits.cpu_seconds})")
    device = p.add_mutually_exclusive_group()
    device.add_argument("--gpu", dest="device", action="store_const", const="gpu",
                        help="spread workers over the GPUs (memory growth on)")
    device.add_argument("--cpu", dest="device", action="store_const", const="cpu",
                        help="hide GPUs from student code")
    p.set_defaults(func=cmd_grade, device="auto")
    p = sub.add_parser("feedback", help="per-student HTML feedback (nbgrader's), hidden tests "
                       "removed")
    p.add_argument("lab")
    p.add_argument("--show-hidden", action="store_true", help="keep hidden tests in feedback")
    p.set_defaults(func=cmd_feedback)
    p = sub.add_parser("report", help="grades CSV for the LMS, a table, per-question statistics, "
                       "a histogram, and who needs a look")
    p.add_argument("lab")
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("verify", help="prove a lab grades right: solution full marks, release "
                       "zero, each catalogued mistake loses its points")
    p.add_argument("lab")
    p.set_defaults(func=cmd_verify)
    p = sub.add_parser("validate", help="run a notebook's visible tests; exit 1 if any fails")
    p.add_argument("notebook")
    p.add_argument("--cell-timeout", type=int, default=None, help="seconds per cell")
    p.set_defaults(func=cmd_validate)
    p = sub.add_parser("demo", help="release lab 1, grade a simulated class, report on it and "
                       "write its feedback")
    p.add_argument("--cell-timeout", type=int, default=15, help="seconds per cell (default 15)")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "cell_timeout", 0) is None:
        from autograder.nbconfig import CELL_TIMEOUT

        args.cell_timeout = CELL_TIMEOUT
    try:
        course = Course.locate(args.work, args.db)
        if args.command == "demo" and not args.work:
            course = Course(course.root, course.work / "demo", course.db)
        return args.func(course, args)
    except (CourseError, FileNotFoundError) as exc:
        print(f"autograder: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
