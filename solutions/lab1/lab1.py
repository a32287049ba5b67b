# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lab 1 — The perceptron and Adaline
#
# You will implement the two oldest learning machines, Rosenblatt's **perceptron** and
# Widrow and Hoff's **Adaline**, and train them on the iris flowers.
#
# **Learning goals**
# 1. Write the perceptron learning rule and watch it converge on linearly separable data.
# 2. Write Adaline's batch gradient descent on the mean squared error, and see why the
#    learning rate and feature scaling matter.
# 3. Write the stochastic version, reshuffling the data every epoch, with `partial_fit`
#    for online learning.
#
# **Points:** 20, all autograded (Perceptron 7, AdalineGD 6, AdalineSGD 7).
#
# **Hand in:** this notebook, `lab1.ipynb`, with every `YOUR CODE HERE` replaced. Do not rename
# it and do not delete or copy cells: the grader finds your answers by the cells' ids.
# Run *Kernel → Restart & Run All* before you hand in, and check that the visible tests pass.
#
# **Conventions used throughout** (the tests rely on them):
# - labels are 0 or 1; `predict` returns an integer array of 0s and 1s;
# - weights live in `w_` (shape `(n_features,)`) and the bias in `b_` (a float);
# - `self.rng_ = np.random.default_rng(random_state)` is created in `fit`, and the weights are
#   drawn with `self.rng_.normal(0.0, 0.01, size=n_features)`; the bias starts at `0.0`;
# - `fit` starts afresh every time it is called (new `rng_`, weights and history: fitting the
#   same object twice gives the same result as fitting a new one), returns `self`, and never
#   modifies the `X` and `y` it is given.
#
# **What you may not use:** the parts you write use numpy only; no scikit-learn estimators
# (`sklearn.linear_model.Perceptron`, `SGDRegressor`, ...) and no other library's model.

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

from coursedata.toy import load_iris
import nnkit.grading  # sealed checks for the tests, imported before any answer runs
from nnkit import seed_everything
from nnkit.plots import plot_curves, plot_decision_regions

seed_everything(0)

# %% [markdown]
# The data: setosa (label 0) against versicolor (label 1), described by sepal length and
# petal length. These two classes are linearly separable.

# %%
X, y = load_iris(classes=[0, 1], features=[0, 2])
print(X.shape, y.shape, np.bincount(y))

# %% [markdown]
# ## 1. The perceptron (7 points)
#
# The perceptron computes the net input $z = \mathbf{w}^\top \mathbf{x} + b$ and predicts
# $\hat y = 1$ if $z \ge 0$, else $0$. For each training example, in order, it updates
#
# $$\Delta \mathbf{w} = \eta\,(y - \hat y)\,\mathbf{x}, \qquad \Delta b = \eta\,(y - \hat y).$$
#
# `errors_[k]` counts the examples of epoch `k` whose update was non-zero.
# Implement `net_input`, `predict` and `fit`.

# %% nbgrader={"grade": false, "grade_id": "perceptron", "locked": false, "schema_version": 3, "solution": true}
class Perceptron:
    """Rosenblatt's perceptron for labels 0/1."""

    def __init__(self, eta=0.1, n_iter=10, random_state=1):
        self.eta = eta
        self.n_iter = n_iter
        self.random_state = random_state

    def net_input(self, X):
        """z = X w + b, one value per row of X."""
        ### BEGIN SOLUTION
        return np.asarray(X, dtype=float) @ self.w_ + self.b_
        ### END SOLUTION

    def predict(self, X):
        """Class labels (0 or 1) as an integer array."""
        ### BEGIN SOLUTION
        return np.where(self.net_input(X) >= 0.0, 1, 0)
        ### END SOLUTION

    def fit(self, X, y):
        """Learn w_ and b_ with the perceptron rule; record errors_ per epoch; return self."""
        ### BEGIN SOLUTION
        X = np.asarray(X, dtype=float)
        self.rng_ = np.random.default_rng(self.random_state)
        self.w_ = self.rng_.normal(0.0, 0.01, size=X.shape[1])
        self.b_ = 0.0
        self.errors_ = []
        for _ in range(self.n_iter):
            errors = 0
            for xi, target in zip(X, y):
                update = self.eta * (target - self.predict(xi[None, :])[0])
                self.w_ += update * xi
                self.b_ += update
                errors += int(update != 0.0)
            self.errors_.append(errors)
        return self
        ### END SOLUTION


