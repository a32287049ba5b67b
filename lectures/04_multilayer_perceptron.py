# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lecture 4 — Multi-layer perceptrons
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/nn-course/keras-nn-course/blob/v0.1.0/lectures/04_multilayer_perceptron.ipynb)
#
# A single neuron draws one straight line through the input space. Put a layer of neurons
# between the inputs and the output and the network can bend its decision boundary. This
# lecture fixes the notation used for the rest of the course, counts the parameters of a
# network, runs a forward pass by hand and in numpy, shows why the layers need a
# *nonlinear* activation, and looks inside a small trained network.
#
# **Contents**
# 1. Notation: weights, net inputs, activations and biases
# 2. Counting parameters
# 3. A forward pass by hand and in numpy
# 4. Why stacked linear layers collapse into one
# 5. A nonlinear decision region, and what each hidden unit does
# 6. Regression, universal approximation, why depth helps, and choosing the architecture

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
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from coursedata.toy import make_nonlinear
from nnkit import pick, seed_everything
from nnkit.plots import plot_decision_regions

seed_everything(0)
print(f"Keras {keras.__version__}, backend {keras.backend.backend()}")


def sigmoid(z):
    """The logistic function 1 / (1 + exp(-z)), element-wise."""
    return 1.0 / (1.0 + np.exp(-z))


# %% [markdown]
# ## 1. Notation
#
# We number the layers from the input: layer 1 holds the inputs, layer 2 is the first
# hidden layer, and so on. For a network with one hidden layer:
#
# | symbol | meaning | shape (one example) |
# |---|---|---|
# | $\mathbf a_1 = \mathbf x$ | the inputs (activations of layer 1) | $1 \times n_1$ |
# | $W_1$, $\mathbf b_1$ | weights and biases from layer 1 into layer 2 | $n_1 \times n_2$, $1 \times n_2$ |
# | $\mathbf z_2 = \mathbf a_1 W_1 + \mathbf b_1$ | net inputs of the hidden units | $1 \times n_2$ |
# | $\mathbf a_2 = \phi(\mathbf z_2)$ | hidden activations | $1 \times n_2$ |
# | $W_2$, $\mathbf b_2$ | weights and biases from layer 2 into layer 3 | $n_2 \times n_3$, $1 \times n_3$ |
# | $\mathbf z_3 = \mathbf a_2 W_2 + \mathbf b_2$ | net inputs of the output units | $1 \times n_3$ |
# | $\mathbf a_3 = \phi(\mathbf z_3)$ | the outputs | $1 \times n_3$ |
#
# The entry $(W_1)_{jk}$ is the weight on the connection from input $j$ to hidden unit $k$,
# so column $k$ of $W_1$ together with $(\mathbf b_1)_k$ is exactly the weight vector and
# bias of one perceptron-like unit. Vectors are rows, so a whole batch of $n$ examples is a
# matrix $A_1$ with one example per row and the same formulas hold:
# $Z_2 = A_1 W_1 + \mathbf b_1$, the bias being added to every row.
# This is also how Keras stores a `Dense` layer: its `kernel` has shape
# (inputs, units) and its `bias` shape (units,).
#
# The activation $\phi$ is applied entry by entry. In this lecture it is the logistic
# sigmoid $\sigma(z) = 1/(1+e^{-z})$.
#
# **Column notation.** Many books (Hagan's *Neural Network Design*, among others) write
# vectors as columns instead: $\mathbf z^{(l)} = W^{(l)}\mathbf a^{(l-1)} + \mathbf b^{(l)}$,
# with $W^{(l)}$ of shape $S^{l} \times S^{l-1}$ ($S^l$ units in layer $l$), one *row* per
# unit. That $W^{(l)}$ is our $W^\top$. Folding the bias in as an extra input 1 (as in
# lectures 1–3) gives $\mathbf z = \tilde W\,(1, \mathbf a)^\top$ with $\tilde W$ of shape
# $S^{l} \times (S^{l-1} + 1)$; a batch of examples is then one per *column*. The two
# conventions compute the same numbers, transposed (checked in section 3).

# %% [markdown]
# ## 2. Counting parameters
#
# Each unit in layer $l+1$ has one weight per unit of layer $l$ plus one bias, so a fully
# connected network with layer sizes $n_1, n_2, \dots, n_L$ has
#
# $$N_w = \sum_{l=1}^{L-1} (n_l + 1)\, n_{l+1}$$
#
# parameters. With 5 inputs, 20 hidden units and 3 outputs that is
# $(5+1)\cdot 20 + (20+1)\cdot 3 = 120 + 63 = 183$.

