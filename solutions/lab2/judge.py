"""Lab 2's hidden tests, judged outside the student's kernel (see autograder.engine.judge).

Each test draws its challenge from the grading run's seed; the probe in the notebook runs the
student's functions and classes on it and reports what they returned; the checks below hold
the reference rules and decide, for the hidden part of each test cell and for its visible
asserts alike. Messages say what differs, never the expected values.
"""

import math

import numpy as np

from autograder.engine.judge import Evidence, Judge
from nnkit.gradcheck import relative_error
from nnkit.grading import expect, expect_close, expect_equal

judge = Judge()

#: Iris splits (train_test_split's random_state) on which one-vs-all trained for 1000 epochs
#: ends more than one test flower above scikit-learn's accuracy minus 0.07 (8, 46, 67 and 99
#: are within one flower of that bound, or under it).
VS_SKLEARN_SPLITS = [s for s in range(100) if s not in (8, 46, 67, 99)]


# -- references ---------------------------------------------------------------------------------

def reference_sigmoid(z):
    def one(t):
        return 1.0 / (1.0 + math.exp(-t)) if t >= 0 else math.exp(t) / (1.0 + math.exp(t))
    z = np.asarray(z, dtype=float)
    return np.array([one(t) for t in z.ravel()]).reshape(z.shape)


def reference_loss(w, b, X, y):
    z = X @ w + b
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def reference_gradient(w, b, X, y):
    err = reference_sigmoid(X @ w + b) - y
    return X.T @ err / len(y), float(err.mean())


def reference_logreg(X, y, eta, n_iter, seed):
    rng = np.random.default_rng(seed)
    w, b, losses = rng.normal(0.0, 0.01, size=X.shape[1]), 0.0, []
    for _ in range(n_iter):
        z = X @ w + b
        losses.append(np.mean(np.logaddexp(0.0, z) - y * z))
        err = 1.0 / (1.0 + np.exp(-z)) - y
        w, b = w - eta * X.T @ err / len(y), b - eta * err.mean()
    return w, b, losses


def reference_ova(X, y, k, eta, n_iter, seed):
    rng = np.random.default_rng(seed)
    W, b, losses = rng.normal(0.0, 0.01, size=(X.shape[1], k)), np.zeros(k), []
    Y = np.zeros((len(y), k))
    Y[np.arange(len(y)), y] = 1.0
    for _ in range(n_iter):
        Z = X @ W + b
        losses.append(np.sum(np.logaddexp(0.0, Z) - Y * Z) / len(y))
        E = 1.0 / (1.0 + np.exp(-Z)) - Y
        W, b = W - eta * X.T @ E / len(y), b - eta * E.sum(axis=0) / len(y)
    return W, b, losses


def reference_proba(W, b, X):
    S = reference_sigmoid(X @ W + b)
    return S / S.sum(axis=1, keepdims=True)


def standardized(X_train, X_test):
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    return (X_train - mean) / std, (X_test - mean) / std


def iris_split(random_state):
    """An iris split as the notebook makes it (its cell uses random_state=0), not scaled."""
    from sklearn.model_selection import train_test_split

    from coursedata.toy import load_iris

    X, y = load_iris()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y,
                                                        random_state=random_state)
    return X_train, X_test, y_train, y_test


def parts(ev, key, n):
    """The ``n`` sets of values the probe reported under ``key``, each as Evidence."""
    value = ev[key]
    expect(isinstance(value, list) and len(value) == n, f"{key}: expected {n} sets of results")
    expect(all(isinstance(v, dict) for v in value), f"{key}: a result is not a set of values")
    return [Evidence(v) for v in value]


def part(ev, key):
    value = ev[key]
    expect(isinstance(value, dict), f"{key}: the test's report is not a set of values")
    return Evidence(value)


def is_float(ev, key):
    return np.asarray(ev[key]).dtype.kind == "f"


def no_warnings(ev, what):
    caught = ev["warnings"]
    expect(isinstance(caught, list), "warnings: not reported as a list")
    expect(not caught, f"{what} must not warn, but it did: {str(caught[0])[:200] if caught else ''}")


