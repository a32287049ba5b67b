"""Reading TensorBoard event files back: the scalars a run logged, as plain numbers.

Event files are TensorFlow's format, whatever the Keras backend that wrote the run; reading
them needs TensorFlow, which a JAX- or PyTorch-only installation may lack (see
:func:`available`).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path


def available() -> bool:
    """True when TensorFlow, which reads (and writes) event files, is installed."""
    return importlib.util.find_spec("tensorflow") is not None


def read_scalars(folder: str | Path, tag: str) -> list[tuple[int, float]]:
    """``(step, value)`` pairs logged under ``tag`` in the event files of ``folder``, by step.

    Event files are TFRecord files of ``Event`` protocol buffers; TensorFlow reads them. Without
    TensorFlow this raises :class:`ImportError`, saying so.
    """
    if not available():
        raise ImportError("reading TensorBoard event files needs TensorFlow, which is not installed "
                          "(check nnkit.events.available() first)")
    import tensorflow as tf

    pairs = []
    for path in sorted(Path(folder).glob("events.out.tfevents.*")):
        for record in tf.data.TFRecordDataset(str(path)):
            event = tf.compat.v1.Event.FromString(record.numpy())
            for value in event.summary.value:
                if value.tag == tag:
                    pairs.append((int(event.step), float(tf.make_ndarray(value.tensor))))
    return sorted(pairs)
