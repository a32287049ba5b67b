"""Render single General MIDI notes through FluidSynth into mono float32 arrays.

FluidSynth processes events in blocks of 64 frames, so the note length and the moment
of the note-off are whole blocks. Reverb and chorus are off (their tails would leak from
one note into the next), and the float output is used instead of the 16-bit one, whose
dither depends on the process history. A voice slot keeps a trace of the note it played
last, so every program gets a fresh synthesizer and plays its notes in a fixed order:
the same task always gives the same bytes, whichever worker runs it.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType

import numpy as np

from coursedata.soundfonts import require_fluidsynth

SAMPLE_RATE = 16000
BLOCK = 64
N_SAMPLES = 250 * BLOCK  # 1.0 s
HOLD = 187 * BLOCK  # 0.748 s held, then released; the release tail is cut at N_SAMPLES


@dataclass(frozen=True)
class Task:
    """One program of one soundfont and the (pitch, velocity) notes to play on it, in order."""

    soundfont: str
    program: int
    notes: tuple[tuple[int, int], ...]


def _write_float(fluidsynth: ModuleType) -> Callable[..., int]:
    """``fluid_synth_write_float`` from the library that pyfluidsynth loaded."""
    func = ctypes.CDLL(fluidsynth.lib).fluid_synth_write_float
    channel = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]  # buffer, offset, increment
    func.argtypes = [ctypes.c_void_p, ctypes.c_int, *channel, *channel]
    func.restype = ctypes.c_int
    return func


def render_task(task: Task) -> np.ndarray:
    """Play ``task.notes`` one after the other: returns (len(notes), N_SAMPLES) float32, mono."""
    fluidsynth = require_fluidsynth()
    write = _write_float(fluidsynth)
    synth = fluidsynth.Synth(
        gain=0.5,
        samplerate=float(SAMPLE_RATE),
        **{
            "synth.reverb.active": 0,
            "synth.chorus.active": 0,
            "synth.dynamic-sample-loading": 1,
            "synth.cpu-cores": 1,
        },
    )
    try:
        sfid = synth.sfload(task.soundfont)
        if sfid < 0:
            raise RuntimeError(f"FluidSynth could not load {task.soundfont}")
        synth.program_select(0, sfid, 0, task.program)
        out = np.empty((len(task.notes), N_SAMPLES), dtype=np.float32)
        stereo = np.zeros((N_SAMPLES, 2), dtype=np.float32)
        for i, (pitch, velocity) in enumerate(task.notes):
            _play(synth, write, stereo, pitch, velocity)
            out[i] = stereo.mean(axis=1)
        return out
    finally:
        synth.delete()


def _play(
    synth: object, write: Callable[..., int], stereo: np.ndarray, pitch: int, velocity: int
) -> None:
    """Fill ``stereo`` (N_SAMPLES, 2) with one note: held for HOLD frames, then released."""
    address = stereo.ctypes.data
    frame = stereo.strides[0]
    synth.noteon(0, pitch, velocity)
    _render(write, synth.synth, address, HOLD)
    synth.noteoff(0, pitch)
    _render(write, synth.synth, address + HOLD * frame, N_SAMPLES - HOLD)
    synth.all_sounds_off(0)


def _render(write: Callable[..., int], synth: int, address: int, frames: int) -> None:
    """Let FluidSynth write ``frames`` interleaved stereo frames at ``address``."""
    step = ctypes.sizeof(ctypes.c_float)
    if write(synth, frames, address, 0, 2, address + step, 0, 2) != 0:
        raise RuntimeError("fluid_synth_write_float failed")


def render_all(tasks: Sequence[Task], processes: int = 2) -> list[np.ndarray]:
    """Render every task (in a spawn pool when ``processes`` > 1) with a tqdm bar over notes."""
    from tqdm.auto import tqdm

    results: list[np.ndarray | None] = [None] * len(tasks)
    total = sum(len(t.notes) for t in tasks)
    with tqdm(total=total, desc="rendering notes", unit="note") as bar:
        if processes <= 1:
            for i, task in enumerate(tasks):
                results[i] = render_task(task)
                bar.update(len(task.notes))
            return results
        import multiprocessing

        with multiprocessing.get_context("spawn").Pool(processes) as pool:
            for i, audio in pool.imap_unordered(_indexed, enumerate(tasks)):
                results[i] = audio
                bar.update(len(tasks[i].notes))
    return results


def _indexed(item: tuple[int, Task]) -> tuple[int, np.ndarray]:
    return item[0], render_task(item[1])
