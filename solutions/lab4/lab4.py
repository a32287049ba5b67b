# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lab 4 — A multi-layer perceptron from scratch
#
# You will build a two-layer perceptron in numpy, one vectorised piece at a time: softmax
# and cross-entropy, Glorot initialisation, the forward pass, backpropagation, the update
# rule of stochastic gradient descent with momentum and L2, and mini-batches. You will
# train it on the 8×8 handwritten digits, then build the very same network in Keras and
# compare the two.
#
# **Learning goals**
# 1. Write a numerically stable softmax and the cross-entropy loss for integer labels.
# 2. Initialise weights the Glorot way and check the statistics of what you drew.
# 3. Vectorise the forward and backward passes over a batch, and verify the gradients
#    against central differences.
# 4. Write mini-batch SGD with momentum and L2 regularisation, reshuffling every epoch.
# 5. Express the same model in Keras, and see that one Keras step equals one of yours.
#
# **Points:** 30, all autograded (softmax 3, cross-entropy 2, initialisation 3, forward 3,
# backward 4, update rule 3, mini-batches 3, training 3, accuracy on digits 2, Keras model 3,
# Keras accuracy 1).
#
# **Hand in:** this notebook, `lab4.ipynb`, with every `YOUR CODE HERE` replaced. Do not rename
# it and do not delete or copy cells: the grader finds your answers by the cells' ids.
# Run *Kernel → Restart & Run All* before you hand in, and check that the visible tests pass.
#
# **Conventions used throughout** (the tests rely on them, and they follow lectures 4 and 5):
# - a batch is a matrix with **one example per row**; labels are integers $0, \dots, K-1$;
# - the parameters live in a dict with keys `"W1"` (shape `(n_in, n_hidden)`), `"b1"`
#   (`(n_hidden,)`), `"W2"` (`(n_hidden, K)`) and `"b2"` (`(K,)`), all float arrays
#   (numpy's default `float64`);
# - the network computes $Z_2 = X W_1 + \mathbf b_1$, $A_2 = \phi(Z_2)$,
#   $Z_3 = A_2 W_2 + \mathbf b_2$ and $P = \operatorname{softmax}(Z_3)$;
# - random numbers come from a `numpy.random.Generator` passed in as `rng`, in the order
#   stated in each docstring;
# - parts 1–7 are **your own numpy code**: no scikit-learn, Keras or TensorFlow, none of the
#   course's `nnkit` helpers, and no scipy beyond the sigmoid `expit` of part 3. In particular
#   `softmax` is not `scipy.special.softmax`, and `backward` applies the formulas of part 4
#   (exactly, up to rounding), not finite differences or automatic differentiation. The hidden
#   tests check this.
#
# **Keras backends** (part 8): Keras runs on TensorFlow, JAX or PyTorch (`KERAS_BACKEND`), and the
# grader may use any of them: build models from `keras.layers`, compute with `keras.ops`, and
# turn what a Keras function or model call returns into numpy with
# `keras.ops.convert_to_numpy` before you use numpy on it (`model.predict` already returns
# numpy).

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
import logging
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
from scipy.special import expit
from sklearn.metrics import confusion_matrix
from sklearn.model_selection import train_test_split

import nnkit.grading
from coursedata.toy import load_digits
from nnkit import numerical_gradient, relative_error, seed_everything
from nnkit.grading import expect, expect_close, expect_dtype, expect_equal, expect_shape
from nnkit.plots import plot_confusion_matrix, plot_curves

logging.getLogger("tensorflow").setLevel(logging.ERROR)  # no retracing notices on stderr
seed_everything(0)

# %% [markdown]
# The data: 1797 grey-level images of handwritten digits, 8×8 pixels flattened into 64
# features with values 0 to 16. We scale the pixels to $[0, 1]$ (a fixed scale, so no
# statistics of the test set leak into training) and keep a stratified quarter for testing.

# %%
X, y = load_digits()
X = X / 16.0
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0,
                                                    stratify=y)
print(X_train.shape, X_test.shape, np.bincount(y_train))

# %% [markdown]
# ## 1. Softmax and cross-entropy (5 points)
#
# The output layer turns the $K$ net inputs of each example, one row $\mathbf z$ of $Z_3$,
# into probabilities:
#
# $$\operatorname{softmax}(\mathbf z)_k = \frac{e^{z_k}}{\sum_{j=1}^{K} e^{z_j}} .$$
#
# For $z_k = 1000$, $e^{z_k}$ overflows to `inf` and the ratio becomes `nan`. Since
# $\operatorname{softmax}(\mathbf z - c) = \operatorname{softmax}(\mathbf z)$ for any
# constant $c$, subtract each row's largest entry first: every exponent is then at most 0.
#
# The loss is the mean cross-entropy of the probabilities given to the true classes,
#
# $$L = -\frac{1}{n}\sum_{i=1}^{n} \log P_{i,\,y_i} = -\frac{1}{n}\sum_{i=1}^{n}\sum_{k=1}^{K}
# Y_{ik}\log P_{ik},$$
#
# where $Y$ is the **one-hot** matrix of the labels ($Y_{ik} = 1$ if $y_i = k$, else 0).
# Clip the probabilities of the true classes to $[10^{-12}, 1]$ before taking the log, so
# that a hopelessly wrong prediction costs a large but finite loss.

