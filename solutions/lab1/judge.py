"""Lab 1's hidden tests, judged outside the student's kernel (see autograder.engine.judge).

Each test draws its challenge from the grading run's seed; the probe in the notebook runs the
student's classes on it and reports what they returned; the checks below hold the reference
rules and decide. Messages say what differs, never the expected values.
"""

import numpy as np

from autograder.engine.judge import Judge
from nnkit.grading import expect, expect_close, expect_equal

judge = Judge()


# -- references ---------------------------------------------------------------------------------

def reference_perceptron(X, y, eta, n_iter, seed):
    rng = np.random.default_rng(seed)
    w, b, errs = rng.normal(0.0, 0.01, size=X.shape[1]), 0.0, []
    for _ in range(n_iter):
        e = 0
        for xi, t in zip(X, y):
            u = eta * (t - (1 if xi @ w + b >= 0 else 0))
            w, b, e = w + u * xi, b + u, e + int(u != 0)
        errs.append(e)
    return w, b, errs


def reference_adaline_gd(X, y, eta, n_iter, seed):
    rng = np.random.default_rng(seed)
    w, b, losses = rng.normal(0.0, 0.01, size=X.shape[1]), 0.0, []
    for _ in range(n_iter):
        err = y - (X @ w + b)
        w = w + eta * 2.0 * X.T @ err / len(y)
        b = b + eta * 2.0 * err.mean()
        losses.append((err**2).mean())
    return w, b, losses


def reference_sgd(X, y, eta, n_iter, seed, compose):
    """SGD; each epoch's permutation indexes the original order, or the last epoch's (compose)."""
    rng = np.random.default_rng(seed)
    w, b, losses = rng.normal(0.0, 0.01, size=X.shape[1]), 0.0, []
    order = np.arange(len(y))
    for _ in range(n_iter):
        perm = rng.permutation(len(y))
        order = order[perm] if compose else perm
        epoch = []
        for i in order:
            err = y[i] - (X[i] @ w + b)
            w, b = w + eta * 2.0 * err * X[i], b + eta * 2.0 * err
            epoch.append(err**2)
        losses.append(np.mean(epoch))
    return w, b, losses


def sgd_steps(X, y, w, b, eta):
    """One pass of SGD over (X, y) in the order given, from (w, b)."""
    for xi, t in zip(X, y):
        err = t - (xi @ w + b)
        w, b = w + 2.0 * eta * err * xi, b + 2.0 * eta * err
    return w, b


def separable(rng, n, d):
    X = rng.normal(size=(n, d))
    y = (X @ rng.normal(size=d) + rng.normal(0.0, 0.3) > 0).astype(int)
    return X, y


def data(ev, key):
    """A run's weights, bias and history as the probe reported them."""
    run = ev[key]
    expect(isinstance(run, dict), f"{key}: the test's report is not a set of values")
    return run


def _close(run, key, want, what):
    expect(key in run, f"{what}: not reported")
    expect_close(run[key], want, what)


# -- Perceptron ---------------------------------------------------------------------------------

@judge.challenge("test_perceptron_predict")
def _(rng):
    w = rng.integers(-3, 4, size=5).astype(float)
    w[0] = 1.0
    X = rng.integers(-3, 4, size=(40, 5)).astype(float)
    b = float(rng.integers(-3, 4))
    X[rng.choice(40, 4, replace=False), 0] = np.nan  # rows set below to lie on the boundary
    for i in np.flatnonzero(np.isnan(X[:, 0])):
        X[i, 0] = -(b + X[i, 1:] @ w[1:])
    return {"w": w, "b": b, "X": X,
            "X_real": rng.normal(size=(30, 5)), "w_real": rng.normal(size=5),
            "b_real": float(rng.normal())}


@judge.check("test_perceptron_predict")
def _(c, ev):
    for tag, w, b, X in (("", c["w"], c["b"], c["X"]), ("_real", c["w_real"], c["b_real"], c["X_real"])):
        z = X @ w + b
        expect_close(ev.array("net_input" + tag, shape=z.shape), z, "net_input")
        pred = ev.array("predict" + tag, shape=z.shape, kind="int")
        expect_equal(pred, (z >= 0).astype(int), "predict (1 where z >= 0, else 0)")
    ev.array("predict_one", shape=(1,), kind="int")


@judge.challenge("test_perceptron_fit")
def _(rng):
    X, y = separable(rng, 30, 3)
    Xo, yo = separable(rng, 12, 3)
    return {"X": X, "y": y, "X_other": Xo * 3.0, "y_other": 1 - yo,
            "runs": [[float(rng.choice([0.01, 0.05, 0.1])), int(rng.integers(1, 1000))],
                     [float(rng.choice([0.5, 1.0, 2.0])), int(rng.integers(1, 1000))]]}


@judge.check("test_perceptron_fit")
def _(c, ev):
    X, y = c["X"], c["y"]
    runs = ev["runs"]
    expect(isinstance(runs, list) and len(runs) == len(c["runs"]), "runs: one per setting")
    for run, (eta, seed) in zip(runs, c["runs"]):
        w, b, errs = reference_perceptron(X, y, eta, 4, seed)
        _close(run, "w", w, "weights differ from the perceptron rule (w_)")
        _close(run, "b", b, "weights differ from the perceptron rule (b_)")
        expect("errors" in run and np.asarray(run["errors"], dtype=float).tolist() == errs,
               "errors_ differs from the perceptron rule (one count of updates per epoch)")
    eta, seed = c["runs"][0]
    w, b, errs = reference_perceptron(X, y, eta, 4, seed)
    again = data(ev, "again")
    _close(again, "w", w, "a second fit must start afresh (w_)")
    expect("errors" in again and np.asarray(again["errors"], dtype=float).tolist() == errs,
           "a second fit must start afresh (errors_)")
    expect_close(ev.array("returned_w"), w, "fit must return self")
    expect_equal(ev.array("X_after"), X, "fit must not modify X")
    expect_equal(ev.array("y_after"), y, "fit must not modify y")


@judge.challenge("test_perceptron_xor")
def _(rng):
    return {"X": np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]),
            "y": np.array([0, 1, 1, 0]), "eta": float(rng.choice([0.1, 0.2, 0.5])),
            "seed": int(rng.integers(0, 1000))}


@judge.check("test_perceptron_xor")
def _(c, ev):
    run = data(ev, "xor")
    errors = np.asarray(run.get("errors", []), dtype=float)
    expect(len(errors) == 25 and errors.min() > 0, "XOR is not separable: errors never reach 0")
    w, b, _ = reference_perceptron(c["X"], c["y"], c["eta"], 25, c["seed"])
    _close(run, "w", w, "weights after 25 epochs on XOR (w_)")
    _close(run, "b", b, "weights after 25 epochs on XOR (b_)")
    one = data(ev, "one")
    expect(np.asarray(one.get("predict", [-1])).tolist() == [0]
           and len(one.get("errors", [])) == 3, "a perceptron fitted on one example")


# -- AdalineGD ----------------------------------------------------------------------------------

@judge.challenge("test_adaline_gd")
def _(rng):
    X = rng.normal(size=(25, 4))
    return {"X": X, "y": (rng.random(25) > 0.5).astype(int),
            "runs": [[float(rng.choice([0.01, 0.02, 0.05])), int(rng.integers(1, 1000))],
                     [float(rng.choice([0.2, 0.3])), int(rng.integers(1, 1000))]],
            "X_other": X[:10] * 3.0}


@judge.check("test_adaline_gd")
def _(c, ev):
    X, y = c["X"], c["y"]
    runs = ev["runs"]
    expect(isinstance(runs, list) and len(runs) == len(c["runs"]), "runs: one per setting")
    for run, (eta, seed) in zip(runs, c["runs"]):
        w, b, losses = reference_adaline_gd(X, y, eta, 7, seed)
        _close(run, "w", w, "weights differ from batch gradient descent (w_)")
        _close(run, "b", b, "weights differ from batch gradient descent (b_)")
        _close(run, "losses", losses, "losses_ differ from the mean squared error per epoch")
    eta, seed = c["runs"][0]
    w, b, losses = reference_adaline_gd(X, y, eta, 7, seed)
    again = data(ev, "again")
    _close(again, "w", w, "a second fit must start afresh (w_)")
    _close(again, "losses", losses, "a second fit must start afresh (losses_)")
    expect_close(ev.array("returned_w"), w, "fit must return self")
    expect_equal(ev.array("X_after"), X, "fit must not modify X")
    expect_equal(ev.array("y_after"), y, "fit must not modify y")
    expect_equal(ev.array("Xf_after"), X, "fit must not modify a float X")


@judge.challenge("test_adaline_learning_rate")
def _(rng):
    from coursedata.toy import load_iris  # the notebook's own data

    X, y = load_iris(classes=[0, 1], features=[0, 2])
    return {"X": X, "y": y, "seed": int(rng.integers(0, 1000))}


@judge.check("test_adaline_learning_rate")
def _(c, ev):
    for key, n in (("big", 10), ("small", 10), ("blowup", 12)):
        losses = ev.array(key)
        expect(losses.shape == (n,), f"losses_ needs one entry per epoch: {n} expected")
    big, small, blowup = ev.array("big"), ev.array("small"), ev.array("blowup")
    expect(big[-1] > big[0], "with eta=0.1 on unscaled data the loss should grow")
    expect(small[-1] < small[0], "with eta=0.0001 the loss should fall, slowly")
    expect(blowup[-1] > 1e6 * blowup[0], "eta=0.5 should blow up the loss")
    one = data(ev, "one")
    expect(np.shape(one.get("w")) == (2,) and len(one.get("losses", [])) == 3,
           "Adaline fitted on one example")


# -- AdalineSGD ---------------------------------------------------------------------------------

