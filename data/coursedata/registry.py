"""Datasets by name, so that notebooks and scripts can ask for one by a string."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from coursedata import fashion_mnist, instruments, toy

DATASETS: dict[str, Callable[..., Any]] = {
    "iris": toy.load_iris,
    "digits": toy.load_digits,
    "nonlinear": toy.make_nonlinear,
    "noisy_sine": toy.make_noisy_sine,
    "fashion_mnist": fashion_mnist.load_data,
    "instruments": instruments.load,
}


def load(name: str, **kwargs: Any) -> Any:
    """Load the dataset called ``name``; an unknown name raises a ``KeyError`` listing known ones."""
    try:
        loader = DATASETS[name]
    except KeyError:
        known = ", ".join(sorted(DATASETS))
        raise KeyError(f"unknown dataset {name!r}; known datasets: {known}") from None
    return loader(**kwargs)