# %% nbgrader={"grade": false, "grade_id": "softmax_ce", "locked": false, "schema_version": 3, "solution": true}
def one_hot(y, n_classes):
    """The (n, n_classes) float matrix with a single 1 per row, in column y[i] of row i."""
    ### BEGIN SOLUTION
    y = np.asarray(y)
    Y = np.zeros((len(y), n_classes))
    Y[np.arange(len(y)), y] = 1.0
    return Y
    ### END SOLUTION


def softmax(Z):
    """Row-wise softmax of the (n, K) net inputs Z, stable for large |Z|: shape (n, K)."""
    ### BEGIN SOLUTION
    Z = np.asarray(Z, dtype=float)
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)
    ### END SOLUTION


def cross_entropy(P, y):
    """Mean cross-entropy (a float) of the (n, K) probabilities P for the (n,) integer labels y."""
    ### BEGIN SOLUTION
    y = np.asarray(y)
    p_true = np.clip(P[np.arange(len(y)), y], 1e-12, 1.0)
    return float(-np.mean(np.log(p_true)))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_softmax", "locked": true, "points": 3, "schema_version": 3, "solution": false}
P = softmax(np.array([[0.0, np.log(3.0)], [2.0, 2.0]]))
expect_close(P, [[0.25, 0.75], [0.5, 0.5]], "softmax([[0, ln 3], [2, 2]])", show_expected=True)
expect_close(P.sum(axis=1), [1.0, 1.0], "each row of a softmax must sum to 1")
P_big = softmax(np.array([[1000.0, 0.0, -1000.0]]))
expect_close(P_big, [[1.0, 0.0, 0.0]], "softmax([[1000, 0, -1000]]) (stable for large logits)",
             show_expected=True)
### BEGIN HIDDEN TESTS
import nnkit.evidence
import nnkit.grading

_c = nnkit.evidence.challenge("lab4", "test_softmax")
nnkit.evidence.report("lab4", "test_softmax",
                      visible=softmax(_c["visible"]), big=softmax(_c["big"]), P=softmax(_c["Z"]),
                      shifted=softmax(_c["shifted"]), one=softmax(_c["one"]),
                      single=softmax(_c["single"]), integer=softmax(_c["integer"]),
                      uses=nnkit.grading.library_uses(
                          softmax, ("scipy", "sklearn", "keras", "tensorflow", "torch", "jax", "nnkit")))
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_cross_entropy", "locked": true, "points": 2, "schema_version": 3, "solution": false}
Y = one_hot(np.array([2, 0]), 3)
expect_dtype(Y, "float", "one_hot")
expect_close(Y, [[0, 0, 1], [1, 0, 0]], "one_hot([2, 0], 3)", show_expected=True)
ce = cross_entropy(np.array([[0.25, 0.75], [0.5, 0.5]]), np.array([1, 0]))
expect(np.ndim(ce) == 0, f"cross_entropy must return one number, got shape {np.shape(ce)}")
expect_close(ce, -(np.log(0.75) + np.log(0.5)) / 2, "cross_entropy of a hand-worked example")
### BEGIN HIDDEN TESTS
import nnkit.evidence
import nnkit.grading

_c = nnkit.evidence.challenge("lab4", "test_cross_entropy")
nnkit.evidence.report("lab4", "test_cross_entropy",
                      Y_visible=one_hot(_c["y_visible"], 3),
                      ce_visible=cross_entropy(_c["P_visible"], _c["y_visible_ce"]),
                      ce=cross_entropy(_c["P"], _c["y"]), Y=one_hot(_c["y"], _c["K"]),
                      ce_clip=cross_entropy(_c["P0"], _c["y0"]),
                      Y_absent=one_hot(_c["y_absent"], _c["K_absent"]),
                      ce_one=cross_entropy(_c["P"][:1], _c["y"][:1]),
                      uses={_f.__name__: nnkit.grading.library_uses(
                          _f, ("scipy", "sklearn", "keras", "tensorflow", "torch", "jax", "nnkit"))
                          for _f in (one_hot, cross_entropy)})
### END HIDDEN TESTS

# %% [markdown]
# ## 2. Glorot initialisation (3 points)
#
# If the weights start too small, the signal shrinks from layer to layer; too large, and
# sigmoid units saturate. Glorot and Bengio keep the variance of the activations (forward)
# and of the gradients (backward) roughly constant by drawing each weight of a layer with
# $n_\text{in}$ inputs and $n_\text{out}$ outputs from
#
# $$W_{jk} \sim \mathcal U(-r, r), \qquad r = \sqrt{\frac{6}{n_\text{in} + n_\text{out}}},
# \qquad \text{so that} \quad
# \operatorname{Var}(W_{jk}) = \frac{r^2}{3} = \frac{2}{n_\text{in} + n_\text{out}} .$$
#
# Draw the matrix with one call, `rng.uniform(-r, r, size=(n_in, n_out))`. The biases start
# at zero.

