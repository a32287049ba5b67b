# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lab 5 — Regularisers and callbacks in Keras
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/nn-course/keras-nn-course/blob/v0.1.0/labs/lab5/lab5.ipynb)
#
# A network with many more weights than training examples learns the training set by heart:
# its training loss keeps falling while the validation loss stalls or rises. This lab gives
# you two kinds of tools against it. **Regularisers** change the model: an L2 penalty on the
# weights and dropout. **Callbacks** watch the training from the outside and act on it:
# record the loss, stop when a goal is reached or when the validation loss stops improving,
# and lower the learning rate on a schedule.
#
# **Learning goals**
# 1. Build Keras models to a written specification, with L2 kernel regularisers and dropout.
# 2. Write your own `keras.callbacks.Callback`s: one that records, one that stops training.
# 3. Configure `EarlyStopping` so that the model ends with its best weights, and a
#    `LearningRateScheduler` with a step decay.
# 4. Measure the over-fitting gap between training and validation, and show that
#    regularisation narrows it.
#
# **Points:** 20, all autograded (model building 5, loss recorder 3, stopping at a target 3,
# early stopping 2, learning-rate schedule 3, over-fitting gap 4).
#
# **Hand in:** this notebook, `lab5.ipynb`, with every `YOUR CODE HERE` replaced. Do not rename
# it and do not delete or copy cells: the grader finds your answers by the cells' ids.
# Run *Kernel → Restart & Run All* before you hand in, and check that the visible tests pass.
#
# **Conventions:** Keras 3; labels are integers, so every model
# ends in a softmax and uses the loss `"sparse_categorical_crossentropy"`; always pass
# `verbose=0` to `fit`, `evaluate` and `predict`. Use Keras and numpy freely: this lab is
# about using them. What you may not do is special-case the visible tests: the hidden tests
# build other models, drive your callbacks through other epochs and call your functions with
# other arguments.
#
# **Keras backends:** Keras runs on TensorFlow, JAX or PyTorch (`KERAS_BACKEND`), and the
# grader may use any of them: build models from `keras.layers`, compute with `keras.ops`, and
# turn what a Keras function or model call returns into numpy with
# `keras.ops.convert_to_numpy` before you use numpy on it (`model.predict` already returns
# numpy).

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
import logging
import types

import keras
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

import nnkit.grading
from coursedata.toy import load_digits
from nnkit import seed_everything
from nnkit.grading import expect, expect_close, expect_equal
from nnkit.plots import plot_curves

logging.getLogger("tensorflow").setLevel(logging.ERROR)  # no retracing notices on stderr
seed_everything(0)  # seeds Python, numpy and Keras (keras.utils.set_random_seed)

# %% [markdown]
# Two datasets. For the callbacks, a tiny two-dimensional problem (an XOR pattern with 10% of
# the labels flipped) and a tiny 2-16-2 network, so that every test trains in a second or
# two. Building a new Keras model costs a second or more of tracing before it trains, so the
# tests reuse one tiny network: `fresh_tiny()` puts it back at its initial weights with a
# fresh optimizer, exactly as if it were new. For the over-fitting experiment, a *small*
# subset of the 8×8 digits: 100 training images and 400 validation images.

# %%
def tiny_problem():
    """48 training and 16 validation points in 2-D, two classes (noisy XOR)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 2)).astype("float32")
    y = ((X[:, 0] * X[:, 1] > 0) ^ (rng.random(64) < 0.1)).astype("int64")
    return X[:48], y[:48], X[48:], y[48:]


def tiny_model(seed=0):
    """A new, seeded 2-16-2 network compiled with Adam, for testing callbacks."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(shape=(2,)),
                              keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.02),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


TINY = tiny_model()
TINY_START = TINY.get_weights()


def fresh_tiny(learning_rate=0.02):
    """The tiny network at its initial weights, with a new Adam state and this learning rate."""
    TINY.set_weights(TINY_START)
    for variable in TINY.optimizer.variables:
        variable.assign(np.zeros(variable.shape, variable.dtype))
    TINY.optimizer.learning_rate = learning_rate
    return TINY


X_tiny, y_tiny, X_tiny_val, y_tiny_val = tiny_problem()
X, y = load_digits()
X_train, X_val, y_train, y_val = train_test_split(X / 16.0, y, train_size=100, test_size=400,
                                                  random_state=0, stratify=y)
