# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lecture 1 — Neurons and the perceptron
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/nn-course/keras-nn-course/blob/v0.1.0/lectures/01_perceptron.ipynb)
#
# Every network in this course is built from one small part: a unit that adds up weighted
# inputs and passes the sum through a nonlinearity. This lecture follows that unit through
# its first thirty years:
#
# 1. **McCulloch and Pitts (1943)**: a neuron as a threshold logic gate, wired by hand.
# 2. **Hebb (1949)**: a first idea of how connections could *learn*.
# 3. **Rosenblatt (1958)**: the perceptron and its error-correcting learning rule, which
#    provably converges on linearly separable data.
# 4. **Minsky and Papert (1969)**: what a single perceptron cannot do (XOR), and why.
# 5. What happened next, up to the deep-learning revival of 2012.
#
# We write the perceptron in a dozen lines of NumPy and check it against
# `sklearn.linear_model.Perceptron`, which must give the very same weights.

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
from coursedata.toy import load_iris, make_nonlinear
from sklearn.linear_model import Perceptron
from sklearn.svm import SVC

from nnkit import pick, seed_everything
from nnkit.linear_models import plot_boundary_line
from nnkit.plots import plot_curves, plot_decision_regions

seed_everything(0)
rng = np.random.default_rng(0)

# %% [markdown]
# ## The biological neuron, in one paragraph
#
# A nerve cell receives signals from thousands of neighbours through its **dendrites**. Each
# contact, a **synapse**, passes the signal on with its own strength, excitatory or
# inhibitory, and that strength changes with experience. The **cell body** (soma) adds up
# what arrives; when the sum pushes its membrane potential past a threshold, the neuron
# *fires*: an electrical spike runs down its **axon**, whose branches end in synapses on
# other cells' dendrites. A spike is all or nothing; its size does not carry the message.
#
# The model units of this course keep just that skeleton: inputs $x_j$ from other units,
# a weight $w_j$ per synapse (positive excites, negative inhibits), a sum, a threshold or a
# smooth squashing function, and one output sent on to other units. Real neurons do much
# more (timing of spikes, chemistry, dendrites that compute); artificial networks are
# inspired by the brain, not models of it.

# %% [markdown]
# ## 1. The McCulloch–Pitts neuron
#
# Warren McCulloch and Walter Pitts modelled a neuron as a unit with binary inputs
# $x_1, \dots, x_d \in \{0, 1\}$, fixed weights $w_j$ (positive for excitatory, negative for
# inhibitory connections) and a threshold $\theta$. It fires when the weighted sum reaches
# the threshold:
#
# $$\hat y = \begin{cases} 1 & \text{if } \sum_j w_j x_j \ge \theta, \\ 0 & \text{otherwise.}
# \end{cases}$$
#
# Nothing is learned: the designer picks $\mathbf w$ and $\theta$. With the right choices one
# unit computes AND, OR or NOT, so networks of such units can compute any Boolean function.

# %%
def mcp_neuron(X: np.ndarray, w: np.ndarray, theta: float) -> np.ndarray:
    """McCulloch-Pitts unit: 1 where X @ w >= theta, else 0."""
    return (X @ w >= theta).astype(int)


inputs = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
gates = {"AND": (np.array([1, 1]), 2), "OR": (np.array([1, 1]), 1),
         "A AND NOT B": (np.array([1, -1]), 1)}
truth = {"AND": inputs[:, 0] & inputs[:, 1], "OR": inputs[:, 0] | inputs[:, 1],
         "A AND NOT B": inputs[:, 0] & (1 - inputs[:, 1])}
print(" x1 x2 | " + " | ".join(gates))
for x in inputs:
    outs = [mcp_neuron(x[None, :], w, t)[0] for w, t in gates.values()]
    print(f"  {x[0]}  {x[1]} | " + " | ".join(f"{o:^{len(n)}}" for o, n in zip(outs, gates)))
for name, (w, theta) in gates.items():
    assert np.array_equal(mcp_neuron(inputs, w, theta), truth[name]), name

# %% [markdown]
# Geometrically, $\mathbf w^\top \mathbf x = \theta$ is a **line** in the input plane, and the
# unit fires on one side of it. Keep this picture in mind: it is the whole story of this
# lecture.

# %%
fig, axes = plt.subplots(1, 3, figsize=(11, 3.2))
for ax, (name, (w, theta)) in zip(axes, gates.items()):
    y_gate = truth[name]
    ax.scatter(*inputs[y_gate == 0].T, s=120, marker="o", c="tab:blue", label="0")
    ax.scatter(*inputs[y_gate == 1].T, s=120, marker="s", c="tab:orange", label="1")
    ax.set_xlim(-0.5, 1.5)
    ax.set_ylim(-0.5, 1.5)
    plot_boundary_line(w, -theta, ax=ax, color="black")
    ax.set_title(f"{name}: $w$=({w[0]}, {w[1]}), $\\theta$={theta}")
    ax.set_xlabel("$x_1$")
axes[0].set_ylabel("$x_2$")
axes[0].legend(loc="upper left")
plt.tight_layout()
plt.show()

# %% [markdown]
# <details><summary>Self-test: which weights and threshold make one unit compute NOT $x_1$?</summary>
#
# One inhibitory input: $w_1 = -1$, $\theta = 0$. For $x_1 = 0$ the sum is $0 \ge 0$, so the
# unit fires; for $x_1 = 1$ the sum is $-1 < 0$, so it stays silent.
# </details>

# %% [markdown]
# ## 2. Hebb's rule
#
# Donald Hebb proposed that a connection grows stronger when the cells on both of its ends
# are active together. As a learning rule for one unit with target output $y$:
#
# $$\Delta w_j = \eta\, x_j\, y .$$
#
# After one pass over the data (with $\eta = 1$ and weights starting at zero) the weights
# are the correlations $\mathbf w = \sum_i y^{(i)} \mathbf x^{(i)} = X^\top \mathbf y$.
# We add a constant input $x_0 = 1$ so that $w_0$ plays the role of $-\theta$ (the **bias**).
#
# With *bipolar* coding ($-1$ for off, $+1$ for on) Hebb's rule learns AND:

# %%
def hebb(X: np.ndarray, y: np.ndarray, eta: float = 1.0, epochs: int = 1) -> np.ndarray:
    """Hebb's rule, one example at a time; X already holds the constant input 1 in column 0."""
    w = np.zeros(X.shape[1])
    for _ in range(epochs):
        for xi, target in zip(X, y):
            w += eta * xi * target
    return w


def with_bias(X: np.ndarray) -> np.ndarray:
    """Prepend the constant input x0 = 1 to every row."""
    return np.c_[np.ones(len(X)), X]


bipolar = 2.0 * inputs - 1  # 0 -> -1, 1 -> +1
and_bipolar = np.where(truth["AND"] == 1, 1.0, -1.0)
w_hebb = hebb(with_bias(bipolar), and_bipolar)
assert np.allclose(w_hebb, with_bias(bipolar).T @ and_bipolar)  # one pass = X^T y
pred_bipolar = np.where(with_bias(bipolar) @ w_hebb >= 0, 1.0, -1.0)
print("Hebb weights (w0, w1, w2):", w_hebb, " outputs:", pred_bipolar)
assert np.array_equal(pred_bipolar, and_bipolar)

# %% [markdown]
# Two weaknesses show at once. In 0/1 coding the same rule fails: examples with target $0$
# never change anything, so the unit cannot learn when *not* to fire. And the rule has no
# notion of error: it keeps changing weights that already give the right answer, so on
# every further pass the weights simply grow.