# %% [markdown]
# Visible tests. They check the shapes and a hand-worked example; hidden tests check more.

# %% nbgrader={"grade": true, "grade_id": "test_perceptron_predict", "locked": true, "points": 2, "schema_version": 3, "solution": false}
p = Perceptron()
p.w_, p.b_ = np.array([1.0, -2.0]), 0.5
z = p.net_input(np.array([[1.0, 1.0], [3.0, 0.0]]))
assert np.allclose(z, [-0.5, 3.5]), f"net_input: expected [-0.5, 3.5], got {z}"
pred = p.predict(np.array([[1.0, 1.0], [3.0, 0.0], [0.0, 0.25]]))
assert np.issubdtype(np.asarray(pred).dtype, np.integer), f"predict must return integers, got {np.asarray(pred).dtype}"
assert list(pred) == [0, 1, 1], f"predict: expected [0, 1, 1] (z >= 0 gives 1), got {list(pred)}"
### BEGIN HIDDEN TESTS
import nnkit.grading
_rng = np.random.default_rng(2024)
_p = Perceptron()
_p.w_, _p.b_ = _rng.normal(size=5), float(_rng.normal())
_X = _rng.normal(size=(40, 5))
nnkit.grading.expect_close(_p.net_input(_X), _X @ _p.w_ + _p.b_, "net_input")
nnkit.grading.expect_equal(_p.predict(_X), (_X @ _p.w_ + _p.b_ >= 0).astype(int), "predict")
assert _p.predict(_X[:1]).shape == (1,)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_perceptron_fit", "locked": true, "points": 3, "schema_version": 3, "solution": false}
p = Perceptron(eta=0.1, n_iter=10, random_state=1).fit(X, y)
assert p.w_.shape == (2,), f"w_ should have shape (2,), got {np.shape(p.w_)}"
assert len(p.errors_) == 10, f"errors_ needs one entry per epoch: expected 10, got {len(p.errors_)}"
assert p.errors_[-1] == 0, f"the two classes are separable: the last epoch should have no errors, got {p.errors_}"
assert np.mean(p.predict(X) == y) == 1.0, "the trained perceptron should classify every training flower"
### BEGIN HIDDEN TESTS
import nnkit.grading
def _reference_perceptron(X, y, eta, n_iter, seed):
    rng = np.random.default_rng(seed)
    w, b, errs = rng.normal(0.0, 0.01, size=X.shape[1]), 0.0, []
    for _ in range(n_iter):
        e = 0
        for xi, t in zip(X, y):
            u = eta * (t - (1 if xi @ w + b >= 0 else 0))
            w, b, e = w + u * xi, b + u, e + int(u != 0)
        errs.append(e)
    return w, b, errs

_rng = np.random.default_rng(7)
_X = _rng.normal(size=(30, 3))
_y = (_X @ np.array([1.0, -1.0, 0.5]) + 0.3 > 0).astype(int)
for _eta, _seed in [(0.05, 3), (1.0, 11)]:
    _p = Perceptron(eta=_eta, n_iter=4, random_state=_seed).fit(_X, _y)
    _w, _b, _e = _reference_perceptron(_X, _y, _eta, 4, _seed)
    nnkit.grading.expect_close(_p.w_, _w, "weights differ from the perceptron rule (w_)")
    nnkit.grading.expect_close(_p.b_, _b, "weights differ from the perceptron rule (b_)")
    assert list(_p.errors_) == _e, "errors_ differs from the perceptron rule"
