# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lecture 6 — Optimisation
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/nn-course/keras-nn-course/blob/main/lectures/06_optimization.ipynb)
#
# Backpropagation gives the gradient; an *optimiser* decides what to do with it. This
# lecture writes the common optimisers from scratch in numpy, checks each against the
# Keras optimiser of the same name step by step, and watches them move across loss
# surfaces of two parameters, where we can draw every step.
#
# **Contents**
# 1. Full batch, stochastic and mini-batch gradient descent
# 2. Momentum and Nesterov momentum
# 3. Adaptive learning rates: AdaGrad, RMSProp and Adam
# 4. Reading the Keras equations carefully
# 5. Learning-rate schedules, and cosine annealing with warm restarts
# 6. A quasi-Newton method for comparison: L-BFGS

# %% [markdown]
# ## Setup

# %%
import os
import subprocess
import sys

if "google.colab" in sys.modules:  # on Colab, install the course helpers (once per runtime)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "nn-course @ git+https://github.com/nn-course/keras-nn-course"], check=True)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import keras
import matplotlib.pyplot as plt
import numpy as np
from scipy.optimize import minimize, rosen, rosen_der

from nnkit import numerical_gradient, pick, relative_error, seed_everything
from nnkit.optim import plot_loss_contours, plot_trajectories
from nnkit.plots import plot_curves

rng = seed_everything(0)

# %% [markdown]
# ## 1. Full batch, stochastic and mini-batch gradient descent
#
# A problem small enough to draw: fit a line $\hat y = w x + b$ to $n = 256$ noisy points
# by minimising the mean squared error
#
# $$L(w, b) = \frac1n \sum_{i=1}^n (w x_i + b - y_i)^2,\qquad
# \frac{\partial L}{\partial w} = \frac2n \sum_i e_i x_i,\quad
# \frac{\partial L}{\partial b} = \frac2n \sum_i e_i,\quad e_i = w x_i + b - y_i .$$
#
# Because the inputs $x_i$ are all positive, $w$ and $b$ compete with each other and the
# loss surface is a long, tilted valley.
#
# The three flavours of gradient descent differ only in how many examples each step uses:
#
# - **full batch**: every step uses all $n$ examples (one step per epoch);
# - **stochastic** (SGD): every step uses one example;
# - **mini-batch**: every step uses a batch of $B$ examples, here $B = 16$.
#
# For SGD and mini-batches the data are **reshuffled every epoch**, so that each epoch visits
# every example once, in a new order.

# %%
rng = np.random.default_rng(0)
n = 256
x_data = rng.uniform(0, 4, n)
y_data = 2.0 * x_data - 1.0 + rng.normal(0, 0.6, n)


def mse(theta, idx=slice(None)):
    """Mean squared error of the line theta = (w, b) on the examples idx."""
    e = theta[0] * x_data[idx] + theta[1] - y_data[idx]
    return float(np.mean(e**2))


def mse_surface(theta):
    """The full-batch loss for a whole grid of (w, b) at once, expanded into data moments."""
    w, b = theta[0], theta[1]
    return (w**2 * np.mean(x_data**2) + 2 * w * b * np.mean(x_data) + b**2
            - 2 * w * np.mean(x_data * y_data) - 2 * b * np.mean(y_data) + np.mean(y_data**2))


def mse_grad(theta, idx=slice(None)):
    e = theta[0] * x_data[idx] + theta[1] - y_data[idx]
    return np.array([2 * np.mean(e * x_data[idx]), 2 * np.mean(e)])


theta_test = np.array([0.3, 0.7])
assert np.isclose(mse_surface(theta_test), mse(theta_test))
assert relative_error(mse_grad(theta_test), numerical_gradient(mse, theta_test.copy())) < 1e-8
theta_star = np.linalg.lstsq(np.c_[x_data, np.ones(n)], y_data, rcond=None)[0]
print("least-squares optimum (w, b):", theta_star.round(4))


def minibatches(n, batch_size, rng):
    """Index arrays of one epoch: a fresh random permutation cut into batches."""
    order = rng.permutation(n)
    return [order[k:k + batch_size] for k in range(0, n, batch_size)]


epoch_a, epoch_b = minibatches(n, 16, np.random.default_rng(1)), minibatches(n, 16, rng)
assert sorted(np.concatenate(epoch_a)) == list(range(n))  # every example once per epoch
assert not np.array_equal(np.concatenate(epoch_a), np.concatenate(epoch_b))  # a new order

# %% [markdown]
# Each method gets a learning rate suited to its batch size (small batches give noisy
# gradients and need smaller steps) and the same number of epochs:

# %%
def gradient_descent(batch_size, lr, epochs, theta0=(-1.0, 3.0), seed=0, schedule=None):
    """Mini-batch gradient descent on the line fit; returns the path, one row per step.

    ``schedule(step)`` (optional) multiplies the learning rate at each step.
    """
    rng = np.random.default_rng(seed)
    theta = np.array(theta0, dtype=float)
    path, step = [theta.copy()], 0
    for _ in range(epochs):
        for idx in minibatches(n, batch_size, rng):
            factor = 1.0 if schedule is None else schedule(step)
            theta = theta - lr * factor * mse_grad(theta, idx)
            path.append(theta.copy())
            step += 1
    return np.array(path)


epochs = pick(30, 10)
runs = {"full batch (B = 256), lr 0.1": (n, 0.1),
        "mini-batch (B = 16), lr 0.05": (16, 0.05),
        "SGD (B = 1), lr 0.01": (1, 0.01)}
paths = {name: gradient_descent(b, lr, epochs) for name, (b, lr) in runs.items()}
# the loss after each epoch (the path has n / B steps per epoch)
epoch_losses = {name: [mse(p[k * (n // b)]) for k in range(1, epochs + 1)]
                for (name, p), (b, _) in zip(paths.items(), runs.values())}

fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(13, 4.5))
plot_loss_contours(mse_surface, (-1.5, 3.5), (-2.5, 3.5), ax=ax0, levels=np.geomspace(0.3, 60, 20),
                   minimum=theta_star)
plot_trajectories({name: p[: 4 * (n // b) + 1] for (name, p), (b, _) in
                   zip(paths.items(), runs.values())}, ax=ax0, markers=False)
ax0.set(xlabel="$w$", ylabel="$b$", title="the first 4 epochs")
plot_curves(epoch_losses, ylabel="training loss (MSE)", ax=ax1, logy=True)
ax1.axhline(mse(theta_star), color="gray", ls=":", label="least squares")
ax1.legend(fontsize=8)
plt.show()
for name, losses in epoch_losses.items():
    print(f"[figure] {name}: loss after {epochs} epochs {losses[-1]:.4f} "
          f"(optimum {mse(theta_star):.4f})")

# %% [markdown]
# Per epoch, SGD makes 256 small, noisy steps where full-batch descent makes one careful
# step, so it gets close to the optimum in far fewer epochs — but it never settles: the
# gradient of one example does not vanish at the optimum, so with a constant learning rate
# the parameters keep jittering around it (section 5 cures that). Mini-batches sit in
# between, and they are what everyone uses in practice: a batch of $B$ examples is computed
# as one matrix product, nearly as fast on parallel hardware as a single example.
#
# <details><summary>Self-test: why reshuffle every epoch instead of shuffling once?</summary>
#
# With a fixed order the same examples always follow each other, so the noise of the
# updates is correlated from epoch to epoch and can push the parameters the same way every
# time (and some orders, such as sorted by class, are disastrous). A fresh permutation makes
# each epoch's sequence of batches an independent sample.
# </details>

# %% [markdown]
# ## 2. Momentum and Nesterov momentum
#
# To compare optimisers we use a loss whose valley is 100 times steeper across than along,
#
# $$f(\mathbf w) = \tfrac12\,(w_1^2 + 100\,w_2^2),\qquad \nabla f = (w_1,\ 100\,w_2).$$
#
# Gradient descent must keep its learning rate below $2/100$ to stay stable in the steep
# direction, and then crawls along the flat one: each step shrinks $w_1$ by only a factor
# $1 - \eta$.
#
# **Momentum** keeps a running velocity $\mathbf m$ and moves along it. In the form Keras uses
# (`keras.optimizers.SGD(momentum=μ)`):
#
# $$\mathbf m \leftarrow \mu\,\mathbf m - \eta\,\mathbf g, \qquad \mathbf w \leftarrow \mathbf w + \mathbf m .$$
#
# Gradients that keep their sign (along the valley) add up; gradients that flip sign
# (across the valley) cancel.
#
# **Nesterov momentum** evaluates the gradient where the momentum is about to take us, at
# the look-ahead point $\boldsymbol\theta + \mu\mathbf v$:
# $\mathbf v \leftarrow \mu\mathbf v - \eta\nabla f(\boldsymbol\theta + \mu\mathbf v)$,
# $\boldsymbol\theta \leftarrow \boldsymbol\theta + \mathbf v$. Keras (`nesterov=True`) stores the
# look-ahead point itself, $\mathbf w = \boldsymbol\theta + \mu\mathbf v$, which turns the update
# into one that needs only the gradient at the stored point:
#
# $$\mathbf m \leftarrow \mu\,\mathbf m - \eta\,\mathbf g, \qquad
# \mathbf w \leftarrow \mathbf w + \mu\,\mathbf m - \eta\,\mathbf g .$$
#
# (Substitute $\mathbf w_t = \boldsymbol\theta_t + \mu\mathbf v_t$ into the look-ahead form:
# $\mathbf w_{t+1} = \boldsymbol\theta_t + (1+\mu)\mathbf v_{t+1} = \mathbf w_t + \mu\mathbf v_{t+1}
# + (\mathbf v_{t+1} - \mu\mathbf v_t) = \mathbf w_t + \mu\mathbf v_{t+1} - \eta\nabla f(\mathbf w_t)$.)

# %%
CURVATURE = np.array([1.0, 100.0])


def valley(w):
    """f(w) = (w1^2 + 100 w2^2) / 2; w may carry extra axes after the first."""
    w = np.asarray(w)
    return 0.5 * np.tensordot(CURVATURE, w**2, axes=1)


def valley_grad(w):
    return CURVATURE * w


assert relative_error(valley_grad([0.3, -0.2]), numerical_gradient(valley, np.array([0.3, -0.2]))) < 1e-8


class SGD:
    """Gradient descent, optionally with momentum or Nesterov momentum (Keras's form)."""

    def __init__(self, lr, momentum=0.0, nesterov=False):
        self.lr, self.momentum, self.nesterov = lr, momentum, nesterov
        self.m = None

    def step(self, w, g):
        if self.momentum == 0.0:
            return w - self.lr * g
        if self.m is None:
            self.m = np.zeros_like(w)
        self.m = self.momentum * self.m - self.lr * g
        if self.nesterov:
            return w + self.momentum * self.m - self.lr * g
        return w + self.m


def trajectory(optimizer, grad, w0, steps):
    """The points visited by ``optimizer`` from ``w0``: an array of shape (steps + 1, 2)."""
    w = np.array(w0, dtype=float)
    path = [w.copy()]
    for _ in range(steps):
        w = optimizer.step(w, grad(w))
        path.append(w.copy())
    return np.array(path)


def keras_trajectory(optimizer, grad, w0, steps):
    """The same with a Keras optimiser updating a Keras variable.

    The variable is float64 (a model's weights would be float32) so that rounding does not
    hide a difference between the update equations.
    """
    w = keras.Variable(np.asarray(w0, dtype="float64"), dtype="float64")
    path = [w.numpy()]
    for _ in range(steps):
        optimizer.apply_gradients([(grad(w.numpy()), w)])
        path.append(w.numpy())
    return np.array(path)


def nesterov_lookahead(grad, theta0, lr, momentum, steps):
    """Nesterov in its original form: gradient at theta + mu v. Returns (theta, v) paths."""
    theta, v = np.array(theta0, dtype=float), np.zeros(2)
    thetas, vs = [theta.copy()], [v.copy()]
    for _ in range(steps):
        v = momentum * v - lr * grad(theta + momentum * v)
        theta = theta + v
        thetas.append(theta.copy())
        vs.append(v.copy())
    return np.array(thetas), np.array(vs)


w0, steps = np.array([-4.0, 1.5]), pick(100, 50)
momentum_runs = {
    "gradient descent, lr 0.019": (SGD(0.019), keras.optimizers.SGD(0.019)),
    "momentum 0.9, lr 0.01": (SGD(0.01, momentum=0.9),
                              keras.optimizers.SGD(0.01, momentum=0.9)),
    "Nesterov 0.9, lr 0.01": (SGD(0.01, momentum=0.9, nesterov=True),
                              keras.optimizers.SGD(0.01, momentum=0.9, nesterov=True)),
}
valley_paths = {}
for name, (ours, theirs) in momentum_runs.items():
    valley_paths[name] = trajectory(ours, valley_grad, w0, steps)
    gap = np.abs(valley_paths[name] - keras_trajectory(theirs, valley_grad, w0, steps)).max()
    print(f"{name:28s} largest difference from Keras over {steps} steps: {gap:.1e}")
    assert gap < 1e-4, name

# the look-ahead form, shifted to theta + mu v, is exactly the Keras form
thetas, vs = nesterov_lookahead(valley_grad, w0, 0.01, 0.9, steps)
assert np.allclose(thetas + 0.9 * vs, valley_paths["Nesterov 0.9, lr 0.01"])

# %%
def valley_plot(paths, ax, title, styles=None):
    plot_loss_contours(valley, (-4.5, 1.5), (-2, 2), ax=ax,
                       levels=np.geomspace(1e-3, 200, 18), minimum=(0, 0))
    plot_trajectories(paths, ax=ax, styles=styles)
    ax.set(xlabel="$w_1$", ylabel="$w_2$", title=title)


fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(14, 4.5))
valley_plot(valley_paths, ax0, f"{steps} steps on $f = (w_1^2 + 100 w_2^2)/2$")
plot_curves({k: valley(p.T) for k, p in valley_paths.items()}, xlabel="step",
            ylabel="$f(\\mathbf{w})$", ax=ax1, logy=True)
plt.show()
for name, p in valley_paths.items():
    print(f"[figure] {name}: f after {steps} steps = {valley(p[-1]):.1e}")

# %% [markdown]
# Gradient descent zig-zags across the valley (each step multiplies $w_2$ by
# $1 - 0.019\cdot 100 = -0.9$) and creeps along it. Momentum, with the same step size as
# Nesterov, races along the valley but keeps swinging across it: its velocity carries it over
# the valley floor again and again. Nesterov's look-ahead sees the wall coming and damps
# the swings, so it runs straight down the valley floor and ends far lower.
#
# <details><summary>Self-test: with momentum $\mu$ and a constant gradient $\mathbf g$, what
# step does momentum settle to?</summary>
#
# The fixed point of $\mathbf m = \mu\mathbf m - \eta\mathbf g$ is
# $\mathbf m = -\eta\mathbf g/(1-\mu)$: with $\mu = 0.9$, ten times the plain gradient step.
# </details>

# %% [markdown]
# ## 3. Adaptive learning rates: AdaGrad, RMSProp and Adam
#
# Momentum uses one learning rate for every parameter. Adaptive methods divide each
# parameter's step by a running measure of the size of its gradients, so steep directions
# get small steps and flat ones large steps. Keras's versions (operations entry-wise):
#
# **AdaGrad** sums all squared gradients, starting from `initial_accumulator_value`
# $G_0 = 0.1$:
#
# $$G \leftarrow G + g^2,\qquad w \leftarrow w - \frac{\eta\,g}{\sqrt{G + \varepsilon}} .$$
#
# The sum only grows, so the steps shrink for ever: good for convex problems with sparse
# features, too timid for long training runs.
#
# **RMSProp** replaces the sum by an exponential moving average, starting from 0:
#
# $$s \leftarrow \rho\,s + (1-\rho)\,g^2,\qquad w \leftarrow w - \frac{\eta\,g}{\sqrt{s + \varepsilon}} .$$
#
# **Adam** keeps moving averages of the gradient (momentum) and of its square, and corrects
# both for starting at 0. Keras folds the two bias corrections into the step size:
#
# $$m \leftarrow \beta_1 m + (1-\beta_1)\,g,\quad v \leftarrow \beta_2 v + (1-\beta_2)\,g^2,\quad
# \alpha_t = \eta\,\frac{\sqrt{1-\beta_2^{\,t}}}{1-\beta_1^{\,t}},\quad
# w \leftarrow w - \alpha_t\,\frac{m}{\sqrt v + \varepsilon} .$$
#
# Keras's defaults are $\varepsilon = 10^{-7}$, $\rho = 0.9$, $\beta_1 = 0.9$, $\beta_2 = 0.999$.
# Below we use $\varepsilon = 10^{-3}$ instead, so that where $\varepsilon$ sits makes a
# visible difference (section 4).

# %%
class AdaGrad:
    """Keras's AdaGrad: the squared gradients summed from 0.1, epsilon inside the root."""

    def __init__(self, lr, initial_accumulator=0.1, eps=1e-7):
        self.lr, self.initial_accumulator, self.eps = lr, initial_accumulator, eps
        self.G = None

    def step(self, w, g):
        if self.G is None:
            self.G = np.full_like(w, self.initial_accumulator)
        self.G = self.G + g**2
        return w - self.lr * g / np.sqrt(self.G + self.eps)


class RMSProp:
    """Keras's RMSprop (no momentum, not centred): epsilon inside the root."""

    def __init__(self, lr, rho=0.9, eps=1e-7):
        self.lr, self.rho, self.eps = lr, rho, eps
        self.s = None

    def step(self, w, g):
        if self.s is None:
            self.s = np.zeros_like(w)
        self.s = self.rho * self.s + (1 - self.rho) * g**2
        return w - self.lr * g / np.sqrt(self.s + self.eps)


class Adam:
    """Keras's Adam: the bias corrections folded into the step size alpha_t."""

    def __init__(self, lr, beta1=0.9, beta2=0.999, eps=1e-7):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m = self.v = None
        self.t = 0

    def step(self, w, g):
        if self.m is None:
            self.m, self.v = np.zeros_like(w), np.zeros_like(w)
        self.t += 1
        self.m = self.beta1 * self.m + (1 - self.beta1) * g
        self.v = self.beta2 * self.v + (1 - self.beta2) * g**2
        alpha = self.lr * np.sqrt(1 - self.beta2**self.t) / (1 - self.beta1**self.t)
        return w - alpha * self.m / (np.sqrt(self.v) + self.eps)


EPS = 1e-3
adaptive_runs = {
    "AdaGrad, lr 1": (lambda: AdaGrad(1.0, eps=EPS),
                      lambda: keras.optimizers.Adagrad(1.0, epsilon=EPS)),
    "RMSProp, lr 0.1": (lambda: RMSProp(0.1, eps=EPS),
                        lambda: keras.optimizers.RMSprop(0.1, epsilon=EPS)),
    "Adam, lr 0.1": (lambda: Adam(0.1, eps=EPS),
                     lambda: keras.optimizers.Adam(0.1, epsilon=EPS)),
}
keras_paths = {}
for name, (ours, theirs) in adaptive_runs.items():
    valley_paths[name] = trajectory(ours(), valley_grad, w0, steps)
    keras_paths[name] = keras_trajectory(theirs(), valley_grad, w0, steps)
    gap = np.abs(valley_paths[name] - keras_paths[name]).max()
    print(f"{name:18s} largest difference from Keras over {steps} steps: {gap:.1e}")
    assert gap < 1e-4, name

# %%
fig, axes = plt.subplots(1, 2, figsize=(14, 4.5))
adaptive = {k: valley_paths[k] for k in adaptive_runs}
colors = {name: f"C{k}" for k, name in enumerate(valley_paths)}  # the same colour in both panels
valley_plot(adaptive, axes[0], "adaptive methods (dots: ours; crosses: Keras)",
            styles={name: dict(color=colors[name]) for name in adaptive})
for name, p in keras_paths.items():
    axes[0].plot(*p.T, "x", color=colors[name], markersize=5, alpha=0.6)
plot_curves({k: valley(p.T) for k, p in valley_paths.items()}, xlabel="step",
            ylabel="$f(\\mathbf{w})$", ax=axes[1], logy=True)
plt.show()
for name in adaptive_runs:
    print(f"[figure] {name}: f after {steps} steps = {valley(valley_paths[name][-1]):.1e}")
rms_losses = valley(valley_paths["RMSProp, lr 0.1"].T)
print(f"[figure] RMSProp: smallest f {rms_losses.min():.1e} at step {rms_losses.argmin()}, "
      f"largest f after it {rms_losses[rms_losses.argmin():].max():.1e}")

# %% [markdown]
# The adaptive methods head diagonally at first: dividing by $\sqrt{g^2}$ makes the first
# steps roughly $\eta\cdot\operatorname{sign}(g)$ in every coordinate, whatever the steepness.
# That helps here because the valley is aligned with the axes; if it were tilted, no
# per-coordinate scaling could straighten it. RMSProp and Adam, with a constant learning
# rate, end up hovering in a region around the minimum whose size is set by $\eta$: as the
# average of the squared gradients decays, their steps grow back to about $\eta$ whatever
# the gradient. RMSProp's loss even drops below $10^{-15}$ before it is thrown out again.
# That is a job for a learning-rate schedule (section 5).

# %% [markdown]
# ## 4. Reading the Keras equations carefully
#
# Papers and textbooks write these optimisers in slightly different ways, and "the same"
# optimiser with the same hyper-parameters then follows a different path. The small
# differences between our versions and Keras's above (at most about $10^{-5}$) are
# rounding: Keras keeps the learning rate in a float32 variable and turns some other
# hyper-parameters, such as $\mu$, $\beta_1$ and $\beta_2$, into float32 numbers before using
# them (0.9 becomes 0.89999998), even for a float64 variable. Here are the usual textbook
# variants, each differing from Keras in one detail:
#
# | variant | the detail |
# |---|---|
# | AdaGrad, textbook | $G$ starts at 0; $\varepsilon$ *outside* the root, $\sqrt G + \varepsilon$ |
# | RMSProp, textbook | $\varepsilon$ outside the root |
# | Adam, textbook | $w \leftarrow w - \eta\,\hat m/(\sqrt{\hat v} + \varepsilon)$, where |
# | | $\hat m = m/(1-\beta_1^t)$ and $\hat v = v/(1-\beta_2^t)$ |
# | Nesterov, look-ahead | tracks $\boldsymbol\theta$, not the look-ahead $\boldsymbol\theta + \mu\mathbf v$ |
#
# The Adam variants differ only by where $\varepsilon$ enters: Keras's form equals the
# textbook one with $\varepsilon$ replaced by $\varepsilon\sqrt{1 - \beta_2^t}$.

# %%
class AdaGradTextbook(AdaGrad):
    def step(self, w, g):
        if self.G is None:
            self.G = np.zeros_like(w)
        self.G = self.G + g**2
        return w - self.lr * g / (np.sqrt(self.G) + self.eps)


class RMSPropTextbook(RMSProp):
    def step(self, w, g):
        if self.s is None:
            self.s = np.zeros_like(w)
        self.s = self.rho * self.s + (1 - self.rho) * g**2
        return w - self.lr * g / (np.sqrt(self.s) + self.eps)


class AdamTextbook(Adam):
    def step(self, w, g):
        if self.m is None:
            self.m, self.v = np.zeros_like(w), np.zeros_like(w)
        self.t += 1
        self.m = self.beta1 * self.m + (1 - self.beta1) * g
        self.v = self.beta2 * self.v + (1 - self.beta2) * g**2
        m_hat = self.m / (1 - self.beta1**self.t)
        v_hat = self.v / (1 - self.beta2**self.t)
        return w - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


variants = {
    "AdaGrad, lr 1": AdaGradTextbook(1.0, eps=EPS),
    "RMSProp, lr 0.1": RMSPropTextbook(0.1, eps=EPS),
    "Adam, lr 0.1": AdamTextbook(0.1, eps=EPS),
}
print(f"{'':18s} {'ours vs Keras':>14s} {'textbook vs Keras':>18s}")
for name, textbook in variants.items():
    ours = np.abs(valley_paths[name] - keras_paths[name]).max()
    other = np.abs(trajectory(textbook, valley_grad, w0, steps) - keras_paths[name]).max()
    print(f"{name:18s} {ours:14.1e} {other:18.1e}")
    assert ours < 5e-5 and other > 5e-4, name  # ten times apart, at least
nesterov_gap = np.abs(thetas - valley_paths["Nesterov 0.9, lr 0.01"]).max()
print(f"{'Nesterov, lr 0.01':18s} {'':14s} {nesterov_gap:18.1e}")

# %% [markdown]
# None of these variants is wrong; they are different optimisers that share a name. When
# you reproduce a result, or port a model between libraries, check the update equations,
# not just the hyper-parameters.

# %% [markdown]
# ## 5. Learning-rate schedules
#
# A constant learning rate leaves SGD jittering around the optimum (section 1). Decaying it
# shrinks the jitter. Common schedules, as functions of the step $t$:
#
# - **exponential decay**: $\eta_t = \eta_0\, r^{\,t/T}$ (`keras.optimizers.schedules.ExponentialDecay`);
# - **inverse-time decay**: $\eta_t = \eta_0 / (1 + k\,t/T)$ (`InverseTimeDecay`);
# - **cosine annealing with warm restarts** (SGDR): the rate follows half a cosine from its
#   peak down to a floor $\alpha\eta_0$ over a cycle of $T_i$ steps, then jumps back up. Each
#   cycle is `t_mul` times longer than the previous one and its peak `m_mul` times lower:
#
# $$\eta_t = \eta_0\Bigl(\alpha + (1-\alpha)\, m_{\text{mul}}^{\,i}\;
# \tfrac12\bigl(1 + \cos(\pi\, t_{\text{cur}} / T_i)\bigr)\Bigr),\qquad T_i = T_0\, t_{\text{mul}}^{\,i},$$
#
# where $i$ counts the restarts so far and $t_{\text{cur}}$ the steps since the last one
# (`CosineDecayRestarts`). The restarts let the optimiser jump out of the basin it settled
# in; every cycle ends at a small learning rate, a good moment to take a snapshot.

# %%
def exponential_decay(t, lr0, decay_steps, rate):
    return lr0 * rate ** (t / decay_steps)


def inverse_time_decay(t, lr0, decay_steps, k):
    return lr0 / (1 + k * t / decay_steps)


def cosine_restarts(t, lr0, first_cycle, t_mul=2.0, m_mul=1.0, alpha=0.0):
    """Cosine annealing with warm restarts, one step t at a time."""
    cycle, length, t_cur = 0, first_cycle, float(t)
    while t_cur >= length:
        t_cur -= length
        length *= t_mul
        cycle += 1
    cosine = 0.5 * (1 + np.cos(np.pi * t_cur / length))
    return lr0 * (alpha + (1 - alpha) * m_mul**cycle * cosine)


total = 1500
t_steps = np.arange(total)
schedules = {
    "exponential (r = 0.1 per 1000 steps)": (
        lambda t: exponential_decay(t, 0.1, 1000, 0.1),
        keras.optimizers.schedules.ExponentialDecay(0.1, 1000, 0.1)),
    "inverse time (k = 1 per 100 steps)": (
        lambda t: inverse_time_decay(t, 0.1, 100, 1.0),
        keras.optimizers.schedules.InverseTimeDecay(0.1, 100, 1.0)),
    "cosine restarts (T0 = 100, ×2, peak ×0.8)": (
        lambda t: cosine_restarts(t, 0.1, 100, t_mul=2.0, m_mul=0.8, alpha=0.05),
        keras.optimizers.schedules.CosineDecayRestarts(0.1, 100, t_mul=2.0, m_mul=0.8,
                                                       alpha=0.05)),
}
schedule_values = {}
for name, (ours, theirs) in schedules.items():
    mine = np.array([ours(t) for t in t_steps])
    keras_values = keras.ops.convert_to_numpy(theirs(t_steps))
    assert np.allclose(mine, keras_values, rtol=1e-5, atol=1e-7), name
    schedule_values[name] = mine
print("our schedules agree with Keras's at all", total, "steps")

# %% [markdown]
# A Keras optimiser accepts a schedule in place of a constant learning rate and calls it
# with its step counter before every update. Our SGD with the cosine schedule, fed the same
# gradients, must follow the same path:

# %%
class ScheduledSGD(SGD):
    """Plain SGD whose learning rate at step t (from 0) is schedule(t)."""

    def __init__(self, schedule):
        super().__init__(lr=None)
        self.schedule, self.t = schedule, 0

    def step(self, w, g):
        self.lr = self.schedule(self.t)
        self.t += 1
        return super().step(w, g)


sched_ours = ScheduledSGD(lambda t: cosine_restarts(t, 0.019, 10, 2.0, 0.8, 0.05))
sched_keras = keras.optimizers.SGD(
    keras.optimizers.schedules.CosineDecayRestarts(0.019, 10, t_mul=2.0, m_mul=0.8, alpha=0.05))
gap = np.abs(trajectory(sched_ours, valley_grad, w0, steps)
             - keras_trajectory(sched_keras, valley_grad, w0, steps)).max()
print(f"SGD with cosine restarts, largest difference from Keras: {gap:.1e}")
assert gap < 1e-4

# %% [markdown]
# Now the effect on SGD (batch size 1) for the line fit of section 1: the same initial
# learning rate, constant or decayed, for the same number of epochs. We measure the distance
# to the least-squares optimum after every epoch.

# %%
sgd_epochs = pick(30, 14)  # both end a cosine cycle (2 + 4 + 8 + 16 epochs)
steps_total = sgd_epochs * n
decays = {
    "constant": None,
    "inverse time": lambda t: 1 / (1 + t / (2 * n)),
    "cosine restarts": lambda t: cosine_restarts(t, 1.0, 2 * n, t_mul=2.0, m_mul=0.8, alpha=0.01),
}
distances = {}
for name, schedule in decays.items():
    path = gradient_descent(1, 0.01, sgd_epochs, schedule=schedule)
    distances[name] = np.linalg.norm(path[n::n] - theta_star, axis=1)

fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(13, 4))
for name, values in schedule_values.items():
    ax0.plot(t_steps, values, label=name)
ax0.set(xlabel="step", ylabel="learning rate", title="schedules (ours; Keras's agree)")
ax0.legend(fontsize=8)
ax0.grid(alpha=0.3)
plot_curves(distances, ylabel="distance to the optimum", ax=ax1, logy=True)
ax1.set_title("SGD (B = 1, $\\eta_0 = 0.01$) on the line fit")
plt.show()
for name, d in distances.items():
    print(f"[figure] SGD, {name} learning rate: distance to optimum after {sgd_epochs} "
          f"epochs {d[-1]:.4f}")

# %% [markdown]
# With a constant rate the distance stops falling after a few epochs: the noise floor.
# Inverse-time decay keeps reducing it steadily. Cosine annealing gets closest at the end of
# each cycle, where the rate is smallest, and each restart throws it back out — which is the
# point of restarts when the loss has many basins, and why one stops training at the end of
# a cycle.

# %% [markdown]
# ## 6. A quasi-Newton method for comparison: L-BFGS
#
# First-order methods use only the gradient. Newton's method also uses the curvature (the
# Hessian), which lets it take the right step along a valley at once, but it needs
# $O(N_w^2)$ memory. **L-BFGS** estimates the curvature from the last few gradients and steps
# and chooses each step length with a line search. It shines on smooth, deterministic,
# full-batch problems with not too many parameters, and copes badly with the noise of
# mini-batches, which is why deep learning relies on the first-order methods above.
#
# The test bed is Rosenbrock's banana-shaped valley
# $f(\mathbf w) = (1 - w_1)^2 + 100\,(w_2 - w_1^2)^2$, with its minimum at $(1, 1)$ at the end of
# a long curved valley. We check our gradient against SciPy's and against central
# differences, then race momentum, Adam and SciPy's L-BFGS from $(-1.2, 1)$.

# %%
def rosenbrock(w):
    w = np.asarray(w)
    return (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2


def rosenbrock_grad(w):
    return np.array([-2 * (1 - w[0]) - 400 * w[0] * (w[1] - w[0] ** 2),
                     200 * (w[1] - w[0] ** 2)])


w_test = np.array([-0.7, 0.4])
assert np.isclose(rosenbrock(w_test), rosen(w_test))
assert np.allclose(rosenbrock_grad(w_test), rosen_der(w_test))
assert relative_error(rosenbrock_grad(w_test), numerical_gradient(rosenbrock, w_test.copy())) < 1e-8

start, budget = np.array([-1.2, 1.0]), pick(3000, 1000)
rosen_paths = {
    "momentum 0.9, lr 2e-4": trajectory(SGD(2e-4, momentum=0.9), rosenbrock_grad, start, budget),
    "Adam, lr 0.02": trajectory(Adam(0.02), rosenbrock_grad, start, budget),
}
lbfgs_points = [start.copy()]
result = minimize(rosenbrock, start, jac=rosenbrock_grad, method="L-BFGS-B",
                  callback=lambda xk: lbfgs_points.append(np.array(xk)))
rosen_paths["L-BFGS (SciPy)"] = np.array(lbfgs_points)
assert result.success and np.allclose(result.x, [1.0, 1.0], atol=1e-4)


def steps_to_reach(path, tol=1e-6):
    below = np.nonzero(rosenbrock(path.T) < tol)[0]
    return int(below[0]) if below.size else None


for name, path in rosen_paths.items():
    reached = steps_to_reach(path)
    print(f"[figure] {name}: f < 1e-6 after "
          f"{reached if reached is not None else f'more than {budget}'} iterations; "
          f"final f = {rosenbrock(path[-1]):.1e}")
print(f"[figure] L-BFGS used {result.nit} iterations and {result.nfev} function evaluations")

fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(14, 4.5))
plot_loss_contours(rosenbrock, (-1.6, 1.6), (-0.6, 1.6), ax=ax0, levels=np.linspace(-2, 3, 16), log=True,
                   minimum=(1, 1))
plot_trajectories(rosen_paths, ax=ax0, markers=False,
                  styles={"L-BFGS (SciPy)": dict(marker="o", markersize=4, lw=1.5)})
ax0.set(xlabel="$w_1$", ylabel="$w_2$", title="Rosenbrock's valley")
plot_curves({k: rosenbrock(p.T) for k, p in rosen_paths.items()}, xlabel="iteration",
            ylabel="$f(\\mathbf{w})$", ax=ax1, logy=True)
ax1.set_xscale("log")
plt.show()

# %% [markdown]
# L-BFGS reaches the minimum in a few dozen iterations (each needing one or a few function
# and gradient evaluations in its line search), where momentum and Adam need thousands of
# steps and are still crawling along the curved floor of the valley. For a neural network
# with millions of parameters and a loss that is only ever *estimated* on mini-batches, the
# picture reverses: L-BFGS's curvature estimates are spoiled by the noise, and each
# full-batch evaluation is expensive, so mini-batch first-order methods win.
#
# <details><summary>Self-test: why does Adam not converge exactly to $(1, 1)$ with a constant
# learning rate, while L-BFGS does?</summary>
#
# Adam's step is roughly $\eta\cdot m/\sqrt v$, whose size does not shrink with the gradient
# (it is about $\eta$ when the gradients have a consistent sign), so near the minimum it
# keeps taking steps of order $\eta$ and hovers around it; a decaying learning rate fixes
# that. L-BFGS's line search and curvature model make the steps shrink as the gradient does.
# </details>
