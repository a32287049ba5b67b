# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lecture 8 — Building and training networks with Keras
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/nn-course/keras-nn-course/blob/v0.1.0/lectures/08_keras.ipynb)
#
# So far we wrote forward and backward passes by hand. Keras does the bookkeeping for us:
# we describe the layers, pick a loss and an optimiser, and it computes gradients and
# updates the weights. This lecture walks through the whole life of a Keras model on two
# problems, the two moons and the Fashion-MNIST clothing images, and checks at every step
# that Keras computes what we think it computes.
#
# **Contents**
# 1. Two ways to describe a model: `Sequential` and the functional API
# 2. `summary()` and counting parameters
# 3. `compile`, `fit`, `evaluate`, `predict` on the two moons
# 4. Decision regions and hidden-unit maps
# 5. A multi-layer perceptron for Fashion-MNIST
# 6. Saving and loading a model

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

setup(needs=("fashion_mnist",))

# %%
import tempfile
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import confusion_matrix

from coursedata import fashion_mnist
from coursedata.toy import make_nonlinear
from nnkit import fast_mode, pick, seed_everything
from nnkit.keras_plots import plot_hidden_units, plot_image_grid
from nnkit.plots import plot_confusion_matrix, plot_decision_regions, plot_history

seed_everything(0)
print(f"Keras {keras.__version__}, backend {keras.backend.backend()}")

# %% [markdown]
# ## 1. Sequential and functional models
#
# A **`Sequential`** model is a list of layers, each feeding the next. It starts with a
# `keras.Input` that fixes the shape of one example (the batch dimension is left out).

# %%
seq = keras.Sequential([
    keras.Input(shape=(2,)),
    keras.layers.Dense(8, activation="tanh", name="hidden"),
    keras.layers.Dense(1, activation="sigmoid", name="output"),
], name="moons_sequential")

# %% [markdown]
# The **functional API** describes the same network as a chain of function calls on
# symbolic tensors, then wraps inputs and outputs into a `keras.Model`. It can express
# anything a `Sequential` model can, and more: several inputs or outputs, branches, skip
# connections, and, as we will use below, models that share layers with another model.

# %%
inputs = keras.Input(shape=(2,), name="xy")
hidden = keras.layers.Dense(8, activation="tanh", name="hidden")(inputs)
outputs = keras.layers.Dense(1, activation="sigmoid", name="output")(hidden)
func = keras.Model(inputs, outputs, name="moons_functional")

# %% [markdown]
# The two describe the same function. Each was initialised with its own random weights;
# once we copy the weights of one into the other, they give the same outputs:

# %%
func.set_weights(seq.get_weights())
probe = np.random.default_rng(0).normal(size=(5, 2))
assert np.array_equal(seq.predict(probe, verbose=0), func.predict(probe, verbose=0))
print([w.shape for w in seq.get_weights()])

# %% [markdown]
# ## 2. Parameters
#
# A `Dense` layer with $n_\text{in}$ inputs and $n_\text{out}$ units owns a kernel of shape
# $(n_\text{in}, n_\text{out})$ and a bias of shape $(n_\text{out},)$, that is
# $(n_\text{in} + 1)\,n_\text{out}$ parameters. Here: $(2+1)\cdot 8 + (8+1)\cdot 1 = 33$.

# %%
seq.summary()


def dense_params(sizes):
    """Parameters of a chain of Dense layers with the given widths (first = inputs)."""
    return sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))


assert seq.count_params() == func.count_params() == dense_params([2, 8, 1]) == 33
for layer in seq.layers:
    n_in, n_out = layer.kernel.shape
    assert layer.count_params() == (n_in + 1) * n_out

# %% [markdown]
# ## 3. Compile, fit, evaluate, predict
#
# * `compile(optimizer, loss, metrics)` chooses how to learn: here the Adam optimiser, the
#   binary cross-entropy $L = -\frac1n\sum_i \bigl[y_i\ln p_i + (1-y_i)\ln(1-p_i)\bigr]$ and
#   the accuracy as an extra metric to report.
# * `fit(X, y, epochs, batch_size, validation_data)` runs mini-batch gradient descent and
#   returns a `History` whose `.history` dict holds one value per epoch for every loss
#   and metric.
# * `evaluate(X, y)` returns the loss and the metrics on new data.
# * `predict(X)` returns the outputs, here the probabilities $p_i$ of class 1.

