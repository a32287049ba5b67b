# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lecture 5 — Backpropagation
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/nn-course/keras-nn-course/blob/v0.1.0/lectures/05_backpropagation.ipynb)
#
# Training a network means following the gradient of the loss with respect to every weight.
# Backpropagation computes all those derivatives for a small constant multiple of the cost
# of one forward pass, whatever the number of weights (section 5), by applying the chain
# rule from the output back to the inputs and reusing every intermediate result. This lecture builds it up from the chain rule, through small
# computational graphs, to a vectorised two-layer network written in numpy, and checks
# every gradient against finite differences and against the automatic differentiation of
# the Keras backend (TensorFlow, JAX or PyTorch).
#
# **Contents**
# 1. The chain rule along a path and the sum rule across paths
# 2. Computational graphs, forward and backward
# 3. The sigmoid gate
# 4. How gates route gradients: add, copy, multiply, max
# 5. What it costs: finite differences against backpropagation
# 6. Backpropagation through a two-layer network, vectorised
# 7. The output sensitivity: squared error against cross-entropy
# 8. By hand, index by index: a linear two-layer example, and the derivation of section 6
# 9. Three ways to differentiate: symbolic, numerical, automatic

# %% [markdown]
# ## Setup
#
# This lecture runs on any Keras backend: TensorFlow (the default), JAX or PyTorch. Keras
# picks its backend when it is first imported, from the environment variable
# `KERAS_BACKEND`: start Jupyter with it set (`KERAS_BACKEND=jax jupyter lab`), or, on Colab,
# add a first cell `import os; os.environ["KERAS_BACKEND"] = "jax"` and run it before any
# other (after *Restart session* if Keras was imported already). The cell after Setup
# prints the backend in use.

# %%
# Setup, the same in every notebook: on Colab, install the course package (the version that
# matches this notebook), then make ready what this notebook needs.
import importlib.util
import subprocess
import sys

COURSE_PACKAGE = "nn-course-student @ https://github.com/nn-course/keras-nn-course/archive/v0.1.0.zip"
if importlib.util.find_spec("nnkit") is None:
    class SetupFailed(Exception):
        def _render_traceback_(self):  # IPython shows this line instead of a traceback
            return [f"Setup failed: {self}"]

    if "google.colab" not in sys.modules:
        raise SetupFailed("the course package is not installed in this Python; "
                          "install it as the course README says, then restart the kernel")
    if subprocess.run([sys.executable, "-m", "pip", "install", "-q", COURSE_PACKAGE],
                      capture_output=True).returncode:
        raise SetupFailed("could not install the course package; check that this runtime is online "
                          "(or upload the course wheel and %pip install it), then run this cell again")
    importlib.invalidate_caches()

from nnkit.colab import setup

setup()

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np
from keras import ops

from coursedata.toy import make_nonlinear
from nnkit import numerical_gradient, pick, relative_error, seed_everything
from nnkit import autodiff
from nnkit.plots import plot_curves, plot_decision_regions

seed_everything(0)
print(f"Keras {keras.__version__}, backend {keras.backend.backend()}")


def sigmoid(z):
    """The logistic function, element-wise."""
    return 1.0 / (1.0 + np.exp(-z))


# %% [markdown]
# ## 1. The chain rule and the sum rule
#
# **Along a path.** If $x$ influences $L$ only through a chain $x \to u \to v \to L$, the
# derivative is the product of the local derivatives along the chain:
#
# $$\frac{dL}{dx} = \frac{dL}{dv}\,\frac{dv}{du}\,\frac{du}{dx}.$$
#
# For one sigmoid neuron with squared error, $u = wx$, $v = \sigma(u)$, $L = (v - t)^2$, so
# $\dfrac{dL}{dw} = 2(v - t)\cdot\sigma(u)\,(1 - \sigma(u))\cdot x$.
#
# **Across paths.** If $x$ reaches $L$ along several paths, through $u_1, \dots, u_m$, the
# contributions of the paths add up:
#
# $$\frac{dL}{dx} = \sum_{k=1}^{m} \frac{\partial L}{\partial u_k}\,\frac{du_k}{dx}.$$
#
# For $f(x) = u\,v$ with $u = x^2$ and $v = \sin x$ this gives
# $f'(x) = v \cdot 2x + u \cdot \cos x$, the product rule in disguise.
#
# We check both against central differences,
# $\frac{f(x+\varepsilon) - f(x-\varepsilon)}{2\varepsilon}$, computed by
# `nnkit.numerical_gradient`.

# %%
w, x_in, t = 0.7, 1.5, 0.2


def neuron_loss(w_arr):
    return float((sigmoid(w_arr[0] * x_in) - t) ** 2)


u = w * x_in
v = sigmoid(u)
dL_dw_chain = 2 * (v - t) * v * (1 - v) * x_in
dL_dw_numeric = numerical_gradient(neuron_loss, np.array([w]))[0]
print(f"chain rule: {dL_dw_chain:.8f}   central differences: {dL_dw_numeric:.8f}")
assert relative_error(dL_dw_chain, dL_dw_numeric) < 1e-8

x0 = 1.3
df_sum_rule = np.sin(x0) * 2 * x0 + x0**2 * np.cos(x0)
df_numeric = numerical_gradient(lambda a: float(a[0] ** 2 * np.sin(a[0])), np.array([x0]))[0]
print(f"sum rule:   {df_sum_rule:.8f}   central differences: {df_numeric:.8f}")
assert relative_error(df_sum_rule, df_numeric) < 1e-8

