"""Lab 6's hidden tests, judged outside the student's kernel (see autograder.engine.judge).

Each test draws its challenge from the grading run's seed; the probe in the notebook runs the
student's functions on it and reports what they returned; the checks below hold the references
(librosa's MFCCs, numpy standardisation, a numpy replay of Keras's Adam training, the confusion
counts) and the test labels, and decide. Messages say what differs, never the expected values.
"""

import numpy as np

from autograder.engine.judge import Judge
from nnkit.grading import expect, expect_close, expect_dtype, expect_equal

judge = Judge()

SUMMARIES = ("mean", "std", "delta_mean", "delta_std")
BANNED = ("sklearn", "scipy", "pandas", "keras", "tensorflow", "torch", "jax")
# the notebook's own settings, in locked cells
RATES = [1e-4, 1e-3, 1e-2]
SEARCH_EPOCHS = 12
FINAL_EPOCHS = 30
FINAL_LAYERS = ["Dense", "Dropout", "Dense"]  # build_model with MODEL_KWARGS: hidden=(128,), dropout 0.3
N_CLASSES = 10
CHUNK = 100  # features_of's chunk
MFCC_TOL = {"rtol": 1e-4, "atol": 1e-3}


# -- references ---------------------------------------------------------------------------------

def reference_mfcc(waves, sr, n_mfcc, summary):
    """MFCC statistics of ``waves`` computed in one batch, as the text describes."""
    import librosa

    m = librosa.feature.mfcc(y=np.atleast_2d(np.asarray(waves)), sr=sr, n_mfcc=n_mfcc)
    d = librosa.feature.delta(m)
    parts = {"mean": m.mean(axis=-1), "std": m.std(axis=-1),
             "delta_mean": d.mean(axis=-1), "delta_std": d.std(axis=-1)}
    return np.concatenate([parts[name] for name in summary], axis=1)


def expect_mfcc(got, waves, sr, n_mfcc, summary, what, columns=None):
    """``got`` (its ``columns``, if given) must match the MFCC statistics of ``waves`` computed
    in one batch or one note at a time (librosa's dB floor is relative to the loudest frame of
    the batch, and both readings of the text are accepted)."""
    got = np.asarray(got, dtype=float)
    waves = np.atleast_2d(np.asarray(waves))
    expect(got.ndim == 2, f"{what}: expected a 2-D array, got shape {got.shape}")
    if columns is not None:
        expect(got.shape[1] >= columns.stop, f"{what}: got shape {got.shape}")
        got = got[:, columns]
    batch = reference_mfcc(waves, sr, n_mfcc, summary)
    try:
        expect_close(got, batch, what, **MFCC_TOL)
    except AssertionError:
        if got.shape != batch.shape or len(waves) == 1:
            raise
        notes = np.concatenate([reference_mfcc(w, sr, n_mfcc, summary) for w in waves])
        expect_close(got, notes, what, **MFCC_TOL)


def reference_standardize(train, *others):
    train = np.asarray(train, dtype=float)
    mean, std = train.mean(axis=0), train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return [(np.asarray(a, dtype=float) - mean) / std for a in (train, *others)]


def _forward(params, x):
    """Activations of a Dense-ReLU stack with a softmax output: [x, h1, ..., probabilities]."""
    acts, h = [x], x
    for i in range(0, len(params), 2):
        z = h @ params[i] + params[i + 1]
        if i + 2 < len(params):
            h = np.maximum(z, 0.0)
        else:
            z = np.exp(z - z.max(axis=1, keepdims=True))
            h = z / z.sum(axis=1, keepdims=True)
        acts.append(h)
    return acts


def _loss(probabilities, y):
    p = np.clip(probabilities[np.arange(len(y)), y], 1e-7, 1 - 1e-7)
    return float(-np.mean(np.log(p)))