# %%
n_points = pick(400, 200)
X, y = make_nonlinear(n_points, "moons", noise=0.2, seed=0)
X_test, y_test = make_nonlinear(400, "moons", noise=0.2, seed=1)

seed_everything(0)
model = keras.Sequential([
    keras.Input(shape=(2,)),
    keras.layers.Dense(8, activation="tanh", name="hidden"),
    keras.layers.Dense(1, activation="sigmoid", name="output"),
])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.02),
              loss="binary_crossentropy", metrics=["accuracy"])
history = model.fit(X, y, epochs=pick(60, 20), batch_size=32,
                    validation_data=(X_test, y_test), verbose=0)
plot_history(history, metrics=("loss", "accuracy"))
plt.show()

test_loss, test_acc = model.evaluate(X_test, y_test, verbose=0)
print(f"[figure] moons, 8 tanh units: test loss {test_loss:.3f}, test accuracy {test_acc:.3f}")

# %% [markdown]
# Let us recompute what `evaluate` reported from the probabilities `predict` returns:

# %%
p = model.predict(X_test, verbose=0).ravel().astype(float)
bce = -np.mean(y_test * np.log(p) + (1 - y_test) * np.log(1 - p))
acc = np.mean((p > 0.5) == y_test)
assert abs(bce - test_loss) < 1e-4 and abs(acc - test_acc) < 1e-6
# the last epoch's val_* entries in History are the same numbers
assert np.isclose(history.history["val_loss"][-1], test_loss, atol=1e-5)
print(f"by hand: loss {bce:.4f}, accuracy {acc:.4f}")

# %% [markdown]
# `predict` runs the model batch by batch and returns numpy arrays; calling the model
# directly, `model(X)`, does the same in one go and returns a tensor. Both are the
# forward pass of lecture 4, $\sigma(\tanh(XW_1 + \mathbf b_1)W_2 + b_2)$, which we can
# redo in numpy from `get_weights()`:

# %%
W1, b1, W2, b2 = model.get_weights()
p_numpy = 1 / (1 + np.exp(-(np.tanh(X_test @ W1 + b1) @ W2 + b2)))
p_call = keras.ops.convert_to_numpy(model(X_test))
assert np.allclose(p_numpy.ravel(), p, atol=1e-5) and np.allclose(p_call.ravel(), p, atol=1e-6)

# %% [markdown]
# ## 4. What the network learned
#
# The decision region (class 1 wherever $p > 0.5$):

# %%
fig, ax = plt.subplots(figsize=(5, 4))
plot_decision_regions(X_test, y_test, lambda g: (model.predict(g, verbose=0) > 0.5).ravel(),
                      ax=ax)
ax.set_title(f"8 tanh hidden units, test accuracy {test_acc:.3f}")
plt.show()

# %% [markdown]
# To look at the hidden layer, the functional API builds a second model that shares the
# trained layers and stops at the hidden layer: `keras.Model(model.inputs,
# model.get_layer("hidden").output)`. No weights are copied; it is another view of the same
# network. Each panel below is one hidden unit's activation $\tanh(\mathbf x W_1[:,k] +
# b_{1k})$ over the plane: a soft step across one straight line, as in lecture 4. The
# output unit adds these eight ramps with the weights $W_2$ shown in the titles.

# %%
hidden_model = keras.Model(model.inputs, model.get_layer("hidden").output)
H = hidden_model.predict(X_test, verbose=0)
assert np.allclose(H, np.tanh(X_test @ W1 + b1), atol=1e-5)
axes = plot_hidden_units(lambda g: hidden_model.predict(g, verbose=0), X_test, y_test,
                         cmap="RdBu_r")
for k, ax in enumerate(axes.flat):
    ax.set_title(f"hidden unit {k + 1}, weight to output {W2[k, 0]:+.2f}", fontsize=9)
plt.show()

# %% [markdown]
# <details><summary>Self-test: a hidden unit's panel shows a sharp step rather than a smooth
# ramp. What does that say about its weights?</summary>
#
# Its incoming weight vector $W_1[:,k]$ is long: $\tanh$ goes from $-1$ to $1$ over a
# distance of about $2/\lVert W_1[:,k]\rVert$ across the line, so the larger the weights, the
# sharper the step (and the more the unit saturates).
# </details>

