"""Checks for the labs' tests, with messages that say what is wrong without giving the answer.

The numpy functions used here are captured when this module is first imported (in a locked
cell, before any student code runs), and the module refuses to have its attributes replaced,
so hidden tests that call ``nnkit.grading.expect_close(...)`` keep working when a notebook
monkeypatches numpy or redefines helpers with the same names.
"""

from __future__ import annotations

import contextlib
import dis
import importlib
import sys
import types

import numpy as _numpy

from nnkit import gradcheck as _gradcheck

_asarray = _numpy.asarray
_allclose = _numpy.allclose
_array_equal = _numpy.array_equal
_abs = _numpy.abs
_max = _numpy.max
_isfinite = _numpy.isfinite
_issubdtype = _numpy.issubdtype
_shape = _numpy.shape
_floating = _numpy.floating
_integer = _numpy.integer
_all = _numpy.all
_Error = AssertionError
_import = importlib.import_module
#: Course helpers that solve a lab's exercise, captured before any student code runs.
_HELPERS = {"nnkit.numerical_gradient": _gradcheck.numerical_gradient}
_INHERITED = object()


def _describe(a) -> str:
    a = _asarray(a)
    return f"shape {a.shape}, dtype {a.dtype}"


def expect_shape(got, shape: tuple, what: str) -> None:
    """Fail unless ``got`` has exactly ``shape``."""
    if tuple(_shape(got)) != tuple(shape):
        raise _Error(f"{what}: expected shape {tuple(shape)}, got {tuple(_shape(got))}")


def expect_dtype(got, kind: str, what: str) -> None:
    """Fail unless ``got``'s dtype is of ``kind``: ``"float"`` or ``"int"``."""
    dtype = _asarray(got).dtype
    wanted = {"float": _floating, "int": _integer}[kind]
    if not _issubdtype(dtype, wanted):
        raise _Error(f"{what}: expected a {kind} array, got dtype {dtype}")


def expect_close(got, expected, what: str, rtol: float = 1e-6, atol: float = 1e-8,
                 show_expected: bool = False) -> None:
    """Fail unless ``got`` matches ``expected`` in shape and value (finite, within tolerance).

    The message gives shapes, dtypes and the largest difference; the expected values only when
    ``show_expected`` (visible tests on hand-worked examples).
    """
    g = _asarray(got, dtype=float) if not hasattr(got, "numpy") else _asarray(got.numpy(), float)
    e = _asarray(expected, dtype=float)
    if g.shape != e.shape:
        raise _Error(f"{what}: expected shape {e.shape}, got {_describe(got)}")
    if not bool(_all(_isfinite(g))):
        raise _Error(f"{what}: got non-finite values (nan or inf)")
    if not _allclose(g, e, rtol=rtol, atol=atol):
        diff = float(_max(_abs(g - e))) if g.size else 0.0
        detail = f"; expected {e.tolist()}, got {g.tolist()}" if show_expected else ""
        raise _Error(f"{what}: values differ from the reference (largest difference {diff:.3g})"
                     f"{detail}")


def expect_equal(got, expected, what: str, show_expected: bool = False) -> None:
    """Fail unless ``got`` equals ``expected`` exactly (labels, counts, orders)."""
    g, e = _asarray(got), _asarray(expected)
    if g.shape != e.shape:
        raise _Error(f"{what}: expected shape {e.shape}, got {_describe(got)}")
    if not _array_equal(g, e):
        detail = f"; expected {e.tolist()}, got {g.tolist()}" if show_expected else ""
        raise _Error(f"{what}: values differ from the reference{detail}")


def expect(condition: bool, message: str) -> None:
    """Fail with ``message`` unless ``condition`` is true."""
    if not condition:
        raise _Error(message)


def _trap(*args, _calls, _name, **kwargs):
    # Runs as the forbidden function's own code, with its module's globals: builtins only.
    _calls.append(_name)
    raise AssertionError(f"{_name} may not be used here")


def _resolve(name: str):
    """``(owner, attribute, object)`` for a dotted path: a module's or a class's attribute."""
    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            owner = _import(".".join(parts[:cut]))
        except ImportError:
            continue
        for part in parts[cut:-1]:
            owner = getattr(owner, part)
        return owner, parts[-1], _HELPERS.get(name) or getattr(owner, parts[-1])
    raise _Error(f"cannot find {name}")


