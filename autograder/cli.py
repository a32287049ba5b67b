"""The ``autograder`` command line: check, release, grade, report and demo.

Exit codes: 0 success; 1 the work ran but found a problem (a leak, notebooks out of sync, a
demo grade that differs from what the student deserves); 2 bad input (unknown lab, missing
folder, bad arguments, an unreadable gradebook URL); 130 interrupted. A mistake of the
instructor's is one line on stderr; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

from tabulate import tabulate

from autograder.course import Course, CourseError
from autograder.engine import Limits
from autograder.safetext import terminal_text, write_csv_table

EXIT_OK, EXIT_PROBLEM, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130

#: Commands that open the gradebook (a ``--db`` URL is checked before they start).
USES_GRADEBOOK = ("grade", "report", "feedback", "demo")


def _print_table(table) -> None:
    """Print ``table`` (a DataFrame or a list of dicts), every text cell through
    :func:`terminal_text`: student ids, names and reasons are student-controlled."""
    rows = table.to_dict("records") if hasattr(table, "to_dict") else table
    safe = [{terminal_text(k): terminal_text(v) if isinstance(v, str) else v
             for k, v in row.items()} for row in rows]
    print(tabulate(safe or {c: [] for c in getattr(table, "columns", [])}, headers="keys",
                   tablefmt="github", floatfmt="g"))


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


def cmd_publish(course: Course, args: argparse.Namespace) -> int:
    from autograder.publish import publish

    dest = Path(args.dest)
    done = publish(course, dest)
    for path in done.restamped:
        print(f"restamped {path.relative_to(course.root)}")
    print(f"wrote the student edition, {len(done.files)} files, to {dest}")
    for leak in done.leaks:
        print(leak)
    print(f"{len(done.leaks)} leak(s): do not push it" if done.leaks else "leak check: clean")
    return EXIT_PROBLEM if done.leaks else EXIT_OK


def _deadline(text: str | None) -> datetime | None:
    """``--deadline`` as a local time (one with a time zone is converted to local time)."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise CourseError(f"--deadline {text!r} is not an ISO date-time such as "
                          "2026-03-01T23:59 or 2026-03-01T23:59+01:00") from None
    return when.astimezone().replace(tzinfo=None) if when.tzinfo else when


def cmd_collect(course: Course, args: argparse.Namespace) -> int:
    from autograder.collect import KEPT, UNTIMED, collect, identities
    from autograder.roster import read_roster, write_identities

    course.require_lab(args.lab)
    roster = read_roster(Path(args.roster)) if args.roster else None
    deadline = _deadline(args.deadline)
    dest = Path(args.dest or course.work / "incoming" / args.lab)
    entries = collect(args.lab, Path(args.source), dest, roster, deadline)
    _print_table([{"file": e.source, "student": e.who.original if e.who else "?",
                   "folder": e.student or "", "status": e.status} for e in entries])
    if deadline and any(e.who and e.who.lms in UNTIMED for e in entries):
        print("note: a Canvas zip carries no hand-in times (every entry has the download's); "
              "lateness comes from Canvas's own _LATE mark, not from --deadline")
    table = write_identities(course, args.lab, identities(entries, deadline))
    counts = Counter(e.status.split(" (")[0] for e in entries)
    print("\nby status: " + ", ".join(f"{status} {n}" for status, n in counts.most_common()))
    kept = sum(e.status in KEPT for e in entries)
    if not kept:
        print(f"\nno notebook collected from {args.source}")
        return EXIT_PROBLEM
    print(f"\n{kept} notebook(s) in {dest} (who handed in what, and when: {table}); "
          f"grade them with `autograder grade {args.lab} {dest}`")
    return EXIT_OK


