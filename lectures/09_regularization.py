# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lecture 9 — Regularisation
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/nn-course/keras-nn-course/blob/v0.1.0/lectures/09_regularization.ipynb)
#
# A network with many more weights than training examples can learn the training set by
# heart, noise included, and then do worse on new data: it **over-fits**. Regularisation
# is anything that makes this harder: penalties on the size of the weights (L1, L2),
# dropout, batch normalisation, and stopping before the damage is done. We first check
# that each tool computes what its formula says, then make a network over-fit on purpose
# and cure it.
#
# **Contents**
# 1. Weight and activity penalties: L1, L2, L1+L2
# 2. Dropout at training and at inference time
# 3. Batch normalisation
# 4. Over-fitting on a small noisy dataset
# 5. Cures: L2, dropout, batch normalisation, early stopping
# 6. A recipe: over-fit first, then regularise, augment, ensemble

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

from coursedata.toy import load_digits
from nnkit import pick, seed_everything
from nnkit.plots import plot_curves

seed_everything(0)
rng = np.random.default_rng(0)
print(f"Keras {keras.__version__}, backend {keras.backend.backend()}")

# %% [markdown]
# ## 1. Penalties on weights and activities
#
# A penalty adds a term to the loss the optimiser minimises:
#
# $$J(\mathbf w) = L(\mathbf w) + \lambda_1 \sum_j |w_j| + \lambda_2 \sum_j w_j^2 .$$
#
# * **L2** (weight decay) pulls every weight towards zero in proportion to its size, since
#   $\partial(\lambda_2 w^2)/\partial w = 2\lambda_2 w$: large weights shrink fast, small
#   ones hardly at all.
# * **L1** pulls with the constant force $\lambda_1\,\mathrm{sign}(w)$, however small the
#   weight. The *minimum* of an L1-penalised loss has many weights exactly at zero (sparse
#   weights), but (sub)gradient descent, which is what `fit` does, does not land on them:
#   it overshoots zero and jitters around it, leaving many weights *tiny* rather than zero
#   (exact zeros need a proximal step that clips at 0, as in the lasso's solvers).
# * **L1+L2** (the elastic net) uses both.
#
# Keras attaches penalties to a layer: `kernel_regularizer` penalises the weights,
# `bias_regularizer` the biases and `activity_regularizer` the layer's *outputs*. Note that
# Keras's `L2(l2)` is $\lambda_2\sum w^2$, without the factor $\frac12$ some books use. How an
# activity penalty is scaled depends on the version: from Keras 3.14 (released in April
# 2026) it is divided by the batch size, a mean over the examples; in Keras 3.0–3.13 it is
# the sum over the batch, so its strength grows with the batch size. The cell checks
# whichever your Keras does.
# After a forward pass the penalties are in `model.losses`, and `fit` adds their sum to the
# data loss.

# %%
layer = keras.layers.Dense(
    5, activation="relu",
    kernel_regularizer=keras.regularizers.L1(0.01),
    bias_regularizer=keras.regularizers.L2(0.1),
    activity_regularizer=keras.regularizers.L1L2(l1=0.001, l2=0.002),
    bias_initializer=keras.initializers.RandomNormal(stddev=0.5, seed=1),
)
model = keras.Sequential([keras.Input((3,)), layer])
x_batch = rng.normal(size=(8, 3)).astype("float32")
out = keras.ops.convert_to_numpy(model(x_batch))

W, b = (keras.ops.convert_to_numpy(v) for v in (layer.kernel, layer.bias))
keras_version = tuple(int(part) for part in keras.__version__.split(".")[:2])
activity_divisor = len(out) if keras_version >= (3, 14) else 1   # mean from 3.14, sum before
print(f"Keras {keras.__version__}: the activity penalty is divided by {activity_divisor}")
by_hand = [
    0.01 * np.abs(W).sum(),                                                   # kernel, L1
    0.1 * np.square(b).sum(),                                                 # bias, L2
    (0.001 * np.abs(out).sum() + 0.002 * np.square(out).sum()) / activity_divisor,  # activity
]
keras_penalties = [float(keras.ops.convert_to_numpy(v)) for v in model.losses]
print("Keras:", np.round(keras_penalties, 5), " by hand:", np.round(by_hand, 5))
assert np.allclose(sorted(keras_penalties), sorted(by_hand), rtol=1e-5)

