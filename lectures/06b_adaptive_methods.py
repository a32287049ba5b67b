# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lecture 6b — Adaptive methods, and a quasi-Newton method for comparison
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/nn-course/keras-nn-course/blob/v0.1.0/lectures/06b_adaptive_methods.ipynb)
#
# Lecture 6 gave every parameter the same learning rate. The methods here give each
# parameter its own, scaled by the size of its recent gradients: AdaGrad, RMSProp, Adam, and
# two relatives, AdaDelta and NAdam. Each is written from scratch in numpy and checked
# against the Keras optimiser of the same name step by step; then we read Keras's equations
# against the textbook ones, and race the first-order methods against L-BFGS.
#
# **Contents**
# 1. Adaptive learning rates: AdaGrad, RMSProp and Adam
# 2. Two relatives: AdaDelta and NAdam
# 3. Reading the Keras equations carefully
# 4. A quasi-Newton method for comparison: L-BFGS

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
from scipy.optimize import minimize, rosen, rosen_der

from nnkit import numerical_gradient, pick, relative_error, seed_everything
from nnkit.optim import (keras_trajectory, plot_loss_contours, plot_trajectories,
                         quadratic_valley, trajectory)
from nnkit.plots import plot_curves

seed_everything(0)
rng = np.random.default_rng(0)
print(f"Keras {keras.__version__}, backend {keras.backend.backend()}")

# %% [markdown]
# The test bed of lecture 6: the valley $f(\mathbf w) = \tfrac12(w_1^2 + 100\,w_2^2)$, 100
# times steeper across than along, from $\mathbf w_0 = (-4, 1.5)$. As there, each optimiser
# has a `step(w, g)` method, `trajectory` records the points it visits and
# `keras_trajectory` the points Keras's optimiser visits from the same start. Plain
# gradient descent and momentum (run with Keras's own `SGD`) are the baselines.

# %%
valley, valley_grad = quadratic_valley([1.0, 100.0])
w0, steps = np.array([-4.0, 1.5]), pick(100, 50)
valley_paths = {
    "gradient descent, lr 0.019": keras_trajectory(keras.optimizers.SGD(0.019), valley_grad,
                                                   w0, steps),
    "momentum 0.9, lr 0.01": keras_trajectory(keras.optimizers.SGD(0.01, momentum=0.9),
                                              valley_grad, w0, steps),
}


def valley_plot(paths, ax, title, styles=None):
    plot_loss_contours(valley, (-4.5, 1.5), (-2, 2), ax=ax,
                       levels=np.geomspace(1e-3, 200, 18), minimum=(0, 0))
    plot_trajectories(paths, ax=ax, styles=styles)
    ax.set(xlabel="$w_1$", ylabel="$w_2$", title=title)

# %% [markdown]
# ## 1. Adaptive learning rates: AdaGrad, RMSProp and Adam
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
# visible difference (section 3).

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
# The adaptive methods head diagonally at first, because their first step hardly depends
# on how steep each coordinate is. How large it is depends on the method (ε aside):
#
# - **Adam**: $m_1 = (1-\beta_1)g$, $v_1 = (1-\beta_2)g^2$ and
#   $\alpha_1 = \eta\sqrt{1-\beta_2}/(1-\beta_1)$, so the first step is exactly
#   $\eta\operatorname{sign}(g)$;
# - **RMSProp**: $s_1 = (1-\rho)g^2$ starts from 0 with no correction, so the first step is
#   $\eta\operatorname{sign}(g)/\sqrt{1-\rho} \approx 3.2\,\eta$ for $\rho = 0.9$;
# - **AdaGrad**: $\eta g/\sqrt{0.1 + g^2}$, close to $\eta\operatorname{sign}(g)$ only where
#   $|g| \gg 0.3$.
#
# The equal steps in every coordinate help here because the valley is aligned with the
# axes; if it were tilted, no per-coordinate scaling could straighten it.

# %%
first_steps = {name: np.abs(p[1] - p[0]) for name, p in valley_paths.items() if name in adaptive_runs}
print({name: s.round(4).tolist() for name, s in first_steps.items()}, "gradient at w0:", valley_grad(w0))
assert np.allclose(first_steps["Adam, lr 0.1"], 0.1, rtol=1e-2)  # epsilon = 1e-3 shaves 1 %
assert np.allclose(first_steps["RMSProp, lr 0.1"], 0.1 / np.sqrt(0.1), rtol=1e-3)
assert np.allclose(first_steps["AdaGrad, lr 1"], np.abs(valley_grad(w0)) / np.sqrt(0.1 + valley_grad(w0) ** 2),
                   rtol=1e-3)

