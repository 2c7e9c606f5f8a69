"""A short load test against one real ``panel serve`` process (``make load`` runs the full one).

Ten visitors open the page at once, move tau, resample and run a 10^4-draw Monte
Carlo; every answer is checked against the engine for the visitor's seed. Then
sessions close, and fifty sequential visits follow. Memory is the server's RSS.
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Iterator

import numpy as np
import pytest

from gumbel_viz.model import GumbelSoftmaxModel
from support.load import SESSION_CLEANUP_ARGS, run_concurrent, run_sequential
from support.served import served_process
from support.visitor import Visitor


@pytest.fixture(scope="module")
def load_server() -> Iterator[tuple[str, subprocess.Popen]]:
    with served_process(*SESSION_CLEANUP_ARGS) as served:
        yield served


def test_ten_concurrent_visitors_get_their_own_right_answers(load_server) -> None:
    url, server = load_server
    report = asyncio.run(run_concurrent(url, [server.pid], visitors=10, draws=10_000))
    assert report.errors == []
    assert all(len(seconds) == 10 for seconds in report.seconds.values())
    # Back within 20 % of the baseline (the bound), and most of what the
    # sessions took is returned: kept by the allocator (gumbel_viz/memory.py not
    # releasing) or leaked (~3 MB per session), it would fail the second bound.
    assert report.rss_after <= 1.2 * report.rss_before, report.rows()
    assert report.rss_after - report.rss_before <= 0.3 * (report.rss_peak - report.rss_before)


def test_sequential_visits_do_not_grow_memory(load_server) -> None:
    url, server = load_server
    result = asyncio.run(run_sequential(url, [server.pid], visits=50))
    assert result["growth"] <= 15, result  # 50 leaked sessions would be ~75 MB


async def _resample_sequence(url: str, seed: int, draws: int) -> list[np.ndarray]:
    """Open a session with ``seed``, resample ``draws`` times; pi, g seen after each."""
    visitor = Visitor(url, {"seed": str(seed)})
    await visitor.open()
    bars = visitor.document.get_model_by_name("sample-bars")
    button = visitor.model(
        lambda m: type(m).__name__ == "Button" and m.label == "Resample", "Resample button"
    )
    seen = [np.concatenate([bars.data["pi"], bars.data["g"]])]
    for _ in range(draws):
        before = np.array(bars.data["g"])
        visitor.click(button)
        await visitor.wait_for(
            lambda before=before: not np.array_equal(bars.data["g"], before), "new noise"
        )
        seen.append(np.concatenate([bars.data["pi"], bars.data["g"]]))
    await visitor.close()
    return seen


def _expected_sequence(seed: int, draws: int) -> list[np.ndarray]:
    model = GumbelSoftmaxModel(seed=seed)
    sequence = [np.concatenate([model.probabilities, model.noise])]
    for _ in range(draws):
        model.param.trigger("resample")
        sequence.append(np.concatenate([model.probabilities, model.noise]))
    return sequence


def test_twenty_concurrent_sessions_each_replay_their_own_seed(load_server) -> None:
    """Sessions share one process and interleave, yet each sees exactly its seed's draws."""
    url, _server = load_server
    seeds = [1000 + 7 * i for i in range(20)]

    async def all_at_once() -> list[list[np.ndarray]]:
        return await asyncio.gather(*(_resample_sequence(url, s, 5) for s in seeds))

    for seed, seen in zip(seeds, asyncio.run(all_at_once()), strict=True):
        expected = _expected_sequence(seed, 5)
        assert len(seen) == len(expected)
        for got, want in zip(seen, expected, strict=True):
            np.testing.assert_array_equal(got, want)  # bit for bit
