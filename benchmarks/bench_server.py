"""Server figures, ours against the bare reference page, both served at once.

Visitors: each of 30 sequential visits to each app (interleaved ABAB) fetches the
page (which makes the server build a session's document, as a browser's visit
does) and then opens a ``bokeh.client`` session and closes it. The server's CPU
per visitor is the growth of its utime + stime (/proc/<pid>/stat) from one of its
visits to its next, so the work a visit leaves behind (discarding the session) is
charged too. Concurrency: 50 ``bokeh.client`` sessions opened at once, in
threads, on one process; the seconds until the last is open.

Memory (:func:`measure_memory`): sessions opened one by one and kept open, the
slope of the server's resident set size against the number open; then all closed,
and the seconds until the RSS is back to the baseline (a condition polled up to a
timeout); then a second class the same way, whose end shows whether memory kept
after the first is reused or grows with every class. Measured under the Makefile's
environment (``PYTHONMALLOC=malloc``) and under a plain ``panel serve app.py`` (no
environment, no options).
"""

from __future__ import annotations

import importlib
import pkgutil
import statistics
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import numpy as np
import panel.models
from bokeh.client import ClientSession, pull_session

from support.memory import cpu_seconds, resident_mb
from support.served import served_process

from .ratios import BARE_APP, at_most, at_most_ratio, ratio_row

VISITS = 30
CONCURRENT = 50
CONCURRENT_TRIALS = 2
SESSIONS = 20
BASELINE_TOLERANCE_MB = 2.0
BASELINE_TIMEOUT_S = 60.0
APPS = {"ours": "app.py", "bare": BARE_APP}
# Python treats an empty PYTHONMALLOC as unset: the default allocator (pymalloc).
ENVIRONMENTS = {
    "Makefile env (PYTHONMALLOC=malloc)": {"PYTHONMALLOC": "malloc"},
    "plain `panel serve app.py`": {"PYTHONMALLOC": ""},
}


def _register_panel_models() -> None:
    """Import every Panel model class so pulled documents can be decoded here."""
    for module in pkgutil.iter_modules(panel.models.__path__):
        importlib.import_module(f"panel.models.{module.name}")


def leave(session: ClientSession) -> None:
    """Close ``session`` as a browser that leaves does: to the end of the close
    handshake, when the socket closes. ``close()`` alone only sends the close frame:
    the client's loop is not running to finish it, so its sockets stay half-open and
    the server keeps every connection's objects (and the memory they pin)."""
    session.close()
    session._loop_until_closed()  # Bokeh's helper for tests: runs the client's loop


def visit(url: str) -> tuple[float, float]:
    """Fetch the page, then open and close a session: (GET s, session s)."""
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as response:
        response.read()
    fetched = time.perf_counter()
    session = pull_session(url=url)
    opened = time.perf_counter()
    leave(session)
    return fetched - start, opened - fetched


def open_concurrently(url: str, count: int = CONCURRENT) -> tuple[float, list[ClientSession]]:
    """Open ``count`` sessions at once (one thread each): seconds until all are open."""
    start = time.perf_counter()
    with ThreadPoolExecutor(count) as pool:
        sessions = list(pool.map(lambda _: pull_session(url=url), range(count)))
    return time.perf_counter() - start, sessions


def _served(stack: ExitStack, env: dict[str, str] | None = None) -> dict[str, tuple[str, int]]:
    served = {}
    for name, app in APPS.items():
        url, server = stack.enter_context(served_process(env=env, app=app))
        served[name] = (url, server.pid)
    return served


def measure(visits: int = VISITS) -> list[dict[str, object]]:
    """The visitor and concurrency rows of the ratio table (Makefile environment)."""
    _register_panel_models()
    cpu: dict[str, list[float]] = {name: [] for name in APPS}
    gets: dict[str, list[float]] = {name: [] for name in APPS}
    opens: dict[str, list[float]] = {name: [] for name in APPS}
    concurrent: dict[str, list[float]] = {name: [] for name in APPS}
    with ExitStack() as stack:
        served = _served(stack)
        for url, _pid in served.values():  # warm up: imports, first-session caches
            for _ in range(2):
                visit(url)
        last = {name: cpu_seconds(pid) for name, (_url, pid) in served.items()}
        for i in range(visits + 1):
            for name, (url, pid) in served.items():  # ABAB
                now = cpu_seconds(pid)
                if i > 0:
                    cpu[name].append(now - last[name])
                last[name] = now
                if i < visits:
                    got, opened = visit(url)
                    gets[name].append(got)
                    opens[name].append(opened)
        for _ in range(CONCURRENT_TRIALS):
            for name, (url, _pid) in served.items():  # ABAB
                seconds, sessions = open_concurrently(url)
                concurrent[name].append(seconds)
                for session in sessions:
                    leave(session)
    ms = {name: [s * 1e3 for s in values] for name, values in opens.items()}
    get_ms = {name: [s * 1e3 for s in values] for name, values in gets.items()}
    return [
        ratio_row(
            f"server CPU per new visitor (s; page GET + session, {visits} sequential)",
            cpu["ours"], cpu["bare"], "≤ 1.5× bare", at_most_ratio(1.5),
        ),
        ratio_row(
            "server CPU per new visitor (s, mean in the median's place)",
            cpu["ours"], cpu["bare"], "≤ 1.5× bare", at_most_ratio(1.5), centre=statistics.mean,
        ),
        ratio_row("page GET (ms)", get_ms["ours"], get_ms["bare"], "–"),
        ratio_row("bokeh.client session open (ms)", ms["ours"], ms["bare"], "–"),
        ratio_row(
            f"{CONCURRENT} concurrent bokeh.client sessions, one process: all open (s)",
            concurrent["ours"], concurrent["bare"], "–",
        ),
    ]  # fmt: skip


