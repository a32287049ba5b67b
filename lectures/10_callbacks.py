# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lecture 10 — Callbacks: watching and steering training
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/nn-course/keras-nn-course/blob/v0.1.0/lectures/10_callbacks.ipynb)
#
# `model.fit` is a loop over epochs and batches. A **callback** is an object whose methods
# Keras calls at fixed points of that loop: at the start and end of training, of every
# epoch and of every batch. Callbacks record what happens (`History`, `CSVLogger`,
# `TensorBoard`), save the model (`ModelCheckpoint`), change the learning rate
# (`LearningRateScheduler`, `ReduceLROnPlateau`) or stop training (`EarlyStopping`). We
# try each one on the 8×8 digits, check that it did what its documentation says, and then
# write two callbacks of our own. Every file goes to a temporary folder that is deleted at
# the end.
#
# **Contents**
# 1. The training loop and its hooks; `History`
# 2. `EarlyStopping` and `ModelCheckpoint`
# 3. `ReduceLROnPlateau` and `LearningRateScheduler`
# 4. `CSVLogger` and TensorBoard logs
# 5. Progress bars
# 6. Writing callbacks: per-batch losses, and stopping at a target accuracy

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
import importlib.util
import tempfile
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from coursedata.toy import load_digits
from nnkit import autodiff, events, pick, seed_everything
from nnkit.plots import plot_curves, plot_history

seed_everything(0)
print(f"Keras {keras.__version__}, backend {keras.backend.backend()}")
tmp = tempfile.TemporaryDirectory()   # every file this lecture writes goes here
TMP = Path(tmp.name)

# %% [markdown]
# The data: the 1,797 scikit-learn digits, pixels scaled to $[0, 1]$, split into 1,200
# training and 597 validation images. The model: one hidden layer of 64 ReLU units.

# %%
X, y = load_digits()
X = (X / 16.0).astype("float32")
order = np.random.default_rng(0).permutation(len(X))
X_train, y_train = X[order[:1200]], y[order[:1200]]
X_val, y_val = X[order[1200:]], y[order[1200:]]


