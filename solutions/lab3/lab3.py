# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lab 3 — Backpropagation
#
# A network with one hidden layer can bend its decision boundary, but its hidden weights get no
# error signal of their own: the chain rule has to carry the output error back to them. You
# are given the forward pass, the loss and the output layer's gradients of a small network;
# you write the hidden layer's gradients, a finite-difference checker to prove them right, and
# then swap the sigmoid hidden units for ReLUs.
#
# **Learning goals**
# 1. Apply the chain rule through a hidden layer, in matrix form, for a whole batch at once.
# 2. Check analytic gradients against central differences, and read a relative error.
# 3. Replace the hidden activation (sigmoid → ReLU) and see what changes in backprop: only the
#    activation's derivative.
#
# **Points:** 20, all autograded (sigmoid derivative 2, hidden-layer gradients 5, gradient
# checker 4, ReLU 3, backprop through ReLU 4, training 2).
#
# **Hand in:** this notebook, `lab3.ipynb`, with every `YOUR CODE HERE` replaced. Do not rename
# it and do not delete or copy cells: the grader finds your answers by the cells' ids.
# Run *Kernel → Restart & Run All* before you hand in, and check that the visible tests pass.
#
# **Conventions used throughout** (the tests rely on them):
# - `X` has shape `(n, d)`; labels `y` are 0 or 1, shape `(n,)`;
# - the parameters live in a dict: `Wh` `(d, H)`, `bh` `(H,)`, `Wo` `(H, 1)`, `bo` `(1,)`;
# - the forward pass returns the logits `z`, shape `(n, 1)`, and a `cache` dict with
#   `"X"`, `"Zh"` (hidden pre-activations, `(n, H)`), `"Ah"` (hidden activations, `(n, H)`)
#   and `"z"`;
# - a gradient has the shape of its parameter;
# - the functions you write return new arrays and never modify their arguments (except that
#   `numerical_gradient` may shift entries of `x` while it works, as long as it restores them).
#
# **What you may not use:** the parts you write use numpy only. In particular, your
# `numerical_gradient` may not call the course's checker (`nnkit.numerical_gradient`, or
# anything in `nnkit.gradcheck`), and `hidden_gradients` must backpropagate, not differentiate
# numerically; automatic differentiation (TensorFlow, JAX, ...) is not allowed either. The
# grader runs your functions with the course's checker disabled.

# %% [markdown]
# ## Setup

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
import matplotlib.pyplot as plt
import numpy as np
from scipy.special import expit as sigmoid  # a sigmoid that never overflows (see lab 2)

import nnkit
import nnkit.grading
from coursedata.toy import make_nonlinear
from nnkit import relative_error, seed_everything
from nnkit.grading import expect, expect_close, expect_dtype, expect_equal, expect_shape
from nnkit.plots import plot_curves, plot_decision_regions

seed_everything(0)

# %% [markdown]
# ## The network (given)
#
# For a batch $X \in \mathbb{R}^{n \times d}$, $H$ hidden units with activation $g$, and one
# output logit per example:
#
# $$Z_h = X W_h + \mathbf{b}_h, \qquad A_h = g(Z_h), \qquad \mathbf{z} = A_h W_o + b_o ,$$
#
# with the model's probability $P(y = 1 \mid \mathbf{x}) = \sigma(z)$. The loss is the mean
# binary cross-entropy in its logit form (lab 2), computed with `np.logaddexp`:
#
# $$L = \frac{1}{n} \sum_{i=1}^{n} \Big[\ln\big(1 + e^{z_i}\big) - y_i z_i\Big].$$
#
# Its derivative with respect to the logits is $\boldsymbol{\delta}_o = \partial L / \partial
# \mathbf{z} = (\sigma(\mathbf{z}) - \mathbf{y}) / n$, an $n \times 1$ column that already
# holds the $1/n$ of the mean. The output layer is a linear layer fed by $A_h$, so
#
# $$\frac{\partial L}{\partial W_o} = A_h^\top \boldsymbol{\delta}_o, \qquad
#   \frac{\partial L}{\partial b_o} = \sum_{i=1}^{n} \delta_{o,i} .$$
#
# The next cell implements all of this. Read it: your code has to fit in with it.

# %%
def init_params(n_in, n_hidden, seed=0):
    """Small random weights (scaled by 1/sqrt(fan-in)) and zero biases."""
    rng = np.random.default_rng(seed)
    return {"Wh": rng.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_in, n_hidden)),
            "bh": np.zeros(n_hidden),
            "Wo": rng.normal(0.0, 1.0 / np.sqrt(n_hidden), size=(n_hidden, 1)),
            "bo": np.zeros(1)}