# %%
w_hebb01 = hebb(with_bias(inputs), truth["AND"])
pred01 = (with_bias(inputs) @ w_hebb01 >= 0).astype(int)
print("0/1 coding: weights", w_hebb01, "outputs", pred01, "targets", truth["AND"])
assert not np.array_equal(pred01, truth["AND"])
norms = [np.linalg.norm(hebb(with_bias(bipolar), and_bipolar, epochs=e)) for e in (1, 2, 5)]
print("weight norm after 1, 2, 5 passes:", np.round(norms, 2))
assert norms[0] < norms[1] < norms[2]

# %% [markdown]
# ## 3. Rosenblatt's perceptron
#
# Frank Rosenblatt's perceptron keeps the threshold unit but changes the weights **only
# when it makes a mistake**. With the bias folded into the weights
# ($\tilde{\mathbf x} = (1, x_1, \dots, x_d)$, $\tilde{\mathbf w} = (b, w_1, \dots, w_d)$), the
# net input is $z = \tilde{\mathbf w}^\top \tilde{\mathbf x}$ and the prediction is
# $\hat y = 1$ if $z \ge 0$, else $0$. For each example in turn,
#
# $$\tilde{\mathbf w} \leftarrow \tilde{\mathbf w} + \eta\,\big(y - \hat y\big)\,\tilde{\mathbf x}.$$
#
# Since $y - \hat y \in \{-1, 0, +1\}$, a correct answer changes nothing; a missed positive
# adds $\eta\tilde{\mathbf x}$ (turning $\tilde{\mathbf w}$ towards $\tilde{\mathbf x}$, so that
# $z$ grows), a false alarm subtracts it.

# %%
def perceptron_fit(X, y, eta=1.0, epochs=10, w_init=None):
    """Perceptron rule on labels 0/1, examples in the order given.

    Returns the augmented weights (bias first), the number of updates in each epoch and
    the weights after every update (the first row is the initial vector).
    """
    Xb = with_bias(np.asarray(X, dtype=float))
    w = np.zeros(Xb.shape[1]) if w_init is None else np.array(w_init, dtype=float)
    errors, path = [], [w.copy()]
    for _ in range(epochs):
        n_updates = 0
        for xi, target in zip(Xb, y):
            y_hat = 1 if xi @ w >= 0 else 0
            if target != y_hat:
                w = w + eta * (target - y_hat) * xi
                n_updates += 1
                path.append(w.copy())
        errors.append(n_updates)
    return w, errors, np.array(path)


def perceptron_predict(w: np.ndarray, X: np.ndarray) -> np.ndarray:
    """0/1 predictions of the augmented weights w."""
    return (with_bias(X) @ w >= 0).astype(int)


# %% [markdown]
# A hand check of one update: start at $\tilde{\mathbf w} = 0$, so the first example
# (a positive, $y = 1$) gives $z = 0$, $\hat y = 1$ and no change; a negative example then
# gives $\hat y = 1$, a mistake, and $\tilde{\mathbf w} = -\eta\,\tilde{\mathbf x}$.

# %%
w_step, err_step, _ = perceptron_fit(np.array([[2.0, 1.0], [1.0, 3.0]]), np.array([1, 0]),
                                     eta=0.5, epochs=1)
assert np.allclose(w_step, [-0.5, -0.5, -1.5]) and err_step == [1]

# %% [markdown]
# ### Iris: setosa against versicolor
#
# Fifty setosa and fifty versicolor flowers, described by sepal length and petal length.
# In this plane a straight line separates the two species.

# %%
X, y = load_iris(classes=[0, 1], features=[0, 2])
species = ["setosa", "versicolor"]
n_epochs = pick(15, 8)
w, errors, path = perceptron_fit(X, y, eta=1.0, epochs=n_epochs)
train_acc = np.mean(perceptron_predict(w, X) == y)
print("updates per epoch:", errors)
print(f"[figure] perceptron updates before convergence on iris: {sum(errors)}")
print(f"[figure] perceptron training accuracy on setosa/versicolor: {train_acc:.3f}")
assert errors[-1] == 0 and train_acc == 1.0

