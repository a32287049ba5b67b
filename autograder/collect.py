"""``collect LAB SOURCE``: gather hand-ins into one folder per student, ready for ``grade``.

SOURCE may be a folder (``<student>/...ipynb`` or ``<student>.ipynb``, e.g. notebooks students
downloaded from Colab), or an LMS bulk-download zip: Canvas names files
``<name>[_LATE]_<user id>_<submission id>_<file>``; Moodle puts each hand-in in a folder
``<Full Name>_<participant id>_assignsubmission_file_/`` (or prefixes the file name with it).

Each student keeps the id the LMS or the folder gave (any text) for reports, and gets the
one-to-one folder name :func:`autograder.ids.safe_id` of it: two different students never share a
folder, and a folder name never leaves ``dest``. Entries that escape SOURCE (``../x``, absolute
paths), links, and files that name no student are refused with a reason; duplicates (the
newest is kept), late files and students outside the roster are reported. A Canvas zip stamps
every entry with the time it was downloaded, so its hand-ins are late only when Canvas marked
them ``_LATE``; folders and Moodle zips are late when their file time is past ``deadline``.
"""

from __future__ import annotations

import re
import shutil
import stat
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from autograder.course import CourseError
from autograder.ids import safe_id
from autograder.roster import Identity, Roster

CANVAS = re.compile(r"^(?P<name>[^_]+?)(?P<late>_LATE)?_(?P<uid>\d+)_(?P<sub>\d+)_.+$")
MOODLE = re.compile(r"^(?P<name>.+?)_(?P<pid>\d+)_assignsubmission_file_")
OLDER = "duplicate (older copy, not kept)"
#: LMS downloads whose entry times are the download's, not the hand-in's: lateness comes only
#: from the LMS's own mark (Canvas's ``_LATE``).
UNTIMED = ("canvas",)
KEPT = ("ok", "late")


@dataclass(frozen=True)
class Who:
    """The student a file names: the id the LMS or folder gave, and their LMS identity."""

    original: str
    lms: str = ""
    user_id: str = ""
    submission_id: str = ""
    marked_late: bool = False

    @property
    def person(self) -> tuple[str, str]:
        """What tells students apart: the LMS user id where there is one, else the id."""
        return (self.lms, self.user_id) if self.user_id else ("", self.original)


@dataclass
class Entry:
    """One file found in SOURCE, and what became of it."""

    source: str
    who: Who | None
    modified: datetime
    status: str = "ok"
    student: str | None = None  # the folder name, once the student is known


def refusal(name: str) -> str | None:
    """Why the SOURCE entry ``name`` must not be used as a path (it escapes), or ``None``."""
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or re.match(r"^[A-Za-z]:", name) or ".." in path.parts:
        return "refused: the path leads outside the submission"
    return None