def forward(params, X, activation=sigmoid):
    """Logits z of shape (n, 1) and the cache that backprop needs."""
    Zh = X @ params["Wh"] + params["bh"]
    Ah = activation(Zh)
    z = Ah @ params["Wo"] + params["bo"]
    return z, {"X": X, "Zh": Zh, "Ah": Ah, "z": z}


def bce_with_logits(z, y):
    """Mean binary cross-entropy of logits z (n, 1) against labels y (n,)."""
    y = np.reshape(y, z.shape)
    per_example = np.logaddexp(0.0, z) - y * z
    return float(per_example.mean())


def loss(params, X, y, activation=sigmoid):
    """The network's loss on (X, y)."""
    z, _ = forward(params, X, activation)
    return bce_with_logits(z, y)


def output_gradients(params, cache, y):
    """delta_o = dL/dz, shape (n, 1), and the gradients of the output layer's parameters."""
    z = cache["z"]
    delta_o = (sigmoid(z) - np.reshape(y, z.shape)) / z.shape[0]
    return delta_o, {"Wo": cache["Ah"].T @ delta_o, "bo": delta_o.sum(axis=0)}


# %% [markdown]
# ## 1. Backprop into the hidden layer (7 points)
#
# Hidden unit $j$ reaches the loss only through $z$, with weight $W_o[j]$, so the chain rule
# gives the gradient with respect to the hidden activations, for the whole batch at once:
#
# $$\frac{\partial L}{\partial A_h} = \boldsymbol{\delta}_o W_o^\top \quad (n \times H).$$
#
# The activation acts element by element, so
# $\;\delta_h = \dfrac{\partial L}{\partial Z_h} = \dfrac{\partial L}{\partial A_h} \odot g'(Z_h)$.
# For the sigmoid, $\sigma'(z) = \sigma(z)\,(1 - \sigma(z))$, which the cache already holds:
# it is $A_h \odot (1 - A_h)$. Mind what you multiply: the derivative is a function of $z$
# that happens to be easy to write with $a = \sigma(z)$.
#
# The hidden layer is a linear layer fed by $X$, just like the output layer is fed by $A_h$.
# Work out $\partial L / \partial W_h$ and $\partial L / \partial \mathbf{b}_h$ from
# $\delta_h$ by analogy with the output layer's gradients above, checking the shapes:
# $W_h$ is $d \times H$, $\mathbf{b}_h$ has $H$ entries.
#
# - `sigmoid_derivative(Zh, Ah)` returns $g'(Z_h)$ for the sigmoid, given both the
#   pre-activations and the activations.
# - `hidden_gradients(params, cache, delta_o, derivative=sigmoid_derivative)` returns
#   `(grad_Wh, grad_bh)`. It must use the `derivative` it is given (you will pass the ReLU's
#   in part 3), called as `derivative(cache["Zh"], cache["Ah"])`.

# %% nbgrader={"grade": false, "grade_id": "backprop_hidden", "locked": false, "schema_version": 3, "solution": true}
def sigmoid_derivative(Zh, Ah):
    """Derivative of the sigmoid at the pre-activations Zh, given Ah = sigmoid(Zh)."""
    ### BEGIN SOLUTION
    return Ah * (1.0 - Ah)
    ### END SOLUTION


def hidden_gradients(params, cache, delta_o, derivative=sigmoid_derivative):
    """(grad_Wh, grad_bh): the loss's gradients for the hidden layer, given delta_o = dL/dz."""
    ### BEGIN SOLUTION
    delta_h = (delta_o @ params["Wo"].T) * derivative(cache["Zh"], cache["Ah"])
    grad_Wh = cache["X"].T @ delta_h
    grad_bh = delta_h.sum(axis=0)
    return grad_Wh, grad_bh
    ### END SOLUTION


# %% [markdown]
# The full backward pass puts the two layers together (given):

# %%
def backward(params, cache, y, derivative=sigmoid_derivative):
    """Gradients of the loss for every parameter, as a dict shaped like params."""
    delta_o, grads = output_gradients(params, cache, y)
    grads["Wh"], grads["bh"] = hidden_gradients(params, cache, delta_o, derivative)
    return grads


