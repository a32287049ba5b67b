# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lecture 7 — Activation functions and weight initialisation
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/nn-course/keras-nn-course/blob/v0.1.0/lectures/07_activations_initialization.ipynb)
#
# Backpropagation multiplies, layer after layer, by the derivative of the activation and by
# the weights. If those factors are mostly below one the gradient fades away on its way to
# the first layers; if they are above one it blows up. This lecture looks at the usual
# activation functions and their derivatives, at *saturation*, and at the two
# initialisation schemes (Glorot and He) that keep the signal at a sensible size through a
# deep stack of layers.
#
# **Contents**
# 1. Six activation functions and their derivatives
# 2. Saturation: why sigmoid networks learn slowly
# 3. The variance of a layer's output, and the Glorot and He rules
# 4. Activations and gradients layer by layer in a deep network; exploding gradients;
#    the sigmoid's factor 4; maxout
# 5. Does it matter for training?

# %% [markdown]
# ## Setup
#
# This lecture runs on any Keras backend: TensorFlow (the default), JAX or PyTorch. Keras
# picks its backend when it is first imported, from the environment variable
# `KERAS_BACKEND`: start Jupyter with it set (`KERAS_BACKEND=jax jupyter lab`), or, on Colab,
# add a first cell `import os; os.environ["KERAS_BACKEND"] = "jax"` and run it before any
# other (after *Restart session* if Keras was imported already). The cell after Setup
# prints the backend in use. The numbers quoted in the text come from a full run on
# TensorFlow; each backend draws its own random numbers, so trained results come out a
# little different on the others.

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
from keras import ops
from scipy.stats import truncnorm

from coursedata.toy import make_nonlinear
from nnkit import numerical_gradient, pick, relative_error, seed_everything
from nnkit.autodiff import float64, value_and_grad
from nnkit.plots import plot_curves

seed_everything(0)
print(f"Keras {keras.__version__}, backend {keras.backend.backend()}")

# %% [markdown]
# ## 1. Six activation functions
#
# | name | $\phi(z)$ | $\phi'(z)$ |
# |---|---|---|
# | sigmoid | $\sigma(z) = \dfrac{1}{1+e^{-z}}$ | $\sigma(z)\,(1-\sigma(z))$ |
# | tanh | $\tanh z$ | $1 - \tanh^2 z$ |
# | ReLU | $\max(0, z)$ | $1$ if $z>0$, else $0$ |
# | leaky ReLU | $z$ if $z>0$, else $\alpha z$ | $1$ if $z>0$, else $\alpha$ |
# | ELU | $z$ if $z>0$, else $\alpha\,(e^{z}-1)$ | $1$ if $z>0$, else $\alpha e^{z}$ |
# | SiLU (swish) | $z\,\sigma(z)$ | $\sigma(z)\,\bigl(1 + z\,(1-\sigma(z))\bigr)$ |
#
# The *function* `keras.activations.leaky_relu` uses $\alpha = 0.2$ by default, but the
# *layer* `keras.layers.LeakyReLU` defaults to `negative_slope=0.3`: say which slope you
# mean. ELU's default is $\alpha = 1$. ReLU has no derivative at $z=0$; frameworks use $0$
# there (some textbooks use 1), and we keep our test points away from it.
# The derivatives of sigmoid and tanh are written in terms of the function's own value,
# which backpropagation has already computed in the forward pass.

# %%
def sigmoid(z):
    """The logistic function."""
    return 1.0 / (1.0 + np.exp(-z))


ALPHA_LEAKY, ALPHA_ELU = 0.2, 1.0
ACTIVATIONS = {  # name: (phi, phi')
    "sigmoid": (sigmoid, lambda z: sigmoid(z) * (1 - sigmoid(z))),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "relu": (lambda z: np.maximum(0.0, z), lambda z: (z > 0).astype(float)),
    "leaky_relu": (lambda z: np.where(z > 0, z, ALPHA_LEAKY * z),
                   lambda z: np.where(z > 0, 1.0, ALPHA_LEAKY)),
    "elu": (lambda z: np.where(z > 0, z, ALPHA_ELU * np.expm1(np.minimum(z, 0))),
            lambda z: np.where(z > 0, 1.0, ALPHA_ELU * np.exp(np.minimum(z, 0)))),
    "silu": (lambda z: z * sigmoid(z),
             lambda z: sigmoid(z) * (1 + z * (1 - sigmoid(z)))),
}