def cmd_grade(course: Course, args: argparse.Namespace) -> int:
    from autograder.engine import BackendError
    from autograder.grade import GradingInterrupted, grade

    folder = Path(args.submissions).resolve()
    if folder.is_file() and folder.suffix.lower() == ".zip":
        raise CourseError(f"{args.submissions} is a zip file: unpack it with `autograder collect "
                          f"{args.lab} {args.submissions}`, then grade the folder collect names")
    if folder.is_dir() and not any(folder.iterdir()):
        raise CourseError(f"{args.submissions} is empty: nothing to grade")
    try:
        reasons = grade(course, args.lab, folder, cell_timeout=args.cell_timeout, jobs=args.jobs,
                        notebook_timeout=args.notebook_timeout,
                        limits=Limits(memory_mb=args.memory_mb, cpu_seconds=args.cpu_seconds,
                                      disk_mb=args.disk_mb),
                        device=args.device, keras_backend=args.backend, regrade=args.regrade,
                        cluster=args.cluster, challenge_seed=args.challenge_seed,
                        profile=args.profile)
    except GradingInterrupted as stopped:
        print(f"autograder: {stopped}; run the same command again to grade the rest")
        return EXIT_INTERRUPTED
    except BackendError as stopped:
        print(f"autograder: {stopped}", file=sys.stderr)
        return EXIT_PROBLEM
    for student, reason in sorted(reasons.items()):
        print(f"  {terminal_text(student)}: {terminal_text(reason)}")
    print(f"graded; gradebook at {course.db_url}; run `autograder report {args.lab}`")
    return EXIT_OK


def cmd_worker(course: Course | None, args: argparse.Namespace) -> int:
    from autograder.engine import BackendError, cluster_module

    try:
        cluster = cluster_module()
    except BackendError as exc:
        print(f"autograder: {terminal_text(exc, lines=True)}", file=sys.stderr)
        return EXIT_PROBLEM
    return cluster.serve(args.scheduler, args.slots, args.name)


def cmd_feedback(course: Course, args: argparse.Namespace) -> int:
    from autograder.feedback import feedback_pages

    run = feedback_pages(course, args.lab, show_hidden=args.show_hidden, progress=True)
    print(f"wrote {len(run.written)} feedback file(s) under {course.work / 'feedback'}")
    if run.explained:
        print(f"{len(run.explained)} of them say why there is no graded notebook:")
        for student, why in run.explained.items():
            print(f"  {terminal_text(student)}: {terminal_text(why)}")
    if run.missing:
        print(f"{len(run.missing)} student(s) got no feedback page:")
        for student, why in run.missing.items():
            print(f"  {terminal_text(student)}: {terminal_text(why)}")
    return EXIT_OK


def _report(course: Course, lab: str, table) -> None:
    """Print the per-question statistics and who needs a look; write the CSV and histogram."""
    from autograder.report import question_stats, write_csv, write_histogram

    print("\nper question, where students struggled first:")
    _print_table(question_stats(course, lab))
    late = table[table["late"] == "yes"]
    print(f"\n{len(late)} late hand-in(s)" + (": " if len(late) else "")
          + ", ".join(f"{terminal_text(r.name)} "
                      f"({'?' if math.isnan(r.days_late) else f'{r.days_late:g}'} d)"
                      for r in late.itertuples()))
    look = table[table["needs_look"] != ""]
    print(f"\n{len(look)} submission(s) need a human look" + (":" if len(look) else ""))
    for row in look.itertuples():
        print(f"  {terminal_text(row.name)}: {terminal_text(row.needs_look)}")
    print(f"\nwrote {write_csv(table, course, lab)}")
    if len(table):
        print(f"wrote {write_histogram(table, course, lab)}")