# -- sigmoid ------------------------------------------------------------------------------------

@judge.challenge("test_sigmoid")
def _(rng):
    extremes = np.array([-1000.0, -745.0, -709.9, -40.0, -1e-3, 0.0,
                         2.5e-4, 3.5, 36.0, 710.0, 745.5, 1000.0])
    cube = rng.uniform(-800.0, 800.0, size=24)
    cube[:4] = [-800.0, -1000.0 * rng.uniform(1.0, 2.0), 720.0, 0.0]
    return {"z": rng.permutation(extremes).reshape(2, 6),
            "z_cube": rng.permutation(cube).reshape(2, 3, 4),
            "z_list": [-1000, 0, 1000], "z_neg": -1000.0, "z_big": np.array([-1000.0, 1000.0]),
            "z_hand": np.array([-2.0, 0.0, 2.0]), "z_zero": 0.0}


@judge.check("test_sigmoid")
def _(c, ev):
    hand = ev.array("hand")
    expect(hand.shape == (3,), f"sigmoid of an array of 3 values: expected shape (3,), got {hand.shape}")
    expect(is_float(ev, "hand"), "sigmoid: expected a float array")
    expect_close(hand, reference_sigmoid(c["z_hand"]), "sigmoid([-2, 0, 2])", rtol=1e-12)
    expect(np.shape(ev["zero"]) == (), "sigmoid of a single number: expected shape ()")
    no_warnings(ev, "sigmoid at |z| up to 1000")
    big = ev.array("big", shape=(2,))
    expect(big[0] == 0.0 and big[1] == 1.0,
           "sigmoid(-1000) must be exactly 0.0 and sigmoid(1000) exactly 1.0")
    expect_close(ev.array("s", shape=(2, 6)), reference_sigmoid(c["z"]),
                 "sigmoid at large and small |z|", rtol=1e-12, atol=1e-300)
    expect(is_float(ev, "s_list"), "sigmoid of a list of integers: expected a float array")
    expect_equal(ev.array("s_list"), [0.0, 0.5, 1.0], "sigmoid([-1000, 0, 1000])")
    neg = ev.array("s_neg")
    expect(neg.shape == () and float(neg) == 0.0, "sigmoid(-1000.0)")
    expect_close(ev.array("s_cube"), reference_sigmoid(c["z_cube"]), "sigmoid of a 3-D array",
                 rtol=1e-12, atol=1e-300)


# -- binary cross-entropy and its gradient ------------------------------------------------------

HAND = {"X_hand": np.array([[1.0, 2.0], [0.0, 0.0], [3.0, 1.0]]), "y_hand": np.array([0, 1, 1]),
        "w_hand": np.array([1.0, -1.0]), "b_hand": 0.5}


@judge.challenge("test_loss")
def _(rng):
    n, d = int(rng.integers(10, 25)), int(rng.integers(2, 6))
    order = rng.permutation(5)
    return {**HAND,
            "X": rng.normal(size=(n, d)), "y": (rng.random(n) > 0.5).astype(int),
            "w": rng.normal(size=d), "b": float(rng.normal()),
            "X_one": rng.normal(size=(1, d)) * 2.0,
            "X_conf": np.array([[1.0], [-1.0]]), "y_conf": np.array([0, 1]), "w_conf": np.array([100.0]),
            "X_ext": np.array([[1.0], [-1.0], [1.0], [-1.0], [0.0]])[order],
            "y_ext": np.array([0, 1, 1, 0, 1])[order], "w_ext": np.array([1000.0])}