# %%
def count_parameters(sizes):
    """Weights and biases of a fully connected network with the given layer sizes."""
    return sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))


def keras_mlp(sizes, activation="sigmoid"):
    """A Keras Sequential MLP with the given layer sizes (first entry = number of inputs)."""
    layers = [keras.layers.Dense(n, activation=activation) for n in sizes[1:]]
    return keras.Sequential([keras.Input(shape=(sizes[0],)), *layers])


assert count_parameters([5, 20, 3]) == 183
for sizes in ([5, 20, 3], [784, 128, 64, 10], [3, 2, 1]):
    n_keras = keras_mlp(sizes).count_params()
    assert count_parameters(sizes) == n_keras, (sizes, n_keras)
    print(f"layer sizes {sizes}: {count_parameters(sizes):>7,d} parameters (Keras agrees)")

# %% [markdown]
# Keras's own summary lists the same numbers layer by layer:

# %%
keras_mlp([5, 20, 3]).summary()

# %% [markdown]
# <details><summary>Self-test: how many parameters does a network with 10 inputs, two hidden
# layers of 50 units and 1 output have? Which layer holds most of them?</summary>
#
# $(10+1)\cdot 50 + (50+1)\cdot 50 + (50+1)\cdot 1 = 550 + 2550 + 51 = 3151$; the
# hidden-to-hidden layer holds most of them, since its cost grows with the *product* of
# the two widths.
# </details>

# %% [markdown]
# ## 3. A forward pass by hand
#
# Three inputs $\mathbf x = (0.4,\ 0.2,\ 0.2)$ feed two sigmoid hidden units, which feed one
# sigmoid output. The weights are
#
# $$W_1 = \begin{pmatrix} 1.0 & 0.5 \\ 0.5 & -0.3 \\ 0.25 & 0.8 \end{pmatrix},\quad
# \mathbf b_1 = (0.2,\ 0.2),\qquad
# W_2 = \begin{pmatrix} 1.0 \\ 0.5 \end{pmatrix},\quad b_2 = 0.05 .$$
#
# Hidden unit 1: $z = 0.4\cdot 1.0 + 0.2\cdot 0.5 + 0.2\cdot 0.25 + 0.2 = 0.75$ and
# $\sigma(0.75) \approx 0.68$.
#
# Hidden unit 2: $z = 0.4\cdot 0.5 + 0.2\cdot(-0.3) + 0.2\cdot 0.8 + 0.2 = 0.50$ and
# $\sigma(0.50) \approx 0.62$.
#
# Output: $z = 0.68\cdot 1.0 + 0.62\cdot 0.5 + 0.05 \approx 1.04$ and
# $\sigma(1.04) \approx 0.74$.
#
# The same computation in numpy, one matrix product per layer:

# %%
x = np.array([[0.4, 0.2, 0.2]])
W1 = np.array([[1.0, 0.5], [0.5, -0.3], [0.25, 0.8]])
b1 = np.array([0.2, 0.2])
W2 = np.array([[1.0], [0.5]])
b2 = np.array([0.05])

z2 = x @ W1 + b1
a2 = sigmoid(z2)
z3 = a2 @ W2 + b2
a3 = sigmoid(z3)
print("z2 =", z2.round(4), " a2 =", a2.round(4))
print("z3 =", z3.round(4), " a3 =", a3.round(4))

assert np.allclose(z2, [[0.75, 0.50]])
W1_tilde = np.c_[b1, W1.T]                     # column form: S2 x (S1 + 1) = 2 x 4
assert W1_tilde.shape == (2, 4) and np.allclose(W1_tilde @ np.r_[1.0, x[0]], z2[0])
assert np.array_equal(a2.round(2), [[0.68, 0.62]])
assert np.array_equal(a3.round(2), [[0.74]])
print(f"[figure] hidden activations {a2.round(2)[0].tolist()}, output {a3.round(2)[0, 0]}")

# %% [markdown]
# A picture of this little network, with the weights on the connections and the
# activations in the units (`nnkit.graphs.draw_network`):

# %%
from nnkit.graphs import draw_network