@contextlib.contextmanager
def forbidden(*names: str, namespace: dict | None = None, what: str = "your code"):
    """Inside the block, calling any of ``names`` (dotted paths such as ``"scipy.special.expit"``,
    ``"nnkit.numerical_gradient"`` or ``"sklearn.linear_model.LogisticRegression.fit"``) fails;
    on leaving it, fail if one was called, even when the student's code caught the error.

    A plain Python function has its code swapped for a trap, which reaches every alias of it;
    anything else (a numpy ufunc, a decorated method) is replaced where it lives and under
    every name bound to it in ``namespace`` (pass the notebook's ``globals()``).
    """
    calls: list[str] = []
    restore = []
    for name in names:
        owner, attr, obj = _resolve(name)
        if isinstance(obj, types.FunctionType) and not obj.__code__.co_freevars:
            restore += [(obj, key, getattr(obj, key))
                        for key in ("__code__", "__defaults__", "__kwdefaults__")]
            obj.__code__, obj.__defaults__ = _trap.__code__, None
            obj.__kwdefaults__ = {"_calls": calls, "_name": name}
            continue

        def trap(*args, _name=name, **kwargs):
            return _trap(_calls=calls, _name=_name)

        restore.append((owner, attr, vars(owner).get(attr, _INHERITED)))
        setattr(owner, attr, trap)
        for key, value in list((namespace or {}).items()):
            if value is obj:
                restore.append((namespace, key, value))
                namespace[key] = trap
    try:
        yield
    finally:
        for target, key, value in reversed(restore):
            if isinstance(target, dict):
                target[key] = value
            elif value is _INHERITED:
                delattr(target, key)
            else:
                setattr(target, key, value)
    if calls:
        raise _Error(f"{what} calls {calls[0]}, which the lab forbids: write it yourself")


_FunctionType = types.FunctionType
_CodeType = types.CodeType
_ModuleType = types.ModuleType
_isinstance = isinstance
_getattr = getattr
_type = type
_id = id
_str = str
_sorted = sorted
_vars = vars
_instructions = dis.get_instructions


def _origin(obj) -> str:
    """The module an object comes from: its own name for a module, else its ``__module__``."""
    if _isinstance(obj, _ModuleType):
        return obj.__name__
    module = _getattr(obj, "__module__", None)
    return module if _isinstance(module, _str) else _type(obj).__module__


def _names(code) -> tuple:
    """(global and attribute names, modules imported) in ``code`` and the code nested in it."""
    names = set(code.co_names)
    imported = {i.argval for i in _instructions(code) if i.opname == "IMPORT_NAME"}
    for const in code.co_consts:
        if _isinstance(const, _CodeType):
            more, more_imported = _names(const)
            names |= more
            imported |= more_imported
    return names, imported


def library_uses(func, packages: tuple) -> list:
    """What ``func`` reaches from ``packages`` (top-level module names, e.g. ``"scipy"``).

    Static: follows the globals, imports, closures and defaults ``func`` uses, into the functions
    and classes defined beside it (a notebook's other cells), without running anything; returns
    ``["name (module)", "import module", ...]``, sorted.
    """
    home, found, seen, todo = func.__module__, set(), set(), [func]

    def banned(obj) -> bool:
        return _origin(obj).split(".")[0] in packages

    while todo:
        current = todo.pop()
        if _id(current) in seen:
            continue
        seen.add(_id(current))
        if _isinstance(current, _type):  # a class defined beside func: its bases and methods
            found |= {f"{b.__name__} ({_origin(b)})" for b in current.__bases__ if banned(b)}
            todo += [b for b in current.__bases__ if _origin(b) == home]
            todo += [_getattr(m, "__func__", m) for m in _vars(current).values()]
            continue
        if not _isinstance(current, _FunctionType):
            continue
        scope = current.__globals__
        names, imported = _names(current.__code__)
        found |= {f"import {m}" for m in imported if m.split(".")[0] in packages}
        used = [scope[n] for n in names if n in scope]
        used += [c.cell_contents for c in current.__closure__ or () if c.cell_contents is not None]
        used += list(current.__defaults__ or ()) + list((current.__kwdefaults__ or {}).values())
        for obj in used:
            if banned(obj):
                found.add(f"{_getattr(obj, '__name__', _type(obj).__name__)} ({_origin(obj)})")
            elif _origin(obj) == home and _isinstance(obj, (_FunctionType, _type)):
                todo.append(obj)
    return _sorted(found)


def expect_own_code(func, packages: tuple, what: str) -> None:
    """Fail when ``func`` (or a function of the notebook it calls) uses one of ``packages``."""
    uses = library_uses(func, packages)
    if uses:
        raise _Error(f"{what} must be written without {', '.join(packages)}; it uses "
                     f"{', '.join(uses)}")


class _Sealed(types.ModuleType):
    """A module whose attributes cannot be replaced or deleted once it is loaded."""

    def __setattr__(self, name, value):
        raise AttributeError(f"nnkit.grading is read-only; cannot replace {name!r}")

    def __delattr__(self, name):
        raise AttributeError(f"nnkit.grading is read-only; cannot delete {name!r}")


sys.modules[__name__].__class__ = _Sealed