# %% [markdown]
# Three checks for each function: our $\phi$ against `keras.activations`, our $\phi'$
# against central differences, and our $\phi'$ against the derivative the Keras backend's
# automatic differentiation finds (`tf.GradientTape`, `jax.grad` or PyTorch's `backward()`,
# through `nnkit.autodiff.value_and_grad`, lecture 5). Because $\phi$ acts entry by entry,
# the gradient of $\sum_i \phi(z_i)$ with respect to $z$ is the vector of $\phi'(z_i)$.

# %%
z_test = np.linspace(-4.05, 4.05, 28)  # avoids z = 0, where ReLU has a kink
for name, (phi, dphi) in ACTIVATIONS.items():
    with float64():  # JAX computes in float32 unless told otherwise (nnkit.autodiff)
        keras_value = keras.ops.convert_to_numpy(getattr(keras.activations, name)(z_test))
    assert np.allclose(phi(z_test), keras_value, atol=1e-12), name

    numeric = numerical_gradient(lambda z, phi=phi: np.sum(phi(z)), z_test.copy(), eps=1e-6)
    assert relative_error(dphi(z_test), numeric) < 1e-6, name

    _, autodiff_dphi = value_and_grad(lambda z, name=name: ops.sum(getattr(keras.activations, name)(z)),
                                      z_test)
    # Keras computes tanh in float32 on JAX even for float64 input (its JAX tanh goes through
    # Keras's type promotion, which maps float64 to float32 off TensorFlow; PyTorch's does not
    # and keeps float64): compare at that precision then
    atol = 1e-12 if keras_value.dtype == np.float64 else 1e-6
    assert np.allclose(dphi(z_test), autodiff_dphi, atol=atol), name
    print(f"{name:>10s}: value = Keras, derivative = central differences = autodiff")

import inspect  # noqa: E402  (the defaults are read from the signatures)

layer_slope = inspect.signature(keras.layers.LeakyReLU).parameters["negative_slope"].default
function_slope = inspect.signature(keras.activations.leaky_relu).parameters["negative_slope"].default
print(f"leaky ReLU default slope: function {function_slope}, layer {layer_slope}")
assert (function_slope, layer_slope) == (ALPHA_LEAKY, 0.3)

# %%
z = np.linspace(-5, 5, 401)
fig, axes = plt.subplots(2, 6, figsize=(17, 5), sharex=True)
for k, (name, (phi, dphi)) in enumerate(ACTIVATIONS.items()):
    axes[0, k].plot(z, phi(z), color="tab:blue")
    axes[1, k].plot(z, dphi(z), color="tab:red")
    axes[0, k].set_title(name)
    for ax in axes[:, k]:
        ax.axhline(0, color="gray", lw=0.5)
        ax.axvline(0, color="gray", lw=0.5)
        ax.grid(alpha=0.3)
    axes[1, k].set_ylim(-0.1, 1.15)
    axes[1, k].set_xlabel("$z$")
axes[0, 0].set_ylabel(r"$\phi(z)$")
axes[1, 0].set_ylabel(r"$\phi'(z)$")
plt.tight_layout()
plt.show()

# %% [markdown]
# Reading the bottom row: the sigmoid's derivative never exceeds $1/4$ (at $z=0$); tanh's
# reaches $1$ but only at $z=0$; ReLU's is exactly $1$ for every positive input and $0$ for
# every negative one; leaky ReLU and ELU keep a small slope on the negative side, so a unit
# never stops learning entirely; SiLU is a smooth ReLU that dips slightly below zero.

# %%
max_slope = {name: dphi(z).max() for name, (_, dphi) in ACTIVATIONS.items()}
assert np.isclose(max_slope["sigmoid"], 0.25) and np.isclose(max_slope["tanh"], 1.0)
for name, slope in max_slope.items():
    print(f"largest derivative of {name:>10s}: {slope:.3f}")

# %% [markdown]
# <details><summary>Self-test: show that $\tanh z = 2\sigma(2z) - 1$. What does it tell you
# about the derivatives of the two functions at 0?</summary>
#
# $2\sigma(2z) - 1 = \frac{2 - 1 - e^{-2z}}{1+e^{-2z}} = \frac{1-e^{-2z}}{1+e^{-2z}} = \tanh z$
# (multiply top and bottom by $e^{z}$). Differentiating, $\tanh'(z) = 4\sigma'(2z)$, so at 0
# tanh's slope is $4 \cdot \frac14 = 1$: tanh is a rescaled sigmoid, centred at zero and four
# times steeper.
# </details>

# %%
assert np.allclose(np.tanh(z), 2 * sigmoid(2 * z) - 1)

