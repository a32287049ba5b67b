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

# %% nbgrader={"grade": false, "grade_id": "build_model", "locked": false, "schema_version": 3, "solution": true}
def build_model(n_inputs, n_classes, hidden=(64,), activation="relu", l2=0.0, dropout=0.0,
                learning_rate=1e-3):
    """A compiled Sequential MLP with optional L2 on the hidden kernels and dropout after them."""
    ### BEGIN SOLUTION
    layers = [keras.Input(shape=(n_inputs,))]
    for units in hidden:
        regularizer = keras.regularizers.L2(l2) if l2 > 0 else None
        layers.append(keras.layers.Dense(units, activation=activation,
                                         kernel_regularizer=regularizer))
        if dropout > 0:
            layers.append(keras.layers.Dropout(dropout))
    layers.append(keras.layers.Dense(n_classes, activation="softmax"))
    model = keras.Sequential(layers)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_build_model", "locked": true, "points": 3, "schema_version": 3, "solution": false}
model = build_model(64, 10, hidden=(32, 16))
kinds = [type(layer).__name__ for layer in model.layers]
expect_equal(kinds, ["Dense", "Dense", "Dense"], "layer types without regularisation", show_expected=True)
expect_equal([layer.units for layer in model.layers], [32, 16, 10], "units", show_expected=True)
expect_equal([layer.activation.__name__ for layer in model.layers], ["relu", "relu", "softmax"],
             "activations", show_expected=True)
expect_equal(model.count_params(), (64 * 32 + 32) + (32 * 16 + 16) + (16 * 10 + 10), "number of parameters")
expect(isinstance(model.optimizer, keras.optimizers.Adam),
       f"the optimizer should be Adam, got {type(model.optimizer).__name__}")
### BEGIN HIDDEN TESTS
import nnkit.evidence


def _describe(model):
    """The model's structure, as data."""
    def regularizer(reg):
        return None if reg is None else {"class": type(reg).__name__, "l2": reg.get_config().get("l2")}

    config = model.get_compile_config() or {}
    return {"kinds": [type(_l).__name__ for _l in model.layers],
            "units": [getattr(_l, "units", None) for _l in model.layers],
            "activations": [getattr(getattr(_l, "activation", None), "__name__", None) for _l in model.layers],
            "kernel_regularizer": [regularizer(getattr(_l, "kernel_regularizer", None)) for _l in model.layers],
            "bias_regularizer": [regularizer(getattr(_l, "bias_regularizer", None)) for _l in model.layers],
            "rates": [getattr(_l, "rate", None) for _l in model.layers],
            "params": model.count_params(),
            "optimizer": [_k.__name__ for _k in type(model.optimizer).__mro__],
            "learning_rate": float(np.asarray(model.optimizer.learning_rate)),
            "loss": str(config.get("loss")), "metrics": str(config.get("metrics"))}


_c = nnkit.evidence.challenge("lab5", "test_build_model")
_models = [_describe(build_model(_n_in, _n_out, **{_k: tuple(_v) if _k == "hidden" else _v
                                                   for _k, _v in _kw.items()}))
           for _n_in, _n_out, _kw in _c["calls"]]
nnkit.evidence.report("lab5", "test_build_model", models=_models)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_build_model_regularized", "locked": true, "points": 2, "schema_version": 3, "solution": false}
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
### BEGIN HIDDEN TESTS
import nnkit.evidence


def _describe(model):
    """The model's structure, as data."""
    def regularizer(reg):
        return None if reg is None else {"class": type(reg).__name__, "l2": reg.get_config().get("l2")}

    config = model.get_compile_config() or {}
    return {"kinds": [type(_l).__name__ for _l in model.layers],
            "units": [getattr(_l, "units", None) for _l in model.layers],
            "activations": [getattr(getattr(_l, "activation", None), "__name__", None) for _l in model.layers],
            "kernel_regularizer": [regularizer(getattr(_l, "kernel_regularizer", None)) for _l in model.layers],
            "bias_regularizer": [regularizer(getattr(_l, "bias_regularizer", None)) for _l in model.layers],
            "rates": [getattr(_l, "rate", None) for _l in model.layers],
            "params": model.count_params(),
            "optimizer": [_k.__name__ for _k in type(model.optimizer).__mro__],
            "learning_rate": float(np.asarray(model.optimizer.learning_rate)),
            "loss": str(config.get("loss")), "metrics": str(config.get("metrics"))}


