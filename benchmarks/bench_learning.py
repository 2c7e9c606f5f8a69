"""The estimator lab and the training run: what a user waits for after a click.

* the Estimators view's τ sweep (25 temperatures, every default estimator, exact
  by enumeration where it can be), at the default k = 5 and at k = 12;
* the Training view's default run, 1000 Adam steps of every default estimator,
  drained from its generator as the view's worker thread drains it.

Each job is the view's own (its ``_job()``), so the figure is the wait after the
click, less the drawing. The reference, measured in the same run, is NumPy
drawing 10^6 standard exponentials (float64): the ratio is what to compare
across machines.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from functools import partial

import numpy as np

from gumbel_viz.model import GumbelSoftmaxModel
from gumbel_viz.views.estimators import EstimatorsView
from gumbel_viz.views.training import TrainingView
from support.tables import median_seconds, timings

REPEATS = 5


def _sweep(k: int) -> Callable[[], object]:
    view = EstimatorsView(model=GumbelSoftmaxModel(k=k, seed=1))
    return lambda: view._job()()


def _training() -> Callable[[], object]:
    view = TrainingView(model=GumbelSoftmaxModel(seed=1))

    def run() -> None:
        for _ in view._job()():
            pass

    return run


def measure(repeats: int = REPEATS) -> list[dict[str, object]]:
    rng = np.random.default_rng(0)
    unit = median_seconds(partial(rng.standard_exponential, 10**6), 7)
    rows = []
    for what, job in [
        ("Estimators sweep, k = 5 (default)", _sweep(5)),
        ("Estimators sweep, k = 12", _sweep(12)),
        ("Training, 1000 steps (default)", _training()),
    ]:
        times = timings(job, repeats)
        median, low, high = statistics.median(times), min(times), max(times)
        rows.append(
            {
                "what": what,
                "median s": median,
                "min–max s": f"{low:.2f}–{high:.2f}",
                "/ 10^6 exponentials": median / unit,
            }
        )
    return rows


if __name__ == "__main__":
    from support.tables import print_table

    print_table("Estimators and training", measure())
