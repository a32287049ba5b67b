"""Lab 5's hidden tests, judged outside the student's kernel (see autograder.engine.judge).

Each test draws its challenge from the grading run's seed. The probe in the notebook builds the
student's models, drives the student's callbacks over the challenge's scripted epochs and over
real fits of the notebook's tiny network on the challenge's data, and reports what came back as
data: layer structure, recorded losses, stopping epochs, weights, learning rates, gaps and
predictions. The checks below hold the rules and decide; they recompute what they can (model
sizes, Keras' early-stopping rule, the step decay, a network's cross-entropy from its weights).
Messages say what differs, never the expected values.
"""

import numpy as np

from autograder.engine.judge import Judge
from nnkit.grading import expect, expect_close, expect_equal

judge = Judge()


# -- references ---------------------------------------------------------------------------------

def n_params(n_inputs, n_classes, hidden):
    sizes = [n_inputs, *hidden, n_classes]
    return sum(a * b + b for a, b in zip(sizes, sizes[1:]))


def stop_epoch(values, patience, delta=0.0, mode="min"):
    """Keras' EarlyStopping over ``values``: (epochs run, best epoch) or, when it never stops,
    (None, best epoch). Comparisons in float32, as ``keras.ops.less`` makes them."""
    best, best_epoch, wait = None, 0, 0
    for epoch, value in enumerate(values):
        wait += 1
        if mode == "min":
            better = best is None or np.float32(value + delta) < np.float32(best)
        else:
            better = best is None or np.float32(value - delta) > np.float32(best)
        if better:
            best, best_epoch, wait = value, epoch, 0
        elif wait >= patience and epoch > 0:
            return epoch + 1, best_epoch
    return None, best_epoch


def scripted(values, patience, **kwargs):
    """(epochs run, the epoch whose weights the model ends with) over scripted values."""
    ran, best = stop_epoch(values, patience, **kwargs)
    return (len(values) if ran is None else ran), best


