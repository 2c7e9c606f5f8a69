"""The served app in headless Chromium: what a user does, checked against the engine."""

from __future__ import annotations

import os
import re
import signal
import subprocess

import numpy as np
from playwright.sync_api import Browser, Page, expect

from gumbel_viz import core
from gumbel_viz.app import VIEWS
from gumbel_viz.model import GumbelSoftmaxModel
from gumbel_viz.views.base import static_text
from gumbel_viz.views.sample import readout_items
from support.browser import (
    BARS_READY,
    READ_CHART_LABEL,
    READ_LOG10_TAU,
    READ_PAINTED_Y,
    READ_READOUTS,
    open_app,
    read_bars,
    tau_handle,
    wait_for_change,
    watch_errors,
)


def browser_state_as_model(page: Page) -> GumbelSoftmaxModel:
    """A Python model holding exactly the pi, noise and tau the browser shows."""
    bars = read_bars(page)
    model = GumbelSoftmaxModel(k=len(bars["pi"]))
    model.set_probabilities(bars["pi"])
    model.set_noise(bars["g"])
    model.tau = 10 ** page.evaluate(READ_LOG10_TAU)
    return model


def test_loads_with_chart_and_no_console_errors(page: Page, app_url: str) -> None:
    errors = open_app(page, app_url)
    bars = read_bars(page)
    assert len(bars["pi"]) == 5
    assert np.isclose(sum(bars["pi"]), 1.0) and np.isclose(sum(bars["y"]), 1.0)
    expect(page.get_by_role("button", name="Resample")).to_be_visible()
    page.wait_for_function("() => Bokeh.documents[0].is_idle")
    assert errors == []