_c = nnkit.evidence.challenge("lab5", "test_build_model_regularized")
_models = [_describe(build_model(_n_in, _n_out, **{_k: tuple(_v) if _k == "hidden" else _v
                                                   for _k, _v in _kw.items()}))
           for _n_in, _n_out, _kw in _c["calls"]]
nnkit.evidence.report("lab5", "test_build_model_regularized", models=_models)
### END HIDDEN TESTS

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

# %% nbgrader={"grade": false, "grade_id": "batch_recorder", "locked": false, "schema_version": 3, "solution": true}
class BatchLossRecorder(keras.callbacks.Callback):
    """Records logs["loss"] after every training batch in self.batch_losses."""

    def on_train_begin(self, logs=None):
        ### BEGIN SOLUTION
        self.batch_losses = []
        ### END SOLUTION

    def on_train_batch_end(self, batch, logs=None):
        ### BEGIN SOLUTION
        self.batch_losses.append(float(logs["loss"]))
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_batch_loss", "locked": true, "points": 3, "schema_version": 3, "solution": false}
recorder = BatchLossRecorder()
history = fresh_tiny().fit(X_tiny, y_tiny, epochs=2, batch_size=8, callbacks=[recorder], verbose=0)
expect_equal(len(recorder.batch_losses), 2 * 6, "number of recorded losses (2 epochs of 48 / 8 batches)")
expect_close([recorder.batch_losses[5], recorder.batch_losses[11]], history.history["loss"],
             "the last recorded loss of each epoch should be the epoch's loss", rtol=1e-5)
### BEGIN HIDDEN TESTS
import types

import nnkit.evidence

_c = nnkit.evidence.challenge("lab5", "test_batch_loss")
_cb = BatchLossRecorder()
_cb.set_model(types.SimpleNamespace(stop_training=False))
_rounds = []
for _round in _c["rounds"]:
    _cb.on_train_begin({})
    for _epoch, _losses in enumerate(_round["batches"]):
        _cb.on_epoch_begin(_epoch, {})
        for _batch, _loss in enumerate(_losses):
            _cb.on_train_batch_begin(_batch, {})
            _cb.on_train_batch_end(_batch, {"loss": np.float32(_loss), "accuracy": 0.5})
        _cb.on_epoch_end(_epoch, {"loss": _round["epoch_loss"][_epoch], "accuracy": 0.5})
    _cb.on_train_end({})
    _rounds.append(list(_cb.batch_losses))
_f = _c["fit"]
_recorder = BatchLossRecorder()
_history = fresh_tiny().fit(_f["X"], _f["y"], epochs=_f["epochs"], batch_size=8, callbacks=[_recorder],
                            verbose=0)
nnkit.evidence.report("lab5", "test_batch_loss", rounds=_rounds,
                      fit={"batch_losses": list(_recorder.batch_losses), "loss": _history.history["loss"]})
### END HIDDEN TESTS

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

# %% nbgrader={"grade": false, "grade_id": "stop_at_accuracy", "locked": false, "schema_version": 3, "solution": true}
class StopAtAccuracy(keras.callbacks.Callback):
    """Stops training at the end of the first epoch with logs[monitor] >= target."""

    def __init__(self, target, monitor="val_accuracy"):
        super().__init__()
        self.target = target
        self.monitor = monitor
        self.stopped_epoch = None

    def on_epoch_end(self, epoch, logs=None):
        ### BEGIN SOLUTION
        value = (logs or {}).get(self.monitor)
        if value is not None and value >= self.target:
            self.stopped_epoch = epoch
            self.model.stop_training = True
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_stop_at_accuracy", "locked": true, "points": 3, "schema_version": 3, "solution": false}
stopper = StopAtAccuracy(target=0.9375)
history = fresh_tiny().fit(X_tiny, y_tiny, epochs=10, batch_size=8, validation_data=(X_tiny_val, y_tiny_val),
                           callbacks=[stopper], verbose=0)
