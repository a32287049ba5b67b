"""Proofs keyed by what they depend on.

An expensive proof (a lab's full verification, a lecture's run, the student edition's install)
depends on a known set of inputs: files of the repository, the pinned dependency versions
(:data:`LOCK`), the Python version and the Keras backend. :func:`inputs_digest` hashes exactly
those inputs; a :class:`Record` (``proofs/<name>.<backend>.json``, committed) says what the proof
found at that digest. While the digest matches its record, a proof may be replayed in part (a
*smoke* proof, chosen from the commit so that successive landings cover the whole of it) and
the part must agree with the record; when it differs, the proof runs whole. A stale or missing
record costs time, never correctness.
"""

from __future__ import annotations

import ast
import hashlib
import json
import random
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

#: The pinned versions of every Python package the course installs (``tools/bootstrap.sh``).
LOCK = "requirements.lock"
#: Where records live, relative to the course root.
RECORDS = "proofs"
#: Changes when what a record means changes: every record then goes stale.
FORMAT = 1
#: First-party packages whose imports :func:`code_closure` follows.
FIRST_PARTY = ("autograder", "nnkit", "coursedata")
#: Folders that always count whole: code the kernels import, and the grading engine (its
#: sandbox-side modules start by name, not by import).
SHARED_INPUTS = ("nnkit", "data/coursedata", "autograder/engine", "nbgrader_config.py", LOCK)
#: How many catalogued mistakes a smoke proof re-grades.
SMOKE_MISTAKES = 3
#: The simulated students every smoke proof of a lab grades (see :mod:`autograder.verify`).
ALWAYS_REPLAYED = ("solution", "release", "visible-only", "patched-checks")
def _git(root: Path) -> list[str]:
    """git on ``root``, also when another user owns the checkout (a shared course folder, CI
    as another user), which git otherwise refuses as "dubious ownership"; it is only read."""
    return ["git", "-c", f"safe.directory={root}", "-C", str(root)]


#: The proof modes: ``auto`` replays in part what a matching record proves, ``full`` runs
#: everything, ``record`` runs everything and writes records.
MODES = ("auto", "full", "record")


def _listed(root: Path, paths: Iterable[str]) -> list[Path]:
    """The files under ``paths`` (relative to ``root``) that git would commit: tracked or not
    ignored. Outside a git checkout, every file but caches."""
    rels = sorted(set(paths))
    if (root / ".git").exists():
        out = subprocess.run([*_git(root), "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard", "--", *rels],
                             capture_output=True, check=True).stdout
        files = {root / name for name in out.decode().split("\0") if name}
    else:
        files = set()
        for rel in rels:
            path = root / rel
            files |= {path} if path.is_file() else {p for p in path.rglob("*") if p.is_file()}
    return sorted(p for p in files if p.is_file() and "__pycache__" not in p.parts
                  and p.suffix != ".pyc" and ".ipynb_checkpoints" not in p.parts)