def wait_for_baseline(pids: dict[str, int], baselines: dict[str, float]) -> dict[str, float]:
    """Seconds until each server's RSS is within the tolerance of its baseline
    (``BASELINE_TIMEOUT_S`` when it never gets there)."""
    start, reached = time.monotonic(), {}
    while len(reached) < len(pids) and time.monotonic() - start < BASELINE_TIMEOUT_S:
        for name, pid in pids.items():
            if (
                name not in reached
                and resident_mb([pid]) <= baselines[name] + BASELINE_TOLERANCE_MB
            ):
                reached[name] = time.monotonic() - start
        time.sleep(0.25)  # polling the condition
    return {name: reached.get(name, BASELINE_TIMEOUT_S) for name in pids}


def a_class_visits(served: dict[str, tuple[str, int]], sessions: int) -> dict[str, list[float]]:
    """``sessions`` opened one by one on each app (ABAB) and kept open, then all
    closed: each server's RSS before the first and after each opening."""
    rss = {name: [resident_mb([pid])] for name, (_url, pid) in served.items()}
    kept = []
    for _ in range(sessions):
        for name, (url, pid) in served.items():
            kept.append(pull_session(url=url))
            rss[name].append(resident_mb([pid]))
    for session in kept:
        leave(session)
    return rss


def measure_memory(sessions: int = SESSIONS) -> list[dict[str, object]]:
    """Memory per open session and back to baseline, under both environments; then
    a second class, to tell memory kept for reuse from memory lost."""
    _register_panel_models()
    rows = []
    for label, env in ENVIRONMENTS.items():
        with ExitStack() as stack:
            served = _served(stack, env)
            pids = {name: pid for name, (_url, pid) in served.items()}
            for url, _pid in served.values():
                for _ in range(2):
                    leave(pull_session(url=url))  # warm up
            time.sleep(1)  # the warm-up sessions' close reaches the servers
            baselines = {name: resident_mb([pid]) for name, pid in pids.items()}
            rss = a_class_visits(served, sessions)
            seconds = wait_for_baseline(pids, baselines)
            left = {name: resident_mb([pid]) - baselines[name] for name, pid in pids.items()}
            a_class_visits(served, sessions)
            wait_for_baseline(pids, baselines)
            left_twice = {name: resident_mb([pid]) - baselines[name] for name, pid in pids.items()}
        slope = {
            name: float(np.polyfit(np.arange(len(values)), values, 1)[0])
            for name, values in rss.items()
        }
        peak = {name: values[-1] - baselines[name] for name, values in rss.items()}
        rows += [
            ratio_row(
                f"{label}: memory per open session (MB, slope over {sessions})",
                [slope["ours"]], [slope["bare"]], "≤ 1.5 MB", at_most(1.5),
            ),
            ratio_row(
                f"{label}: RSS with {sessions} open, above baseline (MB)",
                [peak["ours"]], [peak["bare"]], "–",
            ),
            ratio_row(
                f"{label}: after closing, s until RSS ≤ baseline + {BASELINE_TOLERANCE_MB:g} MB",
                [seconds["ours"]], [seconds["bare"]], f"< {BASELINE_TIMEOUT_S:g} s (timeout)",
                at_most(BASELINE_TIMEOUT_S - 1), show_ratio=False,
            ),
            ratio_row(
                f"{label}: RSS above baseline at the end (MB)",
                [left["ours"]], [left["bare"]], f"≤ {BASELINE_TOLERANCE_MB:g}",
                at_most(BASELINE_TOLERANCE_MB), show_ratio=False,
            ),
            ratio_row(
                f"{label}: the same after a second class of {sessions} (MB)",
                [left_twice["ours"]], [left_twice["bare"]], "–", show_ratio=False,
            ),
        ]  # fmt: skip
    return rows


if __name__ == "__main__":
    from support.tables import print_table

    print_table("Server: ours vs bare", measure())
    print_table("Server memory: ours vs bare", measure_memory())