def make_model(learning_rate=1e-3, seed=0):
    """A small MLP for the 8x8 digits, compiled with Adam and the cross-entropy."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input(shape=(64,)),
        keras.layers.Dense(64, activation="relu", kernel_initializer="he_normal"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(keras.optimizers.Adam(learning_rate), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


fit_args = dict(x=X_train, y=y_train, validation_data=(X_val, y_val), batch_size=40, verbose=0)

# %% [markdown]
# ## 1. The hooks, and `History`
#
# In outline, `fit` runs
#
# ```
# on_train_begin
# for epoch in range(epochs):
#     on_epoch_begin(epoch)
#     for batch in batches:
#         on_train_batch_begin(batch);  one gradient step;  on_train_batch_end(batch, logs)
#     validation pass
#     on_epoch_end(epoch, logs)            # logs: loss, accuracy, val_loss, val_accuracy
#     if model.stop_training: break
# on_train_end
# ```
#
# and calls each hook on every callback in the list we pass as `callbacks=[...]`. One
# callback is always there: `History`, which appends each epoch's `logs` to a dict. `fit`
# returns it, and it is also kept as `model.history`.

# %%
model = make_model()
history = model.fit(**fit_args, epochs=pick(30, 5))
print(type(history).__name__, sorted(history.history), history.epoch[:5])
assert model.history is history and len(history.history["loss"]) == pick(30, 5)
assert np.isclose(history.history["val_loss"][-1], model.evaluate(X_val, y_val, verbose=0)[0],
                  atol=1e-5)
plot_history(history, metrics=("loss", "accuracy"))
plt.show()

# %% [markdown]
# ## 2. Stopping early, and keeping the best model
#
# **`EarlyStopping(monitor, patience, restore_best_weights)`** watches a logged quantity
# and stops training once it has not improved for `patience` epochs in a row. With
# `restore_best_weights=True` it puts back the weights of the best epoch at the end.
#
# **`ModelCheckpoint(filepath, monitor, save_best_only)`** saves the model at the end of
# each epoch, or with `save_best_only=True` only when the monitored quantity improves. The
# file name may contain fields such as `{epoch:02d}` and `{val_loss:.3f}`.
#
# To give early stopping something to do we use a larger learning rate, so the model
# over-fits within a few dozen epochs.

# %%
ckpt_dir = TMP / "checkpoints"
ckpt_dir.mkdir()
early = keras.callbacks.EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True)
best_ckpt = keras.callbacks.ModelCheckpoint(ckpt_dir / "best.keras", monitor="val_loss",
                                            save_best_only=True)
every_ckpt = keras.callbacks.ModelCheckpoint(ckpt_dir / "epoch{epoch:02d}.weights.h5",
                                             save_weights_only=True)
model = make_model(learning_rate=1e-2)
max_epochs = pick(100, 15)
history = model.fit(**fit_args, epochs=max_epochs, callbacks=[early, best_ckpt, every_ckpt])
val_loss = np.array(history.history["val_loss"])
best_epoch = int(val_loss.argmin())
print(f"[figure] early stopping: ran {len(val_loss)} of {max_epochs} epochs, best epoch "
      f"{best_epoch + 1} with val_loss {val_loss.min():.4f}")
print(sorted(p.name for p in ckpt_dir.iterdir())[:4], "...")

# %% [markdown]
# Three checks. Training stopped exactly `patience` epochs after the best one (unless it
# ran out of epochs); the restored weights give the best validation loss; and the best
# checkpoint on disk holds that same model.

# %%
if early.stopped_epoch > 0:
    assert len(val_loss) == best_epoch + 1 + early.patience
restored_loss = model.evaluate(X_val, y_val, verbose=0)[0]
from_disk = keras.models.load_model(ckpt_dir / "best.keras")
assert np.isclose(restored_loss, val_loss.min(), atol=1e-5)
assert np.array_equal(from_disk.predict(X_val, verbose=0), model.predict(X_val, verbose=0))
assert len(list(ckpt_dir.glob("epoch*.weights.h5"))) == len(val_loss)

fig, ax = plt.subplots(figsize=(6, 3.5))
plot_curves({"loss": history.history["loss"], "val_loss": val_loss}, ax=ax)
ax.axvline(best_epoch + 1, color="gray", ls="--", label="best epoch (restored)")
ax.legend()
plt.show()

# %% [markdown]
# ## 3. Changing the learning rate during training
#
# **`LearningRateScheduler(schedule)`** calls `schedule(epoch, lr)` at the start of every
# epoch and sets the optimiser's learning rate to what it returns. Here, a step decay that
# halves the rate every 5 epochs, $\eta_e = \eta_0 \cdot 0.5^{\lfloor e/5\rfloor}$.
#
# **`ReduceLROnPlateau(monitor, factor, patience, min_lr)`** reacts instead: when the
# monitored quantity has not improved (by more than `min_delta`, default $10^{-4}$) for
# `patience` epochs, it multiplies the rate by `factor`, never going below `min_lr`.
#
# Both log the rate in force during each epoch as `learning_rate` in the History.

# %%
def step_decay(epoch, lr):
    """Halve the initial rate 0.01 every 5 epochs."""
    return float(0.01 * 0.5 ** (epoch // 5))


n_epochs = pick(20, 6)
sched_hist = make_model().fit(**fit_args, epochs=n_epochs,
                              callbacks=[keras.callbacks.LearningRateScheduler(step_decay)])
assert np.allclose(sched_hist.history["learning_rate"],
                   [step_decay(e, None) for e in range(n_epochs)], rtol=1e-6)

plateau = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2,
                                            min_lr=1e-4)
plateau_hist = make_model(learning_rate=1e-2).fit(**fit_args, epochs=pick(30, 8),
                                                  callbacks=[plateau])

# %% [markdown]
# We replay `ReduceLROnPlateau`'s rule by hand on the logged validation losses and check
# that it predicts the learning rates Keras used:

# %%
def replay_plateau(val_losses, lr0, factor, patience, min_lr, min_delta=1e-4):
    """The learning rate in force during each epoch under the reduce-on-plateau rule."""
    lr, best, wait, rates = lr0, np.inf, 0, []
    for loss in val_losses:
        rates.append(lr)
        if loss < best - min_delta:
            best, wait = loss, 0
        else:
            wait += 1
            if wait >= patience:
                lr, wait = max(lr * factor, min_lr), 0
    return rates


logged = plateau_hist.history["learning_rate"]
assert np.allclose(logged, replay_plateau(plateau_hist.history["val_loss"], 1e-2, 0.5, 2, 1e-4),
                   rtol=1e-6)

fig, axes = plt.subplots(1, 2, figsize=(12, 3.5))
plot_curves({"step decay": sched_hist.history["learning_rate"],
             "reduce on plateau": logged}, ylabel="learning rate", ax=axes[0], logy=True)
plot_curves({"val_loss, plateau run": plateau_hist.history["val_loss"]}, ax=axes[1])
for e in np.flatnonzero(np.diff(logged) < 0):
    axes[1].axvline(e + 2, color="gray", lw=0.8, ls=":")
axes[1].set_title("dotted: first epoch at a reduced rate")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 4. Logs on disk: CSV and TensorBoard
#
# **`CSVLogger(filename)`** writes one row per epoch, the same numbers as the History,
# which is handy for long runs that may be interrupted, or for comparing runs in a
# spreadsheet.
#
# **`TensorBoard(log_dir)`** writes *event files*, which the TensorBoard web application
# (`%load_ext tensorboard` then `%tensorboard --logdir ...` in Colab) turns into interactive
# curves, histograms of weights and more. The files are written locally and need no network.
# Event files are TensorFlow's format: whatever the Keras backend, the callback needs
# TensorFlow installed, and the `tensorboard` package, which Colab has. Where `tensorboard`
# is missing, we write the same scalars with TensorFlow's own summary writer in a four-line
# callback instead. Where TensorFlow itself is missing (a JAX- or PyTorch-only
# installation), this run writes no event files, and the cells below say so.

# %%
have_tensorflow = events.available()   # TensorFlow, to write and read event files
have_tensorboard = importlib.util.find_spec("tensorboard") is not None
if have_tensorflow:
    import tensorflow as tf   # event files are TensorFlow's, whatever the Keras backend


class ScalarEventWriter(keras.callbacks.Callback):
    """Write each epoch's logs as TensorBoard scalars `epoch_<name>` under log_dir/train."""

    def __init__(self, log_dir):
        super().__init__()
        self.writer = tf.summary.create_file_writer(str(Path(log_dir) / "train"))

    def on_epoch_end(self, epoch, logs=None):
        with self.writer.as_default():
            for name, value in logs.items():
                if not name.startswith("val_"):
                    tf.summary.write(f"epoch_{name}", tf.constant(value), step=epoch)
        self.writer.flush()