# %% [markdown]
# RMSProp and Adam, with a constant learning rate, end up hovering in a region around the
# minimum whose size is set by $\eta$: as the average of the squared gradients decays, their
# steps grow back to about $\eta$ whatever the gradient. RMSProp's loss even drops below
# $10^{-15}$ before it is thrown out again. That is a job for a learning-rate schedule
# (lecture 6, section 3).

# %% [markdown]
# ## 2. Two relatives: AdaDelta and NAdam
#
# **AdaDelta** (Zeiler, 2012) starts from RMSProp and removes the learning rate's units:
# the step is the gradient scaled by the ratio of two running RMS values, that of the
# *past steps* over that of the gradients (Keras: `keras.optimizers.Adadelta`, with a
# multiplier $\eta$ that the paper sets to 1):
#
# $$s \leftarrow \rho s + (1-\rho) g^2,\quad
# \Delta = -\frac{\sqrt{d + \varepsilon}}{\sqrt{s + \varepsilon}}\,g,\quad
# d \leftarrow \rho d + (1-\rho)\Delta^2,\quad w \leftarrow w + \eta\Delta .$$
#
# With $d$ starting at 0, its first steps are of size $\sqrt{\varepsilon/(1-\rho)}$, tiny,
# and they grow only as the past steps do.
#
# **NAdam** (Dozat, 2016) is Adam with Nesterov's look-ahead: the momentum term in the step
# uses the *next* step's momentum coefficient, and the current gradient enters on its own.
# Keras's version also ramps the momentum coefficient up,
# $\mu_t = \beta_1\bigl(1 - \tfrac12\,0.96^{\,t}\bigr)$, and corrects by the running product
# $\Pi_t = \mu_1\cdots\mu_t$:
#
# $$\hat m = \frac{\mu_{t+1}\, m}{1 - \Pi_{t+1}} + \frac{(1-\mu_t)\, g}{1 - \Pi_t},\quad
# \hat v = \frac{v}{1-\beta_2^{\,t}},\quad w \leftarrow w - \frac{\eta\,\hat m}{\sqrt{\hat v} + \varepsilon},$$
#
# with $m$ and $v$ updated as in Adam.

# %%
class AdaDelta:
    """Keras's Adadelta: the RMS of past steps over the RMS of gradients, times lr."""

    def __init__(self, lr=1.0, rho=0.95, eps=1e-6):
        self.lr, self.rho, self.eps = lr, rho, eps
        self.s = self.d = None

    def step(self, w, g):
        if self.s is None:
            self.s, self.d = np.zeros_like(w), np.zeros_like(w)
        self.s = self.rho * self.s + (1 - self.rho) * g**2
        delta = -np.sqrt(self.d + self.eps) / np.sqrt(self.s + self.eps) * g
        self.d = self.rho * self.d + (1 - self.rho) * delta**2
        return w + self.lr * delta


class NAdam(Adam):
    """Keras's Nadam: Adam with a Nesterov-style momentum term and a momentum schedule."""

    def __init__(self, lr, beta1=0.9, beta2=0.999, eps=1e-7):
        super().__init__(lr, beta1, beta2, eps)
        self.mu_product = 1.0

    def mu(self, t):
        return self.beta1 * (1 - 0.5 * 0.96**t)

    def step(self, w, g):
        if self.m is None:
            self.m, self.v = np.zeros_like(w), np.zeros_like(w)
        self.t += 1
        mu_t, mu_next = self.mu(self.t), self.mu(self.t + 1)
        self.mu_product *= mu_t
        self.m = self.beta1 * self.m + (1 - self.beta1) * g
        self.v = self.beta2 * self.v + (1 - self.beta2) * g**2
        m_hat = (mu_next * self.m / (1 - self.mu_product * mu_next)
                 + (1 - mu_t) * g / (1 - self.mu_product))
        v_hat = self.v / (1 - self.beta2**self.t)
        return w - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


relative_runs = {
    "AdaDelta, lr 1": (lambda: AdaDelta(1.0, eps=1e-6),
                       lambda: keras.optimizers.Adadelta(1.0, rho=0.95, epsilon=1e-6)),
    "NAdam, lr 0.1": (lambda: NAdam(0.1, eps=EPS), lambda: keras.optimizers.Nadam(0.1, epsilon=EPS)),
}
for name, (ours, theirs) in relative_runs.items():
    valley_paths[name] = trajectory(ours(), valley_grad, w0, steps)
    keras_paths[name] = keras_trajectory(theirs(), valley_grad, w0, steps)
    gap = np.abs(valley_paths[name] - keras_paths[name]).max()
    print(f"{name:18s} largest difference from Keras over {steps} steps: {gap:.1e}")
    assert gap < 1e-4, name

