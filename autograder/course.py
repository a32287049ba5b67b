"""Where things live in the course repository, and the names of its labs."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

#: The folders of the course's helper packages, which the student edition carries.
PACKAGE_FOLDERS = ("nnkit", "data")

ENV_ROOT = "NN_COURSE_ROOT"
ENV_WORK = "NN_COURSE_WORK"
ENV_DB = "NN_COURSE_DB"


class CourseError(Exception):
    """A problem the instructor must fix (unknown lab, missing folder); the CLI exits non-zero."""


def find_root(start: Path | None = None) -> Path:
    """The course root: ``$NN_COURSE_ROOT``, or the first parent holding ``nbgrader_config.py``."""
    if os.environ.get(ENV_ROOT):
        return Path(os.environ[ENV_ROOT]).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "nbgrader_config.py").is_file() and (folder / "solutions").is_dir():
            return folder
    package_root = Path(__file__).resolve().parents[1]
    if (package_root / "nbgrader_config.py").is_file():
        return package_root
    raise CourseError("cannot find the course root (a folder with nbgrader_config.py); "
                      f"run from inside the repository or set {ENV_ROOT}")


@dataclass(frozen=True)
class Edition:
    """The student edition and where it lives, from ``[tool.nn-course]`` in the course's
    ``pyproject.toml``: the one place badges and Setup cells are stamped from."""

    repository: str  #: the public GitHub repository, ``owner/name``
    ref: str  #: the tag, branch or commit that badges open and Setup cells install
    install: str  #: the pip requirement a Setup cell installs on Colab
    instructor_only: tuple[str, ...] = ()  #: dependencies left out of the student edition

    @classmethod
    def read(cls, root: Path) -> Edition:
        """The edition configured in ``root/pyproject.toml``."""
        pyproject = root / "pyproject.toml"
        try:
            table = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["nn-course"]
            repository, ref = table["repository"], table["ref"]
            install = table["install"].format(repository=repository, ref=ref)
            return cls(repository, ref, install, tuple(table.get("instructor-only", ())))
        except (OSError, KeyError, tomllib.TOMLDecodeError) as exc:
            raise CourseError(f"{pyproject}: no valid [tool.nn-course] table with repository, "
                              f"ref and install ({exc!r})") from exc

    @property
    def package(self) -> str:
        """The student edition's distribution name, as its install requirement names it."""
        from packaging.requirements import Requirement

        return Requirement(self.install).name

    def badge_url(self, relpath: str) -> str:
        """The Colab address of the notebook at ``relpath`` in the student edition."""
        return f"https://colab.research.google.com/github/{self.repository}/blob/{self.ref}/{relpath}"


@dataclass(frozen=True)
class Course:
    """The course's folders: sources, releases, and the instructor's working folder."""

    root: Path
    work: Path
    db: str | None = None

    @classmethod
    def locate(cls, work: str | Path | None = None, db: str | None = None,
               root: Path | None = None) -> Course:
        """The course at ``root`` (default: around the current directory), with its working
        folder (default ``grading/``) and gradebook URL (default SQLite in the working folder)."""
        root = root or find_root()
        work_dir = Path(work or os.environ.get(ENV_WORK) or root / "grading").resolve()
        return cls(root=root, work=work_dir, db=db or os.environ.get(ENV_DB))

    @property
    def solutions(self) -> Path:
        return self.root / "solutions"

    @property
    def labs(self) -> Path:
        return self.root / "labs"

    @property
    def edition(self) -> Edition:
        """The student edition and where it lives (``[tool.nn-course]``)."""
        return Edition.read(self.root)

    @property
    def gradebook(self) -> Path:
        return self.work / "gradebook.db"

    @property
    def db_url(self) -> str:
        """The gradebook: any SQLAlchemy URL (e.g. PostgreSQL); SQLite in ``work`` by default."""
        return self.db or f"sqlite:///{self.gradebook}"

    def open_gradebook(self):
        """nbgrader's ``Gradebook`` on :attr:`db_url`, for this course's id (use ``with``)."""
        from nbgrader.api import Gradebook

        from autograder.engine import COURSE_ID

        return Gradebook(self.db_url, COURSE_ID)

    def lab_names(self) -> list[str]:
        """Every lab that has a source folder in ``solutions/``."""
        return sorted(p.name for p in self.solutions.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))

    def require_lab(self, lab: str) -> str:
        """Return ``lab`` if it exists, else raise a :class:`CourseError` naming the known labs."""
        if lab not in self.lab_names():
            known = ", ".join(self.lab_names()) or "none"
            raise CourseError(f"no lab called {lab!r} in {self.solutions}; known labs: {known}")
        return lab

    def source_notebooks(self, lab: str) -> list[Path]:
        """The instructor notebooks of ``lab``."""
        return sorted((self.solutions / lab).glob("*.ipynb"))