# %% [markdown]
# ## 2. Saturation
#
# A unit *saturates* when its net input $z$ is so large in magnitude that $\phi'(z)\approx 0$:
# whatever error reaches it, almost nothing flows back through it, and its incoming weights
# hardly change. For the sigmoid, $\sigma'(z) < 0.01$ as soon as $|z| > 4.6$.
#
# Backpropagation through $L$ layers multiplies, per layer, by the activation's derivative
# *and* by the transposed weight matrix: $\boldsymbol\delta_l = (W_l\,\boldsymbol\delta_{l+1})
# \odot \phi'(\mathbf z_l)$. The sigmoid's factor is at most $1/4$, so unless the weights
# make up for it (a gain of 4 per layer, section 4), the gradient shrinks layer after
# layer: with a net gain of $1/4$ per layer, ten layers leave $4^{-10} \approx 10^{-6}$ of it.
# Larger weights cannot fix this for long, since they push $z$ into the flat tails. This is
# the **vanishing gradient** problem; its mirror image, a gain above 1 per layer, is the
# **exploding gradient** (section 4). ReLU's derivative is exactly 1 on its active side, which is the main
# reason it replaced the sigmoid in hidden layers. Its own failure mode is the **dead
# unit**: a ReLU whose net input is negative for every example gets zero gradient forever.
#
# How much of the input range saturates depends on the scale of $z$, which is set by the
# scale of the weights. If the net inputs are Gaussian with standard deviation $s$, the
# fraction of saturated sigmoid units (derivative below 1% of its peak) grows quickly with $s$:

# %%
rng = np.random.default_rng(0)
scales = np.array([0.5, 1, 2, 4, 8, 16])
dsig = ACTIVATIONS["sigmoid"][1]
saturated = [np.mean(dsig(rng.normal(0, s, 100_000)) < 0.0025) for s in scales]
mean_slope = [np.mean(dsig(rng.normal(0, s, 100_000))) for s in scales]
assert dsig(4.6) < 0.01 < dsig(4.5)  # the threshold quoted above
assert abs(np.log((1 + np.sqrt(1 - 4 * 0.0025)) / (1 - np.sqrt(1 - 4 * 0.0025))) - 5.99) < 0.01
fig, ax = plt.subplots(1, 2, figsize=(10, 3.2))
ax[0].plot(scales, saturated, "o-")
ax[0].set(xscale="log", xlabel="std of net input $s$", ylabel="fraction with $\\sigma' < 0.0025$",
          title="saturated sigmoid units")
ax[1].plot(scales, mean_slope, "o-", color="tab:red")
ax[1].set(xscale="log", xlabel="std of net input $s$", ylabel="mean $\\sigma'(z)$",
          title="average slope the gradient is multiplied by")
for a in ax:
    a.grid(alpha=0.3)
plt.tight_layout()
plt.show()

# %% [markdown]
# (The threshold $\sigma'(z) = 0.0025$, one percent of the peak $0.25$, is reached at
# $|z| = \ln\frac{1+\sqrt{0.99}}{1-\sqrt{0.99}} \approx 5.99$: solve
# $\sigma(1-\sigma) = 0.0025$ for $\sigma$; the cell above checks the number.)
#
# So the weights must be neither too large (saturation) nor too small (a signal that
# shrinks towards zero in each layer). The next section finds the right size.

# %% [markdown]
# ## 3. How big should the initial weights be?
#
# Take one dense layer, $z_k = \sum_{j=1}^{n_\text{in}} w_{jk}\, x_j$, with weights drawn
# independently with mean 0 and variance $\operatorname{Var}(w)$, independent of the inputs.
# Then
#
# $$\operatorname{Var}(z_k) = n_\text{in}\,\operatorname{Var}(w)\,\mathbb E[x_j^2].$$
#
# * For a **tanh** (or any zero-centred, slope-1-at-0) network in its linear regime,
#   $\mathbb E[x^2] \approx \operatorname{Var}(z_\text{previous})$, so the forward signal keeps
#   its size when $\operatorname{Var}(w) = 1/n_\text{in}$. The same argument for the
#   backward pass asks for $1/n_\text{out}$. **Glorot (Xavier) initialisation** compromises:
#   $$\operatorname{Var}(w) = \frac{2}{n_\text{in} + n_\text{out}}.$$
# * For **ReLU**, half of the net inputs are zeroed, so $\mathbb E[x^2] =
#   \tfrac12 \operatorname{Var}(z_\text{previous})$, and the variance is kept by
#   **He initialisation**: $$\operatorname{Var}(w) = \frac{2}{n_\text{in}}.$$
# * **LeCun initialisation**, $\operatorname{Var}(w) = 1/n_\text{in}$, goes with SELU.
#
# A uniform distribution on $[-r, r]$ has variance $r^2/3$, so the uniform versions use
# $r = \sqrt{3\operatorname{Var}(w)}$: $r = \sqrt{6/(n_\text{in}+n_\text{out})}$ (Glorot) and
# $r = \sqrt{6/n_\text{in}}$ (He). The Gaussian versions in Keras draw from a normal
# distribution *truncated* at two standard deviations, and scale it up so that the samples
# still have the target variance.
#
# In the table $n_i = n_\text{in}$ and $n_o = n_\text{out}$; `glorot_uniform` is Keras's default:
#
# | activation | scheme | Keras name | uniform $r$ | normal std |
# |---|---|---|---|---|
# | tanh, sigmoid\* | Glorot | `glorot_uniform`, `glorot_normal` | $\sqrt{6/(n_i+n_o)}$ | $\sqrt{2/(n_i+n_o)}$ |
# | ReLU, leaky ReLU, ELU, SiLU | He | `he_uniform`, `he_normal` | $\sqrt{6/n_i}$ | $\sqrt{2/n_i}$ |
# | SELU | LeCun | `lecun_uniform`, `lecun_normal` | $\sqrt{3/n_i}$ | $\sqrt{1/n_i}$ |
#
# \* For the sigmoid, multiply both by 4, as Glorot and Bengio do (section 4).
#
# We check the table against samples from `keras.initializers`.