@judge.check("test_loss")
def _(c, ev):
    hand = ev.array("hand")
    expect(hand.shape == (), f"logistic_loss (a single number): expected shape (), got {hand.shape}")
    expect_close(hand, reference_loss(c["w_hand"], c["b_hand"], c["X_hand"], c["y_hand"]),
                 "logistic_loss on the hand-worked example", rtol=1e-6)
    no_warnings(ev, "logistic_loss at z = ±100 and ±1000")
    expect_close(ev.number("confident"), reference_loss(c["w_conf"], 0.0, c["X_conf"], c["y_conf"]),
                 "loss of two confident mistakes (z = 100 for y = 0, z = -100 for y = 1)")
    expect_close(ev.number("random"), reference_loss(c["w"], c["b"], c["X"], c["y"]),
                 "logistic_loss on random data", rtol=1e-10)
    expect_close(ev.number("one"), reference_loss(c["w"], c["b"], c["X_one"], np.array([1])),
                 "logistic_loss on a single sample", rtol=1e-10)
    expect_close(ev.number("extreme"), reference_loss(c["w_ext"], 0.0, c["X_ext"], c["y_ext"]),
                 "logistic_loss with z = ±1000", rtol=1e-12)


@judge.challenge("test_gradient")
def _(rng):
    cases = []
    for n, d in [(int(rng.integers(15, 30)), int(rng.integers(2, 6))), (1, 3), (6, 1)]:
        cases.append({"X": rng.normal(size=(n, d)) * 2.0, "y": (rng.random(n) > 0.4).astype(int),
                      "w": rng.normal(size=d), "b": float(rng.normal())})
    return {**HAND, "cases": cases}


@judge.check("test_gradient")
def _(c, ev):
    gw, gb = ev.array("hand_w"), ev.array("hand_b")
    expect(gw.shape == (2,), f"grad_w: expected shape (2,), got {gw.shape}")
    expect(gb.shape == (), f"grad_b: expected shape (), got {gb.shape}")
    want_w, want_b = reference_gradient(c["w_hand"], c["b_hand"], c["X_hand"], c["y_hand"])
    expect(relative_error(gw, want_w) < 1e-6, "grad_w disagrees with the numerical gradient of the loss")
    expect(relative_error(gb, want_b) < 1e-6, "grad_b disagrees with the numerical gradient of the loss")
    for case, got in zip(c["cases"], parts(ev, "cases", len(c["cases"]))):
        n, d = case["X"].shape
        want_w, want_b = reference_gradient(case["w"], case["b"], case["X"], case["y"])
        expect_close(got.array("w", shape=(d,)), want_w,
                     f"grad_w (n={n}, d={d}) against a numerical gradient", rtol=1e-9, atol=1e-12)
        gb = got.array("b")
        expect(gb.shape == (), f"grad_b (n={n}, d={d}): expected shape (), got {gb.shape}")
        expect_close(gb, want_b, f"grad_b (n={n}, d={d}) against a numerical gradient",
                     rtol=1e-5, atol=1e-8)


# -- standardisation ----------------------------------------------------------------------------

@judge.challenge("test_standardize")
def _(rng):
    n, m, d = int(rng.integers(8, 16)), int(rng.integers(3, 8)), int(rng.integers(2, 5))
    X_train, X_test, _, _ = iris_split(0)
    return {"A": rng.normal(3.0, 2.0, size=(n, d)) * rng.choice([0.1, 1.0, 10.0], size=d),
            "B": rng.normal(-1.0, 5.0, size=(m, d)),
            "X_train": X_train, "X_test": X_test}


@judge.check("test_standardize")
def _(c, ev):
    train, test = ev.array("iris_train"), ev.array("iris_test")
    expect(train.shape == c["X_train"].shape, "standardised training set: wrong shape")
    expect(test.shape == c["X_test"].shape, "standardised test set: wrong shape")
    expect_close(train.mean(axis=0), np.zeros(train.shape[1]),
                 "column means of the standardised training set", atol=1e-10)
    expect_close(train.std(axis=0), np.ones(train.shape[1]), "column stds of the standardised training set")
    A, B = c["A"], c["B"]
    As, Bs = standardized(A, B)
    expect_close(ev.array("A_std"), As, "standardised training set", rtol=1e-10)
    expect_close(ev.array("B_std"), Bs, "test set scaled with the training statistics", rtol=1e-10)
    expect_equal(ev.array("A_after"), A, "standardize must not modify X_train")
    expect_equal(ev.array("B_after"), B, "standardize must not modify X_test")
    expect_close(ev.array("B1_std"), Bs[:1], "a test set of a single flower", rtol=1e-10)


