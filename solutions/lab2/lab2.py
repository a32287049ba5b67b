# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lab 2 — Logistic regression, one-vs-all
#
# Adaline fitted a straight line to labels 0 and 1. Logistic regression squashes the same net
# input through the **sigmoid** and reads the result as a probability, which it fits by
# minimising the **binary cross-entropy**. You will build it from its parts, train it by
# gradient descent, and then train one classifier per iris species at once, with a single
# weight matrix (**one-vs-all**), and compare it with scikit-learn's `LogisticRegression`.
#
# **Learning goals**
# 1. Write a sigmoid that neither overflows nor warns, however large $|z|$ is.
# 2. Write the binary cross-entropy in a numerically safe form and its gradient, and check the
#    gradient against finite differences.
# 3. Train binary logistic regression by batch gradient descent, on features standardised with
#    training-set statistics only.
# 4. Train $K$ one-vs-all classifiers together as one matrix product, turn their scores into
#    class probabilities, and compare the result with scikit-learn.
#
# **Points:** 25, all autograded (sigmoid 3, loss 3, gradient 3, standardisation 2, binary
# logistic regression 5, one-vs-all 7, comparison with scikit-learn 2).
#
# **Hand in:** this notebook, `lab2.ipynb`, with every `YOUR CODE HERE` replaced. Do not rename
# it and do not delete or copy cells: the grader finds your answers by the cells' ids.
# Run *Kernel → Restart & Run All* before you hand in, and check that the visible tests pass.
#
# **Conventions used throughout** (the tests rely on them):
# - labels are integers $0, \dots, K-1$; `predict` returns an integer array;
# - binary model: weights `w_` of shape `(n_features,)`, bias `b_` a float;
# - one-vs-all model: **one** weight matrix `W_` of shape `(n_features, K)` (column $k$ is the
#   classifier "class $k$ against the rest") and biases `b_` of shape `(K,)`;
# - `fit` starts by calling the given `_initialize`, which creates
#   `self.rng_ = np.random.default_rng(random_state)`, draws the weights with
#   `self.rng_.normal(0.0, 0.01, size=...)` and sets the biases to zero;
# - `losses_[k]` is the loss computed with the weights *before* the update of epoch `k`;
# - `fit` starts afresh every time it is called (fitting the same object twice gives the same
#   result as fitting a new one) and returns `self`.
#
# **What you may not use:** the parts you write use numpy only. No library sigmoid
# (`scipy.special.expit`, `scipy.stats.logistic`, Keras' or TensorFlow's): writing it is part 1,
# and the grader runs your code with `scipy.special.expit` disabled. No scikit-learn estimator
# in place of your models (scikit-learn appears only in the given comparison cells).

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
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

import nnkit.grading
from coursedata.toy import IRIS_CLASSES, load_iris
from nnkit import numerical_gradient, relative_error, seed_everything
from nnkit.grading import expect, expect_close, expect_dtype, expect_equal, expect_shape
from nnkit.plots import plot_curves, plot_decision_regions

seed_everything(0)

# %% [markdown]
# ## 1. A sigmoid that does not overflow (3 points)
#
# The logistic sigmoid is
#
# $$\sigma(z) = \frac{1}{1 + e^{-z}} .$$
#
# Written like this, `np.exp(-z)` overflows for $z \lesssim -710$: numpy warns
# (`RuntimeWarning: overflow encountered in exp`) and computes with `inf`. The same function
# can be written so that the exponent is never positive:
#
# $$\sigma(z) = \frac{1}{1 + e^{-z}} \ \text{ for } z \ge 0, \qquad
#   \sigma(z) = \frac{e^{z}}{1 + e^{z}} \ \text{ for } z < 0 ,$$
#
# and both branches only need $e^{-|z|} \in (0, 1]$. Careful: `np.where(cond, a, b)` computes
# `a` and `b` for *every* element before choosing, so a branch that overflows where it is not
# chosen still warns.
#
# `sigmoid(z)` takes a number, a list or an array of any shape and returns a float array of
# the same shape (a 0-d array, or a numpy float, for a number). It must not warn for any $z$,
# and must give exactly `0.0` at $z = -1000$ and exactly `1.0` at $z = 1000$.
# (`scipy.special.expit` is a library version of this function; you may not call it, or any
# other library's sigmoid, here or elsewhere in this lab: you write your own.)