_X0, _y0 = _X.copy(), _y.copy()
_p = Perceptron(eta=0.05, n_iter=4, random_state=3)
_p.fit(_X[::-1], 1 - _y[::-1])
nnkit.grading.expect(_p.fit(_X, _y) is _p, "fit must return self")
_w, _b, _e = _reference_perceptron(_X0, _y0, 0.05, 4, 3)
nnkit.grading.expect_close(_p.w_, _w, "a second fit must start afresh (w_)")
nnkit.grading.expect(list(_p.errors_) == _e, "a second fit must start afresh (errors_)")
nnkit.grading.expect_equal(_X, _X0, "fit must not modify X")
nnkit.grading.expect_equal(_y, _y0, "fit must not modify y")
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_perceptron_xor", "locked": true, "points": 2, "schema_version": 3, "solution": false}
### BEGIN HIDDEN TESTS
import nnkit.grading
_Xx = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
_yx = np.array([0, 1, 1, 0])
_p = Perceptron(eta=0.1, n_iter=25, random_state=0).fit(_Xx, _yx)
assert len(_p.errors_) == 25 and min(_p.errors_) > 0, "XOR is not separable: errors never reach 0"
_rng = np.random.default_rng(0)
_w, _b = _rng.normal(0.0, 0.01, size=2), 0.0
for _ in range(25):
    for _xi, _t in zip(_Xx, _yx):
        _u = 0.1 * (_t - int(_xi @ _w + _b >= 0))
        _w, _b = _w + _u * _xi, _b + _u
nnkit.grading.expect_close(_p.w_, _w, "weights after 25 epochs on XOR (w_)")
nnkit.grading.expect_close(_p.b_, _b, "weights after 25 epochs on XOR (b_)")
_p1 = Perceptron(eta=0.1, n_iter=3, random_state=0).fit(_Xx[:1], _yx[:1])
assert _p1.predict(_Xx[:1])[0] == 0 and len(_p1.errors_) == 3
### END HIDDEN TESTS

# %% [markdown]
# The decision regions of your perceptron, and its errors per epoch:

# %%
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 3.5))
plot_decision_regions(X, y, p.predict, ax=ax0, labels=["setosa", "versicolor"])
ax0.set_xlabel("sepal length [cm]")
ax0.set_ylabel("petal length [cm]")
plot_curves({"perceptron": p.errors_}, ylabel="updates", ax=ax1)
plt.show()

# %% [markdown]
# ## 2. Adaline with batch gradient descent (6 points)
#
# Adaline's activation is the identity, $\phi(z) = z$, and it minimises the mean squared error
#
# $$L(\mathbf{w}, b) = \frac{1}{n} \sum_{i=1}^{n} \big(y^{(i)} - \phi(z^{(i)})\big)^2 .$$
#
# One epoch is one step along the whole-batch gradient:
# $\Delta \mathbf{w} = \eta \,\frac{2}{n} X^\top (\mathbf{y} - \phi(\mathbf{z}))$ and
# $\Delta b = \eta \,\frac{2}{n} \sum_i (y^{(i)} - \phi(z^{(i)}))$.
# `losses_[k]` is the loss computed with the weights *before* the update of epoch `k`.
# `predict` thresholds the activation at 0.5.

