# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lab 6 — Which instrument is playing? MFCCs and a Keras MLP
#
# You will classify one-second notes into ten instrument families (keyboard, mallet, organ,
# guitar, bass, strings, brass, reed, pipe, synth lead). A raw waveform has 16 000 numbers and
# says little directly; **mel-frequency cepstral coefficients** (MFCCs) describe the shape of
# its spectrum, frame by frame, in a handful of numbers. You will summarise them over time,
# standardise them, and train a small Keras multilayer perceptron, choosing its learning rate on
# a validation set and checking it on a **soundfont it has never heard**.
#
# **Learning goals**
# 1. Turn audio into a fixed-length feature vector: MFCCs with librosa and their summary over
#    time (mean, standard deviation, deltas), and argue which summary to use.
# 2. Standardise features with training statistics only, and say why.
# 3. Build a regularised MLP in Keras (dropout, L2 weight decay).
# 4. Choose a learning rate by comparing validation-loss curves.
# 5. Report accuracy on an unseen test set and read a confusion matrix.
#
# **Points:** 22, all autograded (MFCC features 5, standardisation 4, model 3, learning-rate
# search 5, evaluation 5).
#
# **Hand in:** this notebook, `lab6.ipynb`, with every `YOUR CODE HERE` replaced. Do not rename
# it and do not delete or copy cells: the grader finds your answers by the cells' ids.
# Run *Kernel → Restart & Run All* before you hand in, and check that the visible tests pass.
# The whole notebook should run in well under a minute; keep `verbose=0` in `fit`, `evaluate`
# and `predict`. Keras, librosa and numpy are yours to use where the text says; `standardize`
# and `confusion_matrix` are your own numpy code (no scikit-learn, scipy, pandas or Keras
# there), and the hidden tests check it, as they check every function on other inputs than the
# visible tests.
#
# **Keras backends:** Keras runs on TensorFlow, JAX or PyTorch (`KERAS_BACKEND`), and the
# grader may use any of them: build models from `keras.layers`, compute with `keras.ops`, and
# turn what a Keras function or model call returns into numpy with
# `keras.ops.convert_to_numpy` before you use numpy on it (`model.predict` already returns
# numpy).
#
# **The data** (`coursedata.instruments`): the training notes come from the FluidR3_GM
# soundfont, the validation notes from TimGM6mb and the test notes from MuseScore_General_Lite.
# Three different sample sets: a model that only memorised FluidR3's recordings will not
# transfer, and the validation set (a second soundfont) tells you so before the test does.

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

setup(needs=("instruments",))

# %%
import warnings

warnings.filterwarnings("ignore")  # librosa and numba may warn about versions and caching

import keras
import librosa
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import confusion_matrix as sk_confusion_matrix

import nnkit.grading
from coursedata import instruments
from coursedata.render import SAMPLE_RATE
from nnkit import seed_everything
from nnkit.grading import expect, expect_close, expect_dtype, expect_equal, expect_shape
from nnkit.plots import plot_confusion_matrix, plot_curves, plot_history

seed_everything(0)

# %% [markdown]
# The three splits (the first call builds the data into a cache folder, which takes about
# 20 s; later calls read it back):

# %%
wave_train, y_train = instruments.load("train")
wave_val, y_val = instruments.load("validation")
wave_test, y_test = instruments.load("test")
FAMILIES = instruments.family_names()
N_CLASSES = len(FAMILIES)
print(wave_train.shape, wave_val.shape, wave_test.shape, "sample rate", SAMPLE_RATE)
print(dict(zip(FAMILIES, np.bincount(y_train))))