# %% nbgrader={"grade": false, "grade_id": "sigmoid", "locked": false, "schema_version": 3, "solution": true}
def sigmoid(z):
    """The logistic function 1 / (1 + exp(-z)), element-wise, without overflow."""
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_sigmoid", "locked": true, "points": 3, "schema_version": 3, "solution": false}
s = sigmoid(np.array([-2.0, 0.0, 2.0]))
expect_shape(s, (3,), "sigmoid of an array of 3 values")
expect_dtype(s, "float", "sigmoid")
expect_close(s, [0.11920292202211755, 0.5, 0.8807970779778823], "sigmoid([-2, 0, 2])",
             rtol=1e-12, show_expected=True)
expect_shape(sigmoid(0.0), (), "sigmoid of a single number")
with warnings.catch_warnings():
    warnings.simplefilter("error")  # a warning becomes an error here
    try:
        big = sigmoid(np.array([-1000.0, 1000.0]))
    except (RuntimeWarning, FloatingPointError) as err:
        raise AssertionError(f"sigmoid([-1000, 1000]) must not warn, but it did: {err}") from None
expect(big[0] == 0.0 and big[1] == 1.0,
       f"sigmoid(-1000) must be exactly 0.0 and sigmoid(1000) exactly 1.0, got {big.tolist()}")
### BEGIN HIDDEN TESTS
import warnings

import nnkit.evidence
import nnkit.grading

_c = nnkit.evidence.challenge("lab2", "test_sigmoid")
with (warnings.catch_warnings(record=True) as _caught, np.errstate(over="warn", divide="warn", invalid="warn"),
      nnkit.grading.forbidden("scipy.special.expit", namespace=globals(), what="sigmoid")):
    warnings.simplefilter("always")
    _hand, _zero, _big = sigmoid(_c["z_hand"]), sigmoid(_c["z_zero"]), sigmoid(_c["z_big"])
    _s, _s_list, _s_neg = sigmoid(_c["z"]), sigmoid(_c["z_list"]), sigmoid(_c["z_neg"])
    _s_cube = sigmoid(_c["z_cube"])
nnkit.evidence.report("lab2", "test_sigmoid", hand=_hand, zero=_zero, big=_big, s=_s, s_list=_s_list,
                      s_neg=_s_neg, s_cube=_s_cube,
                      warnings=[f"{_w.category.__name__}: {_w.message}" for _w in _caught])
### END HIDDEN TESTS

# %%
z_plot = np.linspace(-8, 8, 200)
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(z_plot, sigmoid(z_plot))
ax.axhline(0.5, color="gray", linewidth=0.5)
ax.set_xlabel("$z$")
ax.set_ylabel(r"$\sigma(z)$")
plt.show()

# %% [markdown]
# ## 2. Binary cross-entropy and its gradient (6 points)
#
# With $z^{(i)} = \mathbf{w}^\top \mathbf{x}^{(i)} + b$ and $p^{(i)} = \sigma(z^{(i)})$, the
# model says $P(y = 1 \mid \mathbf{x}) = p$. The negative log-likelihood of the labels,
# averaged over the $n$ examples, is the **binary cross-entropy**
#
# $$L(\mathbf{w}, b) = -\frac{1}{n}\sum_{i=1}^{n}
#   \Big[y^{(i)} \ln p^{(i)} + \big(1 - y^{(i)}\big) \ln\big(1 - p^{(i)}\big)\Big].$$
#
# Taking logarithms of probabilities breaks down for confident predictions: $\sigma(40)$ is
# already exactly `1.0` in floating point, so $\ln(1 - p) = -\infty$. Use
# $\ln\sigma(z) = -\ln(1 + e^{-z})$ and $\ln(1 - \sigma(z)) = -\ln(1 + e^{z})$ to write one
# example's loss in terms of $z$ alone:
#
# $$\ell(z, y) = \ln\big(1 + e^{z}\big) - y\,z ,$$
#
# and compute $\ln(1 + e^{z}) = \ln(e^0 + e^z)$ with `np.logaddexp(0.0, z)`, which never
# overflows. The gradient has the same form as Adaline's, with $\sigma(z)$ in place of $z$:
#
# $$\frac{\partial L}{\partial \mathbf{w}} = \frac{1}{n} X^\top \big(\sigma(\mathbf{z}) - \mathbf{y}\big),
#   \qquad
#   \frac{\partial L}{\partial b} = \frac{1}{n} \sum_{i=1}^{n} \big(\sigma(z^{(i)}) - y^{(i)}\big).$$
#
# `logistic_loss` returns a float; `logistic_gradient` returns the pair
# `(grad_w, grad_b)`: an array shaped like `w` and a float.