fig, ax = plt.subplots(figsize=(6, 4))
draw_network([W1, W2], [x[0], a2[0], a3[0]], ax)
ax.set_title("inputs → 2 sigmoid hidden units → sigmoid output\n"
             "(blue: positive weight, red: negative; biases not drawn)")
plt.show()

# %% [markdown]
# Keras computes the same thing once we copy our weights into a model of the same shape:

# %%
model = keras_mlp([3, 2, 1])
model.set_weights([W1, b1, W2, b2])
a3_keras = model.predict(x, verbose=0)
assert np.allclose(a3_keras, a3, atol=1e-6)  # Keras computes in float32
print("Keras output:", a3_keras.ravel(), " numpy output:", a3.ravel())

# %% [markdown]
# ## 4. Why stacked linear layers collapse into one
#
# Without a nonlinear activation, two layers compute
#
# $$(\mathbf x W_1 + \mathbf b_1) W_2 + \mathbf b_2 = \mathbf x\,(W_1 W_2) + (\mathbf b_1 W_2 + \mathbf b_2),$$
#
# one linear layer with weights $W = W_1 W_2$ and bias $\mathbf b = \mathbf b_1 W_2 + \mathbf b_2$.
# However many linear layers we stack, the network can only draw a straight decision
# boundary, and a narrow middle layer only *limits* it: $\operatorname{rank}(W_1W_2)$ is at
# most the smallest width. Numerically:

# %%
rng = np.random.default_rng(0)
La, ba = rng.normal(size=(4, 3)), rng.normal(size=3)   # 4 inputs -> 3 units
Lb, bb = rng.normal(size=(3, 5)), rng.normal(size=5)   # 3 units -> 5 units
Lc, bc = rng.normal(size=(5, 2)), rng.normal(size=2)   # 5 units -> 2 outputs
X_demo = rng.normal(size=(6, 4))

deep = ((X_demo @ La + ba) @ Lb + bb) @ Lc + bc
W_single = La @ Lb @ Lc
b_single = (ba @ Lb + bb) @ Lc + bc
assert np.allclose(deep, X_demo @ W_single + b_single)
print("one equivalent layer: W =\n", W_single.round(3), "\nb =", b_single.round(3))
print("rank of La @ Lb:", np.linalg.matrix_rank(La @ Lb), "(a 4x5 matrix, but only 3 units between)")
assert np.linalg.matrix_rank(La @ Lb) == 3

# %% [markdown]
# The same holds for a trained network. On the two moons, an MLP with the identity as
# activation is a logistic regression in disguise (the code checks that its collapsed
# weights reproduce its outputs) and draws a straight boundary; with a sigmoid it bends its
# boundary around the moons.

# %%
n_points = pick(400, 200)
X, y = make_nonlinear(n_points, "moons", noise=0.2, seed=0)
X_test, y_test = make_nonlinear(n_points, "moons", noise=0.2, seed=1)


def fit_mlp(hidden, activation="logistic", seed=0):
    """A one-hidden-layer MLP fitted with L-BFGS (fast and deterministic on small data).

    A little weight decay (``alpha=0.1``) keeps the weights moderate and the units soft.
    """
    return MLPClassifier(hidden_layer_sizes=(hidden,), activation=activation, solver="lbfgs",
                         alpha=0.1, max_iter=pick(2000, 500), random_state=seed).fit(X, y)


linear_mlp = fit_mlp(4, activation="identity")
logreg = LogisticRegression().fit(X, y)
sigmoid_mlp = fit_mlp(4)

# the identity MLP is one linear model in disguise: its collapsed weights give the same outputs
W_lin = linear_mlp.coefs_[0] @ linear_mlp.coefs_[1]
b_lin = linear_mlp.intercepts_[0] @ linear_mlp.coefs_[1] + linear_mlp.intercepts_[1]
assert np.allclose(sigmoid(X @ W_lin + b_lin).ravel(), linear_mlp.predict_proba(X)[:, 1])

fig, axes = plt.subplots(1, 3, figsize=(14, 4))
for ax, (name, clf) in zip(axes, [("logistic regression", logreg),
                                  ("MLP, 4 identity units", linear_mlp),
                                  ("MLP, 4 sigmoid units", sigmoid_mlp)]):
    plot_decision_regions(X, y, clf.predict, ax=ax)
    acc = clf.score(X_test, y_test)
    ax.set_title(f"{name}\ntest accuracy {acc:.3f}")
    print(f"[figure] {name}: test accuracy {acc:.3f}")
