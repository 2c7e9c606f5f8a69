"""Engine speed against the floor: NumPy drawing the same number of exponentials.

Every Gumbel sampler must draw one random number per entry, so NumPy's own
``standard_exponential`` of the same count and dtype is the floor; the ratio
ours / floor is what we track. The naive float64 formula
``softmax((logits - log(-log U)) / tau)`` on C-ordered arrays is shown for scale,
and, when PyTorch is installed (it is never required),
``torch.nn.functional.gumbel_softmax`` on the CPU with the same logits.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from gumbel_viz.core import gumbel_softmax
from support.tables import median_seconds

CASES = [(10**6, 5), (10**5, 100)]
DTYPES = [np.float32, np.float64]
TAU = 0.5


def naive_gumbel_softmax(rng: np.random.Generator, logits: np.ndarray, n: int) -> np.ndarray:
    u = rng.random((n, logits.shape[-1]))
    z = (logits - np.log(-np.log(u))) / TAU
    z = np.exp(z - z.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def torch_seconds(logits: np.ndarray, n: int, repeats: int) -> float | None:
    """Median time of torch's gumbel_softmax on (n, k) logits, or None without torch."""
    try:
        import torch
    except ImportError:
        return None
    rows = np.broadcast_to(logits, (n, logits.shape[-1]))
    batch = torch.from_numpy(np.ascontiguousarray(rows))
    return median_seconds(partial(torch.nn.functional.gumbel_softmax, batch, tau=TAU), repeats)


def ours_seconds(logits: np.ndarray, n: int, rng: np.random.Generator, repeats: int) -> float:
    """Our engine on one shared row of logits (n draws) or on n rows of their own."""
    if logits.ndim == 1:
        return median_seconds(
            partial(gumbel_softmax, logits, TAU, rng=rng, sample_shape=n), repeats
        )
    return median_seconds(partial(gumbel_softmax, logits, TAU, rng=rng), repeats)


def measure_case(
    rng: np.random.Generator, n: int, k: int, dtype: type, repeats: int, per_row: bool = False
) -> dict[str, object]:
    size = (n,) if per_row else None  # per-row: C-ordered (n, k), as a network passes them
    logits = np.log(rng.dirichlet(np.ones(k), size=size)).astype(dtype)
    floor = median_seconds(partial(rng.standard_exponential, (n, k), dtype=dtype), repeats)
    ours = ours_seconds(logits, n, rng, repeats)
    naive = median_seconds(
        partial(naive_gumbel_softmax, rng, logits.astype(np.float64), n), repeats
    )
    torch_time = torch_seconds(logits, n, repeats)
    return {
        "case": f"10^{int(np.log10(n))} x {k} {np.dtype(dtype).name}"
        + (", per-row logits" if per_row else ""),
        "floor ms": floor * 1e3,
        "ours ms": ours * 1e3,
        "ours / floor": ours / floor,
        "naive f64 / floor": naive / floor,
        "ours / torch": "torch not installed" if torch_time is None else ours / torch_time,
    }


def measure(repeats: int = 7) -> list[dict[str, object]]:
    rng = np.random.default_rng(0)
    rows = [measure_case(rng, n, k, dtype, repeats) for n, k in CASES for dtype in DTYPES]
    rows.append(measure_case(rng, 10**6, 5, np.float32, repeats, per_row=True))
    return rows


if __name__ == "__main__":
    from support.tables import print_table

    print_table("Engine (median of 7)", measure())
