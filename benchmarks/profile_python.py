"""Python profiles: a session's creation and a 10^6-draw Monte Carlo run.

* pyinstrument, in-process: ``Explorer().page()`` rendered into a fresh Document
  and serialised (what a visit's PULL-DOC sends), and ``run_monte_carlo`` plus
  the view's update for 10^6 draws.
* py-spy, against ``panel serve app.py`` while sessions are opened with
  ``bokeh.client.pull_session`` (the real server path: HTTP page + websocket).
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import panel as pn
from bokeh.document import Document
from panel.io.state import set_curdoc
from pyinstrument import Profiler

from support.served import served_process

SESSIONS = 10


@dataclass
class PyProfile:
    name: str
    wall_ms: float  # one run, not profiled
    profiled_ms: float  # per run under pyinstrument
    top: list[tuple[str, float]]  # (function, self ms per run)


def build_session() -> None:
    """A visit's server-side work: the page built into a new document, serialised."""
    from gumbel_viz import Explorer

    doc = Document()
    with set_curdoc(doc):
        Explorer().page().server_doc(doc)
        doc.to_json()


def montecarlo_run() -> None:
    """One Run click's server work: 10^6 draws at k = 5, then the charts' update."""
    from gumbel_viz import GumbelSoftmaxModel
    from gumbel_viz.core.montecarlo import run_monte_carlo
    from gumbel_viz.views.monte_carlo import MonteCarloView

    model = GumbelSoftmaxModel(k=5, seed=1)
    view = MonteCarloView(model=model, n_draws=1_000_000)
    rng = np.random.default_rng(0)
    view._show(run_monte_carlo(model.logits, float(model.tau), 1_000_000, rng))


def pyinstrument_profile(name: str, fn, runs: int, out: Path) -> PyProfile:
    fn()  # warm: imports and first-call caches are not what a visit pays
    start = time.perf_counter()
    fn()
    unprofiled = (time.perf_counter() - start) * 1e3
    profiler = Profiler(interval=0.001)
    start = time.perf_counter()
    profiler.start()
    for _ in range(runs):
        fn()
    profiler.stop()
    wall = (time.perf_counter() - start) / runs * 1e3
    (out / f"pyinstrument-{name}.html").write_text(profiler.output_html())
    (out / f"pyinstrument-{name}.txt").write_text(profiler.output_text(color=False))
    return PyProfile(name, unprofiled, wall, _self_times(profiler, runs))


def _self_times(profiler: Profiler, runs: int) -> list[tuple[str, float]]:
    """Self time per function (ms per run), from pyinstrument's frame tree."""
    totals: Counter[str] = Counter()
    stack = [profiler.last_session.root_frame()] if profiler.last_session else []
    while stack:
        frame = stack.pop()
        if frame is None:
            continue
        stack.extend(frame.children)
        if frame.function == "[self]" or frame.parent is None:
            continue  # pyinstrument's self-time markers and root; counted via the parent
        short = Path(frame.file_path or "?").name
        totals[f"{frame.function} ({short}:{frame.line_no})"] += frame.total_self_time
    return [(name, seconds * 1e3 / runs) for name, seconds in totals.most_common(15)]


def py_spy_server(out: Path, sessions: int = SESSIONS) -> tuple[str, dict[str, list]]:
    """py-spy record of the served app while ``sessions`` visits are opened.

    Returns a status line and the top functions, leaf ("self") and with callees
    ("ours", gumbel_viz only), as shares of the active samples (%).
    """
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        return "py-spy not installed", {}
    from bokeh.client import pull_session

    from .bench_server import leave

    raw = out / "py-spy-server.txt"
    with served_process() as (url, server):
        leave(pull_session(url=url))  # warm the server
        recorder = subprocess.Popen(
            [
                spy,
                "record",
                "--pid",
                str(server.pid),
                "--rate",
                "500",
                "--format",
                "raw",
                "--output",
                str(raw),
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(1.0)  # py-spy attaching
        for _ in range(sessions):
            leave(pull_session(url=url))
        recorder.send_signal(signal.SIGINT)
        _, err = recorder.communicate(timeout=30)
    if not raw.exists():
        return f"py-spy failed: {err.strip()[-300:]}", {}
    return "py-spy record worked (ptrace allowed)", _shares(raw.read_text())


def _shares(collapsed: str) -> dict[str, list]:
    """Shares of samples from py-spy's collapsed stacks ("a;b;c count")."""
    leaves: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not (stack and count.isdigit()):
            continue
        frames = stack.split(";")
        leaves[frames[-1]] += int(count)
        for name in {re.sub(r":\d+\)$", ")", f) for f in frames if "gumbel_viz/" in f}:
            ours[name] += int(count)
    total = sum(leaves.values()) or 1
    return {
        "self": [(name, 100 * n / total) for name, n in leaves.most_common(12)],
        "ours": [(name, 100 * n / total) for name, n in ours.most_common(12)],
    }


def measure(out: Path) -> dict[str, object]:
    out.mkdir(parents=True, exist_ok=True)
    pn.extension()  # as app.py does
    return {
        "session": pyinstrument_profile("session", build_session, 10, out),
        "montecarlo": pyinstrument_profile("montecarlo", montecarlo_run, 3, out),
        "py-spy": py_spy_server(out),
    }