# %% nbgrader={"grade": false, "grade_id": "init", "locked": false, "schema_version": 3, "solution": true}
def glorot_uniform(n_in, n_out, rng):
    """An (n_in, n_out) matrix drawn from U(-r, r) with Glorot's r, using rng.uniform once."""
    ### BEGIN SOLUTION
    limit = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-limit, limit, size=(n_in, n_out))
    ### END SOLUTION


def init_params(n_in, n_hidden, n_out, rng):
    """The parameter dict: W1 then W2 drawn (in that order) by glorot_uniform, zero biases."""
    ### BEGIN SOLUTION
    W1 = glorot_uniform(n_in, n_hidden, rng)
    W2 = glorot_uniform(n_hidden, n_out, rng)
    return {"W1": W1, "b1": np.zeros(n_hidden), "W2": W2, "b2": np.zeros(n_out)}
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_glorot", "locked": true, "points": 3, "schema_version": 3, "solution": false}
W = glorot_uniform(300, 500, np.random.default_rng(0))
expect_shape(W, (300, 500), "glorot_uniform(300, 500, rng)")
r = np.sqrt(6.0 / 800)
largest = np.abs(W).max()
expect(largest <= r, f"every weight must lie in [-r, r] with r = {r:.4f}; got max |w| = {largest:.4f}")
expect(largest > 0.99 * r, f"the weights should fill [-r, r] (r = {r:.4f}); got max |w| = {largest:.4f}")
expect(abs(W.var() / (2.0 / 800) - 1.0) < 0.02,
       f"the variance should be 2 / (n_in + n_out) = {2 / 800:.5f}; got {W.var():.5f}")
expect(abs(W.mean()) < 0.002, f"the weights should be centred on 0; got mean {W.mean():.4f}")
params = init_params(64, 30, 10, np.random.default_rng(1))
for key, shape in [("W1", (64, 30)), ("b1", (30,)), ("W2", (30, 10)), ("b2", (10,))]:
    expect_shape(params[key], shape, f"init_params(64, 30, 10, rng)[{key!r}]")
expect_close(params["b1"], np.zeros(30), "b1 starts at zero")
### BEGIN HIDDEN TESTS
import nnkit.evidence

_c = nnkit.evidence.challenge("lab4", "test_glorot")
_W = np.asarray(glorot_uniform(_c["big"][0], _c["big"][1], np.random.default_rng(_c["big"][2])))
_inits = [init_params(_n_in, _n_hidden, _n_out, np.random.default_rng(_seed))
          for _n_in, _n_hidden, _n_out, _seed in _c["inits"]]
nnkit.evidence.report("lab4", "test_glorot",
                      big_shape=_W.shape, big_rows=_W[_c["rows"]],
                      big_stats=[np.abs(_W).max(), _W.var(), _W.mean()],
                      cases=[glorot_uniform(_n_in, _n_out, np.random.default_rng(_seed))
                             for _n_in, _n_out, _seed in _c["cases"]],
                      inits=[dict(_p) for _p in _inits], init_keys=[sorted(_p) for _p in _inits])
### END HIDDEN TESTS

# %% [markdown]
# ## 3. The forward pass (3 points)
#
# The hidden activation $\phi$ is the sigmoid or the ReLU, given below (`expit` is scipy's
# sigmoid, which does not overflow). `forward` returns the output probabilities $P$ and a
# `cache` dict with the hidden net inputs $Z_2$ (key `"Z2"`) and activations $A_2$
# (key `"A2"`), which the backward pass needs. `predict` returns the most probable class
# of each row as integers.

# %%
ACTIVATIONS = {"sigmoid": expit, "relu": lambda z: np.maximum(z, 0.0)}


# %% nbgrader={"grade": false, "grade_id": "forward", "locked": false, "schema_version": 3, "solution": true}
def forward(params, X, activation="sigmoid"):
    """(P, cache) for the batch X: P (n, K) probabilities, cache {"Z2": ..., "A2": ...}."""
    ### BEGIN SOLUTION
    Z2 = X @ params["W1"] + params["b1"]
    A2 = ACTIVATIONS[activation](Z2)
    Z3 = A2 @ params["W2"] + params["b2"]
    return softmax(Z3), {"Z2": Z2, "A2": A2}
    ### END SOLUTION


def predict(params, X, activation="sigmoid"):
    """The most probable class of each row of X, an (n,) integer array."""
    ### BEGIN SOLUTION
    P, _ = forward(params, X, activation)
    return np.argmax(P, axis=1)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_forward", "locked": true, "points": 3, "schema_version": 3, "solution": false}
toy = {"W1": np.array([[1.0, -1.0]]), "b1": np.array([0.0, 1.0]),
       "W2": np.array([[2.0, 0.0], [0.0, 1.0]]), "b2": np.array([0.0, 0.5])}
P, cache = forward(toy, np.array([[2.0], [-1.0]]), activation="relu")
expect_close(cache["Z2"], [[2.0, -1.0], [-1.0, 2.0]], "cache['Z2'] for the toy network", show_expected=True)
expect_close(cache["A2"], [[2.0, 0.0], [0.0, 2.0]], "cache['A2'] with ReLU", show_expected=True)
expect_close(P, softmax(np.array([[4.0, 0.5], [0.0, 2.5]])), "P for the toy network")
labels = predict(toy, np.array([[2.0], [-1.0]]), activation="relu")
expect_dtype(labels, "int", "predict")
expect_equal(labels, [0, 1], "predict for the toy network", show_expected=True)
### BEGIN HIDDEN TESTS
import nnkit.evidence

_c = nnkit.evidence.challenge("lab4", "test_forward")
_p, _X = _c["params"], _c["X"]
_runs = {}
for _act, _net, _Xr in [("toy", _c["toy"], _c["toy_X"]), ("sigmoid", _p, _X), ("relu", _p, _X)]:
    _a = "relu" if _act == "toy" else _act
    _P, _cache = forward(_net, _Xr, activation=_a)
    _runs[_act] = {"P": _P, "Z2": _cache["Z2"], "A2": _cache["A2"],
                   "predict": predict(_net, _Xr, activation=_a)}
nnkit.evidence.report("lab4", "test_forward", toy=_runs.pop("toy"), runs=_runs,
                      one_P=forward(_p, _X[:1])[0], one_predict=predict(_p, _X[:1]),
                      default_predict=predict(_p, _X))
### END HIDDEN TESTS

# %% [markdown]
# ## 4. The backward pass (4 points)
#
# Write $V_2 = \partial L / \partial Z_3$ and $V_1 = \partial L / \partial Z_2$ for the
# deltas of the net inputs, as in lecture 5. With the *mean* cross-entropy over the $n$
# examples of the batch, and $Y$ the one-hot labels:
#
# $$V_2 = \frac{1}{n}(P - Y), \qquad
# \frac{\partial L}{\partial W_2} = A_2^\top V_2, \qquad
# \frac{\partial L}{\partial \mathbf b_2} = \mathbf 1^\top V_2 \ \text{(column sums)},$$
#
# $$V_1 = \bigl(V_2 W_2^\top\bigr) \odot \phi'(Z_2), \qquad
# \frac{\partial L}{\partial W_1} = X^\top V_1, \qquad
# \frac{\partial L}{\partial \mathbf b_1} = \mathbf 1^\top V_1 .$$
#
# For the sigmoid, $\phi'(Z_2) = A_2 \odot (1 - A_2)$, written with the *activations*;
# for the ReLU, $\phi'(Z_2)$ is 1 where $Z_2 > 0$ and 0 elsewhere. `backward` returns a dict
# of gradients with the same keys and shapes as the parameters. The visible test compares
# them with central differences (`nnkit.numerical_gradient`).

# %% nbgrader={"grade": false, "grade_id": "backward", "locked": false, "schema_version": 3, "solution": true}
def backward(params, X, y, P, cache, activation="sigmoid"):
    """Gradients of the mean cross-entropy: a dict with keys W1, b1, W2, b2."""
    ### BEGIN SOLUTION
    n, k = P.shape
    V2 = (P - one_hot(y, k)) / n
    V1 = V2 @ params["W2"].T
    if activation == "sigmoid":
        V1 = V1 * cache["A2"] * (1.0 - cache["A2"])
    else:
        V1 = V1 * (cache["Z2"] > 0)
    return {"W1": X.T @ V1, "b1": V1.sum(axis=0),
            "W2": cache["A2"].T @ V2, "b2": V2.sum(axis=0)}
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_backward", "locked": true, "points": 4, "schema_version": 3, "solution": false}
rng = np.random.default_rng(3)
params = init_params(4, 5, 3, rng)
params["b1"], params["b2"] = rng.normal(size=5), rng.normal(size=3)
Xs, ys = rng.normal(size=(6, 4)), np.array([0, 2, 1, 2, 2, 0])


def batch_loss(_):
    return cross_entropy(forward(params, Xs)[0], ys)


P, cache = forward(params, Xs)
grads = backward(params, Xs, ys, P, cache)
for key in ["W1", "b1", "W2", "b2"]:
    expect_shape(grads[key], params[key].shape, f"gradient of {key}")
    err = relative_error(grads[key], numerical_gradient(batch_loss, params[key]))
    expect(err < 1e-6, f"gradient of {key}: relative error {err:.2e} against central differences")
### BEGIN HIDDEN TESTS
import nnkit.evidence
import nnkit.grading

_c = nnkit.evidence.challenge("lab4", "test_backward")
_grads = []
for _case in _c["cases"]:
    _kw = {} if _case["activation"] is None else {"activation": _case["activation"]}
    _P, _cache = forward(_case["params"], _case["X"], **_kw)
    _g = backward(_case["params"], _case["X"], _case["y"], _P, _cache, **_kw)
    _grads.append({_key: _g[_key] for _key in ["W1", "b1", "W2", "b2"]})
