"""Views, shared links, tampered links and downloads in the served app."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from gumbel_viz import core
from gumbel_viz.app.explorer import DOWNLOADS_LABEL
from support.browser import (
    READ_LOG10_TAU,
    READ_READOUTS,
    open_app,
    read_bars,
    tau_handle,
    wait_for_change,
)

READ_URL_QUERY = "() => window.location.search"
LINK_NOTICE = """() => Array.from(Bokeh.documents[0].all_models)
  .find((m) => m.css_classes !== undefined && m.css_classes.includes('link-notice')).text"""


def query_of(page: Page) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlparse(page.url).query).items()}


def wait_for_query(page: Page, **expected: str) -> None:
    checks = " && ".join(f"params.get({name!r}) === {value!r}" for name, value in expected.items())
    page.wait_for_function(
        f"() => {{ const params = new URLSearchParams(window.location.search); return {checks} }}"
    )


def test_link_with_seed_reproduces_the_state_exactly(
    page: Page, app_url: str, browser: Browser
) -> None:
    open_app(page, f"{app_url}?seed=5&tau=0.3&k=4")
    page.get_by_role("button", name="Resample").click()
    page.get_by_role("button", name="Resample").click()
    wait_for_query(page, seed="5", draw="2", k="4")
    bars = read_bars(page)
    link = page.url
    other = browser.new_page()
    try:
        open_app(other, link)
        assert read_bars(other) == bars  # pi, noise and y, bit for bit
    finally:
        other.close()


def test_kept_probabilities_travel_in_the_link(page: Page, app_url: str, browser: Browser) -> None:
    open_app(page, f"{app_url}?seed=8")
    page.locator("input[type=checkbox]").first.check()
    page.get_by_role("button", name="Resample").click()
    wait_for_query(page, draw="1")
    page.wait_for_function("() => new URLSearchParams(window.location.search).get('p')")
    bars = read_bars(page)
    other = browser.new_page()
    try:
        open_app(other, page.url)
        assert read_bars(other) == bars
    finally:
        other.close()


@pytest.mark.parametrize(
    ("query", "notice"),
    [
        ("tau=-1", "out of range"),
        ("tau=nan", "not a number"),
        ("k=100000", "out of range"),
        ("seed=abc", "not a number"),
        ("p=0.2,zzz,0.5", "not a distribution"),
        ("n=1000000000000", "out of range"),
        ("view=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E", "not a view"),
    ],
)
def test_tampered_links_are_adjusted_with_a_notice(
    page: Page, app_url: str, query: str, notice: str
) -> None:
    errors = open_app(page, f"{app_url}?{query}")
    page.wait_for_function(f"() => ({LINK_NOTICE})().includes('Link adjusted')")
    text = page.evaluate(LINK_NOTICE)
    assert notice in text
    assert "<img" not in text  # shown escaped, never as markup
    bars = read_bars(page)
    assert np.isclose(sum(bars["pi"]), 1.0) and np.isfinite(bars["y"]).all()
    assert 0.01 <= 10 ** page.evaluate(READ_LOG10_TAU) <= 10
    assert errors == []


def tab(page: Page, title: str) -> Locator:
    """The view picker's tab titled exactly ``title`` (a group such as "Train" or a view)."""
    return page.get_by_role("tab", name=title, exact=True)


def test_switching_views_updates_the_link(page: Page, app_url: str) -> None:
    open_app(page, app_url)
    wait_for_query(page, view="tour")  # the default view, written once the page is up
    tab(page, "See").click()
    wait_for_query(page, view="pipeline")
    page.wait_for_function("() => Bokeh.documents[0].get_model_by_name('pipeline') !== null")
    tab(page, "Temperature path").click()
    wait_for_query(page, view="temperature")
    tab(page, "Learn").click()
    wait_for_query(page, view="tour")
    tab(page, "About").click()
    wait_for_query(page, view="about")
    expect(page.locator(".katex").first).to_be_visible()
    tab(page, "See").click()  # a group reopens on the view it showed last
    wait_for_query(page, view="temperature")


