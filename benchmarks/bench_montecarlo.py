"""Monte Carlo speed: ``run_monte_carlo`` for 10**6 draws, the work behind one Run click.

The target is 400 ms from the click to the charts for 10**6 draws; the sampling
itself should stay under about 250 ms at k = 5 to leave room for the round trip
and the repaint (measured in the browser separately).
"""

from __future__ import annotations

from functools import partial

import numpy as np

from gumbel_viz.core.montecarlo import MAX_DRAWS, run_monte_carlo
from support.tables import median_seconds

CASES = [5, 12]
TAU = 0.5


def measure(repeats: int = 7) -> list[dict[str, object]]:
    rng = np.random.default_rng(0)
    rows = []
    for k in CASES:
        logits = np.log(rng.dirichlet(np.ones(k)))
        seconds = median_seconds(partial(run_monte_carlo, logits, TAU, MAX_DRAWS, rng), repeats)
        rows.append(
            {
                "case": f"run_monte_carlo 10^6 draws, k = {k}, tau = {TAU}",
                "median ms": seconds * 1e3,
                "ns per draw x class": seconds * 1e9 / (MAX_DRAWS * k),
                "target": "<= 250 ms at k = 5" if k == 5 else "-",
            }
        )
    return rows


if __name__ == "__main__":
    from support.tables import print_table

    print_table("Monte Carlo (median of 7)", measure())
