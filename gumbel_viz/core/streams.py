"""Seeded random streams: the one rule that makes a seed name every draw.

A session with a seed draws its state number ``draw`` from
``numpy.random.default_rng([seed, draw])``: the same seed replays the same
sequence, and a link can jump straight to any draw. Everything else that is
random in a view (a Monte Carlo run, a gradient sweep, a sample cloud, a
self-check) draws from its own stream, ``SeedSequence([seed, index],
spawn_key=(stream,))``: independent of the model's draws and of each other, and
reproducible. Views that must look the same without a session seed use
:data:`DEFAULT_SEED`.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

__all__ = ["DEFAULT_SEED", "Stream", "generator"]

#: The seed of views that must be reproducible when the session has none.
DEFAULT_SEED = 20170101


class Stream(IntEnum):
    """Which stream a generator belongs to: its ``spawn_key`` (0 for the model's own)."""

    MODEL = 0
    MONTE_CARLO = 0x4D43
    GRADIENTS = 0x4752
    SIMPLEX = 0x5350
    VERIFY = 0x5646
    TRAINING = 0x5452
    PITFALLS = 0x5046
    TOP_K = 0x544B


def generator(seed: int, index: int = 0, stream: Stream = Stream.MODEL) -> np.random.Generator:
    """The generator of draw (or run) number ``index`` of ``stream`` under ``seed``.

    ``Stream.MODEL`` is exactly ``default_rng([seed, index])``, the session's own
    state number ``index``; the others are spawned apart from it.
    """
    spawn_key = () if stream is Stream.MODEL else (int(stream),)
    return np.random.default_rng(np.random.SeedSequence([seed, index], spawn_key=spawn_key))
