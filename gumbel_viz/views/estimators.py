"""The estimator lab: seven gradient estimators of ∇_θ E[f(z)] against the exact one.

For the model's π and an objective f (presets, or typed coefficients), it sweeps
τ from 0.01 to 10 and shows bias², variance and MSE of each chosen estimator
(:func:`gumbel_viz.core.estimators.sweep`, exact by enumeration where that
exists, unbiased Monte Carlo with its noise floor elsewhere), the estimates at the
current τ beside the exact gradient, what each costs, and what ``hard=True`` does.
The sweep runs off the event loop (:class:`~.base.Worker`); the rest follows τ.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import numpy as np
import panel as pn
import param
from bokeh.models import (
    BasicTicker,
    ColorBar,
    ColumnDataSource,
    GlyphRenderer,
    HoverTool,
    Legend,
    LegendItem,
    LinearColorMapper,
    Range1d,
    Span,
)
from bokeh.palettes import RdBu11
from bokeh.plotting import figure
from bokeh.transform import dodge

from ..core import estimators, objectives
from ..core.numbers import parse_numbers, short_number
from ..core.streams import DEFAULT_SEED, Stream, generator
from .base import (
    HIGHLIGHT,
    INK_COLOR,
    MUTED_COLOR,
    View,
    Worker,
    class_labels,
    class_source,
    controls_row,
    drop_grid,
    follow_class_hover,
    legend_above,
    message_html,
    new_figure,
    prose,
    wrapping,
)

#: The τ grid of the sweep: 25 log-spaced points from 0.01 to 10 (τ = 1 among them).
TAUS = np.logspace(-2, 1, 25)
#: Independent n-draw estimates per Monte Carlo point of the sweep (fewer of the
#: costlier n = 100 estimates, so that the worst case, k = 12, stays within the cap).
RUNS = 200
RUNS_AT_100 = 20


def runs_for(n: int) -> int:
    return RUNS if n <= 10 else RUNS_AT_100


NAMES = tuple(estimators.ESTIMATORS)
METRICS = {"MSE": "mse", "bias²": "bias2", "variance": "variance"}
SWEEP_COLUMNS = ("mse", "bias2", "variance", "floor", "bias2_shown")
#: Bias² below this is "exactly 0" (rounding): no point on the log axis.
ZERO = 1e-20
CUSTOM = "custom (type the coefficients)"
TOY = "REBAR toy (t = 0.499)"
DEFAULT_PRESET = "random quadratic"
MAX_TEXT = 2000

# One colour per estimator (Okabe-Ito), one dash per family.
STYLE = {
    "reinforce": ("#D55E00", "solid"),
    "rloo": ("#E69F00", "solid"),
    "gumbel-softmax": ("#009E73", "solid"),
    "st-gumbel-softmax": ("#0072B2", "solid"),
    "straight-through": ("#CC79A7", "dashed"),
    "gumbel-rao": ("#56B4E9", "dashed"),
    "reinmax": ("#000000", "dashed"),
}

CAPTION = (
    "Which gradient estimator to trust, at which τ? For the objective below, each curve "
    "is one estimator's error against the exact gradient ∇<sub>θ</sub> E[f(z)] as τ runs "
    "from 0.01 to 10. <b>Variance</b> is the sum over classes of the variance of one "
    "n-draw estimate, <b>bias²</b> the squared distance of its mean from the exact "
    "gradient, <b>MSE</b> their sum. REINFORCE and RLOO ignore τ and are unbiased: all "
    "their error is variance. Gumbel-Softmax trades bias at large τ for variance at "
    "small τ. Straight-through estimators are biased for a nonlinear f: watch plain "
    "straight-through's gradient vanish as τ → 0, and ReinMax's bias reach 0 at τ = 1 "
    "for a quadratic f. For a linear f, ST Gumbel-Softmax equals Gumbel-Softmax draw "
    "for draw."
)


def parse_matrix(text: str, k: int) -> np.ndarray:
    """k rows of k numbers, one row per line (or separated by ';')."""
    if len(text) > MAX_TEXT:
        raise ValueError(f"too long: at most {MAX_TEXT} characters")
    rows = [row for row in text.replace(";", "\n").splitlines() if row.strip()]
    if len(rows) != k:
        raise ValueError(f"A needs {k} rows (one per class), got {len(rows)}")
    matrix = np.array([parse_numbers(row) for row in rows], dtype=object)
    if any(len(row) != k for row in matrix):
        raise ValueError(f"every row of A needs {k} numbers")
    return np.array(matrix.tolist(), dtype=np.float64)


def format_matrix(a: np.ndarray) -> str:
    return "\n".join(", ".join(short_number(v) for v in row) for row in a)


def coefficients_of(objective: objectives.OneHotObjective) -> tuple[np.ndarray, np.ndarray]:
    """The objective as a quadratic ``½ zᵀAz + bᵀz`` (A = 0 for a linear one)."""
    k = objective.k
    if isinstance(objective, objectives.Quadratic):
        return objective.A, objective.b
    if isinstance(objective, objectives.Linear):
        return np.zeros((k, k)), objective.c
    # The toy (z₂ − t)² on one-hot z equals ½ zᵀAz + bᵀz with these A and b.
    t = objective.t
    a = np.zeros((2, 2))
    a[1, 1] = 2.0
    return a, np.array([t * t, t * t - 2 * t])


class EstimatorsView(View):
    """Bias², variance and MSE of the chosen estimators against τ, and more.

    Data sources (named, so browser tests read what is drawn):

    * ``estimator-sweep``: ``tau`` (:data:`TAUS`) and, per estimator name ``e`` of
      :data:`NAMES`: ``e_mse``, ``e_bias2``, ``e_variance`` (the values of
      :func:`estimators.sweep`, as computed), ``e_floor`` (2 standard errors of the
      Monte Carlo bias², NaN where exact) and ``e_bias2_shown`` (bias² where it is
      above its floor and not exactly 0, else NaN: what the log chart can honestly
      draw). All NaN for an estimator not in the sweep; empty until the first sweep.
      The chart draws the column of the chosen metric.
    * ``estimator-at-tau``: per class ``cls``, ``exact`` (the exact gradient) and,
      per estimator, one n-draw estimate at the current τ.
    * ``hard-forward`` (``cls, forward``) and ``hard-jacobian`` (``row, col, value``):
      the forward value and the backward Jacobian (1/τ)J(y) of ``hard=True``.
    """

    slug = "estimators"
    title = "Estimators"
    caption = CAPTION

    preset = param.Selector(
        objects=[*objectives.PRESETS, CUSTOM], default=DEFAULT_PRESET, doc="The objective f."
    )
    names = param.ListSelector(default=list(NAMES), objects=list(NAMES), doc="Estimators.")
    n = param.Selector(objects=[1, 10, 100], default=10, doc="Draws per estimate.")
    metric = param.Selector(objects=list(METRICS), default="MSE", doc="What the chart shows.")
    b_text = param.String("", doc="b (or c), one number per class.")
    a_text = param.String("", doc="A, one row per line.")

    def __init__(self, **params):
        super().__init__(**params)
        self._syncing = False
        if self.preset == CUSTOM or not self._fits(self.preset):
            self._set_preset(DEFAULT_PRESET)
        self._last_preset = self.preset
        self.objective = self._preset_objective()
        self.result: estimators.SweepResult | None = None
        self.sweep_source = ColumnDataSource(name="estimator-sweep", data=_empty_sweep())
        self.lines: dict[str, list[GlyphRenderer]] = {}
        self.floors: list[GlyphRenderer] = []
        self.at_tau = class_source("estimator-at-tau", self._at_tau_data())
        self.forward = ColumnDataSource(name="hard-forward", data={"cls": [], "forward": []})
        self.jacobian = ColumnDataSource(
            name="hard-jacobian", data={"row": [], "col": [], "value": []}
        )
        self.marker = Span(
            name="estimator-tau-marker", location=self.model.tau, dimension="height",
            line_color=INK_COLOR, line_width=2, line_dash="dotted",
        )  # fmt: skip
        self.jacobian_colors = LinearColorMapper(palette=RdBu11[::-1], low=-1, high=1)
        self.sweep_figure = self._make_sweep_figure()
        self.bar_figure = self._make_bar_figure()
        self.forward_figure, self.jacobian_figure = self._make_hard_figures()
        self.message = prose("")
        self.status = prose("Computing…")
        self.costs = prose("")
        self.hard_note = prose("")
        self.button = pn.widgets.Button(label="Recompute", color="primary", width=130)
        self.worker = Worker(
            self._job, self._show, button=self.button, busy_label="Computing…", rerun_stale=True
        )
        self.worker.param.watch(self._on_busy, "busy")
        self.button.on_click(self._on_click)
        self._show_coefficients()
        self._refresh_at_tau()
        self.model.param.watch(self._on_model, ["probabilities", "noise", "tau"])
        if pn.state.curdoc is not None and pn.state.curdoc.session_context is not None:
            pn.state.onload(self.recompute)

    def __panel__(self) -> pn.viewable.Viewable:
        quadratic = pn.widgets.TextAreaInput.from_param(
            self.param.a_text, name="A (one row per line)", height=110, width=300,
            max_length=MAX_TEXT,
        )  # fmt: skip
        return pn.Column(
            prose(self.caption),
            controls_row(
                pn.widgets.Select.from_param(self.param.preset, name="Objective f", width=260),
                pn.widgets.TextInput.from_param(
                    self.param.b_text, name="b: f = ½ zᵀAz + bᵀz", width=300, max_length=MAX_TEXT
                ),
                quadratic,
            ),
            controls_row(
                wrapping(
                    pn.widgets.CheckButtonGroup.from_param(
                        self.param.names,
                        options={estimators.LABELS[n]: n for n in NAMES},
                        name="Estimators",
                    )
                ),
            ),
            controls_row(
                pn.widgets.RadioButtonGroup.from_param(self.param.n, name="Draws per estimate"),
                pn.widgets.RadioButtonGroup.from_param(self.param.metric, name="Show"),
                self.button,
            ),
            self.message,
            self.status,
            pn.pane.Bokeh(self.sweep_figure, sizing_mode="stretch_width"),
            pn.pane.Bokeh(self.bar_figure, sizing_mode="stretch_width"),
            self.costs,
            prose(
                "<b>What <code>hard=True</code> does.</b> Forward, the straight-through "
                "sample is the one-hot vector of the drawn class, the same at every τ. "
                "Backward, the gradient flows through the Jacobian (1/τ)(diag(y) − y yᵀ) of "
                "the relaxed y, which does change with τ: drag τ and watch."
            ),
            self.hard_note,
            # Fixed sizes, one above the other: they fit a phone, and Bokeh lays them out
            # (in a wrapping FlexBox they collapsed, and the page never became ready).
            pn.pane.Bokeh(self.forward_figure),
            pn.pane.Bokeh(self.jacobian_figure),
            sizing_mode="stretch_width",
        )

    # ------------------------------------------------------------------ the objective

    def _preset_objective(self) -> objectives.OneHotObjective:
        return objectives.preset(self.preset, self.model.probabilities)

    def _fits(self, preset: str) -> bool:
        return preset != TOY or self.model.k == 2

    def _show_coefficients(self) -> None:
        a, b = coefficients_of(self.objective)
        self._syncing = True
        try:
            self.b_text, self.a_text = ", ".join(map(short_number, b)), format_matrix(a)
        finally:
            self._syncing = False

    @param.depends("preset", watch=True)
    def _on_preset(self) -> None:
        if self.preset == CUSTOM or self._syncing:
            return
        if not self._fits(self.preset):
            self._set_preset(self._last_preset)
            self.message.value = message_html(
                "The REBAR toy has k = 2 classes: set the number of classes to 2 to use it.",
                ok=False,
            )
            return
        self.message.value = ""
        self._last_preset = self.preset
        self._use(self._preset_objective())

    def _set_preset(self, preset: str) -> None:
        """Show ``preset`` in the selector without acting on it."""
        self._syncing = True
        try:
            self.preset = preset
        finally:
            self._syncing = False

    @param.depends("b_text", "a_text", watch=True)
    def _on_text(self) -> None:
        if self._syncing:
            return
        try:
            k = self.model.k
            b = np.array(parse_numbers(self.b_text))
            if b.size != k:
                raise ValueError(f"b needs {k} numbers (one per class), got {b.size}")
            objective = objectives.Quadratic(parse_matrix(self.a_text, k), b)
        except ValueError as error:
            self.message.value = message_html(
                f"f not changed: {html.escape(str(error))}.", ok=False
            )
            return
        self.message.value = ""
        self._set_preset(CUSTOM)
        self._use(objective, show=False)

    def _use(self, objective: objectives.OneHotObjective, show: bool = True) -> None:
        self.objective = objective
        if show:
            self._show_coefficients()
        self._refresh_at_tau()
        self.worker.request()

    def _on_model(self, *events: param.parameterized.Event) -> None:
        if any(event.name == "probabilities" for event in events):
            self._on_pi()
        else:
            with pn.io.hold():
                self.marker.location = self.model.tau
                self._refresh_at_tau()

    def _on_pi(self) -> None:
        """A new π: presets follow it; a typed f is kept unless k changed."""
        k = self.model.k
        self.message.value = ""
        if (self.preset == CUSTOM and self.objective.k != k) or not self._fits(self.preset):
            self._set_preset(DEFAULT_PRESET)
            self._last_preset = DEFAULT_PRESET
            self.message.value = message_html(
                f"The number of classes is now {k}: f is the {DEFAULT_PRESET} again.", ok=True
            )
        if self.preset != CUSTOM:
            self.objective = self._preset_objective()
            self._show_coefficients()
        self.marker.location = self.model.tau
        self._refresh_at_tau()
        self.worker.request()

    @param.depends("names", "n", watch=True)
    def _on_settings(self) -> None:
        self._refresh_at_tau()
        self.worker.request()

    # ------------------------------------------------------------------ computing

    def chosen(self) -> list[str]:
        """The estimators of the sweep: RLOO needs n ≥ 2 draws."""
        return [name for name in NAMES if name in self.names and (self.n > 1 or name != "rloo")]

    def _generator(self, index: int) -> np.random.Generator:
        seed = DEFAULT_SEED if self.model.seed is None else self.model.seed
        return generator(seed, index, Stream.GRADIENTS)

    async def recompute(self) -> None:
        """Run the sweep in a worker thread for the current π, f, estimators and n."""
        await self.worker.run()

    def _job(self) -> Callable[[], estimators.SweepResult | None]:
        names = self.chosen()
        if not names:
            return lambda: None
        n = int(self.n)
        args = (self.model.logits.copy(), self.objective, TAUS, names, n, runs_for(n))
        rng = self._generator(0)
        return lambda: estimators.sweep(*args, rng)

    async def _on_click(self, _event: param.parameterized.Event) -> None:
        await self.recompute()

    def _on_busy(self, event: param.parameterized.Event) -> None:
        if event.new:
            self.status.value = "Computing…"

    # ------------------------------------------------------------------ showing

    @param.depends("metric", watch=True)
    def _on_metric(self) -> None:
        """Draw another column of the same source: no figure is rebuilt."""
        column = METRICS[self.metric] + ("_shown" if self.metric == "bias²" else "")
        with pn.io.hold():
            for name, renderers in self.lines.items():
                for renderer in renderers:
                    renderer.glyph.y = f"{name}_{column}"
            for floor in self.floors:
                floor.visible = self.metric == "bias²"
            if self.result is not None:
                self._fit_y_range()

    def _sweep_data(self, result: estimators.SweepResult) -> dict[str, object]:
        data: dict[str, object] = {"tau": result.taus}
        missing = np.full(result.taus.size, np.nan)
        for name in NAMES:
            curve = result.curves.get(name)
            if curve is None:
                for column in SWEEP_COLUMNS:
                    data[f"{name}_{column}"] = missing
                continue
            floor = 2 * curve.bias2_se
            hidden = (curve.bias2 <= floor) | (curve.bias2 <= ZERO)
            data[f"{name}_mse"] = curve.mse
            data[f"{name}_bias2"] = curve.bias2
            data[f"{name}_variance"] = curve.variance
            data[f"{name}_floor"] = missing if curve.exact else floor
            data[f"{name}_bias2_shown"] = np.where(hidden, np.nan, curve.bias2)
        return data

    def _fit_y_range(self) -> None:
        data = self.sweep_source.data
        column = METRICS[self.metric] + ("_shown" if self.metric == "bias²" else "")
        names = [name for name in NAMES if name in self.result.curves]
        columns = [f"{n}_{column}" for n in names]
        if self.metric == "bias²":
            columns += [f"{n}_floor" for n in names]
        shown = np.concatenate([np.asarray(data[c], dtype=float) for c in columns])
        shown = shown[np.isfinite(shown) & (shown > 0)]
        if shown.size:
            self.sweep_figure.y_range.update(start=shown.min() / 3, end=shown.max() * 3)

    def _show(self, result: estimators.SweepResult | None) -> None:
        if result is None:
            self.status.value = "Choose at least one estimator."
            return
        with pn.io.hold():
            self.result = result
            self.sweep_source.data = self._sweep_data(result)
            self._fit_y_range()
            self.status.value = self._status_html(result)
            self.costs.value = self._costs_html(result)

    def _status_html(self, result: estimators.SweepResult) -> str:
        exact = [estimators.LABELS[n] for n, c in result.curves.items() if c.exact]
        sampled = [estimators.LABELS[n] for n, c in result.curves.items() if not c.exact]
        parts = [
            f"Sweep of {len(result.curves)} estimators at {result.taus.size} values of τ, "
            f"n = {result.n} draw{'s' if result.n > 1 else ''} per estimate."
        ]
        if exact:
            parts.append(f"Exact, by enumerating the {self.model.k} outcomes: {', '.join(exact)}.")
        if sampled:
            parts.append(
                f"From {result.runs} Monte Carlo estimates: {', '.join(sampled)}; their bias² "
                "is the unbiased estimate |mean − exact|² − tr(Cov)/runs, drawn only above its "
                "noise floor (2 standard errors, dotted on the bias² chart)."
            )
        if self.n == 1 and "rloo" in self.names:
            parts.append("RLOO needs n ≥ 2 draws: it is left out at n = 1.")
        parts.append("Points missing on the log axis are exactly 0 or within the noise.")
        return " ".join(parts)

    def _costs_html(self, result: estimators.SweepResult) -> str:
        rows = []
        for name in result.curves:
            cost = estimators.COSTS[name]
            jacobians = cost.jacobians_for(estimators.DEFAULT_RAO_SAMPLES)
            rows.append(
                f"<tr><td>{estimators.LABELS[name]}</td><td>{cost.f * result.n}</td>"
                f"<td>{cost.grad * result.n}</td><td>{jacobians * result.n}</td></tr>"
            )
        return (
            f"<b>Cost of one estimate</b> (n = {result.n} draws):"
            "<table class='costs'><tr><th>estimator</th><th>f evaluations</th>"
            "<th>∇f evaluations</th><th>Jacobian products</th></tr>" + "".join(rows) + "</table>"
        )

    def _at_tau_data(self) -> dict[str, object]:
        m = self.model
        data: dict[str, object] = {
            "cls": class_labels(m.k),
            "exact": estimators.exact_gradient(m.logits, self.objective),
        }
        rng = self._generator(1)
        for name in NAMES:
            if name in self.chosen():
                estimate = estimators.ESTIMATORS[name](
                    m.logits, self.objective, m.tau, rng, int(self.n)
                )
                data[name] = estimate.mean(axis=0)
            else:
                data[name] = np.zeros(m.k)
        return data

    def _refresh_at_tau(self) -> None:
        data = self._at_tau_data()
        forward, jacobian = estimators.straight_through_parts(
            self.model.logits, self.model.noise, self.model.tau
        )
        k = self.model.k
        rows, cols = np.divmod(np.arange(k * k), k)
        top = max(float(np.max(np.abs([data[c] for c in ("exact", *NAMES)]))), 1e-6)
        scale = max(float(np.abs(jacobian).max()), 1e-12)
        with pn.io.hold():
            self.bar_figure.x_range.factors = list(data["cls"])
            self.at_tau.data = data
            self.bar_figure.y_range.update(start=-1.15 * top, end=1.15 * top)
            self.forward_figure.x_range.factors = class_labels(k)
            self.forward.data = {"cls": class_labels(k), "forward": forward}
            labels = class_labels(k)
            self.jacobian_figure.x_range.factors = labels
            self.jacobian_figure.y_range.factors = labels[::-1]
            self.jacobian.data = {
                "row": [labels[r] for r in rows],
                "col": [labels[c] for c in cols],
                "value": jacobian.reshape(-1),
            }
            self.jacobian_colors.update(low=-scale, high=scale)
            self.hard_note.value = (
                f"At τ = {self.model.tau:.3g} the forward value is class "
                f"{self.model.drawn_class + 1}'s one-hot vector; the largest entry of the "
                f"backward Jacobian is {scale:.3g} in size."
            )

    # ------------------------------------------------------------------ figures

    def _make_sweep_figure(self) -> figure:
        fig = new_figure(
            "estimator-sweep-chart",
            x_axis_type="log",
            y_axis_type="log",
            x_range=Range1d(TAUS[0], TAUS[-1], bounds=(TAUS[0], TAUS[-1])),
            y_range=Range1d(1e-6, 1.0),
            height=400,
            x_axis_label="temperature τ (log scale)",
            y_axis_label="squared error of one estimate (log scale)",
            min_border_left=60,
        )
        items = []
        for name in NAMES:
            color, dash = STYLE[name]
            line = fig.line(
                x="tau", y=f"{name}_mse", source=self.sweep_source, line_color=color,
                line_dash=dash, line_width=2.5,
            )  # fmt: skip
            dots = fig.scatter(
                x="tau", y=f"{name}_mse", source=self.sweep_source, color=color, size=5
            )
            floor = fig.line(
                x="tau", y=f"{name}_floor", source=self.sweep_source, line_color=color,
                line_dash="dotted", line_width=1.2, line_alpha=0.8, visible=False,
            )  # fmt: skip
            self.lines[name] = [line, dots]
            self.floors.append(floor)
            items.append(LegendItem(label=estimators.LABELS[name], renderers=[line, dots]))
        fig.add_layout(self.marker)
        legend = Legend(items=items, click_policy="hide", ncols=4, label_text_font_size="12px")
        legend_above(fig, legend)
        fig.add_tools(HoverTool(tooltips=[("τ", "@tau{0.000}"), ("value", "$y{0.00e}")]))
        return fig

    def _make_bar_figure(self) -> figure:
        groups = ("exact", *NAMES)
        fig = new_figure(
            "estimator-at-tau-chart",
            x_range=list(self.at_tau.data["cls"]),
            y_range=Range1d(-1, 1),
            height=280,
            x_axis_label="class",
            y_axis_label="∂E[f]/∂θₖ at the current τ",
            min_border_left=60,
        )
        width = 0.85 / len(groups)
        for i, name in enumerate(groups):
            offset = (i - (len(groups) - 1) / 2) * width
            color = INK_COLOR if name == "exact" else STYLE[name][0]
            label = "exact ∇" if name == "exact" else estimators.LABELS[name]
            fig.vbar(
                x=dodge("cls", offset, range=fig.x_range), top=name, width=width * 0.92,
                source=self.at_tau, fill_color=color, line_color=None, legend_label=label,
                **HIGHLIGHT,
            )  # fmt: skip
        drop_grid(fig, "x")
        legend_above(fig, click_policy="hide", label_text_font_size="12px", ncols=4)
        follow_class_hover(fig, [("class", "@cls"), ("exact ∇", "@exact{0.0000}")])
        return fig

    def _make_hard_figures(self) -> tuple[figure, figure]:
        labels = class_labels(self.model.k)
        forward = new_figure(
            "hard-forward-chart", sizing_mode="fixed", width=330, height=220,
            x_range=labels, y_range=Range1d(0, 1.05), title="forward: one-hot",
            x_axis_label="class",
        )  # fmt: skip
        forward.vbar(x="cls", top="forward", width=0.7, source=self.forward, color=MUTED_COLOR)
        drop_grid(forward, "x")
        jacobian = new_figure(
            "hard-jacobian-chart", sizing_mode="fixed", width=330, height=280,
            x_range=labels, y_range=labels[::-1], title="backward: (1/τ) J(y)",
        )  # fmt: skip
        fill = {"field": "value", "transform": self.jacobian_colors}
        cells = jacobian.rect(
            x="col", y="row", width=1, height=1, source=self.jacobian, fill_color=fill,
            line_color=None,
        )  # fmt: skip
        jacobian.add_layout(
            ColorBar(color_mapper=self.jacobian_colors, width=10, ticker=BasicTicker()), "right"
        )
        jacobian.add_tools(
            HoverTool(renderers=[cells], tooltips=[("∂y_@row / ∂θ_@col", "@value{0.0000}")])
        )
        drop_grid(jacobian)
        return forward, jacobian


def _empty_sweep() -> dict[str, list]:
    return {"tau": [], **{f"{n}_{c}": [] for n in NAMES for c in SWEEP_COLUMNS}}
