# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lecture 2 — Adaline and gradient descent
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/nn-course/keras-nn-course/blob/v0.1.0/lectures/02_adaline.ipynb)
#
# The perceptron learns from its *mistakes*, a yes/no signal with no notion of "how wrong".
# In 1960 Bernard Widrow and Ted Hoff built **Adaline** (ADAptive LInear NEuron), which
# learns from the size of the error before thresholding. That one change turns learning
# into the minimisation of a smooth **loss function** by **gradient descent**, the method
# that trains every network in this course.
#
# In this lecture:
# 1. the Widrow–Hoff rule is gradient descent on the mean squared error, i.e. linear
#    regression; we check the gradient numerically and the solution against least squares;
# 2. the learning rate: too large diverges, too small crawls, and there is an exact limit;
# 3. why standardising the features makes gradient descent fast;
# 4. batch against stochastic updates, and why the data are reshuffled every epoch.

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
from sklearn.linear_model import LinearRegression
from sklearn.preprocessing import StandardScaler

from nnkit import numerical_gradient, pick, relative_error, seed_everything
from nnkit.linear_models import plot_loss_landscape
from nnkit.plots import plot_curves, plot_decision_regions

seed_everything(0)
rng = np.random.default_rng(0)

# %% [markdown]
# ## 1. From the perceptron to Adaline
#
# Adaline computes the same net input $z = \mathbf w^\top \mathbf x + b$, but during
# training it compares the **linear output** $z$ itself (not the thresholded class) with
# the target. It minimises the mean squared error over the $n$ training examples,
#
# $$L(\boldsymbol\theta) = \frac1n \sum_{i=1}^n \big(y^{(i)} - z^{(i)}\big)^2
# = \frac1n \lVert \mathbf y - \tilde X \boldsymbol\theta \rVert^2,$$
#
# where, as in Lecture 1, $\tilde X$ is the data with a column of ones prepended and
# $\boldsymbol\theta = (b, w_1, \dots, w_d)$. This is exactly **linear regression** onto the
# 0/1 labels; to classify, threshold the output: $\hat y = 1$ if $z \ge 0.5$.
#
# The loss is a smooth bowl in $\boldsymbol\theta$, with gradient
#
# $$\nabla L(\boldsymbol\theta) = -\frac2n\, \tilde X^\top (\mathbf y - \tilde X \boldsymbol\theta).$$
#
# **Gradient descent** takes repeated steps downhill, $\boldsymbol\theta \leftarrow
# \boldsymbol\theta - \eta \nabla L(\boldsymbol\theta)$. Written per weight, the step is
# $\Delta w_j = \eta \frac2n \sum_i (y^{(i)} - z^{(i)}) x^{(i)}_j$: the perceptron's rule with
# the 0/±1 mistake replaced by the real-valued error. This is the Widrow–Hoff (or
# *delta*, or LMS) rule.

# %%
def with_bias(X: np.ndarray) -> np.ndarray:
    """Prepend a column of ones (the bias input)."""
    return np.c_[np.ones(len(X)), X]


def mse(theta: np.ndarray, Xb: np.ndarray, y: np.ndarray) -> float:
    """Mean squared error of the linear output Xb @ theta."""
    return float(np.mean((y - Xb @ theta) ** 2))