plt.show()

# %% [markdown]
# ## 5. Inside a small network
#
# Take a network with only **three** sigmoid hidden units. Hidden unit $k$ computes
# $\sigma(\mathbf x\,W_1[:, k] + b_{1k})$: it *is* a logistic-regression model, with its own
# straight line $\mathbf x\,W_1[:, k] + b_{1k} = 0$ on which its activation is 0.5. The
# output unit then takes a weighted vote of the three soft half-planes.
#
# First we check that the formulas of section 1, applied to scikit-learn's fitted weights
# (`coefs_` are our $W$s, `intercepts_` our $\mathbf b$s), reproduce its predictions.

# %%
net = fit_mlp(3)
(W1, W2), (b1, b2) = net.coefs_, net.intercepts_
A2 = sigmoid(X @ W1 + b1)
A3 = sigmoid(A2 @ W2 + b2)
assert np.allclose(A3.ravel(), net.predict_proba(X)[:, 1])
print("W1 =\n", W1.round(2), "\nb1 =", b1.round(2), "\nW2 =", W2.ravel().round(2), " b2 =", b2.round(2))
print(f"[figure] 3 sigmoid hidden units: test accuracy {net.score(X_test, y_test):.3f}")

# %% [markdown]
# Each hidden unit's activation over the plane, with its 0.5-line, and the network's
# decision region with all three lines on top:

# %%
g0, g1 = np.meshgrid(np.linspace(-2, 3, 200), np.linspace(-1.5, 2, 200))
grid = np.c_[g0.ravel(), g1.ravel()]
H = sigmoid(grid @ W1 + b1)
line_x = np.linspace(-2, 3, 2)


def draw_unit_line(ax, k, **kwargs):
    """The line on which hidden unit k's net input is 0 (its activation 0.5)."""
    ax.plot(line_x, -(W1[0, k] * line_x + b1[k]) / W1[1, k], "k--", **kwargs)


fig, axes = plt.subplots(1, 4, figsize=(17, 4), layout="constrained")
for k, ax in enumerate(axes[:3]):
    im = ax.contourf(g0, g1, H[:, k].reshape(g0.shape), levels=np.linspace(0, 1, 11),
                     cmap="Greys", alpha=0.7)
    for c, color in enumerate(["tab:blue", "tab:orange"]):
        ax.scatter(*X[y == c].T, color=color, s=8, edgecolor="k", linewidth=0.2)
    draw_unit_line(ax, k)
    ax.set(xlim=(-2, 3), ylim=(-1.5, 2), title=f"unit {k + 1}, output weight {W2[k, 0]:+.1f}")
fig.colorbar(im, ax=axes[:3], label="hidden activation", shrink=0.8)
plot_decision_regions(X, y, net.predict, ax=axes[3])
for k in range(3):
    draw_unit_line(axes[3], k, lw=1)
axes[3].set(xlim=(-2, 3), ylim=(-1.5, 2), title="the network: a vote of 3 half-planes")
plt.show()

# %% [markdown]
# More hidden units give the output more half-planes to combine. Test accuracy against the
# number of hidden units (each net fitted from the same seed):

# %%
widths = pick([1, 2, 3, 4, 8, 16], [1, 3, 8])
accs = [fit_mlp(h).score(X_test, y_test) for h in widths]
for h, acc in zip(widths, accs):
    print(f"[figure] {h:>2d} hidden units: test accuracy {acc:.3f}")
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(widths, accs, "o-")
ax.axhline(logreg.score(X_test, y_test), color="gray", ls=":", label="logistic regression")
ax.set(xscale="log", xlabel="hidden units", ylabel="test accuracy", xticks=widths,
       xticklabels=widths)
ax.legend()
ax.grid(alpha=0.3)
plt.show()

