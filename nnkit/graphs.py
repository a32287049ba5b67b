"""Computational graphs for the backpropagation lecture: node order and a drawing.

A node is any object with ``value``, ``grad``, ``parents`` (a tuple of nodes), ``op`` and
``name`` attributes, such as the ``Node`` class the lecture writes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def topological_order(out) -> list:
    """Every node of the graph ending in ``out``, each after all the nodes it was computed from."""
    order, seen = [], set()

    def visit(node) -> None:
        if id(node) not in seen:
            seen.add(id(node))
            for parent in node.parents:
                visit(parent)
            order.append(node)

    visit(out)
    return order


def graph_layout(out) -> tuple[list, dict]:
    """Positions for drawing: columns by depth, each node near the nodes that use it."""
    order = topological_order(out)
    depth = {}
    for node in order:  # parents come first; longest path from an input
        depth[id(node)] = 1 + max((depth[id(p)] for p in node.parents), default=-1)
    users = {id(node): [] for node in order}
    for node in order:
        for k, p in enumerate(node.parents):
            users[id(p)].append((node, k))
    for node in order:  # inputs and constants sit just left of their first use
        if not node.parents:
            depth[id(node)] = min(depth[id(u)] for u, _ in users[id(node)]) - 1
    pos = {id(out): (1.4 * depth[id(out)], 0.0)}
    for d in range(depth[id(out)] - 1, min(depth.values()) - 1, -1):
        column = [n for n in order if depth[id(n)] == d]
        wanted = []
        for node in column:  # the mean height of its users, fanned out by parent index
            ys = [pos[id(u)][1] + 0.6 * (len(u.parents) - 1) - 1.2 * k for u, k in users[id(node)]
                  if id(u) in pos]
            wanted.append(np.mean(ys))
        ys = np.array(sorted(wanted, reverse=True))
        for i in range(1, len(ys)):  # at least one unit apart
            ys[i] = min(ys[i], ys[i - 1] - 1.0)
        ys += np.mean(wanted) - ys.mean()
        for node, y_node in zip(sorted(column, key=lambda n: -wanted[column.index(n)]), ys):
            pos[id(node)] = (1.4 * d, y_node)
    return order, pos


def draw_graph(out, ax: plt.Axes, title: str = "") -> plt.Axes:
    """Draw the graph ending in ``out``: forward values in green, gradients in red."""
    order, pos = graph_layout(out)
    for node in order:
        for p in node.parents:
            (x0, y0), (x1, y1) = pos[id(p)], pos[id(node)]
            ax.annotate("", (x1, y1), (x0, y0), arrowprops=dict(
                arrowstyle="->", color="gray", shrinkA=14, shrinkB=14))
            xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
            ax.text(xm, ym + 0.08, f"{p.value:.3g}", color="green", ha="center", fontsize=9)
            ax.text(xm, ym - 0.12, f"{p.grad:.3g}", color="red", ha="center", va="top",
                    fontsize=9)
    for node in order:
        x0, y0 = pos[id(node)]
        ax.add_patch(plt.Circle((x0, y0), 0.2, fc="lightyellow" if node.parents else "white",
                                ec="black"))
        ax.text(x0, y0, node.op or node.name, ha="center", va="center", fontsize=10)
    x_out, y_out = pos[id(out)]
    ax.text(x_out + 0.3, y_out + 0.08, f"{out.value:.3g}", color="green", fontsize=9)
    ax.text(x_out + 0.3, y_out - 0.12, "1", color="red", va="top", fontsize=9)
    xs, ys = zip(*pos.values())
    ax.set(xlim=(min(xs) - 0.4, max(xs) + 0.7), ylim=(min(ys) - 0.5, max(ys) + 0.5))
    ax.set_title(title)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def draw_network(weights, activations, ax: plt.Axes) -> plt.Axes:
    """Draw a small fully connected net: ``weights[l]`` has shape (n_l, n_{l+1}).

    Connections are blue (positive) or red (negative), as thick as the weight is large;
    each unit shows its activation.
    """
    sizes = [len(a) for a in activations]
    pos = [[(col, (n - 1) / 2 - k) for k in range(n)] for col, n in enumerate(sizes)]
    for col, W in enumerate(weights):
        for j, (x0, y0) in enumerate(pos[col]):
            for k, (x1, y1) in enumerate(pos[col + 1]):
                ax.plot([x0, x1], [y0, y1], color="tab:blue" if W[j, k] > 0 else "tab:red",
                        lw=0.5 + 2 * abs(W[j, k]), zorder=1)
                ax.text(x0 + 0.3 * (x1 - x0), y0 + 0.3 * (y1 - y0), f"{W[j, k]:g}",
                        fontsize=8, ha="center", va="center",
                        bbox=dict(fc="white", ec="none", pad=0.5))
    for col, column in enumerate(pos):
        for k, (x0, y0) in enumerate(column):
            ax.add_patch(plt.Circle((x0, y0), 0.18, fc="lightyellow", ec="black", zorder=2))
            ax.text(x0, y0, f"{activations[col][k]:.2f}", ha="center", va="center", zorder=3)
    ax.set_xlim(-0.4, len(sizes) - 0.6)
    ax.set_ylim(-max(sizes) / 2, max(sizes) / 2)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax
