"""Script payloads in links and typed input reach the page as text, never as markup."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import numpy as np
import pytest
from playwright.sync_api import Dialog, Page, expect

from support.browser import open_app, read_bars

# Each payload sets window.__xss (and opens a dialog) if it ever runs.
PAYLOADS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    '"><svg onload=window.__xss=1 onerror=alert(1)>',
    "javascript:alert(1)",
]
URL_PARAMETERS = ["view", "p", "tau", "k", "seed", "draw", "n", "zzz"]
# Anything the payloads would have created, looked for through every shadow root.
INJECTED = 'img[src="x"], svg[onload], script:has-text("__xss")'


def first_token(text: str) -> str:
    """The part of a payload an error message quotes: the numbers are split on , ; and space."""
    return next(t for t in re.split(r"[,;\s]+", text) if t)


def watch_dialogs(page: Page) -> list[str]:
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return dialogs


def assert_nothing_ran(page: Page, errors: list[str], dialogs: list[str]) -> None:
    assert page.evaluate("() => window.__xss") is None
    expect(page.locator(INJECTED)).to_have_count(0)
    assert dialogs == [] and errors == []
    bars = read_bars(page)  # the chart is still there and valid
    assert np.isclose(sum(bars["pi"]), 1.0) and np.isfinite(bars["y"]).all()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_in_every_link_parameter_is_shown_as_text(
    page: Page, app_url: str, payload: str
) -> None:
    dialogs = watch_dialogs(page)
    query = urlencode(dict.fromkeys(URL_PARAMETERS, payload))
    errors = open_app(page, f"{app_url}?{query}")
    # view= quotes the whole payload back: it must read as the characters typed.
    expect(page.get_by_text("is not a view here")).to_contain_text(repr(payload))
    expect(page.get_by_text("Link adjusted")).to_be_visible()
    for name in ("tau", "k", "seed", "draw", "n"):  # each refused, each said so
        notice = re.compile(rf"^{name}=.* is not a number; ignored$")
        expect(page.get_by_text(notice)).to_be_visible()
    expect(page.get_by_text("p is not a distribution")).to_be_visible()
    assert_nothing_ran(page, errors, dialogs)


def test_payloads_typed_into_every_text_input_are_refused_as_text(
    page: Page, app_url: str
) -> None:
    dialogs = watch_dialogs(page)
    errors = open_app(page, f"{app_url}?view=distribution&k=3&seed=1")
    before = read_bars(page)
    box = page.locator("textarea")
    message = page.get_by_text("Not applied:")
    for payload in PAYLOADS:
        box.fill(payload)
        box.blur()
        page.get_by_role("button", name="Apply", exact=True).click()
        expect(message).to_contain_text(f"{first_token(payload)!r} is not a number")
    assert read_bars(page)["pi"] == before["pi"]

    page.get_by_role("tab", name="Train", exact=True).click()  # opens on Estimators
    b_input = page.get_by_label("b: f = ½ zᵀAz + bᵀz")
    b_message = page.get_by_text("f not changed:")
    for payload in PAYLOADS:
        b_input.fill(payload)
        b_input.press("Enter")
        expect(b_message).to_contain_text(f"{first_token(payload)!r} is not a number")

    seed = page.get_by_label("Seed (blank: fresh randomness)")
    for payload in PAYLOADS:
        seed.fill(payload)
        seed.press("Enter")
        expect(seed).to_have_value(re.compile(r"^[0-9]*$"))  # only digits get through
    assert_nothing_ran(page, errors, dialogs)
