"""The tour, the estimator lab and training, driven in the served app."""

from __future__ import annotations

import numpy as np
from playwright.sync_api import Browser, Page, expect

from support.browser import READ_LOG10_TAU, open_app, tau_handle

READ_SOURCE = """([name, column]) => {
  const s = Bokeh.documents[0].get_model_by_name(name)
  return s === null || s.data[column] === undefined ? null : Array.from(s.data[column])
}"""


def query_of(page: Page) -> dict[str, str]:
    return page.evaluate("() => Object.fromEntries(new URLSearchParams(window.location.search))")


def tour_status(page: Page):
    return page.locator(".tour").get_by_text("Resample", exact=False).first


def test_a_first_visitor_lands_on_the_tour_and_its_tasks_tick(page: Page, app_url: str) -> None:
    open_app(page, app_url + "?seed=2")
    expect(page.get_by_text("Step 1 of 7: The draw is a jump")).to_be_visible()
    expect(page.get_by_text("○ to do")).to_be_visible()
    resample = page.get_by_role("button", name="Resample", exact=True)
    for _ in range(3):
        resample.click()
    expect(page.get_by_text("✓ done")).to_be_visible()
    page.get_by_role("button", name="Next ▶").click()
    expect(page.get_by_text("Step 2 of 7: Gumbel-Max is exact")).to_be_visible()
    page.wait_for_function("() => new URLSearchParams(location.search).get('step') === '2'")


def test_a_tour_link_opens_its_step_and_tau_keys_tick_it(page: Page, app_url: str) -> None:
    open_app(page, app_url + "?seed=2&view=tour&step=3")
    expect(page.get_by_text("Step 3 of 7: Cool it")).to_be_visible()
    handle = tau_handle(page)
    handle.focus()
    for _ in range(30):  # PageDown moves log10 τ by 0.05: to τ = 10^-1.5
        handle.press("PageDown")
    page.wait_for_function(f"() => ({READ_LOG10_TAU})() < -1.4")
    expect(page.get_by_text("✓ done")).to_be_visible(timeout=10_000)
    page.locator("body").click(position={"x": 5, "y": 300})  # the focus leaves the slider
    page.keyboard.press("ArrowRight")
    expect(page.get_by_text("Step 4 of 7: Heat it")).to_be_visible()
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_text("Step 3 of 7: Cool it")).to_be_visible()


def test_show_me_performs_the_task(page: Page, app_url: str) -> None:
    open_app(page, app_url + "?seed=2&view=tour&step=4")
    page.get_by_role("button", name="Show me").click()
    page.wait_for_function(f"() => ({READ_LOG10_TAU})() > 0.69")  # τ > 5
    expect(page.get_by_text("✓ done")).to_be_visible()


def train_and_read(page: Page, url: str) -> list[float]:
    open_app(page, url)
    page.get_by_role("button", name="Train", exact=True).click()
    page.wait_for_function(
        "([name, column, last]) => { const s = Bokeh.documents[0].get_model_by_name(name);"
        " return s !== null && s.data[column] !== undefined"
        " && s.data[column][s.data[column].length - 1] === last }",
        arg=["training-curve", "step", 100],
        timeout=60_000,
    )
    return page.evaluate(READ_SOURCE, ["training-curve", "gumbel-softmax"])


def test_a_training_link_replays_the_run_bit_for_bit(
    page: Page, app_url: str, browser: Browser
) -> None:
    url = f"{app_url}?seed=1&view=training&steps=100&train=reinforce,gumbel-softmax&tseed=3"
    first = train_and_read(page, url)
    assert query_of(page)["tseed"] == "3" and query_of(page)["train"] == "reinforce,gumbel-softmax"
    assert np.isfinite(first).all() and first[-1] < first[0]
    other = browser.new_page()
    try:
        again = train_and_read(other, url)
    finally:
        other.close()
    assert again == first
