"""Fashion-MNIST, read offline from the Debian package or the Keras cache.

``load_data()`` returns exactly what ``keras.datasets.fashion_mnist.load_data()`` returns:
``((x_train, y_train), (x_test, y_test))``, images uint8 (n, 28, 28) and labels uint8 (n,),
60000 training and 10000 test images.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
KERAS_DIR = Path.home() / ".keras" / "datasets" / "fashion-mnist"
FILES = {
    "x_train": "train-images-idx3-ubyte.gz",
    "y_train": "train-labels-idx1-ubyte.gz",
    "x_test": "t10k-images-idx3-ubyte.gz",
    "y_test": "t10k-labels-idx1-ubyte.gz",
}
CLASS_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)


class FashionMNISTNotFoundError(FileNotFoundError):
    """Neither the Debian package nor the Keras cache holds the four Fashion-MNIST files."""


def read_idx(path: Path) -> np.ndarray:
    """Read a gzipped IDX file of unsigned bytes into an array of the shape its header gives."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype_code, ndim = data[0:2], data[2], data[3]
    if zero != b"\x00\x00" or dtype_code != 0x08:
        raise ValueError(f"{path} is not an IDX file of unsigned bytes")
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape).copy()


def find_dir() -> Path | None:
    """The first folder, Debian's then Keras's, that holds all four files."""
    for folder in (DEBIAN_DIR, KERAS_DIR):
        if all((folder / name).is_file() for name in FILES.values()):
            return folder
    return None


def load_data(
    allow_download: bool = False,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """``((x_train, y_train), (x_test, y_test))`` as Keras returns them, without network access.

    With ``allow_download=True`` and no local copy, Keras downloads the data instead.
    """
    folder = find_dir()
    if folder is None:
        if not allow_download:
            raise FashionMNISTNotFoundError(
                f"Fashion-MNIST not found in {DEBIAN_DIR} or {KERAS_DIR}; run "
                "`apt-get install dataset-fashion-mnist`, or call "
                "load_data(allow_download=True) when online"
            )
        import keras

        return keras.datasets.fashion_mnist.load_data()
    arrays = {key: read_idx(folder / name) for key, name in FILES.items()}
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])
