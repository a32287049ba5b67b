"""``collect LAB SOURCE``: gather hand-ins into one folder per student, ready for ``grade``.

SOURCE may be a folder (``<student>/...ipynb`` or ``<student>.ipynb``, e.g. notebooks students
downloaded from Colab), or an LMS bulk-download zip: Canvas names files
``<login>[_LATE]_<user id>_<submission id>_<name>.ipynb``; Moodle puts each hand-in in a folder
``<Full Name>_<participant id>_assignsubmission_file_/``. Duplicates (the newest is kept), late
files and files that map to no student (or to one outside the roster) are reported.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

CANVAS = re.compile(r"^(?P<student>[a-z0-9]+)(?P<late>_LATE)?_\d+_\d+_.+\.ipynb$", re.IGNORECASE)
MOODLE = re.compile(r"^(?P<name>.+?)_(?P<pid>\d+)_assignsubmission_file_$")
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass
class Entry:
    """One file found in SOURCE, and what became of it."""

    source: str
    student: str | None
    modified: datetime
    status: str = "ok"


def _slug(text: str) -> str:
    return _SLUG.sub("_", text.lower()).strip("_")


def student_of(path: str) -> tuple[str | None, bool]:
    """The student a file belongs to, from its path inside SOURCE, and whether it is marked late."""
    parts = Path(path).parts
    if m := CANVAS.match(parts[-1]):
        return m["student"].lower(), bool(m["late"])
    for part in parts[:-1]:
        if m := MOODLE.match(part):
            return _slug(m["name"]), False
    if len(parts) >= 2:
        return _slug(parts[0]), False
    return (_slug(Path(parts[0]).stem), False) if parts[0].endswith(".ipynb") else (None, False)


def _files(source: Path) -> list[tuple[str, datetime, bytes]]:
    if source.is_file() and zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as zf:
            return [(i.filename, datetime(*i.date_time), zf.read(i)) for i in zf.infolist()
                    if not i.is_dir()]
    if source.is_dir():
        return [(p.relative_to(source).as_posix(), datetime.fromtimestamp(p.stat().st_mtime),
                 p.read_bytes()) for p in sorted(source.rglob("*")) if p.is_file()]
    raise FileNotFoundError(f"no folder or zip file at {source}")


def collect(lab: str, source: Path, dest: Path, roster: set[str] | None = None,
            deadline: datetime | None = None) -> list[Entry]:
    """Copy each student's newest notebook to ``dest/<student>/<lab>.ipynb``; report the rest."""
    entries: list[Entry] = []
    newest: dict[str, tuple[Entry, bytes]] = {}
    for name, modified, data in _files(source):
        if "__MACOSX" in name or Path(name).name.startswith("."):
            continue
        student, late = student_of(name)
        entry = Entry(name, student, modified)
        entries.append(entry)
        if not name.endswith(".ipynb") or student is None:
            entry.status = "unknown file"
            continue
        if roster is not None and student not in roster:
            entry.status = f"unknown student {student!r}"
            continue
        if late or (deadline and modified > deadline):
            entry.status = "late"
        kept = newest.get(student)
        if kept is None or modified > kept[0].modified:
            if kept is not None:
                kept[0].status = "duplicate (older copy, not kept)"
            newest[student] = (entry, data)
        else:
            entry.status = "duplicate (older copy, not kept)"
    for student, (_, data) in newest.items():
        target = dest / student
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        (target / f"{lab}.ipynb").write_bytes(data)
    return entries