# %%
def target_std(scheme, fan_in, fan_out):
    """Standard deviation of the weights for Glorot, He or LeCun initialisation."""
    var = {"glorot": 2 / (fan_in + fan_out), "he": 2 / fan_in, "lecun": 1 / fan_in}[scheme]
    return np.sqrt(var)


fan_in, fan_out = 400, 250
print(f"{'initialiser':>15s} {'sample std':>11s} {'formula':>9s} {'max |w|':>9s} {'bound':>8s}")
for scheme in ("glorot", "he", "lecun"):
    std = target_std(scheme, fan_in, fan_out)
    for dist in ("uniform", "normal"):
        init = keras.initializers.get({"class_name": f"{scheme}_{dist}",
                                       "config": {"seed": 0}})
        w = keras.ops.convert_to_numpy(init((fan_in, fan_out))).astype(float)
        bound = np.sqrt(3) * std if dist == "uniform" else 2 * std / 0.87962566103423978
        print(f"{scheme + '_' + dist:>15s} {w.std():11.5f} {std:9.5f} {np.abs(w).max():9.5f}"
              f" {bound:8.5f}")
        assert abs(w.std() / std - 1) < 0.02, (scheme, dist)   # 100,000 samples: within 2 %
        assert abs(w.mean()) < 0.01 * std * 10
        # PyTorch's backend draws 4 candidates per weight and keeps the first inside the cut, or
        # the first if none is: about 4 weights in a million (0.0455 ** 4) lie beyond the bound
        assert np.sum(np.abs(w) > bound * (1 + 1e-6)) <= (5 if keras.backend.backend() == "torch" else 0)
        if dist == "uniform":                                 # a uniform fills its interval
            assert np.abs(w).max() > 0.999 * bound

# %% [markdown]
# For the truncated normal the "bound" column is two standard deviations of the
# *untruncated* normal it is cut from; the factor 0.8796 is the standard deviation of a
# unit normal truncated to $[-2, 2]$, which Keras divides by so that the samples get the
# target variance. (On the PyTorch backend, Keras draws four candidates for each weight and
# keeps the first one inside the cut, or the first one if none is; so about four weights in
# a million, $0.0455^4$, lie beyond the bound, and the "max |w|" column may exceed it.)
# Let us check that constant too:

# %%
assert np.isclose(truncnorm(-2, 2).std(), 0.87962566103423978)

# %% [markdown]
# And the variance formula itself: a He-initialised ReLU layer fed with the output of
# another ReLU layer keeps $\operatorname{Var}(z)$, as the argument predicts.

# %%
x_in = rng.normal(size=(20_000, 300))               # net inputs of the previous layer
w_he = rng.normal(0, target_std("he", 300, 300), size=(300, 300))
a_prev = np.maximum(x_in, 0)                         # after ReLU, E[a^2] = Var(z) / 2
z_next = a_prev @ w_he
predicted = 300 * w_he.var() * np.mean(a_prev ** 2)
print(f"Var(z) before {x_in.var():.3f}, E[a^2] {np.mean(a_prev ** 2):.3f}, "
      f"Var(z) after {z_next.var():.3f} (formula {predicted:.3f})")