def mse_grad(theta: np.ndarray, Xb: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Gradient of `mse` with respect to theta."""
    return -2.0 / len(y) * Xb.T @ (y - Xb @ theta)


X, y_int = load_iris(classes=[0, 1], features=[0, 2])  # sepal length, petal length [cm]
y = y_int.astype(float)
species = ["setosa", "versicolor"]
Xb = with_bias(X)

theta_test = rng.normal(size=3)
g_analytic = mse_grad(theta_test, Xb, y)
g_numeric = numerical_gradient(lambda t: mse(t, Xb, y), theta_test.copy())
print("analytic:", g_analytic, "\nnumeric: ", g_numeric)
assert relative_error(g_analytic, g_numeric) < 1e-6

# %% [markdown]
# The minimum of this bowl has a closed form, the **least-squares** solution, which
# `np.linalg.lstsq` computes directly (and `sklearn.linear_model.LinearRegression` too). At
# that point the gradient vanishes. Gradient descent must end up there.

# %%
theta_ls = np.linalg.lstsq(Xb, y, rcond=None)[0]
linreg = LinearRegression().fit(X, y)
assert np.allclose(theta_ls, np.r_[linreg.intercept_, linreg.coef_])
assert np.allclose(mse_grad(theta_ls, Xb, y), 0.0, atol=1e-10)
loss_ls = mse(theta_ls, Xb, y)
print("least squares (b, w1, w2):", theta_ls.round(4), f" MSE {loss_ls:.5f}")


def gradient_descent(Xb, y, eta, epochs, theta0=None):
    """Full-batch gradient descent on the MSE; returns all iterates (epochs + 1 rows) and the
    loss before each step."""
    theta = np.zeros(Xb.shape[1]) if theta0 is None else np.array(theta0, dtype=float)
    path, losses = [theta.copy()], []
    for _ in range(epochs):
        losses.append(mse(theta, Xb, y))
        theta = theta - eta * mse_grad(theta, Xb, y)
        path.append(theta.copy())
    return np.array(path), np.array(losses)


# %% [markdown]
# ## 2. The learning rate
#
# Because the loss is quadratic, its curvature is the same everywhere: the Hessian is
# $H = \frac2n \tilde X^\top \tilde X$. Along each eigenvector of $H$ (eigenvalue $\lambda$),
# one gradient step multiplies the distance to the minimum by $(1 - \eta\lambda)$. So
# gradient descent converges if and only if $|1 - \eta\lambda| < 1$ for every eigenvalue,
#
# $$0 < \eta < \eta_{\max} = \frac{2}{\lambda_{\max}} ,$$
#
# and the slowest direction, the one with $\lambda_{\min}$, sets the pace. Let us check the
# limit on the raw iris features: just below $\eta_{\max}$ the loss falls, just above it
# explodes.

# %%
def critical_rate(Xb: np.ndarray) -> tuple[float, float]:
    """(2 / largest eigenvalue of the Hessian, condition number) for the MSE on Xb."""
    eig = np.linalg.eigvalsh(2.0 / len(Xb) * Xb.T @ Xb)
    return 2.0 / eig[-1], eig[-1] / eig[0]


eta_max, kappa_raw = critical_rate(Xb)
print(f"eta_max = {eta_max:.4f} on raw features")
n_epochs = pick(100, 50)
runs = {f"eta = {f:g} eta_max": gradient_descent(Xb, y, f * eta_max, n_epochs)[1]
        for f in (1.05, 0.95, 0.1, 0.002)}
finals = {name: losses[-1] for name, losses in runs.items()}
print({name: f"{v:.3g}" for name, v in finals.items()})
assert finals["eta = 1.05 eta_max"] > 1e3 * runs["eta = 1.05 eta_max"][0]  # diverges
assert all(np.all(np.diff(runs[f"eta = {f:g} eta_max"]) <= 0) for f in (0.95, 0.1, 0.002))
assert finals["eta = 0.002 eta_max"] > 2 * finals["eta = 0.1 eta_max"]  # crawls

fig, ax = plt.subplots(figsize=(6, 3.8))
plot_curves(runs, ylabel="mean squared error", ax=ax, logy=True)
ax.axhline(loss_ls, color="black", linestyle=":", label="least squares")
ax.set_title("raw features")
ax.legend()
plt.show()

# %% [markdown]
# Above the limit each step overshoots further than the last and the loss grows
# geometrically. With a tiny rate the loss decreases, but barely, and with $0.1\,\eta_{\max}$
# it is still about five times the least-squares loss after 100 epochs. Even at
# $0.95\,\eta_{\max}$, where the loss looks nearly done, the *weights* are still far from
# the least-squares weights (see the distances in Section 3): along the flattest
# direction the loss hardly changes, so the weights drift there very slowly.
# The culprit is the **condition number** $\kappa =
# \lambda_{\max}/\lambda_{\min}$: with $\eta$ near its limit the slowest direction shrinks
# only by a factor of about $1 - 2/\kappa$ per step.

# %%
print(f"[figure] eta_max on raw features: {eta_max:.4f}")
print(f"[figure] condition number of the Hessian, raw features: {kappa_raw:.0f}")

# %% [markdown]
# ## 3. Standardisation
#
# Standardising rescales every feature to mean 0 and standard deviation 1,
# $x_j' = (x_j - \mu_j)/\sigma_j$. Two things happen:
# - **centring** decouples the bias from the weights: the off-diagonal entries
#   $\frac2n\sum_i x_j^{(i)}$ of $H$ become zero;
# - **scaling** gives the features comparable curvature, so no direction is much flatter
#   than the others.
#
# The picture shows the full loss landscape of a one-feature Adaline (petal length only,
# parameters $b$ and $w$), raw and standardised, with 25 steps of gradient descent at
# $\eta = \eta_{\max}/2 = 1/\lambda_{\max}$ from the same start. On raw data the bowl is a
# long, tilted valley: the first steps drop into the valley, the rest creep along its
# nearly flat floor. After standardising the bowl is round ($H = 2I$; it looks oval only
# because the two axes have different scales), the
# gradient points straight at the minimum, and the first step lands on it.

# %%
scaler = StandardScaler().fit(X)
mu, sigma = X.mean(axis=0), X.std(axis=0)
X_std = (X - mu) / sigma
assert np.allclose(X_std, scaler.transform(X))

fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
for ax, (name, feature) in zip(axes, [("raw", X[:, 1:]), ("standardised", X_std[:, 1:])]):
    Xb1 = with_bias(feature)
    eta1, kappa1 = critical_rate(Xb1)
    path1, _ = gradient_descent(Xb1, y, 0.5 * eta1, 25, theta0=[-1.5, 0.6])
    best1 = np.linalg.lstsq(Xb1, y, rcond=None)[0]
    print(f"{name}: distance to least squares after 25 steps "
          f"{np.linalg.norm(path1[-1] - best1):.1e}")
    if name == "standardised":  # a round bowl: the first step lands on the minimum
        assert np.allclose(path1[1], best1)
    plot_loss_landscape(lambda t, Xb1=Xb1: mse(t, Xb1, y), (-2.0, 2.0), (-0.6, 0.9),
                        paths={"gradient descent": path1}, ax=ax)
    ax.plot(*best1, marker="x", color="red", markersize=12, linestyle="none",
            label="least squares")
    ax.set_title(f"{name} petal length: $\\kappa$ = {kappa1:.1f}")
    ax.set_xlabel("bias $b$")
    ax.set_ylabel("weight $w$")
    ax.legend(loc="lower left")
plt.tight_layout()
plt.show()

# %% [markdown]
# Back to both features. The condition number drops from thousands to under ten, and
# gradient descent (with $0.9\,\eta_{\max}$ in each case) reaches the least-squares weights
# in a few dozen epochs instead of never. Centring alone does most of the work here;
# scaling adds the rest.

# %%
Xb_std = with_bias(X_std)
theta_ls_std = np.linalg.lstsq(Xb_std, y, rcond=None)[0]
distances = {}
for name, data in [("raw", X), ("centred", X - mu), ("standardised", X_std)]:
    Xb_k = with_bias(data)
    eta_k, kappa_k = critical_rate(Xb_k)
    best = np.linalg.lstsq(Xb_k, y, rcond=None)[0]
    path_k, _ = gradient_descent(Xb_k, y, 0.9 * eta_k, n_epochs)
    distances[name] = np.linalg.norm(path_k - best, axis=1)
    print(f"[figure] {name}: condition number {kappa_k:.1f}, eta_max {eta_k:.3f}, "
          f"distance to least squares after {n_epochs} epochs {distances[name][-1]:.1e}")
assert distances["standardised"][-1] < 1e-4 < distances["raw"][-1]

fig, ax = plt.subplots(figsize=(6, 3.8))
plot_curves(distances, ylabel=r"$\|\theta - \theta_{LS}\|$", ax=ax, logy=True)
ax.set_title("gradient descent at 0.9 $\\eta_{max}$")
plt.show()

# %% [markdown]
# Standardising changes the coordinates, not the model: the least-squares weights on
# standardised features map back to the raw ones by $w_j = w'_j/\sigma_j$ and
# $b = b' - \sum_j w'_j \mu_j / \sigma_j$, so the predictions are identical. (In practice,
# compute $\mu$ and $\sigma$ on the training set only, and reuse them on new data.)

# %%
w_back = theta_ls_std[1:] / sigma
b_back = theta_ls_std[0] - np.sum(theta_ls_std[1:] * mu / sigma)
assert np.allclose(np.r_[b_back, w_back], theta_ls)
acc = np.mean((Xb_std @ theta_ls_std >= 0.5) == y_int)
print(f"[figure] Adaline (least squares) training accuracy, setosa/versicolor: {acc:.3f}")
assert acc == 1.0

# %% [markdown]
# <details><summary>Self-test: a feature is measured in millimetres instead of centimetres.
# What happens to $\eta_{\max}$ for raw features? And after standardising?</summary>
#
# The feature is 10 times larger, so its entries in $H$ grow by up to 100 and
# $\lambda_{\max}$ grows roughly 100-fold: the largest stable learning rate drops about
# 100-fold. After standardising nothing changes, since the units cancel in
# $(x - \mu)/\sigma$.
# </details>

# %% [markdown]
# ## 4. Stochastic gradient descent
#
# The batch gradient is an average over all $n$ examples, $\nabla L = \frac1n\sum_i
# \nabla L_i$ with $\nabla L_i = -2\,(y^{(i)} - z^{(i)})\,\tilde{\mathbf x}^{(i)}$. **Stochastic**
# gradient descent (SGD) steps after *each* example, along its own gradient
# $\nabla L_i$. One epoch then makes $n$ cheap, noisy steps instead of one exact one. This is
# how Widrow and Hoff's hardware learned, one example at a time, and, with mini-batches in
# between the two extremes, how neural networks are trained today.
#
# First, the per-example gradients must average to the batch gradient:

# %%
def example_grads(theta: np.ndarray, Xb: np.ndarray, y: np.ndarray) -> np.ndarray:
    """One row per example: the gradient of (y_i - z_i)^2."""
    return -2.0 * (y - Xb @ theta)[:, None] * Xb


assert np.allclose(example_grads(theta_test, Xb_std, y).mean(axis=0),
                   mse_grad(theta_test, Xb_std, y))


def sgd(Xb, y, eta, epochs, rng, shuffle=True):
    """SGD on the MSE, one example at a time; returns the weights and the full-data loss after
    every epoch. With ``shuffle`` the order is redrawn every epoch."""
    theta = np.zeros(Xb.shape[1])
    losses = []
    for _ in range(epochs):
        order = rng.permutation(len(y)) if shuffle else np.arange(len(y))
        for i in order:
            theta = theta + eta * 2.0 * (y[i] - Xb[i] @ theta) * Xb[i]
        losses.append(mse(theta, Xb, y))
    return theta, np.array(losses)


# %% [markdown]
# The iris file lists all setosa flowers first, then all versicolor. If SGD always visits
# the examples in that order, every epoch ends with fifty versicolor updates, which drag
# the weights towards predicting "versicolor"; the weights at the end of an epoch are
# biased. Reshuffling every epoch breaks this pattern. Below: the full-data loss after
# each epoch, minus the least-squares loss, for batch gradient descent and for SGD with and
# without reshuffling (standardised features).

# %%
sgd_epochs = pick(40, 20)
eta_sgd = 0.02
path_batch, _ = gradient_descent(Xb_std, y, 0.5, sgd_epochs)
batch_after = np.array([mse(theta, Xb_std, y) for theta in path_batch[1:]])  # after each epoch
theta_shuf, loss_shuf = sgd(Xb_std, y, eta_sgd, sgd_epochs, np.random.default_rng(0))
theta_fixed, loss_fixed = sgd(Xb_std, y, eta_sgd, sgd_epochs, np.random.default_rng(0),
                              shuffle=False)
_, loss_small = sgd(Xb_std, y, eta_sgd / 10, sgd_epochs, np.random.default_rng(0))
excess = {"batch GD, eta=0.5": batch_after - loss_ls,
          f"SGD reshuffled, eta={eta_sgd}": loss_shuf - loss_ls,
          f"SGD fixed order, eta={eta_sgd}": loss_fixed - loss_ls,
          f"SGD reshuffled, eta={eta_sgd / 10:g}": loss_small - loss_ls}
excess = {name: np.maximum(v, 1e-16) for name, v in excess.items()}  # log scale: no zeros
last = sgd_epochs // 4
late = {name: float(np.mean(v[-last:])) for name, v in excess.items()}
for name, value in late.items():
    print(f"[figure] excess MSE over the last {last} epochs, {name}: {value:.1e}")
assert late[f"SGD reshuffled, eta={eta_sgd}"] < late[f"SGD fixed order, eta={eta_sgd}"] / 3
assert np.mean((Xb_std @ theta_shuf >= 0.5) == y_int) == 1.0

fig, axes = plt.subplots(1, 2, figsize=(12, 4))
plot_curves(excess, ylabel="MSE minus least-squares MSE", ax=axes[0], logy=True)
plot_decision_regions(X_std, y_int, lambda Z: (with_bias(Z) @ theta_shuf >= 0.5).astype(int),
                      ax=axes[1], labels=species)
axes[1].set_title("Adaline trained by SGD (threshold 0.5)")
axes[1].set_xlabel("sepal length (standardised)")
axes[1].set_ylabel("petal length (standardised)")
plt.tight_layout()
plt.show()

# %% [markdown]
# What the curves show:
# - Batch gradient descent on standardised data converges smoothly, its excess loss
#   shrinking by a constant factor every epoch.
# - SGD with a constant learning rate gets close fast but then **hovers** around the
#   minimum: each step follows one example, not the average, so it never fully settles.
#   A smaller rate hovers closer but approaches more slowly; in practice the rate is
#   decreased during training.
# - Without reshuffling, the sorted data leave a systematic bias in the end-of-epoch
#   weights, here more than ten times the excess loss of the reshuffled run.
#
# SGD pays off when $n$ is large: its cost per step does not grow with the size of the
# data set, and it can learn online from data that arrive one by one.
#
# <details><summary>Self-test: one epoch of batch gradient descent and one epoch of SGD both
# touch every example once. Why is SGD usually ahead after the first epoch?</summary>
#
# Batch GD makes one step per epoch; SGD makes $n$ steps, each using the weights already
# improved by the previous examples. Its steps are noisier, but early in training, far from
# the minimum, most example gradients point roughly the same way, so the noise costs little.
# </details>
#
# ## Summary
# - Adaline minimises the mean squared error of its linear output: linear regression on
#   the labels. The Widrow–Hoff rule is gradient descent on that loss, and it converges to
#   the least-squares solution.
# - Gradient descent on a quadratic converges iff $\eta < 2/\lambda_{\max}$; its speed is
#   set by the condition number. Standardising the features makes the problem well
#   conditioned.
# - SGD updates after every example (reshuffled each epoch): cheap, noisy steps that
#   hover around the minimum at a constant learning rate.
#
# ## Exercises
# 1. Derive the gradient of the mean squared error $\frac1n\lVert X\tilde{\mathbf w} -
#    \mathbf y\rVert^2$ and show that its zero is the normal-equations solution.
# 2. For a quadratic loss with Hessian eigenvalues $\lambda_1 \ge \dots \ge \lambda_d > 0$,
#    show that gradient descent with $\eta = 1/\lambda_1$ shrinks the error along eigenvector
#    $k$ by $1 - \lambda_k/\lambda_1$ per step. How many steps reduce the slowest direction by
#    a factor $e$?
# 3. What changes if one feature is a copy of another (perfectly collinear)? What happens
#    to $\lambda_{\min}$, to the condition number, and to Adaline's weights?
# 4. Implement a mini-batch version of Adaline (batch size $B$) and compare the loss after
#    5 epochs for $B = 1, 10, n$ with a learning rate tuned for each.
# 5. Why is the *mean* (not the sum) of squared errors the better choice when the dataset
#    size changes? Relate your answer to $\eta_{\max}$.