# %% nbgrader={"grade": true, "grade_id": "test_sigmoid_derivative", "locked": true, "points": 2, "schema_version": 3, "solution": false}
Z_hand = np.array([[0.0, 2.0], [-1.0, 0.5]])
d_hand = sigmoid_derivative(Z_hand, sigmoid(Z_hand))
expect_shape(d_hand, (2, 2), "sigmoid_derivative of a (2, 2) batch")
expect_close(d_hand[0, 0], 0.25, "sigmoid_derivative at z = 0", show_expected=True)
expect_close(d_hand, [[0.25, 0.10499358540350652], [0.19661193324148185, 0.2350037122015945]],
             "sigmoid_derivative", rtol=1e-9)
### BEGIN HIDDEN TESTS
import nnkit.evidence
_c = nnkit.evidence.challenge("lab3", "test_sigmoid_derivative")
_Z, _A = _c["Z"].copy(), _c["A"].copy()
_d = sigmoid_derivative(_Z, _A)
nnkit.evidence.report("lab3", "test_sigmoid_derivative", d=_d, Z_after=_Z, A_after=_A,
                      hand=sigmoid_derivative(_c["Z_hand"].copy(), _c["A_hand"].copy()),
                      saturated=sigmoid_derivative(_c["Z_sat"].copy(), _c["A_sat"].copy()))
### END HIDDEN TESTS

# %% [markdown]
# The visible test compares your gradients with `nnkit.numerical_gradient` (central differences)
# on a tiny network. A relative error below about $10^{-6}$ means they agree; an error near 1
# means they do not.

# %% nbgrader={"grade": true, "grade_id": "test_hidden_gradients", "locked": true, "points": 5, "schema_version": 3, "solution": false}
rng = np.random.default_rng(0)
X_tiny, y_tiny = rng.normal(size=(5, 3)), np.array([0, 1, 1, 0, 1])
p_tiny = init_params(3, 4, seed=1)
p_tiny["bh"] = rng.normal(size=4)
z_tiny, cache_tiny = forward(p_tiny, X_tiny)
delta_tiny, _ = output_gradients(p_tiny, cache_tiny, y_tiny)
gW, gb = hidden_gradients(p_tiny, cache_tiny, delta_tiny)
expect_shape(gW, (3, 4), "grad_Wh (d, H)")
expect_shape(gb, (4,), "grad_bh (H,)")
num_W = nnkit.numerical_gradient(lambda W: loss({**p_tiny, "Wh": W}, X_tiny, y_tiny), p_tiny["Wh"].copy())
num_b = nnkit.numerical_gradient(lambda b: loss({**p_tiny, "bh": b}, X_tiny, y_tiny), p_tiny["bh"].copy())
print(f"relative error: grad_Wh {relative_error(gW, num_W):.2e}, grad_bh {relative_error(gb, num_b):.2e}")
expect(relative_error(gW, num_W) < 1e-6, "grad_Wh disagrees with the numerical gradient")
expect(relative_error(gb, num_b) < 1e-6, "grad_bh disagrees with the numerical gradient")
### BEGIN HIDDEN TESTS
import nnkit.evidence
import nnkit.grading

_c = nnkit.evidence.challenge("lab3", "test_hidden_gradients")


def _copies(values):
    return {key: np.array(value, copy=True) for key, value in values.items()}


_calls = []


def _derivative(Zh, Ah):  # records how it is called, returns the challenge's derivative
    _calls.append([np.array(Zh, dtype=float), np.array(Ah, dtype=float)])
    return _c["other"]["gprime"].copy()


_runs = []
with nnkit.grading.forbidden("nnkit.numerical_gradient", what="hidden_gradients"):
    for _case in _c["cases"]:
        _p, _cache, _delta = _copies(_case["params"]), _copies(_case["cache"]), _case["delta"].copy()
        _gW, _gb = hidden_gradients(_p, _cache, _delta)
        _runs.append({"Wh": _gW, "bh": _gb, "params": _p, "cache": _cache, "delta": _delta})
    _o = _c["other"]
    _gW, _gb = hidden_gradients(_copies(_o["params"]), _copies(_o["cache"]), _o["delta"].copy(), _derivative)
nnkit.evidence.report("lab3", "test_hidden_gradients", cases=_runs, other={"Wh": _gW, "bh": _gb},
                      derivative_calls=_calls)
### END HIDDEN TESTS

