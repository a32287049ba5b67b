"""Reading TensorBoard event files back: the scalars a run logged, as plain numbers."""

from __future__ import annotations

from pathlib import Path


def read_scalars(folder: str | Path, tag: str) -> list[tuple[int, float]]:
    """``(step, value)`` pairs logged under ``tag`` in the event files of ``folder``, by step.

    Event files are TFRecord files of ``Event`` protocol buffers; TensorFlow reads them.
    """
    import tensorflow as tf

    pairs = []
    for path in sorted(Path(folder).glob("events.out.tfevents.*")):
        for record in tf.data.TFRecordDataset(str(path)):
            event = tf.compat.v1.Event.FromString(record.numpy())
            for value in event.summary.value:
                if value.tag == tag:
                    pairs.append((int(event.step), float(tf.make_ndarray(value.tensor))))
    return sorted(pairs)
