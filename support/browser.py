"""Reading what the browser shows, straight from the Bokeh models of the page."""

from __future__ import annotations

from playwright.sync_api import ConsoleMessage, Page

READ_BARS = """() => {
  const bars = Bokeh.documents[0].get_model_by_name('sample-bars')
  const column = (name) => Array.from(bars.data[name])
  return {pi: column('pi'), y: column('y'), logit: column('logit'), g: column('g')}
}"""

# The readouts as the page shows them: each chip's text ("max y 0.5260").
READ_READOUTS = """() => {
  const pane = Array.from(Bokeh.documents[0].all_models)
    .find((m) => m.css_classes !== undefined && m.css_classes.includes('readouts'))
  return Array.from(Bokeh.index.find_one(pane).shadow_el.querySelectorAll('.readout'),
    (chip) => chip.textContent)
}"""

# The main chart's text alternative (static/main_chart.js).
READ_CHART_LABEL = """() => Bokeh.index.find_one(Bokeh.documents[0]
  .get_model_by_name('sample-chart')).el.getAttribute('aria-label')"""

READ_LOG10_TAU = """() => Array.from(Bokeh.documents[0].all_models)
  .find((m) => m.title !== undefined && String(m.title).startsWith('Temperature')).value"""

BARS_READY = """() => window.Bokeh !== undefined && Bokeh.documents.length > 0
  && Bokeh.documents[0].get_model_by_name('sample-bars') !== null"""


def watch_errors(page: Page) -> list[str]:
    """A live list of the page's console errors, uncaught exceptions and failed requests."""
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("requestfailed", lambda request: errors.append(f"failed: {request.url}"))
    page.on("response", lambda r: r.status >= 400 and errors.append(f"{r.status}: {r.url}"))
    return errors


def open_app(page: Page, url: str) -> list[str]:
    """Load the app, wait for the chart's data, and return a live list of page errors."""
    errors = watch_errors(page)
    page.goto(url)
    page.wait_for_function(BARS_READY)
    return errors


def read_bars(page: Page) -> dict[str, list[float]]:
    return page.evaluate(READ_BARS)


def tau_handle(page: Page):
    """The handle of the first slider on the page, which must be the tau slider."""
    return page.locator(".noUi-handle").first


READ_PAINTED_Y = """() => {
  const renderer = Array.from(Bokeh.documents[0].all_models)
    .find((m) => m.type === 'GlyphRenderer' && m.glyph.top.field === 'y')
  return Array.from(Bokeh.index.find_one(renderer).glyph.top)
}"""


def wait_for_change(page: Page, column: str, before: list[float]) -> None:
    """Wait until column ``column`` of ``sample-bars`` differs from ``before``."""
    page.wait_for_function(
        """([column, before]) => Array.from(
          Bokeh.documents[0].get_model_by_name('sample-bars').data[column]
        ).some((value, i) => value !== before[i])""",
        arg=[column, before],
    )