# %% nbgrader={"grade": false, "grade_id": "cross_entropy", "locked": false, "schema_version": 3, "solution": true}
def logistic_loss(w, b, X, y):
    """Mean binary cross-entropy of the model sigmoid(X w + b) on labels y in {0, 1}."""
    ### BEGIN SOLUTION
    z = np.asarray(X, dtype=float) @ w + b
    return float(np.mean(np.logaddexp(0.0, z) - y * z))
    ### END SOLUTION


def logistic_gradient(w, b, X, y):
    """Gradient of logistic_loss with respect to w and b: (grad_w, grad_b)."""
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=float)
    error = sigmoid(X @ w + b) - y
    return X.T @ error / X.shape[0], float(np.mean(error))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_loss", "locked": true, "points": 3, "schema_version": 3, "solution": false}
X_hand = np.array([[1.0, 2.0], [0.0, 0.0], [3.0, 1.0]])
y_hand = np.array([0, 1, 1])
w_hand, b_hand = np.array([1.0, -1.0]), 0.5  # so z = [-0.5, 0.5, 2.5]
loss = logistic_loss(w_hand, b_hand, X_hand, y_hand)
expect_shape(loss, (), "logistic_loss (a single number)")
expect_close(loss, 0.3423479, "logistic_loss on the hand-worked example", rtol=1e-6,
             show_expected=True)
with warnings.catch_warnings():
    warnings.simplefilter("error")
    try:
        confident = logistic_loss(np.array([100.0]), 0.0, np.array([[1.0], [-1.0]]), np.array([0, 1]))
    except (RuntimeWarning, FloatingPointError) as err:
        raise AssertionError(f"logistic_loss at z = ±100 must not warn, but it did: {err}") from None
expect_close(confident, 100.0, "loss of two confident mistakes (z = 100 for y = 0, z = -100 for y = 1)",
             show_expected=True)
### BEGIN HIDDEN TESTS
import warnings

import nnkit.evidence

_c = nnkit.evidence.challenge("lab2", "test_loss")
_hand = logistic_loss(_c["w_hand"], _c["b_hand"], _c["X_hand"], _c["y_hand"])
with (warnings.catch_warnings(record=True) as _caught, np.errstate(over="warn", divide="warn", invalid="warn")):
    warnings.simplefilter("always")
    _confident = logistic_loss(_c["w_conf"], 0.0, _c["X_conf"], _c["y_conf"])
    _extreme = logistic_loss(_c["w_ext"], 0.0, _c["X_ext"], _c["y_ext"])
nnkit.evidence.report("lab2", "test_loss", hand=_hand, confident=_confident, extreme=_extreme,
                      random=logistic_loss(_c["w"], _c["b"], _c["X"], _c["y"]),
                      one=logistic_loss(_c["w"], _c["b"], _c["X_one"], np.array([1])),
                      warnings=[f"{_w.category.__name__}: {_w.message}" for _w in _caught])
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_gradient", "locked": true, "points": 3, "schema_version": 3, "solution": false}
grad_w, grad_b = logistic_gradient(w_hand, b_hand, X_hand, y_hand)
expect_shape(grad_w, (2,), "grad_w")
expect_shape(grad_b, (), "grad_b")
num_w = numerical_gradient(lambda v: logistic_loss(v, b_hand, X_hand, y_hand), w_hand.copy())
num_b = numerical_gradient(lambda v: logistic_loss(w_hand, v[0], X_hand, y_hand), np.array([b_hand]))
print("relative error, w:", relative_error(grad_w, num_w), " b:", relative_error(grad_b, num_b[0]))
expect(relative_error(grad_w, num_w) < 1e-6, "grad_w disagrees with the numerical gradient of the loss")
expect(relative_error(grad_b, num_b[0]) < 1e-6, "grad_b disagrees with the numerical gradient of the loss")
### BEGIN HIDDEN TESTS
import nnkit.evidence

_c = nnkit.evidence.challenge("lab2", "test_gradient")
_gw, _gb = logistic_gradient(_c["w_hand"], _c["b_hand"], _c["X_hand"], _c["y_hand"])
_cases = []
for _case in _c["cases"]:
    _w, _b = logistic_gradient(_case["w"], _case["b"], _case["X"], _case["y"])
    _cases.append({"w": _w, "b": _b})