def _clean(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def student_of(path: str) -> Who | None:
    """The student a file belongs to, from its path inside SOURCE, or ``None``."""
    parts = PurePosixPath(path.replace("\\", "/")).parts
    if m := CANVAS.match(parts[-1]):
        return Who(_clean(m["name"]), "canvas", m["uid"], m["sub"], bool(m["late"]))
    for part in parts:
        if m := MOODLE.match(part):
            return Who(_clean(m["name"]), "moodle", m["pid"]) if _clean(m["name"]) else None
    first = parts[0] if len(parts) >= 2 else (parts[0][:-6] if parts[0].endswith(".ipynb") else "")
    return Who(_clean(first)) if _clean(first).strip(".") else None


def _link_or_special(mode: int) -> str | None:
    """Why a file of ``mode`` is refused (a link, a pipe...); a zip written without Unix modes
    has no file type, and is taken as a file."""
    if stat.S_ISLNK(mode):
        return "refused: a link, not a notebook"
    if stat.S_IFMT(mode) and not stat.S_ISREG(mode):
        return "refused: not a regular file"
    return None


def _files(source: Path) -> list[tuple[str, datetime, bytes | str]]:
    """``(path inside SOURCE, modified, bytes or the reason it is refused)`` per file."""
    if source.is_dir():
        found = []
        for p in sorted(source.rglob("*")):
            if p.is_dir() and not p.is_symlink():
                continue
            mode = p.lstat().st_mode
            why = _link_or_special(mode)
            data = why or p.read_bytes()
            found.append((p.relative_to(source).as_posix(),
                          datetime.fromtimestamp(p.lstat().st_mtime), data))
        return found
    if not source.is_file():
        raise CourseError(f"no folder or zip file at {source}")
    if not zipfile.is_zipfile(source):
        raise CourseError(f"{source} is not a zip file (or it is damaged)")
    try:
        with zipfile.ZipFile(source) as zf:
            return [(i.filename, datetime(*i.date_time),
                     refusal(i.filename) or _link_or_special(i.external_attr >> 16)
                     or zf.read(i))
                    for i in zf.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise CourseError(f"{source} is a damaged zip file ({exc})") from None


def _status(name: str, who: Who | None, data: bytes | str, roster: Roster | None,
            deadline: datetime | None, modified: datetime) -> str:
    if isinstance(data, str):
        return data
    if not name.endswith(".ipynb"):
        return "unknown file"
    if who is None:
        return "refused: the path names no student"
    if roster is not None and not roster.has(Identity(safe_id(who.original), who.original,
                                                     who.lms, who.user_id)):
        return "not on the roster"
    by_time = deadline and modified > deadline and who.lms not in UNTIMED
    return "late" if who.marked_late or by_time else "ok"


def _name_students(entries: list[Entry]) -> None:
    """Give each kept entry its student's folder name; two LMS users who share a display name
    are told apart by their LMS id (``Jane Doe_4242``)."""
    people: dict[str, set[tuple[str, str]]] = {}
    for e in entries:
        if e.who is not None and e.status in KEPT:
            people.setdefault(e.who.original, set()).add(e.who.person)
    for e in entries:
        if e.who is not None and e.status in KEPT:
            shared = len(people[e.who.original]) > 1
            e.student = safe_id(f"{e.who.original}_{e.who.user_id}" if shared else e.who.original)


def collect(lab: str, source: Path, dest: Path, roster: Roster | None = None,
            deadline: datetime | None = None) -> list[Entry]:
    """Copy each student's newest notebook to ``dest/<folder>/<lab>.ipynb``; report the rest.

    Raises :class:`CourseError` when SOURCE is missing, empty or a damaged zip, and when a
    roster matches none of the notebooks (nothing is written then)."""
    files = [f for f in _files(source)
             if "__MACOSX" not in f[0] and not PurePosixPath(f[0]).name.startswith(".")]
    if not files:
        raise CourseError(f"{source} holds no file: nothing to collect")
    entries = []
    for name, modified, data in files:
        who = None if refusal(name) else student_of(name)
        entries.append(Entry(name, who, modified,
                             _status(name, who, data, roster, deadline, modified)))
    if roster is not None and not any(e.status in KEPT for e in entries) and any(
            e.status == "not on the roster" for e in entries):
        raise CourseError(f"roster {roster.path} (columns {', '.join(roster.columns)}) matches "
                          "none of the notebooks: is it this class's roster?")
    _name_students(entries)
    newest: dict[str, tuple[Entry, bytes]] = {}
    for entry, (_, _, data) in zip(entries, files):
        if entry.student is None:
            continue
        kept = newest.get(entry.student)
        if kept is None or entry.modified > kept[0].modified:
            if kept is not None:
                kept[0].status = OLDER
            newest[entry.student] = (entry, data)
        else:
            entry.status = OLDER
    for student, (_, data) in newest.items():
        target = dest / student
        if target.is_symlink() or target.is_file():
            target.unlink()
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        (target / f"{lab}.ipynb").write_bytes(data)
    return entries


def identities(entries: list[Entry], deadline: datetime | None) -> list[Identity]:
    """The :class:`Identity` of each student whose notebook :func:`collect` kept."""
    return [Identity(e.student, e.who.original, e.who.lms, e.who.user_id, e.who.submission_id,
                     "" if e.who.lms in UNTIMED else e.modified.isoformat(timespec="seconds"),
                     deadline.isoformat(timespec="seconds") if deadline else "",
                     e.status == "late")
            for e in entries if e.status in KEPT and e.student and e.who]
