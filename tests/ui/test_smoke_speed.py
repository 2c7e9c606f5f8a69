"""Guards against gross regressions in speed, never against noise.

Each check has a margin of 5x or more over what ``make bench`` measures, so it
fails only when something is structurally wrong: a tau step that waits for the
server, or an engine that lost its vectorised path.
"""

from __future__ import annotations

import os
import signal
import subprocess
from functools import partial

import numpy as np
from playwright.sync_api import Page

from benchmarks.timing import median_seconds
from gumbel_viz.engine import gumbel_softmax

from .helpers import open_app, read_bars, tau_handle, wait_for_change


def test_tau_keys_repaint_while_the_server_is_frozen(
    page: Page, app_server: tuple[str, subprocess.Popen]
) -> None:
    """With the server process stopped, the chart must still follow the tau keys."""
    url, server = app_server
    open_app(page, url)
    before = read_bars(page)
    handle = tau_handle(page)
    handle.focus()
    os.kill(server.pid, signal.SIGSTOP)
    try:
        handle.press("PageDown")
        wait_for_change(page, "y", before["y"])
    finally:
        os.kill(server.pid, signal.SIGCONT)
    assert read_bars(page)["pi"] == before["pi"]


def test_engine_is_within_10x_of_the_numpy_floor() -> None:
    """10^6 x 5 float32 relaxed samples: about 2x the exponential floor; fail at 10x."""
    rng = np.random.default_rng(0)
    logits = np.log(rng.dirichlet(np.ones(5))).astype(np.float32)
    floor = median_seconds(
        partial(rng.standard_exponential, (10**6, 5), dtype=np.float32), repeats=3
    )
    ours = median_seconds(
        partial(gumbel_softmax, logits, 0.5, rng=rng, sample_shape=10**6), repeats=3
    )
    assert ours / floor < 10, f"engine took {ours / floor:.1f}x the NumPy floor"
