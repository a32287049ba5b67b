"""How hard is the instrument data? Logistic regression vs a small MLP on MFCC statistics.

Both models see the same features: 20 MFCCs, their mean and standard deviation over time,
standardised with the training statistics. They train on FluidR3_GM notes, select with
the TimGM6mb validation notes and are scored on MuseScore_General_Lite notes.

    python benchmarks/instruments_baseline.py
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import librosa  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from coursedata import instruments  # noqa: E402
from coursedata.render import SAMPLE_RATE  # noqa: E402

N_MFCC = 20


def mfcc_stats(waveforms: np.ndarray) -> np.ndarray:
    """(n, 2 * N_MFCC) float32: per note, the mean and standard deviation of each MFCC."""
    mfcc = librosa.feature.mfcc(y=waveforms, sr=SAMPLE_RATE, n_mfcc=N_MFCC)
    return np.concatenate([mfcc.mean(axis=-1), mfcc.std(axis=-1)], axis=1).astype(np.float32)


def logistic_regression(data: dict) -> dict[str, float]:
    """Accuracies of a logistic regression, its C chosen on the validation split."""
    (x, y), (x_val, y_val), (x_test, y_test) = data["train"], data["validation"], data["test"]
    best = max(
        (LogisticRegression(C=c, max_iter=5000).fit(x, y) for c in (0.01, 0.1, 1.0, 10.0)),
        key=lambda model: model.score(x_val, y_val),
    )
    return {"validation": best.score(x_val, y_val), "test": best.score(x_test, y_test)}


def mlp(data: dict) -> dict[str, float]:
    """Accuracies of a seeded MLP with dropout, stopped early on validation accuracy."""
    import keras

    keras.utils.set_random_seed(0)
    (x, y), (x_val, y_val), (x_test, y_test) = data["train"], data["validation"], data["test"]
    model = keras.Sequential(
        [
            keras.Input(shape=(x.shape[1],)),
            keras.layers.GaussianNoise(0.3),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dropout(0.4),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dropout(0.4),
            keras.layers.Dense(len(instruments.FAMILIES), activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    stop = keras.callbacks.EarlyStopping(
        monitor="val_accuracy", patience=30, restore_best_weights=True
    )
    model.fit(
        x,
        y,
        validation_data=(x_val, y_val),
        epochs=300,
        batch_size=64,
        callbacks=[stop],
        verbose=0,
    )
    return {
        "validation": model.evaluate(x_val, y_val, verbose=0)[1],
        "test": model.evaluate(x_test, y_test, verbose=0)[1],
    }


def main() -> None:
    start = time.perf_counter()
    raw = {split: instruments.load(split) for split in instruments.SPLITS}
    print(f"data ready in {time.perf_counter() - start:.1f} s")
    features = {split: (mfcc_stats(x), y) for split, (x, y) in raw.items()}
    mean = features["train"][0].mean(axis=0)
    std = features["train"][0].std(axis=0)
    data = {split: ((x - mean) / std, y) for split, (x, y) in features.items()}
    print(f"features ready in {time.perf_counter() - start:.1f} s")
    chance = 1 / len(instruments.FAMILIES)
    results = {"logistic regression": logistic_regression(data), "MLP": mlp(data)}
    fonts = instruments.SPLIT_SOUNDFONT
    print(f"\n{len(instruments.FAMILIES)} families, chance {chance:.0%}")
    print(
        f"{'model':<22}{'validation':>12}{'test':>8}   (validation: {fonts['validation']}, "
        f"test: {fonts['test']})"
    )
    for name, acc in results.items():
        print(f"{name:<22}{acc['validation']:>12.1%}{acc['test']:>8.1%}")
    print(f"total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
