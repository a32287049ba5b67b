"""Evidence from hidden tests: what your code returned on the grader's challenges, as data.

A lab's hidden test is split in two. Its *probe* runs in your notebook: it asks the grader for
the test's challenge (inputs chosen by a seed the grader picks for each grading run), calls
your functions on them and reports what they returned. Its *judge* runs in the grader, outside
the sandbox your notebook runs in: it holds the reference implementations, expected values and
tolerances, and it alone decides the points. Nothing your kernel prints or patches can change
the verdict; only what your code computes on inputs it could not know in advance can.

The wire format (:func:`dumps`, :func:`loads`) is plain JSON: numbers, strings, lists, string
keyed dicts, and arrays as ``{"$a": dtype, "s": shape, "d": flat values}``. Reading it never
executes or unpickles anything, and refuses what is too large, too deep or of a foreign type.

When a notebook runs outside the grader (plain nbgrader, or an instructor running a solution),
no challenge was sent: :func:`challenge` then makes it from a fixed seed with the lab's judge,
read from the course's ``solutions/`` folder, and :func:`report` judges in the kernel itself,
the weaker guarantee plain nbgrader has.
"""

from __future__ import annotations

import json
import math
import sys

import numpy as _np

#: Stdout lines that carry evidence start with this mark, then the test's id and the JSON.
MARK = "NNKIT_EVIDENCE "
#: Largest evidence one test may report, and largest challenge set, in characters of JSON.
MAX_EVIDENCE = 2_000_000
MAX_CHALLENGES = 20_000_000
#: Deepest nesting of lists and dicts a reader accepts.
MAX_DEPTH = 16
#: The seed of the challenges when no grader sent any (plain nbgrader, solution runs).
PLAIN_SEED = 0
#: Array element types the wire carries (no objects, no void, no pointers).
DTYPES = frozenset({"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                    "uint64", "float16", "float32", "float64"})

_received: dict | None = None


class WireError(ValueError):
    """Text that is not valid evidence: too large, too deep, malformed or of a foreign type."""


def _plain(value, depth: int = 0):
    if depth > MAX_DEPTH:
        raise WireError("nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, _np.integer)) and not isinstance(value, _np.bool_):
        return int(value)
    if isinstance(value, (float, _np.floating)):
        return float(value)
    if isinstance(value, _np.bool_):
        return bool(value)
    if isinstance(value, dict):
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, depth + 1) for v in value]
    if isinstance(value, _np.ndarray) or hasattr(value, "__array__") or hasattr(value, "numpy"):
        try:
            array = _np.asarray(value.numpy() if hasattr(value, "numpy") else value)
        except Exception:  # noqa: BLE001 - a student's object may refuse
            return {"$t": type(value).__name__}
        if array.dtype.name not in DTYPES:
            return {"$t": f"array of {array.dtype}"}
        return {"$a": array.dtype.name, "s": list(array.shape), "d": array.ravel().tolist()}
    return {"$t": type(value).__name__}


def dumps(value) -> str:
    """``value`` as wire JSON (what cannot travel becomes ``{"$t": its type's name}``)."""
    return json.dumps(_plain(value), allow_nan=True, separators=(",", ":"))


def _constant(name: str) -> float:
    return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[name]


def _array(node: dict):
    dtype, shape, data = node.get("$a"), node.get("s"), node.get("d")
    if dtype not in DTYPES or not isinstance(shape, list) or not isinstance(data, list):
        raise WireError("malformed array")
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
        raise WireError("malformed array shape")
    if math.prod(shape) != len(data) or len(shape) > MAX_DEPTH:
        raise WireError("array data does not match its shape")
    if not all(isinstance(x, (int, float)) for x in data):
        raise WireError("array data that is not numbers")
    try:
        return _np.array(data, dtype=dtype).reshape(shape)
    except (OverflowError, ValueError, TypeError) as exc:
        raise WireError(f"array data that does not fit {dtype}") from exc


def _decode(node, depth: int):
    if depth > MAX_DEPTH:
        raise WireError("nested too deeply")
    if isinstance(node, list):
        return [_decode(v, depth + 1) for v in node]
    if isinstance(node, dict):
        if "$a" in node:
            return _array(node)
        return {k: _decode(v, depth + 1) for k, v in node.items()}
    return node


def loads(text: str, limit: int = MAX_EVIDENCE):
    """Read wire JSON (see the module's docstring); raise :class:`WireError` for anything else."""
    if not isinstance(text, str) or len(text) > limit:
        raise WireError(f"larger than {limit} characters")
    try:
        node = json.loads(text, parse_constant=_constant)
    except (ValueError, RecursionError) as exc:
        raise WireError("not valid JSON") from exc
    return _decode(node, 0)


def receive(text: str) -> None:
    """Take the grader's challenges (a cell the grader adds before the notebook runs calls
    this): from now on :func:`challenge` returns them and :func:`report` only reports."""
    global _received
    _received = loads(text, MAX_CHALLENGES)


def _local_judge(lab: str):
    try:
        from autograder.engine.judge import local_judge
    except ImportError as exc:
        raise AssertionError("hidden tests run only with the course's grader installed") from exc
    return local_judge(lab)


def challenge(lab: str, test: str):
    """The inputs the grader chose for ``test`` of ``lab`` (as plain data: numbers, arrays)."""
    if _received is None:
        return _local_judge(lab).challenges(PLAIN_SEED).get(test, {})
    if test not in _received:
        raise AssertionError(f"the grader sent no challenge for {test}")
    return _received[test]


def report(lab: str, test: str, **values) -> None:
    """Report what your code returned for ``test``: one line of evidence on stdout. Outside the
    grader, judge it here too (and fail like a test when it is wrong)."""
    text = dumps(values)
    if len(text) > MAX_EVIDENCE:
        text = dumps({"$too_big": len(text)})
    sys.stdout.write(f"{MARK}{test} {text}\n")
    sys.stdout.flush()
    if _received is None:
        judge = _local_judge(lab)
        reason = judge.verdict(test, judge.challenges(PLAIN_SEED).get(test, {}), text)
        if reason is not None:
            raise AssertionError(reason)