nnkit.evidence.report("lab2", "test_gradient", hand_w=_gw, hand_b=_gb, cases=_cases)
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Standardising without peeking at the test set (2 points)
#
# Gradient descent needs features on similar scales. The mean and standard deviation used for
# scaling are *learned from data*, so they must come from the training set alone, and the
# test set is then scaled with the **training** statistics (as if the test flowers arrived
# one at a time, after training). Write `standardize(X_train, X_test)`, which returns both
# sets scaled column by column with the training mean and (population, `ddof=0`) standard
# deviation. It must not modify its arguments.

# %% nbgrader={"grade": false, "grade_id": "standardize", "locked": false, "schema_version": 3, "solution": true}
def standardize(X_train, X_test):
    """(X_train_std, X_test_std), both scaled with the training set's column means and stds."""
    ### BEGIN SOLUTION
    mean = np.mean(X_train, axis=0)
    std = np.std(X_train, axis=0)
    return (X_train - mean) / std, (X_test - mean) / std
    ### END SOLUTION


# %% [markdown]
# We keep 30% of the flowers as a test set, stratified so each species keeps its share.

# %%
X_all, y_all = load_iris()
X_train, X_test, y_train, y_test = train_test_split(X_all, y_all, test_size=0.3, stratify=y_all,
                                                    random_state=0)
X_train_std, X_test_std = standardize(X_train, X_test)
print(X_train_std.shape, X_test_std.shape, np.bincount(y_train), np.bincount(y_test))

# %% nbgrader={"grade": true, "grade_id": "test_standardize", "locked": true, "points": 2, "schema_version": 3, "solution": false}
expect_shape(X_train_std, X_train.shape, "standardised training set")
expect_shape(X_test_std, X_test.shape, "standardised test set")
expect_close(X_train_std.mean(axis=0), np.zeros(4), "column means of the standardised training set",
             atol=1e-10)
expect_close(X_train_std.std(axis=0), np.ones(4), "column stds of the standardised training set")
### BEGIN HIDDEN TESTS
import nnkit.evidence
import nnkit.grading

_c = nnkit.evidence.challenge("lab2", "test_standardize")
_A, _B = _c["A"].copy(), _c["B"].copy()
with nnkit.grading.forbidden("sklearn.preprocessing.StandardScaler.fit", namespace=globals(),
                             what="standardize"):
    _As, _Bs = standardize(_A, _B)
    _As1, _Bs1 = standardize(_A, _B[:1])
    _train, _test = standardize(_c["X_train"], _c["X_test"])
nnkit.evidence.report("lab2", "test_standardize", A_std=_As, B_std=_Bs, A_after=_A, B_after=_B,
                      B1_std=_Bs1, iris_train=_train, iris_test=_test)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Binary logistic regression by gradient descent (5 points)
#
# One epoch is one step against the whole-batch gradient of the cross-entropy,
# $\mathbf{w} \leftarrow \mathbf{w} - \eta\, \partial L / \partial \mathbf{w}$ and
# $b \leftarrow b - \eta\, \partial L / \partial b$; use your `logistic_loss` and
# `logistic_gradient`. `predict_proba(X)` returns $P(y = 1 \mid \mathbf{x})$ for each row,
# shape `(n,)`, and `predict(X)` returns 1 where that probability is at least 0.5, else 0.

# %% nbgrader={"grade": false, "grade_id": "logreg", "locked": false, "schema_version": 3, "solution": true}
class LogisticRegressionGD:
    """Binary logistic regression trained by full-batch gradient descent."""

    def __init__(self, eta=0.1, n_iter=100, random_state=1):
        self.eta = eta
        self.n_iter = n_iter
        self.random_state = random_state

    def net_input(self, X):
        return np.asarray(X, dtype=float) @ self.w_ + self.b_

    def _initialize(self, n_features):
        self.rng_ = np.random.default_rng(self.random_state)
        self.w_ = self.rng_.normal(0.0, 0.01, size=n_features)
        self.b_ = 0.0

    def predict_proba(self, X):
        """P(y = 1 | x) for each row of X, shape (n,)."""
        ### BEGIN SOLUTION
        return sigmoid(self.net_input(X))
        ### END SOLUTION

    def predict(self, X):
        """Class labels (0 or 1) as an integer array."""
        ### BEGIN SOLUTION
        return np.where(self.predict_proba(X) >= 0.5, 1, 0)
        ### END SOLUTION

    def fit(self, X, y):
        """Gradient descent on the cross-entropy; record losses_ per epoch; return self."""
        ### BEGIN SOLUTION
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float)
        self._initialize(X.shape[1])
        self.losses_ = []
        for _ in range(self.n_iter):
            self.losses_.append(logistic_loss(self.w_, self.b_, X, y))
            grad_w, grad_b = logistic_gradient(self.w_, self.b_, X, y)
            self.w_ = self.w_ - self.eta * grad_w
            self.b_ = self.b_ - self.eta * grad_b
        return self
        ### END SOLUTION