def test_a_view_with_link_settings_opens_and_stays_open(page: Page, app_url: str) -> None:
    """Opening Monte Carlo adds its n to the link and keeps the tab: the URL is read once."""
    open_app(page, f"{app_url}?seed=3")
    wait_for_query(page, view="tour")
    tab(page, "Prove").click()
    wait_for_query(page, view="monte-carlo", n="100000")
    page.get_by_role("button", name="1,000", exact=True).click()
    wait_for_query(page, view="monte-carlo", n="1000")
    shown = ["Prove", "Monte Carlo proof"]
    expect(page.locator(".view-nav .bk-btn.bk-active")).to_have_text(shown)
    expect(page.get_by_role("tab", selected=True)).to_have_text(shown)


def test_tampered_link_is_replaced_by_a_clean_one(page: Page, app_url: str) -> None:
    open_app(page, f"{app_url}?tau=-1&k=100000&seed=abc")
    wait_for_query(page, tau="0.01", k="12")
    assert "seed" not in query_of(page)


def test_opening_a_link_opens_its_view(page: Page, app_url: str) -> None:
    open_app(page, f"{app_url}?view=distribution")
    expect(page.get_by_role("button", name="Shift all logits by c")).to_be_visible()


def test_temperature_marker_follows_tau_keys_in_the_browser(page: Page, app_url: str) -> None:
    open_app(page, f"{app_url}?view=temperature")
    read_markers = """() => Array.from(Bokeh.documents[0].all_models)
      .filter((m) => m.type === 'Span' && m.dimension === 'height').map((m) => m.location)"""
    page.wait_for_function(f"() => ({read_markers})().length >= 1")
    handle = tau_handle(page)
    handle.focus()
    handle.press("PageDown")
    page.wait_for_function(
        f"() => ({read_markers})().every((x) => Math.abs(x - 10 ** ({READ_LOG10_TAU})()) < 1e-12)"
        f" && ({READ_LOG10_TAU})() < -0.01"
    )


def test_your_distribution_drives_the_chart(page: Page, app_url: str) -> None:
    open_app(page, f"{app_url}?view=distribution&k=3")
    box = page.locator("textarea")
    box.fill("0.5, 0, 0.5")
    box.blur()
    page.get_by_role("button", name="Apply", exact=True).click()
    page.wait_for_function(
        "() => Bokeh.documents[0].get_model_by_name('sample-bars').data.pi[1] === 0"
    )
    bars = read_bars(page)
    assert bars["pi"] == [0.5, 0.0, 0.5] and bars["y"][1] == 0.0
    wait_for_query(page, p="0.5, 0.0, 0.5")


def test_csv_download_holds_the_state(page: Page, app_url: str) -> None:
    open_app(page, f"{app_url}?seed=3&tau=0.5")
    page.get_by_role("button", name=DOWNLOADS_LABEL).click()
    with page.expect_download() as download:
        page.get_by_text("Download state (CSV)").click()
    text = Path(download.value.path()).read_text()
    rows = list(
        csv.DictReader(
            io.StringIO("\n".join(line for line in text.splitlines() if not line.startswith("#")))
        )
    )
    bars = read_bars(page)
    assert [float(r["pi"]) for r in rows] == bars["pi"]
    assert [float(r["g"]) for r in rows] == bars["g"]
    np.testing.assert_allclose([float(r["y"]) for r in rows], bars["y"], atol=1e-12)
    assert "# tau=0.5" in text and "# seed=3" in text


def test_the_keyboard_focus_follows_to_the_downloads(page: Page, app_url: str) -> None:
    open_app(page, f"{app_url}?seed=3")
    page.get_by_role("button", name=DOWNLOADS_LABEL).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Download state (CSV)")).to_be_focused()


def test_exported_html_works_offline_from_disk(
    page: Page, app_url: str, browser: Browser, tmp_path: Path
) -> None:
    open_app(page, f"{app_url}?seed=4")
    page.get_by_role("button", name=DOWNLOADS_LABEL).click()
    with page.expect_download() as download:
        page.get_by_text("Download interactive HTML").click()
    exported = tmp_path / "sample.html"
    download.value.save_as(exported)
    context = browser.new_context(offline=True)
    try:
        offline = context.new_page()
        requests: list[str] = []
        offline.on("request", lambda request: requests.append(request.url))
        errors = open_app(offline, exported.as_uri())
        before = read_bars(offline)
        assert before["pi"] == read_bars(page)["pi"]
        handle = tau_handle(offline)
        handle.focus()
        handle.press("PageDown")
        wait_for_change(offline, "y", before["y"])
        after = read_bars(offline)
        tau = 10 ** offline.evaluate(
            "() => Array.from(Bokeh.documents[0].all_models)"
            ".find((m) => m.type === 'Slider').value"
        )
        expected = core.gumbel_softmax(after["logit"], tau, gumbel=after["g"])
        np.testing.assert_allclose(after["y"], expected, rtol=0, atol=1e-9)
        assert f"max y {max(after['y']):.4f}" in offline.evaluate(READ_READOUTS)
        assert requests == [exported.as_uri()] and errors == []
    finally:
        context.close()