# -- binary logistic regression -----------------------------------------------------------------

@judge.challenge("test_logreg_fit")
def _(rng):
    X = rng.normal(size=(30, 3))
    y = (X @ rng.normal(size=3) * 1.5 + rng.normal(0.0, 0.7) + rng.normal(size=30) > 0).astype(int)
    y[:2] = [0, 1]
    X_train, _, y_train, _ = iris_split(0)
    pair = y_train > 0
    Xb = standardized(X_train, X_train)[0][pair][:, [2, 3]]
    return {"X": X, "y": y, "X_other": X[:12] * 2.0, "y_other": 1 - y[:12],
            "runs": [[float(rng.choice([0.1, 0.3, 0.5])), int(rng.integers(1, 100)), int(rng.integers(5, 11))],
                     [float(rng.choice([1.0, 2.0])), int(rng.integers(1, 100)), int(rng.integers(3, 7))]],
            "one_seed": int(rng.integers(0, 100)),
            "Xb": Xb, "yb": (y_train[pair] == 2).astype(int), "iris_seed": int(rng.integers(0, 100))}


@judge.check("test_logreg_fit")
def _(c, ev):
    iris = part(ev, "iris")
    expect(iris.array("w").shape == (2,), "w_: expected shape (2,)")
    losses = iris.array("losses")
    expect(losses.shape == (200,), "losses_ needs one entry per epoch: expected 200")
    expect(losses[-1] < losses[0], "the loss should fall")
    expect(abs(losses[0] - np.log(2.0)) < 0.02,
           "with tiny initial weights the first loss should be close to ln 2 = 0.693")
    pred = iris.array("predict", shape=c["yb"].shape)
    expect(np.mean(pred == c["yb"]) >= 0.9, "training accuracy should be at least 0.9")
    X, y = c["X"], c["y"]
    for (eta, seed, k), run in zip(c["runs"], parts(ev, "runs", len(c["runs"]))):
        w, b, ls = reference_logreg(X, y, eta, k, seed)
        expect_close(run.array("w"), w, "w_ after gradient descent", rtol=1e-7)
        expect_close(run.array("b"), b, "b_ after gradient descent", rtol=1e-7, atol=1e-10)
        expect_close(run.array("losses"), ls, "losses_", rtol=1e-7)
    eta, seed, k = c["runs"][0]
    w, b, ls = reference_logreg(X, y, eta, k, seed)
    again = part(ev, "again")
    expect_close(ev.array("returned_w"), w, "fit must return self", rtol=1e-7)
    expect_close(again.array("w"), w, "a second fit must start afresh (w_)", rtol=1e-7)
    expect_close(again.array("losses"), ls, "a second fit must start afresh (losses_)", rtol=1e-7)
    one = part(ev, "one")
    w, b, ls = reference_logreg(X[:1], y[:1], 0.5, 4, c["one_seed"])
    expect_close(one.array("w"), w, "w_ after training on a single sample", rtol=1e-7)
    expect_close(one.array("losses"), ls, "losses_ on a single sample", rtol=1e-7)


@judge.challenge("test_logreg_predict")
def _(rng):
    d = int(rng.integers(3, 6))
    return {"w_hand": np.array([2.0, -1.0]), "b_hand": 0.0,
            "X_hand": np.array([[1.0, 2.0], [1.0, 0.0], [0.0, 1.0]]),
            "w": rng.normal(size=d) * 3.0, "b": float(rng.normal()),
            "X": rng.normal(size=(int(rng.integers(20, 30)), d)),
            "w_ext": np.array([1000.0, 0.0, 0.0]), "b_ext": 0.0,
            "X_ext": np.array([[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0], [0.0, 5.0, 0.0]])}