def test_tau_keys_change_y_but_not_pi(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    before = read_bars(page)
    handle = tau_handle(page)
    handle.focus()
    for _ in range(20):
        handle.press("ArrowLeft")
    wait_for_change(page, "y", before["y"])
    after = read_bars(page)
    assert after["pi"] == before["pi"]
    assert after["g"] == before["g"]
    # tau went down: the drawn class gains weight.
    drawn = int(np.argmax(np.add(before["logit"], before["g"])))
    assert after["y"][drawn] > before["y"][drawn]


def test_browser_y_and_readouts_equal_the_engine(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    handle = tau_handle(page)
    handle.focus()
    for key in ["PageDown", "ArrowLeft", "ArrowLeft", "ArrowLeft"]:
        handle.press(key)
    page.wait_for_function(f"() => ({READ_LOG10_TAU})() < -0.05")
    bars = read_bars(page)
    model = browser_state_as_model(page)
    expected = core.gumbel_softmax(bars["logit"], model.tau, gumbel=bars["g"])
    np.testing.assert_allclose(bars["y"], expected, rtol=0, atol=1e-9)
    np.testing.assert_allclose(model.y, expected, rtol=0, atol=1e-12)
    assert page.evaluate(READ_PAINTED_Y) == bars["y"]  # the bars on screen show it
    assert page.evaluate(READ_READOUTS) == [
        f"{label} {value}" for label, value in readout_items(model)
    ]


def test_server_tau_follows_the_browser(page: Page, app_url: str) -> None:
    """After a tau key press, a resample computed in Python uses the browser's tau,
    and the readouts Python sends show it."""
    open_app(page, app_url)
    handle = tau_handle(page)
    handle.focus()
    handle.press("PageDown")
    page.locator("input[type=checkbox]").first.check()
    g_before = read_bars(page)["g"]
    page.get_by_role("button", name="Resample").click()
    wait_for_change(page, "g", g_before)
    bars = read_bars(page)
    tau = 10 ** page.evaluate(READ_LOG10_TAU)
    assert tau < 1
    expected = core.gumbel_softmax(bars["logit"], tau, gumbel=bars["g"])
    np.testing.assert_allclose(bars["y"], expected, rtol=0, atol=1e-9)
    model = browser_state_as_model(page)
    assert page.evaluate(READ_READOUTS) == [
        f"{label} {value}" for label, value in readout_items(model)
    ]


def test_resample_changes_pi_and_y(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    before = read_bars(page)
    page.get_by_role("button", name="Resample").click()
    wait_for_change(page, "pi", before["pi"])
    after = read_bars(page)
    assert after["y"] != before["y"]
    assert np.isclose(sum(after["pi"]), 1.0)


def test_two_sessions_are_independent(page: Page, app_url: str) -> None:
    other = page.context.browser.new_page()
    try:
        open_app(page, app_url)
        open_app(other, app_url)
        first, second = read_bars(page), read_bars(other)
        assert first["pi"] != second["pi"]  # each session has its own fresh RNG
        page.get_by_role("button", name="Resample").click()
        wait_for_change(page, "pi", first["pi"])
        assert read_bars(other) == second
    finally:
        other.close()


def test_phone_width_stacks_controls_above_a_chart_that_fits(page: Page, app_url: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    open_app(page, app_url)
    slider = tau_handle(page).bounding_box()
    chart = page.locator(".bk-Figure").first.bounding_box()
    assert slider is not None and chart is not None
    assert slider["y"] < chart["y"]  # controls first, then the chart
    assert 300 < chart["width"] <= 390 and chart["x"] >= 0
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390


def test_no_view_is_wider_than_a_phone(browser: Browser, app_url: str) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})
    wider = {}
    try:
        for view in VIEWS:
            open_app(page, f"{app_url}?seed=1&k=3&view={view.slug}")
            page.wait_for_function("() => Bokeh.documents[0].is_idle", timeout=60_000)
            width = page.evaluate("() => document.documentElement.scrollWidth")
            if width > 390:
                wider[view.slug] = width
    finally:
        page.close()
    assert wider == {}


def test_wide_screen_puts_controls_beside_a_stretched_chart(page: Page, app_url: str) -> None:
    page.set_viewport_size({"width": 1920, "height": 1080})
    open_app(page, app_url)
    slider = tau_handle(page).bounding_box()
    chart = page.locator(".bk-Figure").first.bounding_box()
    assert slider is not None and chart is not None
    assert slider["x"] < chart["x"]  # sidebar on the left
    assert chart["width"] > 1200


def test_browser_relaxation_matches_the_engine_on_many_inputs(page: Page, app_url: str) -> None:
    """Run ``relax_tau.js`` itself on 300 random states, zero probabilities included."""
    open_app(page, app_url)
    rng = np.random.default_rng(2024)
    cases = []
    for _ in range(300):
        k = int(rng.integers(2, 13))
        pi = rng.dirichlet(np.ones(k))
        pi[rng.random(k) < 0.15] = 0.0
        pi[rng.integers(k)] += 1e-3  # never all zero
        logits = core.logits_from_probabilities(pi)
        g = core.sample_gumbel(rng, k)
        log10_tau = float(rng.uniform(-2, 1))
        cases.append((logits, g, log10_tau, core.validate_probabilities(pi)))
    browser_y = page.evaluate(
        """([code, cases]) => {
          const relax = new Function('bars', 'readouts', 'cb_obj', code)
          return cases.map(([logit, g, log10_tau, pi]) => {
            const bars = {data: {logit, g, pi, y: []}, patch(patches) {
              for (const [column, entries] of Object.entries(patches))
                for (const [i, value] of entries) this.data[column][i] = value
            }}
            relax(bars, [], {value: log10_tau})
            return Array.from(bars.data.y)
          })
        }""",
        [
            static_text("relax_tau.js"),
            [[c[0].tolist(), c[1].tolist(), c[2], c[3].tolist()] for c in cases],
        ],
    )
    for (logits, g, log10_tau, _), y in zip(cases, browser_y, strict=True):
        expected = core.gumbel_softmax(logits, 10**log10_tau, gumbel=g)
        np.testing.assert_allclose(y, expected, rtol=0, atol=1e-9)
        assert all(y[i] == 0.0 for i in np.flatnonzero(np.isneginf(logits)))


def test_tau_keys_repaint_while_the_server_is_frozen(
    page: Page, app_server: tuple[str, subprocess.Popen]
) -> None:
    """With the server process stopped, the chart, its text alternative and the
    readouts must still follow the tau keys."""
    url, server = app_server
    open_app(page, url)
    before = read_bars(page)
    handle = tau_handle(page)
    handle.focus()
    os.kill(server.pid, signal.SIGSTOP)
    try:
        handle.press("PageDown")
        wait_for_change(page, "y", before["y"])
        after = read_bars(page)
        max_y = f"max y {max(after['y']):.4f}"
        assert max_y in page.evaluate(READ_READOUTS)
        last = f"class 5: π {after['pi'][4]:.3f}, y {after['y'][4]:.3f}"
        page.wait_for_function(f"() => ({READ_CHART_LABEL})().includes({last!r})")
        label = page.evaluate(READ_CHART_LABEL)
    finally:
        os.kill(server.pid, signal.SIGCONT)
    assert after["pi"] == before["pi"]
    for i, (p, y) in enumerate(zip(after["pi"], after["y"], strict=True)):
        assert f"class {i + 1}: π {p:.3f}, y {y:.3f}" in label


def test_katex_comes_after_the_page_and_typesets_math_drawn_before_it(
    page: Page, app_url: str
) -> None:
    """The page itself carries no KaTeX (static/math.js loads it once the page is up);
    a view with math opened by the link is drawn first and typeset when it arrives."""
    errors = watch_errors(page)
    response = page.goto(f"{app_url}?view=about")
    assert response is not None
    scripts = re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", response.text())
    assert scripts and not any("katex" in src for src in scripts)
    page.wait_for_function(BARS_READY)
    expect(page.locator(".katex").first).to_be_visible()
    about = page.locator(".katex").first.locator("xpath=ancestor::*[1]")
    expect(about).not_to_contain_text("$")  # no TeX source left untypeset
    assert errors == []


def test_controls_have_their_own_accessible_names(page: Page, app_url: str) -> None:
    """static/a11y.js names what Bokeh draws without a name: a checkbox by its text,
    a slider handle by its title, the view picker as tabs."""
    open_app(page, app_url)
    keep = page.get_by_role("checkbox", name="Keep probabilities (new noise only)")
    expect(keep).to_be_visible()
    expect(page.get_by_role("slider", name="Temperature τ (log scale)")).to_be_visible()
    expect(page.get_by_role("tab", name="Tour", selected=True)).to_be_visible()
