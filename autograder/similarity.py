"""``similarity LAB``: who shares code with whom, on the code students wrote.

Each student's *answer code* is the source of the answer cells of their notebook (nbgrader
``solution: true``, matched by ``grade_id`` against the released notebook). It is tokenised
and normalised by ``copydetect`` (identifiers, function and class names become one letter each,
strings become ``S``, comments and layout vanish), cut into k-grams of that normalised text
(never across two cells) and winnowed as MOSS does; every k-gram found anywhere in the
release's own code cells (the ``YOUR CODE HERE`` scaffolding, the given code) is boilerplate and
dropped. A pair's *shares* are, for each of the two, the fraction of its fingerprints the other
also has; the pair ranks by the larger. The threshold that flags a pair is set from the class's
own pairs (median + :data:`MADS` scaled MADs, between :data:`FLOOR` and :data:`CEILING`).
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np
from copydetect.utils import filter_code, get_copied_slices, winnow
from scipy import sparse

from autograder.course import Course, CourseError
from autograder.roster import read_identities
from autograder.safetext import spreadsheet_text, write_csv_rows
from autograder.submissions import find_submissions

#: Length of a k-gram, in characters of normalised code (``V=np.zeros(V)`` is 13).
K = 16
#: Winnowing window: one fingerprint at least in every WINDOW consecutive k-grams.
WINDOW = 4
#: A pair is flagged above median + MADS x 1.4826 x MAD of the class's pairs ...
MADS = 5.0
#: ... never below this share, and never above CEILING (a class whose pairs all look alike
#: still shows the pairs that share most of their code).
FLOOR, CEILING = 0.3, 0.8
#: Fingerprinting runs on several processes from this many notebooks per process.
PER_PROCESS = 100
#: Pairs shown side by side in the HTML page (flagged ones first), and printed.
SHOWN = 20
_MASK = (1 << 52) - 1  # hashes stay exact as the floats copydetect's winnowing compares
_BASE = np.uint64(1_000_003)
FIELDS = ["student", "name", "other", "other_name", "other_from", "share_student",
          "share_other", "similarity", "flagged", "cluster"]


@dataclass(frozen=True)
class Answer:
    """What one student wrote: ``cells`` is ``(grade_id, source)`` in the release's order.
    ``source`` is ``""`` for the class, else the ``--against`` folder it came from."""

    student: str
    name: str
    cells: tuple[tuple[str, str], ...]
    source: str = ""


@dataclass
class Fingerprints:
    """The winnowed fingerprints of one :class:`Answer`, boilerplate removed: ``hashes``
    (sorted, unique) and, for highlighting, every fingerprint's ``(cell, position)``."""

    answer: Answer
    hashes: np.ndarray
    #: per cell with fingerprints: its index, their hashes and positions, copydetect's offsets
    where: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]] = field(repr=False)


@dataclass(frozen=True)
class Pair:
    """Two students and the share of each one's fingerprints that the other also has."""

    a: int
    b: int
    share_a: float
    share_b: float

    @property
    def similarity(self) -> float:
        """What pairs rank by: the larger of the two shares."""
        return max(self.share_a, self.share_b)


@dataclass
class Result:
    """A comparison: who was compared, the pairs (most similar first), the threshold, the
    clusters (indices into ``prints``, 3 or more, first the member the others share most
    with) and the students not compared, with why."""

    lab: str
    prints: list[Fingerprints]
    pairs: list[Pair]
    threshold: float
    how: str
    clusters: list[list[int]]
    skipped: dict[str, str]

    def flagged(self) -> list[Pair]:
        """The pairs at or above the threshold, most similar first."""
        return [p for p in self.pairs if p.similarity >= self.threshold]

    def label(self, i: int) -> str:
        """How people know student ``i``: the name, after its folder for an earlier year."""
        a = self.prints[i].answer
        return f"{a.source}/{a.name}" if a.source else a.name


# -- answer code --------------------------------------------------------------------------