def step(initial_lr, drop, epochs_per_drop, epoch):
    return initial_lr * drop ** (epoch // epochs_per_drop)


def forward(weights, X):
    """Class probabilities of a Dense(relu) - [Dropout] - Dense(softmax) net in inference mode."""
    W1, b1, W2, b2 = (np.asarray(w, dtype=float) for w in weights)
    z = np.maximum(np.asarray(X, dtype=float) @ W1 + b1, 0.0) @ W2 + b2
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def mean_ce(P, y, clip):
    """Mean cross-entropy of the true classes, with Keras' clipping at 1e-7 or the plain log."""
    p = P[np.arange(len(y)), y]
    with np.errstate(divide="ignore"):
        return -np.mean(np.log(np.clip(p, 1e-7, 1 - 1e-7) if clip else p))


def gaps_of(Ps, ys):
    """The gap, val minus training mean cross-entropy, with and without clipping."""
    (P_train, P_val), (y_train, y_val) = Ps, ys
    return [mean_ce(P_val, y_val, clip) - mean_ce(P_train, y_train, clip) for clip in (True, False)]


def expect_gap(got, candidates, what):
    """``got`` must be one number matching one of the accepted computations of the gap."""
    expect(np.ndim(got) == 0, f"{what}: the gap should be one number, got shape {np.shape(got)}")
    problems = []
    for want in candidates:
        try:
            expect_close(got, want, what, rtol=1e-4, atol=1e-5)
            return
        except AssertionError as err:
            problems.append(str(err))
    raise AssertionError(problems[0])


def tiny_data(rng, n_train, n_val):
    """A noisy XOR problem in 2-D, like the notebook's tiny problem."""
    X = rng.normal(size=(n_train + n_val, 2)).astype(np.float32)
    y = ((X[:, 0] * X[:, 1] > 0) ^ (rng.random(n_train + n_val) < 0.1)).astype(np.int64)
    return {"X": X[:n_train], "y": y[:n_train], "X_val": X[n_train:], "y_val": y[n_train:]}


def digits_split():
    """The notebook's 100 training and 400 validation digits."""
    from sklearn.model_selection import train_test_split

    from coursedata.toy import load_digits

    X, y = load_digits()
    return train_test_split(X / 16.0, y, train_size=100, test_size=400, random_state=0, stratify=y)


def part(ev, key):
    value = ev[key]
    expect(isinstance(value, dict), f"{key}: the test's report is not a set of values")
    return value


def runs(ev, key, n):
    value = ev[key]
    expect(isinstance(value, list) and len(value) == n, f"{key}: one report per case expected")
    return value


def classes(value):
    """A reported list of class names (a class and its bases), or an empty list."""
    return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else []


def numbers(value, what):
    """A reported list of numbers (or arrays) as one flat float array."""
    try:
        parts = value if isinstance(value, list) else [value]
        flat = [np.ravel(np.asarray(v, dtype=float)) for v in parts]
        return np.concatenate(flat) if flat else np.zeros(0)
    except (TypeError, ValueError):
        raise AssertionError(f"{what}: expected numbers") from None


# -- 1. build_model -----------------------------------------------------------------------------

def _layers(model, what):
    expect(isinstance(model, dict) and isinstance(model.get("kinds"), list),
           f"{what}: the model's description was not reported")
    return model


def _l2(regularizer):
    return regularizer.get("l2") if isinstance(regularizer, dict) else None


@judge.challenge("test_build_model")
def _(rng):
    def hidden(n):
        return [int(u) for u in rng.integers(2, 40, size=n)]

    return {"calls": [
        [int(rng.integers(20, 70)), int(rng.integers(3, 12)), {"hidden": hidden(2)}],
        [int(rng.integers(3, 12)), int(rng.integers(2, 6)),
         {"hidden": hidden(3), "activation": str(rng.choice(["tanh", "sigmoid", "elu"])),
          "learning_rate": float(rng.choice([0.004, 0.0005, 0.002, 0.01, 0.03]))}],
        [int(rng.integers(2, 9)), int(rng.integers(2, 5)), {"hidden": []}]]}


@judge.check("test_build_model")
def _(c, ev):
    for (n_in, n_out, kw), model in zip(c["calls"], runs(ev, "models", len(c["calls"]))):
        hidden, activation = kw["hidden"], kw.get("activation", "relu")
        what = "no hidden layer" if not hidden else f"build_model with hidden={tuple(hidden)}"
        m = _layers(model, what)
        expect_equal(m["kinds"], ["Dense"] * (len(hidden) + 1), f"{what}: layer types")
        expect_equal(m.get("units"), [*hidden, n_out], f"{what}: units")
        expect_equal(m.get("activations"), [activation] * len(hidden) + ["softmax"],
                     f"{what}: activations")
        expect_equal(m.get("params"), n_params(n_in, n_out, hidden), f"{what}: number of parameters")
        optimizer = classes(m.get("optimizer"))
        expect("Adam" in optimizer, f"{what}: the optimizer should be Adam, got {(optimizer or ['?'])[0]}")
        if "learning_rate" in kw:
            expect_close(m.get("learning_rate"), kw["learning_rate"], f"{what}: learning rate", rtol=1e-6)
        expect("sparsecategoricalcrossentropy" in str(m.get("loss")).lower().replace("_", ""),
               "the loss should be sparse categorical cross-entropy")
        expect("accuracy" in str(m.get("metrics")), "the metrics should include accuracy")


@judge.challenge("test_build_model_regularized")
def _(rng):
    def hidden(n):
        return [int(u) for u in rng.integers(2, 40, size=n)]

    def l2():
        return float(rng.choice([1e-4, 1e-3, 0.01, 0.07, 0.5]))

    def rate():
        return float(rng.choice([0.1, 0.2, 0.25, 0.3, 0.6, 0.7]))  # never 0.5 = 1 - 0.5

    full = {"hidden": hidden(int(rng.integers(2, 4))), "l2": l2(), "dropout": rate()}
    if rng.random() < 0.5:
        full["activation"] = str(rng.choice(["tanh", "sigmoid", "relu"]))
    return {"calls": [[int(rng.integers(5, 70)), int(rng.integers(2, 12)), full],
                      [int(rng.integers(5, 20)), int(rng.integers(2, 6)),
                       {"hidden": hidden(int(rng.integers(1, 3))), "l2": l2()}],
                      [int(rng.integers(5, 20)), int(rng.integers(2, 6)),
                       {"hidden": hidden(int(rng.integers(1, 3))), "dropout": rate()}]]}


@judge.check("test_build_model_regularized")
def _(c, ev):
    for (n_in, n_out, kw), model in zip(c["calls"], runs(ev, "models", len(c["calls"]))):
        hidden, l2, rate = kw["hidden"], kw.get("l2", 0.0), kw.get("dropout", 0.0)
        what = f"build_model with l2={l2}, dropout={rate}"
        m = _layers(model, what)
        kinds = (["Dense", "Dropout"] if rate > 0 else ["Dense"]) * len(hidden) + ["Dense"]
        expect_equal(m["kinds"], kinds, f"{what}: layer types")
        regs, biases, rates = m.get("kernel_regularizer"), m.get("bias_regularizer"), m.get("rates")
        expect(all(isinstance(v, list) and len(v) == len(kinds) for v in (regs, biases, rates)),
               f"{what}: the layers' regularisers and rates were not reported")
        dense = [i for i, kind in enumerate(kinds) if kind == "Dense"]
        for i in dense[:-1]:
            if l2 > 0:
                expect(regs[i] is not None, f"{what}: L2 on every hidden kernel")
                expect(_l2(regs[i]) is not None, f"{what}: the hidden kernels' regulariser is not L2")
                expect_close(_l2(regs[i]), l2, f"{what}: L2 factor")
            else:
                expect(regs[i] is None, f"{what}: no regularizer when l2 = 0")
            expect(biases[i] is None, f"{what}: biases are not regularised")
            if rate > 0:
                expect(rates[i + 1] is not None, f"{what}: dropout rate")
                expect_close(rates[i + 1], rate, f"{what}: dropout rate")
        expect(regs[-1] is None, f"{what}: the output layer must not be regularised")
        expect_equal(m.get("params"), n_params(n_in, n_out, hidden),
                     f"{what}: number of parameters (regularisers add none)")


# -- 2. BatchLossRecorder -----------------------------------------------------------------------

@judge.challenge("test_batch_loss")
def _(rng):
    rounds = []
    for _ in range(2):  # a second fit starts a new record
        sizes = [int(n) for n in rng.integers(1, 4, size=int(rng.integers(2, 5)))]
        sizes[int(rng.integers(len(sizes)))] = int(rng.integers(2, 4))
        rounds.append({"batches": [[round(float(v), 4) for v in rng.uniform(0.1, 2.0, n)] for n in sizes],
                       "epoch_loss": [round(float(v), 4) for v in rng.uniform(0.1, 2.0, len(sizes))]})
    fit = tiny_data(rng, 8 * int(rng.integers(4, 8)), 16)
    fit["epochs"] = int(rng.integers(2, 4))
    return {"rounds": rounds, "fit": fit}


@judge.check("test_batch_loss")
def _(c, ev):
    for k, (scripted_round, got) in enumerate(zip(c["rounds"], runs(ev, "rounds", len(c["rounds"])))):
        want = [v for batch in scripted_round["batches"] for v in batch]
        what = "recorded losses, batch after batch" + (" (a second fit starts a new record)" if k else "")
        expect_close(numbers(got, what), want, what, rtol=1e-6)
    fit = part(ev, "fit")
    epochs, steps = c["fit"]["epochs"], len(c["fit"]["y"]) // 8
    losses, history = numbers(fit.get("batch_losses"), "batch_losses"), numbers(fit.get("loss"), "loss")
    expect(len(losses) == epochs * steps,
           f"number of recorded losses in a fit of {epochs} epochs of {steps} batches: got {len(losses)}")
    expect_close(losses[steps - 1::steps], history,
                 "the last recorded loss of each epoch should be the epoch's loss", rtol=1e-5)


# -- 3. StopAtAccuracy --------------------------------------------------------------------------

def _sixteenths(rng, low, high, n):
    return [int(k) / 16 for k in rng.integers(low, high, size=n)]


@judge.challenge("test_stop_at_accuracy")
def _(rng):
    cases = []
    # the validation accuracy reaches the target exactly, after the training accuracy passed it
    k, at = int(rng.integers(9, 15)), int(rng.integers(1, 4))
    val = _sixteenths(rng, 4, k, at) + [k / 16] + _sixteenths(rng, 4, 17, 2)
    train = _sixteenths(rng, k, 17, len(val))
    cases.append({"target": k / 16, "monitor": None,
                  "logs": [{"accuracy": a, "val_accuracy": v} for a, v in zip(train, val)]})
    # never reached
    val = _sixteenths(rng, 4, 17, 5)
    cases.append({"target": float(max(val) + 0.01 + rng.random() / 10), "monitor": None,
                  "logs": [{"accuracy": 1.0, "val_accuracy": v} for v in val]})
    # a custom monitor: the training accuracy, which the validation accuracy passes first
    k, at = int(rng.integers(9, 15)), int(rng.integers(2, 4))
    train = _sixteenths(rng, 4, k, at) + _sixteenths(rng, k, 17, 3)
    val = _sixteenths(rng, k, 17, len(train))
    cases.append({"target": k / 16, "monitor": "accuracy",
                  "logs": [{"accuracy": a, "val_accuracy": v} for a, v in zip(train, val)]})
    # epochs without the monitored value are ignored
    k = int(rng.integers(6, 12))
    cases.append({"target": k / 16, "monitor": "val_auc",
                  "logs": [{"loss": 1.0}, {"val_auc": (k - int(rng.integers(1, 4))) / 16},
                           {"loss": 0.9}, {"val_auc": (k + int(rng.integers(0, 3))) / 16}]})
    fit = tiny_data(rng, 48, 16)
    fit["target"] = float(rng.choice([0.75, 0.8125, 0.875, 0.9375]))
    return {"cases": cases, "fit": fit}


def _first_reaching(logs, monitor, target):
    return next((epoch for epoch, log in enumerate(logs)
                 if monitor in log and log[monitor] >= target), None)


@judge.check("test_stop_at_accuracy")
def _(c, ev):
    messages = ["stop at the first epoch whose val_accuracy reaches the target",
                "never stop below the target", "a custom monitor",
                "epochs without the monitored value are ignored"]
    for case, got, message in zip(c["cases"], runs(ev, "cases", len(c["cases"])), messages):
        want = _first_reaching(case["logs"], case["monitor"] or "val_accuracy", case["target"])
        expect(isinstance(got, dict), "the test's report is not a set of values")
        expect(got.get("stopped_at") == want, f"{message}: training stopped at the wrong epoch")
        expect(got.get("stopped_epoch") == want, f"{message}: stopped_epoch")
    fit = part(ev, "fit")
    val_acc = numbers(fit.get("val_accuracy"), "val_accuracy").tolist()
    target = c["fit"]["target"]
    first = next((epoch for epoch, acc in enumerate(val_acc) if acc >= target), None)
    expect(len(val_acc) == (10 if first is None else first + 1),
           f"in a fit, training should stop at the first epoch with val_accuracy >= {target}; "
           f"it ran {len(val_acc)} epochs")
    expect(fit.get("stopped_epoch") == first,
           "in a fit, stopped_epoch should be the epoch training stopped at (None if it never did)")


# -- 4. Early stopping --------------------------------------------------------------------------

def _script(rng, n):
    """Validation losses whose improvements are all at least 0.06 (so any min_delta <= 0.05
    sees them) and whose other values are never below the best so far."""
    val = [float(rng.uniform(0.8, 1.2))]
    best = val[0]
    for _ in range(n - 1):
        if rng.random() < 0.4:
            best -= float(rng.uniform(0.06, 0.2))
            val.append(best)
        else:
            val.append(best + float(rng.uniform(0.01, 0.4)))
    return [round(v, 4) for v in val]


def _discriminates(val, train, patiences):
    """Whether the script tells the right EarlyStopping from the usual wrong ones."""
    want = [scripted(val, p) for p in patiences]
    wrong = [[(ran, ran - 1) for ran, _ in want],            # restore_best_weights=False
             [scripted(train, p) for p in patiences],        # monitors the training loss
             [scripted(val, p, mode="max") for p in patiences],
             [scripted(val, 2) for _ in patiences],          # a fixed patience
             [scripted(val, p, delta=0.15) for p in patiences]]
    return all(w != want for w in wrong) and len(set(want)) > 1


@judge.challenge("test_early_stopping")
def _(rng):
    n = 14
    train = [round(1.0 / (epoch + 1), 4) for epoch in range(n)]  # always falling
    while True:
        val = _script(rng, n)
        patiences = sorted(int(p) for p in rng.choice(np.arange(1, 7), 4, replace=False))
        if _discriminates(val, train, patiences):
            break
    fit = tiny_data(rng, 48, 16)
    fit["patience"] = int(rng.integers(1, 4))
    return {"val_loss": val, "loss": train, "patiences": patiences, "fit": fit}


def _accepted(val, patience, epochs):
    """(epochs run, best epoch) of EarlyStopping with every min_delta in [0, 0.05]."""
    deltas = {0.0, 0.05}
    for i in range(len(val)):
        for j in range(len(val)):
            d = val[i] - val[j]
            if 0 < d <= 0.05:
                deltas.update({max(d - 1e-6, 0.0), min(d + 1e-6, 0.05)})
    found = set()
    for d in deltas:
        ran, best = stop_epoch(val, patience, delta=d)
        found.add((epochs if ran is None else ran, best))
    return found


@judge.check("test_early_stopping")
def _(c, ev):
    for patience, got in zip(c["patiences"], runs(ev, "cases", len(c["patiences"]))):
        expect(isinstance(got, dict), "the test's report is not a set of values")
        kinds = classes(got.get("classes"))
        expect("EarlyStopping" in kinds, f"expected an EarlyStopping, got {(kinds or ['?'])[0]}")
        ran, best = scripted(c["val_loss"], patience)
        expect(got.get("ran") == ran, f"patience {patience}: stops after the right number of epochs "
                                      "without improvement of the validation loss")
        expect(got.get("weights") == best, f"patience {patience}: ends with the weights of the best epoch")
    fit, patience = part(ev, "fit"), c["fit"]["patience"]
    kinds = classes(fit.get("classes"))
    expect("EarlyStopping" in kinds, f"expected an EarlyStopping, got {(kinds or ['?'])[0]}")
    val = numbers(fit.get("val_loss"), "val_loss").tolist()
    snapshots = fit.get("snapshots")
    expect(isinstance(snapshots, list) and len(snapshots) == len(val) and 0 < len(val) <= 12,
           "one snapshot of the weights per epoch run")
    final = numbers(fit.get("final"), "the weights the model ends with")
    accepted = _accepted(val, patience, 12)
    expect(any(ran == len(val) for ran, _ in accepted),
           f"in a fit, the number of epochs run with patience {patience}")
    for ran, best in accepted:
        kept = numbers(snapshots[best], "snapshot") if ran == len(val) else None
        if kept is not None and kept.shape == final.shape and np.allclose(final, kept, rtol=1e-6, atol=1e-7):
            return
    raise AssertionError("in a fit, the model should end with the weights of its best epoch")


# -- 5. step_decay ------------------------------------------------------------------------------

@judge.challenge("test_step_decay")
def _(rng):
    k = int(rng.integers(2, 5))
    lr = float(rng.choice([0.1, 0.3, 0.05, 0.002]))
    drop = float(rng.choice([0.1, 0.25, 0.5, 0.8]))
    garbage = float(rng.choice([99.0, 1.0, 0.5]))
    return {"in_order": {"args": [lr, drop, k], "epochs": list(range(3 * k + 2)), "lr": garbage},
            # at the drop boundaries, and again for an earlier epoch
            "boundaries": {"args": [float(rng.choice([0.01, 0.02, 0.5])), float(rng.choice([0.5, 0.3])),
                                    k + 1], "epochs": [k, k + 1, 2 * k + 1, 2 * k + 2, k], "lr": 1.0},
            # fed back its own rate, as Keras does
            "feedback": {"args": [float(rng.choice([2e-3, 0.01, 0.05])), float(rng.choice([0.8, 0.5])), 1],
                         "epochs": 4},
            "fit": {**tiny_data(rng, 48, 16), "args": [float(rng.choice([0.04, 0.1, 0.02])),
                                                       float(rng.choice([0.25, 0.5])),
                                                       int(rng.integers(1, 3))],
                    "epochs": int(rng.integers(3, 5))}}


@judge.check("test_step_decay")
def _(c, ev):
    for key in ("in_order", "boundaries"):
        case, got = c[key], part(ev, key)
        lr, drop, k = case["args"]
        want = [step(lr, drop, k, e) for e in case["epochs"]]
        expect_close(numbers(got.get("values"), "schedule"), want,
                     f"step_decay({lr}, {drop}, {k}) at epochs {case['epochs']}")
        expect(got.get("floats") == [True] * len(want), "the schedule must return a float")
    case, got = c["feedback"], part(ev, "feedback")
    lr, drop, k = case["args"]
    want = [step(lr, drop, k, e) for e in range(case["epochs"])]
    expect_close(numbers(got.get("values"), "schedule"), want,
                 f"step_decay({lr}, {drop}, {k}) given the current rate, epoch after epoch")
    expect(got.get("floats") == [True] * len(want), "the schedule must return a float")
    case, got = c["fit"], part(ev, "fit")
    lr, drop, k = case["args"]
    expect_close(numbers(got.get("learning_rate"), "learning_rate"),
                 [step(lr, drop, k, e) for e in range(case["epochs"])],
                 f"learning rates used by fit with step_decay({lr}, {drop}, {k})", rtol=1e-6)


# -- 6. The over-fitting gap --------------------------------------------------------------------

def _net(rng, hidden, l2, dropout):
    return {"weights": [rng.normal(0.0, 0.8, size=(2, hidden)).astype(np.float32),
                        rng.normal(0.0, 0.1, size=hidden).astype(np.float32),
                        rng.normal(0.0, 0.8, size=(hidden, 2)).astype(np.float32),
                        rng.normal(0.0, 0.1, size=2).astype(np.float32)],
            "l2": l2, "dropout": dropout}


@judge.challenge("test_gap_function")
def _(rng):
    while True:
        data = tiny_data(rng, int(rng.integers(5, 41)), int(rng.integers(5, 21)))
        nets = [_net(rng, int(rng.choice([8, 16])), 0.0, 0.0),
                _net(rng, 4, float(rng.choice([1.0, 5.0])), float(rng.choice([0.3, 0.5])))]
        ok = True
        for net in nets:
            Ps = [forward(net["weights"], data[k]) for k in ("X", "X_val")]
            gap = gaps_of(Ps, (data["y"], data["y_val"]))[1]
            ok &= abs(gap) > 0.05 and min(P.min() for P in Ps) > 1e-4
        if ok:
            return {**data, "nets": nets}


@judge.check("test_gap_function")
def _(c, ev):
    got = runs(ev, "gaps", len(c["nets"]))
    for net, gap in zip(c["nets"], got):
        Ps = [forward(net["weights"], c[k]) for k in ("X", "X_val")]
        what = ("the gap of a model with dropout and L2 (inference mode, no penalty)" if net["dropout"]
                else "the gap of a tiny model on other data")
        expect_gap(gap, gaps_of(Ps, (c["y"], c["y_val"])), what)


@judge.challenge("test_gap_closes")
def _(rng):
    X_train, X_val, _, _ = digits_split()
    return {"X_train": X_train, "X_val": X_val}


@judge.check("test_gap_closes")
def _(c, ev):
    _, _, y_train, y_val = digits_split()
    reported = numbers(ev["gaps"], "gaps")
    expect(reported.shape == (2,), "gaps: one for each model")
    expect(reported[1] < reported[0], "regularisation should narrow the gap: the regularised "
                                      "model's gap should be the smaller")
    computed = []
    for k, (name, kinds) in enumerate([("plain", ["Dense", "Dense", "Dense"]),
                                       ("L2 + dropout", ["Dense", "Dropout", "Dense", "Dropout", "Dense"])]):
        model = part(ev, "plain" if k == 0 else "regularised")
        expect_equal(model.get("kinds"), kinds, f"the {name} model's layers")
        expect_equal(model.get("units"), [256, 256, 10], f"the {name} model's widths")
        Ps = []
        for key, y in (("P_train", y_train), ("P_val", y_val)):
            P = model.get(key)
            expect(isinstance(P, np.ndarray) and P.shape == (len(y), 10) and P.dtype.kind == "f"
                   and np.all(np.isfinite(P)), f"the {name} model's predictions")
            Ps.append(P.astype(float))
        candidates = gaps_of(Ps, (y_train, y_val))
        expect_gap(reported[k], candidates, f"gaps: the gap of the {name} model")
        computed.append(candidates[0])
        if k == 1:
            l2 = model.get("kernel_l2")
            expect(isinstance(l2, list) and len(l2) == 5 and l2[0] is not None and l2[2] is not None,
                   "the regularised model's L2 factors")
            expect_close([l2[0], l2[2]], [1e-3, 1e-3], "the regularised model's L2 factors")
    expect(computed[1] < computed[0], "the regularised model's gap should be the smaller")