# %% [markdown]
# ## 2. Computational graphs
#
# A computational graph breaks a function into elementary operations (nodes) connected by
# the values flowing between them. Each node knows only its own *local* derivatives.
# The **forward pass** computes the values from the inputs to the output; the **backward
# pass** starts from $\partial f/\partial f = 1$ at the output and multiplies, at every node,
# the gradient arriving from above (the *upstream* gradient) by the node's local
# derivative. Where a value is used more than once, the gradients coming back add up
# (the sum rule).
#
# To see this work we write a tiny reverse-mode differentiator: each `Node` stores its
# value, its parents and the local derivatives with respect to them, all computed during the
# forward pass; `backward` visits the nodes from the output down and accumulates the
# gradients. It needs the nodes in an order where each comes after the nodes it was computed
# from (a depth-first search, `nnkit.graphs.topological_order`); `nnkit.graphs.draw_graph`
# draws such a graph.

# %%
from nnkit.graphs import draw_graph, topological_order
from nnkit.timing import best_time


# %%
class Node:
    """A value in a computational graph, with what backprop needs to know about it."""

    def __init__(self, value, parents=(), local_grads=(), op="", name=""):
        self.value = float(value)
        self.parents = parents          # the nodes this one was computed from
        self.local_grads = local_grads  # d(this) / d(parent), one per parent
        self.op = op
        self.name = name
        self.grad = 0.0

    def __add__(self, other):
        other = as_node(other)
        return Node(self.value + other.value, (self, other), (1.0, 1.0), "+")

    def __mul__(self, other):
        other = as_node(other)
        return Node(self.value * other.value, (self, other), (other.value, self.value), "×")

    __radd__ = __add__
    __rmul__ = __mul__

    def __repr__(self):
        return f"Node({self.name or self.op}: value={self.value:g}, grad={self.grad:g})"


def as_node(a):
    return a if isinstance(a, Node) else Node(a, name=f"{a:g}")


def exp(a):
    e = np.exp(a.value)
    return Node(e, (a,), (e,), "exp")


def reciprocal(a):
    return Node(1.0 / a.value, (a,), (-1.0 / a.value**2,), "1/x")


def maximum(a, b):
    first = a.value >= b.value
    return Node(max(a.value, b.value), (a, b), (float(first), float(not first)), "max")


def sigmoid_node(a):
    s = sigmoid(a.value)
    return Node(s, (a,), (s * (1 - s),), "σ")


def backward(out):
    """Fill in ``.grad`` = d(out)/d(node) for every node of the graph."""
    order = topological_order(out)
    for node in order:
        node.grad = 0.0
    out.grad = 1.0
    for node in reversed(order):
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad += local * node.grad   # chain rule; += is the sum rule


# %% [markdown]
# The classic first example: $f(x, y, z) = (x + y)\,z$ at $x = -2$, $y = 5$, $z = -4$.
#
# Forward: $q = x + y = 3$, $f = qz = -12$.
#
# Backward: $\partial f/\partial f = 1$. The multiply node swaps its inputs:
# $\partial f/\partial z = q = 3$ and $\partial f/\partial q = z = -4$. The add node passes
# the upstream gradient on unchanged: $\partial f/\partial x = \partial f/\partial y =
# \partial f/\partial q \cdot 1 = -4$.

# %%
x, y, z = Node(-2.0, name="x"), Node(5.0, name="y"), Node(-4.0, name="z")
q = x + y
f = q * z
backward(f)
print(q, f, x, y, z, sep="\n")
assert (q.value, f.value) == (3.0, -12.0)
assert (x.grad, y.grad, z.grad) == (-4.0, -4.0, 3.0)
print(f"[figure] f = {f.value:g}, df/dx = {x.grad:g}, df/dy = {y.grad:g}, df/dz = {z.grad:g}")

# the same numbers from finite differences and from the backend's automatic differentiation
# (autodiff.value_and_grad: section 6 shows how each backend does it)
num = numerical_gradient(lambda a: float((a[0] + a[1]) * a[2]), np.array([-2.0, 5.0, -4.0]))
assert np.allclose(num, [-4.0, -4.0, 3.0])
auto_f, auto_grads = autodiff.value_and_grad(lambda p: (p["x"] + p["y"]) * p["z"],
                                             {"x": -2.0, "y": 5.0, "z": -4.0})
assert auto_f == -12.0 and [auto_grads[k] for k in "xyz"] == [-4.0, -4.0, 3.0]

# %% [markdown]
# A picture of the graph: the forward values in green above each edge, the gradients of
# $f$ in red below.

# %%
fig, ax = plt.subplots(figsize=(4, 3))
draw_graph(f, ax, "f = (x + y) z")
plt.show()

# %% [markdown]
# ## 3. The sigmoid gate
#
# A neuron $f = \sigma(w_1 x_1 + w_2 x_2 + b)$ can be written with the primitives
# multiply, add, exp and $1/x$, since $\sigma(s) = 1/(1 + e^{-s})$. Backpropagating through
# each primitive works, but the whole chain after $s$ collapses into one local derivative,
#
# $$\frac{d\sigma}{ds} = \frac{e^{-s}}{(1+e^{-s})^2} = \sigma(s)\,\bigl(1 - \sigma(s)\bigr),$$
#
# so a single "sigmoid gate" that remembers its output can replace the four operation nodes
# that follow $s$ (times $-1$, exp, plus 1, $1/x$). Both ways must give the same gradients:

# %%
def neuron_graph(w1, x1, w2, x2, b, fused):
    """Build sigma(w1 x1 + w2 x2 + b) from primitives, or with one sigmoid gate."""
    s = w1 * x1 + w2 * x2 + b
    if fused:
        return sigmoid_node(s)
    return reciprocal(1.0 + exp(-1.0 * s))


def neuron_inputs():
    names = ("w1", "x1", "w2", "x2", "b")
    return [Node(v, name=n) for v, n in zip((0.5, 2.0, -1.0, 1.5, 0.3), names)]


grads = {}
for fused in (False, True):
    leaves = neuron_inputs()
    out = neuron_graph(*leaves, fused=fused)
    backward(out)
    grads[fused] = np.array([leaf.grad for leaf in leaves])

