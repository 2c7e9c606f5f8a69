"""Verify: the oracles of :mod:`gumbel_viz.core.verify`, run on this session's state."""

from __future__ import annotations

import html
from collections.abc import Callable

import panel as pn
from bokeh.models import ColumnDataSource

from ..core.streams import DEFAULT_SEED, Stream, generator
from ..core.verify import CHI2_THRESHOLD, Check, browser_agrees, run_checks
from .base import View, Worker, message_html, prose, static_text

CAPTION = (
    "Each line is a property the math guarantees, checked now on this session's π, "
    "noise and τ. The random check (χ²) uses a fixed seed and fails when p < "
    f"{CHI2_THRESHOLD:g}, which a correct sampler does by chance in about 1 state in "
    f"{1 / CHI2_THRESHOLD:,.0f}; the other checks are deterministic."
)


def report_html(checks: list[Check]) -> str:
    """One line per check: pass or FAIL, its name and its number, all escaped."""
    return "".join(
        f"<div><b>{message_html('✔ pass' if c.passed else '✘ FAIL', c.passed)}</b> "
        f"{html.escape(c.name)}: {html.escape(c.detail)}</div>"
        for c in checks
    )


class VerifyView(View):
    """Run the oracles on demand and show each as pass or fail with its number.

    The random checks draw from stream ``Stream.VERIFY`` of :data:`DEFAULT_SEED`, so
    the same state always gets the same verdict. The button also asks the browser
    for the y it is showing (``static/verify_browser.js``) to compare with Python's.
    """

    slug = "verify"
    title = "Verify"
    caption = CAPTION

    def __init__(self, **params):
        super().__init__(**params)
        self.browser = ColumnDataSource(name="verify-browser", data={"y": [], "run": []})
        self.report = pn.widgets.StaticText(value="Press Verify to run the checks.")
        self.button = pn.widgets.Button(label="Verify", color="primary", width=140)
        self.worker = Worker(self._job, self._show_checks, button=self.button)
        self.button.on_click(self._on_click)
        self.browser_callback(
            self.button,
            clicks=static_text("verify_browser.js"),
            args={"bars": self.main.bars, "answer": self.browser},
        )
        self.browser.on_change("data", self._on_browser_answer)
        self.checks: list[Check] = []
        self.browser_check: Check | None = None

    async def run(self) -> None:
        await self.worker.run()

    async def _on_click(self, _event: object) -> None:
        await self.run()

    def _job(self) -> Callable[[], list[Check]]:
        m = self.model
        logits, noise, tau = m.logits.copy(), m.noise.copy(), float(m.tau)
        rng = generator(DEFAULT_SEED, 0, Stream.VERIFY)
        return lambda: run_checks(logits, noise, tau, rng)

    def _show_checks(self, checks: list[Check]) -> None:
        self.checks = checks
        self._show()

    def _on_browser_answer(self, _attr: str, _old: object, new: dict) -> None:
        if not new.get("y"):
            return
        self.browser_check = browser_agrees(self.model.y, list(new["y"]))
        self._show()

    def _show(self) -> None:
        checks = [*self.checks, *([self.browser_check] if self.browser_check else [])]
        self.report.value = report_html(checks)

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(
            prose(self.caption), self.button, self.report, sizing_mode="stretch_width"
        )