def answer_ids(notebook: nbformat.NotebookNode) -> list[str]:
    """The ``grade_id`` of every answer cell of ``notebook``, in order."""
    return [c.metadata["nbgrader"]["grade_id"] for c in notebook.cells
            if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"]


def answer_cells(data: bytes, ids: list[str]) -> tuple[tuple[str, str], ...]:
    """The source of each answer cell named in ``ids`` in the notebook ``data`` (its first cell
    of that ``grade_id``; ``""`` when the student deleted it). ``data`` has passed
    :func:`~autograder.submissions.invalid_reason`, so it is a valid notebook."""
    nb = json.loads(data.decode("utf-8"))
    if nb.get("nbformat") != 4:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    found: dict[str, str] = {}
    for c in nb["cells"]:
        gid = (c.get("metadata") or {}).get("nbgrader", {}).get("grade_id")
        if gid in ids and gid not in found and c.get("cell_type") == "code":
            source = c.get("source", "")
            found[gid] = "".join(source) if isinstance(source, list) else str(source)
    return tuple((gid, found.get(gid, "")) for gid in ids)


def read_answers(folder: Path, notebook: str, ids: list[str], names: dict[str, str],
                 source: str = "", graded: str | None = None) -> tuple[list[Answer], dict[str, str]]:
    """The answers found in ``folder`` (any layout ``grade`` accepts, read as it reads them:
    no link followed, no pipe opened), and the students without one, with why. ``graded``
    names the lab when ``folder`` is what ``grade`` kept (``<id>/<lab>/``): its folder names
    are already the students' ids, and students graded only in other labs are left out."""
    answers, skipped = [], {}
    for sub in find_submissions(folder, notebook):
        student = sub.name if graded else sub.student
        if graded and not (folder / student / graded).is_dir():
            continue
        name = names.get(student, sub.name.removesuffix(".ipynb"))
        if sub.problem or sub.notebook is None:
            skipped[f"{source}/{name}" if source else name] = sub.problem or "no notebook"
            continue
        answers.append(Answer(student, name, answer_cells(sub.notebook, ids), source))
    return sorted(answers, key=lambda a: a.student), skipped


# -- fingerprints -------------------------------------------------------------------------

def normalised(code: str) -> tuple[str, np.ndarray]:
    """``code`` as copydetect's tokens (names ``V``/``F``/``O``, strings ``S``, no comment or
    layout) and its offsets back into ``code``."""
    return filter_code(code, "answer.py", "python")


def kgram_hashes(text: str) -> np.ndarray:
    """A hash of every k-gram of ``text``, the same in every process (Python's ``hash``, which
    copydetect uses, is salted per process)."""
    if len(text) < K:
        return np.zeros(0, dtype=np.int64)
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(codes) - K + 1
    h = np.zeros(n, dtype=np.uint64)
    for j in range(K):
        h = h * _BASE + codes[j:j + n]
    return (h & np.uint64(_MASK)).astype(np.int64)


def boilerplate(release: Path) -> np.ndarray:
    """Every k-gram hash of every code cell of the released notebook (sorted, unique)."""
    nb = nbformat.read(release, as_version=4)
    parts = [kgram_hashes(normalised(c.source)[0]) for c in nb.cells if c.cell_type == "code"]
    return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)


def _within(values: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Which of ``values`` are in ``table`` (sorted, unique)."""
    if not len(table):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(table, values), len(table) - 1)
    return table[at] == values


def fingerprint(answer: Answer, given: np.ndarray) -> Fingerprints:
    """The winnowed fingerprints of ``answer``, those in ``given`` (the release's) removed."""
    where, kept = [], []
    for i, (_, code) in enumerate(answer.cells):
        text, offsets = normalised(code)
        hashes = kgram_hashes(text)
        if not len(hashes):
            continue
        chosen, idx = winnow(hashes, WINDOW, remove_duplicates=False)
        own = ~_within(chosen, given)
        if own.any():
            where.append((i, chosen[own], idx[own], offsets))
            kept.append(chosen[own])
    hashes = np.unique(np.concatenate(kept)) if kept else np.zeros(0, dtype=np.int64)
    return Fingerprints(answer, hashes, where)


# -- comparing ----------------------------------------------------------------------------

def shared_counts(prints: list[Fingerprints]) -> tuple[np.ndarray, np.ndarray]:
    """(the number of fingerprints each pair shares, as a dense matrix; each one's count)."""
    vocab, inverse = np.unique(np.concatenate([p.hashes for p in prints] or [np.zeros(0)]),
                               return_inverse=True)
    rows = np.repeat(np.arange(len(prints)), [len(p.hashes) for p in prints])
    matrix = sparse.csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, inverse)),
                               shape=(len(prints), len(vocab)))
    return (matrix @ matrix.T).toarray(), np.asarray(matrix.sum(axis=1)).ravel()


def compare(prints: list[Fingerprints]) -> list[Pair]:
    """Every pair of the class, and every class member with every earlier submission (earlier
    ones are never compared among themselves), most similar first, ties by name."""
    shared, sizes = shared_counts(prints)
    ours = [i for i, p in enumerate(prints) if not p.answer.source]
    theirs = [i for i, p in enumerate(prints) if p.answer.source]
    pairs = []
    for n, a in enumerate(ours):
        for b in ours[n + 1:] + theirs:
            share_a = shared[a, b] / sizes[a] if sizes[a] else 0.0
            share_b = shared[a, b] / sizes[b] if sizes[b] else 0.0
            pairs.append(Pair(a, b, round(float(share_a), 4), round(float(share_b), 4)))
    key = [(p.answer.source, p.answer.student) for p in prints]
    return sorted(pairs, key=lambda p: (-p.similarity, key[p.a], key[p.b]))


