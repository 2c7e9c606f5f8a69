"""Ours against the bare reference page (benchmarks/bare_app.py), measured in one run.

Each figure is a list of trials for each app; a row of the ratio table gives the
median and spread (IQR, or min–max for fewer than 5 trials) of both, their ratio
and whether the target holds. Trials of the two apps are interleaved (ABAB) by the
callers, so the machine's noise hits both.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence

from support.tables import percentile

BARE_APP = "benchmarks/bare_app.py"


def _fmt(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"


def summary(
    values: Sequence[float], centre: Callable[[Sequence[float]], float] = statistics.median
) -> str:
    """``median (IQR low–high, n)``; min–max instead of the IQR below 5 trials.

    With another ``centre`` (the mean), that figure is shown in the median's place.
    """
    if not values:
        return "–"
    median = centre(values)
    if len(values) == 1:
        return _fmt(median)
    if len(values) >= 5:
        low, high, kind = percentile(list(values), 25), percentile(list(values), 75), "IQR"
    else:
        low, high, kind = min(values), max(values), "min–max"
    return f"{_fmt(median)} ({kind} {_fmt(low)}–{_fmt(high)}, n={len(values)})"


def ratio_row(
    what: str,
    ours: Sequence[float],
    bare: Sequence[float] | None,
    target: str,
    met: Callable[[float, float | None], bool] | None = None,
    centre: Callable[[Sequence[float]], float] = statistics.median,
    show_ratio: bool = True,
) -> dict[str, object]:
    """One row: ``met(ours_centre, ratio)`` decides the target (None: no target)."""
    ours_c = centre(ours)
    bare_c = centre(bare) if bare else None
    ratio = ours_c / bare_c if bare_c and show_ratio else None
    verdict = "–" if met is None else ("yes" if met(ours_c, ratio) else "NO")
    return {
        "what": what,
        "ours (median, spread)": summary(ours, centre),
        "bare (median, spread)": summary(bare, centre) if bare else "–",
        "ours/bare": "–" if ratio is None else f"{ratio:.2f}×",
        "target": target,
        "met": verdict,
    }


def at_most_ratio(limit: float) -> Callable[[float, float | None], bool]:
    return lambda _ours, ratio: ratio is not None and ratio <= limit


def at_most(limit: float) -> Callable[[float, float | None], bool]:
    return lambda ours, _ratio: ours <= limit


def p50(values: Sequence[float]) -> float:
    return percentile(list(values), 50)
