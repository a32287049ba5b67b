"""Instrument-family sounds: single notes of sampled instruments, rendered with FluidSynth.

Each example is one General MIDI note: a program of one of ten families, a pitch inside
that program's natural range and one of five velocities, held for 0.75 s and released,
cut to 1.0 s, mono, 16 kHz, float32 in [-1, 1]. Peak level and a little white noise are
drawn per note from a seeded generator, so loudness says nothing about the family.

The splits differ by sample set, which is what makes the task worth a neural network:

* ``train``: 2000 notes (200 per family) from FluidR3_GM;
* ``validation``: 400 notes from TimGM6mb, a second soundfont, so that early stopping and
  model selection reward what generalises to new recordings instead of memorising
  FluidR3's samples (a held-out part of FluidR3 scores near 100% and says little);
* ``test``: 500 notes from MuseScore_General_Lite, a third soundfont no model has heard.

``load(split)`` returns ``(waveforms float32 (n, 16000), labels int64 (n,))`` with labels
indexing :data:`FAMILIES`; ``load_manifest()`` describes every note. The first call builds
the data (about 20 s on two cores) into ``cache_dir("instruments", VERSION)``
beside a ``checksums.sha256`` file; a missing or altered file is detected and rebuilt.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # on Windows: there, concurrent first loads are not guarded
    fcntl = None

import numpy as np
import pandas as pd

from coursedata.cache import cache_dir
from coursedata.render import N_SAMPLES, Task, render_all
from coursedata.soundfonts import soundfont_path

VERSION = "v1"
SEED = 20240917
VELOCITIES = (40, 60, 80, 100, 120)
SPLITS = ("train", "validation", "test")
SPLIT_SOUNDFONT = {
    "train": "FluidR3_GM",
    "validation": "TimGM6mb",
    "test": "MuseScore_General_Lite",
}
NOTES_PER_FAMILY = {"train": 200, "validation": 40, "test": 50}
CHECKSUMS = "checksums.sha256"
LOCK = ".build.lock"
MANIFEST = "manifest.csv"

# family -> General MIDI programs (0-based), each with its name and a playable pitch range
PROGRAMS: dict[str, tuple[tuple[int, str, int, int], ...]] = {
    "keyboard": (
        (0, "Acoustic Grand Piano", 36, 96),
        (1, "Bright Acoustic Piano", 36, 96),
        (2, "Electric Grand Piano", 36, 96),
        (3, "Honky-tonk Piano", 36, 96),
        (4, "Electric Piano 1", 36, 96),
        (5, "Electric Piano 2", 36, 96),
    ),
    "mallet": (
        (8, "Celesta", 60, 96),
        (9, "Glockenspiel", 72, 100),
        (10, "Music Box", 60, 96),
        (11, "Vibraphone", 53, 89),
        (12, "Marimba", 45, 96),
        (13, "Xylophone", 65, 100),
    ),
    "organ": (
        (16, "Drawbar Organ", 36, 96),
        (17, "Percussive Organ", 36, 96),
        (18, "Rock Organ", 36, 96),
        (19, "Church Organ", 36, 96),
        (20, "Reed Organ", 36, 84),
    ),
    "guitar": (
        (24, "Acoustic Guitar (nylon)", 40, 84),
        (25, "Acoustic Guitar (steel)", 40, 84),
        (26, "Electric Guitar (jazz)", 40, 84),
        (27, "Electric Guitar (clean)", 40, 84),
        (28, "Electric Guitar (muted)", 40, 76),
    ),
    "bass": (
        (32, "Acoustic Bass", 28, 60),
        (33, "Electric Bass (finger)", 28, 67),
        (34, "Electric Bass (pick)", 28, 67),
        (35, "Fretless Bass", 28, 67),
        (36, "Slap Bass 1", 28, 67),
    ),
    "strings": (
        (40, "Violin", 55, 93),
        (41, "Viola", 48, 88),
        (42, "Cello", 36, 76),
        (43, "Contrabass", 28, 55),
        (48, "String Ensemble 1", 36, 96),
        (49, "String Ensemble 2", 36, 96),
    ),
    "brass": (
        (56, "Trumpet", 54, 86),
        (57, "Trombone", 40, 72),
        (58, "Tuba", 28, 58),
        (60, "French Horn", 41, 77),
        (61, "Brass Section", 36, 84),
    ),
    "reed": (
        (64, "Soprano Sax", 56, 88),
        (65, "Alto Sax", 49, 81),
        (66, "Tenor Sax", 44, 76),
        (68, "Oboe", 58, 91),
        (70, "Bassoon", 34, 72),
        (71, "Clarinet", 50, 91),
    ),
    "pipe": (
        (72, "Piccolo", 74, 102),
        (73, "Flute", 60, 96),
        (74, "Recorder", 60, 96),
        (75, "Pan Flute", 60, 96),
        (79, "Ocarina", 60, 84),
    ),
    "synth_lead": (
        (80, "Lead 1 (square)", 36, 96),
        (81, "Lead 2 (sawtooth)", 36, 96),
        (82, "Lead 3 (calliope)", 36, 96),
        (83, "Lead 4 (chiff)", 36, 96),
        (84, "Lead 5 (charang)", 36, 96),
    ),
}
FAMILIES: tuple[str, ...] = tuple(PROGRAMS)

PEAK_DB = (-20.0, -1.0)  # peak level of a note, drawn uniformly in dBFS
SNR_DB = (20.0, 40.0)  # white-noise level below the note's RMS, drawn uniformly in dB
SILENCE = 1e-4


def family_names() -> tuple[str, ...]:
    """The class names, in label order."""
    return FAMILIES


def plan() -> pd.DataFrame:
    """Which notes make up the dataset (the manifest without the augmentation columns).

    Per split and family the notes are spread evenly over the family's programs; per program
    distinct (pitch, velocity) pairs are drawn without replacement from a seeded generator.
    """
    rng = np.random.default_rng(SEED)
    rows = []
    for split in SPLITS:
        for label, (family, programs) in enumerate(PROGRAMS.items()):
            counts = np.full(len(programs), NOTES_PER_FAMILY[split] // len(programs))
            counts[: NOTES_PER_FAMILY[split] % len(programs)] += 1
            for (program, name, low, high), count in zip(programs, counts, strict=True):
                grid = [(p, v) for p in range(low, high + 1) for v in VELOCITIES]
                picks = sorted(grid[i] for i in rng.choice(len(grid), count, replace=False))
                rows += [
                    (split, family, label, program, name, pitch, velocity)
                    for pitch, velocity in picks
                ]
    columns = ["split", "family", "label", "program", "instrument", "pitch", "velocity"]
    manifest = pd.DataFrame(rows, columns=columns)
    manifest.insert(0, "file", [f"{s}/{i:04d}" for s, i in _index_in_split(manifest.split)])
    manifest["soundfont"] = manifest.split.map(SPLIT_SOUNDFONT)
    return manifest


def _index_in_split(splits: pd.Series) -> zip:
    return zip(splits, splits.groupby(splits).cumcount(), strict=True)


def build(force: bool = False, processes: int = 2) -> Path:
    """Render, augment and store the data unless a verified copy is cached; returns the folder."""
    folder = cache_dir("instruments", VERSION)
    with _exclusive(folder):
        if not force and _verified(folder):
            return folder
        return _build_into(folder, processes)


@contextmanager
def _exclusive(folder: Path) -> Iterator[None]:
    """Hold an inter-process lock on ``folder``: of several processes loading at once (parallel
    graders), one builds or verifies while the others wait, then find the data ready."""
    try:
        handle = (folder / LOCK).open("a")  # "a": the lock file's mtime never changes
    except OSError:  # a read-only cache (a grading sandbox): nobody can build, nothing to lock
        handle = None
    if fcntl is None or handle is None:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build_into(folder: Path, processes: int) -> Path:
    """Render, augment and store the data in ``folder`` (the caller holds the lock)."""
    (folder / CHECKSUMS).unlink(missing_ok=True)
    manifest = plan()
    tasks, rows = _tasks(manifest)
    audio = np.empty((len(manifest), N_SAMPLES), dtype=np.float32)
    for task_rows, notes in zip(rows, render_all(tasks, processes), strict=True):
        audio[task_rows] = notes
    peaks = np.abs(audio).max(axis=1)
    if (peaks < SILENCE).any():
        silent = manifest.loc[peaks < SILENCE, ["soundfont", "instrument", "pitch"]]
        raise RuntimeError(f"FluidSynth rendered silence for:\n{silent.to_string()}")
    manifest = _augment(audio, peaks, manifest)
    files = {MANIFEST: manifest.to_csv(index=False, lineterminator="\n").encode()}
    for split in SPLITS:
        rows_of_split = (manifest.split == split).to_numpy()
        files[f"{split}_waveforms.npy"] = _npy_bytes(audio[rows_of_split])
        files[f"{split}_labels.npy"] = _npy_bytes(manifest.label[rows_of_split].to_numpy(np.int64))
    for name, data in files.items():
        (folder / name).write_bytes(data)
    sums = "".join(f"{hashlib.sha256(d).hexdigest()}  {n}\n" for n, d in sorted(files.items()))
    tmp = folder / (CHECKSUMS + ".tmp")
    tmp.write_text(sums)
    os.replace(tmp, folder / CHECKSUMS)
    _VERIFIED.add(_signature(folder))
    return folder


def _tasks(manifest: pd.DataFrame) -> tuple[list[Task], list[np.ndarray]]:
    """One render task per (soundfont, program), with the manifest rows it fills."""
    tasks, rows = [], []
    for (font, program), group in manifest.groupby(["soundfont", "program"], sort=True):
        notes = tuple(zip(group.pitch.tolist(), group.velocity.tolist(), strict=True))
        tasks.append(Task(str(soundfont_path(font)), int(program), notes))
        rows.append(group.index.to_numpy())
    return tasks, rows


def _augment(audio: np.ndarray, peaks: np.ndarray, manifest: pd.DataFrame) -> pd.DataFrame:
    """In place: scale each note to a random peak level and add white noise at a random SNR."""
    rng = np.random.default_rng([SEED, 1])
    peak_db = rng.uniform(*PEAK_DB, size=len(audio))
    snr_db = rng.uniform(*SNR_DB, size=len(audio))
    for i in range(len(audio)):
        note = audio[i] * (10 ** (peak_db[i] / 20) / peaks[i])
        noise_rms = np.sqrt(np.mean(note**2)) * 10 ** (-snr_db[i] / 20)
        note += rng.normal(0.0, noise_rms, size=note.shape)
        audio[i] = np.clip(note, -1.0, 1.0)
    return manifest.assign(peak_db=peak_db.round(2), snr_db=snr_db.round(2))


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


_VERIFIED: set[tuple] = set()


def _signature(folder: Path) -> tuple:
    """What a verified folder looked like: its files with their sizes and modification times."""
    return tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(folder.iterdir()))


def _verified(folder: Path) -> bool:
    """Whether ``folder`` holds every file of a build, each matching its recorded sha256."""
    sums_file = folder / CHECKSUMS
    if not sums_file.is_file():
        return False
    if _signature(folder) in _VERIFIED:
        return True
    expected = {MANIFEST} | {f"{s}_{k}.npy" for s in SPLITS for k in ("waveforms", "labels")}
    listed = {}
    for line in sums_file.read_text().splitlines():
        digest, _, name = line.partition("  ")
        listed[name] = digest
    if set(listed) != expected:
        return False
    for name, digest in listed.items():
        path = folder / name
        if not path.is_file() or _sha256(path) != digest:
            return False
    _VERIFIED.add(_signature(folder))
    return True


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """``(waveforms float32 (n, 16000), labels int64 (n,))`` of ``split``; builds on first use."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose one of {SPLITS}")
    folder = build()
    return np.load(folder / f"{split}_waveforms.npy"), np.load(folder / f"{split}_labels.npy")


def load_manifest() -> pd.DataFrame:
    """One row per note: file, family, label, program, instrument, pitch, velocity, soundfont,
    split, and the drawn peak level and SNR (dB)."""
    return pd.read_csv(build() / MANIFEST)