csv_path, tb_dir = TMP / "training_log.csv", TMP / "tensorboard"
callbacks = [keras.callbacks.CSVLogger(csv_path)]
if have_tensorflow:
    callbacks.append(keras.callbacks.TensorBoard(log_dir=tb_dir) if have_tensorboard
                     else ScalarEventWriter(tb_dir))
    print("TensorBoard callback:", type(callbacks[-1]).__name__)
else:
    print("TensorFlow is not installed: no TensorBoard event files in this run, only the CSV log.")
log_epochs = pick(10, 3)
log_hist = make_model().fit(**fit_args, epochs=log_epochs, callbacks=callbacks)

table = pd.read_csv(csv_path)
print(table.round(4).head())
for column in ("loss", "accuracy", "val_loss", "val_accuracy"):
    assert np.allclose(table[column], log_hist.history[column], rtol=1e-6)

# %% [markdown]
# Event files are a sequence of protocol-buffer records. TensorFlow can read them back
# (`nnkit.events.read_scalars` does it in a dozen lines), which lets us check that the
# training losses in them are those of the History:

# %%
if have_tensorflow:
    event_files = sorted(p.relative_to(tb_dir) for p in tb_dir.rglob("events.out.tfevents.*"))
    print("event files:", [str(p)[:40] for p in event_files])
    logged_loss = events.read_scalars(tb_dir / "train", "epoch_loss")
    assert [s for s, _ in logged_loss] == list(range(log_epochs))
    assert np.allclose([v for _, v in logged_loss], log_hist.history["loss"], rtol=1e-6)
else:
    print("TensorFlow is not installed: no event files to read back, check skipped.")

# %% [markdown]
# ## 5. Progress bars
#
# `verbose` chooses how `fit` reports: `0` says nothing, `2` prints one line per epoch and
# `1` (the default) draws a progress bar that is redrawn after every batch, which is nice
# in a terminal but fills a notebook's saved output. The progress bar is itself a callback
# (`keras.callbacks.ProgbarLogger`) that Keras adds for us. Two epochs with `verbose=2`:

# %%
_ = make_model().fit(X_train, y_train, validation_data=(X_val, y_val), batch_size=40,
                     epochs=2, verbose=2)

# %% [markdown]
# For loops of our own, `keras.utils.Progbar` draws the same kind of bar. With
# `verbose=2` it prints a single summary line when done:

# %%
bar = keras.utils.Progbar(target=5, verbose=2, stateful_metrics=["step"])
for step in range(5):
    bar.update(step + 1, values=[("squares", float(step ** 2)), ("step", step)])