# %% [markdown]
# And `fit`/`evaluate` really minimise data loss plus penalties. For a model with only
# weight penalties (they do not depend on the data), the loss `evaluate` reports is the
# mean squared error plus `sum(model.losses)`:

# %%
reg_model = keras.Sequential([
    keras.Input((3,)),
    keras.layers.Dense(4, activation="tanh", kernel_regularizer=keras.regularizers.L2(0.05)),
    keras.layers.Dense(1, kernel_regularizer=keras.regularizers.L1L2(l1=0.02, l2=0.01)),
])
reg_model.compile("sgd", "mse")
y_batch = rng.normal(size=(8, 1)).astype("float32")
mse = np.mean((keras.ops.convert_to_numpy(reg_model(x_batch)) - y_batch) ** 2)
penalty = sum(float(keras.ops.convert_to_numpy(v)) for v in reg_model.losses)
kernels = [keras.ops.convert_to_numpy(lay.kernel) for lay in reg_model.layers]
assert np.isclose(penalty, 0.05 * np.sum(kernels[0] ** 2) + 0.02 * np.abs(kernels[1]).sum()
                  + 0.01 * np.sum(kernels[1] ** 2), rtol=1e-5)
assert np.isclose(reg_model.evaluate(x_batch, y_batch, verbose=0), mse + penalty, rtol=1e-5)
print(f"evaluate = {mse:.4f} (MSE) + {penalty:.4f} (penalties)")

# %% [markdown]
# <details><summary>Self-test: with plain gradient descent and learning rate $\eta$, what
# does the L2 term do to a weight in one step, ignoring the data loss?</summary>
#
# $w \leftarrow w - \eta\cdot 2\lambda_2 w = (1 - 2\eta\lambda_2)\,w$: it multiplies every
# weight by the same factor slightly below one, hence the name *weight decay*.
# </details>

# %% [markdown]
# ### Penalties as priors, and what L1 does under gradient descent
#
# A penalty is a prior belief about the weights. If the data loss is a negative
# log-likelihood, minimising $L(\mathbf w) + \Omega(\mathbf w)$ finds the *maximum a
# posteriori* weights under the prior $p(\mathbf w) \propto e^{-\Omega(\mathbf w)}$:
# $\lambda_2\sum w^2$ is a Gaussian prior (variance $1/(2\lambda_2)$) that makes large weights
# unlikely, and $\lambda_1\sum|w|$ a Laplace prior, peaked at zero, that expects most weights
# to be exactly zero and a few to be large. This reading takes $L$ to be the negative
# log-likelihood *summed* over the $n$ training examples. Keras's `fit` minimises the *mean*
# loss plus the penalties, which is the summed objective divided by $n$ with the penalty
# $n\lambda_2\sum w^2$ inside: the same `L2(l2)` then stands for a prior of variance
# $1/(2n\lambda_2)$, tighter the more data you have, so a $\lambda$ tuned on one training-set
# size has to be tuned again on another.
#
# The peak is what gives the L1 *minimum* its exact zeros. Gradient descent does not find
# them: we fit a linear regression with 20 features, of which only 3 matter, by subgradient
# descent on MSE + L1 (what `fit` would do), and compare with scikit-learn's `Lasso`, whose
# coordinate descent solves the same problem exactly.

# %%
from sklearn.linear_model import Lasso

n_obs, n_feat, lam = 200, 20, 0.05
X_l1 = rng.normal(size=(n_obs, n_feat))
w_true = np.zeros(n_feat)
w_true[:3] = (2.0, -1.5, 1.0)
y_l1 = X_l1 @ w_true + rng.normal(0, 0.5, n_obs)
w_sub = np.zeros(n_feat)
for step in range(pick(3000, 1000)):   # loss: mean((Xw - y)^2) / 2 + lam * sum|w|, as Lasso's
    w_sub -= 0.01 * (X_l1.T @ (X_l1 @ w_sub - y_l1) / n_obs + lam * np.sign(w_sub))
w_lasso = Lasso(alpha=lam, fit_intercept=False).fit(X_l1, y_l1).coef_
fig, ax = plt.subplots(figsize=(7, 3))
ax.bar(np.arange(n_feat) - 0.2, np.abs(w_sub), 0.4, label="subgradient descent")
ax.bar(np.arange(n_feat) + 0.2, np.abs(w_lasso), 0.4, label="Lasso (coordinate descent)")
ax.set(yscale="log", ylim=(1e-6, 5), xlabel="feature", ylabel="|w|  (0 not shown)")
ax.legend(fontsize=8)
plt.show()
zeros_sub, zeros_lasso = int(np.sum(w_sub == 0)), int(np.sum(w_lasso == 0))
print(f"[figure] 17 useless features: exact zeros {zeros_sub} by subgradient descent, "
      f"{zeros_lasso} by Lasso; largest useless |w| by subgradient descent "
      f"{np.abs(w_sub[3:]).max():.1e}")
