"""Full runs for students, short runs for CI: ``NN_COURSE_FAST=1`` shortens training."""

from __future__ import annotations

import os

ENV_VAR = "NN_COURSE_FAST"


def fast_mode() -> bool:
    """True when ``NN_COURSE_FAST=1``: lectures train for fewer epochs (figures quoted come from
    full runs)."""
    return os.environ.get(ENV_VAR, "0") == "1"


def pick(full, fast):
    """``fast`` in fast mode, else ``full`` (epochs, sample counts, grid sizes)."""
    return fast if fast_mode() else full