def reference_history(weights, x, y, x_val, y_val, learning_rate, epochs):
    """Training and validation loss per epoch of Keras's Adam on one full batch per epoch."""
    params = [np.asarray(w, dtype=float) for w in weights]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    losses, val_losses = [], []
    for t in range(1, epochs + 1):
        acts = _forward(params, x)
        losses.append(_loss(acts[-1], y))
        d = acts[-1].copy()
        d[np.arange(len(y)), y] -= 1.0
        d /= len(y)
        grads = [None] * len(params)
        for i in reversed(range(0, len(params), 2)):
            grads[i], grads[i + 1] = acts[i // 2].T @ d, d.sum(axis=0)
            d = (d @ params[i].T) * (acts[i // 2] > 0)
        alpha = learning_rate * np.sqrt(1 - 0.999**t) / (1 - 0.9**t)
        for i, g in enumerate(grads):
            m[i] += (g - m[i]) * 0.1
            v[i] += (g**2 - v[i]) * 0.001
            params[i] = params[i] - m[i] * alpha / (np.sqrt(v[i]) + 1e-7)
        val_losses.append(_loss(_forward(params, x_val)[-1], y_val))
    return losses, val_losses


def best_val_loss(val_losses):
    losses = np.asarray(val_losses, dtype=float)
    return float(np.min(np.where(np.isfinite(losses), losses, np.inf), initial=np.inf))


def reference_best(histories):
    """The rate of [[rate, loss, val_loss], ...] with the lowest validation loss of its epochs."""
    return min(histories, key=lambda run: best_val_loss(run[2]))[0]


def reference_confusion(y_true, y_pred, n_classes):
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(cm, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return cm


_labels = {}


def test_labels():
    """The test notes' true families (coursedata), loaded once."""
    if "test" not in _labels:
        from coursedata import instruments

        _labels["test"] = instruments.load("test")[1]
    return _labels["test"]


def values(ev, key, n=None):
    """``ev[key]`` as a list (of ``n`` entries, if given)."""
    got = ev[key]
    expect(isinstance(got, list), f"{key}: expected a list of results, got {type(got).__name__}")
    expect(n is None or len(got) == n, f"{key}: expected {n} results, got {len(got)}")
    return got


def array(value, what, kind="float"):
    """A reported value as a numeric array; fail with ``what`` when it is not numbers."""
    try:
        a = np.asarray(value)
        ok = a.dtype.kind in "biuf"
    except (ValueError, TypeError):
        ok = False
    expect(ok, f"{what}: expected numbers, got {type(value).__name__}")
    expect(kind != "int" or a.dtype.kind in "iu", f"{what}: expected integers, got dtype {a.dtype}")
    return a


def expect_float32(value, what):
    dtype = np.asarray(value).dtype if isinstance(value, np.ndarray) else type(value).__name__
    expect(dtype == np.float32, f"{what} must return float32, got {dtype}")


def expect_own(ev, what):
    uses = ev["uses"]
    expect(isinstance(uses, list), "uses: expected a list")
    expect(not uses, f"{what} must be written without {', '.join(BANNED)}; it uses "
                     f"{', '.join(map(str, uses))}")


# -- 1. MFCC features ---------------------------------------------------------------------------

def call_waves(c, call):
    """The waveforms one call of an MFCC challenge passes (as the probe picks them)."""
    waves, rows = c["waves"][call[0]], call[1]
    return waves if rows is None else waves[rows]


def _validation_notes(n):
    from coursedata import instruments

    return instruments.load("validation")[0][:n]  # the notes of the visible test


@judge.challenge("test_mfcc_shape")
def _(rng):
    from coursedata.render import SAMPLE_RATE

    sr = int(rng.choice([22050, 24000, 32000]))
    names = [str(s) for s in rng.permutation([n for n in SUMMARIES if n != "mean"])[:2]]
    names.insert(int(rng.integers(0, 3)), "mean")
    noise = rng.normal(0.0, 0.1, size=(2, int(rng.integers(8000, 12001))))  # float64
    return {"waves": {"val": _validation_notes(3), "noise": noise,
                      "single": rng.normal(0.0, 0.1, size=int(rng.integers(8000, 12001))).astype(np.float32)},
            # [waves, rows (None: all), sample rate, n_mfcc, summary (None: the default)]
            "calls": [["val", None, SAMPLE_RATE, 13, None],
                      ["val", [0, 1], SAMPLE_RATE, 5, list(SUMMARIES)],
                      ["val", 0, SAMPLE_RATE, 8, None],
                      ["noise", None, sr, int(rng.integers(4, 9)), names],
                      ["single", None, sr, int(rng.integers(3, 7)), ["delta_mean"]]]}


@judge.check("test_mfcc_shape")
def _(c, ev):
    got = values(ev, "features", len(c["calls"]))
    for f, call in zip(got, c["calls"]):
        waves, n, summary = call_waves(c, call), call[3], call[4]
        rows = 1 if waves.ndim == 1 else len(waves)
        shape = (rows, (2 if summary is None else len(summary)) * n)
        expect(array(f, "mfcc_features").shape == shape,
               f"mfcc_features({rows} waveform(s), n_mfcc={n}, summary={tuple(summary or ()) or 'default'}): "
               f"got shape {np.shape(f)}")
    expect_dtype(got[0], "float", "mfcc_features")
    expect_float32(got[0], "mfcc_features")
    expect_float32(got[3], "mfcc_features of float64 waveforms")
    _, _, sr, n, names = c["calls"][3]
    block = names.index("mean")
    expect_mfcc(got[3], call_waves(c, c["calls"][3]), sr, n, ["mean"],
                f"the 'mean' block of summary {tuple(names)}: one block per name, in the order given",
                columns=slice(block * n, (block + 1) * n))


@judge.challenge("test_mfcc_values")
def _(rng):
    from coursedata import instruments
    from coursedata.render import SAMPLE_RATE

    sr = int(rng.choice([22050, 24000, 44100]))
    t = np.arange(int(rng.integers(10000, 14001))) / sr
    synth = np.stack([np.sin(2 * np.pi * rng.uniform(100, 900) * t) * np.exp(-rng.uniform(0.5, 6) * t)
                      + rng.normal(0, 0.01, t.size) for _ in range(3)]).astype(np.float32)
    test_waves = instruments.load("test")[0]
    four = [str(s) for s in rng.permutation(SUMMARIES)]
    pair = [str(s) for s in rng.permutation(SUMMARIES)[:2]]
    return {"waves": {"val": _validation_notes(2), "synth": synth,
                      "test": test_waves[np.sort(rng.choice(len(test_waves), 2, replace=False))]},
            "calls": [["val", None, SAMPLE_RATE, 13, ["mean"]],
                      ["val", None, SAMPLE_RATE, 13, None],
                      ["synth", None, sr, int(rng.integers(9, 13)), four],
                      ["synth", None, sr, int(rng.integers(13, 17)), pair],
                      ["test", None, SAMPLE_RATE, 20, ["delta_mean", "mean"]],
                      ["synth", int(rng.integers(0, 3)), sr, int(rng.integers(7, 11)), ["std"]]]}


@judge.check("test_mfcc_values")
def _(c, ev):
    got = values(ev, "features", len(c["calls"]))
    val = c["waves"]["val"]
    expect_mfcc(got[0], val, c["calls"][0][2], 13, ["mean"],
                "the 'mean' block (mean of each coefficient over the frames)")
    expect_mfcc(got[1], val, c["calls"][1][2], 13, ["mean"],
                "the first block of the default summary ('mean', 'std')", columns=slice(0, 13))
    for f, call in list(zip(got, c["calls"]))[2:]:
        key, rows, sr, n, summary = call
        what = f"mfcc_features at sr={sr}, n_mfcc={n}, summary={tuple(summary)}"
        if key == "test":
            what = "mfcc_features on test notes"
        elif rows is not None:
            what = "mfcc_features of a single waveform"
        expect_mfcc(array(f, what), call_waves(c, call), sr, n, summary, what)


# -- 2. Standardisation -------------------------------------------------------------------------

@judge.challenge("test_standardize")
def _(rng):
    d = int(rng.integers(3, 6))
    scale = 10.0 ** rng.uniform(-2, 2, size=d)
    return {"A": rng.normal(5.0, 3.0, size=(int(rng.integers(10, 16)), d)) * scale,
            "B": rng.normal(-2.0, 9.0, size=(int(rng.integers(4, 8)), d)),
            "C": rng.normal(40.0, 0.5, size=(3, d))}


@judge.check("test_standardize")
def _(c, ev):
    # the visible part: the notebook's Z_train and Z_test
    shapes = {k: tuple(ev[k]) for k in ("Z_train_shape", "X_train_shape", "Z_test_shape", "X_test_shape")}
    for what in ("train", "test"):
        z, x = shapes[f"Z_{what}_shape"], shapes[f"X_{what}_shape"]
        expect(z == x, f"standardised {what} set: got shape {z}, the features have {x}")
    expect_float32(ev["Z_train_head"], "standardize")
    d = shapes["X_train_shape"][1]
    expect_close(ev.array("Z_train_mean"), np.zeros(d), "column means of the standardised training set",
                 atol=1e-4)
    expect_close(ev.array("Z_train_std"), np.ones(d), "column stds of the standardised training set",
                 atol=1e-4)
    # three arrays of the challenge
    out = values(ev, "out")
    expect(len(out) == 3, f"standardize(train, a, b) must return 3 arrays, got {len(out)}")
    want = reference_standardize(c["A"], c["B"], c["C"])
    for got, ref, what in zip(out, want, ("standardised training set",
                                          "second array, scaled with the training statistics",
                                          "third array, scaled with the training statistics")):
        expect_close(array(got, what), ref, what, rtol=1e-5, atol=1e-5)
    expect_equal(ev.array("A_after"), c["A"], "standardize must not modify the training set")
    expect_equal(ev.array("B_after"), c["B"], "standardize must not modify the other arrays")
    expect_own(ev, "standardize")


@judge.challenge("test_standardize_edge")
def _(rng):
    d = int(rng.integers(3, 6))
    A = rng.normal(size=(int(rng.integers(6, 13)), d)).astype(np.float32)
    A[:, int(rng.integers(0, d))] = rng.integers(-20, 21) / 4  # a constant column, exact in float32
    return {"A": A, "B": rng.normal(size=(1, d)).astype(np.float32)}  # B: a single later example


@judge.check("test_standardize_edge")
def _(c, ev):
    ref_A, ref_B = reference_standardize(c["A"], c["B"])
    expect_close(array(ev["As"], "As"), ref_A, "training set with a constant column", rtol=1e-5, atol=1e-5)
    expect_close(array(ev["Bs"], "Bs"), ref_B, "one later example, constant column divided by 1",
                 rtol=1e-5, atol=1e-5)
    expect_float32(ev["Bs"], "standardize")
    alone = ev["alone"]
    expect(isinstance(alone, list) and len(alone) == 1, "standardize(train) alone must return a "
                                                        "tuple of one array")
    expect_close(array(alone[0], "standardize(train)"), ref_A, "standardize(train) alone",
                 rtol=1e-5, atol=1e-5)
    expect_own(ev, "standardize")


# -- 3. The model -------------------------------------------------------------------------------

def _config(rng, hidden, dropout, l2, learning_rate, features, classes):
    return {"n_features": int(rng.integers(*features)), "n_classes": int(rng.integers(*classes)),
            "hidden": [int(w) for w in hidden], "dropout": float(dropout), "l2": float(l2),
            "learning_rate": float(learning_rate)}


@judge.challenge("test_build_model")
def _(rng):
    visible = {"n_features": 80, "n_classes": 10, "hidden": [64], "dropout": 0.5, "l2": 0.01,
               "learning_rate": 0.002}
    deep = _config(rng, rng.integers(4, 17, size=2), rng.choice([0.1, 0.25, 0.4]),
                   rng.choice([1e-4, 3e-4, 1e-3]), rng.choice([0.003, 0.01, 0.03]), (5, 10), (3, 7))
    plain = _config(rng, rng.integers(3, 9, size=1), 0.0, 0.0, rng.choice([1e-4, 3e-4]), (2, 5), (2, 4))
    n = int(rng.integers(4, 8))
    return {"models": [visible, deep, plain],
            "probabilities": {"n_features": n, "n_classes": int(rng.integers(3, 6)),
                              "x": rng.normal(size=(int(rng.integers(2, 5)), n)).astype(np.float32)}}


def _check_model(m, cfg):
    hidden, dropout, l2, lr = cfg["hidden"], cfg["dropout"], cfg["l2"], cfg["learning_rate"]
    want = []
    for _ in hidden:
        want += ["Dense"] + (["Dropout"] if dropout > 0 else [])
    want.append("Dense")
    expect(m["kinds"] == want, f"layers for hidden={tuple(hidden)}, dropout={dropout}: got {m['kinds']}")
    expect(m["input_shape"] == [None, cfg["n_features"]], f"input shape: got {m['input_shape']}")
    expect(m["units"] == [*hidden, cfg["n_classes"]], "widths of the Dense layers")
    acts = m["activations"]
    expect(acts == ["relu"] * len(hidden) + ["softmax"], f"activations: got {acts}")
    for reg in m["kernel_regularizers"]:
        if l2 > 0:
            strength = reg.get("l2", -1) if isinstance(reg, dict) else -1
            expect(isinstance(strength, (int, float)) and abs(strength - l2) < 1e-6 * l2,
                   "every Dense layer needs an L2 kernel regulariser of strength l2")
        else:
            expect(reg is None, "l2=0: no regulariser")
    expect(all(reg is None for reg in m["bias_regularizers"]), "regularise the kernels only")
    for rate in m["dropout_rates"]:
        expect(abs(rate - dropout) < 1e-9, f"dropout rate: got {rate}")
    cfg_c = m["compile"] if isinstance(m["compile"], dict) else {}
    optimizer = cfg_c.get("optimizer") if isinstance(cfg_c.get("optimizer"), dict) else {}
    expect(optimizer.get("class_name") == "Adam", "optimizer: Adam")
    got_lr = (optimizer.get("config") or {}).get("learning_rate")
    expect(isinstance(got_lr, (int, float)) and abs(got_lr - lr) < 1e-6 * lr,
           f"learning rate {lr}: got {got_lr}")
    loss = cfg_c.get("loss")
    expect(loss == "sparse_categorical_crossentropy"
           or isinstance(loss, dict) and loss.get("config") == "sparse_categorical_crossentropy"
           and loss.get("class_name") == "function", "loss: sparse categorical cross-entropy")
    expect("accuracy" in list(cfg_c.get("metrics") or []), "metrics: accuracy")


@judge.check("test_build_model")
def _(c, ev):
    models = values(ev, "models", len(c["models"]))
    for m in models:
        expect(isinstance(m, dict), "models: the test's report is not a set of values")
    visible = models[0]
    cfg = c["models"][0]
    expect(visible["kinds"] == ["Dense", "Dropout", "Dense"],
           f"layers: expected Dense, Dropout, Dense; got {visible['kinds']}")
    n, h, k = cfg["n_features"], cfg["hidden"][0], cfg["n_classes"]
    expect(visible["params"] == n * h + h + h * k + k, f"got {visible['params']} parameters")
    expect(visible["optimizer"] is not None, "build_model must compile the model")
    for m, cfg in zip(models[1:], c["models"][1:]):
        _check_model(m, cfg)
    p = c["probabilities"]
    probabilities = ev.array("probabilities", shape=(len(p["x"]), p["n_classes"]))
    expect_close(probabilities.sum(axis=1), np.ones(len(p["x"])), "the outputs are class probabilities",
                 rtol=1e-5)


# -- 4. Choosing the learning rate --------------------------------------------------------------

def _labels_of(x):
    y = (np.where(x[:, 0] > 0, 2, 0) + (x[:, 1] > 1.0)).astype(np.int64)
    y[y == 1] = 0  # class 1 absent: still 4 outputs (n_classes from the largest label)
    return y


def _notebook_histories(ev):
    """The notebook's ``histories`` as the probe reported them: [[rate, loss, val_loss], ...]."""
    runs = values(ev, "notebook")
    expect(len(runs) >= 3, "lr_search must return a dict with one entry per rate (at least 3)")
    for run in runs:
        expect(isinstance(run, list) and len(run) == 3, "histories: the test's report is not a set of values")
    return runs


@judge.challenge("test_lr_search")
def _(rng):
    n, n_val = int(rng.integers(150, 251)), int(rng.integers(40, 81))
    x = rng.normal(size=(n, 5)).astype(np.float32)
    x[0, :2] = [abs(x[0, 0]) + 0.5, 1.5]  # class 3 occurs
    x_val = rng.normal(size=(n_val, 5)).astype(np.float32)
    return {"x": x, "y": _labels_of(x), "x_val": x_val, "y_val": _labels_of(x_val),
            "rates": [float(r) for r in rng.choice([0.001, 0.003, 0.01, 0.03, 0.1], 2, replace=False)],
            "hidden": [int(rng.choice([6, 8, 10]))], "epochs": int(rng.integers(2, 4)),
            "batch_size": n,  # one batch per epoch: the judge replays the training exactly
            "seed": int(rng.integers(0, 1000)), "n_outputs": 4}


@judge.check("test_lr_search")
def _(c, ev):
    # the visible part: the notebook's search
    runs = _notebook_histories(ev)
    got = [run[0] for run in runs]
    expect(sorted(got, key=str) == sorted(RATES, key=str) and sorted(got) == sorted(RATES),
           f"keys: expected the rates {RATES}, got {got}")
    for rate, loss, val_loss in runs:
        expect(isinstance(loss, list) and isinstance(val_loss, list),
               f"rate {rate}: the history needs 'loss' and 'val_loss'")
        expect(len(val_loss) == SEARCH_EPOCHS,
               f"rate {rate}: expected {SEARCH_EPOCHS} validation losses, got {len(val_loss)}")
    # the challenge
    rates = values(ev, "rates")
    expect(sorted(rates) == sorted(c["rates"]), f"keys: expected {c['rates']}, got {rates}")
    losses, val_losses = values(ev, "losses", len(rates)), values(ev, "val_losses", len(rates))
    start = values(ev, "start")
    width, classes = c["hidden"][0], c["n_outputs"]
    shapes = [(c["x"].shape[1], width), (width,), (width, classes), (classes,)]
    expect(len(start) == 4 and all(np.shape(w) == s for w, s in zip(start, shapes)),
           f"build_model({c['x'].shape[1]}, {classes}, hidden={tuple(c['hidden'])}): unexpected weights")
    replay = ev["layers"] == ["Dense", "Dense"] and ev["activations"] == ["relu", "softmax"]
    first = {}
    for rate, loss, val_loss in zip(rates, losses, val_losses):
        loss = array(loss, f"rate {rate}: loss")
        val_loss = array(val_loss, f"rate {rate}: val_loss")
        expect(loss.shape == val_loss.shape == (c["epochs"],),
               f"rate {rate}: expected one loss per epoch, got {loss.shape} and {val_loss.shape}")
        first[rate] = loss
        if replay:
            ref_loss, ref_val = reference_history(start, c["x"], c["y"], c["x_val"], c["y_val"],
                                                  rate, c["epochs"])
            what = "(seeded again, a fresh model with its own learning rate)"
            expect_close(loss, ref_loss, f"rate {rate}: training loss {what}", rtol=1e-4, atol=1e-5)
            expect_close(val_loss, ref_val, f"rate {rate}: validation loss {what}", rtol=1e-4, atol=1e-5)
    if not replay:  # build_model is wrong (test_build_model says how): compare the runs instead
        a, b = (first[r] for r in c["rates"])
        expect(abs(a[0] - b[0]) <= 1e-5 * abs(a[0]), "every rate must start from the same seeded "
                                                      "fresh model (first epoch's loss)")
    a, b = (first[r] for r in c["rates"])
    expect(float(np.max(np.abs(a - b))) > 1e-6, "each rate must train with its own learning rate")


@judge.challenge("test_best_lr")
def _(rng):
    nan, inf = float("nan"), float("inf")
    visible = [[0.1, [2.0, 1.0], [1.5, 1.2]], [0.01, [2.0, 1.5], [1.4, 1.1]]]
    pool = [3.0, 1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001, 3e-4, 1e-4]
    a, b, c, d = (float(r) for r in rng.choice(pool, 4, replace=False))
    e = int(rng.integers(3, 6))
    dip = int(rng.integers(1, e - 1))
    best, last_c = rng.uniform(0.5, 0.6), rng.uniform(0.65, 0.75)
    val_b = list(rng.uniform(0.8, 1.0, e))
    val_b[dip], val_b[-1] = best, rng.uniform(0.8, 1.0)
    four = [[a, list(np.geomspace(0.5, 0.01, e)), list(np.linspace(1.0, 3.0, e) + rng.uniform(0, 0.05))],
            [b, list(np.linspace(1.0, 0.8, e)), val_b],  # lowest at its best epoch
            [c, list(np.linspace(1.2, 1.0, e)), list(np.linspace(1.1, last_c, e))],  # best last
            [d, [1.0] + [nan] * (e - 1), [5.0] + [nan] * (e - 1)]]  # diverged
    three = [[1e-4, [1.0], [0.7]], [1.0, [nan], [nan]], [1e-2, [0.5], [0.7 + rng.uniform(0.005, 0.05)]]]
    diverged_first = [[1.0, [nan, nan], [nan, inf]], [0.1, [1.0, 0.5], [0.9, rng.uniform(0.5, 0.85)]]]
    return {"fakes": [visible, [four[i] for i in rng.permutation(4)],
                      [three[i] for i in rng.permutation(3)], diverged_first]}


@judge.check("test_best_lr")
def _(c, ev):
    picks = values(ev, "picks", len(c["fakes"]))
    expect(picks[0] == reference_best(c["fakes"][0]),
           f"best_learning_rate on the example above: got {picks[0]}")
    expect(picks[1] == reference_best(c["fakes"][1]),
           "best_learning_rate: pick by the lowest validation loss over the epochs")
    expect(picks[2] == reference_best(c["fakes"][2]), "a diverged (nan) run must not win")
    expect(picks[3] == reference_best(c["fakes"][3]), "a diverged (nan, inf) run must not win, even first")
    runs = _notebook_histories(ev)
    best_lr = ev["best_lr"]
    expect(best_lr in RATES, f"best_lr should be one of {RATES}, got {best_lr}")
    expect(sorted(run[0] for run in runs) == sorted(RATES), "histories: one entry per rate")
    expect(best_lr == reference_best([[r, None, array(v, "val_loss")] for r, _, v in runs]),
           "best_lr must come from your search")


# -- 5. The final model -------------------------------------------------------------------------

@judge.challenge("test_accuracy")
def _(rng):
    return {"chunk": int(rng.integers(0, 20)),  # one of features_of's chunks of training notes
            "chunk_rows": np.sort(rng.choice(CHUNK, 20, replace=False)),
            "test_rows": np.sort(rng.choice(500, 40, replace=False))}


@judge.check("test_accuracy")
def _(c, ev):
    labels = test_labels()
    accuracy = ev["test_accuracy"]
    expect(isinstance(accuracy, (int, float)) and not isinstance(accuracy, bool),
           f"test_accuracy must be a number, got {type(accuracy).__name__}")
    expect(0.0 <= accuracy <= 1.0, f"test_accuracy is a fraction, got {accuracy}")
    expect(accuracy > 0.45, f"test accuracy {accuracy:.3f}: expected above 0.45 (chance is 0.10)")
    z_test, z_train = ev["Z_test_shape"], ev["Z_train_shape"]
    expect(isinstance(z_train, list) and len(z_train) == 2 and z_test == [len(labels), z_train[1]],
           f"standardised test features: got shape {z_test}")
    pred = ev.array("pred", shape=(len(labels),), kind="int")
    acc = float(np.mean(pred == labels))
    expect(abs(acc - accuracy) < 1e-6, "test_accuracy must be the final model's accuracy on the test notes")
    expect(acc > 0.45, f"the final model's test accuracy is {acc:.3f}, expected above 0.45")
    expect(ev["accuracy_type"] in ("float", "float64"), "test_accuracy is a float")
    expect_equal(ev.array("y_pred", kind="int"), pred, "y_pred: the final model's most probable classes")
    # the features and the model are the ones this notebook built: its MFCCs, standardised with
    # the training statistics, and build_model's network trained with the chosen rate
    expect_close(ev.array("X_train_rows"), ev.array("features_rows"),
                 "X_train: the features of the training notes", rtol=1e-5, atol=1e-5)
    mu, sd = ev.array("X_train_mean"), ev.array("X_train_std")
    expect_close(ev.array("Z_test_rows"), (ev.array("X_test_rows") - mu) / np.where(sd > 0, sd, 1.0),
                 "Z_test: the test features standardised with the training statistics",
                 rtol=1e-4, atol=1e-4)
    expect(ev["model_type"] == "Sequential" and ev["layers"] == FINAL_LAYERS,
           "final_model: the network of build_model with MODEL_KWARGS")
    expect_close(ev.number("learning_rate"), ev.number("best_lr"),
                 "final_model's learning rate: the best one found", rtol=1e-6)
    loss = ev["final_loss"]
    expect(isinstance(loss, list) and len(loss) == FINAL_EPOCHS, "final_model trained for 30 epochs")


@judge.challenge("test_confusion")
def _(rng):
    n = int(rng.integers(5, 9))
    t = rng.integers(0, n - 1, size=int(rng.integers(30, 51)))
    absent = int(rng.integers(0, n - 1))
    t[t == absent] = n - 2 if absent != n - 2 else 0  # one class never occurs as a true class
    p = rng.integers(0, n, size=len(t))
    p[:3] = rng.permutation(n)[:3]
    k = int(rng.integers(2, 5))
    return {"n": n, "y_true": t, "y_pred": p,
            "one": [np.array([int(rng.integers(0, k))]), np.array([int(rng.integers(0, k))]), k]}


@judge.check("test_confusion")
def _(c, ev):
    labels = test_labels()
    cm = ev["cm"]
    expect_dtype(array(cm, "cm"), "int", "confusion matrix")
    cm = ev.array("cm", shape=(N_CLASSES, N_CLASSES), kind="int")
    expect_equal(cm.sum(axis=1), np.bincount(labels, minlength=N_CLASSES),
                 "row sums of the confusion matrix (the number of test notes per true class)")
    accuracy = ev.number("test_accuracy")
    expect(int(np.trace(cm)) == int(round(accuracy * len(labels))),
           "the diagonal should count the correct predictions")
    got = array(ev["random"], "confusion_matrix")
    expect_equal(got, reference_confusion(c["y_true"], c["y_pred"], c["n"]),
                 "confusion matrix (rows = true class), with an absent class")
    t, p, k = c["one"]
    expect_equal(array(ev["one"], "confusion_matrix"), reference_confusion(t, p, k),
                 "confusion matrix of one example")
    expect_dtype(got, "int", "confusion matrix")
    y_pred = ev.array("y_pred", shape=labels.shape, kind="int")
    expect(y_pred.min() >= 0 and y_pred.max() < N_CLASSES, "y_pred: classes 0 to 9")
    expect_equal(cm, reference_confusion(labels, y_pred, N_CLASSES),
                 "cm: the confusion matrix of the final model's test predictions")
    expect_own(ev, "confusion_matrix")