# %% [markdown]
# ## 1. MFCC features (5 points)
#
# `librosa.feature.mfcc(y=waveforms, sr=sr, n_mfcc=n_mfcc)` cuts each waveform into
# overlapping frames (2048 samples, hop 512: 32 frames for one second at 16 kHz), takes the
# power spectrum of each frame on the mel scale, its logarithm, and a discrete cosine transform
# of that: coefficient 0 is the overall loudness of the frame, the next ones the broad shape of
# its spectrum (bright or dull, formants), which is what tells a flute from a trumpet. It accepts
# a batch, shape `(n, samples)`, and returns `(n, n_mfcc, frames)`.
#
# A classifier needs one vector per note, so we **summarise each coefficient over the frames**.
# Write `mfcc_features(waveforms, sr, n_mfcc, summary)`, where `summary` is a tuple of names
# from:
#
# | name | per coefficient, over the frames |
# |---|---|
# | `"mean"` | mean of the MFCC |
# | `"std"` | standard deviation of the MFCC (numpy's default, `ddof=0`) |
# | `"delta_mean"` | mean of its delta, `librosa.feature.delta(mfcc)` (default arguments) |
# | `"delta_std"` | standard deviation of its delta |
#
# The delta is the local slope of each coefficient along time: whether the note swells, decays
# or stays put. The result is a `float32` array of shape `(n, len(summary) * n_mfcc)`: one block
# of `n_mfcc` columns per name, in the order of `summary` (coefficient 0 first in each block).
# A single waveform, shape `(samples,)`, gives one row, shape `(1, n_features)`.
# Use only `librosa.feature.mfcc(y=..., sr=..., n_mfcc=...)` and `librosa.feature.delta`, and use
# the `sr` you are given (the tests use other sample rates).

# %% nbgrader={"grade": false, "grade_id": "mfcc_features", "locked": false, "schema_version": 3, "solution": true}
def mfcc_features(waveforms, sr, n_mfcc, summary=("mean", "std")):
    """(n, len(summary) * n_mfcc) float32: MFCC statistics over time, one block per summary."""
    ### BEGIN SOLUTION
    waveforms = np.atleast_2d(np.asarray(waveforms))
    mfcc = librosa.feature.mfcc(y=waveforms, sr=sr, n_mfcc=n_mfcc)
    delta = librosa.feature.delta(mfcc)
    blocks = {
        "mean": lambda: mfcc.mean(axis=-1),
        "std": lambda: mfcc.std(axis=-1),
        "delta_mean": lambda: delta.mean(axis=-1),
        "delta_std": lambda: delta.std(axis=-1),
    }
    return np.concatenate([blocks[name]() for name in summary], axis=1).astype(np.float32)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_mfcc_shape", "locked": true, "points": 2, "schema_version": 3, "solution": false}
f = mfcc_features(wave_val[:3], SAMPLE_RATE, 13)
expect_shape(f, (3, 26), "mfcc_features(3 notes, n_mfcc=13), summary mean+std")
expect_dtype(f, "float", "mfcc_features")
expect(np.asarray(f).dtype == np.float32,
       f"mfcc_features must return float32, got {np.asarray(f).dtype}")
f4 = mfcc_features(wave_val[:2], SAMPLE_RATE, 5, ("mean", "std", "delta_mean", "delta_std"))
expect_shape(f4, (2, 20), "mfcc_features(2 notes, n_mfcc=5), four summaries")
expect_shape(mfcc_features(wave_val[0], SAMPLE_RATE, 8), (1, 16), "mfcc_features of one waveform")
### BEGIN HIDDEN TESTS
import nnkit.evidence
_c = nnkit.evidence.challenge("lab6", "test_mfcc_shape")


def _features(key, rows, sr, n_mfcc, summary):
    waves = _c["waves"][key] if rows is None else _c["waves"][key][rows]
    if summary is None:
        return mfcc_features(waves, sr, n_mfcc)
    return mfcc_features(waves, sr, n_mfcc, tuple(summary))


nnkit.evidence.report("lab6", "test_mfcc_shape", features=[_features(*_call) for _call in _c["calls"]])
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_mfcc_values", "locked": true, "points": 3, "schema_version": 3, "solution": false}
m = librosa.feature.mfcc(y=wave_val[:2], sr=SAMPLE_RATE, n_mfcc=13)
expect_close(mfcc_features(wave_val[:2], SAMPLE_RATE, 13, ("mean",)), m.mean(axis=-1),
             "the 'mean' block (mean of each coefficient over the frames)", rtol=1e-4, atol=1e-3)
expect_close(mfcc_features(wave_val[:2], SAMPLE_RATE, 13)[:, :13], m.mean(axis=-1),
             "the first block of the default summary ('mean', 'std')", rtol=1e-4, atol=1e-3)
### BEGIN HIDDEN TESTS
import nnkit.evidence
_c = nnkit.evidence.challenge("lab6", "test_mfcc_values")


def _features(key, rows, sr, n_mfcc, summary):
    waves = _c["waves"][key] if rows is None else _c["waves"][key][rows]
    if summary is None:
        return mfcc_features(waves, sr, n_mfcc)
    return mfcc_features(waves, sr, n_mfcc, tuple(summary))


nnkit.evidence.report("lab6", "test_mfcc_values", features=[_features(*_call) for _call in _c["calls"]])
### END HIDDEN TESTS

# %% [markdown]
# Two notes as MFCC images (coefficient against frame), to see what the summaries summarise:

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3))
for ax, i in zip(axes, [0, len(wave_train) - 1]):
    image = ax.imshow(librosa.feature.mfcc(y=wave_train[i], sr=SAMPLE_RATE, n_mfcc=20),
                      aspect="auto", origin="lower", cmap="magma")
    ax.set(title=FAMILIES[y_train[i]], xlabel="frame", ylabel="MFCC")
    fig.colorbar(image, ax=ax)
plt.show()

# %% [markdown]
# **Your choice.** Set `N_MFCC` (an integer) and `SUMMARY` (a tuple of the names above) for the
# rest of the lab. More coefficients describe
# finer spectral detail (and noise); `"mean"` alone ignores how a note evolves; the standard
# deviations and deltas tell a plucked or struck note (fast decay) from a bowed, blown or
# sustained one. Your test accuracy must end above 45%, so anything sensible works.

# %% nbgrader={"grade": false, "grade_id": "choose_features", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
N_MFCC = 20
SUMMARY = ("mean", "std", "delta_mean", "delta_std")
### END SOLUTION

# %% [markdown]
# **Why?** In two or three sentences, say why you chose this number of coefficients and these
# summaries (ungraded, but your tutor reads it). *Your answer:*
#
# ...

# %% [markdown]
# The features of all notes (librosa is fastest on batches of about a hundred notes):

# %%
def features_of(waveforms, chunk=100):
    """mfcc_features over ``waveforms`` in chunks, with the chosen N_MFCC and SUMMARY."""
    return np.concatenate([mfcc_features(waveforms[i:i + chunk], SAMPLE_RATE, N_MFCC, SUMMARY)
                           for i in range(0, len(waveforms), chunk)])


X_train, X_val, X_test = features_of(wave_train), features_of(wave_val), features_of(wave_test)
print(X_train.shape, X_val.shape, X_test.shape)

# %% [markdown]
# ## 2. Standardisation (4 points)
#
# MFCC statistics live on very different scales (coefficient 0 in the hundreds, the deltas near
# zero), which slows gradient descent. Write `standardize(train, *others)`: it returns a tuple
# `(train_std, *others_std)`, every array shifted and scaled column by column with the
# **training** mean and standard deviation (`ddof=0`), as `float32`. The validation and test
# sets play the part of data that arrives later, one note at a time: their own statistics must
# not enter. A column that is constant in the training set (standard deviation 0) is divided by 1
# instead, so that it becomes 0 rather than `nan`. Do not modify the arguments. Write it with
# numpy: not with scikit-learn's `StandardScaler` (or scipy, pandas, Keras); the hidden tests
# check this.

# %% nbgrader={"grade": false, "grade_id": "standardize", "locked": false, "schema_version": 3, "solution": true}
def standardize(train, *others):
    """(train_std, *others_std), each scaled with the training columns' mean and std, float32."""
    ### BEGIN SOLUTION
    train = np.asarray(train, dtype=np.float64)
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return tuple(((np.asarray(a, dtype=np.float64) - mean) / std).astype(np.float32)
                 for a in (train, *others))
    ### END SOLUTION


# %%
Z_train, Z_val, Z_test = standardize(X_train, X_val, X_test)
print(Z_train.mean(axis=0)[:4].round(3), Z_train.std(axis=0)[:4].round(3))

# %% nbgrader={"grade": true, "grade_id": "test_standardize", "locked": true, "points": 2, "schema_version": 3, "solution": false}
expect_shape(Z_train, X_train.shape, "standardised training set")
expect_shape(Z_test, X_test.shape, "standardised test set")
expect(np.asarray(Z_train).dtype == np.float32,
       f"standardize must return float32, got {np.asarray(Z_train).dtype}")
expect_close(Z_train.mean(axis=0), np.zeros(X_train.shape[1]),
             "column means of the standardised training set", atol=1e-4)
expect_close(Z_train.std(axis=0), np.ones(X_train.shape[1]),
             "column stds of the standardised training set", atol=1e-4)
### BEGIN HIDDEN TESTS
import nnkit.evidence
import nnkit.grading

_c = nnkit.evidence.challenge("lab6", "test_standardize")
_A, _B, _C = _c["A"].copy(), _c["B"].copy(), _c["C"].copy()
_out = standardize(_A, _B, _C)
nnkit.evidence.report("lab6", "test_standardize",
                      Z_train_shape=np.shape(Z_train), X_train_shape=np.shape(X_train),
                      Z_test_shape=np.shape(Z_test), X_test_shape=np.shape(X_test),
                      Z_train_head=np.asarray(Z_train)[:2],
                      Z_train_mean=np.asarray(Z_train, dtype=float).mean(axis=0),
                      Z_train_std=np.asarray(Z_train, dtype=float).std(axis=0),
                      out=_out, A_after=_A, B_after=_B,
                      uses=nnkit.grading.library_uses(standardize, ("sklearn", "scipy", "pandas", "keras", "tensorflow", "torch", "jax")))
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_standardize_edge", "locked": true, "points": 2, "schema_version": 3, "solution": false}
### BEGIN HIDDEN TESTS
import nnkit.evidence
import nnkit.grading

_c = nnkit.evidence.challenge("lab6", "test_standardize_edge")
_As, _Bs = standardize(_c["A"].copy(), _c["B"].copy())
nnkit.evidence.report("lab6", "test_standardize_edge", As=_As, Bs=_Bs,
                      alone=standardize(_c["A"].copy()),
                      uses=nnkit.grading.library_uses(standardize, ("sklearn", "scipy", "pandas", "keras", "tensorflow", "torch", "jax")))
### END HIDDEN TESTS

# %% [markdown]
# ## 3. The model (3 points)
#
# Write `build_model(n_features, n_classes, hidden, dropout, l2, learning_rate)`, returning a
# **compiled** `keras.Sequential`:
#
# - `keras.Input(shape=(n_features,))`;
# - for each width in `hidden`, in order: a `Dense(width, activation="relu")` layer, followed by
#   a `Dropout(dropout)` layer when `dropout > 0`;
# - a `Dense(n_classes, activation="softmax")` output layer;
# - when `l2 > 0`, every `Dense` layer (the output layer too) gets
#   `kernel_regularizer=keras.regularizers.L2(l2)`, which adds $\lambda \sum w^2$ to the loss;
#   when `l2 == 0`, no regulariser;
# - compiled with `keras.optimizers.Adam(learning_rate=learning_rate)`,
#   `loss="sparse_categorical_crossentropy"` (the labels are integers) and
#   `metrics=["accuracy"]`.
#
# Dropout switches off a random fraction of the hidden units at each training step (never at
# prediction), so no unit can rely on a few others; L2 keeps the weights small. Both fight the
# overfitting to one soundfont that you will see below.

# %% nbgrader={"grade": false, "grade_id": "build_model", "locked": false, "schema_version": 3, "solution": true}
def build_model(n_features, n_classes, hidden=(128,), dropout=0.3, l2=1e-3, learning_rate=1e-3):
    """A compiled MLP: ReLU hidden layers (each followed by dropout), softmax output, L2."""
    ### BEGIN SOLUTION
    def regularizer():
        return keras.regularizers.L2(l2) if l2 > 0 else None

    layers = [keras.Input(shape=(n_features,))]
    for width in hidden:
        layers.append(keras.layers.Dense(width, activation="relu",
                                         kernel_regularizer=regularizer()))
        if dropout > 0:
            layers.append(keras.layers.Dropout(dropout))
    layers.append(keras.layers.Dense(n_classes, activation="softmax",
                                     kernel_regularizer=regularizer()))
    model = keras.Sequential(layers)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_build_model", "locked": true, "points": 3, "schema_version": 3, "solution": false}
model = build_model(80, 10, hidden=(64,), dropout=0.5, l2=0.01, learning_rate=0.002)
kinds = [type(layer).__name__ for layer in model.layers]
expect(kinds == ["Dense", "Dropout", "Dense"],
       f"layers: expected Dense, Dropout, Dense; got {kinds}")
expect(model.count_params() == 80 * 64 + 64 + 64 * 10 + 10,
       f"expected {80 * 64 + 64 + 64 * 10 + 10} parameters, got {model.count_params()}")
expect(getattr(model, "optimizer", None) is not None, "build_model must compile the model")
### BEGIN HIDDEN TESTS
import nnkit.evidence

_c = nnkit.evidence.challenge("lab6", "test_build_model")


def _described(n_features, n_classes, hidden, dropout, l2, learning_rate):
    m = build_model(n_features, n_classes, hidden=tuple(hidden), dropout=dropout, l2=l2,
                    learning_rate=learning_rate)
    dense = [layer for layer in m.layers if type(layer).__name__ == "Dense"]
    return {"kinds": [type(layer).__name__ for layer in m.layers], "input_shape": m.input_shape,
            "params": m.count_params(), "units": [d.units for d in dense],
            "activations": [d.get_config()["activation"] for d in dense],
            "kernel_regularizers": [None if d.kernel_regularizer is None
                                    else d.kernel_regularizer.get_config() for d in dense],
            "bias_regularizers": [None if d.bias_regularizer is None
                                  else type(d.bias_regularizer).__name__ for d in dense],
            "dropout_rates": [layer.rate for layer in m.layers if type(layer).__name__ == "Dropout"],
            "optimizer": None if getattr(m, "optimizer", None) is None else type(m.optimizer).__name__,
            "compile": m.get_compile_config()}


_p = _c["probabilities"]
_m = build_model(_p["n_features"], _p["n_classes"], hidden=(4,), dropout=0.2, l2=0.0)
nnkit.evidence.report("lab6", "test_build_model", models=[_described(**_cfg) for _cfg in _c["models"]],
                      probabilities=keras.ops.convert_to_numpy(_m(_p["x"])))
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Choosing the learning rate (5 points)
#
# Write `lr_search(learning_rates, x_train, y_train, x_val, y_val, epochs, batch_size, seed,
# **model_kwargs)`. For each rate, in the order given:
#
# 1. call `keras.utils.set_random_seed(seed)`, so that every rate starts from the **same**
#    initial weights and the same batch order (the only difference is the rate);
# 2. build a fresh model with `build_model(x_train.shape[1], n_classes, learning_rate=rate,
#    **model_kwargs)`, where `n_classes = int(y_train.max()) + 1`;
# 3. train it with `fit(x_train, y_train, validation_data=(x_val, y_val), epochs=epochs,
#    batch_size=batch_size, verbose=0)`.
#
# Return a dict mapping each rate to the `history.history` dict of its run (it holds the lists
# `"loss"` and `"val_loss"`, one value per epoch). Then write `best_learning_rate(histories)`:
# the rate whose **validation** loss at its best epoch is lowest. A run whose loss became `nan`
# (it diverged) must not win: treat non-finite losses as $+\infty$.