# %% nbgrader={"grade": false, "grade_id": "adaline_gd", "locked": false, "schema_version": 3, "solution": true}
class AdalineGD:
    """Adaptive linear neuron trained by full-batch gradient descent."""

    def __init__(self, eta=0.01, n_iter=50, random_state=1):
        self.eta = eta
        self.n_iter = n_iter
        self.random_state = random_state

    def net_input(self, X):
        return np.asarray(X, dtype=float) @ self.w_ + self.b_

    def activation(self, z):
        return z

    def predict(self, X):
        return np.where(self.activation(self.net_input(X)) >= 0.5, 1, 0)

    def fit(self, X, y):
        """Gradient descent on the mean squared error; record losses_ per epoch; return self."""
        ### BEGIN SOLUTION
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float)
        self.rng_ = np.random.default_rng(self.random_state)
        self.w_ = self.rng_.normal(0.0, 0.01, size=X.shape[1])
        self.b_ = 0.0
        self.losses_ = []
        for _ in range(self.n_iter):
            errors = y - self.activation(self.net_input(X))
            self.w_ += self.eta * 2.0 * X.T @ errors / X.shape[0]
            self.b_ += self.eta * 2.0 * errors.mean()
            self.losses_.append(float((errors**2).mean()))
        return self
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_adaline_gd", "locked": true, "points": 3, "schema_version": 3, "solution": false}
X_std = (X - X.mean(axis=0)) / X.std(axis=0)
ada = AdalineGD(eta=0.1, n_iter=30, random_state=1).fit(X_std, y)
assert len(ada.losses_) == 30, f"losses_ needs one entry per epoch: expected 30, got {len(ada.losses_)}"
assert ada.losses_[-1] < ada.losses_[0], f"the loss should fall with eta=0.1: first {ada.losses_[0]:.3f}, last {ada.losses_[-1]:.3f}"
assert np.mean(ada.predict(X_std) == y) == 1.0, "Adaline should separate setosa from versicolor"
### BEGIN HIDDEN TESTS
import nnkit.grading
def _reference_adaline_gd(X, y, eta, n_iter, seed):
    rng = np.random.default_rng(seed)
    w, b, losses = rng.normal(0.0, 0.01, size=X.shape[1]), 0.0, []
    for _ in range(n_iter):
        err = y - (X @ w + b)
        w = w + eta * 2.0 * X.T @ err / len(y)
        b = b + eta * 2.0 * err.mean()
        losses.append((err**2).mean())
    return w, b, losses

_rng = np.random.default_rng(99)
_X = _rng.normal(size=(25, 4))
_y = (_rng.random(25) > 0.5).astype(int)
for _eta, _seed in [(0.02, 5), (0.3, 8)]:
    _a = AdalineGD(eta=_eta, n_iter=7, random_state=_seed).fit(_X, _y)
    _w, _b, _l = _reference_adaline_gd(_X, _y, _eta, 7, _seed)
    nnkit.grading.expect_close(_a.w_, _w, "weights differ from batch gradient descent (w_)")
    nnkit.grading.expect_close(_a.b_, _b, "weights differ from batch gradient descent (b_)")
    nnkit.grading.expect_close(_a.losses_, _l, "losses_ differ from the mean squared error per epoch")
_X0, _y0 = _X.copy(), _y.copy()
_a = AdalineGD(eta=0.02, n_iter=7, random_state=5)
_a.fit(_X[:10] * 3.0, _y[:10])
nnkit.grading.expect(_a.fit(_X, _y) is _a, "fit must return self")
_w, _b, _l = _reference_adaline_gd(_X0, _y0, 0.02, 7, 5)
nnkit.grading.expect_close(_a.w_, _w, "a second fit must start afresh (w_)")
nnkit.grading.expect_close(_a.losses_, _l, "a second fit must start afresh (losses_)")
nnkit.grading.expect_equal(_X, _X0, "fit must not modify X")
nnkit.grading.expect_equal(_y, _y0, "fit must not modify y")
_Xf = _X.copy()
_a = AdalineGD(eta=0.02, n_iter=3, random_state=6).fit(_Xf, _y.astype(float))
nnkit.grading.expect_equal(_Xf, _X0, "fit must not modify a float X")
### END HIDDEN TESTS

# %% [markdown]
# Too large a learning rate makes gradient descent diverge; too small a rate crawls.
# The test below checks that your implementation shows both on the *unscaled* data.