# %% [markdown]
# The perceptron made 10 updates in the first five epochs and none after: once every
# flower is on the right side of the line, the rule has nothing left to correct. Below, the
# line after each of those updates (light to dark; the early ones fall outside the window),
# the final decision regions, and the updates per epoch.

# %%
fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
ax = axes[0]
for k, c in enumerate([0, 1]):
    ax.scatter(*X[y == c].T, marker="os"[k], label=species[k], edgecolor="black", linewidth=0.5)
ax.set_xlim(X[:, 0].min() - 0.5, X[:, 0].max() + 0.5)
ax.set_ylim(X[:, 1].min() - 0.5, X[:, 1].max() + 0.5)
for k, wk in enumerate(path[1:], start=1):
    plot_boundary_line(wk[1:], wk[0], ax=ax, color=plt.cm.Greys(0.2 + 0.8 * k / (len(path) - 1)))
ax.set_title("boundary after each update")
ax.legend(loc="upper left")
plot_decision_regions(X, y, lambda Z: perceptron_predict(w, Z), ax=axes[1], labels=species)
axes[1].set_title("final decision regions")
for a in axes[:2]:
    a.set_xlabel("sepal length [cm]")
    a.set_ylabel("petal length [cm]")
plot_curves({"perceptron": errors}, ylabel="updates in the epoch", ax=axes[2])
plt.tight_layout()
plt.show()

# %% [markdown]
# ### Why it converges: Novikoff's bound
#
# Write the labels as $t = 2y - 1 \in \{-1, +1\}$. Suppose some unit vector $\mathbf u$
# separates the data with margin $\gamma > 0$, i.e. $t^{(i)}\,\mathbf u^\top \tilde{\mathbf x}^{(i)}
# \ge \gamma$ for every example, and let $R = \max_i \lVert \tilde{\mathbf x}^{(i)} \rVert$.
# Starting from $\tilde{\mathbf w} = 0$, every update adds at least $\eta\gamma$ to
# $\mathbf u^\top \tilde{\mathbf w}$, while $\lVert \tilde{\mathbf w} \rVert^2$ grows by at most
# $\eta^2 R^2$ (a mistake means $t\,\tilde{\mathbf w}^\top\tilde{\mathbf x} \le 0$). After $k$
# updates, $k\eta\gamma \le \mathbf u^\top \tilde{\mathbf w} \le \lVert \tilde{\mathbf w}\rVert
# \le \sqrt{k}\,\eta R$, hence
#
# $$k \le \left(\frac{R}{\gamma}\right)^2 .$$
#
# The number of mistakes is bounded, whatever the learning rate and however long we train.
# We take $\mathbf u$ from a (nearly) hard-margin linear SVM and check the bound, on the raw
# features and on centred ones (centring shrinks $R$ a lot):

# %%
def novikoff_bound(X: np.ndarray, y: np.ndarray) -> float:
    """(R / gamma)^2 for the separating direction of a hard-margin linear SVM."""
    svm = SVC(kernel="linear", C=1e6).fit(X, y)
    u = np.r_[svm.intercept_, svm.coef_[0]]
    u /= np.linalg.norm(u)
    gamma = np.min((2 * y - 1) * (with_bias(X) @ u))
    radius = np.max(np.linalg.norm(with_bias(X), axis=1))
    assert gamma > 0, "the SVM direction must separate the data"
    return (radius / gamma) ** 2


X_centred = X - X.mean(axis=0)
_, errors_centred, _ = perceptron_fit(X_centred, y, epochs=n_epochs)
for name, data, errs in [("raw", X, errors), ("centred", X_centred, errors_centred)]:
    bound = novikoff_bound(data, y)
    print(f"[figure] {name} features: {sum(errs)} updates, Novikoff bound {bound:.0f}")
    assert errs[-1] == 0 and sum(errs) <= bound