# %% [markdown]
# Versicolor (label 0) against virginica (label 1), by petal length and width: the two
# species overlap a little, so no line separates them perfectly.

# %%
pair = y_train > 0
Xb_train, yb_train = X_train_std[pair][:, [2, 3]], (y_train[pair] == 2).astype(int)
pair_test = y_test > 0
Xb_test, yb_test = X_test_std[pair_test][:, [2, 3]], (y_test[pair_test] == 2).astype(int)
print(Xb_train.shape, np.bincount(yb_train))

# %% nbgrader={"grade": true, "grade_id": "test_logreg_fit", "locked": true, "points": 3, "schema_version": 3, "solution": false}
lr = LogisticRegressionGD(eta=0.5, n_iter=200, random_state=1).fit(Xb_train, yb_train)
expect_shape(lr.w_, (2,), "w_")
expect(len(lr.losses_) == 200, f"losses_ needs one entry per epoch: expected 200, got {len(lr.losses_)}")
expect(lr.losses_[-1] < lr.losses_[0],
       f"the loss should fall: first {lr.losses_[0]:.3f}, last {lr.losses_[-1]:.3f}")
expect(abs(lr.losses_[0] - np.log(2.0)) < 0.02,
       f"with tiny initial weights the first loss should be close to ln 2 = 0.693, got {lr.losses_[0]:.4f}")
acc_train = np.mean(lr.predict(Xb_train) == yb_train)
expect(acc_train >= 0.9, f"training accuracy should be at least 0.9, got {acc_train:.3f}")
### BEGIN HIDDEN TESTS
import nnkit.evidence

_c = nnkit.evidence.challenge("lab2", "test_logreg_fit")
_X, _y = _c["X"].copy(), _c["y"].copy()
_runs = []
for _eta, _seed, _k in _c["runs"]:
    _m = LogisticRegressionGD(eta=_eta, n_iter=_k, random_state=_seed).fit(_X, _y)
    _runs.append({"w": _m.w_, "b": _m.b_, "losses": _m.losses_})
_eta, _seed, _k = _c["runs"][0]
_m = LogisticRegressionGD(eta=_eta, n_iter=_k, random_state=_seed)
_m.fit(_c["X_other"], _c["y_other"])
_returned = _m.fit(_X, _y)
_one = LogisticRegressionGD(eta=0.5, n_iter=4, random_state=_c["one_seed"]).fit(_X[:1], _y[:1])
_lr = LogisticRegressionGD(eta=0.5, n_iter=200, random_state=_c["iris_seed"]).fit(_c["Xb"], _c["yb"])
nnkit.evidence.report("lab2", "test_logreg_fit", runs=_runs,
                      again={"w": _m.w_, "losses": _m.losses_}, returned_w=_returned.w_,
                      one={"w": _one.w_, "losses": _one.losses_},
                      iris={"w": _lr.w_, "losses": _lr.losses_, "predict": _lr.predict(_c["Xb"])})
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_logreg_predict", "locked": true, "points": 2, "schema_version": 3, "solution": false}
m = LogisticRegressionGD()
m.w_, m.b_ = np.array([2.0, -1.0]), 0.0
proba = m.predict_proba(np.array([[1.0, 2.0], [1.0, 0.0], [0.0, 1.0]]))
expect_shape(proba, (3,), "predict_proba of 3 rows")
expect_close(proba, [0.5, 0.8807970779778823, 0.2689414213699951], "predict_proba", show_expected=True)
pred = m.predict(np.array([[1.0, 2.0], [1.0, 0.0], [0.0, 1.0]]))
expect_dtype(pred, "int", "predict")
expect_equal(pred, [1, 1, 0], "predict (a probability of 0.5 gives class 1)", show_expected=True)
### BEGIN HIDDEN TESTS
import nnkit.evidence

_c = nnkit.evidence.challenge("lab2", "test_logreg_predict")
_m = LogisticRegressionGD()
_m.w_, _m.b_ = _c["w_hand"], _c["b_hand"]
_hand = {"hand_proba": _m.predict_proba(_c["X_hand"]), "hand_predict": _m.predict(_c["X_hand"])}
_m.w_, _m.b_ = _c["w"], _c["b"]
_rand = {"proba": _m.predict_proba(_c["X"]), "predict": _m.predict(_c["X"]),
         "proba_one": _m.predict_proba(_c["X"][:1]), "predict_one": _m.predict(_c["X"][:1])}
