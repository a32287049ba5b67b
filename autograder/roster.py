"""Who handed in what: the LMS identity of each collected student, and class rosters.

``collect`` records, per lab, each kept student's LMS identity (Canvas user id and submission
id, or Moodle participant id), the original id or display name, the hand-in time and whether it
was late, in ``<work>/identities/<lab>.csv`` (:func:`read_identities`). ``report`` reads it for
lateness and to join the grades to the LMS's own gradebook export. A roster (``--roster``) is a
CSV file with a header; any LMS identity column it has is used (:func:`read_roster`).
"""

from __future__ import annotations

import csv
import dataclasses
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from autograder.course import Course, CourseError
from autograder.safetext import spreadsheet_text, write_csv_rows

#: Roster columns that name a student, as a plain list, Canvas's and Moodle's exports spell them.
ROSTER_COLUMNS = ("student_id", "ID", "SIS User ID", "SIS Login ID", "Identifier", "Full name",
                  "Email address", "ID number", "Username")


def key(text: str) -> str:
    """``text`` as a roster or join key: NFC, case-folded, single spaces."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


@dataclass(frozen=True)
class Identity:
    """One collected student: folder name, the id the LMS or folder gave, and the hand-in."""

    student: str
    original: str
    lms: str = ""
    user_id: str = ""
    submission_id: str = ""
    handed_in: str = ""
    deadline: str = ""
    late: bool = False

    def keys(self) -> set[str]:
        """Every text a roster may name this student by."""
        found = {key(self.original), key(self.student)}
        if self.lms == "canvas" and self.user_id:
            found.add(self.user_id)
        if self.lms == "moodle" and self.user_id:
            found.add(f"participant {self.user_id}")
        return found

    @property
    def days_late(self) -> float | None:
        """Days past the deadline, when late and both times are known."""
        if not (self.late and self.deadline and self.handed_in):
            return None
        late_by = datetime.fromisoformat(self.handed_in) - datetime.fromisoformat(self.deadline)
        return max(late_by.total_seconds(), 0.0) / 86400


FIELDS = [f.name for f in dataclasses.fields(Identity)]


def identities_path(course: Course, lab: str) -> Path:
    return course.work / "identities" / f"{lab}.csv"


def read_identities(course: Course, lab: str) -> dict[str, Identity]:
    """``{student folder name: Identity}`` as recorded by ``collect`` for ``lab`` (may be empty)."""
    path = identities_path(course, lab)
    if not path.is_file():
        return {}
    with path.open(newline="", encoding="utf-8") as f:
        rows = [{k: spreadsheet_text(v) for k, v in row.items()} for row in csv.DictReader(f)]
    return {row["student"]: Identity(**{**row, "late": row["late"] == "yes"}) for row in rows}


def write_identities(course: Course, lab: str, found: list[Identity]) -> Path:
    """Add ``found`` to ``lab``'s table (a student collected again replaces their row); no cell
    a spreadsheet would evaluate (:mod:`autograder.safetext`), undone by :func:`read_identities`."""
    table = {**read_identities(course, lab), **{i.student: i for i in found}}
    path = identities_path(course, lab)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_csv_rows(path, FIELDS, ({**dataclasses.asdict(i), "late": "yes" if i.late else ""}
                                         for i in sorted(table.values(), key=lambda i: i.student)))


@dataclass(frozen=True)
class Roster:
    """The ids a roster file names, and the columns they came from."""

    path: Path
    columns: tuple[str, ...]
    keys: frozenset[str]

    def has(self, identity: Identity) -> bool:
        return bool(identity.keys() & self.keys)


def read_roster(path: Path) -> Roster:
    """Read a roster CSV (a plain ``student_id`` column, or an LMS export); raise
    :class:`CourseError` when it has no column naming students, or names none."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            lines = list(csv.reader(f))
    except FileNotFoundError:
        raise CourseError(f"no roster file at {path}") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise CourseError(f"roster {path} is not a UTF-8 CSV file ({exc})") from None
    header = [h.strip() for h in lines[0]] if lines else []
    rows = [dict(zip(header, line)) for line in lines[1:]]
    by_lower = {h.lower(): h for h in header}
    columns = tuple(by_lower[c.lower()] for c in ROSTER_COLUMNS if c.lower() in by_lower)
    if not columns:
        raise CourseError(f"roster {path} has no column of student ids (a header naming one of: "
                          f"{', '.join(ROSTER_COLUMNS)}); its header is: "
                          f"{', '.join(header) or 'empty'}")
    keys = frozenset(key(row[c]) for row in rows for c in columns if row.get(c, "").strip())
    if not keys:
        raise CourseError(f"roster {path} names no student")
    return Roster(path, columns, keys)
