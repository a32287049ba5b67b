"""The course datasets: shapes, dtypes, balance, offline sources and the instrument cache.

The instrument data is built twice into temporary caches (about 20 s each on two cores),
once more by the corruption test; the user's own cache is never touched.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import coursedata
from coursedata import fashion_mnist, instruments, render, soundfonts
from coursedata.cache import ENV_VAR


@pytest.fixture(scope="module")
def instrument_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A freshly built instrument cache, with ``NN_COURSE_CACHE`` pointing at it."""
    root = tmp_path_factory.mktemp("cache-a")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(ENV_VAR, str(root))
        yield instruments.build()


# --- small datasets ----------------------------------------------------------------------


def test_iris() -> None:
    X, y = coursedata.load("iris")
    assert X.shape == (150, 4) and X.dtype == np.float64
    assert y.shape == (150,) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [50, 50, 50]


def test_digits() -> None:
    X, y = coursedata.load("digits")
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.dtype == np.int64 and set(np.unique(y)) == set(range(10))
    assert np.bincount(y).min() >= 170


@pytest.mark.parametrize("kind", ["moons", "circles", "xor"])
def test_nonlinear(kind: str) -> None:
    X, y = coursedata.load("nonlinear", n=400, kind=kind)
    assert X.shape == (400, 2) and X.dtype == np.float64
    assert y.shape == (400,) and y.dtype == np.int64
    counts = np.bincount(y, minlength=2)
    assert len(counts) == 2 and counts.min() >= 150


def test_noisy_sine() -> None:
    x, y = coursedata.load("noisy_sine", n=100)
    assert x.shape == (100, 1) and x.dtype == np.float64
    assert y.shape == (100,) and y.dtype == np.float64
    assert np.all(np.diff(x[:, 0]) >= 0)


def test_unknown_name_lists_known_datasets() -> None:
    with pytest.raises(KeyError) as info:
        coursedata.load("no_such_data")
    for name in ("iris", "digits", "nonlinear", "noisy_sine", "fashion_mnist", "instruments"):
        assert name in str(info.value)


# --- Fashion-MNIST -----------------------------------------------------------------------

needs_fashion = pytest.mark.skipif(
    fashion_mnist.find_dir() is None, reason="apt-get install dataset-fashion-mnist"
)


def _check_fashion(data: tuple) -> None:
    (x_train, y_train), (x_test, y_test) = data
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    assert y_train[0] == 9 and x_train.max() == 255  # the first image is an ankle boot


@needs_fashion
def test_fashion_mnist() -> None:
    _check_fashion(coursedata.load("fashion_mnist"))
    assert len(fashion_mnist.CLASS_NAMES) == 10


@needs_fashion
def test_fashion_mnist_from_keras_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keras_dir = tmp_path / "keras"
    keras_dir.mkdir()
    for name in fashion_mnist.FILES.values():
        (keras_dir / name).symlink_to(fashion_mnist.DEBIAN_DIR / name)
    monkeypatch.setattr(fashion_mnist, "DEBIAN_DIR", tmp_path / "absent")
    monkeypatch.setattr(fashion_mnist, "KERAS_DIR", keras_dir)
    _check_fashion(fashion_mnist.load_data())


def test_fashion_mnist_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fashion_mnist, "DEBIAN_DIR", tmp_path / "a")
    monkeypatch.setattr(fashion_mnist, "KERAS_DIR", tmp_path / "b")
    with pytest.raises(FileNotFoundError, match="apt-get install dataset-fashion-mnist") as info:
        fashion_mnist.load_data()
    assert "allow_download=True" in str(info.value)


# --- instruments -------------------------------------------------------------------------


@pytest.mark.slow
def test_instrument_splits(instrument_dir: Path) -> None:
    n_families = len(instruments.family_names())
    assert n_families >= 8
    for split, per_family in instruments.NOTES_PER_FAMILY.items():
        x, y = coursedata.load("instruments", split=split)
        assert x.shape == (per_family * n_families, 16000) and x.dtype == np.float32
        assert y.shape == (len(x),) and y.dtype == np.int64
        assert np.bincount(y, minlength=n_families).tolist() == [per_family] * n_families
        assert np.isfinite(x).all() and np.abs(x).max() <= 1.0
        assert np.abs(x).max(axis=1).min() > 0.05  # every note is audible


@pytest.mark.slow
def test_instrument_manifest(instrument_dir: Path) -> None:
    manifest = instruments.load_manifest()
    fonts = manifest.groupby("split").soundfont.unique()
    assert all(len(f) == 1 for f in fonts)
    assert len({fonts[s][0] for s in instruments.SPLITS}) == 3  # train, val, test: three fonts
    assert manifest.file.is_unique
    assert manifest.groupby("family").program.nunique().min() >= 4
    assert manifest.velocity.nunique() >= 3
    for split in instruments.SPLITS:
        _, y = instruments.load(split)
        rows = manifest[manifest.split == split]
        assert rows.label.tolist() == y.tolist()
        assert rows.family.tolist() == [instruments.FAMILIES[i] for i in y]
    low = {p: lo for programs in instruments.PROGRAMS.values() for p, _, lo, _ in programs}
    high = {p: hi for programs in instruments.PROGRAMS.values() for p, _, _, hi in programs}
    assert (manifest.pitch >= manifest.program.map(low)).all()
    assert (manifest.pitch <= manifest.program.map(high)).all()


@pytest.mark.slow
def test_instrument_build_is_deterministic(
    instrument_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    other = instruments.build()
    assert other != instrument_dir
    checksums = instruments.CHECKSUMS
    assert (other / checksums).read_text() == (instrument_dir / checksums).read_text()


@pytest.mark.slow
def test_corrupt_or_incomplete_cache_is_rebuilt(instrument_dir: Path) -> None:
    checksums = (instrument_dir / instruments.CHECKSUMS).read_text()
    x_before, _ = instruments.load("train")
    waveforms = instrument_dir / "train_waveforms.npy"
    data = bytearray(waveforms.read_bytes())
    data[-1] ^= 0xFF
    waveforms.write_bytes(bytes(data))
    assert not instruments._verified(instrument_dir)
    (instrument_dir / "test_labels.npy").unlink()
    x_after, _ = instruments.load("train")  # rebuilds
    np.testing.assert_array_equal(x_after, x_before)
    assert (instrument_dir / "test_labels.npy").is_file()
    assert (instrument_dir / instruments.CHECKSUMS).read_text() == checksums
    assert instruments._verified(instrument_dir)


def test_missing_soundfont_names_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    absent = tmp_path / "MuseScore_General_Lite.sf3"
    monkeypatch.setitem(soundfonts.SOUNDFONTS, "MuseScore_General_Lite", absent)
    with pytest.raises(FileNotFoundError, match="musescore-general-soundfont-small"):
        instruments.build()


def test_missing_fluidsynth_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "fluidsynth", None)  # makes `import fluidsynth` fail
    task = render.Task(str(soundfonts.SOUNDFONTS["TimGM6mb"]), 0, ((60, 100),))
    with pytest.raises(ImportError, match="libfluidsynth3"):
        render.render_task(task)