nnkit.evidence.report("lab4", "test_backward", grads=_grads,
                      uses=nnkit.grading.library_uses(backward, ("nnkit", "keras", "tensorflow", "torch", "jax")))
### END HIDDEN TESTS

# %% [markdown]
# ## 5. The update rule: momentum and L2 (3 points)
#
# Plain SGD steps along $-\eta\,\mathbf g$. **Momentum** keeps a velocity $\mathbf v$ per
# parameter (starting at zero) that accumulates past steps, which damps the zig-zag across
# narrow valleys and speeds up along consistent directions. **L2 regularisation** adds
# $\frac{\lambda}{2}\big(\lVert W_1\rVert^2 + \lVert W_2\rVert^2\big)$ to the loss, whose
# gradient is $\lambda W$; by convention the biases are *not* regularised. For each
# parameter $\theta$ with gradient $\mathbf g$:
#
# $$\mathbf v \leftarrow \mu\,\mathbf v - \eta\,(\mathbf g + \lambda\,\theta)
# \quad\text{(weights)}, \qquad
# \mathbf v \leftarrow \mu\,\mathbf v - \eta\,\mathbf g \quad\text{(biases)}, \qquad
# \theta \leftarrow \theta + \mathbf v .$$
#
# `momentum_step` updates the dicts `params` and `velocity` (same keys) and returns nothing.

# %% nbgrader={"grade": false, "grade_id": "update", "locked": false, "schema_version": 3, "solution": true}
def momentum_step(params, grads, velocity, eta, momentum, l2):
    """One step of SGD with momentum and L2 on W1 and W2; updates params and velocity."""
    ### BEGIN SOLUTION
    for key in params:
        g = grads[key] + (l2 * params[key] if key.startswith("W") else 0.0)
        velocity[key] = momentum * velocity[key] - eta * g
        params[key] = params[key] + velocity[key]
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_update", "locked": true, "points": 3, "schema_version": 3, "solution": false}
p = {"W1": np.array([[1.0]]), "b1": np.array([1.0]), "W2": np.array([[2.0]]), "b2": np.array([-1.0])}
g = {"W1": np.array([[0.5]]), "b1": np.array([0.5]), "W2": np.array([[0.0]]), "b2": np.array([1.0])}
v = {key: np.zeros_like(value) for key, value in p.items()}
momentum_step(p, g, v, eta=0.1, momentum=0.9, l2=0.0)
expect_close(v["W1"], [[-0.05]], "velocity of W1 after one step from rest (no L2)", show_expected=True)
expect_close(p["W1"], [[0.95]], "W1 after one step (no L2)", show_expected=True)
momentum_step(p, g, v, eta=0.1, momentum=0.9, l2=0.0)
expect_close(p["W1"], [[0.855]], "W1 after a second step: the velocity carries over", show_expected=True)
### BEGIN HIDDEN TESTS
import nnkit.evidence

_c = nnkit.evidence.challenge("lab4", "test_update")
_vis = []
_p = {_k: np.array(_a, dtype=float) for _k, _a in _c["visible"]["p"].items()}
_g = {_k: np.array(_a, dtype=float) for _k, _a in _c["visible"]["g"].items()}
_v = {_k: np.zeros_like(_a) for _k, _a in _p.items()}
for _step in range(2):
    momentum_step(_p, _g, _v, eta=0.1, momentum=0.9, l2=0.0)
    _vis.append({"p": {_k: np.array(_a) for _k, _a in _p.items()},
                 "v": {_k: np.array(_a) for _k, _a in _v.items()}})
_steps = []
_p = {_k: np.array(_a) for _k, _a in _c["p"].items()}
_v = {_k: np.array(_a) for _k, _a in _c["v"].items()}
for _g in _c["grads"]:
    momentum_step(_p, _g, _v, eta=_c["eta"], momentum=_c["momentum"], l2=_c["l2"])
    _steps.append({"p": {_k: np.array(_a) for _k, _a in _p.items()},
                   "v": {_k: np.array(_a) for _k, _a in _v.items()}})
_p = {"W1": np.ones((2, 2)), "b1": np.ones(2), "W2": np.ones((2, 1)), "b2": np.ones(1)}
_g = {_k: np.full(_a.shape, 2.0) for _k, _a in _p.items()}
_v = {_k: np.zeros(_a.shape) for _k, _a in _p.items()}
_returned = momentum_step(_p, _g, _v, eta=0.5, momentum=0.0, l2=1.0)
nnkit.evidence.report("lab4", "test_update", visible=_vis, steps=_steps, returned=_returned, plain=_p)
### END HIDDEN TESTS

# %% [markdown]
# ## 6. Mini-batches (3 points)
#
# One epoch visits every training example exactly once, in batches of `batch_size`; when
# `batch_size` does not divide $n$, the last batch is smaller (it must not be dropped). The
# order is drawn afresh for every epoch, so that the batches differ from epoch to epoch:
# `minibatches` draws one permutation with `rng.permutation(n)` and cuts it into
# consecutive pieces.