assert abs(np.mean(a_prev ** 2) - 0.5) < 0.01
assert abs(z_next.var() / predicted - 1) < 0.03 and abs(z_next.var() - 1) < 0.05

# %% [markdown]
# ## 4. Inside a deep network
#
# Now a stack of ten dense layers of 256 units, fed with standardised random inputs. For
# each layer we record the activations of a batch and, by automatic differentiation, the
# gradient of a loss with respect to that layer's net inputs $\mathbf z$ (the
# $\boldsymbol\delta$ of backpropagation). The loss is the cross-entropy against random
# labels through a 10-class softmax output: all that matters here is that some error flows
# back.
#
# A gradient with respect to a value computed *inside* the network, rather than a weight or
# an input, takes a trick that works in every framework: add a zero tensor $\mathbf e_l$ to
# each $\mathbf z_l$ and differentiate with respect to the zeros. Adding zero changes
# nothing, and $\partial L/\partial \mathbf e_l = \partial L/\partial \mathbf z_l$.
#
# We compare four set-ups: tanh with small Gaussian weights (std 0.01), tanh with Glorot,
# ReLU with Glorot and ReLU with He.

# %%
N_LAYERS, WIDTH, BATCH = 10, 256, 512
x_batch = rng.normal(size=(BATCH, WIDTH)).astype("float32")
y_batch = rng.integers(0, 10, size=BATCH)


def build_stack(activation, initializer, seed=0):
    """Ten Dense+activation pairs (kept apart so we can see net inputs) and a 10-unit head."""
    keras.utils.set_random_seed(seed)
    dense = [keras.layers.Dense(WIDTH, kernel_initializer=initializer) for _ in range(N_LAYERS)]
    act = keras.layers.Activation(activation)
    head = keras.layers.Dense(10)   # logits: the softmax is inside the loss (from_logits=True)
    return dense, act, head


def probe(activation, initializer):
    """Activations and loss gradients w.r.t. the net inputs, per layer, as numpy arrays."""
    dense, act, head = build_stack(activation, initializer)
    a, activations = x_batch, []
    for layer in dense:                  # the forward pass, for the activations
        a = act(layer(a))
        activations.append(ops.convert_to_numpy(a))

    def loss_of(offsets):
        """The loss with offsets[l], a zero array, added to the net inputs of layer l."""
        a = ops.convert_to_tensor(x_batch)
        for l, layer in enumerate(dense):
            a = act(layer(a) + offsets[l])
        return ops.mean(keras.losses.sparse_categorical_crossentropy(y_batch, head(a), from_logits=True))

    _, grads = value_and_grad(loss_of, np.zeros((N_LAYERS, BATCH, WIDTH), "float32"))
    return activations, list(grads)


SETUPS = {
    "tanh, N(0, 0.01²)": ("tanh", keras.initializers.RandomNormal(stddev=0.01)),
    "tanh, Glorot": ("tanh", "glorot_normal"),
    "ReLU, Glorot": ("relu", "glorot_normal"),
    "ReLU, He": ("relu", "he_normal"),
}
results = {name: probe(*setup) for name, setup in SETUPS.items()}

# %% [markdown]
# First, a sanity check of automatic differentiation: for a small stack, the gradient with
# respect to the first layer's net inputs agrees with central differences computed through
# numpy.

# %%
def check_autodiff_gradient():
    """Compare automatic differentiation's dLoss/dz_1 with central differences, 3 layers."""
    keras.utils.set_random_seed(1)
    W = [rng.normal(0, 0.5, size=(4, 4)) for _ in range(3)]
    x0, target = rng.normal(size=(2, 4)), np.array([1, 3])

    def loss_from_z1(z1):
        a = np.tanh(z1)
        for w in W[1:]:
            a = np.tanh(a @ w)
        p = np.exp(a) / np.exp(a).sum(axis=1, keepdims=True)
        return -np.mean(np.log(p[np.arange(2), target]))

    def loss_of_z1(z1):
        a = ops.tanh(z1)
        for w in W[1:]:
            a = ops.tanh(a @ ops.convert_to_tensor(w))
        return ops.mean(keras.losses.sparse_categorical_crossentropy(target, a, from_logits=True))

    _, analytic = value_and_grad(loss_of_z1, x0 @ W[0])
    numeric = numerical_gradient(loss_from_z1, (x0 @ W[0]).copy())
    return relative_error(analytic, numeric)


err = check_autodiff_gradient()
print(f"relative error, automatic differentiation vs central differences: {err:.2e}")
assert err < 1e-6

# %% [markdown]
# Histograms of the activations, one row per set-up, one column per layer (layers 1, 4, 7
# and 10 shown):