# %% nbgrader={"grade": false, "grade_id": "lr_search", "locked": false, "schema_version": 3, "solution": true}
def lr_search(learning_rates, x_train, y_train, x_val, y_val, epochs=20, batch_size=128, seed=0,
              **model_kwargs):
    """{rate: history.history} for one seeded model per learning rate."""
    ### BEGIN SOLUTION
    n_classes = int(np.max(y_train)) + 1
    histories = {}
    for rate in learning_rates:
        keras.utils.set_random_seed(seed)
        model = build_model(x_train.shape[1], n_classes, learning_rate=rate, **model_kwargs)
        history = model.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=epochs,
                            batch_size=batch_size, verbose=0)
        histories[rate] = history.history
    return histories
    ### END SOLUTION


def best_learning_rate(histories):
    """The rate whose lowest validation loss (non-finite counted as +inf) is the lowest."""
    ### BEGIN SOLUTION
    def score(history):
        losses = np.asarray(history["val_loss"], dtype=float)
        return np.min(np.where(np.isfinite(losses), losses, np.inf))

    return min(histories, key=lambda rate: score(histories[rate]))
    ### END SOLUTION


# %% [markdown]
# Three rates, twelve epochs each, on the standardised features, with dropout and L2:

# %%
RATES = [1e-4, 1e-3, 1e-2]
SEARCH_EPOCHS = 12
MODEL_KWARGS = dict(hidden=(128,), dropout=0.3, l2=1e-3)
histories = lr_search(RATES, Z_train, y_train, Z_val, y_val, epochs=SEARCH_EPOCHS, batch_size=128,
                      seed=0, **MODEL_KWARGS)
best_lr = best_learning_rate(histories)
print("best learning rate:", best_lr)

fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(11, 3.5), sharey=True)
plot_curves({f"lr={r:g}": h["loss"] for r, h in histories.items()}, ylabel="training loss", ax=ax0)
plot_curves({f"lr={r:g}": h["val_loss"] for r, h in histories.items()}, ylabel="validation loss",
            ax=ax1)
plt.show()

# %% nbgrader={"grade": true, "grade_id": "test_lr_search", "locked": true, "points": 3, "schema_version": 3, "solution": false}
expect(isinstance(histories, dict) and len(histories) >= 3,
       "lr_search must return a dict with one entry per rate (at least 3)")
expect(sorted(histories) == sorted(RATES),
       f"keys: expected the rates {RATES}, got {list(histories)}")
for _r, _h in histories.items():
    expect("loss" in _h and "val_loss" in _h, f"rate {_r}: the history needs 'loss' and 'val_loss'")
    expect(len(_h["val_loss"]) == SEARCH_EPOCHS,
           f"rate {_r}: expected {SEARCH_EPOCHS} validation losses, got {len(_h['val_loss'])}")
### BEGIN HIDDEN TESTS
import nnkit.evidence

_c = nnkit.evidence.challenge("lab6", "test_lr_search")
_kw = dict(hidden=tuple(_c["hidden"]), dropout=0.0, l2=0.0)
_h = lr_search(_c["rates"], _c["x"], _c["y"], _c["x_val"], _c["y_val"], epochs=_c["epochs"],
               batch_size=_c["batch_size"], seed=_c["seed"], **_kw)