# %%
fig, axes = plt.subplots(1, 2, figsize=(14, 4.5))
shown = ("Adam, lr 0.1", *relative_runs)
valley_plot({k: valley_paths[k] for k in shown}, axes[0], "Adam and two relatives")
plot_curves({k: valley(valley_paths[k].T) for k in ("momentum 0.9, lr 0.01", *shown)},
            xlabel="step", ylabel="$f(\\mathbf{w})$", ax=axes[1], logy=True)
plt.show()
final = {k: valley(valley_paths[k][-1]) for k in shown}
for name, value in final.items():
    if name in relative_runs:
        print(f"[figure] {name}: f after {steps} steps = {value:.1e}")
adadelta_first = np.abs(valley_paths["AdaDelta, lr 1"][1] - w0)
print(f"[figure] AdaDelta's first step: {adadelta_first.round(5).tolist()} "
      f"(sqrt(eps / (1 - rho)) = {np.sqrt(1e-6 / 0.05):.5f})")
assert np.allclose(adadelta_first, np.sqrt(1e-6 / 0.05), rtol=1e-3)
assert final["AdaDelta, lr 1"] > 100 * final["Adam, lr 0.1"]  # still near the start

# %% [markdown]
# AdaDelta needs no learning rate to be tuned, but on this problem it pays for that with a
# slow start: its steps are built from its own past steps, which begin at
# $\sqrt{\varepsilon/(1-\rho)} \approx 0.0045$, so after a hundred steps it has barely left
# the start. NAdam behaves like Adam with a little more push early on. None of these
# methods is best everywhere: Adam is a robust default, not a panacea; on many image
# problems well-tuned SGD with momentum and a schedule generalises better, and the
# comparison has to be made on the problem at hand (lab 6 searches the learning rate).

# %% [markdown]
# ## 3. Reading the Keras equations carefully
#
# Papers and textbooks write these optimisers in slightly different ways, and "the same"
# optimiser with the same hyper-parameters then follows a different path. The small
# differences between our versions and Keras's above (at most about $10^{-5}$) are
# rounding: Keras keeps the learning rate in a float32 variable and turns some other
# hyper-parameters, such as $\mu$, $\beta_1$ and $\beta_2$, into float32 numbers before using
# them (0.9 becomes 0.89999998), even for a float64 variable. Here are common variants
# found in papers, books and other libraries, each differing from Keras in one detail:
#
# | variant (where it is written this way) | the detail |
# |---|---|
# | AdaGrad (Duchi et al.) | $G$ starts at 0; $\varepsilon$ *outside* the root, $\sqrt G + \varepsilon$ |
# | RMSProp (PyTorch's `torch.optim.RMSprop`) | $\varepsilon$ outside the root, $\sqrt s + \varepsilon$ |
# | Adam, textbook | $w \leftarrow w - \eta\,\hat m/(\sqrt{\hat v} + \varepsilon)$, where |
# | | $\hat m = m/(1-\beta_1^t)$ and $\hat v = v/(1-\beta_2^t)$ |
# | Nesterov, look-ahead | tracks $\boldsymbol\theta$, not the look-ahead $\boldsymbol\theta + \mu\mathbf v$ (lecture 6) |
#
# Keras's RMSProp divides by $\sqrt{s + \varepsilon}$, with $\varepsilon$ *inside* the root
# (`keras/src/optimizers/rmsprop.py`), as do d2l (section 12.8) and Goodfellow et al.
# (Alg. 8.5); only the placement of $\varepsilon$ is a library's choice.
#
# The Adam variants differ only by where $\varepsilon$ enters. Multiplying the textbook
# step's numerator and denominator by $\sqrt{1-\beta_2^t}$ gives
# $\eta\,\hat m/(\sqrt{\hat v} + \varepsilon') = \alpha_t\, m/(\sqrt v + \varepsilon'\sqrt{1-\beta_2^t})$,
# so Keras's form equals the textbook one with $\varepsilon$ replaced by
# $\varepsilon/\sqrt{1 - \beta_2^t}$, a larger $\varepsilon$ early in training. The
# cell checks that identity too: the textbook Adam with that $\varepsilon$ follows our
# Keras-form Adam to rounding error.

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
print(f"{'':18s} {'ours vs Keras':>14s} {'variant vs Keras':>18s}")
for name, textbook in variants.items():
    ours = np.abs(valley_paths[name] - keras_paths[name]).max()
    other = np.abs(trajectory(textbook, valley_grad, w0, steps) - keras_paths[name]).max()
    print(f"{name:18s} {ours:14.1e} {other:18.1e}")
    assert ours < 5e-5 and other > 5e-4, name  # ten times apart, at least