_m.w_, _m.b_ = _c["w_ext"], _c["b_ext"]
nnkit.evidence.report("lab2", "test_logreg_predict", **_hand, **_rand,
                      proba_ext=_m.predict_proba(_c["X_ext"]), predict_ext=_m.predict(_c["X_ext"]))
### END HIDDEN TESTS

# %% [markdown]
# The learned boundary and the loss curve; then the same model fitted by scikit-learn (with no
# penalty, `C=np.inf`, so it minimises the same loss). On standardised features gradient descent
# tolerates a large learning rate, and with enough epochs it reaches scikit-learn's solution.

# %%
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 3.5))
plot_decision_regions(Xb_train, yb_train, lr.predict, ax=ax0, labels=["versicolor", "virginica"])
ax0.set_xlabel("petal length [standardised]")
ax0.set_ylabel("petal width [standardised]")
plot_curves({"eta=0.5": lr.losses_}, ylabel="cross-entropy", ax=ax1)
plt.show()

long_run = LogisticRegressionGD(eta=5.0, n_iter=2000, random_state=1).fit(Xb_train, yb_train)
sk_binary = LogisticRegression(C=np.inf).fit(Xb_train, yb_train)
print("ours:        w =", long_run.w_.round(3), " b =", round(long_run.b_, 3))
print("scikit-learn w =", sk_binary.coef_[0].round(3), " b =", sk_binary.intercept_.round(3))
print("largest probability difference on the test set:",
      np.abs(long_run.predict_proba(Xb_test) - sk_binary.predict_proba(Xb_test)[:, 1]).max().round(4))

# %% [markdown]
# ## 5. One-vs-all with a single weight matrix (7 points)
#
# For $K$ classes, train $K$ binary classifiers: classifier $k$ answers "is it class $k$?".
# They are independent, so train them **together**. Stack their weight vectors as the
# columns of $W \in \mathbb{R}^{d \times K}$ and their biases in $\mathbf{b} \in \mathbb{R}^K$;
# then $Z = XW + \mathbf{b}$ (shape $n \times K$) holds every classifier's net input for every
# example. With the one-hot targets $Y_{ik} = [\,y^{(i)} = k\,]$, the $K$ gradients are the
# columns of
#
# $$\frac{\partial L}{\partial W} = \frac{1}{n} X^\top\big(\sigma(Z) - Y\big), \qquad
#   \frac{\partial L}{\partial \mathbf{b}} = \frac{1}{n} \sum_{i=1}^{n} \big(\sigma(Z) - Y\big)_{i,:} ,$$
#
# where $L$ is the **sum over the $K$ classifiers** of their mean binary cross-entropies;
# `losses_[k]` records this $L$. No loop over classes is needed.
#
# - `n_classes`: the number of classes $K$. If it is `None`, `fit` uses `y.max() + 1`. A class
#   may be absent from the labels given (its classifier then learns "never this class"); it
#   still gets its column. `fit` stores $K$ in `n_classes_`.
# - `predict_proba(X)`: shape `(n, K)`; the $K$ sigmoids of a row are not a distribution, so
#   divide each row by its sum (as scikit-learn's one-vs-rest does).
# - `predict(X)`: the class whose classifier is most confident, $\arg\max_k z_k$.