# %% [markdown]
# With one hidden unit the network is a logistic regression followed by a monotone squashing,
# so its boundary is still a straight line. From three units on it follows the moons. Past
# that the gain is small here: the noise in the data, not the network, limits the accuracy.
#
# <details><summary>Self-test: the output unit of the three-unit network has weights
# $W_2$. What does a large negative entry of $W_2$ mean for the picture above?</summary>
#
# That hidden unit votes *against* class 1: the side of its line where it is active (dark in
# its panel) pushes the output towards class 0.
# </details>
#
# <details><summary>Self-test: would replacing the sigmoid by ReLU in the hidden layer
# still let the network bend its boundary? And replacing it by $\phi(z) = 2z$?</summary>
#
# ReLU, yes: it is nonlinear (piecewise linear), so the boundary becomes a polygon-like
# curve. $\phi(z) = 2z$, no: it is linear, and the layers collapse into one as in section 4.
# </details>

# %% [markdown]
# ## 6. Regression, and what one hidden layer can approximate
#
# So far every output was a class. The output layer and the loss follow from the task:
#
# | task | output units | output activation | loss (Keras name) |
# |---|---|---|---|
# | binary classification | 1 | sigmoid | binary cross-entropy (`binary_crossentropy`) |
# | $K$ classes | $K$ | softmax | cross-entropy (`sparse_categorical_crossentropy`) |
# | regression, real target | 1 per target | none (identity, `activation=None`) | mean squared error (`mse`) |
# | regression, positive target | 1 per target | softplus or exp | MSE, or a Poisson/Gamma likelihood |
#
# The first three rows pair an output activation with the negative log-likelihood of its
# noise model (Bernoulli, categorical, Gaussian), a *canonical* pairing: the sensitivity of
# the loss to the output's net input is simply prediction − target (lecture 5, section 7),
# up to a constant factor (Keras averages over the batch, and the squared error brings a
# 2). The fourth row is looser: exp with the Poisson loss is canonical too, but softplus
# with the MSE gives $(\hat y - y)\,\sigma(z)$, up to the same factor, and exp with the
# Gamma loss $(\hat y - y)/\hat y$. Our regression data: $y = \sin(2\pi x) + \varepsilon$, $\varepsilon \sim
# \mathcal N(0, 0.2^2)$, 100 points for training and 100 for testing
# (`coursedata.toy.make_noisy_sine`). The best any model can do on new data is the noise
# variance, $0.04$.
#
# **Step 1: hidden units set by hand.** A sigmoid with a steep slope, $\sigma(a(x - c))$, is
# nearly a step at $c$. With $N$ such steps at $c_1 < \dots < c_N$ and output weights equal to
# the jumps of the target between neighbouring steps, the output unit (linear) builds a
# staircase that follows the sine, and the steps get finer as $N$ grows. This is the idea
# behind the **universal approximation theorem** (Cybenko 1989, Hornik 1991): one hidden
# layer of sigmoids, wide enough, approximates any continuous function on a bounded region
# as closely as we like.

# %%
from sklearn.model_selection import GridSearchCV

from coursedata.toy import make_noisy_sine

x_train, y_train = make_noisy_sine(100, noise=0.2, seed=0)
x_test, y_test = make_noisy_sine(100, noise=0.2, seed=1)
x_plot = np.linspace(0, 1, 500)[:, None]
target = np.sin(2 * np.pi * x_plot[:, 0])


def staircase_net(n_steps, slope=200.0):
    """Hand-set weights: hidden unit j is a step at c_j, its output weight the jump there."""
    centres = (np.arange(n_steps) + 0.5) / n_steps
    levels = np.sin(2 * np.pi * np.r_[0.0, centres + 0.5 / n_steps])
    W1, b1 = np.full((1, n_steps), slope), -slope * centres
    W2, b2 = np.diff(levels)[:n_steps, None], levels[0]
    return W1, b1, W2, b2


fig, axes = plt.subplots(1, 2, figsize=(13, 3.8))
stair_errors = {}
for n_steps in (5, 10, 40):
    W1s, b1s, W2s, b2s = staircase_net(n_steps)
    hidden = sigmoid(x_plot @ W1s + b1s)
    output = (hidden @ W2s + b2s)[:, 0]                    # a linear output unit
    stair_errors[n_steps] = np.abs(output - target).max()
    axes[1].plot(x_plot, output, label=f"N = {n_steps}")
    if n_steps == 5:
        axes[0].plot(x_plot, hidden)
axes[0].set(xlabel="$x$", ylabel="$u_h$", title="5 hand-set hidden units (steps)")
axes[1].plot(x_plot, target, "k--", lw=1, label="sin(2πx)")
axes[1].set(xlabel="$x$", ylabel="$u_o$", title="the output: a sum of steps")
axes[1].legend(fontsize=8)
plt.show()
print("[figure] hand-set staircase, largest error against sin(2πx): "
      + ", ".join(f"N = {k}: {e:.3f}" for k, e in stair_errors.items()))
