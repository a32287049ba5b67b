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
import nnkit.grading

_rng = np.random.default_rng(301)
_Z = _rng.normal(0.0, 4.0, size=(6, 5))
_A = 1.0 / (1.0 + np.exp(-_Z))
_Z0, _A0 = _Z.copy(), _A.copy()
nnkit.grading.expect_close(sigmoid_derivative(_Z, _A), np.exp(-_Z0) / (1.0 + np.exp(-_Z0)) ** 2,
                           "sigmoid_derivative", rtol=1e-9)
nnkit.grading.expect_equal(_Z, _Z0, "sigmoid_derivative must not modify Zh")
nnkit.grading.expect_equal(_A, _A0, "sigmoid_derivative must not modify Ah")
nnkit.grading.expect_close(sigmoid_derivative(np.array([[40.0, -40.0]]), np.array([[1.0, 0.0]])),
                           [[0.0, 0.0]], "sigmoid_derivative where the sigmoid saturates", atol=1e-15)
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
import nnkit.grading


def _ref_net(n, d, h, seed):
    r = np.random.default_rng(seed)
    p = {"Wh": r.normal(size=(d, h)), "bh": r.normal(size=h), "Wo": r.normal(size=(h, 1)),
         "bo": r.normal(size=1)}
    return p, r.normal(size=(n, d)) * 1.5, (r.random(n) > 0.5).astype(int)


