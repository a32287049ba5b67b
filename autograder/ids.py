"""Student ids: any text an LMS produces, mapped to a safe folder and gradebook name.

An LMS names students however it likes (``Zoë Li``, ``o'brien``, ``-rf``, Chinese characters,
very long names). nbgrader keeps each student in folders named by id, so the grader maps every
id to a *safe name*: the id itself when it is already plain (ASCII letters, digits, ``_.@+-``,
not starting with ``-`` or ``.``, at most 64 characters), else a readable ASCII slug followed by
``~`` and a digest of the original text. The map is one-to-one: a plain id never contains
``~``, and two different texts never share a digest in practice (60 bits), so two students
never merge. The original text is kept beside the grades for reports.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,63}$")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def is_plain(student: str) -> bool:
    """Whether ``student`` can be a folder name and gradebook id as it is."""
    return bool(_PLAIN.match(student))


def safe_id(student: str) -> str:
    """The folder-safe, one-to-one name of the student called ``student`` (any text)."""
    if is_plain(student):
        return student
    ascii_text = unicodedata.normalize("NFKD", student).encode("ascii", "ignore").decode()
    slug = _NOT_SLUG.sub("_", ascii_text.lower()).strip("_")[:40] or "student"
    digest = hashlib.sha256(student.encode("utf-8", "surrogatepass")).hexdigest()[:15]
    return f"{slug}~{digest}"