# %% nbgrader={"grade": false, "grade_id": "ova", "locked": false, "schema_version": 3, "solution": true}
class OneVsAllLogisticRegression:
    """K one-vs-all logistic regressions in one weight matrix W_ (n_features, K)."""

    def __init__(self, n_classes=None, eta=0.1, n_iter=100, random_state=1):
        self.n_classes = n_classes
        self.eta = eta
        self.n_iter = n_iter
        self.random_state = random_state

    def net_input(self, X):
        """Z = X W + b, shape (n, K)."""
        return np.asarray(X, dtype=float) @ self.W_ + self.b_

    def _initialize(self, n_features, n_classes):
        self.rng_ = np.random.default_rng(self.random_state)
        self.W_ = self.rng_.normal(0.0, 0.01, size=(n_features, n_classes))
        self.b_ = np.zeros(n_classes)

    def fit(self, X, y):
        """Train the K classifiers together by gradient descent; record losses_; return self."""
        ### BEGIN SOLUTION
        X = np.asarray(X, dtype=float)
        y = np.asarray(y)
        k = self.n_classes if self.n_classes is not None else int(y.max()) + 1
        self.n_classes_ = k
        Y = (y[:, None] == np.arange(k)).astype(float)
        self._initialize(X.shape[1], k)
        self.losses_ = []
        for _ in range(self.n_iter):
            Z = self.net_input(X)
            self.losses_.append(float(np.sum(np.mean(np.logaddexp(0.0, Z) - Y * Z, axis=0))))
            error = sigmoid(Z) - Y
            self.W_ = self.W_ - self.eta * X.T @ error / X.shape[0]
            self.b_ = self.b_ - self.eta * error.mean(axis=0)
        return self
        ### END SOLUTION

    def predict_proba(self, X):
        """Class probabilities, shape (n, K): the K sigmoids of each row, normalised to sum 1."""
        ### BEGIN SOLUTION
        P = sigmoid(self.net_input(X))
        return P / P.sum(axis=1, keepdims=True)
        ### END SOLUTION

    def predict(self, X):
        """The most confident classifier's class for each row, as an integer array."""
        ### BEGIN SOLUTION
        return np.argmax(self.net_input(X), axis=1)
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_ova_fit", "locked": true, "points": 4, "schema_version": 3, "solution": false}
ova = OneVsAllLogisticRegression(eta=0.5, n_iter=1000, random_state=1).fit(X_train_std, y_train)
expect(ova.n_classes_ == 3, f"n_classes_: expected 3, got {getattr(ova, 'n_classes_', None)}")
expect_shape(ova.W_, (4, 3), "W_ (n_features, K)")
expect_shape(ova.b_, (3,), "b_ (K,)")
expect(len(ova.losses_) == 1000, f"losses_ needs one entry per epoch: expected 1000, got {len(ova.losses_)}")
expect(abs(ova.losses_[0] - 3 * np.log(2.0)) < 0.05,
       f"with tiny initial weights the first loss should be close to 3 ln 2 = 2.079, got {ova.losses_[0]:.4f}")
expect(ova.losses_[-1] < ova.losses_[0], "the loss should fall")
### BEGIN HIDDEN TESTS
import nnkit.evidence

_c = nnkit.evidence.challenge("lab2", "test_ova_fit")


def _fitted(m):
    return {"n_classes_": getattr(m, "n_classes_", None), "W": m.W_, "b": m.b_, "losses": m.losses_}


_X, _y = _c["X"], _c["y"]
_eta, _n_iter, _seed = _c["run"]
_main = _fitted(OneVsAllLogisticRegression(eta=_eta, n_iter=_n_iter, random_state=_seed).fit(_X, _y))
_ya = np.where(_y == 1, 2, _y)
_absent = [_fitted(OneVsAllLogisticRegression(n_classes=_k, eta=0.4, n_iter=5,
                                              random_state=_c["absent_seed"]).fit(_X, _ya))
           for _k in (None, 5)]
_m = OneVsAllLogisticRegression(eta=0.4, n_iter=4, random_state=_c["again_seed"])
_m.fit(_X, _y % 2)
_returned = _m.fit(_X, _y)
_again = {**_fitted(_m), "n_classes": _m.n_classes}
_one = OneVsAllLogisticRegression(n_classes=3, eta=0.5, n_iter=3, random_state=_c["one_seed"])
_one.fit(_X[:1], _y[:1] % 3)
_iris = OneVsAllLogisticRegression(eta=0.5, n_iter=1000, random_state=_c["iris_seed"])
_iris.fit(_c["X_iris"], _c["y_iris"])
nnkit.evidence.report("lab2", "test_ova_fit", main=_main, absent=_absent, again=_again,
                      returned_W=_returned.W_, one_W=_one.W_, iris=_fitted(_iris))
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_ova_predict", "locked": true, "points": 3, "schema_version": 3, "solution": false}
toy = OneVsAllLogisticRegression()
toy.W_, toy.b_ = np.array([[1.0, -1.0, 0.0], [0.0, 2.0, -3.0]]), np.array([0.0, 0.5, 1.0])
X_toy = np.array([[2.0, 0.0], [0.0, 1.0], [-1.0, -1.0]])
P_toy = toy.predict_proba(X_toy)
expect_shape(P_toy, (3, 3), "predict_proba of 3 rows, 3 classes")
expect_close(P_toy.sum(axis=1), np.ones(3), "the rows of predict_proba must sum to 1")
expect_close(P_toy[0], [0.4908913, 0.1016705, 0.4074381], "predict_proba, first row", rtol=1e-5,
             show_expected=True)