# %% [markdown]
# Outside Keras, the usual progress bar for any Python loop is **tqdm**: wrap the iterable,
# `for batch in tqdm(batches)`, and it shows the count, the rate and the time left, with any
# numbers you pass to `set_postfix`. Here it wraps a training loop written by hand, the
# loop `fit` runs for us: forward pass, loss, gradients, optimiser step.
#
# The gradients are the one part Keras leaves to its backend (lecture 5). TensorFlow records
# the forward pass on a `tf.GradientTape`. JAX differentiates a *pure* function of the
# weights, so the model runs with `model.stateless_call` on weight values passed in, and
# returns its updated non-trainable state (none here; batch normalisation has some).
# PyTorch's `loss.backward()` leaves the gradient of each weight in its `.grad`. Then the
# Keras optimiser applies the step, the same on every backend.
# `nnkit.autodiff.train_step` holds the three and runs the one of the backend in use:

# %%
autodiff.show_source(autodiff.train_step_tensorflow, autodiff.train_step_jax,
                     autodiff.train_step_torch)

# %% [markdown]
# tqdm writes to stderr by default; `file=sys.stdout` keeps the notebook's stderr clean, and
# `mininterval` limits how often the bar is redrawn.

# %%
import sys

from tqdm import tqdm

loop_model = make_model()
loss_fn = keras.losses.SparseCategoricalCrossentropy()
optimizer = keras.optimizers.Adam(1e-3)
order = np.random.default_rng(0).permutation(len(X_train))
batches = [order[k:k + 40] for k in range(0, len(order), 40)]
batch_losses = []
for epoch in range(pick(3, 1)):
    progress = tqdm(batches, desc=f"epoch {epoch + 1}", file=sys.stdout, mininterval=1.0)
    for idx in progress:
        batch_losses.append(autodiff.train_step(loop_model, loss_fn, optimizer,
                                                X_train[idx], y_train[idx]))
        progress.set_postfix(loss=f"{batch_losses[-1]:.3f}")
    progress.close()
print(f"[figure] hand-written loop with tqdm: mean batch loss {np.mean(batch_losses[:5]):.3f} "
      f"(first 5 batches) -> {np.mean(batch_losses[-5:]):.3f} (last 5)")
assert np.mean(batch_losses[-5:]) < pick(0.6, 0.9) * np.mean(batch_losses[:5])  # fast runs: 1 epoch

# %% [markdown]
# ## 6. Our own callbacks
#
# A callback subclasses `keras.callbacks.Callback` and overrides the hooks it needs. Inside,
# `self.model` is the model being trained, and setting `self.model.stop_training = True`
# ends `fit` after the current epoch.
#
# ### 6.1 Recording the loss of every batch
#
# The `logs` passed to `on_train_batch_end` do **not** hold the loss of that batch: they
# hold the running mean $m_k$ of the losses of batches $1..k$ of the current epoch (the same
# mean that becomes the epoch's `loss` at the end). With equal batches, the loss of batch
# $k$ is recovered from two consecutive means:
#
# $$\ell_k = k\,m_k - (k-1)\,m_{k-1}.$$
#
# (With unequal batches, weight each term by the number of examples seen so far.)

# %%
class BatchLossRecorder(keras.callbacks.Callback):
    """Record the loss of every training batch, recovered from Keras's running means."""

    def on_train_begin(self, logs=None):
        self.batch_losses, self.running_means = [], []

    def on_epoch_begin(self, epoch, logs=None):
        self._previous_mean = 0.0

    def on_train_batch_end(self, batch, logs=None):
        mean = logs["loss"]
        self.batch_losses.append((batch + 1) * mean - batch * self._previous_mean)
        self.running_means.append(mean)
        self._previous_mean = mean


# %% [markdown]
# To test the formula, train with a learning rate of zero and without shuffling: the
# weights never change, so the loss of batch $k$ can be computed directly from the model.

# %%
frozen = make_model(learning_rate=0.0)
recorder = BatchLossRecorder()
frozen.fit(X_train, y_train, batch_size=40, epochs=1, shuffle=False, verbose=0,
           callbacks=[recorder])
direct = [float(keras.ops.convert_to_numpy(keras.losses.sparse_categorical_crossentropy(
    y_train[i:i + 40], frozen(X_train[i:i + 40]))).mean()) for i in range(0, 1200, 40)]
assert len(recorder.batch_losses) == 30
assert np.allclose(recorder.batch_losses, direct, rtol=1e-4, atol=1e-5)
print("recovered batch losses match direct computation, e.g.",
      np.round(recorder.batch_losses[:3], 4), np.round(direct[:3], 4))

# %% [markdown]
# Now in a real run. The per-batch losses are noisy (each batch is a different sample of
# 40 digits), and each epoch's logged loss is their mean:

# %%
recorder = BatchLossRecorder()
batch_epochs = pick(5, 2)
rec_hist = make_model().fit(**fit_args, epochs=batch_epochs, callbacks=[recorder])
per_epoch = np.reshape(recorder.batch_losses, (batch_epochs, 30))
assert np.allclose(per_epoch.mean(axis=1), rec_hist.history["loss"], rtol=1e-4)

fig, ax = plt.subplots(figsize=(8, 3.5))
steps = np.arange(1, len(recorder.batch_losses) + 1)
ax.plot(steps, recorder.batch_losses, lw=0.8, label="loss of each batch")
ax.plot(steps, recorder.running_means, lw=1.5, label="running mean shown in logs")
ax.plot(np.arange(1, batch_epochs + 1) * 30, rec_hist.history["loss"], "ko", label="epoch loss")
ax.set(xlabel="batch", ylabel="loss", yscale="log")
ax.legend()
ax.grid(alpha=0.3)
plt.show()

# %% [markdown]
# ### 6.2 Stopping at a target accuracy
#
# Sometimes "good enough" is known in advance. This callback stops as soon as the
# validation accuracy reaches a target, and remembers the epoch.

# %%
class StopAtAccuracy(keras.callbacks.Callback):
    """Stop training at the end of the first epoch whose ``monitor`` reaches ``target``."""

    def __init__(self, target, monitor="val_accuracy"):
        super().__init__()
        self.target, self.monitor = target, monitor
        self.stopped_epoch = None

    def on_epoch_end(self, epoch, logs=None):
        if logs[self.monitor] >= self.target:
            self.stopped_epoch = epoch
            self.model.stop_training = True


target = pick(0.95, 0.85)
stopper = StopAtAccuracy(target)
stop_hist = make_model().fit(**fit_args, epochs=100, callbacks=[stopper])
val_acc = stop_hist.history["val_accuracy"]
print(f"[figure] reached val_accuracy {val_acc[-1]:.3f} >= {target} at epoch {len(val_acc)}")
assert stopper.stopped_epoch == len(val_acc) - 1
assert val_acc[-1] >= target and all(a < target for a in val_acc[:-1])

# %% [markdown]
# In the full run the network reaches 95 % validation accuracy after a dozen or so epochs
# (see the printed line) and training stops there, instead of running all 100 epochs.
#
# <details><summary>Self-test: you pass both <code>EarlyStopping(restore_best_weights=True)</code>
# and <code>StopAtAccuracy</code>. The second stops training first. Are the best weights
# restored?</summary>
#
# In Keras 3, yes: `EarlyStopping.on_train_end` restores the best weights it has seen
# whenever training ends, whoever stopped it (it keeps a copy from its best epoch). With
# `StopAtAccuracy` the last epoch is often the best anyway.
# </details>
#
# <details><summary>Self-test: which hook would you override to change the learning rate
# after every batch (a "warm-up")?</summary>
#
# `on_train_batch_begin(batch, logs)`, setting `self.model.optimizer.learning_rate`. (A
# `keras.optimizers.schedules` object passed as the learning rate does the same job
# without a callback.)
# </details>

# %%
tmp.cleanup()
assert not TMP.exists()

# %% [markdown]
# ## Summary
# - `fit` calls a callback's hooks at the start and end of training, epochs and batches;
#   `History` is itself a callback.
# - `EarlyStopping` (with `restore_best_weights`) and `ModelCheckpoint` keep the best
#   model; `ReduceLROnPlateau` and `LearningRateScheduler` change the learning rate.
# - `CSVLogger` and TensorBoard event files keep a run on disk; progress bars are Keras's
#   `verbose`, `Progbar`, or tqdm around a loop of our own.
# - Writing a callback means overriding the hooks you need and reading `logs`.
#
# ## Exercises
# 1. Write a callback that records the learning rate at every epoch and check it against
#    `ReduceLROnPlateau`'s decisions in section 3.
# 2. What changes if `EarlyStopping` monitors `val_accuracy` instead of `val_loss`? Set
#    `mode` correctly and compare the stopping epochs.
# 3. Add a validation pass to the tqdm loop of section 5 at the end of each epoch and show
#    both losses in the bar's postfix.
# 4. Write a callback that stops training when the training loss becomes NaN, and test it
#    with a learning rate large enough to diverge. (Keras has `TerminateOnNaN`; compare.)
# 5. Log the weight histograms of the first layer to the event files with `tf.summary
#    .histogram` in a custom callback and read them back with TensorFlow. (This needs
#    TensorFlow installed, whatever the Keras backend; on JAX or PyTorch, pass it the
#    weights as numpy arrays, `keras.ops.convert_to_numpy`.)