# %% [markdown]
# ## 2. A gradient checker (4 points)
#
# The central difference
#
# $$\frac{\partial f}{\partial x_i} \approx
#   \frac{f(\mathbf{x} + \varepsilon \mathbf{e}_i) - f(\mathbf{x} - \varepsilon \mathbf{e}_i)}{2\varepsilon}$$
#
# has an error of order $\varepsilon^2$, far smaller than the one-sided difference
# $(f(\mathbf{x} + \varepsilon \mathbf{e}_i) - f(\mathbf{x}))/\varepsilon$, whose error is of
# order $\varepsilon$. Write `numerical_gradient(f, x, eps)` for an array `x` of any shape:
# for each entry in turn (`np.ndindex(x.shape)` walks over the indices), shift it by
# $\pm\varepsilon$, evaluate `f`, and put it back. The result has the shape of `x`, and `x`
# must hold its original values when the function returns. How many times you evaluate `f`
# is up to you, as long as each entry gets its central difference with the `eps` given. (The
# course package has such a function, `nnkit.numerical_gradient`; you may not call it here: you
# write your own.)

# %% nbgrader={"grade": false, "grade_id": "gradient_checker", "locked": false, "schema_version": 3, "solution": true}
def numerical_gradient(f, x, eps=1e-6):
    """Central-difference gradient of the scalar function f at the float array x."""
    ### BEGIN SOLUTION
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        above = f(x)
        x[index] = original - eps
        below = f(x)
        x[index] = original
        grad[index] = (above - below) / (2.0 * eps)
    return grad
    ### END SOLUTION


# %% [markdown]
# With your checker, compare backprop with central differences for every parameter
# (given). All four relative errors should be tiny. (The tests of part 3 pass the library's
# checker instead, `numerical=nnkit.numerical_gradient`, so that each part is graded on its own.)

# %%
def gradient_check(params, X, y, activation=sigmoid, derivative=sigmoid_derivative, eps=1e-6,
                   numerical=numerical_gradient):
    """Relative error between backprop and a numerical gradient (yours), for each parameter."""
    _, cache = forward(params, X, activation)
    grads = backward(params, cache, y, derivative)
    errors = {}
    for name, value in params.items():
        def f(v, name=name):
            return loss({**params, name: v}, X, y, activation)
        errors[name] = relative_error(grads[name], numerical(f, value.copy(), eps))
    return errors


print({name: f"{err:.1e}" for name, err in gradient_check(p_tiny, X_tiny, y_tiny).items()})

# %% nbgrader={"grade": true, "grade_id": "test_numerical_gradient", "locked": true, "points": 4, "schema_version": 3, "solution": false}
x_sq = np.array([1.0, -2.0, 0.5])
g_sq = numerical_gradient(lambda v: float(np.sum(v**2)), x_sq)
expect_shape(g_sq, (3,), "numerical gradient of sum(x**2) at 3 values")
expect_close(g_sq, [2.0, -4.0, 1.0], "numerical gradient of sum(x**2)", rtol=1e-6, show_expected=True)
expect_equal(x_sq, [1.0, -2.0, 0.5], "x must hold its original values afterwards", show_expected=True)
f_tiny = lambda W: loss({**p_tiny, "Wh": W}, X_tiny, y_tiny)  # noqa: E731
mine = numerical_gradient(f_tiny, p_tiny["Wh"].copy())
library = nnkit.numerical_gradient(f_tiny, p_tiny["Wh"].copy())
expect_close(mine, library, "your numerical gradient of the network's loss, against nnkit's", rtol=1e-7, atol=1e-9)
### BEGIN HIDDEN TESTS
import nnkit.evidence
import nnkit.grading
from scipy.special import expit as _expit

_c = nnkit.evidence.challenge("lab3", "test_numerical_gradient")


def _net_loss(Wh, bh, Wo, bo, X, y):
    _z = (_expit(X @ Wh + bh) @ Wo + bo)[:, 0]
    return float(np.mean(np.logaddexp(0.0, _z) - y * _z))


_polys = []
with nnkit.grading.forbidden("nnkit.numerical_gradient", what="numerical_gradient"):
    for _case in _c["polys"]:
        _x = _case["x"].copy()
        _f = lambda v, k=_case: float(np.sum(k["a"] * v**3 + k["b"] * v**2 + k["c"] * v))  # noqa: E731
        _g = numerical_gradient(_f, _x) if _case["eps"] is None else numerical_gradient(_f, _x, eps=_case["eps"])
        _polys.append({"grad": _g, "x_after": _x})
    _i, _j = tuple(_c["product"]["i"]), tuple(_c["product"]["j"])
    _x = _c["product"]["x"].copy()
    _product = {"grad": numerical_gradient(lambda v: float(v[_i] * v[_j] ** 2), _x), "x_after": _x}
    _k = _c["sin"]["k"]
    _sin = numerical_gradient(lambda v: float(np.sin(_k * v[0])), _c["sin"]["x"].copy(), eps=_c["sin"]["eps"])
    _n = _c["net"]
    _bo = numerical_gradient(lambda b: _net_loss(_n["Wh"], _n["bh"], _n["Wo"], b, _n["X"], _n["y"]),
                             _n["bo"].copy())
    _Wh = _n["Wh"].copy()
    _gWh = numerical_gradient(lambda W: _net_loss(W, _n["bh"], _n["Wo"], _n["bo"], _n["X"], _n["y"]), _Wh)
