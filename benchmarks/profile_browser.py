"""Chrome profiles of the app: a page load until the main chart is painted, a burst
of tau key presses, and the load of a bare Panel page (one Bokeh figure) as the floor.

Each scenario is traced with DevTools' timeline categories and the sampled CPU
profile (``chrome_trace.CATEGORIES``); the raw traces open in Chrome's
Performance panel. Milestones come from ``performance.mark`` calls an init
script makes (``gs:*``), so they show in the trace too.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

from support.browser import tau_handle
from support.served import free_port, launch_args, served_app, server_errors, wait_for_http
from support.tables import percentile

from . import chrome_trace as ct
from .bench_browser import CHART_PAINTED, LOAD_DONE

# Marks each load milestone once: BokehJS evaluated, embed_items called and
# resolved (views built), the websocket's open and first message (the document),
# the chart view's first finished paint.
MILESTONES_INIT = """(() => {
  const mark = (name) => { if (!performance.getEntriesByName('gs:' + name).length)
    performance.mark('gs:' + name) }
  let bokeh
  Object.defineProperty(window, 'Bokeh', {configurable: true,
    get() { return bokeh }, set(value) { bokeh = value; mark('bokeh-defined') }})
  const NativeWebSocket = window.WebSocket
  window.WebSocket = class extends NativeWebSocket {
    constructor(...args) {
      super(...args)
      mark('ws-created')
      this.addEventListener('open', () => mark('ws-open'))
      this.addEventListener('message', () => mark('ws-first-message'))
    }
  }
  document.addEventListener('DOMContentLoaded', () => {
    if (bokeh === undefined) return
    const embed = bokeh.embed.embed_items
    bokeh.embed.embed_items = (...args) => {
      mark('embed-start')
      const done = embed(...args)
      Promise.resolve(done).then(() => mark('embed-done'))
      return done
    }
  })
  const poll = () => {
    const doc = bokeh?.documents?.[0]
    if (doc !== undefined) mark('document-built')
    const chart = doc?.get_model_by_name('sample-chart')
    const view = chart ? bokeh.index.find_one(chart) : undefined
    if (view !== undefined) mark('chart-view-built')
    if (view?.has_finished()) { mark('chart-painted'); return }
    requestAnimationFrame(poll)
  }
  requestAnimationFrame(poll)
})()"""

READ_TIMINGS = """() => {
  const nav = performance.getEntriesByType('navigation')[0]
  const out = {ttfb: nav.responseStart, 'html-received': nav.responseEnd,
    'dom-content-loaded': nav.domContentLoadedEventEnd}
  for (const p of performance.getEntriesByType('paint')) out[p.name] = p.startTime
  for (const m of performance.getEntriesByType('mark'))
    if (m.name.startsWith('gs:')) out[m.name.slice(3)] = m.startTime
  return out
}"""

# Per press: keydown, the chart data's change, the next animation frame, and the
# task after it (the frame painted); bench_browser's key->paint is the last minus the first.
PHASES_PROBE = """() => {
  window.__phases = []
  let current = null
  document.addEventListener('keydown', () => {
    current = {keydown: performance.now()}
    performance.mark('gs:keydown')
  }, true)
  const bars = Bokeh.documents[0].get_model_by_name('sample-bars')
  const changed = () => {
    if (current === null || current.change !== undefined) return
    const press = current
    press.change = performance.now()
    requestAnimationFrame(() => {
      press.frame = performance.now()
      setTimeout(() => { press.painted = performance.now(); window.__phases.push(press) })
    })
  }
  bars.connect(bars.change, changed)
  bars.connect(bars.patching, changed)
}"""

BARE_APP = '''\
"""A bare Panel page with one Bokeh figure: the load-time floor of this stack."""
import panel as pn
from bokeh.models import ColumnDataSource
from bokeh.plotting import figure

pn.extension()
source = ColumnDataSource(name="sample-bars", data={"x": ["1", "2", "3"], "top": [1, 2, 3]})
fig = figure(name="sample-chart", x_range=["1", "2", "3"], height=380,
             sizing_mode="stretch_width")
fig.vbar(x="x", top="top", width=0.5, source=source)
pn.pane.Bokeh(fig, sizing_mode="stretch_width").servable()
'''

LOAD_ORDER = [
    "ttfb",
    "html-received",
    "bokeh-defined",
    "dom-content-loaded",
    "embed-start",
    "first-paint",
    "first-contentful-paint",
    "ws-created",
    "ws-open",
    "ws-first-message",
    "document-built",
    "chart-view-built",
    "embed-done",
    "chart-painted",
]


@dataclass
class LoadProfile:
    name: str
    milestones: dict[str, float]  # ms since navigation start, median over loads
    by_url: dict[str, float]  # CPU self time per script, ms (one traced load)
    by_caller: dict[str, float]  # V8 builtins' time charged to the calling script
    by_function: dict[str, float]
    evaluate: dict[str, float]  # EvaluateScript per file
    events: dict[str, float]  # timeline events, inclusive ms
    phases: dict[str, float]  # CPU busy ms between consecutive milestones
    loads: list[float] = field(default_factory=list)  # untraced loads, chart painted


@dataclass
class TauProfile:
    latencies: list[float]
    phases: dict[str, float]  # median ms per phase
    by_url: dict[str, float]  # per press, ms
    by_caller: dict[str, float]
    by_function: dict[str, float]
    events: dict[str, float]  # per press


@contextmanager
def served_script(source: str) -> Iterator[str]:
    """Serve a one-file Panel app (``source``) from a temp dir; yield its URL."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "bare.py"
        script.write_text(source)
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "panel",
                "serve",
                str(script),
                "--port",
                str(port),
                "--address",
                "127.0.0.1",
                "--allow-websocket-origin",
                f"127.0.0.1:{port}",
            ],
            cwd=tmp,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        url = f"http://127.0.0.1:{port}/bare"
        try:
            wait_for_http(url)
            yield url
        finally:
            server.terminate()
            _, log = server.communicate(timeout=10)
        if errors := server_errors(log):
            raise AssertionError("the bare server logged an error:\n" + "\n".join(errors))