# %% nbgrader={"grade": false, "grade_id": "minibatches", "locked": false, "schema_version": 3, "solution": true}
def minibatches(n, batch_size, rng):
    """A new random order of range(n), cut into a list of integer index arrays of batch_size."""
    ### BEGIN SOLUTION
    order = rng.permutation(n)
    return [order[start:start + batch_size] for start in range(0, n, batch_size)]
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_minibatches", "locked": true, "points": 3, "schema_version": 3, "solution": false}
rng = np.random.default_rng(0)
batches = minibatches(10, 4, rng)
expect_equal([len(b) for b in batches], [4, 4, 2], "batch sizes for n=10, batch_size=4", show_expected=True)
expect_equal(np.sort(np.concatenate(batches)), np.arange(10), "every index exactly once per epoch")
expect_dtype(batches[0], "int", "a batch of indices")
again = minibatches(10, 4, rng)
expect(not np.array_equal(np.concatenate(batches), np.concatenate(again)),
       "two epochs should visit the examples in different orders")
### BEGIN HIDDEN TESTS
import nnkit.evidence

_c = nnkit.evidence.challenge("lab4", "test_minibatches")
_rng = np.random.default_rng(_c["seed"])
nnkit.evidence.report("lab4", "test_minibatches",
                      batches=[minibatches(_n, _bs, _rng) for _n, _bs in _c["cases"]])
### END HIDDEN TESTS

# %% [markdown]
# ## 7. Training (5 points)
#
# Put the pieces together. `train` creates `rng = np.random.default_rng(seed)`, draws the
# parameters with `init_params(n_in, n_hidden, n_classes, rng)`, starts the velocities at
# zero, and then for every epoch draws new mini-batches with `minibatches(n, batch_size,
# rng)` and, for each batch, runs forward, backward and `momentum_step`. After each epoch it
# records the cross-entropy on the whole training set (without the L2 term) in `losses`.

# %% nbgrader={"grade": false, "grade_id": "train", "locked": false, "schema_version": 3, "solution": true}
def train(X, y, n_classes, n_hidden=32, activation="sigmoid", eta=0.1, momentum=0.9, l2=0.0,
          epochs=10, batch_size=32, seed=0):
    """Mini-batch SGD with momentum and L2. Returns (params, losses), one loss per epoch."""
    ### BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    params = init_params(X.shape[1], n_hidden, n_classes, rng)
    velocity = {key: np.zeros_like(value) for key, value in params.items()}
    losses = []
    for _ in range(epochs):
        for idx in minibatches(len(X), batch_size, rng):
            P, cache = forward(params, X[idx], activation)
            grads = backward(params, X[idx], y[idx], P, cache, activation)
            momentum_step(params, grads, velocity, eta, momentum, l2)
        losses.append(cross_entropy(forward(params, X, activation)[0], y))
    return params, losses
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_train", "locked": true, "points": 3, "schema_version": 3, "solution": false}
small_params, small_losses = train(X_train[:200], y_train[:200], 10, n_hidden=16, epochs=5,
                                   batch_size=50, seed=1)
expect_equal(len(small_losses), 5, "train must record one loss per epoch")
expect(small_losses[-1] < small_losses[0], f"the training loss should fall, got {np.round(small_losses, 3)}")
expect_shape(small_params["W1"], (64, 16), "W1 after training")
### BEGIN HIDDEN TESTS
import nnkit.evidence

_c = nnkit.evidence.challenge("lab4", "test_train")
_p, _l = train(_c["X_visible"], _c["y_visible"], 10, n_hidden=16, epochs=5, batch_size=50, seed=1)
_runs = []
for _cfg in _c["configs"]:
    _rp, _rl = train(_c["X"], _c["y"], _c["K"], **_cfg)
    _runs.append({"params": {_k: _rp[_k] for _k in ["W1", "b1", "W2", "b2"]}, "losses": _rl})
nnkit.evidence.report("lab4", "test_train", visible={"losses": _l, "W1": _p["W1"]}, runs=_runs)
### END HIDDEN TESTS

# %% [markdown]
# Now train on the digits: 64 sigmoid hidden units, $\eta = 0.1$, $\mu = 0.9$, a little L2,
# batches of 32, 10 epochs.

# %%
CONFIG = dict(n_hidden=64, activation="sigmoid", eta=0.1, momentum=0.9, l2=1e-4, epochs=10,
              batch_size=32)
start = time.perf_counter()
params, losses = train(X_train, y_train, 10, seed=0, **CONFIG)
numpy_time = time.perf_counter() - start
numpy_acc = float(np.mean(predict(params, X_test) == y_test))
print(f"numpy MLP: test accuracy {numpy_acc:.3f}, trained in {numpy_time:.2f} s")

# %% nbgrader={"grade": true, "grade_id": "test_digits_accuracy", "locked": true, "points": 2, "schema_version": 3, "solution": false}
expect(numpy_acc >= 0.94, f"the network should classify at least 94% of the test digits, got {numpy_acc:.3f}")
### BEGIN HIDDEN TESTS
import nnkit.evidence
import nnkit.grading

