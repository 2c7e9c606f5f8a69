"""The Worker: heavy work in a thread, one run at a time, stale results dropped, streams."""

from __future__ import annotations

import asyncio
import threading

import panel as pn

from gumbel_viz.views.base import Worker, drop_grid, new_figure


def test_a_job_runs_in_a_thread_with_the_button_busy() -> None:
    button = pn.widgets.Button(label="Go")
    seen: dict[str, object] = {}

    def job() -> int:
        seen.update(thread=threading.current_thread(), label=button.label, off=button.disabled)
        return 42

    shown: list[int] = []
    worker = Worker(lambda: job, shown.append, button=button, busy_label="Going…")
    asyncio.run(worker.run())
    assert shown == [42] and seen["thread"] is not threading.main_thread()
    assert seen["label"] == "Going…" and seen["off"]
    assert button.label == "Go" and not button.disabled and not worker.busy
    assert not button.loading  # a label, not the loading spinner


def test_a_stale_result_is_dropped_or_recomputed() -> None:
    proceed = threading.Event()
    inputs = {"x": 1}
    shown: list[int] = []

    def prepare():
        x = inputs["x"]
        return lambda: proceed.wait(10) and x

    for rerun, expected in ((False, []), (True, [2])):
        shown.clear()
        inputs["x"] = 1
        proceed.clear()
        worker = Worker(prepare, shown.append, rerun_stale=rerun)

        async def scenario(worker: Worker = worker) -> None:
            task = asyncio.create_task(worker.run())
            await asyncio.sleep(0)  # let the run start its thread
            inputs["x"] = 2
            worker.invalidate()
            proceed.set()
            await task

        asyncio.run(scenario())
        assert shown == expected


def test_a_stream_is_shown_as_it_comes_and_stop_keeps_the_last_value() -> None:
    shown: list[int] = []
    release = threading.Event()

    def values():
        for i in range(1, 1000):
            if i == 3:
                release.wait(10)  # the test presses Stop here
            yield i

    worker = Worker(lambda: values, shown.append, interval=0.0)

    async def scenario() -> None:
        task = asyncio.create_task(worker.run())
        while len(shown) < 2:
            await asyncio.sleep(0.001)
        worker.stop()
        release.set()
        await task

    asyncio.run(scenario())
    assert shown[:2] == [1, 2] and shown[-1] == shown[-2] and shown[-1] <= 4
    assert not worker.busy


def test_a_stream_is_throttled_but_its_last_value_always_shown() -> None:
    shown: list[int] = []
    worker = Worker(lambda: lambda: iter(range(500)), shown.append, interval=3600.0)
    asyncio.run(worker.run())
    assert shown == [0, 499]


def test_drop_grid_removes_only_the_grids_named() -> None:
    def grid_dimensions(fig) -> list[int]:
        return sorted(grid.dimension for grid in fig.grid)

    fig = new_figure("chart")
    assert grid_dimensions(fig) == [0, 1]
    drop_grid(fig, "x")
    assert grid_dimensions(fig) == [1] and len(fig.axis) == 2
    both = new_figure("chart")
    drop_grid(both)
    assert grid_dimensions(both) == []