# %% [markdown]
# The bound (about 1685 updates on raw features, 28 on centred ones) is loose, the
# perceptron needs 10 and 2, but it is finite, and it explains why centring the data helps.
# Note what the theorem does **not** promise: any separating line will do, so the perceptron
# stops at the first one it finds, often close to some training points.
#
# <details><summary>Self-test: the update multiplies the step by $\eta$. Does the learning rate
# change the predictions of a perceptron that starts from $\tilde{\mathbf w} = 0$?</summary>
#
# No. Every update is $\pm\eta\tilde{\mathbf x}$, so the weights are $\eta$ times those learned
# with $\eta = 1$, and $\operatorname{sign}(z)$ does not care about a positive factor. With a
# random (non-zero) start, $\eta$ does matter: it sets the size of the steps relative to
# the initial weights.
# </details>

# %% [markdown]
# ## 4. Scikit-learn's perceptron gives the same weights
#
# `sklearn.linear_model.Perceptron` runs the same rule (it is stochastic gradient descent on
# the loss $\max(0, -t z)$). With the data in a fixed order (`shuffle=False`), the same
# learning rate (`eta0`), no stopping rule (`tol=None`) and the same starting weights, it
# must land on *exactly* our weights. We start from small random weights rather than zero:
# at $z = 0$ scikit-learn counts a mistake for either class while our rule predicts $1$, and
# a random start makes such ties impossible in practice.

# %%
w_start = rng.normal(0.0, 0.01, size=3)
eta = 0.1
w_ours, errors_ours, _ = perceptron_fit(X, y, eta=eta, epochs=n_epochs, w_init=w_start)
sk = Perceptron(eta0=eta, max_iter=n_epochs, tol=None, shuffle=False)
sk.fit(X, y, coef_init=w_start[None, 1:], intercept_init=w_start[:1])
print("ours   :", w_ours)
print("sklearn:", np.r_[sk.intercept_, sk.coef_[0]])
assert np.allclose(w_ours, np.r_[sk.intercept_, sk.coef_[0]])
assert np.array_equal(sk.predict(X), perceptron_predict(w_ours, X))

# %% [markdown]
# ## 5. What one perceptron cannot learn: XOR
#
# Exclusive or is $1$ when exactly one input is on. Suppose a line
# $w_1 x_1 + w_2 x_2 + b$ did it. Then $b < 0$ (from $(0,0) \mapsto 0$), $w_1 + b \ge 0$ and
# $w_2 + b \ge 0$ (from $(1,0)$ and $(0,1)$), and $w_1 + w_2 + b < 0$ (from $(1,1)$). Adding
# the middle two gives $w_1 + w_2 + 2b \ge 0$, so $w_1 + w_2 + b \ge -b > 0$: a
# contradiction. Minsky and Papert's book *Perceptrons* (1969) made such limits precise,
# and interest in neural networks faded for over a decade.
#
# The convergence theorem says nothing here, and the rule never settles: the weights go
# round a **cycle**. With $\eta = 1$ and a zero start the weights stay integers, so we can
# spot the cycle exactly.

# %%
X_xor = inputs.astype(float)
y_xor = truth["AND"] ^ truth["OR"]  # 0, 1, 1, 0
xor_epochs = pick(40, 20)
w_x, errors_xor, path_xor = perceptron_fit(X_xor, y_xor, epochs=xor_epochs)
_, errors_and, _ = perceptron_fit(X_xor, truth["AND"], epochs=xor_epochs)
print("XOR updates per epoch:", errors_xor)
assert min(errors_xor) > 0 and errors_and[-1] == 0
seen = {}
for k, wk in enumerate(tuple(row.tolist()) for row in path_xor):
    if wk in seen:
        print(f"weights after update {k} repeat those after update {seen[wk]}: {list(wk)}")
        break
    seen[wk] = k
assert len(seen) < len(path_xor), "the XOR weights should go round a cycle"

# %% [markdown]
# The same failure on a noisy XOR cloud of 400 points: the best a line can do is about
# half right. One remedy, a preview of the rest of the course, is to give the unit a
# better **representation**: with the extra feature $x_1 x_2$ the two classes become
# linearly separable (in three dimensions) apart from the noise. Multilayer networks
# *learn* such features instead of being handed them.

