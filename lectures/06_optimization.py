# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lecture 6 — Gradient descent, momentum and learning-rate schedules
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/nn-course/keras-nn-course/blob/v0.1.0/lectures/06_optimization.ipynb)
#
# Backpropagation gives the gradient; an *optimiser* decides what to do with it. This
# lecture and the next one (6b, adaptive methods) write the common optimisers from scratch
# in numpy, check each against the Keras optimiser of the same name step by step, and watch
# them move across loss surfaces of two parameters, where we can draw every step. Here:
# how many examples each step uses, momentum, and how to change the learning rate over
# time.
#
# **Contents**
# 1. Full batch, stochastic and mini-batch gradient descent
# 2. Momentum and Nesterov momentum
# 3. Learning-rate schedules, and cosine annealing with warm restarts
#
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

from nnkit import numerical_gradient, pick, relative_error, seed_everything
from nnkit.optim import plot_loss_contours, plot_trajectories
from nnkit.plots import plot_curves

seed_everything(0)
rng = np.random.default_rng(0)
print(f"Keras {keras.__version__}, backend {keras.backend.backend()}")


# %% [markdown]
# The optimisers below have a `step(w, g)` method that returns the new parameters;
# `nnkit.optim.trajectory` runs one from a starting point and records every point it
# visits, and `keras_trajectory` does the same with a `keras.optimizers` optimiser updating
# a float64 Keras variable, so that the two paths can be compared.

# %%
from nnkit.optim import keras_trajectory, quadratic_valley, trajectory

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
# the parameters keep jittering around it (section 3 cures that). Mini-batches sit in
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
valley, valley_grad = quadratic_valley([1.0, 100.0])


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
# ## 3. Learning-rate schedules
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
# Why the decaying rates win has a classical answer. A mini-batch gradient is an *unbiased*
# estimate of the full gradient (its average over the random batches is the full gradient),
# and Robbins and Monro (1951) showed that stochastic steps then converge to a minimum of a
# convex loss when the learning rates satisfy
#
# $$\sum_t \eta_t = \infty \qquad\text{and}\qquad \sum_t \eta_t^2 < \infty :$$
#
# the steps must add up to an unlimited distance (so the optimum can be reached from
# anywhere) while their squares, which set the variance the noise adds, stay finite.
# Inverse-time decay, $\eta_t \propto 1/t$, meets both; a constant rate fails the second
# (it keeps the noise floor) and exponential decay fails the first (it can freeze before it
# arrives). In practice one stops long before $t \to \infty$, and schedules are chosen for
# speed; the conditions explain the shape of the curves above.

# %%
# inverse time ends well below the constant rate's noise floor (in a full run; fast runs are short)
assert distances["inverse time"][-1] < pick(0.5, 3.0) * np.mean(distances["constant"][-5:])

# %% [markdown]
# ## Summary
# - Full-batch, stochastic and mini-batch gradient descent differ only in how many examples
#   each step uses; reshuffle every epoch. Small batches give cheap, noisy steps that hover
#   around the optimum at a constant learning rate.
# - Momentum accumulates a velocity $\mathbf m \leftarrow \mu\mathbf m - \eta\mathbf g$:
#   consistent gradients add up, oscillating ones cancel. Nesterov evaluates the gradient at
#   the look-ahead point; Keras stores that point, which gives an equivalent update.
# - A decaying learning rate (exponential, inverse-time, cosine with warm restarts) removes
#   the noise floor; Robbins–Monro says why $\eta_t \propto 1/t$ converges.
# - Lecture 6b continues with the adaptive methods (AdaGrad, RMSProp, Adam, AdaDelta,
#   NAdam) and a quasi-Newton method.
#
# ## Exercises
# 1. Show that on the line fit of section 1 the loss is a quadratic in $(w, b)$ with Hessian
#    $2\begin{pmatrix}\overline{x^2} & \bar x\\ \bar x & 1\end{pmatrix}$. Compute its
#    eigenvalues for the data above and derive the largest stable full-batch learning rate.
#    Check it by running `gradient_descent(n, lr, 30)` just below and just above it.
# 2. With momentum $\mu$ on the valley $f = (w_1^2 + 100w_2^2)/2$, write the update of
#    $(w_2, m_2)$ as a $2\times2$ linear map. For $\eta = 0.01$, for which $\mu$ are both of
#    its eigenvalues inside the unit circle? What happens to the figure of section 2 with
#    $\mu = 0.99$?
# 3. What changes if the mini-batches are drawn *with* replacement (each batch 16 random
#    indices, no permutation)? Write that variant of `minibatches`, rerun section 1 and
#    compare the loss after 30 epochs.
# 4. Exponential decay with $r = 0.1$ per 1000 steps: how far can SGD travel in total,
#    $\sum_t \eta_t$, starting from $\eta_0 = 0.1$? Give the closed form and say what it means
#    for a start far from the optimum.
# 5. Change the cosine schedule of section 3 to restart every 2 epochs without growing the
#    cycles (`t_mul=1`). Where on the distance curve should you stop training, and why?