keras.utils.set_random_seed(_c["seed"])  # the model each rate starts from
_m = build_model(_c["x"].shape[1], _c["n_outputs"], learning_rate=_c["rates"][0], **_kw)
nnkit.evidence.report("lab6", "test_lr_search", rates=list(_h),
                      losses=[_h[_r]["loss"] for _r in _h], val_losses=[_h[_r]["val_loss"] for _r in _h],
                      start=_m.get_weights(), layers=[type(_l).__name__ for _l in _m.layers],
                      activations=[_l.get_config().get("activation") for _l in _m.layers],
                      notebook=[[_r, _v.get("loss"), _v.get("val_loss")] for _r, _v in histories.items()])
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_best_lr", "locked": true, "points": 2, "schema_version": 3, "solution": false}
fake = {0.1: {"loss": [2.0, 1.0], "val_loss": [1.5, 1.2]},
        0.01: {"loss": [2.0, 1.5], "val_loss": [1.4, 1.1]}}
expect(best_learning_rate(fake) == 0.01,
       f"expected 0.01 (validation loss 1.1), got {best_learning_rate(fake)}")
expect(best_lr in RATES, f"best_lr should be one of {RATES}, got {best_lr}")
### BEGIN HIDDEN TESTS
import nnkit.evidence

_c = nnkit.evidence.challenge("lab6", "test_best_lr")
_picks = [best_learning_rate({_r: {"loss": _l, "val_loss": _v} for _r, _l, _v in _fake})
          for _fake in _c["fakes"]]
nnkit.evidence.report("lab6", "test_best_lr", picks=_picks, best_lr=best_lr,
                      notebook=[[_r, _v.get("loss"), _v.get("val_loss")] for _r, _v in histories.items()])
### END HIDDEN TESTS

# %% [markdown]
# ## 5. The final model, on a soundfont it has never heard (5 points)
#
# A fresh model is trained with the best rate (seeded, 30 epochs). Below its training lines,
# store the predicted class of every test note (the most probable one) in `y_pred`, the fraction
# of test notes predicted right in `test_accuracy` (a float), and
# `cm = confusion_matrix(y_test, y_pred, N_CLASSES)`.
#
# First write `confusion_matrix(y_true, y_pred, n_classes)`: an integer array of shape
# `(n_classes, n_classes)` whose entry `[i, j]` counts the notes of true class `i` predicted as
# class `j` (rows: true class), with a row and a column for every class, also one that does not
# occur. Write it with numpy: not with `sklearn.metrics.confusion_matrix` (the Setup imports it
# as `sk_confusion_matrix` for the hidden tests only), TensorFlow or pandas; the hidden tests
# check this.