assert zeros_sub == 0 and zeros_lasso >= 14
assert np.abs(w_sub[3:]).max() < 0.05 and np.allclose(w_sub[:3], w_lasso[:3], atol=0.02)

# %% [markdown]
# ## 2. Dropout
#
# During training, a `Dropout(rate)` layer sets each of its inputs to zero with probability
# $p = $ `rate`, independently for every example and at every step, and multiplies the
# survivors by $1/(1-p)$ so that the expected value of each output equals its input
# ("inverted dropout"). At inference time it does nothing. Each training step thus trains
# a different thinned sub-network, and no unit can rely on one particular other unit being
# there.
#
# Keras layers take a `training` argument; `fit` passes `training=True`, while `predict`,
# `evaluate` and a plain `model(x)` use `training=False`.

# %%
dropout = keras.layers.Dropout(0.4, seed=0)
ones = np.ones((2000, 50), dtype="float32")
at_inference = keras.ops.convert_to_numpy(dropout(ones, training=False))
at_training = keras.ops.convert_to_numpy(dropout(ones, training=True))

kept = at_training != 0
print(f"inference: unchanged {np.array_equal(at_inference, ones)}; training: kept "
      f"{kept.mean():.3f} of the inputs, survivors = {np.unique(at_training[kept])}, "
      f"mean output {at_training.mean():.3f}")
assert np.array_equal(at_inference, ones)
assert abs(kept.mean() - 0.6) < 0.01                       # keep probability 1 - p
assert np.allclose(at_training[kept], 1 / 0.6)             # survivors scaled by 1 / (1 - p)
assert abs(at_training.mean() - 1.0) < 0.02                # expectation preserved
again = keras.ops.convert_to_numpy(dropout(ones, training=True))
assert not np.array_equal(again != 0, kept)                # a new mask every call

# %% [markdown]
# The same holds inside a model: `predict` is deterministic, calls with `training=True`
# are not, and their average approaches the deterministic output for a linear layer
# after the dropout.

# %%
drop_net = keras.Sequential([keras.Input((50,)), keras.layers.Dropout(0.4, seed=1),
                             keras.layers.Dense(1)])
x_one = rng.normal(size=(1, 50)).astype("float32")
p1, p2 = drop_net.predict(x_one, verbose=0), drop_net.predict(x_one, verbose=0)
samples = np.array([keras.ops.convert_to_numpy(drop_net(x_one, training=True))[0, 0]
                    for _ in range(2000)])
assert np.array_equal(p1, p2)
print(f"predict {p1[0, 0]:.3f}; training-mode outputs: mean {samples.mean():.3f}, "
      f"std {samples.std():.3f}")
assert abs(samples.mean() - p1[0, 0]) < 4 * samples.std() / np.sqrt(len(samples))

# %% [markdown]
# ## 3. Batch normalisation
#
# A `BatchNormalization` layer standardises each feature over the batch and then applies a
# learned scale $\gamma$ and shift $\beta$:
#
# $$\hat x = \frac{x - \mu_B}{\sqrt{\sigma_B^2 + \varepsilon}}, \qquad y = \gamma\,\hat x + \beta,$$
#
# with $\mu_B, \sigma_B^2$ the mean and (biased) variance of the batch. It also keeps moving
# averages for use at inference time, when there may be a single example:
# $\mu \leftarrow m\,\mu + (1-m)\,\mu_B$ and likewise for $\sigma^2$, with momentum
# $m = 0.99$ and $\varepsilon = 10^{-3}$ by default. It makes deep networks much easier to
# train and, because each example's output depends on the random other examples in its
# batch, it also regularises a little.

# %%
bn = keras.layers.BatchNormalization()
xb = rng.normal(3.0, 2.0, size=(64, 4)).astype("float32")
bn.build(xb.shape)
bn.gamma.assign(np.array([1.0, 2.0, 0.5, 1.0], dtype="float32"))
bn.beta.assign(np.array([0.0, 1.0, -1.0, 0.5], dtype="float32"))
gamma, beta = keras.ops.convert_to_numpy(bn.gamma), keras.ops.convert_to_numpy(bn.beta)