pred_toy = toy.predict(X_toy)
expect_dtype(pred_toy, "int", "predict")
expect_equal(pred_toy, [0, 1, 2], "predict", show_expected=True)
### BEGIN HIDDEN TESTS
import nnkit.evidence

_c = nnkit.evidence.challenge("lab2", "test_ova_predict")
_m = OneVsAllLogisticRegression()
_m.W_, _m.b_ = _c["W_toy"], _c["b_toy"]
_toy = {"toy_proba": _m.predict_proba(_c["X_toy"]), "toy_predict": _m.predict(_c["X_toy"])}
_m.W_, _m.b_ = _c["W"], _c["b"]
_a = OneVsAllLogisticRegression(eta=0.5, n_iter=100, random_state=_c["iris_seed"])
_a.fit(_c["X_iris"], _c["y_iris"])
nnkit.evidence.report("lab2", "test_ova_predict", **_toy,
                      proba=_m.predict_proba(_c["X"]), predict=_m.predict(_c["X"]),
                      proba_one=_m.predict_proba(_c["X"][:1]), predict_one=_m.predict(_c["X"][:1]),
                      iris_proba=_a.predict_proba(_c["X_iris"]), iris_predict=_a.predict(_c["X_iris"]))
### END HIDDEN TESTS

# %% [markdown]
# ## 6. Comparison with scikit-learn (2 points)
#
# scikit-learn's `LogisticRegression` fits a *multinomial* (softmax) model with an L2
# penalty (`C=1`), by a quasi-Newton method (L-BFGS, which builds an approximation of the
# curvature from gradients) rather than plain gradient descent. Our one-vs-all model
# should come within a few points of its test accuracy.

# %%
acc_ours = np.mean(ova.predict(X_test_std) == y_test)
sk_model = LogisticRegression().fit(X_train_std, y_train)
acc_sk = sk_model.score(X_test_std, y_test)
print(f"test accuracy: one-vs-all (ours) {acc_ours:.3f}, scikit-learn {acc_sk:.3f}")

# %% nbgrader={"grade": true, "grade_id": "test_ova_vs_sklearn", "locked": true, "points": 2, "schema_version": 3, "solution": false}
expect(acc_ours >= acc_sk - 0.07,
       f"one-vs-all should be within a few points of scikit-learn: ours {acc_ours:.3f}, sklearn {acc_sk:.3f}")
### BEGIN HIDDEN TESTS
import nnkit.evidence
import nnkit.grading

_c = nnkit.evidence.challenge("lab2", "test_ova_vs_sklearn")
_splits = []
for _s in _c["splits"]:
    with nnkit.grading.forbidden("sklearn.linear_model.LogisticRegression.fit", namespace=globals(),
                                 what="OneVsAllLogisticRegression.fit"):
        _ours = OneVsAllLogisticRegression(eta=0.5, n_iter=1000, random_state=_s["model_seed"])
        _ours.fit(_s["X_train"], _s["y_train"])
    _splits.append({"predict": _ours.predict(_s["X_test"]), "proba": _ours.predict_proba(_s["X_test"])})
nnkit.evidence.report("lab2", "test_ova_vs_sklearn", splits=_splits)
### END HIDDEN TESTS

# %% [markdown]
# The three one-vs-all regions on the two petal features, and where the test flowers fall:

# %%
ova2 = OneVsAllLogisticRegression(eta=0.5, n_iter=1000, random_state=1).fit(X_train_std[:, [2, 3]], y_train)
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 3.5))
plot_decision_regions(X_test_std[:, [2, 3]], y_test, ova2.predict, ax=ax0, labels=list(IRIS_CLASSES))
ax0.set_xlabel("petal length [standardised]")
ax0.set_ylabel("petal width [standardised]")
ax0.set_title("one-vs-all, test flowers")
plot_curves({"one-vs-all, 4 features": ova.losses_}, ylabel="sum of the 3 cross-entropies",
            ax=ax1, logy=True)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Reflect (not graded)
# - Why is the first loss close to $\ln 2$ (and $3 \ln 2$ for one-vs-all) whatever the data?
# - The middle species, versicolor, is the hardest for one-vs-all. Why is "versicolor against
#   the rest" hard for a single line, while the multinomial model does not need that line?
# - Where on the $z$ axis does `1 / (1 + np.exp(-z))` lose all its digits, and where does the
#   cross-entropy computed from probabilities become infinite?