def _ref_loss(p, X, y):
    A = 1.0 / (1.0 + np.exp(-(X @ p["Wh"] + p["bh"])))
    z = (A @ p["Wo"] + p["bo"])[:, 0]
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def _ref_central(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        g[i] = (f(xp) - f(xm)) / (2 * eps)
    return g


def _checks():
    for _n, _d, _h, _seed in [(9, 2, 5, 11), (1, 3, 2, 12), (4, 1, 3, 13)]:
        _p, _X, _y = _ref_net(_n, _d, _h, _seed)
        _Zh = _X @ _p["Wh"] + _p["bh"]
        _Ah = 1.0 / (1.0 + np.exp(-_Zh))
        _z = _Ah @ _p["Wo"] + _p["bo"]
        _cache = {"X": _X, "Zh": _Zh, "Ah": _Ah, "z": _z}
        _delta = (1.0 / (1.0 + np.exp(-_z)) - _y[:, None]) / _n
        _saved = {k: v.copy() for k, v in [*_p.items(), *_cache.items(), ("delta", _delta)]}
        _gW, _gb = hidden_gradients(_p, _cache, _delta)
        for _k, _v in [*_p.items(), *_cache.items(), ("delta", _delta)]:
            nnkit.grading.expect_equal(_v, _saved[_k], f"hidden_gradients must not modify {_k}")
        _nW = _ref_central(lambda W: _ref_loss({**_p, "Wh": W}, _X, _y), _p["Wh"])
        _nb = _ref_central(lambda b: _ref_loss({**_p, "bh": b}, _X, _y), _p["bh"])
        nnkit.grading.expect_close(_gW, _nW, f"grad_Wh (n={_n}, d={_d}, H={_h})", rtol=1e-5, atol=1e-8)
        nnkit.grading.expect_close(_gb, _nb, f"grad_bh (n={_n}, d={_d}, H={_h})", rtol=1e-5, atol=1e-8)
    # the derivative passed in is the one used
    _p, _X, _y = _ref_net(6, 3, 4, 14)
    _Zh = _X @ _p["Wh"] + _p["bh"]
    _Ah = np.tanh(_Zh)
    _z = _Ah @ _p["Wo"] + _p["bo"]
    _delta = (1.0 / (1.0 + np.exp(-_z)) - _y[:, None]) / 6
    _dh = (_delta @ _p["Wo"].T) * (1.0 - _Ah**2)
    _gW, _gb = hidden_gradients(_p, {"X": _X, "Zh": _Zh, "Ah": _Ah, "z": _z}, _delta,
                                lambda Z, A: 1.0 - A**2)
    nnkit.grading.expect_close(_gW, _X.T @ _dh, "grad_Wh with another activation's derivative", rtol=1e-9)
    nnkit.grading.expect_close(_gb, _dh.sum(axis=0), "grad_bh with another activation's derivative", rtol=1e-9)


with nnkit.grading.forbidden("nnkit.numerical_gradient", what="hidden_gradients"):
    _checks()
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
import nnkit.grading


def _checks():
    _rng = np.random.default_rng(302)
    for _shape in [(3, 4), (2, 3, 2), (1,)]:
        _x = _rng.normal(size=_shape)
        _x0 = _x.copy()
        _g = numerical_gradient(lambda v: float(np.sum(v**3)), _x, eps=1e-3)
        nnkit.grading.expect_shape(_g, _shape, f"numerical gradient of a {_shape} array")
        nnkit.grading.expect_close(_g, 3.0 * _x0**2 + 1e-6, f"central differences of sum(x**3), eps=1e-3, shape {_shape}",
                                   rtol=1e-9, atol=1e-12)
        nnkit.grading.expect_equal(_x, _x0, "x must hold its original values afterwards")
    _x = np.array([[0.5, -1.0], [2.0, 0.25]])
    _g = numerical_gradient(lambda v: float(v[0, 1] * v[1, 0] ** 2), _x.copy())
    nnkit.grading.expect_close(_g, [[0.0, 4.0], [-4.0, 0.0]], "gradient of x01 * x10**2 (each entry its own)",
                               rtol=1e-6, atol=1e-8)
    _w = np.array([0.3])
    _gs = numerical_gradient(lambda v: float(np.sin(5.0 * v[0])), _w, eps=1e-4)
    nnkit.grading.expect_close(_gs, [5.0 * np.cos(1.5)], "derivative of sin(5x)", rtol=1e-6)
    _p = {"Wh": _rng.normal(size=(2, 3)), "bh": _rng.normal(size=3), "Wo": _rng.normal(size=(3, 1)),
          "bo": _rng.normal(size=1)}
    _X, _y = _rng.normal(size=(7, 2)), np.array([1, 0, 0, 1, 1, 0, 1])

    def _ref_loss_bo(b):
        A = 1.0 / (1.0 + np.exp(-(_X @ _p["Wh"] + _p["bh"])))
        z = (A @ _p["Wo"] + b)[:, 0]
        return float(np.mean(np.logaddexp(0.0, z) - _y * z))

    _gb = numerical_gradient(_ref_loss_bo, _p["bo"].copy())
    _A = 1.0 / (1.0 + np.exp(-(_X @ _p["Wh"] + _p["bh"])))
    _zz = (_A @ _p["Wo"] + _p["bo"])[:, 0]
    nnkit.grading.expect_close(_gb, [np.mean(1.0 / (1.0 + np.exp(-_zz)) - _y)], "gradient of the loss in bo",
                               rtol=1e-6)


with nnkit.grading.forbidden("nnkit.numerical_gradient", what="numerical_gradient"):
    _checks()
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
import nnkit.grading

_rng = np.random.default_rng(303)
_Z = _rng.normal(size=(5, 6)) * 3.0
_Z[1, 2] = _Z[3, 0] = 0.0
_Z[4] = -0.0
_Z0 = _Z.copy()
nnkit.grading.expect_close(relu(_Z), np.where(_Z0 > 0, _Z0, 0.0), "relu", atol=0.0)
nnkit.grading.expect_equal(_Z, _Z0, "relu must not modify z")
nnkit.grading.expect_dtype(relu(_Z), "float", "relu")
_dR = relu_derivative(_Z, np.where(_Z > 0, _Z, 0.0))
nnkit.grading.expect_dtype(_dR, "float", "relu_derivative")
nnkit.grading.expect_equal(_dR, (_Z > 0).astype(float), "relu_derivative (0 at z = 0)")
nnkit.grading.expect_equal(_Z, _Z0, "relu_derivative must not modify Zh")
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
import nnkit.grading

_rng = np.random.default_rng(304)
for _n, _d, _h in [(8, 3, 5), (1, 2, 4)]:
    _p = {"Wh": _rng.normal(size=(_d, _h)), "bh": _rng.normal(size=_h), "Wo": _rng.normal(size=(_h, 1)),
          "bo": _rng.normal(size=1)}
    _p["bh"][0] = 0.0
    _X = _rng.normal(size=(_n, _d))
    _X[0] = 0.0  # the first example has Zh = bh, so its first hidden unit sits exactly at 0
    _y = (_rng.random(_n) > 0.5).astype(int)
    _Zh = _X @ _p["Wh"] + _p["bh"]
    _Ah = np.maximum(_Zh, 0.0)
    _z = _Ah @ _p["Wo"] + _p["bo"]
    _delta = (1.0 / (1.0 + np.exp(-_z)) - _y[:, None]) / _n
    _dh = (_delta @ _p["Wo"].T) * (_Zh > 0)
    _gW, _gb = hidden_gradients(_p, {"X": _X, "Zh": _Zh, "Ah": _Ah, "z": _z}, _delta, relu_derivative)
    nnkit.grading.expect_close(_gW, _X.T @ _dh, f"grad_Wh through ReLUs (n={_n})", rtol=1e-9, atol=1e-15)
    nnkit.grading.expect_close(_gb, _dh.sum(axis=0), f"grad_bh through ReLUs (n={_n})", rtol=1e-9,
                               atol=1e-15)
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
import nnkit.grading
from coursedata.toy import make_nonlinear as _make

_Xc, _yc = _make(n=160, kind="xor", noise=0.1, seed=5)
_r = np.random.default_rng(5)
_p = {"Wh": _r.normal(0.0, 0.7, size=(2, 8)), "bh": np.zeros(8), "Wo": _r.normal(0.0, 0.35, size=(8, 1)),
      "bo": np.zeros(1)}
for _act, _der in [(sigmoid, sigmoid_derivative), (relu, relu_derivative)]:
    _q = {k: v.copy() for k, v in _p.items()}
    _first = None
    for _ in range(400):
        _Zh = _Xc @ _q["Wh"] + _q["bh"]
        _Ah = _act(_Zh)
        _z = _Ah @ _q["Wo"] + _q["bo"]
        _l = float(np.mean(np.logaddexp(0.0, _z[:, 0]) - _yc * _z[:, 0]))
        _first = _l if _first is None else _first
        _delta = (1.0 / (1.0 + np.exp(-_z)) - _yc[:, None]) / len(_yc)
        _gW, _gb = hidden_gradients(_q, {"X": _Xc, "Zh": _Zh, "Ah": _Ah, "z": _z}, _delta, _der)
        _q["Wo"] = _q["Wo"] - 2.0 * _Ah.T @ _delta
        _q["bo"] = _q["bo"] - 2.0 * _delta.sum(axis=0)
        _q["Wh"], _q["bh"] = _q["Wh"] - 2.0 * _gW, _q["bh"] - 2.0 * _gb
    _acc = float(np.mean(((_act(_Xc @ _q["Wh"] + _q["bh"]) @ _q["Wo"] + _q["bo"])[:, 0] >= 0) == _yc))
    nnkit.grading.expect(_l < 0.5 * _first and _acc >= 0.9, f"training on XOR: loss {_first:.3f} -> {_l:.3f}, "
                         f"accuracy {_acc:.3f}")
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