# %%
shown_layers = [0, 3, 6, 9]
fig, axes = plt.subplots(len(SETUPS), len(shown_layers), figsize=(14, 9), sharey="row")
for row, (name, (acts, _)) in enumerate(results.items()):
    for col, layer in enumerate(shown_layers):
        a = acts[layer].ravel()
        ax = axes[row, col]
        lim = max(np.abs(a).max(), 1e-6)
        ax.hist(a, bins=60, range=(-lim, lim), color=f"C{row}")
        ax.set_title(f"{name}, layer {layer + 1}\nstd {a.std():.2g}", fontsize=9)
        ax.set_yticks([])
plt.tight_layout()
plt.show()

# %% [markdown]
# And the spread of activations and of backpropagated gradients across all ten layers:

# %%
act_std = {name: [a.std() for a in acts] for name, (acts, _) in results.items()}
grad_std = {name: [g.std() for g in grads] for name, (_, grads) in results.items()}
fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
plot_curves(act_std, xlabel="layer", ylabel="std of activations", ax=axes[0], logy=True)
plot_curves(grad_std, xlabel="layer", ylabel=r"std of $\partial L / \partial z$", ax=axes[1],
            logy=True)
plt.tight_layout()
plt.show()
for name in SETUPS:
    a, g = act_std[name], grad_std[name]
    print(f"[figure] {name:>18s}: activation std layer 1 {a[0]:.3g} -> layer 10 {a[-1]:.3g};"
          f" gradient std layer 1 {g[0]:.3g}, layer 10 {g[-1]:.3g}")

# %%
# small weights: the signal shrinks ~ (256 * 0.01^2)^(1/2) = 0.16 per layer, the gradient too
assert act_std["tanh, N(0, 0.01²)"][-1] < 1e-6 * act_std["tanh, N(0, 0.01²)"][0]
assert grad_std["tanh, N(0, 0.01²)"][0] < 1e-6 * grad_std["tanh, N(0, 0.01²)"][-1]
# He with ReLU keeps both within a factor of 3 over ten layers
assert 1 / 3 < act_std["ReLU, He"][-1] / act_std["ReLU, He"][0] < 3
assert 1 / 3 < grad_std["ReLU, He"][0] / grad_std["ReLU, He"][-1] < 3
# Glorot is too small for ReLU: the signal halves every two layers or so
assert act_std["ReLU, Glorot"][-1] < 0.2 * act_std["ReLU, Glorot"][0]

# %% [markdown]
# What the pictures say:
#
# * With weights of std 0.01, each layer multiplies the signal by about
#   $\sqrt{256}\cdot 0.01 = 0.16$; after ten layers nothing is left, and the gradient that
#   reaches layer 1 is many orders of magnitude smaller than at layer 10. The early layers
#   would not learn.
# * Glorot with tanh keeps the activations spread out, slowly narrowing (tanh is flatter
#   than the identity away from 0), and the gradient loses only a factor of a few over the
#   ten layers instead of many orders of magnitude.
# * Glorot with ReLU halves the variance in each layer, because ReLU throws half the signal
#   away and Glorot does not compensate: the signal decays geometrically.
# * He with ReLU keeps the spread of activations and of gradients roughly constant through
#   the stack, exactly as the variance argument predicts.
#
# <details><summary>Self-test: a layer has 784 inputs and 256 ReLU outputs. What are the He
# uniform bound and the Glorot uniform bound? Which is larger, and why?</summary>
#
# He: $\sqrt{6/784} \approx 0.0875$. Glorot: $\sqrt{6/1040} \approx 0.0760$. He's is larger: it
# doubles the variance to make up for the half of the units that ReLU switches off, while
# Glorot's averages the fan-in with the (here smaller) fan-out.
# </details>

# %%
assert np.isclose(np.sqrt(6 / 784), 0.0875, atol=5e-5) and np.isclose(np.sqrt(6 / 1040), 0.0760,
                                                                         atol=5e-5)

# %% [markdown]
# ### Exploding gradients, and the sigmoid's factor 4
#
# The same probe shows the other two cases the variance argument predicts:
#
# * **Too large a gain explodes.** ReLU layers with twice He's standard deviation multiply
#   the variance by 4 per layer instead of keeping it, so activations grow by about 2 per
#   layer going forward and the gradients by about 2 per layer going back: the first layer's
#   gradient ends up hundreds of times the last one's, and a step size that suits one end
#   of the network is far too large for the other. (Gradient clipping,
#   `keras.optimizers.Adam(clipnorm=1.0)`, caps the damage; a good initialisation avoids it.)
# * **The sigmoid needs 4× Glorot's bound.** Around 0, $\sigma(z) \approx \tfrac12 + z/4$:
#   a slope of $1/4$ instead of tanh's 1. Glorot and Bengio's fix is a uniform bound
#   $4\sqrt{6/(n_\text{in} + n_\text{out})}$, variance 16 times Glorot's
#   (`VarianceScaling(scale=16, mode="fan_avg", distribution="uniform")`).

