"""Browser figures, headless Chromium against the app served on localhost.

* tau key press -> repainted chart: from the keydown event to the first task
  after the next animation frame that follows the chart's data change (the
  frame the new bars are painted in).
* page load -> first chart: navigation start to the first animation frame in
  which the main chart's view reports it has finished painting.
"""

from __future__ import annotations

import statistics

from playwright.sync_api import Browser, Page, expect, sync_playwright

from support.browser import BARS_READY, tau_handle
from support.served import launch_args, served_app
from support.tables import percentile

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
  bars.connect(bars.properties.data.change, repainted)
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

LOAD_DONE = f"() => ({BARS_READY})() && Bokeh.documents[0].is_idle"


def key_to_paint_ms(page: Page, url: str, presses: int = 60) -> list[float]:
    page.goto(url)
    page.wait_for_function(LOAD_DONE)
    page.evaluate(INSTALL_KEY_TO_PAINT_PROBE)
    handle = tau_handle(page)
    handle.focus()
    for i in range(presses):
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


def measure(loads: int = 15) -> list[dict[str, object]]:
    with served_app() as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_args())
        page = browser.new_page()
        load_to_chart_ms(page, url)  # warm the server's and the browser's caches
        load_times = [fresh_load_ms(browser, url) for _ in range(loads)]
        latencies = key_to_paint_ms(page, url)
        montecarlo = montecarlo_click_to_charts_ms(page, url)
        fps = [annealing_fps(page, url) for _ in range(3)]
        browser.close()
    return [
        {
            "what": "tau key press -> repaint (ms)",
            "p50": percentile(latencies, 50),
            "p95": percentile(latencies, 95),
            "n": len(latencies),
            "target": "p50 <= 20, p95 <= 35",
        },
        {
            "what": "page load -> first chart (ms)",
            "p50": statistics.median(load_times),
            "p95": percentile(load_times, 95),
            "n": len(load_times),
            "target": "<= 1500",
        },
        {
            "what": "Monte Carlo 10^6 click -> charts (ms)",
            "p50": statistics.median(montecarlo),
            "p95": percentile(montecarlo, 95),
            "n": len(montecarlo),
            "target": "median <= 400",
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

    print_table("Browser (headless Chromium, localhost)", measure())