print("output:", out.value, "\nstep by step:  ", grads[False], "\nsigmoid gate:  ", grads[True])
assert np.allclose(grads[False], grads[True])
s_val = 0.5 * 2.0 - 1.0 * 1.5 + 0.3
expected = sigmoid(s_val) * (1 - sigmoid(s_val)) * np.array([2.0, 0.5, 1.5, -1.0, 1.0])
assert np.allclose(grads[True], expected)
num = numerical_gradient(lambda a: float(sigmoid(a[0] * a[1] + a[2] * a[3] + a[4])),
                         np.array([0.5, 2.0, -1.0, 1.5, 0.3]))
assert relative_error(grads[True], num) < 1e-8

leaves = neuron_inputs()
out_steps = neuron_graph(*leaves, fused=False)
backward(out_steps)
fig, ax = plt.subplots(figsize=(12, 5))
draw_graph(out_steps, ax, "σ(w1 x1 + w2 x2 + b) from primitives")
plt.show()

# %% [markdown]
# ## 4. How gates route gradients
#
# Looking at the local derivatives, each kind of gate has a simple rule for what it does
# with the upstream gradient $g$:
#
# | gate | forward | backward |
# |---|---|---|
# | add | $a + b$ | passes $g$ to both inputs unchanged (a *distributor*) |
# | copy (fan-out) | $a \to (a, a)$ | *sums* the gradients coming back from every use |
# | multiply | $a\,b$ | $g\,b$ to $a$ and $g\,a$ to $b$ (a *swapper*, scaled by $g$) |
# | max | $\max(a, b)$ | all of $g$ to the larger input, 0 to the other (a *router*) |
#
# One expression uses all four: $f = \max(x\,y,\ y + z)\cdot x$, where $x$ and $y$ are each
# used twice. At $x = 3$, $y = -1$, $z = 2$: $xy = -3$, $y + z = 1$, so the max takes the
# second branch and $f = 3$. By the rules: the outer multiply sends the value of the max,
# 1, to $x$ and $x = 3$ to the max; the max routes that 3 to $y + z$ and 0 to $xy$; the add
# passes 3 on to $y$ and to $z$. The copies then sum: $\partial f/\partial x = 1 + 0 = 1$
# (its use inside $xy$ gets nothing), $\partial f/\partial y = 3 + 0 = 3$ and
# $\partial f/\partial z = 3$.

# %%
x, y, z = Node(3.0, name="x"), Node(-1.0, name="y"), Node(2.0, name="z")
f = maximum(x * y, y + z) * x
backward(f)
print(f"f = {f.value:g}, grads: x {x.grad:g}, y {y.grad:g}, z {z.grad:g}")
assert (f.value, x.grad, y.grad, z.grad) == (3.0, 1.0, 3.0, 3.0)
num = numerical_gradient(lambda a: float(max(a[0] * a[1], a[1] + a[2]) * a[0]),
                         np.array([3.0, -1.0, 2.0]))
assert np.allclose(num, [1.0, 3.0, 3.0])

# %% [markdown]
# <details><summary>Self-test: change $z$ to $-5$ so that the max picks $xy$. What are the
# three gradients now?</summary>
#
# $f = \max(-3, -6)\cdot 3 = -9$. The max routes the gradient into $xy$: $x$ gets
# $y\cdot x = -3$ from that branch plus $\max(\cdot) = -3$ from the outer multiply, in total
# $-6$; $y$ gets $x\cdot x = 9$; $z$ gets 0. Try it in the cell above.
# </details>

# %% [markdown]
# ## 5. What it costs
#
# With $N_w$ weights, central differences need two forward passes *per weight*, and one
# forward pass costs $O(N_w)$ multiply-adds, so the numerical gradient costs
# $O(N_w^2)$. Computing each analytic partial derivative separately, path by path, is no
# better: every weight repeats the work downstream of it. Backpropagation shares that
# work: one forward pass plus one backward pass gives all $N_w$ derivatives, $O(N_w)$ in
# total. How large is the constant? Counted in multiply-adds, a layer's backward step takes
# two matrix products (one for its weight gradient, one for the delta it passes down)
# where its forward step took one, except the first layer: nobody needs a delta for the
# inputs, so it takes one. The backward pass therefore costs between one and two forward
# passes, nearer one when the first layer does most of the work, as it does in the networks
# below (exercise 5 counts it), and a whole gradient between two and three. Timed, the
# constant also depends on what else a pass does (here the forward pass's exponentials are
# not cheap), but it stays a constant as $N_w$ grows.
#
# We measure it on two-layer networks of growing width. A forward pass is timed directly;
# the finite-difference gradient is run in full on the smaller networks (counting its
# forward passes) and, for the larger ones, estimated as $2N_w$ timed forward passes. Each
# time is the CPU time of one thread (`nnkit.timing.best_time`), which other programs
# sharing the machine do not inflate.

# %%
def init_params(n_in, n_hidden, n_out, rng, scale=0.5):
    """Weights of a two-layer network, drawn at random; biases small and random too."""
    return {"W1": rng.normal(0, scale, (n_in, n_hidden)), "b1": rng.normal(0, 0.1, n_hidden),
            "W2": rng.normal(0, scale, (n_hidden, n_out)), "b2": rng.normal(0, 0.1, n_out)}


def softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def forward(params, X):
    """A1 = X, Z2 = A1 W1 + b1, A2 = sigmoid(Z2), Z3 = A2 W2 + b2, A3 = softmax(Z3)."""
    A2 = sigmoid(X @ params["W1"] + params["b1"])
    A3 = softmax(A2 @ params["W2"] + params["b2"])
    return A2, A3


def cross_entropy(A3, Y):
    """Summed over the examples: L = -sum_i sum_k Y_ik log A3_ik."""
    return float(-np.sum(Y * np.log(A3)))