# %% nbgrader={"grade": true, "grade_id": "test_adaline_learning_rate", "locked": true, "points": 3, "schema_version": 3, "solution": false}
big = AdalineGD(eta=0.1, n_iter=10).fit(X, y)
small = AdalineGD(eta=0.0001, n_iter=10).fit(X, y)
assert big.losses_[-1] > big.losses_[0], "with eta=0.1 on unscaled data the loss should grow"
assert small.losses_[-1] < small.losses_[0], "with eta=0.0001 the loss should fall, slowly"
### BEGIN HIDDEN TESTS
import nnkit.grading
_big = AdalineGD(eta=0.5, n_iter=12, random_state=4).fit(X, y)
assert _big.losses_[-1] > 1e6 * _big.losses_[0], "eta=0.5 should blow up the loss"
_one = AdalineGD(eta=0.1, n_iter=3, random_state=4).fit(X_std[:1], y[:1])
assert _one.w_.shape == (2,) and len(_one.losses_) == 3
### END HIDDEN TESTS

# %%
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 3.5))
plot_curves({"eta=0.1": big.losses_, "eta=0.0001": small.losses_}, ylabel="mean squared error",
            ax=ax0, logy=True)
ax0.set_title("unscaled features")
plot_decision_regions(X_std, y, ada.predict, ax=ax1, labels=["setosa", "versicolor"])
ax1.set_title("Adaline, standardised features")
plt.show()

# %% [markdown]
# ## 3. Adaline with stochastic gradient descent (7 points)
#
# Stochastic gradient descent updates after every example, with the gradient of that
# example's squared error: $\Delta \mathbf{w} = 2\eta\,(y - \phi(z))\,\mathbf{x}$,
# $\Delta b = 2\eta\,(y - \phi(z))$. Cycling through the data in a fixed order makes the
# updates correlated, so **reshuffle every epoch** with one call of `self.rng_.permutation(n)`:
# visit the examples in that order, either as indices into the original order or applied to
# the previous epoch's order (both are accepted; draw nothing else from `self.rng_`).
# `losses_[k]` is the mean, over epoch `k`, of each example's squared error *before* its update.
#
# `partial_fit(X, y)` keeps learning from new data without re-initialising: it draws the
# weights only if they do not exist yet (creating `rng_` then), and makes one pass over the
# data given, in the order given (no shuffle, no new entry in `losses_`).

# %% nbgrader={"grade": false, "grade_id": "adaline_sgd", "locked": false, "schema_version": 3, "solution": true}
class AdalineSGD:
    """Adaline trained by stochastic gradient descent, reshuffled every epoch."""

    def __init__(self, eta=0.01, n_iter=10, random_state=1):
        self.eta = eta
        self.n_iter = n_iter
        self.random_state = random_state

    def net_input(self, X):
        return np.asarray(X, dtype=float) @ self.w_ + self.b_

    def predict(self, X):
        return np.where(self.net_input(X) >= 0.5, 1, 0)

    def _initialize(self, n_features):
        self.rng_ = np.random.default_rng(self.random_state)
        self.w_ = self.rng_.normal(0.0, 0.01, size=n_features)
        self.b_ = 0.0

    def _update(self, xi, target):
        """One SGD step on one example; return its squared error before the step."""
        ### BEGIN SOLUTION
        error = target - (xi @ self.w_ + self.b_)
        self.w_ += self.eta * 2.0 * error * xi
        self.b_ += self.eta * 2.0 * error
        return float(error**2)
        ### END SOLUTION

    def fit(self, X, y):
        """n_iter epochs of SGD, reshuffling every epoch; record losses_; return self."""
        ### BEGIN SOLUTION
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float)
        self._initialize(X.shape[1])
        self.losses_ = []
        for _ in range(self.n_iter):
            order = self.rng_.permutation(len(y))
            losses = [self._update(X[i], y[i]) for i in order]
            self.losses_.append(float(np.mean(losses)))
        return self
        ### END SOLUTION

    def partial_fit(self, X, y):
        """One pass over (X, y) in the order given, without re-initialising; return self."""
        ### BEGIN SOLUTION
        X = np.atleast_2d(np.asarray(X, dtype=float))
        y = np.atleast_1d(np.asarray(y, dtype=float))
        if not hasattr(self, "w_"):
            self._initialize(X.shape[1])
        for xi, target in zip(X, y):
            self._update(xi, target)
        return self
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_adaline_sgd_fit", "locked": true, "points": 3, "schema_version": 3, "solution": false}
sgd = AdalineSGD(eta=0.01, n_iter=15, random_state=1).fit(X_std, y)
assert len(sgd.losses_) == 15, f"losses_ needs one entry per epoch: expected 15, got {len(sgd.losses_)}"
assert sgd.losses_[-1] < sgd.losses_[0], "the average loss should fall over the epochs"
assert np.mean(sgd.predict(X_std) == y) == 1.0, "AdalineSGD should separate setosa from versicolor"
### BEGIN HIDDEN TESTS
import nnkit.grading
def _reference_sgd(X, y, eta, n_iter, seed, compose):
    """SGD; each epoch's permutation indexes the original order, or the last epoch's (compose)."""
    rng = np.random.default_rng(seed)
    w, b, losses = rng.normal(0.0, 0.01, size=X.shape[1]), 0.0, []
    order = np.arange(len(y))
    for _ in range(n_iter):
        perm = rng.permutation(len(y))
        order = order[perm] if compose else perm
        epoch = []
        for i in order:
            err = y[i] - (X[i] @ w + b)
            w, b = w + eta * 2.0 * err * X[i], b + eta * 2.0 * err
            epoch.append(err**2)
        losses.append(np.mean(epoch))
    return w, b, losses