assert stair_errors[40] < stair_errors[10] / 3 < stair_errors[5] / 6   # error ~ 1 / N

# %% [markdown]
# **Step 2: fix the hidden layer, fit the output layer by least squares.** With the hidden
# weights fixed, the output $u_o = \mathbf h(x)\,\mathbf w_2 + b_2$ is *linear* in the output
# weights, so the best ones for the squared error solve a linear least-squares problem, no
# gradient descent needed. Here 10 hidden units with gentler slopes spread over $[0, 1]$:

# %%
def hidden_features(x, n_units=10, slope=15.0):
    centres = np.linspace(0, 1, n_units)
    return sigmoid(slope * (x - centres))


H_train = np.c_[hidden_features(x_train), np.ones(len(x_train))]
w_out = np.linalg.lstsq(H_train, y_train, rcond=None)[0]


def fixed_hidden_net(x):
    return np.c_[hidden_features(x), np.ones(len(x))] @ w_out


mse_ls = {"train": np.mean((fixed_hidden_net(x_train) - y_train) ** 2),
          "test": np.mean((fixed_hidden_net(x_test) - y_test) ** 2)}
print(f"[figure] hidden layer fixed, output by least squares: MSE train {mse_ls['train']:.4f}, "
      f"test {mse_ls['test']:.4f} (noise variance 0.04)")
assert mse_ls["test"] < 0.06

# %% [markdown]
# **Step 3: train the whole network in Keras.** 32 sigmoid hidden units, a linear output,
# the mean squared error, Adam, 1000 steps on the whole training set. The network now
# chooses the hidden units too. (With 100 examples one full-batch epoch is a single step,
# and Keras's own work at the end of every epoch would cost far more than the step. So we
# hand `fit` one epoch that holds the same batch 1000 times, and let it run 50 steps per
# call with `steps_per_execution`: the same 1000 updates, many times faster. PyTorch's
# backend takes one step per call only, so there it stays at 1.)

# %%
keras.utils.set_random_seed(0)
regressor = keras.Sequential([keras.Input((1,)), keras.layers.Dense(32, activation="sigmoid"),
                              keras.layers.Dense(1)])                  # no output activation
regressor.compile(keras.optimizers.Adam(0.05), loss="mse",
                  steps_per_execution=1 if keras.backend.backend() == "torch" else 50)
sine_steps = pick(1000, 200)
regressor.fit(np.tile(x_train, (sine_steps, 1)), np.tile(y_train, sine_steps),
              batch_size=len(x_train), shuffle=False, verbose=0)   # every batch: all 100 points
mse_keras = {"train": regressor.evaluate(x_train, y_train, verbose=0),
             "test": regressor.evaluate(x_test, y_test, verbose=0)}
keras_pred = regressor.predict(x_plot, verbose=0)[:, 0]
fig, ax = plt.subplots(figsize=(7, 3.8))
ax.scatter(x_train[:, 0], y_train, s=10, color="gray", label="training data")
ax.plot(x_plot, target, "k--", lw=1, label="sin(2πx)")
ax.plot(x_plot, fixed_hidden_net(x_plot), label="fixed hidden layer + least squares")
ax.plot(x_plot, keras_pred, label="Keras, 32 sigmoid units, MSE")
ax.set(xlabel="$x$", ylabel="$y$")
ax.legend(fontsize=8)
plt.show()
print(f"[figure] Keras regression after {sine_steps} full-batch steps: MSE train "
      f"{mse_keras['train']:.4f}, test {mse_keras['test']:.4f}")
assert mse_keras["test"] < pick(0.06, 0.3)

# %% [markdown]
# **Why go deeper, then?** The theorem says *one* hidden layer suffices, not that it is
# economical: the width it needs can grow very fast. Some functions are far cheaper to build
# by composition. The tent map $t(x) = 2\min(x, 1 - x)$ on $[0, 1]$ is two ReLU units,
# $t(x) = 2\,\mathrm{relu}(x) - 4\,\mathrm{relu}(x - \tfrac12)$; composing it $L$ times
# (a network of $L$ layers of 2 ReLU units) gives a sawtooth with $2^{L}$ linear pieces,
# while a single hidden layer of $m$ ReLU units can make at most $m + 1$ pieces, so it
# needs $2^L - 1$ units for the same function. Depth also lets later layers reuse features
# computed by earlier ones, which is the usual explanation of why deep networks generalise
# well with fewer parameters.