train_out = keras.ops.convert_to_numpy(bn(xb, training=True))
mu_b, var_b = xb.mean(axis=0), xb.var(axis=0)
assert np.allclose(train_out, gamma * (xb - mu_b) / np.sqrt(var_b + 1e-3) + beta, atol=1e-5)

moving_mean = keras.ops.convert_to_numpy(bn.moving_mean)
moving_var = keras.ops.convert_to_numpy(bn.moving_variance)
assert np.allclose(moving_mean, 0.99 * 0.0 + 0.01 * mu_b, atol=1e-6)     # started at 0
assert np.allclose(moving_var, 0.99 * 1.0 + 0.01 * var_b, atol=1e-5)     # started at 1

infer_out = keras.ops.convert_to_numpy(bn(xb, training=False))
assert np.allclose(infer_out, gamma * (xb - moving_mean) / np.sqrt(moving_var + 1e-3) + beta,
                   atol=1e-5)
print("training-mode output: batch mean", train_out.mean(axis=0).round(3),
      " batch std", train_out.std(axis=0).round(3))

# %% [markdown]
# In training mode each feature comes out with mean $\beta$ and standard deviation
# $\approx\gamma$, as the printout shows. After only one batch the moving averages are still
# near their starting values (0 and 1), so the inference-mode output is very different: a
# reminder that a network with batch normalisation must be trained for a while before its
# inference behaviour is meaningful.

# %% [markdown]
# ## 4. Over-fitting on purpose
#
# Take 300 of the 8×8 digits and spoil the labels of a quarter of them, replacing each by a
# random digit. The validation set (800 other digits) keeps its true labels. A network with
# two hidden layers of 512 units (about 300,000 weights for 300 examples) can memorise even
# the wrong labels, and that is what it will do.
#
# How we feed `fit` depends on the backend. On TensorFlow, Keras turns numpy arrays into a
# `tf.data` input pipeline at every epoch, which for a few hundred examples is most of the
# time an epoch takes; so there we build `tf.data.Dataset`s once (shuffled with a fixed
# seed, in batches of 20) and pass those. JAX and PyTorch slice numpy arrays directly, with
# nothing to gain from `tf.data` (which needs TensorFlow installed), so on those backends we
# pass the arrays, the batch size and `shuffle=True`. Either way `fit` trains on batches of
# 20 in a new random order every epoch.

# %%
X, y = load_digits()
X = (X / 16.0).astype("float32")
order = rng.permutation(len(X))
train_idx, val_idx = order[:300], order[300:1100]
X_train, y_train = X[train_idx], y[train_idx].copy()
noisy = rng.random(len(y_train)) < 0.25
y_train[noisy] = rng.integers(0, 10, noisy.sum())
X_val, y_val = X[val_idx], y[val_idx]
print(f"{noisy.sum()} labels replaced, {np.sum(y_train != y[train_idx])} of them now wrong")

if keras.backend.backend() == "tensorflow":   # tf.data pipelines, built once
    import tensorflow as tf

    train_ds = tf.data.Dataset.from_tensor_slices((X_train, y_train)).shuffle(300, seed=0).batch(20)
    val_ds = tf.data.Dataset.from_tensor_slices((X_val, y_val)).batch(800).cache()
    data = dict(x=train_ds, validation_data=val_ds, shuffle=False)   # train_ds shuffles itself
else:                                          # the arrays: fit shuffles them every epoch
    data = dict(x=X_train, y=y_train, batch_size=20, shuffle=True,
                validation_data=(X_val, y_val), validation_batch_size=800)
EPOCHS = pick(50, 8)


def wide_mlp(kernel_regularizer=None, dropout=0.0, batchnorm=False, seed=0):
    """Two hidden layers of 512 ReLU units, optionally with L2, dropout or batch norm."""
    keras.utils.set_random_seed(seed)
    layers = [keras.Input((64,))]
    for _ in range(2):
        layers.append(keras.layers.Dense(512, kernel_initializer="he_normal",
                                         kernel_regularizer=kernel_regularizer))
        if batchnorm:
            layers.append(keras.layers.BatchNormalization())
        layers.append(keras.layers.Activation("relu"))
        if dropout:
            layers.append(keras.layers.Dropout(dropout))
    layers.append(keras.layers.Dense(10, activation="softmax",
                                     kernel_regularizer=kernel_regularizer))
    net = keras.Sequential(layers)
    net.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy",
                metrics=["accuracy", keras.metrics.SparseCategoricalCrossentropy(name="xent")])
    return net


def train(net, epochs=EPOCHS, callbacks=()):
    """Fit on the noisy training set, validating on the clean validation set."""
    return net.fit(**data, epochs=epochs, verbose=0,
                   callbacks=list(callbacks)).history


runs = {"no regularisation": train(wide_mlp())}
h = runs["no regularisation"]
fig, axes = plt.subplots(1, 2, figsize=(12, 3.6))
plot_curves({"training": h["loss"], "validation": h["val_loss"]}, ax=axes[0])
plot_curves({"training": h["accuracy"], "validation": h["val_accuracy"]}, ylabel="accuracy",
            ax=axes[1])
fig.suptitle("wide MLP, 300 digits with 25 % wrong labels")
plt.tight_layout()
plt.show()
best = int(np.argmin(h["val_loss"]))
print(f"[figure] no regularisation: training accuracy {h['accuracy'][-1]:.3f}, validation "
      f"accuracy {h['val_accuracy'][-1]:.3f} at the end, {max(h['val_accuracy']):.3f} at best; "
      f"val_loss lowest at epoch {best + 1}")

# %% [markdown]
# The two curves part ways after about a dozen epochs (the validation loss is lowest at
# epoch 12). The training loss keeps falling towards zero
# and the training accuracy reaches 100 %, wrong labels included. The validation loss turns
# round and climbs: the network becomes confidently wrong on new digits, and the
# validation accuracy drops from its early peak.
#
# How high it climbs depends a little on the backend. From a softmax output, Keras's
# TensorFlow backend computes the cross-entropy from the logits behind the softmax, so a
# confidently wrong prediction can cost any amount; the JAX and PyTorch backends clip the
# probabilities to $[10^{-7}, 1 - 10^{-7}]$ first, so one example costs at most
# $-\ln 10^{-7} \approx 16.1$. (For a model that outputs logits, `from_logits=True` gives
# the same loss on every backend.)

# %%
if EPOCHS >= 30:
    assert h["accuracy"][-1] > 0.99                       # memorised, wrong labels too
    assert h["val_loss"][-1] > 1.2 * min(h["val_loss"])   # and got worse on new data
    assert h["val_accuracy"][-1] < max(h["val_accuracy"]) - 0.05

# %% [markdown]
# ## 5. Cures
#
# The same network and data, five ways: with an L2 penalty on every kernel, with dropout
# after each hidden layer, with batch normalisation before each ReLU, and with early
# stopping (`EarlyStopping(patience=5, restore_best_weights=True)`, lecture 10) on the
# unregularised network.
#
# One trap: the `loss` and `val_loss` that Keras logs include the penalties, so they are
# larger for the L2 network even when its predictions are better. To compare like with
# like we also track the plain cross-entropy as a metric (`xent`), which has no penalty.

# %%
cures = {"L2, λ = 2·10⁻³": {"kernel_regularizer": keras.regularizers.L2(2e-3)},
         "dropout 0.5": {"dropout": 0.5}, "batch norm": {"batchnorm": True}}
nets = {}                                 # kept for the ensemble of section 6
for name, options in cures.items():
    nets[name] = wide_mlp(**options)
    runs[name] = train(nets[name])
stopper = keras.callbacks.EarlyStopping(monitor="val_loss", patience=5,
                                        restore_best_weights=True)
early_net = nets["early stopping"] = wide_mlp()
runs["early stopping"] = train(early_net, callbacks=[stopper])

early_loss, early_acc, early_xent = early_net.evaluate(X_val, y_val, batch_size=800, verbose=0)
assert np.isclose(early_loss, min(runs["early stopping"]["val_loss"]), atol=1e-5)
assert np.isclose(early_loss, early_xent, atol=1e-6)  # no penalty in this network

fig, axes = plt.subplots(1, 2, figsize=(13, 4))
plot_curves({name: r["val_xent"] for name, r in runs.items()},
            ylabel="validation cross-entropy", ax=axes[0])
plot_curves({name: r["val_accuracy"] for name, r in runs.items()},
            ylabel="validation accuracy", ax=axes[1])
plt.tight_layout()
plt.show()