def _check_sgd(run, X, y, eta, n_iter, seed):
    """run must match SGD with one of the two accepted shuffle compositions."""
    problems = []
    for compose in (False, True):
        w, b, losses = reference_sgd(X, y, eta, n_iter, seed, compose)
        try:
            _close(run, "w", w, "weights differ from SGD with a reshuffle per epoch (w_)")
            _close(run, "b", b, "weights differ from SGD with a reshuffle per epoch (b_)")
            _close(run, "losses", losses, "losses_ differ from the mean per-example loss of each epoch")
            return
        except AssertionError as err:
            problems.append(str(err))
    raise AssertionError(problems[0])


@judge.challenge("test_adaline_sgd_fit")
def _(rng):
    X = rng.normal(size=(20, 3))
    return {"X": X, "y": (rng.random(20) > 0.4).astype(int),
            "seeds": [int(s) for s in rng.integers(1, 1000, 2)]}


@judge.check("test_adaline_sgd_fit")
def _(c, ev):
    X, y = c["X"], c["y"]
    s1, s2 = c["seeds"]
    _check_sgd(data(ev, "fit"), X, y, 0.05, 5, s1)
    expect_close(ev.array("returned_w"), np.asarray(data(ev, "fit").get("w"), dtype=float),
                 "fit must return self")
    expect_equal(ev.array("X_after"), X, "fit must not modify X")
    expect_equal(ev.array("y_after"), y, "fit must not modify y")
    _check_sgd(data(ev, "float"), X, y, 0.02, 4, s2)
    expect_equal(ev.array("Xf_after"), X, "fit must not modify a float X")
    expect_equal(ev.array("yf_after"), y, "fit must not modify a float y")


@judge.challenge("test_adaline_sgd_shuffle")
def _(rng):
    n = int(rng.integers(10, 15))
    return {"X": rng.permutation(np.arange(2 * n, dtype=float)).reshape(n, 2) / (2 * n),
            "seed": int(rng.integers(1, 1000))}


@judge.check("test_adaline_sgd_shuffle")
def _(c, ev):
    X = c["X"]
    n = len(X)
    seen = ev.array("seen")
    expect(seen.shape == (3 * n, 2), "fit must call _update once per example per epoch")
    epochs = [seen[k * n:(k + 1) * n] for k in range(3)]
    rows = sorted(map(tuple, X))
    for e in epochs:
        expect(sorted(map(tuple, e)) == rows, "each epoch must visit every example once")
    expect(len({tuple(map(tuple, e)) for e in epochs}) == 3,
           "the order must change from epoch to epoch (reshuffle)")
    order = np.random.default_rng(c["seed"])
    order.normal(0.0, 0.01, size=2)
    expect(np.array_equal(epochs[0], X[order.permutation(n)]), "shuffle with self.rng_.permutation")


@judge.challenge("test_adaline_sgd_partial_fit")
def _(rng):
    X = rng.normal(size=(9, 3))
    return {"X": X, "y": (rng.random(9) > 0.5).astype(float),
            "seeds": [int(s) for s in rng.integers(1, 1000, 3)]}


@judge.check("test_adaline_sgd_partial_fit")
def _(c, ev):
    X, y = c["X"], c["y"]
    s1, _, s3 = c["seeds"]  # the second seeds the fit before partial_fit (in the probe)
    rng = np.random.default_rng(s1)
    w, b = sgd_steps(X[:3], y[:3], rng.normal(0.0, 0.01, size=3), 0.0, 0.1)
    first = data(ev, "first")
    _close(first, "w", w, "partial_fit: one pass, in the order given (w_)")
    _close(first, "b", b, "partial_fit: one pass, in the order given (b_)")
    w, b = sgd_steps(X[3:4], y[3:4], w, b, 0.1)
    second = data(ev, "second")
    _close(second, "w", w, "partial_fit must not re-initialise the weights")
    expect(second.get("has_rng") is True, "partial_fit creates rng_ when it draws the weights")
    fitted = data(ev, "fitted")
    base = np.asarray(fitted.get("w", []), dtype=float)
    expect(base.shape == (3,), "fit's weights before partial_fit: expected shape (3,)")
    w, b = sgd_steps(X[5:], y[5:], base, float(fitted.get("b", np.nan)), 0.03)
    after = data(ev, "after")  # from the student's own fitted weights, whatever fit did
    _close(after, "w", w, "partial_fit after fit: one pass, in order, from the fitted weights")
    _close(after, "b", b, "partial_fit after fit (b_)")
    expect_close(ev.array("returned_w"), np.asarray(after.get("w"), float), "partial_fit must return self")
    expect(len(np.atleast_1d(after.get("losses", []))) == len(np.atleast_1d(fitted.get("losses", [0, 0]))),
           "partial_fit must not add an entry to losses_")
    expect_equal(ev.array("X_after"), X, "partial_fit must not modify X")
    rng = np.random.default_rng(s3)
    w = rng.normal(0.0, 0.01, size=3)
    err = y[2] - X[2] @ w
    expect_close(ev.array("single_w"), w + 0.1 * err * X[2],
                 "partial_fit on a single example (1-D x, scalar y)")