class AdamTextbookRescaled(AdamTextbook):
    """The textbook Adam whose epsilon at step t is eps / sqrt(1 - beta2^t)."""

    def step(self, w, g):
        base, t = self.eps, self.t + 1
        self.eps = base / np.sqrt(1 - self.beta2**t)
        try:
            return super().step(w, g)
        finally:
            self.eps = base


identity_gap = np.abs(trajectory(AdamTextbookRescaled(0.1, eps=EPS), valley_grad, w0, 50)
                      - trajectory(Adam(0.1, eps=EPS), valley_grad, w0, 50)).max()
wrong_gap = np.abs(trajectory(AdamTextbook(0.1, eps=EPS * np.sqrt(1 - 0.999)), valley_grad, w0, 50)
                   - trajectory(Adam(0.1, eps=EPS), valley_grad, w0, 50)).max()
print(f"[figure] Adam, 50 steps: textbook with eps/sqrt(1-beta2^t) vs Keras form {identity_gap:.1e}")
assert identity_gap < 1e-12 and wrong_gap > 1e-3

# %% [markdown]
# None of these variants is wrong; they are different optimisers that share a name. When
# you reproduce a result, or port a model between libraries, check the update equations,
# not just the hyper-parameters.

# %% [markdown]
# ## 4. A quasi-Newton method for comparison: L-BFGS
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
# differences, then race Adam, NAdam and SciPy's L-BFGS from $(-1.2, 1)$.

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
    "Adam, lr 0.02": trajectory(Adam(0.02), rosenbrock_grad, start, budget),
    "NAdam, lr 0.02": trajectory(NAdam(0.02), rosenbrock_grad, start, budget),
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
# and gradient evaluations in its line search), where Adam and NAdam need thousands of
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

# %% [markdown]
# ## Summary
# - Adaptive methods divide each parameter's step by a running RMS of its gradients:
#   AdaGrad (a sum, so the steps only shrink), RMSProp (a moving average), Adam (a moving
#   average plus momentum and bias corrections). Adam's first step is exactly
#   $\eta\operatorname{sign}(g)$; RMSProp's is $1/\sqrt{1-\rho}$ times larger.
# - AdaDelta replaces the learning rate by the RMS of past steps (slow to start); NAdam adds
#   Nesterov's look-ahead to Adam. None is best on every problem.
# - "The same" optimiser differs between books and libraries by details such as where
#   $\varepsilon$ sits; Keras's Adam equals the textbook Adam with $\varepsilon$ replaced by
#   $\varepsilon/\sqrt{1-\beta_2^t}$. Check the equations when you port a result.
# - L-BFGS, a quasi-Newton method, wins on small, smooth, full-batch problems; mini-batch
#   first-order methods win on large networks trained from noisy gradient estimates.
#
# ## Exercises
# 1. Derive the first step of Keras's AdaGrad, RMSProp and Adam on a single parameter with
#    gradient $g$, keeping $\varepsilon$. For which $|g|$ is each within 1 % of
#    $\eta\operatorname{sign}(g)$ (or of its limit)?
# 2. Prove the $\varepsilon$ identity of section 3: show that the textbook Adam step with
#    $\varepsilon' = \varepsilon/\sqrt{1-\beta_2^t}$ equals Keras's step with $\varepsilon$.
#    What is the ratio $\varepsilon'/\varepsilon$ at $t = 1$ and at $t = 10^4$ for
#    $\beta_2 = 0.999$?
# 3. What changes if the valley is tilted by 45°, $f(\mathbf w) = \tfrac12\mathbf w^\top
#    R^\top \operatorname{diag}(1, 100) R\,\mathbf w$ with $R$ a rotation? Write its gradient,
#    run Adam and momentum from a point of the same loss, and explain the difference from
#    section 1.
# 4. Give AdaDelta a learning-rate multiplier of 10 and of 100 (`AdaDelta(lr)`) on the
#    valley. What happens, and why does the paper's "no learning rate" claim not quite hold?
# 5. Add a cosine decay from 0.1 to 0 over 100 steps to Adam on the valley
#    (`keras.optimizers.schedules.CosineDecay`, and the same in our class). Compare the final
#    loss with the constant rate and explain the difference.
# 6. Why does L-BFGS need the *full* gradient? Run SciPy's L-BFGS on the Rosenbrock function
#    with gradients that carry 1 % random noise and report what happens.