final = {name: (r["accuracy"][-1], r["val_xent"][-1], r["val_accuracy"][-1])
         for name, r in runs.items()}
final["early stopping"] = (final["early stopping"][0], early_loss, early_acc)  # restored
print(f"{'':>29s} {'train acc':>9s} {'val xent':>9s} {'val acc':>8s}")
for name, (tr_acc, v_loss, v_acc) in final.items():
    print(f"[figure] {name:>20s} {tr_acc:9.3f} {v_loss:9.3f} {v_acc:8.3f}")

# %%
if EPOCHS >= 30:
    for name in ("L2, λ = 2·10⁻³", "dropout 0.5", "early stopping"):
        assert final[name][1] < final["no regularisation"][1], name   # lower validation loss
    for name in ("dropout 0.5", "early stopping"):
        assert final[name][2] > final["no regularisation"][2], name   # and better accuracy

# %% [markdown]
# What the comparison shows (full run, numbers printed above):
#
# * **L2** lowers the validation cross-entropy (0.839 against 0.884) but not the accuracy
#   (0.711 against 0.748), and the network still fits 0.977 of the training labels: with
#   Adam, a penalty strong enough to stop the memorisation also slows down learning the
#   true digits. (Optimisers such as `AdamW` apply weight decay directly to the weights
#   instead, which often works better; and $\lambda$ needs tuning, exercise 5.)
# * **Dropout** does much more (accuracy 0.816, the lowest cross-entropy, 0.595): it is
#   hard to memorise single examples when a different half of the units is missing at
#   every step.
# * **Batch normalisation** is mainly an aid to optimisation. On this problem it makes the
#   network fit the training set, wrong labels included, *faster*, and gives little
#   protection against over-fitting: it is not a substitute for the other tools.
# * **Early stopping** costs nothing and has the best accuracy here (0.854): it keeps the
#   weights from the epoch with the lowest validation loss, before the memorisation
#   started. (Its "train acc" is that of the last epoch it ran, not of the restored
#   weights.)
#
# The strengths ($\lambda$, the dropout rate, the patience) are hyper-parameters, chosen on
# validation data; and the tools combine.
#
# <details><summary>Self-test: why must the validation set used for early stopping not be
# the test set on which you report the final accuracy?</summary>
#
# Early stopping *chooses* the epoch that does best on the validation set, so that set's
# score is optimistically biased. An honest estimate needs data that played no part in any
# choice.
# </details>

# %% [markdown]
# ## 6. A recipe
#
# The order in which practitioners usually apply these tools, with what this course showed
# for each:
#
# 1. **Over-fit first.** Make sure the network *can* fit the training set, even memorise
#    it, before fighting over-fitting: a model that cannot is too small or badly trained
#    (learning rate, lecture 6; initialisation and activations, lecture 7), and
#    regularising it only makes that worse. Section 4's wide network reached 100 %
#    training accuracy, wrong labels included.
# 2. **Then regularise,** cheapest first: early stopping, then dropout or a weight penalty,
#    their strengths tuned on validation data. In section 5, early stopping and dropout
#    raised the validation accuracy; the untuned L2 penalty only lowered the loss.
# 3. **Augment.** More data is the best regulariser. When there is no more, make plausible
#    variants of the examples you have: a digit moved by one pixel is still the same digit.
# 4. **Ensemble.** Average the predicted probabilities of several networks: their errors
#    are partly independent, so the average is usually better than a typical member.
#
# The last two, on the same noisy digits. Augmentation: each training image also shifted
# by one pixel left, right, up and down (1,500 examples), the dropout network trained for a
# fifth of the epochs, so for the same number of steps as before. Ensemble: the mean of the
# predicted probabilities of the four networks of section 5.

# %%
def shifted(images, dx, dy):
    """8×8 images (flattened) moved dx pixels right and dy down; pixels moved in are 0."""
    moved = np.zeros((len(images), 8 + 2, 8 + 2), images.dtype)
    moved[:, 1 + dy:9 + dy, 1 + dx:9 + dx] = images.reshape(-1, 8, 8)
    return moved[:, 1:9, 1:9].reshape(len(images), 64)


moves = [(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)]
X_aug = np.concatenate([shifted(X_train, dx, dy) for dx, dy in moves])
y_aug = np.tile(y_train, len(moves))
assert np.array_equal(shifted(X_train, 0, 0), X_train)
assert np.array_equal(shifted(X_train, 1, 0).reshape(-1, 8, 8)[:, :, 1:],
                      X_train.reshape(-1, 8, 8)[:, :, :-1])