# %% [markdown]
# ## 5. Fashion-MNIST
#
# Seventy thousand 28×28 greyscale photos of clothes in ten classes: 60,000 for training,
# 10,000 for testing. `coursedata.fashion_mnist.load_data()` returns exactly what
# `keras.datasets.fashion_mnist.load_data()` returns, but reads a local copy instead of
# downloading it.
#
# Why not MNIST, the handwritten digits of the classic decks (a 784-100-10 MLP with Adam
# reaches about 98 % on it)? Fashion-MNIST was made as a drop-in replacement: the same
# format, image size, number of classes and split, so every line here works on MNIST
# unchanged (`keras.datasets.mnist.load_data()`). But MNIST is too easy to tell models
# apart (a linear classifier already gets about 92 %), and Fashion-MNIST ships in a Debian
# package, so the course runs offline. The 8×8 digits of scikit-learn (labs 4 and 5, lectures
# 9 and 10) play MNIST's role where a small digit set is enough.

# %%
(x_train_full, y_train_full), (x_test_img, y_test_img) = fashion_mnist.load_data()
class_names = fashion_mnist.CLASS_NAMES
print(x_train_full.shape, x_train_full.dtype, y_train_full.shape, x_test_img.shape)
assert x_train_full.shape == (60000, 28, 28) and x_test_img.shape == (10000, 28, 28)
assert np.array_equal(np.bincount(y_train_full), [6000] * 10)

plot_image_grid(x_train_full[:20], [class_names[k] for k in y_train_full[:20]])
plt.show()

# %% [markdown]
# We scale the pixels to $[0, 1]$ and keep the last 5,000 training images apart as a
# validation set, used to watch for over-fitting while we train; the test set is looked at
# only once, at the end.
#
# The network: a `Flatten` layer turns each image into a vector of 784 pixels, then two
# hidden ReLU layers of 256 and 128 units (He initialisation, lecture 7), then a softmax
# over the 10 classes. The labels are integers 0-9, so the loss is
# `sparse_categorical_crossentropy`, which is the cross-entropy
# $-\ln p_{i, y_i}$ without one-hot encoding the labels first. The learning rate of Adam
# follows a cosine curve from $2\cdot10^{-3}$ down to 0 over the training run; the lecture on
# optimisers explains why a decaying learning rate helps.

# %%
x_train_all = x_train_full.astype("float32") / 255.0
x_test = x_test_img.astype("float32") / 255.0
x_train, y_train = x_train_all[:-5000], y_train_full[:-5000]
x_val, y_val = x_train_all[-5000:], y_train_full[-5000:]
if fast_mode():  # CI: a 5,000-image subset for a single epoch
    x_train, y_train = x_train[:5000], y_train[:5000]

EPOCHS, BATCH = pick(8, 1), 128
steps = EPOCHS * int(np.ceil(len(x_train) / BATCH))

seed_everything(0)
mlp = keras.Sequential([
    keras.Input(shape=(28, 28)),
    keras.layers.Flatten(),
    keras.layers.Dense(256, activation="relu", kernel_initializer="he_normal"),
    keras.layers.Dense(128, activation="relu", kernel_initializer="he_normal"),
    keras.layers.Dense(10, activation="softmax"),
], name="fashion_mlp")
# the shapes, layer by layer: (batch, 28, 28) -> 784 -> 256 -> 128 -> 10
assert [tuple(layer.output.shape) for layer in mlp.layers] == [(None, 784), (None, 256), (None, 128), (None, 10)]
assert [tuple(w.shape) for w in mlp.weights[::2]] == [(784, 256), (256, 128), (128, 10)]
mlp.compile(optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(2e-3, steps)),
            loss="sparse_categorical_crossentropy", metrics=["accuracy"])
mlp.summary()
assert mlp.count_params() == dense_params([784, 256, 128, 10]) == 235_146

# %%
fashion_history = mlp.fit(x_train, y_train, epochs=EPOCHS, batch_size=BATCH,
                          validation_data=(x_val, y_val), verbose=0)
if EPOCHS > 1:
    plot_history(fashion_history, metrics=("loss", "accuracy"))
    plt.show()

fashion_loss, fashion_acc = mlp.evaluate(x_test, y_test_img, verbose=0)
print(f"[figure] Fashion-MNIST MLP after {EPOCHS} epochs: test accuracy {fashion_acc:.4f}")
assert fashion_acc > (0.88 if not fast_mode() else 0.6)