_c = nnkit.evidence.challenge("lab4", "test_digits_accuracy")
_uses = nnkit.grading.library_uses(train, ("sklearn", "keras", "tensorflow", "torch", "jax", "nnkit"))
_calls = {"minibatches": 0, "forward": 0, "backward": 0, "momentum_step": 0}


def _counted(name, f):
    def wrapper(*args, **kwargs):
        _calls[name] += 1
        return f(*args, **kwargs)
    return wrapper


_originals = {name: globals()[name] for name in _calls}
globals().update({name: _counted(name, f) for name, f in _originals.items()})
try:
    _params, _losses = train(_c["X"], _c["y"], 10, **_c["relu"])
finally:
    globals().update(_originals)
_sigmoid, _ = train(_c["X"], _c["y"], 10, seed=0, **_c["config"])
nnkit.evidence.report("lab4", "test_digits_accuracy", uses=_uses, calls=_calls,
                      relu={"params": {_k: _params[_k] for _k in ["W1", "b1", "W2", "b2"]},
                            "losses": _losses},
                      sigmoid={_k: _sigmoid[_k] for _k in ["W1", "b1", "W2", "b2"]})
### END HIDDEN TESTS

# %% [markdown]
# The loss per epoch, the confusion matrix on the test set, and what some hidden units look
# for: each column of $W_1$ is an 8×8 template (red: positive weights, blue: negative).

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
plot_curves({"numpy MLP": losses}, ylabel="training cross-entropy", ax=axes[0])
plot_confusion_matrix(confusion_matrix(y_test, predict(params, X_test)), [str(d) for d in range(10)],
                      ax=axes[1])
plt.show()
fig, axes = plt.subplots(1, 8, figsize=(10, 1.6))
for k, ax in enumerate(axes):
    w = params["W1"][:, k].reshape(8, 8)
    ax.imshow(w, cmap="RdBu_r", vmin=-np.abs(w).max(), vmax=np.abs(w).max())
    ax.set_title(f"unit {k}", fontsize=9)
    ax.axis("off")
plt.show()

# %% [markdown]
# ## 8. The same network in Keras (4 points)
#
# Build the same architecture with `keras.Sequential`: an `Input` of `n_in` features, a
# `Dense` hidden layer of `n_hidden` units with the given activation and Glorot-uniform
# kernels, and a `Dense` softmax output of `n_classes` units. Compile it with
# `keras.optimizers.SGD(learning_rate=eta, momentum=momentum)`, the loss
# `"sparse_categorical_crossentropy"` (integer labels, mean over the batch) and the metric
# `"accuracy"`.
#
# Keras' SGD uses exactly our momentum rule. For L2, give both `Dense` layers a
# `kernel_regularizer=keras.regularizers.L2(c)`: Keras adds $c\,\lVert W\rVert^2$ to the
# loss. Choose $c$ so that the penalty equals ours, $\frac{\lambda}{2}\lVert W\rVert^2$, with
# $\lambda$ = `l2`.

# %% nbgrader={"grade": false, "grade_id": "keras_model", "locked": false, "schema_version": 3, "solution": true}
def build_keras_mlp(n_in, n_hidden, n_classes, activation="sigmoid", eta=0.1, momentum=0.9, l2=0.0):
    """The two-layer MLP in Keras, compiled with SGD + momentum and L2 on both kernels."""
    ### BEGIN SOLUTION
    model = keras.Sequential([
        keras.Input(shape=(n_in,)),
        keras.layers.Dense(n_hidden, activation=activation, kernel_initializer="glorot_uniform",
                           kernel_regularizer=keras.regularizers.L2(l2 / 2)),
        keras.layers.Dense(n_classes, activation="softmax",
                           kernel_regularizer=keras.regularizers.L2(l2 / 2)),
    ])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=eta, momentum=momentum),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_keras_model", "locked": true, "points": 3, "schema_version": 3, "solution": false}
model = build_keras_mlp(64, 30, 10, activation="sigmoid", eta=0.1, momentum=0.9, l2=0.0)
expect_equal(len(model.layers), 2, "number of layers (the Input is not a layer)")
expect_equal([layer.units for layer in model.layers], [30, 10], "units per Dense layer", show_expected=True)
expect_equal([layer.activation.__name__ for layer in model.layers], ["sigmoid", "softmax"],
             "activations", show_expected=True)
expect_equal(model.count_params(), 64 * 30 + 30 + 30 * 10 + 10, "number of parameters")
expect(isinstance(model.optimizer, keras.optimizers.SGD),
       f"the optimizer should be SGD, got {type(model.optimizer).__name__}")
### BEGIN HIDDEN TESTS
import nnkit.evidence

_c = nnkit.evidence.challenge("lab4", "test_keras_model")


