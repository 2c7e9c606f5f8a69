"""Load: many visitors at once against one served app, and many visits one after another.

``python -m benchmarks.load`` (``make load``) serves the app and runs

* 100 concurrent visitors, each opening the page with its own seed, moving tau,
  resampling, opening the Monte Carlo view and running 10^4 draws. Every answer
  is checked against the engine run locally for the same seed, so a wrong or
  missing update counts as an error. Figures: errors, server response per action
  (p50/p95), the server's resident memory before, at the peak and after every
  session has closed and been discarded;
* 1000 sequential visits (open the page, close it): memory growth.

:func:`run_concurrent` and :func:`run_sequential` take any URL, so the same load
runs through a reverse proxy (``deploy/``) against several server processes.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from tornado.httpclient import AsyncHTTPClient, HTTPClientError

from gumbel_viz.app.explorer import GROUP_OF
from gumbel_viz.core.montecarlo import run_monte_carlo
from gumbel_viz.core.streams import Stream, generator
from gumbel_viz.model import GumbelSoftmaxModel

from .memory import PeakMemory, settled_mb
from .tables import percentile
from .visitor import Visitor, VisitorError

# Sessions are discarded this long after their page closes (Bokeh's default is
# 15 s, checked every 17 s); the load server uses short times so the test can
# see memory come back.
SESSION_CLEANUP_ARGS = ("--check-unused-sessions", "250", "--unused-session-lifetime", "250")
URL_TAU_DELAY_S = 0.3  # the app writes tau to the URL once it has rested this long
ACTIONS = ("open page", "tau", "resample", "open Monte Carlo view", "run Monte Carlo")


@dataclass
class LoadReport:
    """What a load run measured: seconds per action, errors, the servers' memory (MB)."""

    visitors: int
    seconds: dict[str, list[float]] = field(default_factory=lambda: {a: [] for a in ACTIONS})
    errors: list[str] = field(default_factory=list)
    rss_before: float = math.nan
    rss_peak: float = math.nan
    rss_after: float = math.nan

    def rows(self) -> list[dict[str, object]]:
        rows: list[dict[str, object]] = [
            {
                "what": f"errors ({self.visitors} concurrent visitors)",
                "value": len(self.errors),
                "target": "0",
            },
        ]
        for action, seconds in self.seconds.items():
            if seconds:
                rows.append(
                    {
                        "what": f"{action}: p50 / p95 (ms)",
                        "value": f"{percentile(seconds, 50) * 1e3:.0f} / "
                        f"{percentile(seconds, 95) * 1e3:.0f}",
                        "target": "-",
                    }
                )
        rows += [
            {"what": "server memory before (MB)", "value": self.rss_before, "target": "-"},
            {"what": "server memory at peak (MB)", "value": self.rss_peak, "target": "-"},
            {
                "what": "server memory after all closed (MB)",
                "value": self.rss_after,
                "target": f"<= {1.2 * self.rss_before:.0f} (baseline + 20%)",
            },
        ]
        return rows


# ---------------------------------------------------------------------- a visit


def expected_after_resample(seed: int, tau: float) -> np.ndarray:
    """y after one resample at ``tau``, as the server must compute it for ``seed``."""
    model = GumbelSoftmaxModel(seed=seed, tau=tau)
    model.param.trigger("resample")
    return model.y


def expected_counts(seed: int, tau: float, draws: int) -> list[int]:
    """The first Monte Carlo run's argmax counts for ``seed`` after one resample."""
    model = GumbelSoftmaxModel(seed=seed, tau=tau)
    model.param.trigger("resample")
    result = run_monte_carlo(model.logits, tau, draws, generator(seed, 0, Stream.MONTE_CARLO))
    return result.counts.tolist()


def _is_widget(kind: str, attr: str, prefix: str):
    return lambda m: type(m).__name__ == kind and str(getattr(m, attr, "")).startswith(prefix)