val_acc = history.history["val_accuracy"]
print("validation accuracy per epoch:", val_acc)
first = next((epoch for epoch, acc in enumerate(val_acc) if acc >= 0.9375), None)
expect(len(val_acc) == (10 if first is None else first + 1),
       f"training should stop at the first epoch with val_accuracy >= 0.9375; it ran {len(val_acc)} epochs")
expect(stopper.stopped_epoch == first, f"stopped_epoch should be {first}, got {stopper.stopped_epoch}")
### BEGIN HIDDEN TESTS
import types

import nnkit.evidence


def _drive(callback, logs_per_epoch):
    model = types.SimpleNamespace(stop_training=False)
    callback.set_model(model)
    callback.on_train_begin({})
    for epoch, logs in enumerate(logs_per_epoch):
        callback.on_epoch_begin(epoch, {})
        callback.on_epoch_end(epoch, dict(logs))
        if model.stop_training:
            return epoch
    return None


_c = nnkit.evidence.challenge("lab5", "test_stop_at_accuracy")
_cases = []
for _case in _c["cases"]:
    _cb = (StopAtAccuracy(_case["target"]) if _case["monitor"] is None
           else StopAtAccuracy(_case["target"], monitor=_case["monitor"]))
    _cases.append({"stopped_at": _drive(_cb, _case["logs"]), "stopped_epoch": _cb.stopped_epoch})
_f = _c["fit"]
_stopper = StopAtAccuracy(target=_f["target"])
_history = fresh_tiny().fit(_f["X"], _f["y"], epochs=10, batch_size=8, validation_data=(_f["X_val"], _f["y_val"]),
                            callbacks=[_stopper], verbose=0)
nnkit.evidence.report("lab5", "test_stop_at_accuracy", cases=_cases,
                      fit={"val_accuracy": _history.history["val_accuracy"],
                           "stopped_epoch": _stopper.stopped_epoch})
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Early stopping with the best weights (2 points)
#
# `keras.callbacks.EarlyStopping` ends training once the monitored quantity has not improved
# for `patience` epochs. By default the model keeps the weights of the *last* epoch, which
# are `patience` epochs later than the best ones. Return an `EarlyStopping` that watches the
# validation loss, waits `patience` epochs, and restores the best weights at the end.
# Other arguments are up to you (a `verbose` message, a small `min_delta`...), provided that a
# validation loss at least 0.05 below the best so far always counts as an improvement.

# %% nbgrader={"grade": false, "grade_id": "early_stopping", "locked": false, "schema_version": 3, "solution": true}
def make_early_stopping(patience):
    """EarlyStopping on val_loss with the given patience, restoring the best weights."""
    ### BEGIN SOLUTION
    return keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience,
                                         restore_best_weights=True)
    ### END SOLUTION


# %% [markdown]
# The test trains the tiny network with a large learning rate, so that it soon over-fits,
# and keeps a copy of the weights after every epoch to compare with the weights the model
# ends with.

# %% nbgrader={"grade": true, "grade_id": "test_early_stopping", "locked": true, "points": 2, "schema_version": 3, "solution": false}
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
### BEGIN HIDDEN TESTS
import types

import nnkit.evidence


def _drive_early(callback, train_losses, val_losses):
    """Run callback over scripted epochs on a stand-in model; (epochs run, weights it ends with)."""
    state = {"w": None}
    model = types.SimpleNamespace(stop_training=False, get_weights=lambda: [np.copy(state["w"])],
                                  set_weights=lambda w: state.update(w=np.copy(w[0])))
    callback.set_model(model)
    callback.on_train_begin({})
    ran = 0
    for epoch, (loss, val_loss) in enumerate(zip(train_losses, val_losses)):
        callback.on_epoch_begin(epoch, {})
        state["w"] = np.full(3, float(epoch))  # the weights "after" this epoch
        callback.on_epoch_end(epoch, {"loss": loss, "val_loss": val_loss, "accuracy": 0.5, "val_accuracy": 0.5})
        ran = epoch + 1
        if model.stop_training:
            break
    callback.on_train_end({})
    return ran, float(state["w"][0])