if keras.backend.backend() == "tensorflow":
    aug_ds = tf.data.Dataset.from_tensor_slices((X_aug, y_aug)).shuffle(len(y_aug), seed=0).batch(20)
    aug_data = dict(data, x=aug_ds)            # aug_ds shuffles itself
else:
    aug_data = dict(data, x=X_aug, y=y_aug)
aug_net = wide_mlp(dropout=0.5)
aug_history = aug_net.fit(**aug_data, epochs=max(EPOCHS // len(moves), 1), verbose=0).history

member_probs = {name: net.predict(X_val, verbose=0) for name, net in nets.items()}
member_acc = {name: np.mean(p.argmax(1) == y_val) for name, p in member_probs.items()}
ensemble_acc = np.mean(np.mean(list(member_probs.values()), axis=0).argmax(1) == y_val)
print(f"[figure] augmentation (one-pixel shifts) + dropout 0.5: validation accuracy "
      f"{aug_history['val_accuracy'][-1]:.3f} (dropout alone "
      f"{runs['dropout 0.5']['val_accuracy'][-1]:.3f})")
print("[figure] ensemble of the four networks of section 5: validation accuracy "
      f"{ensemble_acc:.3f}; members " + ", ".join(f"{a:.3f}" for a in member_acc.values()))

# %%
if EPOCHS >= 30:
    assert aug_history["val_accuracy"][-1] > runs["dropout 0.5"]["val_accuracy"][-1]
    assert ensemble_acc > np.mean(list(member_acc.values()))

# %% [markdown]
# Augmentation does the most of all: with the shifted copies, the dropout network reaches
# 0.899 validation accuracy against 0.816 without them, for the same number of steps. The
# wrong labels are still there, but every image now comes in five versions, which are
# harder to memorise and teach the network that a digit may sit a pixel off.
#
# The ensemble of the four networks of section 5 scores 0.816: as well as dropout alone,
# better than the L2 and batch-norm networks (0.711, 0.771), below early stopping (0.854),
# and above its members' mean accuracy, which the cell checks. Two of its four members are
# much worse than the others. Averaging pays most when the members
# are all good and err differently; in practice one averages several runs of the best
# set-up from different seeds, at the price of one training per member.

# %% [markdown]
# ## Summary
# - L2 shrinks weights in proportion (a Gaussian prior); L1 pulls with constant force (a
#   Laplace prior) and gives exact zeros at its minimum, but not under plain gradient
#   descent. Keras adds `model.losses` to the data loss; the activity penalty is a mean
#   over the batch from Keras 3.14, a sum before.
# - Dropout zeroes units at random during training and rescales the survivors; at
#   inference it does nothing. Batch normalisation uses batch statistics in training and
#   running averages at inference.
# - On small noisy data the unregularised net over-fits. Dropout and early stopping close
#   much of the gap between training and validation scores; an L2 penalty, as tuned here,
#   lowers the validation loss but not the error.
# - The recipe: make the network able to over-fit, then regularise (early stopping,
#   dropout, penalties), augment the data with label-preserving changes, and average an
#   ensemble.
#
# ## Exercises
# 1. Show that minimising $\frac1{2\sigma^2}\sum_i (y_i - f(\mathbf x_i))^2 + \lambda\sum_j
#    w_j^2$ finds the MAP weights for Gaussian noise and a Gaussian prior. What prior variance
#    corresponds to $\lambda$?
# 2. Replace the subgradient loop of section 1 by a proximal step (after each gradient
#    step, $w \leftarrow \operatorname{sign}(w)\max(|w| - \eta\lambda, 0)$) and count the
#    exact zeros. Compare with `Lasso`.
# 3. With Keras 3.14 or later, how must you change an activity-regulariser strength tuned
#    on Keras 3.13 with batch size 64 to keep the same training behaviour?
# 4. Dropout with rate 0.5 on a layer of 4 units: list the expected value and variance of
#    each output during training, and show why the survivors are scaled by 2.
# 5. Design a fair comparison of L2 and dropout on the noisy digits: what must be tuned for
#    each, on which data, and what is reported on which?
# 6. Which of these changes keep an 8×8 digit's label: a shift by one pixel, a left–right
#    mirror, a rotation by 10°, a rotation by 180°? Why are augmented copies added to the
#    training set only, never to the validation or test set?