# %%
EXTRA_SETUPS = {
    "ReLU, He": SETUPS["ReLU, He"],
    "ReLU, 2 × He std": ("relu", keras.initializers.VarianceScaling(8.0, "fan_in", "truncated_normal")),
    "sigmoid, Glorot": ("sigmoid", "glorot_uniform"),
    "sigmoid, 4 × Glorot bound": ("sigmoid", keras.initializers.VarianceScaling(16.0, "fan_avg", "uniform")),
}
extra = {name: probe(*setup) for name, setup in EXTRA_SETUPS.items()}
extra_grad_std = {name: [g.std() for g in grads] for name, (_, grads) in extra.items()}
fig, ax = plt.subplots(figsize=(7, 3.8))
plot_curves(extra_grad_std, xlabel="layer", ylabel=r"std of $\partial L / \partial z$", ax=ax, logy=True)
plt.show()
ratio = {name: g[0] / g[-1] for name, g in extra_grad_std.items()}
for name, r in ratio.items():
    print(f"[figure] {name:>26s}: gradient std, layer 1 / layer 10 = {r:.2g}")
assert ratio["ReLU, 2 × He std"] > 100                       # explodes towards the input
assert ratio["sigmoid, 4 × Glorot bound"] > 100 * ratio["sigmoid, Glorot"]   # vanishes far less

# %% [markdown]
# The factor 4 does not make a sigmoid stack as healthy as tanh with Glorot: the sigmoid's
# outputs have mean $\tfrac12$, not 0, which the linear argument ignores. That, more than
# anything, is why tanh and then ReLU replaced it in hidden layers.
#
# ### Maxout
#
# A **maxout** unit (Goodfellow et al., 2013) takes the maximum of $k$ linear functions of
# its inputs, $h(\mathbf x) = \max_{j \le k}(\mathbf x\mathbf w_j + b_j)$, so the activation
# itself is learned. With $k = 2$ it contains ReLU ($\max(z, 0)$), leaky ReLU
# ($\max(z, 0.2z)$) and the absolute value; with more pieces it approximates any convex
# function of its inputs $\mathbf x$, and it never saturates. The price is $k$ times the weights.
# In one dimension, the maximum of $k$ tangents to $z^2$ at evenly spaced points:

# %%
def maxout(z, slopes, intercepts):
    """max_j (slopes[j] z + intercepts[j]), for a 1-D array z."""
    return np.max(np.outer(z, slopes) + intercepts, axis=1)


z1 = np.linspace(-1, 1, 401)
assert np.allclose(maxout(z1, [1, 0], [0, 0]), np.maximum(z1, 0))       # ReLU
assert np.allclose(maxout(z1, [1, -1], [0, 0]), np.abs(z1))             # |z|
maxout_errors = {}
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(z1, z1**2, "k", lw=2, label="$z^2$")
for k in (2, 4, 8):
    points = np.linspace(-1, 1, k)                     # tangent at p: 2p z - p^2
    approx = maxout(z1, 2 * points, -points**2)
    maxout_errors[k] = np.abs(approx - z1**2).max()
    ax.plot(z1, approx, label=f"maxout, k = {k}")
ax.set(xlabel="$z$", title="maxout units: the maximum of k linear pieces")
ax.legend(fontsize=8)
ax.grid(alpha=0.3)
plt.show()
print("[figure] maxout approximating z^2 on [-1, 1], largest error: "
      + ", ".join(f"k = {k}: {e:.3f}" for k, e in maxout_errors.items()))
assert maxout_errors[8] < maxout_errors[4] / 3 < maxout_errors[2] / 9   # error ~ 1 / (k - 1)^2

# %% [markdown]
# ## 5. Does it matter for training?
#
# A deep (eight hidden layers of 32 units) network on the two moons, trained with the same
# optimiser for the same number of epochs, three ways: sigmoid units with small Gaussian
# weights, sigmoid with Glorot, and ReLU with He.

# %%
X, y = make_nonlinear(400, "moons", noise=0.2, seed=0)
X_val, y_val = make_nonlinear(400, "moons", noise=0.2, seed=1)
EPOCHS = pick(60, 15)