def backprop(params, X, Y):
    """Gradients of the summed cross-entropy with respect to every parameter."""
    A2, A3 = forward(params, X)
    V2 = A3 - Y                                   # output delta, dL/dZ3
    V1 = (V2 @ params["W2"].T) * A2 * (1 - A2)    # hidden delta, dL/dZ2
    return {"W1": X.T @ V1, "b1": V1.sum(axis=0), "W2": A2.T @ V2, "b2": V2.sum(axis=0)}


# %% [markdown]
# (`backprop` is derived in section 6; here we only time it.)

# %%
rng = np.random.default_rng(0)
n_in, n_out, batch = 64, 10, 64
X_t = rng.normal(size=(batch, n_in))
Y_t = np.eye(n_out)[rng.integers(0, n_out, batch)]
widths = pick([4, 8, 16, 32, 64, 128, 256, 512], [4, 8, 16, 32, 64, 128])


def finite_difference_gradient(params, X, Y):
    """Central differences for every parameter; returns the gradients and the forward passes."""
    calls = [0]
    grads = {}
    for key in params:
        def loss_of(theta, key=key):
            calls[0] += 1
            return cross_entropy(forward({**params, key: theta}, X)[1], Y)

        grads[key] = numerical_gradient(loss_of, params[key].copy())
    return grads, calls[0]


rows = []
for width in widths:
    params = init_params(n_in, width, n_out, rng)
    n_w = sum(p.size for p in params.values())
    t_forward = best_time(lambda: cross_entropy(forward(params, X_t)[1], Y_t))  # noqa: B023
    t_backprop = best_time(lambda: backprop(params, X_t, Y_t))  # noqa: B023
    if width <= 16:  # small enough to run the whole finite-difference gradient
        assert finite_difference_gradient(params, X_t, Y_t)[1] == 2 * n_w   # 2 passes per weight
        t_numeric, how = best_time(lambda: finite_difference_gradient(params, X_t, Y_t),  # noqa: B023
                                   repeat=1), "measured"
    else:
        t_numeric, how = 2 * n_w * t_forward, "estimated"
    rows.append((n_w, t_forward, t_backprop, t_numeric))
    print(f"{width:>4d} hidden units, N_w = {n_w:>6d}: forward {t_forward * 1e3:7.3f} ms, "
          f"backprop {t_backprop * 1e3:7.3f} ms, finite differences {t_numeric:8.3f} s ({how})")

n_w, t_forward, t_backprop, t_numeric = map(np.array, zip(*rows))
fig, ax = plt.subplots(figsize=(6, 4))
ax.loglog(n_w, t_numeric, "o-", label="finite differences ($2N_w$ forward passes)")
ax.loglog(n_w, t_backprop, "s-", label="backpropagation (1 forward + 1 backward)")
ax.loglog(n_w, t_forward, "^:", label="one forward pass")
ax.loglog(n_w, t_numeric[-1] * (n_w / n_w[-1]) ** 2, "k--", lw=0.8, label="slope 2")
ax.set(xlabel="number of weights $N_w$", ylabel="seconds")
ax.legend(fontsize=8)
ax.grid(alpha=0.3, which="both")
plt.show()
assert t_numeric[-1] > 100 * t_backprop[-1]
print(f"[figure] N_w = {n_w[-1]}: backprop (forward + backward) = {t_backprop[-1] / t_forward[-1]:.1f} "
      f"forward passes; finite differences = {t_numeric[-1] / t_forward[-1]:.0f}")
assert 1.0 < t_backprop[-1] / t_forward[-1] < 8  # a small constant, whatever N_w

# %% [markdown]
# For small networks numpy's fixed overhead per call dominates, so the curves start flat;
# once the matrices are large enough the forward pass and backpropagation grow in
# proportion to $N_w$ and finite differences grow like $N_w^2$. Finite differences stay
# useful for one thing: checking a backpropagation implementation on a *small* network.

# %% [markdown]
# ## 6. Backpropagation through a two-layer network
#
# Take a batch of $n$ examples, one per row of $A_1 = X$, with one-hot targets $Y$, and the
# notation of lecture 4:
#
# $$Z_2 = A_1 W_1 + \mathbf b_1,\quad A_2 = \sigma(Z_2),\quad
# Z_3 = A_2 W_2 + \mathbf b_2,\quad A_3 = \operatorname{softmax}(Z_3),\quad
# L = -\sum_{i}\sum_k Y_{ik}\log (A_3)_{ik}.$$
#
# Write $V_2 = \partial L/\partial Z_3$ and $V_1 = \partial L/\partial Z_2$ for the
# *sensitivities* (deltas) of the net inputs. Going backwards:
#
# $$V_2 = A_3 - Y \qquad \text{(section 7 shows why)}$$
# $$\frac{\partial L}{\partial W_2} = A_2^\top V_2,\qquad
# \frac{\partial L}{\partial \mathbf b_2} = \mathbf 1^\top V_2 \ \text{(column sums)}$$
# $$V_1 = \bigl(V_2 W_2^\top\bigr) \odot A_2 \odot (1 - A_2)$$
# $$\frac{\partial L}{\partial W_1} = A_1^\top V_1,\qquad
# \frac{\partial L}{\partial \mathbf b_1} = \mathbf 1^\top V_1 .$$
#
# Every line is one of the gate rules: $Z_3 = A_2W_2$ is a multiply gate (so the gradient for
# $W_2$ is the *other* input, $A_2$, times the upstream $V_2$), each hidden unit fans out to
# every output (so $V_2 W_2^\top$ sums the gradients coming back), and the sigmoid gate
# multiplies by $\sigma(1-\sigma)$. The matrix products also sum over the examples, because
# the same weights are used by every row of the batch.
#
# `backprop` above implements these lines. Check every parameter against central
# differences on a small network:

# %%
rng = np.random.default_rng(1)
X_small = rng.normal(size=(6, 3))
Y_small = np.eye(3)[rng.integers(0, 3, 6)]
params_small = init_params(3, 4, 3, rng)
analytic = backprop(params_small, X_small, Y_small)
for key, value in params_small.items():
    def loss_of_one(theta, key=key):
        return cross_entropy(forward({**params_small, key: theta}, X_small)[1], Y_small)

    numeric = numerical_gradient(loss_of_one, value.copy())
    err = relative_error(analytic[key], numeric)
    print(f"{key}: shape {value.shape}, relative error {err:.1e}")
    assert err < 1e-5, key

# %% [markdown]
# And against automatic differentiation (section 9), which every deep-learning framework
# has, each in its own way. Keras's operations (`keras.ops`) are the same on every backend,
# but taking a gradient is the backend's business:
#
# * **TensorFlow** records the operations run inside a `tf.GradientTape` block, then
#   `tape.gradient(loss, variables)` runs the record backwards;
# * **JAX** transforms a function: `jax.value_and_grad(f)` is a new function that returns
#   `f`'s value and its gradient with respect to its first argument;
# * **PyTorch** records the operations on tensors created with `requires_grad`;
#   `loss.backward()` runs them backwards and leaves each gradient in the tensor's `.grad`.
#
# `nnkit.autodiff.value_and_grad(loss_fn, params)` holds the three and calls the one of the
# backend in use. Here they are:

# %%
autodiff.show_source(autodiff.value_and_grad_tensorflow, autodiff.value_and_grad_jax,
                     autodiff.value_and_grad_torch)

# %% [markdown]
# The loss is written once, with `keras.ops` on the backend's tensors, in float64 like our
# numpy code so that the two can agree to $10^{-12}$. (The matrix products use `@`, which
# keeps float64 on every backend. `keras.ops.matmul` does not on PyTorch: run with Keras
# 3.15.1 and PyTorch 2.13 on a CPU, it returns a float32 product of two float64 tensors,
# about $3\times10^{-7}$ away from numpy's for a 5×4 by 4×3 product of standard normal
# matrices. The cause is Keras's own type promotion, `keras.backend.result_type`, which maps
# float64 to float32 on every backend but TensorFlow, as JAX does by default; the PyTorch
# `matmul` casts both operands to that type. On JAX with 64-bit types switched on, as
# `nnkit.autodiff.value_and_grad` does, it stays float64.)

# %%
def loss_keras(p):
    """The summed cross-entropy of section 6, from the backend's tensors p."""
    X_k, Y_k = ops.convert_to_tensor(X_small), ops.convert_to_tensor(Y_small)
    A2_k = ops.sigmoid(X_k @ p["W1"] + p["b1"])
    Z3_k = A2_k @ p["W2"] + p["b2"]
    return -ops.sum(Y_k * ops.log_softmax(Z3_k))   # log of the softmax, stable for any Z3


auto_loss, auto_grads = autodiff.value_and_grad(loss_keras, params_small)
assert np.isclose(auto_loss, cross_entropy(forward(params_small, X_small)[1], Y_small))
for key in params_small:
    assert auto_grads[key].dtype == np.float64
    assert np.allclose(auto_grads[key], analytic[key], atol=1e-12), key
print(f"Automatic differentiation ({keras.backend.backend()}) agrees on every parameter.")

# %% [markdown]
# With correct gradients, training is a loop of forward pass, backward pass and step. Full-
# batch gradient descent on the mean loss (gradients divided by $n$) on the two moons:

# %%
X, y = make_nonlinear(400, "moons", noise=0.2, seed=0)
X_test, y_test = make_nonlinear(400, "moons", noise=0.2, seed=1)
Y = np.eye(2)[y]
params = init_params(2, 8, 2, np.random.default_rng(0))
eta, epochs = 5.0, pick(1000, 300)
losses = []
for _ in range(epochs):
    grads = backprop(params, X, Y)
    losses.append(cross_entropy(forward(params, X)[1], Y) / len(X))
    for key in params:
        params[key] -= eta * grads[key] / len(X)


def predict(X_new):
    return forward(params, X_new)[1].argmax(axis=1)


test_acc = np.mean(predict(X_test) == y_test)
print(f"[figure] numpy MLP (8 sigmoid units, {epochs} epochs of gradient descent): "
      f"test accuracy {test_acc:.3f}")
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 3.5))
plot_curves({"training loss": losses}, ax=ax0, logy=True)
plot_decision_regions(X, y, predict, ax=ax1)
ax1.set_title(f"numpy backprop, test accuracy {test_acc:.3f}")
plt.show()

# %% [markdown]
# ## 7. The output sensitivity: squared error against cross-entropy
#
# The output delta $V_2 = \partial L/\partial Z_3$ is where backpropagation starts, and it
# depends on the pairing of output activation and loss. For one example and one sigmoid
# output $a = \sigma(z)$ with target $y$:
#
# - **squared error** $L = \tfrac12 (a - y)^2$:
#   $\quad V_2 = (a - y)\,\sigma'(z) = (a - y)\,a\,(1 - a)$;
# - **cross-entropy** $L = -y\log a - (1-y)\log(1-a)$:
#   $\quad V_2 = \Bigl(\frac{1-y}{1-a} - \frac{y}{a}\Bigr)\,a(1-a) = a - y$.
#
# The factor $a(1-a)$ cancels. The same happens for a softmax output with the multi-class
# cross-entropy $L = -\sum_k y_k \log a_k$: since
# $\partial a_k / \partial z_j = a_k(\delta_{kj} - a_j)$,
#
# $$\frac{\partial L}{\partial z_j} = -\sum_k \frac{y_k}{a_k}\,a_k(\delta_{kj} - a_j)
# = -y_j + a_j \sum_k y_k = a_j - y_j ,$$
#
# so $V_2 = A_3 - Y$ for the whole batch. We check all three with central differences with
# respect to $Z_3$:

# %%
rng = np.random.default_rng(2)
Z3 = rng.normal(0, 2, size=(5, 3))
Y_soft = np.eye(3)[rng.integers(0, 3, 5)]
Y_bin = rng.integers(0, 2, size=(5, 1)).astype(float)
Z_bin = rng.normal(0, 2, size=(5, 1))


def mse_sigmoid(Z):
    return float(0.5 * np.sum((sigmoid(Z) - Y_bin) ** 2))


def bce_sigmoid(Z):
    A = sigmoid(Z)
    return float(-np.sum(Y_bin * np.log(A) + (1 - Y_bin) * np.log(1 - A)))


def ce_softmax(Z):
    return cross_entropy(softmax(Z), Y_soft)


A_bin = sigmoid(Z_bin)
checks = {
    "sigmoid + squared error": (mse_sigmoid, Z_bin, (A_bin - Y_bin) * A_bin * (1 - A_bin)),
    "sigmoid + cross-entropy": (bce_sigmoid, Z_bin, A_bin - Y_bin),
    "softmax + cross-entropy": (ce_softmax, Z3, softmax(Z3) - Y_soft),
}
for name, (loss, Z, V2) in checks.items():
    err = relative_error(V2, numerical_gradient(loss, Z.copy()))
    print(f"{name}: relative error of V2 {err:.1e}")
    assert err < 1e-5, name

# %% [markdown]
# Why it matters: when an output is *confidently wrong*, say $y = 1$ but $z = -5$, the
# squared-error delta is multiplied by $\sigma'(-5) \approx 0.0066$ and the unit barely
# learns, while the cross-entropy delta is close to its largest possible size.

# %%
z_grid = np.linspace(-8, 8, 400)
a_grid = sigmoid(z_grid)
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(z_grid, np.abs((a_grid - 1) * a_grid * (1 - a_grid)), label="squared error")
ax.plot(z_grid, np.abs(a_grid - 1), label="cross-entropy")
ax.set(xlabel="net input $z$ of the output (target $y = 1$)", ylabel="$|V_2|$",
       title="output delta: how hard the output is pushed")
ax.axvspan(-8, 0, color="gray", alpha=0.1)
ax.text(-7.5, 0.85, "wrong side", fontsize=9)
ax.legend()
ax.grid(alpha=0.3)
plt.show()

a5 = sigmoid(-5.0)
print(f"[figure] y = 1, z = -5: squared-error delta {(a5 - 1) * a5 * (1 - a5):.4f}, "
      f"cross-entropy delta {a5 - 1:.4f}")

# %% [markdown]
# <details><summary>Self-test: with the squared error and a sigmoid output, where is
# $|V_2|$ largest for target $y = 1$? Why is that odd?</summary>
#
# Near $z = \ln\frac12 \approx -0.7$ (where $a = 1/3$), and it falls towards 0 as the output gets
# *more* wrong. A learning signal that weakens as the error grows is the opposite of what
# we want; with cross-entropy $|V_2| = 1 - a$ grows steadily with the error.
# </details>
#
# <details><summary>Self-test: Keras's `CategoricalCrossentropy` averages the loss over the
# batch. What becomes of $V_2$?</summary>
#
# $V_2 = (A_3 - Y)/n$: every gradient is divided by the batch size $n$, which is why the
# training loop above divides by `len(X)`.
# </details>

# %% [markdown]
# ## 8. By hand, index by index
#
# **A linear two-layer example.** One input $x$ feeds $N$ linear hidden units
# $a_j = w^{(1)}_j x$, which feed one linear output $y = \sum_j w^{(2)}_j a_j$. Each weight
# lies on exactly one path to $y$, so the chain rule along that path gives its derivative,
# and $x$ lies on all $N$ paths, so the sum rule adds them up:
#
# $$\frac{\partial y}{\partial w^{(2)}_i} = a_i = w^{(1)}_i x,\qquad
# \frac{\partial y}{\partial w^{(1)}_i} = \frac{\partial y}{\partial a_i}\frac{\partial a_i}{\partial w^{(1)}_i}
# = w^{(2)}_i x,\qquad
# \frac{\partial y}{\partial x} = \sum_j w^{(2)}_j w^{(1)}_j .$$
#
# With $N = 3$, $w^{(1)} = (0.5, -1, 2)$, $w^{(2)} = (1, 3, -0.5)$ and $x = 2$: $a = (1, -2, 4)$,
# $y = 1 - 6 - 2 = -7$, $\partial y/\partial w^{(2)} = (1, -2, 4)$,
# $\partial y/\partial w^{(1)} = (2, 6, -1)$ and $\partial y/\partial x = 0.5 - 3 - 1 = -3.5$.
# Our `Node` engine agrees:

# %%
x_node = Node(2.0, name="x")
w1_nodes = [Node(v, name=f"w1_{j}") for j, v in enumerate((0.5, -1.0, 2.0))]
w2_nodes = [Node(v, name=f"w2_{j}") for j, v in enumerate((1.0, 3.0, -0.5))]
y_node = sum((w2 * (w1 * x_node) for w1, w2 in zip(w1_nodes, w2_nodes)), Node(0.0))
backward(y_node)
print(f"[figure] y = {y_node.value:g}; dy/dw2 = {[n.grad for n in w2_nodes]}, "
      f"dy/dw1 = {[n.grad for n in w1_nodes]}, dy/dx = {x_node.grad:g}")
assert y_node.value == -7.0 and x_node.grad == -3.5
assert [n.grad for n in w2_nodes] == [1.0, -2.0, 4.0] and [n.grad for n in w1_nodes] == [2.0, 6.0, -1.0]

