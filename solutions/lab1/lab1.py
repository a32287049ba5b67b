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
import nnkit.evidence
_c = nnkit.evidence.challenge("lab1", "test_perceptron_predict")
_p, _q = Perceptron(), Perceptron()
_p.w_, _p.b_ = _c["w"], _c["b"]
_q.w_, _q.b_ = _c["w_real"], _c["b_real"]
nnkit.evidence.report("lab1", "test_perceptron_predict",
                      net_input=_p.net_input(_c["X"]), predict=_p.predict(_c["X"]),
                      net_input_real=_q.net_input(_c["X_real"]), predict_real=_q.predict(_c["X_real"]),
                      predict_one=_q.predict(_c["X_real"][:1]))
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_perceptron_fit", "locked": true, "points": 3, "schema_version": 3, "solution": false}
p = Perceptron(eta=0.1, n_iter=10, random_state=1).fit(X, y)
assert p.w_.shape == (2,), f"w_ should have shape (2,), got {np.shape(p.w_)}"
assert len(p.errors_) == 10, f"errors_ needs one entry per epoch: expected 10, got {len(p.errors_)}"
assert p.errors_[-1] == 0, f"the two classes are separable: the last epoch should have no errors, got {p.errors_}"
assert np.mean(p.predict(X) == y) == 1.0, "the trained perceptron should classify every training flower"
### BEGIN HIDDEN TESTS
import nnkit.evidence
_c = nnkit.evidence.challenge("lab1", "test_perceptron_fit")
_X, _y = _c["X"].copy(), _c["y"].copy()
_runs = []
for _eta, _seed in _c["runs"]:
    _p = Perceptron(eta=_eta, n_iter=4, random_state=_seed).fit(_X, _y)
    _runs.append({"w": _p.w_, "b": _p.b_, "errors": _p.errors_})
_p = Perceptron(eta=_c["runs"][0][0], n_iter=4, random_state=_c["runs"][0][1])
_p.fit(_c["X_other"], _c["y_other"])
_returned = _p.fit(_X, _y)
nnkit.evidence.report("lab1", "test_perceptron_fit", runs=_runs,
                      again={"w": _p.w_, "b": _p.b_, "errors": _p.errors_},
                      returned_w=_returned.w_, X_after=_X, y_after=_y)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_perceptron_xor", "locked": true, "points": 2, "schema_version": 3, "solution": false}
### BEGIN HIDDEN TESTS
import nnkit.evidence
_c = nnkit.evidence.challenge("lab1", "test_perceptron_xor")
_p = Perceptron(eta=_c["eta"], n_iter=25, random_state=_c["seed"]).fit(_c["X"], _c["y"])
_p1 = Perceptron(eta=0.1, n_iter=3, random_state=0).fit(_c["X"][:1], _c["y"][:1])
nnkit.evidence.report("lab1", "test_perceptron_xor",
                      xor={"w": _p.w_, "b": _p.b_, "errors": _p.errors_},
                      one={"predict": _p1.predict(_c["X"][:1]), "errors": _p1.errors_})
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
import nnkit.evidence
_c = nnkit.evidence.challenge("lab1", "test_adaline_gd")
_X, _y = _c["X"].copy(), _c["y"].copy()
_runs = []
for _eta, _seed in _c["runs"]:
    _a = AdalineGD(eta=_eta, n_iter=7, random_state=_seed).fit(_X, _y)
    _runs.append({"w": _a.w_, "b": _a.b_, "losses": _a.losses_})