def _module_file(root: Path, module: str) -> Path | None:
    base = root / "data" if module.split(".")[0] == "coursedata" else root
    path = base.joinpath(*module.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def code_closure(root: Path, modules: Iterable[str]) -> list[Path]:
    """The source files of ``modules`` and of every first-party module they import, at any
    depth and anywhere in a function, with their packages' ``__init__`` files."""
    todo, seen = list(modules), set()
    files: set[Path] = set()
    while todo:
        module = todo.pop()
        if module in seen or module.split(".")[0] not in FIRST_PARTY:
            continue
        seen.add(module)
        parts = module.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]
        path = _module_file(root, module)
        if path is None:
            continue
        files.add(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                todo += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                todo += [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    return sorted(files)


def inputs_digest(root: Path, paths: Iterable[str], extra: Iterable[str] = ()) -> str:
    """A SHA-256 over the files under ``paths`` (names and bytes), the Python version,
    :data:`FORMAT` and the ``extra`` strings (a backend name, selected cell sources)."""
    digest = hashlib.sha256(f"format {FORMAT}\0python {sys.version_info[:2]}\0".encode())
    for path in _listed(root, paths):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for item in extra:
        digest.update(b"\1" + item.encode() + b"\0")
    return digest.hexdigest()


def _rel(root: Path, paths: Iterable[Path]) -> list[str]:
    return [p.relative_to(root).as_posix() for p in paths]


def lab_inputs(root: Path, lab: str) -> list[str]:
    """What a lab's verification depends on: its sources and release, the code the kernels
    import, the grading engine and everything ``verify`` imports, and the pinned versions."""
    return [f"solutions/{lab}", f"labs/{lab}", *SHARED_INPUTS,
            *_rel(root, code_closure(root, ["autograder.verify"]))]


def lecture_inputs(lecture: Path) -> list[str]:
    """What a lecture's run depends on: the notebook, the code it imports, the pinned versions."""
    return [f"lectures/{lecture.name}", "nnkit", "data/coursedata", LOCK]


def edition_inputs(root: Path) -> list[str]:
    """What the student edition's install depends on: its packaging and the code that writes
    it (the notebooks' cells it runs are passed as ``extra``)."""
    return ["pyproject.toml", "LICENSE", "autograder/student_edition", "nnkit", "data/coursedata",
            LOCK, *_rel(root, code_closure(root, ["autograder.publish"]))]


@dataclass
class Record:
    """What a proof found at one digest of its inputs, on one backend (``-`` for none)."""

    name: str
    backend: str
    digest: str
    outcomes: dict[str, dict] = field(default_factory=dict)

    @staticmethod
    def path(root: Path, name: str, backend: str | None) -> Path:
        return root / RECORDS / f"{name}.{backend or '-'}.json"

    @classmethod
    def load(cls, root: Path, name: str, backend: str | None) -> Record | None:
        """The committed record, or ``None`` when there is none or it cannot be read."""
        path = cls.path(root, name, backend)
        try:
            return cls(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    def save(self, root: Path) -> Path:
        path = self.path(root, self.name, self.backend)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=1, sort_keys=True) + "\n", encoding="utf-8")
        return path

    def contradictions(self, outcomes: dict[str, dict]) -> list[str]:
        """Each of ``outcomes`` the record holds and that differs from it, in one line."""
        return [f"{key}: now {value}, recorded {self.outcomes[key]}"
                for key, value in sorted(outcomes.items())
                if key in self.outcomes and self.outcomes[key] != value]


def matching(root: Path, name: str, backend: str | None, digest: str) -> Record | None:
    """The record of ``name`` on ``backend`` if it was made at ``digest``, else ``None``."""
    record = Record.load(root, name, backend)
    return record if record is not None and record.digest == digest else None


def replays_in_part(mode: str, record_matches: bool, default_backend: bool) -> bool:
    """Whether a proof runs as a smoke proof: always in ``smoke`` mode; in ``auto`` mode where
    its record matches, and on every backend but the default (the default backend's record
    going stale is what re-runs a proof whole); never in ``full`` or ``record`` mode."""
    return mode == "smoke" or (mode == "auto" and (record_matches or not default_backend))


def commit_seed(root: Path) -> int:
    """A number from the checked-out commit (0 outside git): what a smoke proof replays."""
    done = subprocess.run([*_git(root), "rev-parse", "HEAD"], capture_output=True, text=True)
    return int(done.stdout.strip()[:12], 16) if done.returncode == 0 and done.stdout.strip() else 0


def smoke_students(students: Iterable[str], seed: int) -> set[str]:
    """A smoke proof's class: the students of :data:`ALWAYS_REPLAYED`, one reference and
    :data:`SMOKE_MISTAKES` mistakes, the last two chosen by ``seed``."""
    students = sorted(students)
    rng = random.Random(seed)
    mistakes = [s for s in students if s.startswith("mistake")]
    references = [s for s in students if s.startswith("reference-")]
    chosen = {s for s in students if s in ALWAYS_REPLAYED}
    chosen |= set(rng.sample(references, min(1, len(references))))
    return chosen | set(rng.sample(mistakes, min(SMOKE_MISTAKES, len(mistakes))))