# %%
def tent(x):
    return 2 * np.maximum(x, 0) - 4 * np.maximum(x - 0.5, 0)


def linear_pieces(y_values):
    """Number of linear pieces of a sampled piecewise-linear curve (slope changes + 1)."""
    slopes = np.round(np.diff(y_values) / np.diff(x_fine), 6)
    return 1 + int(np.sum(slopes[1:] != slopes[:-1]))


x_fine = np.linspace(0, 1, 2**12 + 1)
fig, ax = plt.subplots(figsize=(7, 3))
pieces = {}
for depth in (1, 2, 4):
    y_deep = x_fine
    for _ in range(depth):
        y_deep = tent(y_deep)
    pieces[depth] = linear_pieces(y_deep)
    ax.plot(x_fine, y_deep, label=f"{depth} layer(s) of 2 ReLU units: {pieces[depth]} pieces")
ax.set(xlabel="$x$")
ax.legend(fontsize=8, loc="upper right")
plt.show()
print(f"[figure] composed tent maps: {pieces} linear pieces; one hidden layer with the same "
      f"8 units makes at most 9")
assert pieces == {1: 2, 2: 4, 4: 16}

# %% [markdown]
# **Choosing the architecture.** Width, depth and the penalty are hyper-parameters: choose
# them by their score on data the fit did not see, never by the training loss (which only
# improves with size). With little data, $k$-fold **cross-validation** uses all of it: each
# candidate is trained $k$ times, each time scored on the fold left out. Here for the
# number of hidden units of the moons classifier of section 5 (`GridSearchCV`):

# %%
candidates = {"hidden_layer_sizes": [(1,), (2,), (3,), (8,), (16,)]}
search = GridSearchCV(MLPClassifier(solver="lbfgs", alpha=0.1, max_iter=pick(2000, 300), random_state=0),
                      candidates, cv=5).fit(X, y)
cv_scores = dict(zip([h[0] for h in candidates["hidden_layer_sizes"]],
                     search.cv_results_["mean_test_score"]))
print("[figure] 5-fold cross-validation accuracy by width: "
      + ", ".join(f"{h}: {s:.3f}" for h, s in cv_scores.items())
      + f"; chosen {search.best_params_['hidden_layer_sizes'][0]}")
assert search.best_params_["hidden_layer_sizes"][0] >= 3 and cv_scores[1] < max(cv_scores.values())

# %% [markdown]
# ## Summary
# - A layer computes $Z = AW + \mathbf b$ (rows = examples) and applies $\phi$ entry-wise;
#   column-vector books write $W^\top$. A fully connected net has
#   $\sum_l (n_l + 1)n_{l+1}$ parameters.
# - Without a nonlinear activation, stacked layers collapse into one linear map.
# - Each hidden unit is a soft half-plane; the output combines them. The output activation
#   and loss follow from the task: sigmoid + BCE, softmax + CE, identity + MSE.
# - One hidden layer is a universal approximator, but depth can be exponentially cheaper
#   (composed tent maps). Choose width and depth by validation or cross-validation.
#
# ## Exercises
# 1. How many parameters has a 784-300-100-10 network? Which layer holds most, and what
#    fraction of the total is biases?
# 2. Write the forward pass of section 3 in column notation, $\mathbf z = \tilde W(1,
#    \mathbf a)^\top$, and give the shapes of $\tilde W_1$ and $\tilde W_2$.
# 3. In the staircase of section 6, what is the output weight of hidden unit $j$, and what
#    happens to the approximation if the slope $a$ of the sigmoids is 10 instead of 200?
# 4. Fit the output layer of step 2 with 3, 10 and 50 fixed hidden units. Plot training and
#    test MSE against the number of units; where does over-fitting start?
# 5. Show that one hidden layer of $m$ ReLU units computes a piecewise-linear function of
#    one input with at most $m + 1$ pieces. How many units does it need to match the 4-layer
#    sawtooth of section 6?
# 6. For the Keras regression of step 3, what changes if you put a sigmoid on the output
#    unit? Try it and explain the result from the range of the targets.