def cmd_report(course: Course, args: argparse.Namespace) -> int:
    from autograder.lms import fill
    from autograder.report import grades_table
    from autograder.roster import read_identities

    table = grades_table(course, args.lab, late_penalty=args.late_penalty)
    filled = None
    if args.lms:
        lms, export = args.lms
        filled = fill(lms, Path(export), args.lab, table, read_identities(course, args.lab),
                      args.column)
    _print_table(table)
    _report(course, args.lab, table)
    if filled is None:
        return EXIT_OK
    path = course.work / "reports" / f"{args.lab}_{lms}_import.csv"
    write_csv_table(filled.table, path)
    print(f"wrote {path}: {filled.filled} grade(s) in column {filled.column!r}, for {lms}'s "
          "grade import")
    if filled.missing:
        print(f"{len(filled.missing)} graded student(s) not found in {export}: "
              + ", ".join(map(terminal_text, filled.missing)))
        return EXIT_PROBLEM
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
    from autograder import proofs
    from autograder.engine import keras_backend
    from autograder.verify import lab_digest, prove

    course.require_lab(args.lab)
    if args.digest:
        backend = keras_backend(args.backend)
        digest = lab_digest(course, args.lab, backend)
        record = proofs.Record.load(course.root, args.lab, backend)
        state = ("no record" if record is None else
                 "the record matches" if record.digest == digest else "the record is stale")
        print(f"{digest}  {args.lab} on {backend}: {state} "
              f"({proofs.Record.path(course.root, args.lab, backend).relative_to(course.root)})")
        return EXIT_OK
    proof = prove(course, args.lab, mode=args.proof, keras_backend=args.backend, seed=args.seed,
                  plain=args.plain)
    _print_table([{"student": o.student, "hands in": o.what, "score": o.score, "max": o.max_score,
                   "cells lost": ", ".join(o.lost), "ok": "yes" if o.ok else "NO"}
                  for o in proof.outcomes])
    path = " with plain nbgrader (judged in the kernel)" if args.plain else ""
    print(f"\n{proof.kind} proof of {args.lab} on {proof.backend}{path}, inputs {proof.digest[:12]}")
    for line in proof.contradictions:
        print(f"contradicts the record: {line}")
    if proof.recorded:
        print(f"recorded in {proof.recorded.relative_to(course.root)}")
    bad = [o for o in proof.outcomes if not o.ok]
    print(f"{len(bad)} of {len(proof.outcomes)} outcome(s) wrong" if bad else
          "the record disagrees" if proof.contradictions else "the lab grades right")
    return EXIT_OK if proof.ok else EXIT_PROBLEM


def cmd_similarity(course: Course, args: argparse.Namespace) -> int:
    from autograder.similarity import similarity, summary, write_csv
    from autograder.similarity_page import write_page

    result = similarity(course, args.lab, Path(args.submissions) if args.submissions else None,
                        [Path(p) for p in args.against], args.threshold, progress=True)
    _print_table([{"student": result.label(p.a), "other": result.label(p.b),
                   "share of student's": f"{p.share_a:.0%}", "share of other's": f"{p.share_b:.0%}",
                   "flagged": "yes" if p.similarity >= result.threshold else ""}
                  for p in result.pairs[:args.top]])
    counts = summary(result)
    print(f"\n{counts['students']} student(s) compared"
          + (f" with {counts['earlier']} earlier submission(s)" if counts["earlier"] else "")
          + f"; {counts['flagged']} pair(s) at or above {result.threshold:.0%} ({result.how}); "
          f"{counts['clusters']} group(s) of 3 or more")
    if result.skipped:
        print(f"{len(result.skipped)} not compared:")
        for who, why in sorted(result.skipped.items()):
            print(f"  {terminal_text(who)}: {terminal_text(why)}")
    print(f"wrote {write_csv(result, course)}\nwrote {write_page(result, course)}")
    return EXIT_OK


def cmd_validate(course: Course, args: argparse.Namespace) -> int:
    from autograder.validate import validate

    problems = validate(Path(args.notebook), course.root, cell_timeout=args.cell_timeout)
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s)" if problems else "all visible tests pass")
    return EXIT_PROBLEM if problems else EXIT_OK