def _structure(m):
    def config(reg):
        return None if reg is None else reg.get_config()

    return {"classes": [[k.__name__ for k in type(_l).__mro__] for _l in m.layers],
            "units": [getattr(_l, "units", None) for _l in m.layers],
            "activations": [getattr(getattr(_l, "activation", None), "__name__", None) for _l in m.layers],
            "initializers": [type(getattr(_l, "kernel_initializer", None)).__name__ for _l in m.layers],
            "kernel_l2": [config(getattr(_l, "kernel_regularizer", None)) for _l in m.layers],
            "bias_regularizers": [config(getattr(_l, "bias_regularizer", None)) for _l in m.layers],
            "count_params": m.count_params(),
            "optimizer": [k.__name__ for k in type(m.optimizer).__mro__],
            "learning_rate": float(np.asarray(m.optimizer.learning_rate)),
            "momentum": m.optimizer.momentum, "loss": str(m.loss)}


_visible = _structure(build_keras_mlp(64, 30, 10, activation="sigmoid", eta=0.1, momentum=0.9, l2=0.0))
_m = build_keras_mlp(**_c["config"])
_model = _structure(_m)
_m.set_weights(_c["weights"])
_steps = []
for _b in _c["batches"]:
    _m.train_on_batch(_b["X"], _b["y"])
    _steps.append([np.asarray(_w) for _w in _m.get_weights()])
nnkit.evidence.report("lab4", "test_keras_model", visible=_visible, model=_model, steps=_steps)
### END HIDDEN TESTS

# %% [markdown]
# One step of Keras equals one step of yours: copy your initial parameters into a Keras
# model, take one step on the same batch with both, and compare (Keras computes in
# `float32`, so expect differences around $10^{-7}$).

# %%
seed_everything(0)
keras_model = build_keras_mlp(64, 64, 10, activation="sigmoid", eta=0.1, momentum=0.9, l2=1e-3)
mine = init_params(64, 64, 10, np.random.default_rng(0))
keras_model.set_weights([mine["W1"], mine["b1"], mine["W2"], mine["b2"]])
batch = np.arange(32)
P, cache = forward(mine, X_train[batch])
momentum_step(mine, backward(mine, X_train[batch], y_train[batch], P, cache),
              {key: np.zeros_like(value) for key, value in mine.items()}, eta=0.1, momentum=0.9, l2=1e-3)
keras_model.train_on_batch(X_train[batch], y_train[batch])
diffs = [np.abs(np.asarray(w) - mine[key]).max()
         for w, key in zip(keras_model.get_weights(), ["W1", "b1", "W2", "b2"])]
print("largest difference per parameter:", np.array(diffs))

# %% [markdown]
# Now train a fresh Keras model with the settings used for the numpy network, and compare
# accuracy and training time.

# %%
seed_everything(0)
keras_model = build_keras_mlp(64, CONFIG["n_hidden"], 10, activation=CONFIG["activation"],
                              eta=CONFIG["eta"], momentum=CONFIG["momentum"], l2=CONFIG["l2"])
start = time.perf_counter()
history = keras_model.fit(X_train, y_train, epochs=CONFIG["epochs"], batch_size=CONFIG["batch_size"],
                          verbose=0)
keras_time = time.perf_counter() - start
keras_acc = float(keras_model.evaluate(X_test, y_test, verbose=0)[1])
print(f"{'':8s} {'test accuracy':>14s} {'training time':>14s}")
print(f"{'numpy':8s} {numpy_acc:14.3f} {numpy_time:13.2f}s")
print(f"{'Keras':8s} {keras_acc:14.3f} {keras_time:13.2f}s")

# %% nbgrader={"grade": true, "grade_id": "test_keras_accuracy", "locked": true, "points": 1, "schema_version": 3, "solution": false}
expect(keras_acc >= 0.9,
       f"the Keras model should classify at least 90% of the test digits, got {keras_acc:.3f}")
### BEGIN HIDDEN TESTS
import nnkit.evidence

_c = nnkit.evidence.challenge("lab4", "test_keras_accuracy")
nnkit.evidence.report("lab4", "test_keras_accuracy",
                      predicted=keras_model.predict(_c["X_test"], verbose=0),
                      count_params=keras_model.count_params(),
                      kernel_l2=[None if getattr(_l, "kernel_regularizer", None) is None
                                 else _l.kernel_regularizer.get_config() for _l in keras_model.layers],
                      learning_rate=float(np.asarray(keras_model.optimizer.learning_rate)),
                      momentum=keras_model.optimizer.momentum)
### END HIDDEN TESTS

# %%
plot_curves({"numpy": losses, "Keras": history.history["loss"]}, ylabel="training loss")
plt.show()

# %% [markdown]
# ## Reflect (not graded)
# - Keras' training loss is the mean over the epoch's batches, taken while the weights were
#   still changing, and includes the L2 penalty; `losses` is measured after each epoch,
#   without the penalty. Which difference explains most of the gap between the two curves in
#   the first epoch, and how would you make them comparable?
# - Which of the two implementations was faster on this small problem, and why might the
#   answer change for a network a hundred times larger?
# - Replace the sigmoid by the ReLU with the same learning rate. What happens, and why does
#   Glorot initialisation suit one of the two activations better than the other?
