"""One call that seeds every random number generator a lesson may use."""

from __future__ import annotations

import os
import random
import sys

import numpy as np


def seed_everything(seed: int = 0) -> None:
    """Seed Python, NumPy and, when imported, Keras with its backend (TensorFlow, JAX or PyTorch).

    With Keras imported, ``keras.utils.set_random_seed`` does it all: Python, NumPy, the
    backend (``torch.manual_seed`` on PyTorch; JAX has no global generator, and Keras's own
    global ``SeedGenerator``, which ``keras.random`` and the initialisers draw from without a
    seed, is reset from ``seed``) and TensorFlow whenever it is installed, for ``tf.data``
    pipelines on any backend. Without Keras, a framework already imported is seeded directly;
    none is imported for it.

    It returns nothing, so a notebook cell ending with it shows no ``Out[...]``; make a NumPy
    Generator with ``np.random.default_rng(seed)``."""
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    if "keras" in sys.modules:
        import keras

        keras.utils.set_random_seed(seed)
        return
    if "tensorflow" in sys.modules:
        sys.modules["tensorflow"].random.set_seed(seed)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(seed)