class Visit:
    """One visitor's script: open, move tau, resample, run Monte Carlo; each step checked."""

    def __init__(self, url: str, seed: int, draws: int, report: LoadReport):
        self.seed, self.draws, self.report = seed, draws, report
        self.log10_tau = round(float(np.log10(0.5 + (seed % 7) / 4)), 2)
        self.visitor = Visitor(url, {"seed": str(seed), "n": str(draws)})

    def _timed(self, action: str, start: float, end: float) -> None:
        self.report.seconds[action].append(end - start)

    async def open(self) -> None:
        start = time.perf_counter()
        await self.visitor.open()
        self._timed("open page", start, time.perf_counter())

    async def act(self) -> None:
        """Every action once; ``expected_*`` say what the server must answer."""
        await self._tau()
        await self._resample()
        await self._monte_carlo()

    async def _tau(self) -> None:
        v = self.visitor
        location = v.document.get_model_by_name("location")
        start = time.perf_counter()
        slider = v.model(_is_widget("Slider", "title", "Temperature"), "tau slider")
        v.slide(slider, self.log10_tau)
        tau = repr(10**self.log10_tau)
        end = await v.wait_for(lambda: f"tau={tau}&" in location.search + "&", "tau in the URL")
        self._timed("tau", start, end - URL_TAU_DELAY_S)

    async def _resample(self) -> None:
        v = self.visitor
        bars = v.document.get_model_by_name("sample-bars")
        before = np.array(bars.data["y"])
        start = time.perf_counter()
        v.click(v.model(_is_widget("Button", "label", "Resample"), "Resample button"))
        end = await v.wait_for(lambda: not np.array_equal(bars.data["y"], before), "new y")
        self._timed("resample", start, end)
        expected = expected_after_resample(self.seed, 10**self.log10_tau)
        if not np.allclose(bars.data["y"], expected, rtol=0, atol=1e-12):
            raise VisitorError(f"seed {self.seed}: y {bars.data['y']} is not {expected}")

    async def _monte_carlo(self) -> None:
        v = self.visitor
        start = time.perf_counter()
        groups = v.model(
            lambda m: type(m).__name__ == "RadioButtonGroup" and "view-groups" in m.css_classes,
            "view groups",
        )
        groups.active = GROUP_OF["monte-carlo"]  # its first view: Monte Carlo
        run_button = _is_widget("Button", "label", "Run Monte Carlo")
        end = await v.wait_for(
            lambda: any(run_button(m) for m in v.document.models), "the Monte Carlo view"
        )
        self._timed("open Monte Carlo view", start, end)
        counts = v.document.get_model_by_name("mc-frequencies")
        start = time.perf_counter()
        v.click(v.model(run_button, "Run button"))
        end = await v.wait_for(lambda: sum(counts.data["count"]) == self.draws, "the run")
        self._timed("run Monte Carlo", start, end)
        expected = expected_counts(self.seed, 10**self.log10_tau, self.draws)
        if list(counts.data["count"]) != expected:
            raise VisitorError(f"seed {self.seed}: counts {counts.data['count']} != {expected}")


async def _guarded(report: LoadReport, visit: Visit, step: str) -> bool:
    try:
        await getattr(visit, step)()
        return True
    except (VisitorError, OSError, TimeoutError, HTTPClientError) as error:
        report.errors.append(f"seed {visit.seed}, {step}: {error}")
        return False


# ---------------------------------------------------------------------- runs


async def run_concurrent(
    url: str,
    pids: Sequence[int],
    visitors: int = 100,
    draws: int = 10_000,
    first_seed: int = 1,
    warm_up_urls: Sequence[str] = (),
) -> LoadReport:
    """``visitors`` open the page at once, then all act at once, then all leave.

    The baseline is taken after one visit to ``url``, or to each of
    ``warm_up_urls`` (every process behind a proxy: a process's first visit
    imports and caches what later sessions share).
    """
    report = LoadReport(visitors=visitors)
    # Tornado's shared client runs 10 requests at a time; visitors must not queue here.
    AsyncHTTPClient.configure(None, max_clients=max(visitors, 10))
    for warm_up_url in warm_up_urls or [url]:
        await _warm_up(warm_up_url)
    report.rss_before = await settled_mb(pids)
    visits = [Visit(url, first_seed + i, draws, report) for i in range(visitors)]
    with PeakMemory(pids) as memory:
        opened = await asyncio.gather(*(_guarded(report, v, "open") for v in visits))
        ready = [v for v, ok in zip(visits, opened, strict=True) if ok]
        await asyncio.gather(*(_guarded(report, v, "act") for v in ready))
        await asyncio.gather(*(v.visitor.close() for v in visits))
    report.rss_peak = memory.peak
    report.rss_after = await settled_mb(pids)
    return report


async def _warm_up(url: str) -> None:
    """One full visit first: module imports and caches are not per-session memory."""
    warm = LoadReport(visitors=1)
    visit = Visit(url, 0, 1_000, warm)
    await visit.open()
    await visit.act()
    await visit.visitor.close()
    if warm.errors:
        raise VisitorError(f"warm-up visit failed: {warm.errors}")


async def run_sequential(url: str, pids: Sequence[int], visits: int = 1000) -> dict[str, float]:
    """Open and close the page ``visits`` times, one after another; memory before/after (MB)."""
    await _warm_up(url)
    before = await settled_mb(pids)
    for _ in range(visits):
        visitor = Visitor(url)
        await visitor.open()
        await visitor.close()
    after = await settled_mb(pids)
    return {"visits": visits, "before": before, "after": after, "growth": after - before}


def sequential_rows(result: dict[str, float]) -> list[dict[str, object]]:
    return [
        {
            "what": f"memory before {result['visits']:.0f} sequential visits (MB)",
            "value": result["before"],
            "target": "-",
        },
        {"what": "memory after them (MB)", "value": result["after"], "target": "-"},
        {"what": "growth (MB)", "value": result["growth"], "target": "<= 30"},
    ]
