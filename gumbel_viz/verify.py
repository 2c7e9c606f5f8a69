"""A live self-check: the oracles of the relaxation, run on the session's own state."""

from __future__ import annotations

import asyncio
import html
from dataclasses import dataclass
from importlib.resources import files

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource
from panel.viewable import Viewer

from . import engine
from .density import total_probability
from .model import GumbelSoftmaxModel
from .montecarlo import chi_square_gof
from .views import prose

VERIFY_JS = files("gumbel_viz").joinpath("static/verify_browser.js").read_text()
DRAWS = 100_000
CAPTION = (
    "Each line is a property the math guarantees, checked now on this session's π, "
    "noise and τ. A failure would mean a bug, not bad luck: the random check uses a "
    "fixed seed and passes unless p < 0.001."
)


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str


def gumbel_max_is_exact(logits: np.ndarray, rng: np.random.Generator) -> Check:
    """argmax(log π + g) over DRAWS draws against π: chi-square goodness of fit."""
    drawn = engine.gumbel_max(logits, rng=rng, sample_shape=DRAWS)
    counts = np.bincount(drawn, minlength=len(logits))
    stat, dof, p = chi_square_gof(counts, engine.softmax(logits))
    return Check("Gumbel-Max is an exact draw from π", p > 1e-3,
                 f"χ² = {stat:.2f}, dof = {dof}, p = {p:.3f} over {DRAWS:,} draws")


def rows_on_simplex(logits: np.ndarray, tau: float, rng: np.random.Generator) -> Check:
    y = engine.gumbel_softmax(logits, tau, rng=rng, sample_shape=10_000)
    error = float(np.max(np.abs(y.sum(axis=-1) - 1)))
    ok = error < 1e-12 and bool((y >= 0).all()) and bool(np.isfinite(y).all())
    return Check("Relaxed samples lie on the simplex", ok,
                 f"max |Σy − 1| = {error:.1e} over 10,000 samples at τ = {tau:.4g}")


def argmax_ignores_tau(logits: np.ndarray, noise: np.ndarray) -> Check:
    taus = np.logspace(-2, 2, 41)
    y = engine.gumbel_softmax(logits, taus, gumbel=noise)
    drawn = int(engine.gumbel_max(logits, gumbel=noise))
    at_max = np.isclose(y[:, drawn], y.max(axis=1), rtol=0, atol=0)
    return Check("argmax y is the drawn class at every τ", bool(at_max.all()),
                 f"class {drawn + 1} holds the largest y at all {len(taus)} τ in [0.01, 100]")


def shift_changes_nothing(logits: np.ndarray, noise: np.ndarray, tau: float) -> Check:
    y = engine.gumbel_softmax(logits, tau, gumbel=noise)
    change = max(
        float(np.max(np.abs(engine.gumbel_softmax(logits + c, tau, gumbel=noise) - y)))
        for c in (-100.0, 7.5, 1000.0)
    )
    return Check("Adding c to every logit leaves y unchanged", change < 1e-10,
                 f"max |Δy| = {change:.1e} for c in {{−100, 7.5, 1000}}")


def density_normalises(logits: np.ndarray, tau: float) -> Check:
    """The Concrete density integrates to 1 (for k > 3: on the three likeliest classes)."""
    finite = np.sort(logits[np.isfinite(logits)])[::-1][:3]
    total = total_probability(finite, tau)
    which = f"k = {finite.size}" + ("" if finite.size == logits.size else ", likeliest classes")
    return Check("The Concrete density integrates to 1", abs(total - 1) < 1e-6,
                 f"∫ p(y) dy − 1 = {total - 1:.1e} ({which}, τ = {tau:.4g})")


def python_checks(model: GumbelSoftmaxModel, seed: int) -> list[Check]:
    """Every check that needs no browser, at a fixed seed."""
    rng = np.random.default_rng(seed)
    logits, noise, tau = model.logits, model.noise, model.tau
    return [
        gumbel_max_is_exact(logits, rng),
        rows_on_simplex(logits, tau, rng),
        argmax_ignores_tau(logits, noise),
        shift_changes_nothing(logits, noise, tau),
        density_normalises(logits, tau),
    ]


def browser_agrees(python_y: np.ndarray, browser_y: list[float]) -> Check:
    if len(browser_y) != len(python_y):
        return Check("The browser's y equals Python's", False, "the browser sent no answer")
    gap = float(np.max(np.abs(np.asarray(browser_y) - python_y)))
    return Check("The browser's y equals Python's", gap < 1e-9,
                 f"max |y_browser − y_python| = {gap:.1e}")


class VerifyView(Viewer):
    """Run the oracles on demand and show each as pass or fail with its number."""

    model = param.ClassSelector(class_=GumbelSoftmaxModel)
    bars = param.ClassSelector(class_=ColumnDataSource, doc="The main chart's data.")
    seed = param.Integer(20170101, doc="Seed of the random checks.")

    def __init__(self, **params):
        super().__init__(**params)
        self.browser = ColumnDataSource(name="verify-browser", data={"y": [], "run": []})
        self.report = pn.widgets.StaticText(value="Press Verify to run the checks.")
        self.button = pn.widgets.Button(label="Verify", color="primary", width=140)
        self.button.on_click(self._run)
        # The browser sends back the y it is showing, to compare with Python's.
        self.button.jscallback(clicks=VERIFY_JS, args={"bars": self.bars, "answer": self.browser})
        self.browser.on_change("data", self._on_browser_answer)
        self._checks: list[Check] = []
        self._browser_check: Check | None = None

    async def _run(self, _event: object = None) -> None:
        self.button.param.update(loading=True, disabled=True)
        try:
            self._checks = await asyncio.to_thread(python_checks, self.model, self.seed)
            self._show()
        finally:
            self.button.param.update(loading=False, disabled=False)

    def _on_browser_answer(self, _attr: str, _old: object, new: dict) -> None:
        if not new.get("y"):
            return
        self._browser_check = browser_agrees(self.model.y, list(new["y"]))
        self._show()

    def _show(self) -> None:
        checks = list(self._checks)
        if self._browser_check is not None:
            checks.append(self._browser_check)
        self.report.value = "".join(
            f'<div><b style="color: {"#009E73" if c.passed else "#D55E00"}">'
            f'{"✔ pass" if c.passed else "✘ FAIL"}</b> {html.escape(c.name)}: '
            f"{html.escape(c.detail)}</div>"
            for c in checks
        )

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(prose(CAPTION), self.button, self.report, sizing_mode="stretch_width")