def _keras_backend(text: str) -> str:
    from autograder.engine import keras_backend

    try:
        return keras_backend(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_backend(p: argparse.ArgumentParser) -> None:
    from autograder.engine import KERAS_BACKENDS

    p.add_argument("--backend", type=_keras_backend, default=None, metavar="{" + ",".join(KERAS_BACKENDS) + "}",
                   help="the Keras backend kernels use (default: $KERAS_BACKEND, else tensorflow)")


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


def _fraction(text: str) -> float:
    try:
        value = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except ValueError:
        value = -1.0
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a share above 0, at most 1 (or 100%)")
    return value


def _percent(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 100:
        raise argparse.ArgumentTypeError(f"{text!r} is not a percentage above 0, at most 100")
    return value


def check_db(url: str) -> None:
    """Raise :class:`CourseError` unless the gradebook URL ``url`` parses, its driver is
    installed and its server answers."""
    import sqlalchemy
    from sqlalchemy.exc import SQLAlchemyError

    try:
        engine = sqlalchemy.create_engine(url)
        with engine.connect():
            pass
        engine.dispose()
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CourseError(f"cannot open the gradebook {url}: {first}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograder", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", help="working folder for submissions, gradebook and reports "
                        "(default: grading/ in the course, or $NN_COURSE_WORK)")
    parser.add_argument("--db", help="gradebook as an SQLAlchemy URL, e.g. "
                        "postgresql://host/course (default: SQLite in the working folder, "
                        "or $NN_COURSE_DB)")
    parser.add_argument("--debug", action="store_true",
                        help="show the traceback of an error instead of one line")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("check", help="check that notebook pairs are in sync, output-free and badged")
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("release", help="generate the student version of a lab into labs/, "
                       "then check it for leaks")
    p.add_argument("lab")
    p.set_defaults(func=cmd_release)
    p = sub.add_parser("publish", help="write the student edition (lectures, labs, helpers) "
                       "to DEST after restamping every badge and Setup cell, then check it for leaks")
    p.add_argument("dest", help="the public repository's work tree (new, or an earlier edition)")
    p.set_defaults(func=cmd_publish)
    p = sub.add_parser("collect", help="gather hand-ins (folder, Canvas or Moodle zip, Colab "
                       "downloads) into one folder per student")
    p.add_argument("lab")
    p.add_argument("source", help="a folder or an LMS bulk-download zip")
    p.add_argument("--dest", help="where to put them (default: <work>/incoming/LAB)")
    p.add_argument("--roster", help="CSV with a header: a student_id column, or a Canvas or "
                   "Moodle export (its ID / Identifier columns); others are reported")
    p.add_argument("--deadline", help="ISO date-time (a time zone may follow, e.g. +01:00); "
                   "files handed in later are late")
    p.set_defaults(func=cmd_collect)
    p = sub.add_parser("grade", help="autograde a folder of submissions, in parallel, sandboxed")
    p.add_argument("lab")
    p.add_argument("submissions", help="folder with one sub-folder or notebook per student")
    p.add_argument("--cell-timeout", type=_positive_int, default=None,
                   help="CPU seconds per cell, per thread a kernel may use (default 300); a cell "
                   "that sleeps is stopped after 10 times that in wall-clock time")
    p.add_argument("--notebook-timeout", type=_positive_int, default=None,
                   help="wall-clock seconds per notebook (default: max(1800, 6 x cell timeout))")
    p.add_argument("--regrade", action="store_true",
                   help="grade again submissions already graded from the same notebook bytes")
    p.add_argument("--jobs", type=_positive_int, default=None,
                   help="parallel workers (default: cores)")
    p.add_argument("--profile", action="store_true",
                   help="print where the run's seconds went, per phase and per submission")
    p.add_argument("--challenge-seed", type=int, default=None, metavar="N",
                   help="the seed of the hidden tests' inputs (default: a new one each run; "
                   "grade prints it)")
    p.add_argument("--memory-mb", type=int, default=Limits.memory_mb,
                   help=f"address-space limit per process (default {Limits.memory_mb})")
    p.add_argument("--cpu-seconds", type=int, default=Limits.cpu_seconds,
                   help=f"CPU-time limit per kernel (default {Limits.cpu_seconds})")
    p.add_argument("--disk-mb", type=_positive_int, default=Limits.disk_mb,
                   help=f"disk space per kernel folder and per file (default {Limits.disk_mb})")
    device = p.add_mutually_exclusive_group()
    device.add_argument("--gpu", dest="device", action="store_const", const="gpu",
                        help="spread workers over the GPUs (memory growth on)")
    device.add_argument("--cpu", dest="device", action="store_const", const="cpu",
                        help="hide GPUs from student code")
    p.add_argument("--cluster", metavar="ADDRESS", default=os.environ.get("NN_COURSE_CLUSTER"),
                   help="grade on the Dask cluster whose scheduler is at ADDRESS, e.g. "
                   "tcp://host:8786 (default: $NN_COURSE_CLUSTER, else this machine)")
    _add_backend(p)
    p.set_defaults(func=cmd_grade, device="auto")
    p = sub.add_parser("worker", help="serve grading jobs to a Dask cluster (warm, sandboxed "
                       "slots)")
    p.add_argument("scheduler", help="the Dask scheduler's address, e.g. tcp://host:8786")
    p.add_argument("--slots", type=_positive_int, default=os.cpu_count() or 1,
                   help="submissions graded at once (default: cores)")
    p.add_argument("--name", help="the worker's name on the cluster (default: its address)")
    p.set_defaults(func=cmd_worker)
    p = sub.add_parser("feedback", help="per-student HTML feedback (nbgrader's), hidden tests "
                       "removed")
    p.add_argument("lab")
    p.add_argument("--show-hidden", action="store_true", help="keep hidden tests in feedback")
    p.set_defaults(func=cmd_feedback)
    p = sub.add_parser("report", help="grades CSV for the LMS, a table, per-question statistics, "
                       "a histogram, lateness, and who needs a look")
    p.add_argument("lab")
    p.add_argument("--late-penalty", type=_percent, default=None, metavar="PERCENT",
                   help="take PERCENT of the lab's points per started day late (default: none)")
    p.add_argument("--lms", nargs=2, metavar=("{canvas,moodle}", "EXPORT"),
                   help="fill this lab's column of EXPORT, your Canvas gradebook export or "
                   "Moodle grading worksheet, into a file that LMS imports")
    p.add_argument("--column", help="the lab's column in a Canvas export, when its name does "
                   "not say the lab's")
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("similarity", help="who shares code with whom: answer cells only, the "
                       "release's code removed; CSV, HTML page and the report's needs_look")
    p.add_argument("lab")
    p.add_argument("--submissions", metavar="DIR", help="compare this folder of submissions "
                   "(default: the notebooks `grade` kept in the working folder)")
    p.add_argument("--against", metavar="DIR", action="append", default=[],
                   help="also compare with earlier years' submissions (not among themselves); "
                   "may be repeated")
    p.add_argument("--threshold", type=_fraction, default=None, metavar="SHARE",
                   help="flag pairs at or above this share, e.g. 0.6 or 60%% (default: from the "
                   "class's own pairs, median + 5 MADs, within 30%%..80%%)")
    p.add_argument("--top", type=_positive_int, default=15, help="pairs printed (default 15)")
    p.set_defaults(func=cmd_similarity)
    p = sub.add_parser("verify", help="prove a lab grades right: solution full marks, release "
                       "zero, each catalogued mistake loses its points")
    p.add_argument("lab")
    _add_backend(p)
    how = p.add_mutually_exclusive_group()
    how.add_argument("--digest", action="store_true", help="print the digest of what the proof "
                     "depends on and whether proofs/LAB.BACKEND.json matches it; grade nothing")
    how.add_argument("--record", dest="proof", action="store_const", const="record",
                     help="grade every student and, if the lab grades right, write the record")
    how.add_argument("--smoke", dest="proof", action="store_const", const="smoke",
                     help="grade the solution, release, visible-only submission, one reference "
                     "and a few mistakes; a matching record must agree")
    how.add_argument("--auto", dest="proof", action="store_const", const="auto",
                     help="as CI: the smoke proof where the record matches (and on non-default "
                     "backends), every student where it does not")
    p.add_argument("--seed", type=int, default=None, help="which reference and mistakes a smoke "
                   "proof grades (default: from the checked-out commit)")
    p.add_argument("--plain", action="store_true", help="grade with stock nbgrader, one notebook "
                   "after the other, hidden tests judged in the kernel (the path plain nbgrader "
                   "takes); a matching record must agree")
    p.set_defaults(func=cmd_verify, proof="full")
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
        from autograder.engine import CELL_TIMEOUT

        args.cell_timeout = CELL_TIMEOUT
    try:
        if args.command == "worker":  # needs no course: jobs bring what they grade
            return args.func(None, args)
        course = Course.locate(args.work, args.db)
        if args.command == "demo" and not args.work:
            course = Course(course.root, course.work / "demo", course.db)
        if course.db and args.command in USES_GRADEBOOK:
            check_db(course.db)
        return args.func(course, args)
    except (CourseError, FileNotFoundError) as exc:
        if args.debug:
            raise
        print(f"autograder: {terminal_text(exc, lines=True)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        if args.debug:
            raise
        print("autograder: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        if args.debug:
            raise
        print(f"autograder: {type(exc).__name__}: {terminal_text(exc, lines=True)} (run with "
              "--debug for the traceback)", file=sys.stderr)
        return EXIT_PROBLEM


if __name__ == "__main__":
    sys.exit(main())
