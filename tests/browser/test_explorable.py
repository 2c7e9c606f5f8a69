"""The explorable parts in the browser: linked highlighting, drag π, keys, accessibility."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from playwright.sync_api import Browser, Page

from gumbel_viz.app import VIEWS
from support.browser import READ_CHART_LABEL, open_app, read_bars
from support.served import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

TAGGED = """() => Object.fromEntries(Array.from(Bokeh.documents[0].all_models)
  .filter((m) => m.tags && m.tags.includes('by-class'))
  .map((s) => [s.name, {rows: Array.from(s.inspected.indices), cls: Array.from(s.data.cls)}]))"""

WHERE = """([x, y]) => {
  const fig = Bokeh.documents[0].get_model_by_name('sample-chart')
  const view = Bokeh.index.find_one(fig)
  const box = view.el.getBoundingClientRect()
  return {x: box.left + view.frame.x_scale.compute(x), y: box.top + view.frame.y_scale.compute(y)}
}"""


def point(page: Page, x: float, y: float) -> dict[str, float]:
    """Page coordinates of (x, y) in the main chart (x: class k sits in [k − 1, k])."""
    page.wait_for_function("() => Bokeh.documents[0].is_idle")
    return page.evaluate(WHERE, [x, y])


FOCUS_CHART = """() => Bokeh.index
  .find_one(Bokeh.documents[0].get_model_by_name('sample-chart')).el.focus()"""


def test_pointing_at_a_class_highlights_it_in_every_chart(page: Page, app_url: str) -> None:
    open_app(page, f"{app_url}?seed=1&view=pipeline")
    page.wait_for_function("() => Bokeh.documents[0].get_model_by_name('pipeline') !== null")
    sent: list[object] = []
    page.on("websocket", lambda ws: ws.on("framesent", sent.append))
    spot = point(page, 2.5 - 0.19, 0.02)  # class 3's π bar
    page.mouse.move(spot["x"], spot["y"] + 40, steps=4)
    page.mouse.move(spot["x"], spot["y"], steps=4)
    page.wait_for_function("() => window.gsxHighlighted() === '3'")
    assert {"sample-bars", "pipeline"} <= set(page.evaluate(TAGGED))
    # A hover resets its own chart's inspection on each of its events and the next
    # frame puts the highlight back, so the check is a wait for a frame in which
    # every chart shows class 3 (it times out if one never does).
    page.wait_for_function(
        f"""() => Object.values(({TAGGED})()).every(
          (s) => JSON.stringify(s.rows) ===
                 JSON.stringify(s.cls.flatMap((c, i) => (c === '3' ? [i] : []))))"""
    )
    assert sent == []  # in the browser only: nothing went to the server
    page.mouse.move(5, 5, steps=4)  # off the chart
    page.wait_for_function("() => window.gsxHighlighted() === null")
    assert all(s["rows"] == [] for s in page.evaluate(TAGGED).values())


def test_dragging_a_pi_bar_sets_pi_and_a_link_reproduces_it(
    page: Page, app_url: str, browser: Browser
) -> None:
    open_app(page, f"{app_url}?seed=1&view=about")
    before = read_bars(page)
    start, end = point(page, 1.5 - 0.19, 0.03), point(page, 1.5 - 0.19, 0.6)
    page.mouse.move(start["x"], start["y"])
    page.mouse.down()
    for i in range(1, 11):
        page.mouse.move(start["x"], start["y"] + (end["y"] - start["y"]) * i / 10)
    page.mouse.up()
    page.wait_for_function("() => new URLSearchParams(location.search).get('p') !== null")
    after = read_bars(page)
    assert after["pi"][1] == pytest.approx(0.6, abs=0.01)
    assert sum(after["pi"]) == pytest.approx(1.0, abs=1e-12)
    rest = np.delete(np.array(before["pi"]), 1)
    np.testing.assert_allclose(np.delete(after["pi"], 1), rest / rest.sum() * 0.4, rtol=1e-3)
    assert after["g"] == before["g"]  # only π changed
    link = page.url
    other = browser.new_page()
    try:
        open_app(other, link)
        np.testing.assert_allclose(read_bars(other)["pi"], after["pi"], rtol=1e-12)
        np.testing.assert_allclose(read_bars(other)["y"], after["y"], rtol=1e-9)
    finally:
        other.close()
    p = parse_qs(urlparse(link).query)["p"][0]
    assert len(p.split(",")) == 5


def test_the_main_chart_works_from_the_keyboard(page: Page, app_url: str) -> None:
    open_app(page, f"{app_url}?seed=1&view=about")
    page.wait_for_function(f"() => ({READ_CHART_LABEL})() !== null")
    page.evaluate(FOCUS_CHART)
    page.wait_for_function("() => window.gsxHighlighted() === '1'")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => window.gsxHighlighted() === '3'")
    before = read_bars(page)["pi"][2]
    page.keyboard.press("ArrowUp")
    page.wait_for_function("() => new URLSearchParams(location.search).get('p') !== null")
    pi = read_bars(page)["pi"]
    assert pi[2] == pytest.approx(before + 0.01, abs=1e-9)
    # The text alternative follows once the data rests (main_chart.js).
    page.wait_for_function(f"() => ({READ_CHART_LABEL})().includes('class 3: π {pi[2]:.3f}')")
    assert "Arrow keys" in page.evaluate(READ_CHART_LABEL)


VISIBLE_LAYERS = """() => Bokeh.documents[0].get_model_by_name('sample-chart')
  .renderers.map((r) => r.visible)"""


def test_the_legend_hides_and_shows_a_layer_from_the_keyboard(page: Page, app_url: str) -> None:
    open_app(page, f"{app_url}?seed=1&view=about")
    entry = page.get_by_role("button", name="π (true)")
    page.wait_for_function("() => Bokeh.documents[0].is_idle")
    assert page.evaluate(VISIBLE_LAYERS) == [True, True, True]  # band, π, y
    entry.focus()
    page.keyboard.press("Space")
    page.wait_for_function(f"() => !({VISIBLE_LAYERS})()[1]")
    assert page.evaluate(VISIBLE_LAYERS) == [True, False, True]
    assert entry.get_attribute("aria-pressed") == "false"
    page.get_by_role("button", name="y (relaxed)").click()
    page.wait_for_function(f"() => !({VISIBLE_LAYERS})()[2]")
    entry.click()
    page.wait_for_function(f"() => ({VISIBLE_LAYERS})()[1]")
    assert page.evaluate(VISIBLE_LAYERS) == [True, True, False]
    assert entry.get_attribute("aria-pressed") == "true"


SEVERE = ("serious", "critical")


@pytest.mark.parametrize("theme", ["default", "dark"])
def test_every_view_has_no_serious_accessibility_violation(
    browser: Browser, app_url: str, theme: str
) -> None:
    assert AXE.exists(), "axe-core is missing: make test installs it (npm ci)"
    found = {}
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        for view in VIEWS:
            open_app(page, f"{app_url}?seed=1&view={view.slug}&theme={theme}")
            page.wait_for_function("() => Bokeh.documents[0].is_idle", timeout=60_000)
            page.add_script_tag(path=str(AXE))
            violations = page.evaluate(
                """async () => (await axe.run(document, {resultTypes: ['violations']}))
                  .violations.map((v) => ({id: v.id, impact: v.impact,
                                          nodes: v.nodes.map((n) => n.html.slice(0, 120))}))"""
            )
            severe = [v for v in violations if v["impact"] in SEVERE]
            if severe:
                found[view.slug] = severe
    finally:
        page.close()
    assert found == {}


def test_the_axe_check_would_catch_a_violation(browser: Browser, app_url: str) -> None:
    page = browser.new_page()
    try:
        open_app(page, f"{app_url}?seed=1&view=about")
        page.evaluate("() => document.body.appendChild(document.createElement('button'))")
        page.add_script_tag(path=str(AXE))
        ids = page.evaluate("async () => (await axe.run(document)).violations.map((v) => v.id)")
        assert "button-name" in ids
    finally:
        page.close()


def test_no_view_scrolls_the_page_sideways_on_a_phone(browser: Browser, app_url: str) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})
    wide = {}
    try:
        for view in VIEWS:
            open_app(page, f"{app_url}?seed=1&view={view.slug}")
            page.wait_for_function("() => Bokeh.documents[0].is_idle", timeout=60_000)
            width = page.evaluate("() => document.documentElement.scrollWidth")
            if width > 390:
                wide[view.slug] = width
    finally:
        page.close()
    assert wide == {}