_a = AdalineGD(eta=_c["runs"][0][0], n_iter=7, random_state=_c["runs"][0][1])
_a.fit(_c["X_other"], _y[:10])
_returned = _a.fit(_X, _y)
_Xf = _c["X"].copy()
AdalineGD(eta=0.02, n_iter=3, random_state=6).fit(_Xf, _c["y"].astype(float))
nnkit.evidence.report("lab1", "test_adaline_gd", runs=_runs,
                      again={"w": _a.w_, "b": _a.b_, "losses": _a.losses_},
                      returned_w=_returned.w_, X_after=_X, y_after=_y, Xf_after=_Xf)
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
import nnkit.evidence
_c = nnkit.evidence.challenge("lab1", "test_adaline_learning_rate")
_Xi, _yi = _c["X"], _c["y"]
_Xs = (_Xi - _Xi.mean(axis=0)) / _Xi.std(axis=0)
_one = AdalineGD(eta=0.1, n_iter=3, random_state=4).fit(_Xs[:1], _yi[:1])
nnkit.evidence.report("lab1", "test_adaline_learning_rate",
                      big=AdalineGD(eta=0.1, n_iter=10).fit(_Xi, _yi).losses_,
                      small=AdalineGD(eta=0.0001, n_iter=10).fit(_Xi, _yi).losses_,
                      blowup=AdalineGD(eta=0.5, n_iter=12, random_state=_c["seed"]).fit(_Xi, _yi).losses_,
                      one={"w": _one.w_, "losses": _one.losses_})
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
import nnkit.evidence
_c = nnkit.evidence.challenge("lab1", "test_adaline_sgd_fit")
_X, _y = _c["X"].copy(), _c["y"].copy()
_s = AdalineSGD(eta=0.05, n_iter=5, random_state=_c["seeds"][0])
_s.fit(_X[:7] * 2.0, _y[:7])
_returned = _s.fit(_X, _y)
_Xf, _yf = _c["X"].copy(), _c["y"].astype(float)
_f = AdalineSGD(eta=0.02, n_iter=4, random_state=_c["seeds"][1]).fit(_Xf, _yf)
nnkit.evidence.report("lab1", "test_adaline_sgd_fit",
                      fit={"w": _s.w_, "b": _s.b_, "losses": _s.losses_}, returned_w=_returned.w_,
                      X_after=_X, y_after=_y,
                      float={"w": _f.w_, "b": _f.b_, "losses": _f.losses_}, Xf_after=_Xf, yf_after=_yf)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_adaline_sgd_shuffle", "locked": true, "points": 2, "schema_version": 3, "solution": false}
### BEGIN HIDDEN TESTS
import nnkit.evidence
_c = nnkit.evidence.challenge("lab1", "test_adaline_sgd_shuffle")
class _Recorder(AdalineSGD):
    def _update(self, xi, target):
        self.seen_.append(np.array(xi, dtype=float))
        return super()._update(xi, target)

_r = _Recorder(eta=0.01, n_iter=3, random_state=_c["seed"])
_r.seen_ = []
_r.fit(_c["X"], np.arange(len(_c["X"])) % 2)
nnkit.evidence.report("lab1", "test_adaline_sgd_shuffle", seen=_r.seen_)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_adaline_sgd_partial_fit", "locked": true, "points": 2, "schema_version": 3, "solution": false}
online = AdalineSGD(eta=0.01, random_state=1)
online.partial_fit(X_std[0], y[0])
assert online.w_.shape == (2,), f"partial_fit on one example should create w_ of shape (2,), got {np.shape(online.w_)}"
w_before = online.w_.copy()
online.partial_fit(X_std[:5], y[:5])
assert not np.allclose(online.w_, w_before), "partial_fit must keep learning from the new data"
### BEGIN HIDDEN TESTS
import nnkit.evidence
_c = nnkit.evidence.challenge("lab1", "test_adaline_sgd_partial_fit")
_X, _y = _c["X"].copy(), _c["y"].copy()
_s1, _s2, _s3 = _c["seeds"]
_a = AdalineSGD(eta=0.1, random_state=_s1)
_a.partial_fit(_X[:3], _y[:3])
_first = {"w": np.array(_a.w_, dtype=float), "b": _a.b_}
_a.partial_fit(_X[3:4], _y[3:4])
_second = {"w": _a.w_, "has_rng": hasattr(_a, "rng_")}
_f = AdalineSGD(eta=0.03, n_iter=2, random_state=_s2).fit(_X, _y)
_fitted = {"w": np.array(_f.w_, dtype=float), "b": float(_f.b_), "losses": list(_f.losses_)}
_returned = _f.partial_fit(_X[5:], _y[5:])
_after = {"w": _f.w_, "b": _f.b_, "losses": _f.losses_}
_o = AdalineSGD(eta=0.05, random_state=_s3).partial_fit(_c["X"][2], _c["y"][2])
nnkit.evidence.report("lab1", "test_adaline_sgd_partial_fit", first=_first, second=_second,
                      fitted=_fitted, after=_after, returned_w=_returned.w_, X_after=_X,
                      single_w=_o.w_)
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