print(X_tiny.shape, X_tiny_val.shape, X_train.shape, X_val.shape)

# %% [markdown]
# ## 1. Models to a specification (5 points)
#
# `build_model` returns a compiled `keras.Sequential` model made of, in this order:
# - `keras.Input(shape=(n_inputs,))`;
# - for each entry `units` of `hidden`: a `Dense(units)` layer with the given `activation`
#   and, **only when `l2 > 0`**, `kernel_regularizer=keras.regularizers.L2(l2)`; followed,
#   **only when `dropout > 0`**, by a `Dropout(dropout)` layer;
# - a `Dense(n_classes)` softmax output layer, never regularised and never followed by
#   dropout.
#
# Compile it with `keras.optimizers.Adam(learning_rate)`, the loss
# `"sparse_categorical_crossentropy"` and the metric `"accuracy"`.
#
# Recall what the two regularisers do. `L2(l2)` adds $\lambda \sum_{jk} W_{jk}^2$, with
# $\lambda$ = `l2`, to the training loss for each regularised kernel, pulling every weight
# towards 0. `Dropout(rate)` sets each activation of the previous layer to 0 with
# probability `rate` during training, and scales the survivors by $1/(1 - \text{rate})$ so
# that their expected sum is unchanged; at prediction time it does nothing. Neither adds
# parameters.

# %% nbgrader={"cell_type": "code", "checksum": "a0b92e5eee7187b0eeee3f4375b6c0cd", "grade": false, "grade_id": "build_model", "locked": false, "schema_version": 3, "solution": true}
def build_model(n_inputs, n_classes, hidden=(64,), activation="relu", l2=0.0, dropout=0.0,
                learning_rate=1e-3):
    """A compiled Sequential MLP with optional L2 on the hidden kernels and dropout after them."""
    # YOUR CODE HERE
    raise NotImplementedError()


# %% nbgrader={"cell_type": "code", "checksum": "bc24efb4b1f065dc9be740974caf3f7e", "grade": true, "grade_id": "test_build_model", "locked": true, "points": 3, "schema_version": 3, "solution": false}
model = build_model(64, 10, hidden=(32, 16))
kinds = [type(layer).__name__ for layer in model.layers]
expect_equal(kinds, ["Dense", "Dense", "Dense"], "layer types without regularisation", show_expected=True)
expect_equal([layer.units for layer in model.layers], [32, 16, 10], "units", show_expected=True)
expect_equal([layer.activation.__name__ for layer in model.layers], ["relu", "relu", "softmax"],
             "activations", show_expected=True)
expect_equal(model.count_params(), (64 * 32 + 32) + (32 * 16 + 16) + (16 * 10 + 10), "number of parameters")
expect(isinstance(model.optimizer, keras.optimizers.Adam),
       f"the optimizer should be Adam, got {type(model.optimizer).__name__}")

# %% nbgrader={"cell_type": "code", "checksum": "8dfd5c6d6957955eafcfb44f2d23c15d", "grade": true, "grade_id": "test_build_model_regularized", "locked": true, "points": 2, "schema_version": 3, "solution": false}
model = build_model(64, 10, hidden=(32, 16), l2=1e-3, dropout=0.25)
kinds = [type(layer).__name__ for layer in model.layers]
expect_equal(kinds, ["Dense", "Dropout", "Dense", "Dropout", "Dense"], "layer types with dropout",
             show_expected=True)
expect_close([model.layers[i].kernel_regularizer.get_config()["l2"] for i in (0, 2)], [1e-3, 1e-3],
             "L2 factors of the hidden layers")
expect_close([model.layers[i].rate for i in (1, 3)], [0.25, 0.25], "dropout rates")
expect(model.layers[-1].kernel_regularizer is None, "the output layer must not be regularised")
expect_equal(model.count_params(), (64 * 32 + 32) + (32 * 16 + 16) + (16 * 10 + 10),
             "number of parameters (regularisers add none)")