# %% nbgrader={"grade": false, "grade_id": "confusion", "locked": false, "schema_version": 3, "solution": true}
def confusion_matrix(y_true, y_pred, n_classes):
    """(n_classes, n_classes) int64 counts, rows = true class, columns = predicted class."""
    ### BEGIN SOLUTION
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(cm, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return cm
    ### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "final_model", "locked": false, "schema_version": 3, "solution": true}
keras.utils.set_random_seed(0)
final_model = build_model(Z_train.shape[1], N_CLASSES, learning_rate=best_lr, **MODEL_KWARGS)
final_history = final_model.fit(Z_train, y_train, validation_data=(Z_val, y_val), epochs=30,
                                batch_size=128, verbose=0)
### BEGIN SOLUTION
y_pred = np.argmax(final_model.predict(Z_test, verbose=0), axis=1)
test_accuracy = float(np.mean(y_pred == y_test))
cm = confusion_matrix(y_test, y_pred, N_CLASSES)
### END SOLUTION
print(f"validation accuracy {final_history.history['val_accuracy'][-1]:.3f}, "
      f"test accuracy {test_accuracy:.3f} (chance {1 / N_CLASSES:.2f})")

# %%
plot_history(final_history, metrics=("loss", "accuracy"))
plt.show()
fig, ax = plt.subplots(figsize=(6, 5))
plot_confusion_matrix(cm, FAMILIES, ax=ax)
ax.set_title(f"test notes (MuseScore_General_Lite), accuracy {test_accuracy:.0%}")
plt.show()

# %% nbgrader={"grade": true, "grade_id": "test_accuracy", "locked": true, "points": 3, "schema_version": 3, "solution": false}
expect(0.0 <= test_accuracy <= 1.0, f"test_accuracy is a fraction, got {test_accuracy}")
expect(test_accuracy > 0.45,
       f"test accuracy {test_accuracy:.3f}: expected above 0.45 (chance is 0.10)")
### BEGIN HIDDEN TESTS
import nnkit.evidence
from coursedata import instruments as _instruments

_c = nnkit.evidence.challenge("lab6", "test_accuracy")
_wt, _ = _instruments.load("train")
_first = 100 * _c["chunk"]  # one chunk of features_of, as X_train was computed
_chunk = features_of(_wt[_first:_first + 100])
_pred = np.argmax(final_model.predict(np.asarray(Z_test, dtype=np.float32), verbose=0), axis=1)
nnkit.evidence.report("lab6", "test_accuracy", pred=_pred, y_pred=np.asarray(y_pred),
                      test_accuracy=test_accuracy, accuracy_type=type(test_accuracy).__name__,
                      Z_test_shape=np.shape(Z_test), Z_train_shape=np.shape(Z_train),
                      X_train_rows=np.asarray(X_train)[_first + _c["chunk_rows"]],
                      features_rows=_chunk[_c["chunk_rows"]],
                      X_train_mean=np.asarray(X_train, dtype=float).mean(axis=0),
                      X_train_std=np.asarray(X_train, dtype=float).std(axis=0),
                      X_test_rows=np.asarray(X_test)[_c["test_rows"]],
                      Z_test_rows=np.asarray(Z_test)[_c["test_rows"]],
                      model_type=type(final_model).__name__,
                      layers=[type(_l).__name__ for _l in final_model.layers],
                      learning_rate=float(np.asarray(final_model.optimizer.learning_rate)), best_lr=best_lr,
                      final_loss=final_history.history["loss"])
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "test_confusion", "locked": true, "points": 2, "schema_version": 3, "solution": false}
expect_shape(cm, (N_CLASSES, N_CLASSES), "confusion matrix")
expect_dtype(cm, "int", "confusion matrix")
expect_equal(np.sum(cm, axis=1), np.bincount(y_test, minlength=N_CLASSES),
             "row sums of the confusion matrix (the number of test notes per true class)")
expect(int(np.trace(cm)) == int(round(test_accuracy * len(y_test))),
       "the diagonal should count the correct predictions")
### BEGIN HIDDEN TESTS
import nnkit.evidence
import nnkit.grading

_c = nnkit.evidence.challenge("lab6", "test_confusion")
nnkit.evidence.report("lab6", "test_confusion", cm=cm, y_pred=np.asarray(y_pred),
                      test_accuracy=test_accuracy,
                      random=confusion_matrix(_c["y_true"], _c["y_pred"], _c["n"]),
                      one=confusion_matrix(*_c["one"]),
                      uses=nnkit.grading.library_uses(confusion_matrix, ("sklearn", "scipy", "pandas", "keras", "tensorflow", "torch", "jax")))
### END HIDDEN TESTS

# %% [markdown]
# ## Reflect (not graded)
# - The validation notes (TimGM6mb) and the test notes (MuseScore) are scored by the same model.
#   Why can the two accuracies differ so much, and what does that say about choosing a model on a
#   single held-out soundfont?
# - Which families does the confusion matrix mix up? Do they sound alike, or share a way of
#   producing sound (struck, plucked, blown, bowed)?
# - Train once with `dropout=0.0, l2=0.0`: what happens to the gap between training and
#   validation loss, and to the test accuracy?
# - Standardising with the test set's own statistics can even *raise* the test accuracy here.
#   Why is it still not allowed?