# %%
X_cloud, y_cloud = make_nonlinear(n=400, kind="xor", noise=0.2, seed=0)
cloud_epochs = pick(30, 10)


def product_features(Z: np.ndarray) -> np.ndarray:
    """(x1, x2) -> (x1, x2, x1 * x2)."""
    return np.c_[Z, Z[:, 0] * Z[:, 1]]


w_lin, _, _ = perceptron_fit(X_cloud, y_cloud, eta=0.1, epochs=cloud_epochs)
w_prod, _, _ = perceptron_fit(product_features(X_cloud), y_cloud, eta=0.1, epochs=cloud_epochs)
acc_lin = np.mean(perceptron_predict(w_lin, X_cloud) == y_cloud)
acc_prod = np.mean(perceptron_predict(w_prod, product_features(X_cloud)) == y_cloud)
print(f"[figure] noisy XOR, perceptron on (x1, x2): accuracy {acc_lin:.2f}")
print(f"[figure] noisy XOR, perceptron on (x1, x2, x1*x2): accuracy {acc_prod:.2f}")
assert acc_lin < 0.7 < acc_prod

fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
plot_curves({"AND": errors_and, "XOR": errors_xor}, ylabel="updates in the epoch", ax=axes[0])
axes[0].set_title("four Boolean points")
plot_decision_regions(X_cloud, y_cloud, lambda Z: perceptron_predict(w_lin, Z), ax=axes[1])
axes[1].set_title(f"features $(x_1, x_2)$: accuracy {acc_lin:.2f}")
plot_decision_regions(X_cloud, y_cloud,
                      lambda Z: perceptron_predict(w_prod, product_features(Z)), ax=axes[2])
axes[2].set_title(f"features $(x_1, x_2, x_1 x_2)$: accuracy {acc_prod:.2f}")
plt.tight_layout()
plt.show()

# %% [markdown]
# With the plain inputs, the perceptron's accuracy on the cloud is 0.48 at the end of
# training, no better than a coin; with the product feature it reaches 0.92 (noise flips
# some points across the axes, so 100% is out of reach).
#
# <details><summary>Self-test: the perceptron rule is run on data that are <em>not</em>
# separable. What happens to the number of updates per epoch, and to the weights?</summary>
#
# The updates never stop (every epoch contains at least one mistake), so the final weights
# depend on where you stop. On the four XOR points with $\eta = 1$ the weights even repeat
# exactly. Keeping the best weights seen so far (the "pocket" algorithm) or switching to a
# smooth loss, as Adaline does in the next lecture, are the usual fixes.
# </details>


# %% [markdown]
# ## 6. What happened next, 1969–2012
#
# The story of the next four decades is the story of one problem, **credit assignment**:
# when a network with hidden units makes a mistake, how much is each hidden weight to blame?
# The perceptron rule (and Widrow and Hoff's Adaline rule, lecture 2) corrects weights
# using the error *at the unit itself*, which is known only for output units. Rosenblatt
# knew multi-layer machines would be more powerful but had no rule to train their hidden
# layers; Widrow and Hoff had a rule with a convergence guarantee, but only for one layer.
# That gap between "provably trainable" and "powerful enough", together with Minsky and
# Papert's analysis, is sometimes called the Rosenblatt–Widrow–Hoff dilemma, and funding
# and interest in neural networks collapsed for a decade.
#
# - **1974–1982, Werbos**: his thesis, then a 1982 paper, apply reverse-mode differentiation
#   to networks: the error derivative of a hidden unit is a weighted sum of the derivatives
#   of the units it feeds. Smooth (differentiable) units replace hard thresholds, which is
#   what makes those derivatives exist.
# - **1986, Rumelhart, Hinton and Williams**: "Learning representations by
#   back-propagating errors" shows that hidden units trained this way learn useful internal
#   features (lecture 5 derives the algorithm). Multi-layer perceptrons spread quickly.
# - **1990s–2000s**: deep networks remain hard to train (vanishing gradients, lecture 7;
#   little data; slow computers), and kernel methods with convex training, above all
#   **support vector machines**, and ensembles of trees such as random forests win most
#   benchmarks. Neural networks survive in niches (LeCun's convolutional networks read
#   cheques).
# - **2006–2012, the return**: layer-wise pre-training (Hinton, 2006), then three things
#   that made plain backpropagation work on deep nets: **ReLU** units that do not saturate
#   (Glorot, Bordes and Bengio, 2011; lecture 7), **GPUs**, which do the matrix products of
#   a mini-batch in parallel, and large labelled datasets. In 2012 **AlexNet** (Krizhevsky,
#   Sutskever and Hinton), a deep convolutional network trained on two GPUs with ReLU and
#   dropout, cut the top-5 error on ImageNet from 26 % (the next-best entry) to 15 %, and
#   the field turned to deep learning.

