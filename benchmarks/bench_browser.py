"""Browser figures, headless Chromium against the app served on localhost.

* tau key press -> repainted chart, two probes: (a) data change, from the keydown
  event to the first task after the next animation frame that follows the chart's
  data change (the frame the new bars are painted in); (b) pixels, from the keydown
  to the first task after an animation frame in which the chart's canvas pixels
  differ from what they were before the press (``getImageData``). Each press waits
  a random fraction of a frame first (:func:`key_to_paint_ms`).
* page load -> first chart: navigation start to the first animation frame in
  which the main chart's view reports it has finished painting.

:func:`measure` runs each on the app and on the bare reference page
(``benchmarks/bare_app.py``, same model names, so the same probes), both served at
once, trials interleaved ABAB; :func:`measure_app` the app's own figures.
"""

from __future__ import annotations

import random
import statistics
import time

from playwright.sync_api import Browser, Page, expect, sync_playwright

from support.browser import BARS_READY, tau_handle
from support.served import launch_args, served_app
from support.tables import percentile

from .ratios import BARE_APP, at_most_ratio, p50, ratio_row

INSTALL_KEY_TO_PAINT_PROBE = """() => {
  window.__latencies = []
  let pressed = null
  document.addEventListener('keydown', () => { pressed = performance.now() }, true)
  const bars = Bokeh.documents[0].get_model_by_name('sample-bars')
  const repainted = () => {
    if (pressed === null) return
    const start = pressed
    pressed = null
    requestAnimationFrame(() => setTimeout(() => {
      window.__latencies.push(performance.now() - start)
    }))
  }
  bars.connect(bars.change, repainted)
  bars.connect(bars.patching, repainted)
}"""

INSTALL_CLICK_TO_CHARTS_PROBE = """() => {
  window.__mc = []
  let clicked = null
  document.addEventListener('click', () => { clicked = performance.now() }, true)
  const frequencies = Bokeh.documents[0].get_model_by_name('mc-frequencies')
  frequencies.connect(frequencies.properties.data.change, () => {
    if (clicked === null || frequencies.data.cls.length === 0) return
    const start = clicked
    clicked = null
    requestAnimationFrame(() => setTimeout(() => { window.__mc.push(performance.now() - start) }))
  })
}"""

# The chart's canvas pixels are read before each press (window.__armPixels) and
# after every animation frame that follows it, until they differ.
INSTALL_KEY_TO_PIXELS_PROBE = """() => {
  window.__latencies = []
  const chart = Bokeh.documents[0].get_model_by_name('sample-chart')
  const pixels = () => {
    const canvas = Bokeh.index.find_one(chart).canvas.primary.canvas
    const context = canvas.getContext('2d')
    return new Uint32Array(context.getImageData(0, 0, canvas.width, canvas.height).data.buffer)
  }
  let before = null
  window.__armPixels = () => { before = pixels() }
  const differs = (a, b) => {
    if (a.length !== b.length) return true
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return true
    return false
  }
  document.addEventListener('keydown', () => {
    const start = performance.now()
    const reference = before
    const check = () => {
      if (differs(pixels(), reference)) window.__latencies.push(performance.now() - start)
      else requestAnimationFrame(() => setTimeout(check))
    }
    requestAnimationFrame(() => setTimeout(check))
  }, true)
}"""

LOAD_DONE = f"() => ({BARS_READY})() && Bokeh.documents[0].is_idle"


FRAME_S = 1 / 60  # the browser's frame interval