# %% [markdown]
# In the full run the network reaches about **89.0 %** test accuracy after 8 epochs
# (the training accuracy is a little higher, a first sign of over-fitting; lecture 9 is
# about that). The probabilities of a prediction sum to one over the classes, and the
# predicted class is the most probable one:

# %%
proba = mlp.predict(x_test, verbose=0)
assert np.allclose(proba.sum(axis=1), 1.0, atol=1e-5)
pred = proba.argmax(axis=1)
assert abs(np.mean(pred == y_test_img) - fashion_acc) < 1e-6

fig, ax = plt.subplots(figsize=(6.5, 5.5))
plot_confusion_matrix(confusion_matrix(y_test_img, pred), class_names, ax=ax)
ax.set_title("Fashion-MNIST test set (rows sum to 1)")
plt.show()

per_class = confusion_matrix(y_test_img, pred, normalize="true").diagonal()
worst = int(per_class.argmin())
print(f"[figure] hardest class: {class_names[worst]} ({per_class[worst]:.2f} recall)")

# %% [markdown]
# Shirts get confused with T-shirts, pullovers and coats: at 28×28 pixels and without any
# notion of local shape (an MLP sees 784 unrelated numbers), they really do look alike.
# Some of the test images it gets wrong, with the predicted (and true) class:

# %%
wrong = np.flatnonzero(pred != y_test_img)[:20]
plot_image_grid(x_test_img[wrong],
                [f"{class_names[pred[i]]}\n({class_names[y_test_img[i]]})" for i in wrong])
plt.show()

# %% [markdown]
# ## 6. Saving and loading
#
# `model.save("name.keras")` writes a single zip file holding the architecture, the weights,
# the `compile` settings and the optimiser's state, so training can be resumed.
# `keras.models.load_model` rebuilds the model from it. We save into a temporary folder
# that is deleted afterwards, and check that the reloaded model predicts *exactly* the same
# numbers.

# %%
with tempfile.TemporaryDirectory() as tmp:
    path = Path(tmp) / "fashion_mlp.keras"
    mlp.save(path)
    print(f"{path.name}: {path.stat().st_size / 1e6:.1f} MB")
    restored = keras.models.load_model(path)

assert np.array_equal(restored.predict(x_test, verbose=0), proba)
assert restored.count_params() == mlp.count_params()
assert int(restored.optimizer.iterations) == int(mlp.optimizer.iterations) == steps
print("reloaded model: identical predictions, optimiser state restored "
      f"({int(restored.optimizer.iterations)} steps)")

# %% [markdown]
# The file is about 2.8 MB: 235,146 float32 weights take 0.94 MB, and Adam keeps two more
# numbers (its moment estimates) per weight.
#
# <details><summary>Self-test: you only need the weights, to load into a model you build
# with code. Which methods do that?</summary>
#
# `model.save_weights("name.weights.h5")` and `model.load_weights(...)` on a model of the
# same architecture. The file holds no architecture and no optimiser.
# </details>

# %% [markdown]
# ## Summary
# - `Sequential` for a stack, the functional API for anything else; `summary()` and
#   `count_params()` count weights as lecture 4 does.
# - `compile` fixes optimiser, loss and metrics; `fit` trains (with validation data),
#   `evaluate` scores, `predict` outputs probabilities.
# - A sub-model ending at a hidden layer shows what the hidden units compute.
# - A 784-256-128-10 ReLU MLP reaches about 89 % on Fashion-MNIST; `model.save` keeps the
#   architecture, the weights and the optimiser state.
#
# ## Exercises
# 1. Rebuild the Fashion-MNIST model with the functional API and check that its parameter
#    count equals the `Sequential` one. Compute that count by hand.
# 2. Train the same MLP on MNIST (`keras.datasets.mnist` where a download is possible) and
#    compare the test accuracies. What does the gap say about the two datasets?
# 3. What changes if you use `categorical_crossentropy` instead of the sparse version? Make
#    the change needed on the labels and check that the losses agree.
# 4. Remove the hidden layers (a softmax regression on 784 pixels). How much accuracy do
#    the hidden layers buy, and at what cost in parameters?
# 5. Save only the weights, build a fresh model with the same code and load them. Check
#    the predictions, then explain why training would not resume exactly where it stopped.
