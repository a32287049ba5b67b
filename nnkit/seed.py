"""One call that seeds every random number generator a lesson may use."""

from __future__ import annotations

import os
import random
import sys

import numpy as np


def seed_everything(seed: int = 0) -> None:
    """Seed Python, NumPy and (when imported) Keras/TensorFlow.

    It returns nothing, so a notebook cell ending with it shows no ``Out[...]``; make a NumPy
    Generator with ``np.random.default_rng(seed)``."""
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    if "keras" in sys.modules or "tensorflow" in sys.modules:
        import keras

        keras.utils.set_random_seed(seed)