def threshold_from(pairs: list[Pair], prints: list[Fingerprints]) -> tuple[float, str]:
    """The share above which a pair is flagged, from the class's own pairs, and how it came."""
    values = np.array([p.similarity for p in pairs if not prints[p.b].answer.source]
                      or [p.similarity for p in pairs] or [0.0])
    median = float(np.median(values))
    mad = 1.4826 * float(np.median(np.abs(values - median)))
    value = min(CEILING, max(FLOOR, median + MADS * mad))
    return round(value, 4), (f"median {median:.0%} + {MADS:g} x MAD {mad:.0%} of the class's "
                             f"{len(values)} pair(s), within {FLOOR:.0%}..{CEILING:.0%}")


def clusters(pairs: list[Pair], threshold: float, size: int) -> list[list[int]]:
    """Groups of 3 or more linked by flagged pairs; each starts with the member whose code the
    others share most of (the likely source), the rest by name."""
    parent = list(range(size))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    flagged = [p for p in pairs if p.similarity >= threshold]
    for p in flagged:
        parent[root(p.a)] = root(p.b)
    groups: dict[int, list[int]] = {}
    for i in range(size):
        groups.setdefault(root(i), []).append(i)
    found = []
    for members in groups.values():
        if len(members) < 3:
            continue
        held = dict.fromkeys(members, 0.0)  # how much of the others' code each one has
        for p in flagged:
            if p.a in held and p.b in held:
                held[p.b] += p.share_a
                held[p.a] += p.share_b
        source = max(members, key=lambda i: (held[i], -i))
        found.append([source] + [i for i in members if i != source])
    return sorted(found, key=lambda g: (-len(g), g))


def run(prints: list[Fingerprints], lab: str, skipped: dict[str, str],
        threshold: float | None = None) -> Result:
    """Compare ``prints``, set the threshold (``threshold`` overrides it) and cluster."""
    pairs = compare(prints)
    limit, how = threshold_from(pairs, prints)
    if threshold is not None:
        limit, how = threshold, "set with --threshold"
    return Result(lab, prints, pairs, limit, how, clusters(pairs, limit, len(prints)), skipped)


def shared_slices(mine: Fingerprints, other: Fingerprints) -> dict[int, np.ndarray]:
    """Per cell of ``mine``: the (start, end) character slices of its source that ``other``
    shares, as copydetect's report computes them (``get_copied_slices``, then the offsets)."""
    common = np.intersect1d(mine.hashes, other.hashes)
    slices = {}
    for cell, hashes, positions, offsets in mine.where:
        idx = positions[_within(hashes, common)]
        if not len(idx):
            continue
        found = get_copied_slices(idx, K)
        if len(offsets):
            found = found + offsets[:, 1][np.clip(np.searchsorted(offsets[:, 0], found),
                                                  0, offsets.shape[0] - 1)]
        slices[cell] = found.astype(int)
    return slices


# -- the command --------------------------------------------------------------------------

def released_notebook(course: Course, lab: str) -> Path:
    """The released notebook of ``lab`` (``labs/LAB/LAB.ipynb``)."""
    course.require_lab(lab)
    name = course.source_notebooks(lab)[0].name
    path = course.labs / lab / name
    if not path.is_file():
        raise CourseError(f"{lab} is not released yet ({path} is missing): run "
                          f"`autograder release {lab}` first")
    return path


def class_folder(course: Course, lab: str, submissions: Path | None) -> Path:
    """Where the class's notebooks are: ``submissions``, else what ``grade`` kept."""
    if submissions is not None:
        if not submissions.is_dir():
            raise CourseError(f"no folder of submissions at {submissions}")
        return submissions
    kept = course.work / "submitted"
    if not kept.is_dir() or not any((d / lab).is_dir() for d in kept.iterdir()):
        raise CourseError(f"nothing graded yet for {lab} in {course.work}: run `autograder grade "
                          f"{lab} SUBMISSIONS` first, or name a folder with --submissions")
    return kept


