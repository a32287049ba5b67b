"""Pictures for the optimisation lecture: loss surfaces in 2-D and the paths optimisers take."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from nnkit.plots import COLORS


def plot_loss_contours(
    loss: Callable[[np.ndarray], np.ndarray],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    ax: plt.Axes | None = None,
    levels: int | Sequence[float] = 30,
    log: bool = False,
    resolution: int = 200,
    minimum: Sequence[float] | None = None,
) -> plt.Axes:
    """Contour lines of a loss of two parameters over ``xlim`` x ``ylim``.

    ``loss`` takes an array of shape (2, ...) (the two parameters stacked on the first axis)
    and returns the loss with shape (...), so that it is evaluated on the whole grid at once.
    With ``log=True`` the contours are spaced evenly in log(loss), which suits valleys such as
    Rosenbrock's. ``minimum`` marks the optimum with a star.
    """
    ax = ax or plt.gca()
    g0, g1 = np.meshgrid(np.linspace(*xlim, resolution), np.linspace(*ylim, resolution))
    values = np.asarray(loss(np.stack([g0, g1])), dtype=float)
    if log:
        values = np.log10(values - values.min() + 1e-3)
    ax.contour(g0, g1, values, levels=levels, cmap="Greys_r", linewidths=0.6, alpha=0.8)
    if minimum is not None:
        ax.plot(*minimum, "*", color="gold", markersize=14, markeredgecolor="black", zorder=5)
    ax.set(xlim=xlim, ylim=ylim)
    return ax


def plot_trajectories(
    paths: Mapping[str, np.ndarray],
    ax: plt.Axes | None = None,
    markers: bool = True,
    styles: Mapping[str, Mapping] | None = None,
) -> plt.Axes:
    """Draw each optimiser's path, an array of shape (steps + 1, 2), over the current axes.

    The start is drawn as a black circle; ``styles`` may give extra ``plot`` keywords by name.
    """
    ax = ax or plt.gca()
    for k, (name, path) in enumerate(paths.items()):
        path = np.asarray(path)
        kwargs = dict(color=COLORS[k % len(COLORS)], lw=1.3, label=name)
        if markers:
            kwargs.update(marker=".", markersize=4)
        kwargs.update((styles or {}).get(name, {}))
        ax.plot(path[:, 0], path[:, 1], **kwargs)
        ax.plot(*path[0], "o", color="black", markersize=5)
    ax.legend(fontsize=8, loc="best")
    return ax


def quadratic_valley(curvature: Sequence[float]):
    """``f(w) = sum_i c_i w_i^2 / 2`` and its gradient, for the given curvatures ``c``.

    ``f`` accepts ``w`` with extra axes after the first (a whole grid at once).
    """
    c = np.asarray(curvature, dtype=float)

    def f(w):
        return 0.5 * np.tensordot(c, np.asarray(w) ** 2, axes=1)

    def grad(w):
        return c * np.asarray(w)

    return f, grad


def trajectory(optimizer, grad: Callable[[np.ndarray], np.ndarray], w0: Sequence[float],
               steps: int) -> np.ndarray:
    """The points an optimiser with a ``step(w, g) -> w`` method visits from ``w0``.

    Returns an array of shape (steps + 1, len(w0)).
    """
    w = np.array(w0, dtype=float)
    path = [w.copy()]
    for _ in range(steps):
        w = optimizer.step(w, grad(w))
        path.append(w.copy())
    return np.array(path)


def keras_trajectory(optimizer, grad: Callable[[np.ndarray], np.ndarray], w0: Sequence[float],
                     steps: int) -> np.ndarray:
    """The same path with a ``keras.optimizers`` optimiser updating a Keras variable.

    The variable is float64 (a model's weights would be float32) so that rounding does not
    hide a difference between two update equations; on JAX, inside
    :func:`nnkit.autodiff.float64`. The gradients reach the optimiser as tensors of the
    backend, as PyTorch's needs.
    """
    import keras

    from nnkit.autodiff import float64

    with float64():
        w = keras.Variable(np.asarray(w0, dtype="float64"), dtype="float64")
        path = [keras.ops.convert_to_numpy(w)]
        for _ in range(steps):
            g = keras.ops.convert_to_tensor(grad(keras.ops.convert_to_numpy(w)), dtype="float64")
            optimizer.apply_gradients([(g, w)])
            path.append(keras.ops.convert_to_numpy(w))
    return np.array(path)