def key_to_paint_ms(
    page: Page, url: str, presses: int, probe: str, phase: random.Random
) -> list[float]:
    """``presses`` tau key presses, each from the keydown to the repaint ``probe`` sees.

    A press sent as soon as the last one was seen painted arrives at the same point of
    the browser's frame every time (Playwright's poll runs in an animation frame, then
    one round trip), so the latencies would all sample one phase, a different one per
    page. So each press first waits a random fraction of a frame (drawn from
    ``phase``), and the presses arrive at every phase of the frame, as a person's do.
    """
    page.goto(url)
    page.wait_for_function(LOAD_DONE)
    page.evaluate(probe)
    pixels = "__armPixels" in probe
    handle = tau_handle(page)
    handle.focus()
    for i in range(presses):
        if pixels:
            page.evaluate("() => window.__armPixels()")
        time.sleep(phase.uniform(0, FRAME_S))  # the randomisation itself, not a wait
        handle.press("ArrowLeft" if (i // 20) % 2 == 0 else "ArrowRight")
        page.wait_for_function(f"() => window.__latencies.length > {i}")
    return page.evaluate("() => window.__latencies")


def montecarlo_click_to_charts_ms(page: Page, url: str, runs: int = 7) -> list[float]:
    """Run 10^6 draws ``runs`` times; each time from the click to the charts' repaint."""
    page.goto(f"{url}?view=monte-carlo&n=1000000")
    page.wait_for_function(
        "() => window.Bokeh && Bokeh.documents.length > 0 && "
        "Bokeh.documents[0].get_model_by_name('mc-frequencies') !== null"
    )
    page.evaluate(INSTALL_CLICK_TO_CHARTS_PROBE)
    button = page.get_by_role("button", name="Run Monte Carlo")
    for i in range(runs):
        expect(button).to_be_enabled()
        button.click()
        page.wait_for_function(f"() => window.__mc.length > {i}", timeout=60_000)
    return page.evaluate("() => window.__mc")


CHART_PAINTED = f"""() => {{
  if (!({BARS_READY})()) return false
  const chart = Bokeh.documents[0].get_model_by_name('sample-chart')
  const view = chart === null ? undefined : Bokeh.index.find_one(chart)
  return view !== undefined && view.has_finished()
}}"""


ANNEAL_STATE = """() => Array.from(Bokeh.documents[0].all_models)
  .find((m) => m._anneal !== undefined)?._anneal"""


def annealing_fps(page: Page, url: str, seconds: float = 3.0) -> float:
    """Frames per second while the schedule plays.

    tau is updated every step and played at 300 steps/s, so every frame moves tau
    and redraws the main chart; the schedule lasts far longer than the window.
    """
    page.goto(f"{url}?view=annealing")
    page.wait_for_function(
        "() => window.Bokeh && Bokeh.documents.length > 0"
        " && Bokeh.documents[0].get_model_by_name('anneal-chart')"
    )
    for label, value in (("N (update every)", "1"), ("steps / second", "300")):
        page.get_by_label(label).fill(value)
        page.get_by_label(label).press("Enter")
    page.wait_for_function(
        "() => Bokeh.documents[0].get_model_by_name('anneal-schedule').data.every[0] === 1"
    )
    page.get_by_role("button", name="▶ Play / ❚❚ Pause").click()
    page.wait_for_function(f"() => ({ANNEAL_STATE})()?.frames > 0")
    page.wait_for_timeout(seconds * 1000)  # the measurement window itself
    state = page.evaluate(f"""() => {{ const s = ({ANNEAL_STATE})();
      return {{frames: s.frames, elapsed: performance.now() - s.started}} }}""")
    return state["frames"] / (state["elapsed"] / 1000)


def load_to_chart_ms(page: Page, url: str) -> float:
    """Navigation start to the first animation frame in which the chart has painted."""
    page.goto(url)
    page.wait_for_function(CHART_PAINTED, polling="raf")
    return page.evaluate("() => performance.now()")


def fresh_load_ms(browser: Browser, url: str) -> float:
    """One load in a new tab, closed afterwards so sessions don't pile up."""
    page = browser.new_page()
    try:
        return load_to_chart_ms(page, url)
    finally:
        page.close()


LOADS = 10  # per app
KEY_BLOCKS = 6  # per app and probe
PRESSES = 20  # per block


def measure(loads: int = LOADS, blocks: int = KEY_BLOCKS) -> list[dict[str, object]]:
    """The browser rows of the ratio table: ours and bare, trials interleaved ABAB."""
    apps = ("ours", "bare")
    load_ms: dict[str, list[float]] = {name: [] for name in apps}
    data_ms: dict[str, list[float]] = {name: [] for name in apps}
    pixel_ms: dict[str, list[float]] = {name: [] for name in apps}
    with (
        served_app() as ours,
        served_app(app=BARE_APP) as bare,
        sync_playwright() as playwright,
    ):
        urls = {"ours": ours, "bare": bare}
        browser = playwright.chromium.launch(**launch_args())
        for url in urls.values():
            fresh_load_ms(browser, url)  # warm the server's and the browser's caches
        for _ in range(loads):
            for name, url in urls.items():
                load_ms[name].append(fresh_load_ms(browser, url))
        page = browser.new_page()
        phase = random.Random(13)
        for _ in range(blocks):
            for probe, results in (
                (INSTALL_KEY_TO_PAINT_PROBE, data_ms),
                (INSTALL_KEY_TO_PIXELS_PROBE, pixel_ms),
            ):
                for name, url in urls.items():
                    results[name] += key_to_paint_ms(page, url, PRESSES, probe, phase)
        page.goto("about:blank")  # close the last session before the servers stop
        browser.close()
    return [
        ratio_row(
            "τ key press → repainted chart, data-change probe (ms, p50)",
            data_ms["ours"], data_ms["bare"], "≤ 1.15× bare", at_most_ratio(1.15), centre=p50,
        ),
        ratio_row(
            "τ key press → chart pixels changed, pixel probe (ms, p50)",
            pixel_ms["ours"], pixel_ms["bare"], "≤ 1.15× bare", at_most_ratio(1.15), centre=p50,
        ),
        ratio_row(
            "navigation → main chart painted (ms)",
            load_ms["ours"], load_ms["bare"], "≤ 1.15× bare", at_most_ratio(1.15),
        ),
    ]  # fmt: skip


def measure_app() -> list[dict[str, object]]:
    """The app's own browser figures (no bare counterpart)."""
    with served_app() as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_args())
        page = browser.new_page()
        load_to_chart_ms(page, url)  # warm the server's and the browser's caches
        montecarlo = montecarlo_click_to_charts_ms(page, url)
        fps = [annealing_fps(page, url) for _ in range(3)]
        page.goto("about:blank")
        browser.close()
    return [
        {
            "what": "Monte Carlo 10^6 click -> charts (ms)",
            "p50": statistics.median(montecarlo),
            "p95": percentile(montecarlo, 95),
            "n": len(montecarlo),
            "target": "median <= 250",
        },
        {
            "what": "annealing animation (frames/s)",
            "p50": statistics.median(fps),
            "p95": min(fps),
            "n": len(fps),
            "target": ">= 50 (p95 column: worst run)",
        },
    ]


if __name__ == "__main__":
    from support.tables import print_table

    print_table("Browser: ours vs bare (headless Chromium, localhost)", measure())
    print_table("Browser: the app's own figures", measure_app())