def deep_net(activation, initializer, depth=8, width=32, seed=0):
    """A deep, narrow MLP for two-class data."""
    keras.utils.set_random_seed(seed)
    hidden = [keras.layers.Dense(width, activation=activation, kernel_initializer=initializer)
              for _ in range(depth)]
    model = keras.Sequential([keras.Input((2,)), *hidden, keras.layers.Dense(1, "sigmoid")])
    model.compile(keras.optimizers.Adam(3e-3), "binary_crossentropy", metrics=["accuracy"])
    return model


TRAIN_SETUPS = {
    "sigmoid, N(0, 0.01²)": ("sigmoid", keras.initializers.RandomNormal(stddev=0.01)),
    "sigmoid, Glorot": ("sigmoid", "glorot_uniform"),
    "ReLU, He": ("relu", "he_uniform"),
}
histories = {}
for name, (activation, init) in TRAIN_SETUPS.items():
    model = deep_net(activation, init)
    histories[name] = model.fit(X, y, epochs=EPOCHS, batch_size=32, verbose=0,
                                validation_data=(X_val, y_val)).history
    print(f"[figure] {name:>22s}: validation accuracy after {EPOCHS} epochs "
          f"{histories[name]['val_accuracy'][-1]:.3f}")

fig, axes = plt.subplots(1, 2, figsize=(12, 3.6))
plot_curves({n: h["loss"] for n, h in histories.items()}, ylabel="training loss", ax=axes[0])
plot_curves({n: h["val_accuracy"] for n, h in histories.items()}, ylabel="validation accuracy",
            ax=axes[1])
plt.tight_layout()
plt.show()
assert histories["ReLU, He"]["loss"][-1] < histories["sigmoid, N(0, 0.01²)"]["loss"][-1]

# %% [markdown]
# The sigmoid network started with tiny weights sits on the plateau at
# $\ln 2 \approx 0.69$, predicting 0.5 for everyone, because almost no gradient reaches its
# first layers. Sigmoid with Glorot weights does learn, but slowly: Glorot's weights are
# sized for a unit slope at 0, the sigmoid's slope is at most 1/4, and the gradient still
# shrinks from layer to layer. ReLU with He initialisation learns at once. Keras's defaults
# (`glorot_uniform` kernels, zero biases) suit tanh layers; for sigmoid hidden layers widen
# Glorot's bound 4 times (`VarianceScaling(16.0, "fan_avg", "uniform")`, section 4), and
# for ReLU-family layers pass `kernel_initializer="he_normal"` or `"he_uniform"`.
#
# <details><summary>Self-test: why not initialise all weights to zero?</summary>
#
# Every hidden unit of a layer would compute the same output and receive the same gradient,
# so they would stay identical forever: the layer would behave like a single unit. Random
# initialisation breaks this symmetry. (Biases, on the other hand, can start at zero.)
# </details>

# %% [markdown]
# ## Summary
# - Sigmoid and tanh saturate; ReLU has slope 1 where it is active but can die; leaky ReLU,
#   ELU and SiLU keep a slope on the negative side (Keras's `LeakyReLU` layer: 0.3, the
#   function: 0.2). Maxout learns a convex piecewise-linear activation.
# - Backprop multiplies per layer by $\phi'$ *and* by the weights: a net gain below 1
#   vanishes, above 1 explodes.
# - Keep the variance: Glorot $2/(n_\text{in} + n_\text{out})$ for tanh (×16 in variance,
#   i.e. 4× the bound, for the sigmoid), He $2/n_\text{in}$ for ReLU, LeCun for SELU.
# - With a poor start a deep net sits on a plateau; with He + ReLU it learns at once.
#
# ## Exercises
# 1. Derive the He variance from $\operatorname{Var}(z) = n_\text{in}\operatorname{Var}(w)
#    \mathbb E[a^2]$ for ReLU inputs. What is the analogue for leaky ReLU with slope
#    $\alpha$? Check your answer against `keras.initializers.VarianceScaling`.
# 2. Linearise the sigmoid at 0 and show where Glorot's factor 4 comes from. Why does the
#    probe of section 4 still show the gradient shrinking with the 4× bound?
# 3. Rerun the exploding case of section 4 with `clipnorm=1.0` in a training run of the
#    moons network. What does clipping change, and what does it not fix?
# 4. Write a `Maxout(units, pieces)` Keras layer (a `Dense(units * pieces)`, a reshape and
#    a max) and train it on the moons in place of the ReLU layers. Compare the parameter
#    count and accuracy with ReLU.
# 5. What happens to a ReLU network initialised with all biases at $-1$? Predict it from
#    the dead-unit discussion, then check the fraction of dead units in the probe.