# %%
from nnkit.plots import plot_timeline

history = [(1943, "McCulloch–Pitts\nthreshold unit"), (1949, "Hebb's rule"),
           (1958, "Rosenblatt's\nperceptron"), (1960, "Widrow–Hoff\nAdaline"),
           (1969, "Minsky–Papert:\nno XOR"), (1974, "Werbos:\nbackprop (thesis)"),
           (1986, "Rumelhart, Hinton,\nWilliams"), (1989, "universal approx.;\nLeCun's CNN"),
           (1995, "support vector\nmachines"), (2006, "layer-wise\npre-training"),
           (2011, "ReLU"), (2012, "AlexNet\n(GPUs)")]
fig, ax = plt.subplots(figsize=(12, 3.8))
plot_timeline(history, ax=ax)
ax.axvspan(1969, 1982, color="tab:gray", alpha=0.15)
ax.text(1978, 0.3, "little funding", ha="center", va="bottom", fontsize=8)
ax.set_title("from threshold units to deep learning")
plt.tight_layout()
plt.show()

# %% [markdown]
# The rest of the course follows that path: smooth units and gradient descent (lectures
# 2–3), hidden layers (4), backpropagation (5), optimisers (6, 6b), activations and
# initialisation (7), and the Keras tools that make it routine (8–10).

# %% [markdown]
# ## Summary
# - A McCulloch–Pitts unit is a threshold on a weighted sum: a line (hyperplane) in input
#   space. Hebb's rule strengthens co-active connections but does not correct errors.
# - The perceptron updates only on mistakes, $\Delta\tilde{\mathbf w} = \eta (y - \hat y)
#   \tilde{\mathbf x}$, and on linearly separable data stops after at most $(R/\gamma)^2$
#   updates.
# - XOR is not linearly separable, so no single perceptron learns it; new features (or
#   hidden layers) are needed.
# - Training hidden units needed an answer to credit assignment: backpropagation (Werbos;
#   Rumelhart, Hinton and Williams, 1986). Deep nets took off only after 2006–2012 (ReLU,
#   GPUs, big data, AlexNet).
#
# ## Exercises
# 1. Design a single McCulloch–Pitts unit (weights and threshold) for "at least two of three
#    inputs are on". Draw its decision plane in the unit cube.
# 2. Run the perceptron of section 3 on setosa/versicolor with the features in millimetres
#    instead of centimetres. How do the number of updates and the final weights change?
#    Explain with Novikoff's bound.
# 3. What changes if the perceptron's labels are coded 0/1 instead of −1/+1 in the update
#    rule $\Delta\tilde{\mathbf w} = \eta (y - \hat y)\tilde{\mathbf x}$? Derive the update
#    for each kind of mistake.
# 4. Prove that no single threshold unit computes XOR by writing the four inequalities its
#    weights would have to satisfy and adding them in pairs.
# 5. Build XOR from three McCulloch–Pitts units in two layers and check all four inputs in
#    code. Which hidden "features" did you use, and why could the perceptron rule not find
#    the hidden weights (the credit-assignment problem of section 6)?
