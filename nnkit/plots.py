"""Plotting boilerplate, so that lessons read as lessons."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

MARKERS = ("o", "s", "^", "v", "D", "P", "X", "*")
COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple",
          "tab:brown", "tab:pink", "tab:gray")


def plot_decision_regions(
    X: np.ndarray,
    y: np.ndarray,
    predict: Callable[[np.ndarray], np.ndarray],
    ax: plt.Axes | None = None,
    resolution: int = 300,
    labels: Sequence[str] | None = None,
) -> plt.Axes:
    """Shade the class that ``predict`` gives over the 2-D plane and scatter ``X`` on top.

    ``predict`` maps an (n, 2) array to n labels (an object's ``.predict`` works).
    """
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_regions needs 2 features, got X of shape {X.shape}")
    ax = ax or plt.gca()
    classes = np.unique(y)
    cmap = ListedColormap(COLORS[: len(classes)])
    pad = 0.5
    x0 = np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, resolution)
    x1 = np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, resolution)
    g0, g1 = np.meshgrid(x0, x1)
    z = np.asarray(predict(np.c_[g0.ravel(), g1.ravel()])).reshape(g0.shape)
    index = np.searchsorted(classes, z)
    ax.contourf(g0, g1, index, alpha=0.25, cmap=cmap, levels=np.arange(len(classes) + 1) - 0.5)
    for k, c in enumerate(classes):
        name = labels[k] if labels is not None else str(c)
        ax.scatter(*X[y == c].T, c=COLORS[k], marker=MARKERS[k % len(MARKERS)],
                   edgecolor="black", linewidth=0.5, label=name)
    ax.legend(loc="best")
    return ax


def plot_curves(
    curves: Mapping[str, Sequence[float]],
    xlabel: str = "epoch",
    ylabel: str = "loss",
    ax: plt.Axes | None = None,
    logy: bool = False,
) -> plt.Axes:
    """Draw several named curves (losses, errors, accuracies) against the epoch."""
    ax = ax or plt.gca()
    for name, values in curves.items():
        ax.plot(np.arange(1, len(values) + 1), values, marker="." if len(values) < 60 else None,
                label=name)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    ax.grid(alpha=0.3)
    return ax


def plot_timeline(events: Sequence[tuple[int, str]], ax: plt.Axes | None = None) -> plt.Axes:
    """Dated events on a time axis, their labels on stems of three heights, above and below."""
    ax = ax or plt.gca()
    ax.axhline(0, color="gray", lw=1)
    for i, (year, label) in enumerate(events):
        height = (1.0 + 0.9 * (i // 2 % 3)) * (1 if i % 2 == 0 else -1)
        ax.vlines(year, 0, height, color="gray", lw=0.8)
        ax.annotate(f"{year}\n{label}", (year, height), ha="center", fontsize=8,
                    va="bottom" if height > 0 else "top")
    years = [year for year, _ in events]
    ax.plot(years, np.zeros(len(years)), "o", color=COLORS[0])
    ax.set(xlim=(min(years) - 6, max(years) + 6), ylim=(-4.2, 4.2), yticks=[])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    return ax


def plot_history(history, metrics: Sequence[str] = ("loss",), axes=None):
    """Training and validation curves from a Keras ``History`` (or its ``.history`` dict)."""
    logs = getattr(history, "history", history)
    if axes is None:
        _, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.5), squeeze=False)
        axes = axes[0]
    for ax, metric in zip(axes, metrics):
        curves = {name: logs[name] for name in (metric, f"val_{metric}") if name in logs}
        plot_curves(curves, ylabel=metric, ax=ax)
    return axes


def plot_confusion_matrix(cm: np.ndarray, labels: Sequence[str], ax: plt.Axes | None = None,
                          normalize: bool = True) -> plt.Axes:
    """A confusion matrix as a heat map, rows = true class, columns = predicted class."""
    ax = ax or plt.gca()
    cm = np.asarray(cm, dtype=float)
    shown = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1) if normalize else cm
    ax.imshow(shown, cmap="Blues", vmin=0)
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            text = f"{shown[i, j]:.2f}" if normalize else f"{int(cm[i, j])}"
            ax.text(j, i, text, ha="center", va="center",
                    color="white" if shown[i, j] > 0.6 * shown.max() else "black", fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    return ax