def similarity(course: Course, lab: str, submissions: Path | None = None,
               against: Iterable[Path] = (), threshold: float | None = None,
               progress: bool = False) -> Result:
    """Read the class (and earlier years from ``against``), fingerprint and compare."""
    from tqdm import tqdm

    release = released_notebook(course, lab)
    folder = class_folder(course, lab, submissions)
    earlier = list(against)
    for path in earlier:
        if not path.is_dir():
            raise CourseError(f"no folder of earlier submissions at {path}")
    for path in [folder, *earlier]:
        if path.resolve().is_relative_to(course.solutions.resolve()):
            raise CourseError(f"{path} is in solutions/, the instructor's own code: it is never "
                              "compared with students'")
    ids = answer_ids(nbformat.read(release, as_version=4))
    names = {k: v.original for k, v in read_identities(course, lab).items()}
    answers, skipped = read_answers(folder, release.name, ids,
                                    {} if submissions else names, graded=None if submissions else lab)
    labels = _against_labels(earlier)
    for path, label in zip(earlier, labels):
        theirs, missing = read_answers(path, release.name, ids, {}, label)
        answers += theirs
        skipped.update(missing)
    if not any(not a.source for a in answers):
        raise CourseError(f"no notebook of {lab} to compare in {folder}")
    given = boilerplate(release)
    bar = tqdm(total=len(answers), desc="fingerprints", unit="notebook", disable=not progress)
    with bar:
        prints = list(fingerprints(answers, given, bar.update))
    return run(prints, lab, skipped, threshold)


def fingerprints(answers: list[Answer], given: np.ndarray,
                 done: Callable[[int], object] = lambda n: None) -> Iterator[Fingerprints]:
    """:func:`fingerprint` of each of ``answers``, in order; on every core for a big class
    (tokenising is most of the work). ``done(n)`` is called as each ``n`` are ready."""
    jobs = min(os.cpu_count() or 1, len(answers) // PER_PROCESS)
    if jobs < 2:
        for answer in answers:
            yield fingerprint(answer, given)
            done(1)
        return
    chunk = max(1, len(answers) // (8 * jobs))
    context = multiprocessing.get_context("fork" if os.name == "posix" else None)
    with ProcessPoolExecutor(jobs, mp_context=context) as pool:
        for start in range(0, len(answers), chunk * jobs):
            batch = answers[start:start + chunk * jobs]
            yield from pool.map(fingerprint, batch, [given] * len(batch), chunksize=chunk)
            done(len(batch))


def _against_labels(folders: list[Path]) -> list[str]:
    """A distinct label per ``--against`` folder: its name, numbered when names repeat."""
    labels: list[str] = []
    for path in folders:
        label = path.resolve().name or "earlier"
        labels.append(label if label not in labels else f"{label}-{len(labels) + 1}")
    return labels


def report_path(course: Course, lab: str, suffix: str) -> Path:
    """``<work>/reports/<lab>_similarity<suffix>``."""
    return course.work / "reports" / f"{lab}_similarity{suffix}"


def rows(result: Result) -> list[dict[str, object]]:
    """The CSV's rows: one per pair, most similar first."""
    member = {i: n + 1 for n, group in enumerate(result.clusters) for i in group}
    out = []
    for p in result.pairs:
        a, b = result.prints[p.a].answer, result.prints[p.b].answer
        out.append({"student": a.student, "name": a.name, "other": b.student,
                    "other_name": b.name, "other_from": b.source or "class",
                    "share_student": p.share_a, "share_other": p.share_b,
                    "similarity": p.similarity,
                    "flagged": "yes" if p.similarity >= result.threshold else "",
                    "cluster": member.get(p.a, "") if member.get(p.a) == member.get(p.b) else ""})
    return out


def write_csv(result: Result, course: Course) -> Path:
    """The pairs as ``<work>/reports/<lab>_similarity.csv``, every cell spreadsheet-safe."""
    path = report_path(course, result.lab, ".csv")
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_csv_rows(path, FIELDS, rows(result))


def needs_look(course: Course, lab: str) -> dict[str, str]:
    """Per student of the class in a flagged pair of the last ``similarity`` run, the line the
    report adds to ``needs_look``: ``similar to <other> (87 % of answer code)``, the share being
    the student's own code found in the other's."""
    import csv

    path = report_path(course, lab, ".csv")
    if not path.is_file():
        return {}
    found: dict[str, list[tuple[float, str]]] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            row = {spreadsheet_text(k): spreadsheet_text(v) for k, v in row.items()}
            if row["flagged"] != "yes":
                continue
            other = row["other_name"] if row["other_from"] == "class" else \
                f"{row['other_from']}/{row['other_name']}"
            found.setdefault(row["student"], []).append((float(row["share_student"]), other))
            if row["other_from"] == "class":
                found.setdefault(row["other"], []).append((float(row["share_other"]),
                                                           row["name"]))
    return {s: "; ".join(f"similar to {who} ({math.floor(100 * share + 0.5)} % of answer code)"
                         for share, who in sorted(v, key=lambda x: (-x[0], x[1])))
            for s, v in found.items()}


def summary(result: Result) -> dict[str, object]:
    """Counts for the command line and the page (JSON-able)."""
    return {"students": sum(not p.answer.source for p in result.prints),
            "earlier": sum(bool(p.answer.source) for p in result.prints),
            "pairs": len(result.pairs), "flagged": len(result.flagged()),
            "threshold": result.threshold, "clusters": len(result.clusters)}