nnkit.evidence.report("lab3", "test_numerical_gradient", polys=_polys, product=_product, sin=_sin,
                      net_bo=_bo, net_Wh=_gWh, Wh_after=_Wh)
### END HIDDEN TESTS

# %% [markdown]
# ## 3. ReLU hidden units (7 points)
#
# The rectified linear unit $\mathrm{relu}(z) = \max(0, z)$ has derivative 1 for $z > 0$ and 0
# for $z < 0$. At $z = 0$ it has no derivative; like TensorFlow, use **0** there. Write
# `relu(z)` and `relu_derivative(Zh, Ah)` (float arrays shaped like `Zh`; neither may modify
# its arguments). Nothing else changes:
# the forward pass takes `activation=relu`, and your `hidden_gradients` takes
# `derivative=relu_derivative`.

# %% nbgrader={"grade": false, "grade_id": "relu", "locked": false, "schema_version": 3, "solution": true}
def relu(z):
    """max(0, z), element-wise."""
    ### BEGIN SOLUTION
    return np.maximum(z, 0.0)
    ### END SOLUTION


def relu_derivative(Zh, Ah):
    """1.0 where Zh > 0, else 0.0 (also at Zh == 0)."""
    ### BEGIN SOLUTION
    return (Zh > 0).astype(float)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_relu", "locked": true, "points": 3, "schema_version": 3, "solution": false}
z_r = np.array([[-2.0, 0.0, 3.0], [0.5, -0.1, 0.0]])
expect_close(relu(z_r), [[0.0, 0.0, 3.0], [0.5, 0.0, 0.0]], "relu", show_expected=True)
d_r = relu_derivative(z_r, relu(z_r))
expect_shape(d_r, (2, 3), "relu_derivative of a (2, 3) batch")
expect_dtype(d_r, "float", "relu_derivative")
expect_close(d_r[0], [0.0, 0.0, 1.0], "relu_derivative at z = -2, 0, 3", show_expected=True)
### BEGIN HIDDEN TESTS
import nnkit.evidence

_c = nnkit.evidence.challenge("lab3", "test_relu")
_Z = _c["Z"].copy()
_r = relu(_Z)
_Z_relu = _Z.copy()
_d = relu_derivative(_Z, _c["A"].copy())
nnkit.evidence.report("lab3", "test_relu", relu=_r, relu_Z_after=_Z_relu, derivative=_d, Z_after=_Z,
                      relu_hand=relu(_c["Z_hand"].copy()),
                      derivative_hand=relu_derivative(_c["Z_hand"].copy(), relu(_c["Z_hand"].copy())))
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_relu_gradients", "locked": true, "points": 4, "schema_version": 3, "solution": false}
p_relu = init_params(3, 4, seed=2)
p_relu["bh"] = np.array([0.3, -0.2, 0.1, 0.4])
checks_relu = gradient_check(p_relu, X_tiny, y_tiny, activation=relu, derivative=relu_derivative,
                             numerical=nnkit.numerical_gradient)  # the library's checker
print({name: f"{err:.1e}" for name, err in checks_relu.items()})
expect(max(checks_relu.values()) < 1e-6,
       f"backprop through ReLUs disagrees with central differences: {checks_relu}")
### BEGIN HIDDEN TESTS
import nnkit.evidence

_c = nnkit.evidence.challenge("lab3", "test_relu_gradients")
_runs = []
for _case in _c["cases"]:
    _cache = {key: value.copy() for key, value in _case["cache"].items()}
    _p = {key: value.copy() for key, value in _case["params"].items()}
    _gW, _gb = hidden_gradients(_p, _cache, _case["delta"].copy(), relu_derivative)
    _runs.append({"Wh": _gW, "bh": _gb})
nnkit.evidence.report("lab3", "test_relu_gradients", cases=_runs)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Training (2 points)
#
# Full-batch gradient descent with your backprop (given), on the two moons, with 8 sigmoid
# hidden units and with 8 ReLUs, from the same initial weights.