def test_tau_reaches_the_link_once_it_rests(page: Page, app_url: str) -> None:
    open_app(page, f"{app_url}?seed=2")
    handle = tau_handle(page)
    handle.focus()
    for _ in range(5):
        handle.press("ArrowLeft")
    page.wait_for_function(
        f"""() => {{
          const tau = parseFloat(new URLSearchParams(window.location.search).get('tau'))
          return Math.abs(tau - 10 ** ({READ_LOG10_TAU})()) < 1e-12 && tau < 1
        }}"""
    )


def test_annealing_plays_tau_in_the_browser_and_hands_it_to_python(
    page: Page, app_url: str
) -> None:
    open_app(page, f"{app_url}?view=annealing&seed=6")
    page.wait_for_function("() => Bokeh.documents[0].get_model_by_name('anneal-chart')")
    before = read_bars(page)
    page.get_by_role("button", name="▶ Play / ❚❚ Pause").click()
    # 20,000 steps at 5,000 steps/s: the schedule ends by itself after ~4 s
    # at tau_min = 0.5, and the pause hands that tau to Python (and the link).
    page.wait_for_function(
        f"() => Math.abs(10 ** ({READ_LOG10_TAU})() - 0.5) < 1e-12", timeout=15_000
    )
    wait_for_change(page, "y", before["y"])
    after = read_bars(page)
    expected = core.gumbel_softmax(after["logit"], 0.5, gumbel=after["g"])
    np.testing.assert_allclose(after["y"], expected, rtol=0, atol=1e-9)
    page.wait_for_function(
        "() => Math.abs(parseFloat(new URLSearchParams(window.location.search)"
        ".get('tau')) - 0.5) < 1e-12"
    )


def test_verify_view_passes_every_check(page: Page, app_url: str) -> None:
    open_app(page, f"{app_url}?view=verify&seed=12")
    page.get_by_role("button", name="Verify").click()
    read_report = """() => Array.from(Bokeh.documents[0].all_models)
      .map((m) => m.text).find((t) => typeof t === 'string' && t.includes('✔'))"""
    page.wait_for_function(
        f"() => (({read_report})() ?? '').includes('y equals Python')"
        f" && (({read_report})() ?? '').includes('Gumbel-Max')",
        timeout=20_000,
    )
    text = page.evaluate(read_report)
    assert text.count("✔ pass") == 6 and "FAIL" not in text


def test_simplex_view_follows_k_and_offers_a_switch(page: Page, app_url: str) -> None:
    open_app(page, f"{app_url}?view=simplex&k=5&seed=3")
    page.get_by_role("button", name="Use k = 3").click()
    page.wait_for_function(
        "() => Bokeh.documents[0].get_model_by_name('sample-bars').data.pi.length === 3"
    )
    read_density = """() => { const s = Bokeh.documents[0].get_model_by_name('simplex-density');
      return s === null ? null : Array.from(s.data.logp) }"""
    page.wait_for_function(f"() => ({read_density})()?.length > 0")
    assert np.isfinite(page.evaluate(read_density)).all()
    wait_for_query(page, k="3")


def test_an_old_gradients_link_opens_the_estimator_lab_and_fills_its_sweep(
    page: Page, app_url: str
) -> None:
    open_app(page, f"{app_url}?view=gradients&seed=4")
    wait_for_query(page, view="estimators")
    read_sweep = """() => { const s = Bokeh.documents[0].get_model_by_name('estimator-sweep');
      return s === null ? 0 : s.data.tau.length }"""
    page.wait_for_function(f"() => ({read_sweep})() > 0", timeout=60_000)
    mse = page.evaluate(
        "() => Array.from(Bokeh.documents[0].get_model_by_name('estimator-sweep')"
        ".data.reinforce_mse)"
    )
    assert np.isfinite(mse).all() and min(mse) > 0
