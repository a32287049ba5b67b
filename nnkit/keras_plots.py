"""Pictures of what a Keras model does inside: hidden-unit maps and image grids."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np


def plane_grid(X: np.ndarray, resolution: int = 150, pad: float = 0.5):
    """A regular grid over the bounding box of 2-D data: ``(g0, g1, points)``, points (r*r, 2)."""
    X = np.asarray(X)
    x0 = np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, resolution)
    x1 = np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, resolution)
    g0, g1 = np.meshgrid(x0, x1)
    return g0, g1, np.c_[g0.ravel(), g1.ravel()]


def plot_hidden_units(
    hidden: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    n_cols: int = 4,
    resolution: int = 150,
    cmap: str = "viridis",
    title: str = "unit",
) -> np.ndarray:
    """One panel per hidden unit: its activation over the plane, with the data on top.

    ``hidden`` maps an (n, 2) array to an (n, units) array of activations (for Keras, a
    sub-model ending at the hidden layer). Returns the array of axes.
    """
    g0, g1, points = plane_grid(X, resolution)
    H = np.asarray(hidden(points))
    n_units = H.shape[1]
    n_rows = int(np.ceil(n_units / n_cols))
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(3 * n_cols, 2.6 * n_rows), squeeze=False)
    for k, ax in enumerate(axes.flat):
        if k >= n_units:
            ax.axis("off")
            continue
        ax.contourf(g0, g1, H[:, k].reshape(g0.shape), levels=20, cmap=cmap)
        ax.scatter(*np.asarray(X).T, c=y, cmap="coolwarm", s=5, edgecolor="k", linewidth=0.2)
        ax.set_title(f"{title} {k + 1}", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return axes


def plot_image_grid(
    images: np.ndarray,
    titles: Sequence[str] | None = None,
    n_cols: int = 10,
    cmap: str = "gray_r",
    size: float = 1.3,
) -> np.ndarray:
    """Show small greyscale images (n, h, w) in a grid, each with an optional title."""
    images = np.asarray(images)
    n_rows = int(np.ceil(len(images) / n_cols))
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(size * n_cols, (size + 0.3) * n_rows),
                             squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k < len(images):
            ax.imshow(images[k], cmap=cmap)
            if titles is not None:
                ax.set_title(titles[k], fontsize=7)
    fig.tight_layout()
    return axes
