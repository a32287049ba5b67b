"""Judges: a lab's hidden tests as the grader runs them, outside the sandbox.

A lab's judge module (``solutions/LAB/judge.py``, never released and never inside a sandbox)
makes a :class:`Judge` and registers, for each graded test cell, a *challenge* (the inputs its
probe gives the student's code, drawn from a seed) and a *check* (the reference, the expected
values and the tolerances, applied to the evidence the probe reported)::

    judge = Judge()

    @judge.challenge("test_fit")
    def _(rng):
        return {"X": rng.normal(size=(30, 3))}

    @judge.check("test_fit")
    def _(challenge, evidence):
        expect_close(evidence.array("w_", shape=(3,)), reference(challenge["X"]), "w_")

A check fails by raising ``AssertionError`` with a message that says what differs, never the
expected values; the probe side is :mod:`nnkit.evidence`.
"""

from __future__ import annotations

import types
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from nnkit.evidence import MAX_CHALLENGES, WireError, dumps, loads

#: The file of a lab's judge, in the lab's source folder.
JUDGE_FILE = "judge.py"


class Evidence:
    """What a probe reported, read as untrusted data: every accessor fails the test, with a
    reason, when a value is missing or of the wrong kind."""

    def __init__(self, values: dict):
        self.values = values

    def __contains__(self, key: str) -> bool:
        return key in self.values

    def __getitem__(self, key: str):
        if key not in self.values:
            raise AssertionError(f"the test did not report {key} (it stopped early)")
        value = self.values[key]
        if isinstance(value, dict) and "$t" in value:
            raise AssertionError(f"{key}: got a {str(value['$t'])[:60]}, which is not data")
        return value

    def array(self, key: str, shape: tuple | None = None, kind: str = "float") -> np.ndarray:
        """``key`` as a numeric array (``kind`` ``"float"`` or ``"int"``), of ``shape`` if given."""
        value = self[key]
        try:
            array = np.asarray(value)
            if array.dtype == object or array.dtype.kind not in "biuf":
                raise ValueError
        except ValueError:
            raise AssertionError(f"{key}: expected numbers, got {type(value).__name__}") from None
        if kind == "int" and array.dtype.kind not in "iu":
            raise AssertionError(f"{key}: expected integers, got dtype {array.dtype}")
        if shape is not None and array.shape != tuple(shape):
            raise AssertionError(f"{key}: expected shape {tuple(shape)}, got {array.shape}")
        return array.astype(float) if kind == "float" else array

    def number(self, key: str) -> float:
        """``key`` as one number (a 0-d or one-element array counts)."""
        array = self.array(key)
        if array.size != 1:
            raise AssertionError(f"{key}: expected one number, got shape {array.shape}")
        return float(array.reshape(()))


Maker = Callable[[np.random.Generator], dict]
Check = Callable[[dict, Evidence], None]


#: How much of a failing check's message students see, as a lab chooses: the whole message
#: (what was checked and how it differs), what was checked only, or nothing but the fact.
FEEDBACK_LEVELS = ("differences", "checks", "verdict")


class Judge:
    """A lab's hidden tests: a challenge maker and a check per graded cell's ``grade_id``.
    ``feedback`` is one of :data:`FEEDBACK_LEVELS`."""

    def __init__(self, feedback: str = "differences") -> None:
        if feedback not in FEEDBACK_LEVELS:
            raise ValueError(f"feedback must be one of {FEEDBACK_LEVELS}, not {feedback!r}")
        self.feedback = feedback
        self.makers: dict[str, Maker] = {}
        self.checks: dict[str, Check] = {}
        self._made: dict[int, dict] = {}

    def challenge(self, test: str) -> Callable[[Maker], Maker]:
        """Register the function that draws ``test``'s inputs from a random generator."""
        def register(maker: Maker) -> Maker:
            self.makers[test] = maker
            return maker
        return register

    def check(self, test: str) -> Callable[[Check], Check]:
        """Register the function that judges ``test``'s evidence against its challenge."""
        def register(check: Check) -> Check:
            self.checks[test] = check
            return check
        return register

    def challenges(self, seed: int) -> dict:
        """Every test's challenge for ``seed``, as the probes receive them (through the wire)."""
        if seed not in self._made:
            made = {test: maker(np.random.default_rng([seed, zlib.crc32(test.encode())]))
                    for test, maker in self.makers.items()}
            self._made = {seed: loads(dumps(made), MAX_CHALLENGES)}
        return self._made[seed]

    def challenges_text(self, seed: int) -> str:
        """:meth:`challenges` as wire JSON, for the kernel."""
        return dumps(self.challenges(seed))

    def verdict(self, test: str, challenge: dict, evidence: str) -> str | None:
        """Why ``test`` fails on the reported ``evidence`` (wire JSON), or ``None`` when it
        passes. Never raises for what the evidence holds."""
        try:
            values = loads(evidence)
        except WireError as exc:
            return f"the test's report could not be read ({exc})"
        if not isinstance(values, dict):
            return "the test's report could not be read (not a set of named values)"
        if "$too_big" in values:
            return "the test's report was too large to read"
        try:
            self.checks[test](challenge, Evidence(values))
        except AssertionError as exc:
            return self._shown(str(exc) or "a check failed")
        except Exception as exc:  # noqa: BLE001 - evidence of a shape the check did not expect
            return f"the reported values could not be checked ({type(exc).__name__})"
        return None

    def _shown(self, message: str) -> str:
        """``message`` cut to the lab's feedback level."""
        if self.feedback == "verdict":
            return "a hidden test failed"
        if self.feedback == "checks":
            return message.split(":")[0].split(" (largest difference")[0]
        return message


def load(source: str, name: str = "judge") -> Judge:
    """The :class:`Judge` named ``judge`` that the module ``source`` (Python text) defines."""
    module = types.ModuleType(name)
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)  # noqa: S102 - instructor's code
    judge = getattr(module, "judge", None)
    if not isinstance(judge, Judge):
        raise ValueError(f"{name} defines no Judge called judge")
    return judge


_local: dict[str, Judge] = {}


def local_judge(lab: str) -> Judge:
    """``lab``'s judge from the course's ``solutions/`` (plain nbgrader, solution runs)."""
    if lab not in _local:
        from autograder.course import Course

        path = Course.locate().solutions / lab / JUDGE_FILE
        try:
            _local[lab] = load(path.read_text(encoding="utf-8"), f"{lab}_judge")
        except OSError as exc:
            raise AssertionError(f"no judge for {lab} here ({path}): hidden tests need the "
                                 "course's solutions") from exc
    return _local[lab]


def judge_source(solutions: Path, lab: str) -> str:
    """The text of ``lab``'s judge module (empty when the lab has none yet)."""
    path = solutions / lab / JUDGE_FILE
    return path.read_text(encoding="utf-8") if path.is_file() else ""