def _check_sgd(s, X, y, eta, n_iter, seed):
    """s must match SGD with one of the two accepted shuffle compositions."""
    problems = []
    for compose in (False, True):
        w, b, l = _reference_sgd(X, y, eta, n_iter, seed, compose)
        try:
            nnkit.grading.expect_close(s.w_, w, "weights differ from SGD with a reshuffle per epoch (w_)")
            nnkit.grading.expect_close(s.b_, b, "weights differ from SGD with a reshuffle per epoch (b_)")
            nnkit.grading.expect_close(s.losses_, l, "losses_ differ from the mean per-example loss of each epoch")
            return
        except AssertionError as err:
            problems.append(str(err))
    raise AssertionError(problems[0])


_rng = np.random.default_rng(31)
_X = _rng.normal(size=(20, 3))
_y = (_rng.random(20) > 0.4).astype(int)
_X0, _y0 = _X.copy(), _y.copy()
_s = AdalineSGD(eta=0.05, n_iter=5, random_state=13)
_s.fit(_X[:7] * 2.0, _y[:7])
nnkit.grading.expect(_s.fit(_X, _y) is _s, "fit must return self")
_check_sgd(_s, _X0, _y0, 0.05, 5, 13)
nnkit.grading.expect_equal(_X, _X0, "fit must not modify X")
nnkit.grading.expect_equal(_y, _y0, "fit must not modify y")
_Xf, _yf = _X.copy(), _y.astype(float)
_check_sgd(AdalineSGD(eta=0.02, n_iter=4, random_state=2).fit(_Xf, _yf), _X0, _y0, 0.02, 4, 2)
nnkit.grading.expect_equal(_Xf, _X0, "fit must not modify a float X")
nnkit.grading.expect_equal(_yf, _y0, "fit must not modify a float y")
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_adaline_sgd_shuffle", "locked": true, "points": 2, "schema_version": 3, "solution": false}
### BEGIN HIDDEN TESTS
import nnkit.grading
class _Recorder(AdalineSGD):
    def _update(self, xi, target):
        self.seen_.append(tuple(xi))
        return super()._update(xi, target)

_Xs = np.arange(24, dtype=float).reshape(12, 2) / 24.0
_ys = np.arange(12) % 2
_r = _Recorder(eta=0.01, n_iter=3, random_state=5)
_r.seen_ = []
_r.fit(_Xs, _ys)
_epochs = [_r.seen_[k * 12:(k + 1) * 12] for k in range(3)]
assert len(_r.seen_) == 36, "fit must call _update once per example per epoch"
for _e in _epochs:
    nnkit.grading.expect(sorted(_e) == sorted(map(tuple, _Xs)), "each epoch must visit every example once")
