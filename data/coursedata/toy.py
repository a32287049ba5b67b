"""Small data: iris and 8x8 digits from scikit-learn, and seeded 2-D generators.

All loaders return ``(X, y)`` with ``X`` float64 of shape (n, d) and ``y`` int64 of shape (n,),
except :func:`make_noisy_sine`, whose ``y`` is a float64 target.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn import datasets as sk

IRIS_FEATURES = ("sepal length", "sepal width", "petal length", "petal width")
IRIS_CLASSES = ("setosa", "versicolor", "virginica")


def load_iris(
    classes: Sequence[int] | None = None, features: Sequence[int] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Iris, 150 flowers, optionally restricted to some classes (labels kept) and features.

    Returns ``X`` (n, len(features)) float64 in cm and ``y`` (n,) int64 in {0, 1, 2}.
    """
    bunch = sk.load_iris()
    X = bunch.data.astype(np.float64)
    y = bunch.target.astype(np.int64)
    if classes is not None:
        keep = np.isin(y, list(classes))
        X, y = X[keep], y[keep]
    if features is not None:
        X = X[:, list(features)]
    return X, y


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1797 scikit-learn 8x8 digits: ``X`` (1797, 64) float64 in [0, 16], ``y`` int64 0-9."""
    bunch = sk.load_digits()
    return bunch.data.astype(np.float64), bunch.target.astype(np.int64)


def make_nonlinear(
    n: int = 400, kind: str = "moons", noise: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """2-D two-class data that no line separates: ``"moons"``, ``"circles"`` or ``"xor"``.

    Returns ``X`` (n, 2) float64 and ``y`` (n,) int64 in {0, 1}.
    """
    if kind == "moons":
        X, y = sk.make_moons(n_samples=n, noise=noise, random_state=seed)
    elif kind == "circles":
        X, y = sk.make_circles(n_samples=n, noise=noise / 2, factor=0.5, random_state=seed)
    elif kind == "xor":
        rng = np.random.default_rng(seed)
        X = rng.uniform(-1, 1, size=(n, 2))
        y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
        X = X + rng.normal(0, noise / 2, size=X.shape)
    else:
        raise ValueError(f"unknown kind {kind!r}; choose 'moons', 'circles' or 'xor'")
    return X.astype(np.float64), y.astype(np.int64)


def make_noisy_sine(
    n: int = 100, noise: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Regression data ``y = sin(2 pi x) + noise`` for x uniform in [0, 1].

    Returns ``x`` (n, 1) float64, sorted, and ``y`` (n,) float64.
    """
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0, 1, size=n))
    y = np.sin(2 * np.pi * x) + rng.normal(0, noise, size=n)
    return x[:, None], y