@judge.check("test_logreg_predict")
def _(c, ev):
    proba = ev.array("hand_proba")
    expect(proba.shape == (3,), f"predict_proba of 3 rows: expected shape (3,), got {proba.shape}")
    expect_close(proba, reference_sigmoid(c["X_hand"] @ c["w_hand"] + c["b_hand"]), "predict_proba")
    expect_equal(ev.array("hand_predict", kind="int"), [1, 1, 0],
                 "predict (a probability of 0.5 gives class 1)")
    p = reference_sigmoid(c["X"] @ c["w"] + c["b"])
    expect_close(ev.array("proba"), p, "predict_proba", rtol=1e-10)
    pred = ev.array("predict", kind="int")
    expect_equal(pred, (p >= 0.5).astype(int), "predict")
    expect(np.shape(ev["proba_one"]) == (1,), "predict_proba of a single row: expected shape (1,)")
    expect(np.shape(ev["predict_one"]) == (1,), "predict of a single row: expected shape (1,)")
    expect_equal(ev.array("proba_ext"), [1.0, 0.0, 0.5], "predict_proba at z = 1000, -1000, 0")
    expect_equal(ev.array("predict_ext"), [1, 0, 1], "predict at z = 1000, -1000, 0")


# -- one-vs-all ---------------------------------------------------------------------------------

@judge.challenge("test_ova_fit")
def _(rng):
    X = rng.normal(size=(40, 3))
    y = rng.integers(0, 4, size=40)
    y[:4] = rng.permutation(4)  # every class present
    X_train, X_test, y_train, _ = iris_split(0)
    return {"X": X, "y": y,
            "run": [float(rng.choice([0.2, 0.4, 0.6])), int(rng.integers(4, 8)), int(rng.integers(1, 100))],
            "absent_seed": int(rng.integers(1, 100)), "again_seed": int(rng.integers(1, 100)),
            "one_seed": int(rng.integers(0, 100)),
            "X_iris": standardized(X_train, X_test)[0], "y_iris": y_train,
            "iris_seed": int(rng.integers(0, 100))}


@judge.check("test_ova_fit")
def _(c, ev):
    iris = part(ev, "iris")
    expect(iris["n_classes_"] == 3, "n_classes_: expected 3")
    expect(iris.array("W").shape == (4, 3), "W_ (n_features, K): expected shape (4, 3)")
    expect(iris.array("b").shape == (3,), "b_ (K,): expected shape (3,)")
    losses = iris.array("losses")
    expect(losses.shape == (1000,), "losses_ needs one entry per epoch: expected 1000")
    expect(abs(losses[0] - 3 * np.log(2.0)) < 0.05,
           "with tiny initial weights the first loss should be close to 3 ln 2 = 2.079")
    expect(losses[-1] < losses[0], "the loss should fall")
    X, y = c["X"], c["y"]
    eta, n_iter, seed = c["run"]
    main = part(ev, "main")
    W, b, ls = reference_ova(X, y, 4, eta, n_iter, seed)
    expect(main.array("W").shape == (3, 4), "W_ for 3 features and 4 classes: wrong shape")
    expect_close(main.array("W"), W, "W_ after one-vs-all gradient descent", rtol=1e-7)
    expect_close(main.array("b"), b, "b_ after one-vs-all gradient descent", rtol=1e-7, atol=1e-10)
    expect_close(main.array("losses"), ls, "losses_ (sum over classifiers of their mean loss)", rtol=1e-7)
    ya = np.where(y == 1, 2, y)  # class 1 absent; K from y.max() + 1, then given explicitly
    for k, run in zip((4, 5), parts(ev, "absent", 2)):
        W, b, ls = reference_ova(X, ya, k, 0.4, 5, c["absent_seed"])
        expect(run["n_classes_"] == k, "n_classes_ with a class absent")
        expect_close(run.array("W"), W, "W_ when a class is absent from the labels", rtol=1e-7)
        expect_close(run.array("losses"), ls, "losses_ when a class is absent", rtol=1e-7)
    W, b, ls = reference_ova(X, y, 4, 0.4, 4, c["again_seed"])
    again = part(ev, "again")
    expect_close(ev.array("returned_W"), W, "fit must return self", rtol=1e-7)
    expect(again["n_classes_"] == 4 and again["n_classes"] is None,
           "a second fit must find K afresh (and leave the n_classes parameter as given)")
    expect_close(again.array("W"), W, "a second fit must start afresh (W_)", rtol=1e-7)
    expect_close(again.array("losses"), ls, "a second fit must start afresh (losses_)", rtol=1e-7)
    W, _, _ = reference_ova(X[:1], y[:1] % 3, 3, 0.5, 3, c["one_seed"])
    expect_close(ev.array("one_W"), W, "W_ after training on a single sample", rtol=1e-7)


