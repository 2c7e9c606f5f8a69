"""Gradient estimators side by side: bias², variance and MSE against τ, for the model's π.

The toy objective is ``f(z) = Σ_k c_k z_k`` with ``z ~ Categorical(π)``; see
:mod:`gumbel_viz.core.gradients` for the estimators and formulas. The sweep runs in a
worker thread (:class:`~.base.Worker`); the bar chart at the current τ is cheap and
follows τ directly.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource, HoverTool, Legend, LegendItem, Range1d, Span
from bokeh.plotting import figure
from bokeh.transform import dodge

from ..core import gradients
from ..core.numbers import parse_numbers, short_number
from ..core.streams import DEFAULT_SEED, Stream, generator
from .base import (
    ALERT_COLOR,
    DRAWN_COLOR,
    INK_COLOR,
    PI_COLOR,
    View,
    Worker,
    class_labels,
    legend_above,
    message_html,
    new_figure,
    prose,
)

#: The τ grid of the sweep: 25 log-spaced points from 0.01 to 10.
TAUS = np.logspace(-2, 1, 25)
#: Values below this (including exact zeros) are drawn at it: the y axis is logarithmic.
FLOOR = 1e-10
CUSTOM = "custom"
MAX_C_CHARS = 400
#: Bound on each |c_k|: beyond it the squared errors of the sweep overflow to inf.
MAX_ABS_C = 1e6

COLORS = {
    "exact": INK_COLOR,
    "reinforce": ALERT_COLOR,
    "reinforce_baseline": PI_COLOR,
    "gumbel_softmax": DRAWN_COLOR,
    "straight_through": "#CC79A7",
}
METRIC_STYLE = {  # metric: (legend label, dash, width)
    "mse": ("MSE (solid)", "solid", 3.0),
    "bias2": ("bias² (dashed)", "dashed", 2.0),
    "variance": ("variance (dotted)", "dotted", 2.0),
}
# For the linear f used here straight-through = Gumbel-Softmax draw for draw (same
# noise), so the charts draw them as one estimator; both columns stay in the sources.
SHOWN = ("reinforce", "reinforce_baseline", "gumbel_softmax")
SHOWN_LABELS = {
    "reinforce": "REINFORCE",
    "reinforce_baseline": "REINFORCE + baseline",
    "gumbel_softmax": "Gumbel-Softmax = straight-through",
}

CAPTION = (
    "How well does each estimator recover ∇<sub>θ</sub> E[f(z)] for f(z) = Σ c<sub>k</sub> "
    "z<sub>k</sub>? REINFORCE (with or without baseline) is unbiased, so its error is all "
    "variance and does not depend on τ; Gumbel-Softmax trades bias (large τ) for variance "
    "(small τ): find the τ where its MSE (solid) is lowest and compare it with REINFORCE's. "
    "For this linear f the straight-through "
    "gradient equals the Gumbel-Softmax one draw for draw, so they share one line."
)


def sweep_columns() -> tuple[str, ...]:
    """Columns of the ``gradient-sweep`` source: ``tau`` then ``<estimator>_<metric>``."""
    pairs = (f"{n}_{m}" for n in gradients.ESTIMATORS for m in gradients.METRICS)
    return ("tau", *pairs)


AT_TAU_COLUMNS = ("cls", "exact", *gradients.ESTIMATORS)


def parse_c(text: str, k: int) -> np.ndarray:
    """Exactly ``k`` numbers within ±:data:`MAX_ABS_C`, read by :func:`parse_numbers`."""
    if len(text) > MAX_C_CHARS:
        raise ValueError(f"too long: at most {MAX_C_CHARS} characters")
    values = parse_numbers(text)
    if len(values) != k:
        raise ValueError(f"expected {k} numbers (one per class), got {len(values)}")
    if max(abs(v) for v in values) > MAX_ABS_C:
        raise ValueError(f"every c must be between -{MAX_ABS_C:g} and {MAX_ABS_C:g}")
    return np.array(values)


def format_c(c: np.ndarray) -> str:
    return ", ".join(short_number(v) for v in c)


class GradientView(View):
    """Bias², variance and MSE of four gradient estimators against τ, and the mean
    estimates at the current τ.

    Data sources (named, so browser tests read exactly what is drawn):

    * ``gradient-sweep``: column ``tau`` (:data:`TAUS`, 25 points from 0.01 to 10) and
      one column ``<estimator>_<metric>`` per estimator in
      :data:`gradients.ESTIMATORS` (``reinforce``, ``reinforce_baseline``,
      ``gumbel_softmax``, ``straight_through``) and metric in
      :data:`gradients.METRICS` (``bias2``, ``variance``, ``mse``): the values of
      :func:`gradients.sweep` clamped below at :data:`FLOOR` for the log axis.
      Empty until the first sweep.
    * ``gradient-at-tau``: one row per class: ``cls`` ("1".."k"), ``exact`` (the closed
      form) and, per estimator, its mean over ``n_estimates`` estimates at ``model.tau``.

    The sweep reruns (off the event loop) when π, c or ``n_samples`` change, or on
    the Recompute button; the bars and the τ marker (a :class:`~bokeh.models.Span`
    named ``gradient-tau-marker``) follow ``model.tau`` directly. Draws come from
    stream ``Stream.GRADIENTS`` of the model's seed (:data:`DEFAULT_SEED` when it has
    none), so the curves are reproducible.
    """

    slug = "gradients"
    title = "Gradients"
    caption = CAPTION
    preset = param.Selector(
        objects=[*gradients.PRESETS, CUSTOM],
        default="reward the rarest class",
        doc="Payoff vector c.",
    )
    c_text = param.String("", doc="c, numbers separated by commas.")
    n_samples = param.Selector(objects=[1, 10, 100], default=10, doc="Draws per estimate.")
    n_estimates = param.Integer(
        200, bounds=(2, 1000), constant=True, doc="Estimates per τ (for bias and variance)."
    )

    def __init__(self, **params):
        super().__init__(**params)
        self.c = gradients.preset_c(self.preset, self.model.probabilities)
        self.result: gradients.SweepResult | None = None
        self._syncing = False
        self.sweep_source = ColumnDataSource(
            name="gradient-sweep", data={col: [] for col in sweep_columns()}
        )
        self.at_tau_source = ColumnDataSource(name="gradient-at-tau", data=self._at_tau_data())
        self.marker = Span(
            name="gradient-tau-marker",
            location=self.model.tau,
            dimension="height",
            line_color=INK_COLOR,
            line_width=2,
            line_dash="dotted",
        )
        self.sweep_figure = self._make_sweep_figure()
        self.bar_figure = self._make_bar_figure()
        self.message = prose("")
        self.status = prose("Computing…")
        self.button = pn.widgets.Button(label="Recompute", color="primary", width=130)
        self.worker = Worker(
            self._job, self._show, button=self.button, busy_label="Computing…", rerun_stale=True
        )
        self.worker.param.watch(self._on_busy, "busy")
        self.button.on_click(self._on_click)
        self._sync_text()
        self.model.param.watch(self._on_pi, ["probabilities"])
        self.model.param.watch(self._on_tau, ["tau"])
        if pn.state.curdoc is not None and pn.state.curdoc.session_context is not None:
            pn.state.onload(self.recompute)

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(
            prose(self.caption),
            pn.Row(
                pn.widgets.Select.from_param(self.param.preset, name="Payoff c", width=220),
                pn.widgets.TextInput.from_param(
                    self.param.c_text,
                    name="c (comma-separated)",
                    width=260,
                    max_length=MAX_C_CHARS,
                ),
                pn.widgets.RadioButtonGroup.from_param(
                    self.param.n_samples, name="Draws per estimate"
                ),
                self.button,
            ),
            self.message,
            self.status,
            pn.pane.Bokeh(self.sweep_figure, sizing_mode="stretch_width"),
            pn.pane.Bokeh(self.bar_figure, sizing_mode="stretch_width"),
            sizing_mode="stretch_width",
        )

    # ------------------------------------------------------------------ computing

    @property
    def busy(self) -> bool:
        return self.worker.busy

    def _generator(self, index: int) -> np.random.Generator:
        seed = DEFAULT_SEED if self.model.seed is None else self.model.seed
        return generator(seed, index, Stream.GRADIENTS)

    def sweep_generator(self) -> np.random.Generator:
        """The generator of every sweep: the same inputs always give the same curves."""
        return self._generator(0)

    def bar_generator(self) -> np.random.Generator:
        return self._generator(1)

    async def recompute(self) -> None:
        """Run :func:`gradients.sweep` in a worker thread for the current π, c, n_samples.

        If the inputs change meanwhile, the stale result is dropped and the sweep reruns.
        """
        await self.worker.run()

    def _job(self) -> Callable[[], gradients.SweepResult]:
        args = (
            self.model.logits.copy(),
            self.c.copy(),
            TAUS,
            int(self.n_samples),
            int(self.n_estimates),
            self.sweep_generator(),
        )
        return lambda: gradients.sweep(*args)

    def _request(self) -> None:
        """Inputs changed: rerun the sweep (or have the running one rerun)."""
        self.worker.request()

    async def _on_click(self, _event: param.parameterized.Event) -> None:
        await self.recompute()

    def _on_busy(self, event: param.parameterized.Event) -> None:
        if event.new:
            self.status.value = "Computing…"

    # ------------------------------------------------------------------ inputs

    def _sync_text(self) -> None:
        self._syncing = True
        try:
            self.c_text = format_c(self.c)
        finally:
            self._syncing = False

    @param.depends("preset", watch=True)
    def _on_preset(self) -> None:
        if self.preset == CUSTOM:
            return
        self.c = gradients.preset_c(self.preset, self.model.probabilities)
        self.message.value = ""
        self._sync_text()
        self._refresh_bars()
        self._request()

    @param.depends("c_text", watch=True)
    def _on_c_text(self) -> None:
        if self._syncing:
            return
        try:
            c = parse_c(self.c_text, self.model.k)
        except ValueError as err:
            self.message.value = message_html(
                f"c not changed: {html.escape(str(err))}. "
                f"Still using c = {html.escape(format_c(self.c))}.",
                ok=False,
            )
            return
        self.message.value = ""
        if np.array_equal(c, self.c) and self.preset == CUSTOM:
            return
        self.c = c
        self._syncing = True
        try:
            self.preset = CUSTOM
        finally:
            self._syncing = False
        self._refresh_bars()
        self._request()

    @param.depends("n_samples", watch=True)
    def _on_n_samples(self) -> None:
        self._refresh_bars()
        self._request()

    def _on_pi(self, *_events: param.parameterized.Event) -> None:
        k = self.model.k
        if self.preset != CUSTOM:
            self.c = gradients.preset_c(self.preset, self.model.probabilities)
            self._sync_text()
        elif self.c.size != k:
            self.preset = "linear ramp"  # -> _on_preset: new c, text, bars, sweep
            self.message.value = (
                f"The number of classes is now {k}: c was reset to the linear ramp."
            )
            return
        self._refresh_bars()
        self._request()

    def _on_tau(self, *_events: param.parameterized.Event) -> None:
        with pn.io.hold():
            self.marker.location = self.model.tau
            self._refresh_bars()

    # ------------------------------------------------------------------ showing

    def _at_tau_data(self) -> dict[str, object]:
        m = self.model
        est = gradients.estimates_at(
            m.logits,
            self.c,
            m.tau,
            int(self.n_samples),
            int(self.n_estimates),
            self.bar_generator(),
        )
        data: dict[str, object] = {
            "cls": class_labels(m.k),
            "exact": gradients.exact_gradient(m.logits, self.c),
        }
        data.update({name: est[name].mean(axis=0) for name in gradients.ESTIMATORS})
        return data

    def _refresh_bars(self) -> None:
        data = self._at_tau_data()
        with pn.io.hold():
            self.bar_figure.x_range.factors = list(data["cls"])
            self.at_tau_source.data = data
            top = max(
                float(np.max(np.abs(np.column_stack([data[c] for c in AT_TAU_COLUMNS[1:]])))), 1e-3
            )
            self.bar_figure.y_range.update(start=-1.15 * top, end=1.15 * top)

    def _show(self, result: gradients.SweepResult) -> None:
        data: dict[str, object] = {"tau": result.taus}
        clamped = 0
        for name in gradients.ESTIMATORS:
            for metric in gradients.METRICS:
                values = result.metrics[name][metric]
                clamped += int(np.count_nonzero(values < FLOOR))
                data[f"{name}_{metric}"] = np.maximum(values, FLOOR)
        shown = np.concatenate([data[f"{n}_{m}"] for n in SHOWN for m in gradients.METRICS])
        with pn.io.hold():
            self.result = result
            self.sweep_source.data = data
            self.sweep_figure.y_range.update(
                start=float(shown.min()) / 2, end=float(shown.max()) * 2
            )
            self._refresh_bars()
            note = (
                f"Sweep done: {self.n_estimates} estimates of {self.n_samples} "
                f"draw{'s' if self.n_samples > 1 else ''} each at {TAUS.size} values of τ. "
                "The bias² shown is |mean − exact|², which includes Monte Carlo noise of "
                f"about variance / {self.n_estimates}: a bias² at that level is "
                "indistinguishable from 0."
            )
            if clamped:
                note += (
                    f" {clamped} value{'s' if clamped > 1 else ''} below {FLOOR:g} "
                    f"(e.g. exactly 0) {'are' if clamped > 1 else 'is'} drawn at {FLOOR:g} "
                    "for the log axis."
                )
            self.status.value = note

    # ------------------------------------------------------------------ figures

    def _make_sweep_figure(self) -> figure:
        fig = new_figure(
            "gradient-sweep-chart",
            x_axis_type="log",
            y_axis_type="log",
            x_range=Range1d(TAUS[0], TAUS[-1], bounds=(TAUS[0], TAUS[-1])),
            y_range=Range1d(1e-6, 1.0),
            height=380,
            x_axis_label="temperature τ (log scale)",
            y_axis_label="squared error of the gradient (log scale)",
            min_border_left=60,
        )
        by_name: dict[str, list] = {name: [] for name in SHOWN}
        by_metric: dict[str, list] = {metric: [] for metric in METRIC_STYLE}
        for name in SHOWN:
            for metric, (_label, dash, width) in METRIC_STYLE.items():
                line = fig.line(
                    x="tau",
                    y=f"{name}_{metric}",
                    source=self.sweep_source,
                    line_color=COLORS[name],
                    line_dash=dash,
                    line_width=width,
                )
                by_name[name].append(line)
                by_metric[metric].append(line)
        fig.add_layout(self.marker)
        items = [LegendItem(label=SHOWN_LABELS[n], renderers=r) for n, r in by_name.items()]
        items += [LegendItem(label=METRIC_STYLE[m][0], renderers=r) for m, r in by_metric.items()]
        legend = Legend(
            items=items,
            click_policy="hide",
            orientation="horizontal",
            ncols=3,
            label_text_font_size="12px",
        )
        fig.add_layout(legend, "above")
        fig.add_tools(
            HoverTool(
                renderers=by_metric["mse"],
                tooltips=[
                    ("τ", "@tau{0.000}"),
                    ("MSE REINFORCE", "@reinforce_mse{0.000e}"),
                    ("MSE + baseline", "@reinforce_baseline_mse{0.000e}"),
                    ("MSE Gumbel-Softmax", "@gumbel_softmax_mse{0.000e}"),
                ],
                mode="vline",
            )
        )
        return fig

    def _make_bar_figure(self) -> figure:
        groups = ("exact", *SHOWN)
        labels = {"exact": "exact ∇", **SHOWN_LABELS}
        fig = new_figure(
            "gradient-at-tau-chart",
            x_range=list(self.at_tau_source.data["cls"]),
            y_range=Range1d(-1, 1),
            height=260,
            x_axis_label="class",
            y_axis_label="∂E[f]/∂θₖ at the current τ",
            min_border_left=60,
        )
        width = 0.8 / len(groups)
        for i, name in enumerate(groups):
            offset = (i - (len(groups) - 1) / 2) * width
            fig.vbar(
                x=dodge("cls", offset, range=fig.x_range),
                top=name,
                width=width * 0.95,
                source=self.at_tau_source,
                fill_color=COLORS[name],
                line_color=None,
                legend_label=labels[name],
            )
        legend_above(fig, click_policy="hide", label_text_font_size="12px")
        fig.add_tools(
            HoverTool(
                tooltips=[
                    ("class", "@cls"),
                    ("exact", "@exact{0.0000}"),
                    ("REINFORCE", "@reinforce{0.0000}"),
                    ("+ baseline", "@reinforce_baseline{0.0000}"),
                    ("Gumbel-Softmax", "@gumbel_softmax{0.0000}"),
                ]
            )
        )
        return fig