# %% [markdown]
# ## 2. A callback that records the loss of every batch (3 points)
#
# A callback is an object whose methods Keras calls at fixed moments of `fit`:
# `on_train_begin`, `on_epoch_begin`, `on_train_batch_begin`, `on_train_batch_end`,
# `on_epoch_end`, `on_train_end`, each with a `logs` dict of the current metrics. Inside a
# method, `self.model` is the model being trained.
#
# `BatchLossRecorder` keeps `self.batch_losses`, a list of floats: it is emptied when
# training begins, and receives `logs["loss"]` after every training batch. (Keras reports
# the *running mean* of the loss over the epoch so far, so the last value of each epoch is
# the epoch's loss in `history.history["loss"]`.)

# %% nbgrader={"cell_type": "code", "checksum": "f08a5df71d889be60c471e5208a5f961", "grade": false, "grade_id": "batch_recorder", "locked": false, "schema_version": 3, "solution": true}
class BatchLossRecorder(keras.callbacks.Callback):
    """Records logs["loss"] after every training batch in self.batch_losses."""

    def on_train_begin(self, logs=None):
        # YOUR CODE HERE
        raise NotImplementedError()

    def on_train_batch_end(self, batch, logs=None):
        # YOUR CODE HERE
        raise NotImplementedError()


# %% nbgrader={"cell_type": "code", "checksum": "8d27b6cd3c69c8281aa8fd482e5e4cbc", "grade": true, "grade_id": "test_batch_loss", "locked": true, "points": 3, "schema_version": 3, "solution": false}
recorder = BatchLossRecorder()
history = fresh_tiny().fit(X_tiny, y_tiny, epochs=2, batch_size=8, callbacks=[recorder], verbose=0)
expect_equal(len(recorder.batch_losses), 2 * 6, "number of recorded losses (2 epochs of 48 / 8 batches)")
expect_close([recorder.batch_losses[5], recorder.batch_losses[11]], history.history["loss"],
             "the last recorded loss of each epoch should be the epoch's loss", rtol=1e-5)

# %% [markdown]
# The recorded losses, batch by batch (the running mean restarts at every epoch):

# %%
plot_curves({"running mean of the batch losses": recorder.batch_losses}, xlabel="batch", ylabel="loss")
plt.show()

# %% [markdown]
# ## 3. A callback that stops at a target accuracy (3 points)
#
# `StopAtAccuracy(target, monitor)` stops the training at the end of the **first** epoch
# whose `logs[monitor]` is at least `target` (by default the validation accuracy). To stop
# `fit`, set `self.model.stop_training = True`; remember the epoch in `self.stopped_epoch`
# (it stays `None` when the target is never reached). Ignore epochs whose logs lack the
# monitored value.

# %% nbgrader={"cell_type": "code", "checksum": "d27cb1982806c2c889c8e72ea1fd5e88", "grade": false, "grade_id": "stop_at_accuracy", "locked": false, "schema_version": 3, "solution": true}
class StopAtAccuracy(keras.callbacks.Callback):
    """Stops training at the end of the first epoch with logs[monitor] >= target."""

    def __init__(self, target, monitor="val_accuracy"):
        super().__init__()
        self.target = target
        self.monitor = monitor
        self.stopped_epoch = None

    def on_epoch_end(self, epoch, logs=None):
        # YOUR CODE HERE
        raise NotImplementedError()


# %% nbgrader={"cell_type": "code", "checksum": "1aa89dd8f59474134bd6ef8e4f298a6d", "grade": true, "grade_id": "test_stop_at_accuracy", "locked": true, "points": 3, "schema_version": 3, "solution": false}
stopper = StopAtAccuracy(target=0.9375)
history = fresh_tiny().fit(X_tiny, y_tiny, epochs=10, batch_size=8, validation_data=(X_tiny_val, y_tiny_val),
                           callbacks=[stopper], verbose=0)
val_acc = history.history["val_accuracy"]
print("validation accuracy per epoch:", val_acc)
first = next((epoch for epoch, acc in enumerate(val_acc) if acc >= 0.9375), None)
expect(len(val_acc) == (10 if first is None else first + 1),
       f"training should stop at the first epoch with val_accuracy >= 0.9375; it ran {len(val_acc)} epochs")
expect(stopper.stopped_epoch == first, f"stopped_epoch should be {first}, got {stopper.stopped_epoch}")