# %% [markdown]
# **Section 6, one entry at a time.** The matrix formulas of section 6 follow from the
# scalar chain rule applied to single entries. Write $i$ for the example, $j$ for a hidden
# unit, $k$ for an output, $l$ for an input. Since $(Z_3)_{ik} = \sum_j (A_2)_{ij}(W_2)_{jk} + (b_2)_k$,
#
# 1. $\dfrac{\partial (Z_3)_{ik}}{\partial (W_2)_{jk}} = (A_2)_{ij}$, so
#    $\dfrac{\partial L}{\partial (W_2)_{jk}} = \sum_i (V_2)_{ik}(A_2)_{ij}$, the entry
#    $(j, k)$ of $A_2^\top V_2$ (the sum over $i$: every example uses the weight);
# 2. $(A_2)_{ij}$ reaches every output $k$, so by the sum rule
#    $\dfrac{\partial L}{\partial (A_2)_{ij}} = \sum_k (V_2)_{ik}(W_2)_{jk}$, the entry $(i, j)$
#    of $V_2W_2^\top$;
# 3. $(A_2)_{ij} = \sigma((Z_2)_{ij})$ depends on $(Z_2)_{ij}$ alone, so
#    $(V_1)_{ij} = \dfrac{\partial L}{\partial (A_2)_{ij}}\,(A_2)_{ij}\bigl(1 - (A_2)_{ij}\bigr)$,
#    an entry-wise product; in Jacobian terms, $\partial \mathbf a/\partial \mathbf z$ is the
#    diagonal matrix $\operatorname{diag}(a(1-a))$ and the chain rule is the product of
#    Jacobians $\frac{\partial L}{\partial \mathbf z_2} = \frac{\partial L}{\partial \mathbf z_3}
#    \frac{\partial \mathbf z_3}{\partial \mathbf a_2}\frac{\partial \mathbf a_2}{\partial \mathbf z_2}
#    = \mathbf v_2 W_2^\top \operatorname{diag}(\mathbf a_2(1-\mathbf a_2))$;
# 4. likewise $\dfrac{\partial L}{\partial (W_1)_{lj}} = \sum_i (V_1)_{ij}\,X_{il}$, the entry
#    $(l, j)$ of $X^\top V_1$.
#
# Only step 1's $V_2$ depends on the loss: change the cost and only the output sensitivity
# changes (section 7); steps 2–4 are the same for every loss. The same loops, written out
# with explicit indices, give the matrices `backprop` computes:

# %%
A2_s, A3_s = forward(params_small, X_small)
V2_s = A3_s - Y_small
n_ex, n_hid, n_outs = A2_s.shape[0], A2_s.shape[1], V2_s.shape[1]
gW2 = np.zeros((n_hid, n_outs))
V1_s = np.zeros((n_ex, n_hid))
for i in range(n_ex):
    for j in range(n_hid):
        for k in range(n_outs):
            gW2[j, k] += V2_s[i, k] * A2_s[i, j]                       # step 1
            V1_s[i, j] += V2_s[i, k] * params_small["W2"][j, k]         # step 2
        V1_s[i, j] *= A2_s[i, j] * (1 - A2_s[i, j])                     # step 3
gW1 = np.einsum("ij,il->lj", V1_s, X_small)                             # step 4
matrix_form = backprop(params_small, X_small, Y_small)
assert np.allclose(gW2, matrix_form["W2"]) and np.allclose(gW1, matrix_form["W1"])
print("index-by-index loops = matrix formulas of section 6")

# %% [markdown]
# ## 9. Three ways to differentiate
#
# A program that computes a number can be differentiated in three ways:
#
# | | how | cost for $N_w$ inputs | accuracy |
# |---|---|---|---|
# | **symbolic** | apply the rules of calculus to the formula, giving a formula | the derivative's formula can be far larger than the function's (*expression swell*) | exact |
# | **numerical** | finite differences, $\frac{f(x+h) - f(x-h)}{2h}$ | $2N_w$ evaluations of $f$ | truncation and rounding error |
# | **automatic** | apply the chain rule to the *operations* the program runs, on numbers | a few evaluations of $f$ (reverse mode) | exact up to rounding |
#
# Backpropagation is reverse-mode automatic differentiation, what `tf.GradientTape`,
# `jax.grad`, PyTorch's `backward()` and our `Node` do. **Symbolic**: a small differentiator on expression trees, applied to the
# logistic map $f_{k+1} = 4 f_k (1 - f_k)$, $f_0 = x$, a program of $n$ steps. Written out
# as one formula, $f_n$ doubles in size with each step, and its derivative grows faster
# still, while the program and its automatic derivative grow by a fixed number of
# operations per step:

# %%
def d_dx(e):
    """The derivative of an expression tree ("x",), ("c", value), ("+", a, b), ("*", a, b)."""
    op = e[0]
    if op in ("x", "c"):
        return ("c", 1.0 if op == "x" else 0.0)
    a, b = e[1], e[2]
    if op == "+":
        return ("+", d_dx(a), d_dx(b))
    return ("+", ("*", d_dx(a), b), ("*", a, d_dx(b)))      # product rule


def tree_size(e):
    """Number of nodes of the expression written out in full (shared parts counted again)."""
    return 1 if e[0] in ("x", "c") else 1 + tree_size(e[1]) + tree_size(e[2])


def evaluate(e, x):
    op = e[0]
    if op == "x":
        return x
    if op == "c":
        return e[1]
    a, b = evaluate(e[1], x), evaluate(e[2], x)
    return a + b if op == "+" else a * b


def logistic_map(n, one, four, minus_one, start):
    """f_n of the logistic map, from whatever objects implement + and * (trees or Nodes)."""
    f = start
    for _ in range(n):
        f = mul(mul(four, f), add(one, mul(minus_one, f)))
    return f


def mul(a, b):
    return ("*", a, b) if isinstance(a, tuple) else a * b


def add(a, b):
    return ("+", a, b) if isinstance(a, tuple) else a + b