assert len({tuple(e) for e in _epochs}) == 3, "the order must change from epoch to epoch (reshuffle)"
_order = np.random.default_rng(5)
_order.normal(0.0, 0.01, size=2)
assert _epochs[0] == [tuple(_Xs[i]) for i in _order.permutation(12)], "shuffle with self.rng_.permutation"
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_adaline_sgd_partial_fit", "locked": true, "points": 2, "schema_version": 3, "solution": false}
online = AdalineSGD(eta=0.01, random_state=1)
online.partial_fit(X_std[0], y[0])
assert online.w_.shape == (2,), f"partial_fit on one example should create w_ of shape (2,), got {np.shape(online.w_)}"
w_before = online.w_.copy()
online.partial_fit(X_std[:5], y[:5])
assert not np.allclose(online.w_, w_before), "partial_fit must keep learning from the new data"
### BEGIN HIDDEN TESTS
import nnkit.grading
_a = AdalineSGD(eta=0.1, random_state=2)
_a.partial_fit(X_std[:3], y[:3])
_rng = np.random.default_rng(2)
_w, _b = _rng.normal(0.0, 0.01, size=2), 0.0
for _xi, _t in zip(X_std[:3], y[:3]):
    _err = _t - (_xi @ _w + _b)
    _w, _b = _w + 0.2 * _err * _xi, _b + 0.2 * _err
nnkit.grading.expect_close(_a.w_, _w, "partial_fit: one pass, in the order given (w_)")
nnkit.grading.expect_close(_a.b_, _b, "partial_fit: one pass, in the order given (b_)")
_w0 = _a.w_.copy()
_a.partial_fit(X_std[3:4], y[3:4])
_err = y[3] - (X_std[3] @ _w0 + _b)
nnkit.grading.expect_close(_a.w_, _w0 + 0.2 * _err * X_std[3], "partial_fit must not re-initialise the weights")
nnkit.grading.expect(hasattr(_a, "rng_"), "partial_fit creates rng_ when it draws the weights")
_rng = np.random.default_rng(17)
_Xp, _yp = _rng.normal(size=(9, 3)), (_rng.random(9) > 0.5).astype(float)
_Xp0 = _Xp.copy()
_f = AdalineSGD(eta=0.03, n_iter=2, random_state=4).fit(_Xp, _yp)
_n_losses, _w, _b = len(_f.losses_), _f.w_.copy(), _f.b_
nnkit.grading.expect(_f.partial_fit(_Xp[5:], _yp[5:]) is _f, "partial_fit must return self")
for _xi, _t in zip(_Xp0[5:], _yp[5:]):
    _err = _t - (_xi @ _w + _b)
    _w, _b = _w + 0.06 * _err * _xi, _b + 0.06 * _err
nnkit.grading.expect_close(_f.w_, _w, "partial_fit after fit: one pass, in order, from the fitted weights")
nnkit.grading.expect_close(_f.b_, _b, "partial_fit after fit (b_)")
nnkit.grading.expect(len(_f.losses_) == _n_losses, "partial_fit must not add an entry to losses_")
nnkit.grading.expect_equal(_Xp, _Xp0, "partial_fit must not modify X")
_o = AdalineSGD(eta=0.05, random_state=9).partial_fit(_Xp0[2], _yp[2])
_rng = np.random.default_rng(9)
_w = _rng.normal(0.0, 0.01, size=3)
_err = _yp[2] - _Xp0[2] @ _w
nnkit.grading.expect_close(_o.w_, _w + 0.1 * _err * _Xp0[2], "partial_fit on a single example (1-D x, scalar y)")
### END HIDDEN TESTS

# %%
fig, ax = plt.subplots(figsize=(5, 3.5))
plot_curves({"AdalineGD": ada.losses_[:15], "AdalineSGD": sgd.losses_}, ylabel="mean squared error", ax=ax)
plt.show()

# %% [markdown]
# ## Reflect (not graded)
# - Why does the perceptron stop changing once every example is classified correctly, while
#   Adaline keeps moving its weights?
# - Why does standardising the features allow a much larger learning rate?