# %% [markdown]
# ## 4. Early stopping with the best weights (2 points)
#
# `keras.callbacks.EarlyStopping` ends training once the monitored quantity has not improved
# for `patience` epochs. By default the model keeps the weights of the *last* epoch, which
# are `patience` epochs later than the best ones. Return an `EarlyStopping` that watches the
# validation loss, waits `patience` epochs, and restores the best weights at the end.
# Other arguments are up to you (a `verbose` message, a small `min_delta`...), provided that a
# validation loss at least 0.05 below the best so far always counts as an improvement.

# %% nbgrader={"cell_type": "code", "checksum": "87b9a360e1b61749a35585d032dec64d", "grade": false, "grade_id": "early_stopping", "locked": false, "schema_version": 3, "solution": true}
def make_early_stopping(patience):
    """EarlyStopping on val_loss with the given patience, restoring the best weights."""
    # YOUR CODE HERE
    raise NotImplementedError()


# %% [markdown]
# The test trains the tiny network with a large learning rate, so that it soon over-fits,
# and keeps a copy of the weights after every epoch to compare with the weights the model
# ends with.

# %% nbgrader={"cell_type": "code", "checksum": "f23939014f66d81e0e6df5f83790bc4b", "grade": true, "grade_id": "test_early_stopping", "locked": true, "points": 2, "schema_version": 3, "solution": false}
class WeightsPerEpoch(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())


early, snapshots = make_early_stopping(patience=2), WeightsPerEpoch()
expect(isinstance(early, keras.callbacks.EarlyStopping),
       f"expected an EarlyStopping, got {type(early).__name__}")
net = fresh_tiny(learning_rate=0.1)
history = net.fit(X_tiny, y_tiny, epochs=12, batch_size=8, validation_data=(X_tiny_val, y_tiny_val),
                  callbacks=[snapshots, early], verbose=0)
val_loss = history.history["val_loss"]
best = int(np.argmin(val_loss))
print("validation loss per epoch:", np.round(val_loss, 3), "best epoch:", best)
expect_equal(len(val_loss), min(best + 2 + 1, 12), "number of epochs run with patience 2")
for got, kept in zip(net.get_weights(), snapshots.weights[best]):
    expect_close(got, kept, f"the model should end with the weights of its best epoch ({best})")


# %% [markdown]
# ## 5. A step-decay learning rate (3 points)
#
# Large steps make fast progress early on; small steps settle into a minimum later. A
# *step decay* multiplies the learning rate by `drop` every `epochs_per_drop` epochs:
#
# $$\eta(e) = \eta_0 \cdot \text{drop}^{\lfloor e / \text{epochs\_per\_drop} \rfloor},
# \qquad e = 0, 1, 2, \dots$$
#
# `step_decay` returns the function `schedule(epoch, lr)` that
# `keras.callbacks.LearningRateScheduler` calls at the beginning of every epoch (`epoch`
# counts from 0; `lr` is the current rate, which a step decay does not need). It must
# return a Python `float`.

# %% nbgrader={"cell_type": "code", "checksum": "3e03d8fcee0f4db0516fbed4dd986cb9", "grade": false, "grade_id": "step_decay", "locked": false, "schema_version": 3, "solution": true}
def step_decay(initial_lr, drop, epochs_per_drop):
    """The schedule(epoch, lr=None) of a step decay, for keras.callbacks.LearningRateScheduler."""
    # YOUR CODE HERE
    raise NotImplementedError()


# %% nbgrader={"cell_type": "code", "checksum": "04e097ee7766a532d886133b9cacfcde", "grade": true, "grade_id": "test_step_decay", "locked": true, "points": 3, "schema_version": 3, "solution": false}
schedule = step_decay(0.1, 0.5, 2)
expect_close([schedule(e, 0.1) for e in range(5)], [0.1, 0.1, 0.05, 0.05, 0.025],
             "step_decay(0.1, 0.5, 2) for epochs 0-4", show_expected=True)
expect(isinstance(schedule(3, 0.1), float),
       f"the schedule must return a float, got {type(schedule(3, 0.1)).__name__}")
history = fresh_tiny().fit(X_tiny, y_tiny, epochs=4, batch_size=8, verbose=0,
                           callbacks=[keras.callbacks.LearningRateScheduler(schedule)])
expect_close(history.history["learning_rate"], [0.1, 0.1, 0.05, 0.05],
             "learning rate used in each epoch of fit", rtol=1e-6, show_expected=True)


