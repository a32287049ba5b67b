"""Pictures for the linear-model lectures: a boundary line and a loss landscape with paths."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np


def plot_boundary_line(
    w: Sequence[float], b: float, ax: plt.Axes | None = None, **style
) -> plt.Axes:
    """Draw the line ``w[0] x0 + w[1] x1 + b = 0`` across the current limits of ``ax``.

    The limits are kept, so draw the data first. ``style`` goes to ``ax.plot``.
    """
    ax = ax or plt.gca()
    w0, w1 = float(w[0]), float(w[1])
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    if abs(w1) >= abs(w0):  # a line that is closer to horizontal: solve for x1
        x0 = np.array(xlim)
        x1 = -(w0 * x0 + b) / w1
    elif w0 != 0.0:  # closer to vertical: solve for x0
        x1 = np.array(ylim)
        x0 = -(w1 * x1 + b) / w0
    else:
        return ax  # w = 0: no line
    ax.plot(x0, x1, **style)
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    return ax


def plot_loss_landscape(
    loss: Callable[[np.ndarray], float],
    w0_range: tuple[float, float],
    w1_range: tuple[float, float],
    paths: Mapping[str, np.ndarray] | None = None,
    ax: plt.Axes | None = None,
    resolution: int = 120,
    levels: int = 25,
    log: bool = True,
) -> plt.Axes:
    """Contours of ``loss(theta)`` over a 2-D parameter plane, with optimisation paths on top.

    ``loss`` takes a parameter vector of length 2; each path is an array of shape (steps, 2).
    With ``log=True`` the contour levels are spaced evenly in the logarithm of the loss.
    """
    ax = ax or plt.gca()
    a = np.linspace(*w0_range, resolution)
    c = np.linspace(*w1_range, resolution)
    g0, g1 = np.meshgrid(a, c)
    z = np.array([loss(np.array([p, q])) for p, q in zip(g0.ravel(), g1.ravel())])
    z = z.reshape(g0.shape)
    if log:
        z = np.log10(z - z.min() + 1e-3 * (np.ptp(z) + 1e-12))
    ax.contour(g0, g1, z, levels=levels, cmap="viridis", linewidths=0.8)
    for name, path in (paths or {}).items():
        path = np.asarray(path)
        ax.plot(path[:, 0], path[:, 1], marker=".", markersize=3, linewidth=1, label=name)
        ax.plot(*path[-1], marker="*", markersize=10, color="black")
    if paths:
        ax.legend(loc="best")
    ax.set_xlim(w0_range)
    ax.set_ylim(w1_range)
    return ax