_c = nnkit.evidence.challenge("lab5", "test_early_stopping")
_cases = []
for _patience in _c["patiences"]:
    _es = make_early_stopping(_patience)
    _ran, _w = _drive_early(_es, _c["loss"], _c["val_loss"])
    _cases.append({"classes": [_k.__name__ for _k in type(_es).__mro__], "ran": _ran, "weights": _w})
_f = _c["fit"]
_early, _snapshots = make_early_stopping(patience=_f["patience"]), WeightsPerEpoch()
_net = fresh_tiny(learning_rate=0.1)
_history = _net.fit(_f["X"], _f["y"], epochs=12, batch_size=8, validation_data=(_f["X_val"], _f["y_val"]),
                    callbacks=[_snapshots, _early], verbose=0)
nnkit.evidence.report("lab5", "test_early_stopping", cases=_cases,
                      fit={"classes": [_k.__name__ for _k in type(_early).__mro__],
                           "val_loss": _history.history["val_loss"], "final": _net.get_weights(),
                           "snapshots": _snapshots.weights})
### END HIDDEN TESTS

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

# %% nbgrader={"grade": false, "grade_id": "step_decay", "locked": false, "schema_version": 3, "solution": true}
def step_decay(initial_lr, drop, epochs_per_drop):
    """The schedule(epoch, lr=None) of a step decay, for keras.callbacks.LearningRateScheduler."""
    ### BEGIN SOLUTION
    def schedule(epoch, lr=None):
        return float(initial_lr * drop ** (epoch // epochs_per_drop))

    return schedule
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_step_decay", "locked": true, "points": 3, "schema_version": 3, "solution": false}
schedule = step_decay(0.1, 0.5, 2)
expect_close([schedule(e, 0.1) for e in range(5)], [0.1, 0.1, 0.05, 0.05, 0.025],
             "step_decay(0.1, 0.5, 2) for epochs 0-4", show_expected=True)
expect(isinstance(schedule(3, 0.1), float),
       f"the schedule must return a float, got {type(schedule(3, 0.1)).__name__}")
history = fresh_tiny().fit(X_tiny, y_tiny, epochs=4, batch_size=8, verbose=0,
                           callbacks=[keras.callbacks.LearningRateScheduler(schedule)])
expect_close(history.history["learning_rate"], [0.1, 0.1, 0.05, 0.05],
             "learning rate used in each epoch of fit", rtol=1e-6, show_expected=True)
### BEGIN HIDDEN TESTS
import nnkit.evidence

_c = nnkit.evidence.challenge("lab5", "test_step_decay")
_out = {}
for _key in ("in_order", "boundaries"):
    _s = step_decay(*_c[_key]["args"])
    _values = [_s(_e, _c[_key]["lr"]) for _e in _c[_key]["epochs"]]
    _out[_key] = {"values": _values, "floats": [isinstance(_v, float) for _v in _values]}
_s = step_decay(*_c["feedback"]["args"])
_lr, _values = _c["feedback"]["args"][0], []
for _e in range(_c["feedback"]["epochs"]):  # fed back its own rate, as Keras does
    _lr = _s(_e, _lr)
    _values.append(_lr)
_out["feedback"] = {"values": _values, "floats": [isinstance(_v, float) for _v in _values]}
_f = _c["fit"]
_r = fresh_tiny().fit(_f["X"], _f["y"], epochs=_f["epochs"], batch_size=8, verbose=0,
                      callbacks=[keras.callbacks.LearningRateScheduler(step_decay(*_f["args"]))])
_out["fit"] = {"learning_rate": _r.history["learning_rate"]}
nnkit.evidence.report("lab5", "test_step_decay", **_out)
### END HIDDEN TESTS

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

# %% nbgrader={"grade": false, "grade_id": "gap", "locked": false, "schema_version": 3, "solution": true}
def generalization_gap(model, X_train, y_train, X_val, y_val):
    """Validation minus training mean cross-entropy of the model's predictions (a float)."""
    ### BEGIN SOLUTION
    def mean_loss(X, y):
        P = model.predict(X, verbose=0)
        return float(keras.ops.mean(keras.losses.sparse_categorical_crossentropy(y, P)))

    return mean_loss(X_val, y_val) - mean_loss(X_train, y_train)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_gap_function", "locked": true, "points": 2, "schema_version": 3, "solution": false}
probe = fresh_tiny()
P_train, P_val = probe.predict(X_tiny, verbose=0), probe.predict(X_tiny_val, verbose=0)
expected = (-np.mean(np.log(P_val[np.arange(16), y_tiny_val]))
            + np.mean(np.log(P_train[np.arange(48), y_tiny])))
gap = generalization_gap(probe, X_tiny, y_tiny, X_tiny_val, y_tiny_val)
expect(np.ndim(gap) == 0, f"the gap should be one number, got shape {np.shape(gap)}")
expect_close(gap, expected, "the gap of an untrained tiny model", rtol=1e-4, atol=1e-5)
### BEGIN HIDDEN TESTS
import nnkit.evidence


def _network(spec):
    """A 2-h-2 network with the given weights, L2 factor and dropout rate."""
    hidden = spec["weights"][0].shape[1]
    extra = {"kernel_regularizer": keras.regularizers.L2(spec["l2"])} if spec["l2"] > 0 else {}
    layers = [keras.Input(shape=(2,)), keras.layers.Dense(hidden, activation="relu", **extra)]
    if spec["dropout"] > 0:
        layers.append(keras.layers.Dropout(spec["dropout"]))
    model = keras.Sequential(layers + [keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.set_weights(spec["weights"])
    return model


_c = nnkit.evidence.challenge("lab5", "test_gap_function")
_gaps = [generalization_gap(_network(_spec), _c["X"], _c["y"], _c["X_val"], _c["y_val"]) for _spec in _c["nets"]]
nnkit.evidence.report("lab5", "test_gap_function", gaps=_gaps)
### END HIDDEN TESTS

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

# %% nbgrader={"grade": true, "grade_id": "test_gap_closes", "locked": true, "points": 2, "schema_version": 3, "solution": false}
expect(gaps["L2 + dropout"] < gaps["plain"],
       f"regularisation should narrow the gap: plain {gaps['plain']:.3f}, "
       f"regularised {gaps['L2 + dropout']:.3f}")
### BEGIN HIDDEN TESTS
import nnkit.evidence


def _regularisers(model):
    reg = [getattr(_l, "kernel_regularizer", None) for _l in model.layers]
    return [None if _r is None else _r.get_config().get("l2") for _r in reg]


_c = nnkit.evidence.challenge("lab5", "test_gap_closes")
_out = {}
for _key, _name in (("plain", "plain"), ("regularised", "L2 + dropout")):
    _m = models[_name]
    _out[_key] = {"kinds": [type(_l).__name__ for _l in _m.layers],
                  "units": [_l.units for _l in _m.layers if hasattr(_l, "units")],
                  "kernel_l2": _regularisers(_m),
                  "P_train": _m.predict(_c["X_train"], verbose=0), "P_val": _m.predict(_c["X_val"], verbose=0)}
nnkit.evidence.report("lab5", "test_gap_closes", gaps=[gaps["plain"], gaps["L2 + dropout"]], **_out)
### END HIDDEN TESTS

# %% [markdown]
# ## Reflect (not graded)
# - The training loss Keras reports for the regularised model includes the L2 penalty and is
#   computed with dropout on. Which of the two also enters its reported validation loss? Why
#   does its training curve lie *above* the validation curve during the first epochs?
# - Both gaps are measured on 400 validation images. How would you decide whether the
#   difference between them is more than noise?
# - With early stopping and a step decay at hand, how would you combine them with the L2
#   penalty and dropout to train the wide network on these 100 images?