def timed_load(browser: Browser, url: str) -> dict[str, float]:
    """One load in a fresh tab: its milestones (ms since navigation start)."""
    page = browser.new_page()
    try:
        page.add_init_script(MILESTONES_INIT)
        page.goto(url)
        page.wait_for_function(CHART_PAINTED, polling="raf")
        page.wait_for_function("() => performance.getEntriesByName('gs:chart-painted').length")
        return page.evaluate(READ_TIMINGS)
    finally:
        page.close()


def profile_load(browser: Browser, url: str, name: str, out: Path, loads: int) -> LoadProfile:
    timed_load(browser, url)  # warm the server's and the browser's caches
    runs = [timed_load(browser, url) for _ in range(loads)]
    trace = out / f"load-{name}.trace.json"
    page = browser.new_page()
    try:
        page.add_init_script(MILESTONES_INIT)
        browser.start_tracing(page=page, path=str(trace), categories=ct.CATEGORIES)
        page.goto(url)
        page.wait_for_function(CHART_PAINTED, polling="raf")
        page.wait_for_timeout(100)  # let the painted frame reach the trace
        browser.stop_tracing()
        traced = page.evaluate(READ_TIMINGS)
    finally:
        page.close()
    return summarise_load(name, trace, runs, traced)


def summarise_load(
    name: str, trace: Path, runs: list[dict[str, float]], traced: dict[str, float]
) -> LoadProfile:
    events = ct.load_events(trace)
    samples = ct.renderer_samples(events)
    thread = ct.main_thread(events)
    marks = ct.user_marks(events)
    # performance.now() 0 (navigation start) on the trace clock, from any gs: mark.
    anchor = next(m for m in marks if m.startswith("gs:"))
    origin = marks[anchor] - traced[anchor[3:]] * 1e3
    end = origin + traced["chart-painted"] * 1e3
    load = samples.window(origin, end)
    milestones = {
        key: statistics.median(run[key] for run in runs)
        for key in LOAD_ORDER
        if all(key in run for run in runs)
    }
    return LoadProfile(
        name=name,
        milestones=milestones,
        by_url=dict(ct.self_time_by_url(load)),
        by_caller=dict(ct.builtin_time_by_caller(load)),
        by_function=dict(ct.self_time_by_function(load)),
        evaluate=dict(ct.script_evaluation(events, thread)),
        events=dict(ct.event_totals(events, thread, origin, end)),
        phases=busy_between(load, traced, origin),
        loads=[run["chart-painted"] for run in runs],
    )


