"""``publish DEST``: the student edition, the public half of the course.

The instructor's repository keeps ``solutions/`` (answers, hidden tests, mistake catalogues),
the autograder, tests and benchmarks. The student edition, written to ``DEST`` (the work tree of
the public repository ``[tool.nn-course].repository``), holds only what students use: the
lectures and released labs (notebooks), the helper packages they import (``nnkit``, and
``coursedata`` under ``data/``), a README for students, a ``pyproject.toml`` that installs only
those and what they import, and the licence.

Publishing first restamps every notebook of the course (badge and Setup cell, as
``[tool.nn-course]`` says), then writes the edition from an allow-list, in sorted order and with
no timestamps (the same commit publishes byte-identical trees), then runs the leak check on it.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from string import Template

from packaging.requirements import Requirement

from autograder.course import PACKAGE_FOLDERS, Course, CourseError, Edition, tomllib
from autograder.leaks import INSTRUCTOR_FOLDERS, find_edition_leaks
from autograder.release import restamp

TEMPLATES = Path(__file__).resolve().parent / "student_edition"
#: Folders copied into the edition, and what they may contribute (all else stays behind).
NOTEBOOK_FOLDERS = ("lectures", "labs")
NOTEBOOK_SUFFIXES = (".ipynb", ".csv", ".png", ".jpg", ".jpeg", ".gif", ".svg")
PACKAGE_SUFFIXES = (".py", ".md")
#: Files copied as they are.
FILES = ("LICENSE",)

PYPROJECT = Template('''\
[build-system]
requires = ["setuptools>=77"]
build-backend = "setuptools.build_meta"

[project]
name = "$name"
version = "$version"
description = "Course helpers for the lectures and labs of the Keras course on neural networks"
readme = "README.md"
requires-python = "$requires_python"
license = "$license"
dependencies = $dependencies

[project.optional-dependencies]
# A Keras backend for a local install (TensorFlow is the default; KERAS_BACKEND=jax or torch
# picks another). Colab has all three, which must be kept.
tf = $tf
jax = $jax
torch = $torch

[tool.setuptools.packages.find]
where = [".", "data"]
include = ["nnkit*", "coursedata*"]
''')


@dataclass(frozen=True)
class Published:
    """What ``publish`` did: notebooks restamped in the course, files written, leaks found."""

    restamped: list[Path]
    files: list[str]
    leaks: list[str]


def _toml_list(items: list[str]) -> str:
    return "[\n" + "".join(f"  {json.dumps(item)},\n" for item in items) + "]" if items else "[]"


def student_pyproject(root: Path, edition: Edition) -> str:
    """The edition's ``pyproject.toml``: the course's own, less what only the instructor uses."""
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    dropped = {Requirement(name).name.lower() for name in edition.instructor_only}
    dependencies = [d for d in project["dependencies"] if Requirement(d).name.lower() not in dropped]
    return PYPROJECT.substitute(
        name=edition.package, version=project["version"], license=project["license"],
        requires_python=project["requires-python"], dependencies=_toml_list(dependencies),
        **{extra: _toml_list(project.get("optional-dependencies", {}).get(extra, []))
           for extra in ("tf", "jax", "torch")})


def _selected(root: Path, folders: tuple[str, ...], suffixes: tuple[str, ...]) -> list[Path]:
    """Files under ``folders`` with an allowed suffix, none inside an instructor-only or hidden
    folder or a cache."""
    return sorted(p for folder in folders for p in (root / folder).rglob("*")
                  if p.is_file() and p.suffix in suffixes
                  and not any(part in INSTRUCTOR_FOLDERS or part.startswith((".", "__"))
                              for part in p.relative_to(root).parts[:-1]))


def edition_files(course: Course) -> dict[str, bytes]:
    """``{relative path: content}`` of the student edition, sorted by path."""
    edition = course.edition
    root = course.root
    sources = (_selected(root, NOTEBOOK_FOLDERS, NOTEBOOK_SUFFIXES)
               + _selected(root, PACKAGE_FOLDERS, PACKAGE_SUFFIXES)
               + [root / name for name in FILES])
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in sources}
    readme = Template((TEMPLATES / "README.md").read_text(encoding="utf-8")).substitute(
        repository=edition.repository, ref=edition.ref, install=edition.install,
        package=edition.package, name=edition.repository.split("/")[-1])
    files["README.md"] = readme.encode()
    files["pyproject.toml"] = student_pyproject(root, edition).encode()
    return dict(sorted(files.items()))


def _clear(dest: Path, course: Course) -> None:
    """Empty ``dest`` (but its ``.git``) if it is new, empty or an earlier student edition."""
    if dest == course.root or course.root.is_relative_to(dest):
        raise CourseError(f"{dest} holds the course itself; publish into another folder")
    if dest.exists() and not dest.is_dir():
        raise CourseError(f"{dest} is a file; publish into a folder")
    entries = sorted(p for p in dest.iterdir() if p.name != ".git") if dest.is_dir() else []
    if entries:
        try:
            name = tomllib.loads((dest / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"]
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            name = None
        if name != course.edition.package:
            raise CourseError(f"{dest} is neither empty nor a student edition (its pyproject.toml "
                              f"does not name {course.edition.package}); publish into a new folder")
    for entry in entries:
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def publish(course: Course, dest: Path) -> Published:
    """Restamp the course's notebooks, write the student edition to ``dest`` (replacing an
    earlier one there, keeping its ``.git``), and check it for leaks."""
    dest = dest.resolve()
    _clear(dest, course)
    restamped = restamp(course)
    files = edition_files(course)
    for rel, content in files.items():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return Published(restamped, list(files), find_edition_leaks(course, dest))
