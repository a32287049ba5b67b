"""Checks for the labs' tests, with messages that say what is wrong without giving the answer.

The numpy functions used here are captured when this module is first imported (in a locked
cell, before any student code runs), and the module refuses to have its attributes replaced,
so hidden tests that call ``nnkit.grading.expect_close(...)`` keep working when a notebook
monkeypatches numpy or redefines helpers with the same names.
"""

from __future__ import annotations

import sys
import types

import numpy as _numpy

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


class _Sealed(types.ModuleType):
    """A module whose attributes cannot be replaced or deleted once it is loaded."""

    def __setattr__(self, name, value):
        raise AttributeError(f"nnkit.grading is read-only; cannot replace {name!r}")

    def __delattr__(self, name):
        raise AttributeError(f"nnkit.grading is read-only; cannot delete {name!r}")


sys.modules[__name__].__class__ = _Sealed