def busy_between(samples: ct.Samples, traced: dict[str, float], origin: float) -> dict[str, float]:
    """CPU busy ms on the main thread between consecutive milestones of the traced load."""
    points = sorted(
        ((traced[key], key) for key in LOAD_ORDER if key in traced), key=lambda p: p[0]
    )
    phases, previous, label = {}, 0.0, "navigation start"
    for at, key in points:
        window = samples.window(origin + previous * 1e3, origin + at * 1e3)
        phases[f"{label} -> {key} ({at - previous:.0f} ms wall)"] = window.busy_ms()
        previous, label = at, key
    return phases


def press_burst(page: Page, presses: int) -> None:
    handle = tau_handle(page)
    handle.focus()
    for i in range(presses):
        handle.press("ArrowLeft" if (i // 20) % 2 == 0 else "ArrowRight")
        page.wait_for_function(f"() => window.__phases.length > {i}")


def profile_tau(browser: Browser, url: str, out: Path, presses: int) -> TauProfile:
    page = browser.new_page()
    try:
        page.goto(url)
        page.wait_for_function(LOAD_DONE)
        page.evaluate(PHASES_PROBE)
        press_burst(page, presses)  # untraced: the latencies
        phases = page.evaluate("() => window.__phases.splice(0)")
        trace = out / "tau-keys.trace.json"
        browser.start_tracing(page=page, path=str(trace), categories=ct.CATEGORIES)
        press_burst(page, presses)
        browser.stop_tracing()
    finally:
        page.close()
    return summarise_tau(trace, phases, presses)


def summarise_tau(trace: Path, phases: list[dict[str, float]], presses: int) -> TauProfile:
    events = ct.load_events(trace)
    thread = ct.main_thread(events)
    keydowns = [e["ts"] for e in events if e.get("name") == "gs:keydown"]
    start, end = min(keydowns), max(keydowns) + 50_000  # through the last press's frame
    samples = ct.renderer_samples(events).window(start, end)
    per = 1.0 / presses
    return TauProfile(
        latencies=[p["painted"] - p["keydown"] for p in phases],
        phases={
            "keydown -> data change (handlers, relax_tau.js)": _median(
                phases, "keydown", "change"
            ),
            "data change -> next animation frame (waiting)": _median(phases, "change", "frame"),
            "animation frame -> painted (render, paint)": _median(phases, "frame", "painted"),
        },
        by_url=_scaled(ct.self_time_by_url(samples), per),
        by_caller=_scaled(ct.builtin_time_by_caller(samples), per),
        by_function=_scaled(ct.self_time_by_function(samples), per),
        events=_scaled(ct.event_totals(events, thread, start, end), per),
    )


def _median(phases: list[dict[str, float]], a: str, b: str) -> float:
    return statistics.median(p[b] - p[a] for p in phases)


def _scaled(totals: dict[str, float], factor: float) -> dict[str, float]:
    return {key: value * factor for key, value in totals.items()}


def measure(out: Path, loads: int = 7, presses: int = 40) -> dict[str, object]:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_args())
        with served_app() as url:
            app = profile_load(browser, url, "app", out, loads)
            tau = profile_tau(browser, url, out, presses)
        with served_script(textwrap.dedent(BARE_APP)) as url:
            bare = profile_load(browser, url, "bare-panel", out, loads)
        browser.close()
    return {"app": app, "bare": bare, "tau": tau}


def p50_p95(values: list[float]) -> tuple[float, float]:
    return percentile(values, 50), percentile(values, 95)
