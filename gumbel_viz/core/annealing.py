"""Temperature annealing: the schedule of Jang et al. (2017, §4.2)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .validation import check_integer

__all__ = ["MAX_UPDATES", "anneal_schedule", "update_interval"]

#: The most schedule points one schedule may have (steps / every).
MAX_UPDATES = 20_000


def update_interval(steps: int, every: int) -> int:
    """The smallest N >= ``every`` that keeps ``steps / N`` within :data:`MAX_UPDATES`."""
    return max(every, -(-steps // MAX_UPDATES))


def anneal_schedule(
    steps: int, tau0: float, rate: float, tau_min: float, every: int
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """The steps at which τ changes and τ from each of them on.

    ``τ(t) = max(τ_min, τ₀ · exp(−r · N·⌊t/N⌋))``: τ is recomputed every ``every``
    (= N) steps and held in between (Jang et al. 2017, §4.2, use r = 1e-5 or 1e-4,
    N = 500 or 1000, τ_min = 0.5). Returns ``(update_steps, tau)`` with
    ``update_steps = 0, N, 2N, …`` below ``steps``; at most :data:`MAX_UPDATES` of them.
    """
    steps = check_integer(steps, "steps", low=1)
    every = check_integer(every, "every", low=1)
    if -(-steps // every) > MAX_UPDATES:
        raise ValueError(f"{steps} steps updated every {every} is more than {MAX_UPDATES} updates")
    for name, value in (("tau0", tau0), ("tau_min", tau_min)):
        if not (np.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be finite and > 0, got {value!r}")
    if not (np.isfinite(rate) and rate >= 0):
        raise ValueError(f"rate r must be finite and >= 0, got {rate!r}")
    update_steps = np.arange(0, steps, every, dtype=np.int64)
    return update_steps, np.maximum(tau_min, tau0 * np.exp(-rate * update_steps))