# %%
def train(params, X, y, activation=sigmoid, derivative=sigmoid_derivative, eta=2.0, n_epochs=500):
    """Gradient descent on a copy of params; returns (trained params, loss per epoch)."""
    params = {name: value.copy() for name, value in params.items()}
    losses = []
    for _ in range(n_epochs):
        z, cache = forward(params, X, activation)
        losses.append(bce_with_logits(z, y))
        grads = backward(params, cache, y, derivative)
        for name in params:
            params[name] -= eta * grads[name]
    return params, losses


def accuracy(params, X, y, activation=sigmoid):
    z, _ = forward(params, X, activation)
    return float(np.mean((z[:, 0] >= 0).astype(int) == y))


X_moons, y_moons = make_nonlinear(n=200, kind="moons", noise=0.2, seed=0)
p0 = init_params(2, 8, seed=0)
p_sig, losses_sig = train(p0, X_moons, y_moons)
p_rel, losses_rel = train(p0, X_moons, y_moons, activation=relu, derivative=relu_derivative)
acc_sig, acc_rel = accuracy(p_sig, X_moons, y_moons), accuracy(p_rel, X_moons, y_moons, relu)
print(f"training accuracy: sigmoid {acc_sig:.3f}, ReLU {acc_rel:.3f}")

# %% nbgrader={"grade": true, "grade_id": "test_training", "locked": true, "points": 2, "schema_version": 3, "solution": false}
for name, curve in [("sigmoid", losses_sig), ("ReLU", losses_rel)]:
    expect(curve[-1] < 0.5 * curve[0],
           f"{name} network: the loss should at least halve, got {curve[0]:.3f} -> {curve[-1]:.3f}")
expect(acc_sig >= 0.9 and acc_rel >= 0.95, f"accuracy too low: sigmoid {acc_sig:.3f}, ReLU {acc_rel:.3f}")
### BEGIN HIDDEN TESTS
import nnkit.evidence
from scipy.special import expit as _expit

_c = nnkit.evidence.challenge("lab3", "test_training")
_trained = {}
for _task in ("moons", "xor"):
    _X, _y, _eta = _c[_task]["X"], _c[_task]["y"], _c[_task]["eta"]
    _trained[_task] = {}
    for _units, _act, _der in [("sigmoid", _expit, sigmoid_derivative), ("relu", relu, relu_derivative)]:
        _q = {key: value.copy() for key, value in _c[_task]["params"].items()}
        for _ in range(_c[_task]["epochs"]):  # as train() does it
            _Zh = _X @ _q["Wh"] + _q["bh"]
            _Ah = _act(_Zh)
            _z = _Ah @ _q["Wo"] + _q["bo"]
            _delta = (_expit(_z) - _y[:, None]) / len(_y)
            _grads = {"Wo": _Ah.T @ _delta, "bo": _delta.sum(axis=0)}
            _grads["Wh"], _grads["bh"] = hidden_gradients(_q, {"X": _X, "Zh": _Zh, "Ah": _Ah, "z": _z}, _delta, _der)
            for _key in _q:
                _q[_key] -= _eta * _grads[_key]
        _trained[_task][_units] = _q
nnkit.evidence.report("lab3", "test_training", moons=_trained["moons"], xor=_trained["xor"])
### END HIDDEN TESTS

# %%
fig, axes = plt.subplots(1, 3, figsize=(14, 3.5))
plot_curves({"sigmoid": losses_sig, "ReLU": losses_rel}, ylabel="cross-entropy", ax=axes[0])
for ax, params, act, name in [(axes[1], p_sig, sigmoid, "sigmoid"), (axes[2], p_rel, relu, "ReLU")]:
    def predict(X, params=params, act=act):
        return (forward(params, X, act)[0][:, 0] >= 0).astype(int)
    plot_decision_regions(X_moons, y_moons, predict, ax=ax)
    ax.set_title(f"8 {name} hidden units")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Reflect (not graded)
# - Why does $\partial L / \partial \mathbf{b}_h$ need a sum over the batch, while
#   $\partial L / \partial W_h$ gets its sum from the matrix product?
# - The gradient check uses $\varepsilon = 10^{-6}$. What goes wrong with $\varepsilon = 10^{-12}$?
#   And with $\varepsilon = 10^{-1}$?
# - A ReLU whose pre-activation is negative for every example gets no gradient at all. What
#   happens to it during training?