depths = range(1, pick(9, 7) + 1)
sizes = {"f_n written out": [], "its symbolic derivative": [], "reverse-mode graph (Node)": []}
x0_map = 0.3
for n_steps in depths:
    expr = logistic_map(n_steps, ("c", 1.0), ("c", 4.0), ("c", -1.0), ("x",))
    deriv = d_dx(expr)
    sizes["f_n written out"].append(tree_size(expr))
    sizes["its symbolic derivative"].append(tree_size(deriv))
    x_leaf = Node(x0_map, name="x")
    out_node = logistic_map(n_steps, Node(1.0), Node(4.0), Node(-1.0), x_leaf)
    backward(out_node)
    sizes["reverse-mode graph (Node)"].append(len(topological_order(out_node)))
    numeric_d = numerical_gradient(lambda a, e=expr: evaluate(e, a[0]), np.array([x0_map]))[0]
    assert np.isclose(evaluate(deriv, x0_map), x_leaf.grad, rtol=1e-9)   # symbolic = automatic
    assert np.isclose(x_leaf.grad, numeric_d, rtol=1e-5)                  # = numerical

fig, ax = plt.subplots(figsize=(6, 3.5))
for name, values in sizes.items():
    ax.semilogy(list(depths), values, "o-", label=name)
ax.set(xlabel="steps $n$ of the program", ylabel="nodes", title="expression swell")
ax.legend(fontsize=8)
ax.grid(alpha=0.3)
plt.show()
print(f"[figure] logistic map, n = {depths[-1]}: f_n written out {sizes['f_n written out'][-1]} nodes, "
      f"symbolic derivative {sizes['its symbolic derivative'][-1]}, "
      f"reverse-mode graph {sizes['reverse-mode graph (Node)'][-1]}")
assert sizes["its symbolic derivative"][-1] > 100 * sizes["reverse-mode graph (Node)"][-1]

# %% [markdown]
# Computer-algebra systems simplify and share common sub-expressions, which tames the swell
# for a formula like this one, but a program with loops and branches has no closed formula
# to differentiate at all; automatic differentiation only needs the operations that ran.
#
# **Numerical**, and its step size. The forward difference $\frac{f(x+h) - f(x)}{h}$ has a
# truncation error of order $h$, the central difference one of order $h^2$. Both divide a
# difference of two nearly equal numbers, rounded to about $10^{-16}$ relative, by $h$, so
# rounding errors grow like $10^{-16}/h$ as $h$ shrinks. The total error is a U-shaped curve
# in $h$, with its bottom near $h \approx 10^{-8}$ for the forward difference and near
# $10^{-5}$ for the central one. Measured on $f(x) = \sigma(x)\sin(3x)$ at $x = 0.7$:

# %%
def f_u(x):
    return sigmoid(x) * np.sin(3 * x)


def df_u(x):
    return sigmoid(x) * (1 - sigmoid(x)) * np.sin(3 * x) + 3 * sigmoid(x) * np.cos(3 * x)


steps_h = np.logspace(-14, -1, 53)
x_u = 0.7
errors = {"forward difference": np.abs((f_u(x_u + steps_h) - f_u(x_u)) / steps_h - df_u(x_u)),
          "central difference": np.abs((f_u(x_u + steps_h) - f_u(x_u - steps_h)) / (2 * steps_h)
                                       - df_u(x_u))}
fig, ax = plt.subplots(figsize=(6, 3.5))
for name, err in errors.items():
    ax.loglog(steps_h, np.maximum(err, 1e-17), "o-", markersize=3, label=name)
ax.set(xlabel="step $h$", ylabel="|error|", title="finite differences: truncation vs rounding")
ax.legend(fontsize=8)
ax.grid(alpha=0.3, which="both")
plt.show()
best_h = {name: steps_h[np.argmin(err)] for name, err in errors.items()}
for name, err in errors.items():
    print(f"[figure] {name}: smallest error {err.min():.1e} at h = {best_h[name]:.0e}")
assert 1e-10 <= best_h["forward difference"] <= 1e-6 and 1e-7 <= best_h["central difference"] <= 1e-3
assert errors["central difference"].min() < 1e-3 * errors["forward difference"].min() ** 0.5
assert errors["central difference"][0] > 1e3 * errors["central difference"].min()   # h = 1e-14: rounding

# %% [markdown]
# ## Summary
# - Chain rule along a path, sum rule across paths; in vector form, a product of Jacobians.
# - Backpropagation runs the graph forward, then multiplies local derivatives by upstream
#   gradients from the output down: add distributes, copy sums, multiply swaps, max routes.
# - For a two-layer net: $V_2 = A_3 - Y$ (softmax or sigmoid with cross-entropy),
#   $\partial L/\partial W = A^\top V$, $V_1 = (V_2W_2^\top)\odot\sigma'$; only $V_2$ depends on
#   the loss.
# - Backprop costs a constant number of forward passes; finite differences cost $2N_w$.
#   Symbolic differentiation swells; numerical differentiation trades truncation against
#   rounding ($h \approx 10^{-5}$ for central differences); backprop is reverse-mode automatic
#   differentiation.
#
# ## Exercises
# 1. Draw the graph of $f = 1/(w_0x_0 + w_1)$ and backpropagate through it by hand at
#    $w_0 = 2$, $x_0 = -1$, $w_1 = 3$. Check with `Node` (you need a reciprocal gate).
# 2. For the scalar two-layer chain $\hat y = \sigma(w_2\,\sigma(w_1 x))$ with
#    $E = \frac12(\hat y - y)^2$, derive $\partial E/\partial w_1$ and check it numerically.
# 3. What changes in section 6 if the hidden activation is tanh? If it is ReLU? Give $V_1$
#    for each and modify `backprop` accordingly; verify with finite differences.
# 4. Show that for the forward difference the error is about $\frac{h}{2}|f''| +
#    \frac{2\epsilon|f|}{h}$ and find the $h$ that minimises it. Compare with the U-curve of
#    section 9.
# 5. Count the multiply-adds of one forward and one backward pass of a 64-$H$-10 network on
#    a batch of 64 and give their ratio. Why does the measured ratio of section 5 differ?