# %% [markdown]
# ## 6. The over-fitting gap (4 points)
#
# A network of two hidden layers of 256 ReLU units has about 85 000 weights to fit 100
# images: it will classify all of them correctly, and its validation loss will stay well
# above its training loss. Measure the **gap** as
#
# $$\text{gap} = L_\text{val} - L_\text{train},$$
#
# both the mean cross-entropy of the model's *predictions* (so in inference mode: dropout
# off, and without the L2 penalty). `keras.losses.sparse_categorical_crossentropy(y, P)` gives
# the cross-entropy of each example.

# %% nbgrader={"cell_type": "code", "checksum": "25b3a455e292e7d073f17df6950f3f38", "grade": false, "grade_id": "gap", "locked": false, "schema_version": 3, "solution": true}
def generalization_gap(model, X_train, y_train, X_val, y_val):
    """Validation minus training mean cross-entropy of the model's predictions (a float)."""
    # YOUR CODE HERE
    raise NotImplementedError()


# %% nbgrader={"cell_type": "code", "checksum": "1cb9a7006f69f6ea9acb18cd4e78f030", "grade": true, "grade_id": "test_gap_function", "locked": true, "points": 2, "schema_version": 3, "solution": false}
probe = fresh_tiny()
P_train, P_val = probe.predict(X_tiny, verbose=0), probe.predict(X_tiny_val, verbose=0)
expected = (-np.mean(np.log(P_val[np.arange(16), y_tiny_val]))
            + np.mean(np.log(P_train[np.arange(48), y_tiny])))
gap = generalization_gap(probe, X_tiny, y_tiny, X_tiny_val, y_tiny_val)
expect(np.ndim(gap) == 0, f"the gap should be one number, got shape {np.shape(gap)}")
expect_close(gap, expected, "the gap of an untrained tiny model", rtol=1e-4, atol=1e-5)

# %% [markdown]
# Now the experiment: the same wide network without and with regularisation (L2 with
# $\lambda = 10^{-3}$ and dropout 0.5), trained identically. The curves show the loss
# reported during training (with the penalty and dropout, for the regularised model) and
# the validation loss.

# %%
EXPERIMENT = dict(hidden=(256, 256), learning_rate=3e-3)
histories, gaps, models = {}, {}, {}
for name, extra in [("plain", {}), ("L2 + dropout", {"l2": 1e-3, "dropout": 0.5})]:
    seed_everything(0)
    models[name] = build_model(64, 10, **EXPERIMENT, **extra)
    histories[name] = models[name].fit(X_train, y_train, epochs=12, batch_size=10,
                                       validation_data=(X_val, y_val), verbose=0)
    gaps[name] = generalization_gap(models[name], X_train, y_train, X_val, y_val)
    logs = histories[name].history
    print(f"{name:13s} last epoch: training accuracy {logs['accuracy'][-1]:.3f}, validation "
          f"accuracy {logs['val_accuracy'][-1]:.3f}; gap {gaps[name]:.3f}")

fig, axes = plt.subplots(1, 2, figsize=(10, 3.5), sharey=True)
for ax, (name, history) in zip(axes, histories.items()):
    plot_curves({"training": history.history["loss"], "validation": history.history["val_loss"]},
                ylabel="cross-entropy", ax=ax)
    ax.set_title(name)
plt.show()

# %% nbgrader={"cell_type": "code", "checksum": "f251a93ef663095a2b7052850764bfa8", "grade": true, "grade_id": "test_gap_closes", "locked": true, "points": 2, "schema_version": 3, "solution": false}
expect(gaps["L2 + dropout"] < gaps["plain"],
       f"regularisation should narrow the gap: plain {gaps['plain']:.3f}, "
       f"regularised {gaps['L2 + dropout']:.3f}")

# %% [markdown]
# ## Reflect (not graded)
# - The training loss Keras reports for the regularised model includes the L2 penalty and is
#   computed with dropout on. Which of the two also enters its reported validation loss? Why
#   does its training curve lie *above* the validation curve during the first epochs?
# - Both gaps are measured on 400 validation images. How would you decide whether the
#   difference between them is more than noise?
# - With early stopping and a step decay at hand, how would you combine them with the L2
#   penalty and dropout to train the wide network on these 100 images?