@judge.challenge("test_ova_predict")
def _(rng):
    from coursedata.toy import load_iris

    d, k = int(rng.integers(3, 7)), int(rng.integers(3, 6))
    Xi, yi = load_iris(classes=[0, 2], features=[2, 3])
    return {"W_toy": np.array([[1.0, -1.0, 0.0], [0.0, 2.0, -3.0]]), "b_toy": np.array([0.0, 0.5, 1.0]),
            "X_toy": np.array([[2.0, 0.0], [0.0, 1.0], [-1.0, -1.0]]),
            "W": rng.normal(size=(d, k)) * 2.0, "b": rng.normal(size=k),
            "X": rng.normal(size=(int(rng.integers(20, 40)), d)),
            "X_iris": (Xi - Xi.mean(axis=0)) / Xi.std(axis=0), "y_iris": yi,
            "iris_seed": int(rng.integers(0, 100))}


@judge.check("test_ova_predict")
def _(c, ev):
    P = ev.array("toy_proba")
    expect(P.shape == (3, 3), f"predict_proba of 3 rows, 3 classes: expected shape (3, 3), got {P.shape}")
    expect_close(P.sum(axis=1), np.ones(3), "the rows of predict_proba must sum to 1")
    expect_close(P[0], reference_proba(c["W_toy"], c["b_toy"], c["X_toy"])[0], "predict_proba, first row",
                 rtol=1e-5)
    expect_equal(ev.array("toy_predict", kind="int"), [0, 1, 2], "predict")
    W, b, X = c["W"], c["b"], c["X"]
    expect_close(ev.array("proba"), reference_proba(W, b, X), "predict_proba", rtol=1e-10)
    expect_equal(ev.array("predict"), np.argmax(X @ W + b, axis=1), "predict")
    expect(np.shape(ev["proba_one"]) == (1, W.shape[1]), "predict_proba of a single row: wrong shape")
    expect(np.shape(ev["predict_one"]) == (1,), "predict of a single row: expected shape (1,)")
    yi = c["y_iris"]
    Pi = ev.array("iris_proba")
    expect(Pi.shape == (len(yi), 3), "predict_proba with class 1 absent: expected K = 3 columns")
    expect_equal(ev.array("iris_predict"), yi, "predictions with class 1 absent from the labels")
    expect(bool(np.all(Pi[:, 1] < 0.2)), "an absent class gets low probabilities")


@judge.challenge("test_ova_vs_sklearn")
def _(rng):
    drawn = int(rng.choice([s for s in VS_SKLEARN_SPLITS if s not in (0, 1, 7)]))
    splits = []
    # the notebook's own split and model, the two splits the lab always tested, one drawn
    for split, model_seed in [(0, 1), (1, 1), (7, 7), (drawn, drawn)]:
        X_train, X_test, y_train, _ = iris_split(split)
        X_train, X_test = standardized(X_train, X_test)
        splits.append({"split": split, "model_seed": model_seed, "X_train": X_train, "y_train": y_train,
                       "X_test": X_test})
    return {"splits": splits}


@judge.check("test_ova_vs_sklearn")
def _(c, ev):
    from sklearn.linear_model import LogisticRegression

    for s, got in zip(c["splits"], parts(ev, "splits", len(c["splits"]))):
        y_test = iris_split(s["split"])[3]
        pred = got.array("predict", shape=y_test.shape)
        acc = float(np.mean(pred == y_test))
        sk = LogisticRegression().fit(s["X_train"], s["y_train"]).score(s["X_test"], y_test)
        expect(acc >= sk - 0.07,
               f"one-vs-all should be within a few points of scikit-learn: its test accuracy {acc:.3f} "
               f"is not (split {s['split']})")
        expect_equal(np.argmax(got.array("proba"), axis=1), pred, "argmax of predict_proba")
