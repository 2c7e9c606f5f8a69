"""Monte Carlo view: many relaxed samples at the model's pi and tau, summarised.

The sampling runs in a worker thread (:class:`~.base.Worker`), so the server's
event loop, and every other session, stays responsive meanwhile.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import ClassVar

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource, Label, Range1d, Whisker
from bokeh.plotting import figure
from bokeh.transform import dodge

from ..core.montecarlo import MIN_EXPECTED, NOISE_RANGE, MonteCarloSummary, run_monte_carlo
from ..core.numbers import format_p, read_integer
from ..core.streams import Stream, generator
from .base import (
    DRAWN_COLOR,
    HIGHLIGHT,
    HIGHLIGHT_LINE,
    MUTED_COLOR,
    PI_COLOR,
    Y_COLOR,
    View,
    Worker,
    chart_card,
    class_color,
    class_dash,
    class_labels,
    class_source,
    controls_row,
    drop_grid,
    follow_class_hover,
    legend_above,
    new_figure,
    prose,
)

DRAW_CHOICES = {"1,000": 1_000, "10,000": 10_000, "100,000": 100_000, "1,000,000": 1_000_000}
FIGURE_HEIGHT = 260
#: A p-value below this is called an unusually large deviation.
ALARM_P = 1e-3

CAPTION = (
    "Each run draws n noise vectors g at the current π and τ. The argmax of y "
    "(dots) should land on each class as often as π says (bars) at <i>every</i> τ, "
    "which the χ² test checks. The average relaxed sample E[y] is another matter: "
    "in general it differs from π, and it drifts towards uniform as τ grows."
)
EMPTY_SUMMARY = (
    "Press <b>Run Monte Carlo</b> to draw samples at the current π and τ; "
    "the charts fill in when the run is done."
)

SOURCE_COLUMNS = {
    "mc-frequencies": ("cls", "pi", "count", "freq", "lower", "upper"),
    "mc-mean": ("cls", "pi", "mean_y", "se"),
    "mc-y-hist": ("cls", "color", "dash", "x", "density"),
    "mc-noise-hist": ("left", "right", "density"),
    "mc-noise-pdf": ("x", "pdf"),
}


def test_sentence(result: MonteCarloSummary) -> str:
    """The χ² test of the argmax counts against π, in words true for every state."""
    text = (
        f"<b>χ² = {result.chi2:.2f}, dof = {result.dof}, p = {format_p(result.p_value)}</b> "
        f"for the argmax counts of {result.n:,} draws at τ = {result.tau:.3g} against π: "
    )
    possible = int(np.count_nonzero(result.probabilities))
    if possible == 1:
        return text + "only one class has π > 0, so every draw is that class."
    if result.dof == 0:
        return text + (
            f"too few draws to test: every class expects fewer than {MIN_EXPECTED:g} "
            "draws but one, so they share a single cell. Draw more."
        )
    if result.p_value >= ALARM_P:
        text += "consistent with π, as the Gumbel-Max trick promises at every τ."
    else:
        text += (
            f"an unusually large deviation from π (by chance, p < {ALARM_P:g} happens in "
            f"about 1 run in {1 / ALARM_P:,.0f})."
        )
    if result.pooled:
        text += (
            f" Classes that expect fewer than {MIN_EXPECTED:g} draws share one cell of the "
            f"test ({result.pooled} classes, the rarest), as the χ² approximation needs."
        )
    return text


def mean_sentence(result: MonteCarloSummary) -> str:
    """What E[y] shows, true for uniform π, a single sure class, zeros in π and any k."""
    possible = result.probabilities > 0
    m = int(possible.sum())
    gap = np.abs(result.mean_y - result.probabilities)
    worst = int(gap.argmax())
    if m == 1:
        return (
            "E[y] = π exactly: with one possible class every relaxed sample is its one-hot vector."
        )
    limits = f"As τ → 0, E[y] → π; as τ → ∞, E[y] → uniform over the {m} classes with π > 0."
    if np.ptp(result.probabilities[possible]) == 0:
        return (
            f"E[y] = π here, by symmetry: π is uniform over its {m} possible classes "
            f"(largest Monte Carlo gap |E[y] − π| = {gap[worst]:.3f}, noise only). {limits}"
        )
    se = float(result.mean_y_se[worst])
    z = gap[worst] / se if se > 0 else np.inf
    seen = (
        f"the largest gap is |E[y] − π| = {gap[worst]:.3f} (class {worst + 1}, "
        f"{z:.0f} standard errors)"
        if z >= 3
        else f"the largest gap, |E[y] − π| = {gap[worst]:.3f} (class {worst + 1}), is too "
        "small to tell from Monte Carlo noise at this n"
    )
    return (
        f"E[y] is not π at a finite τ (unless π is uniform over its possible classes): "
        f"every relaxed sample spreads some weight beyond its argmax. Here {seen}. {limits}"
    )


def summary_html(result: MonteCarloSummary) -> str:
    """The test result and what E[y] shows, for one run."""
    return f"{test_sentence(result)}<br>{mean_sentence(result)}"


def _empty(name: str) -> dict[str, list]:
    return {column: [] for column in SOURCE_COLUMNS[name]}


RUN_LABEL = "Run Monte Carlo"
RUNNING_LABEL = "Running…"


class MonteCarloView(View):
    """Many Gumbel-Softmax draws at the model's pi and tau, with what they show.

    Four charts, each fed by a named ``ColumnDataSource`` (empty until a run):

    * ``mc-frequencies`` (``cls, pi, count, freq, lower, upper``): how often each
      class is the argmax, its 95% Wilson interval (per class), and pi.
    * ``mc-mean`` (``cls, pi, mean_y, se``): the mean relaxed sample and its
      standard error, next to pi.
    * ``mc-y-hist`` (``cls, color, dash, x, density``): one row per class; ``x``
      holds the bin centres on [0, 1] and ``density`` the histogram density of
      ``y_k`` (each row integrates to 1), drawn as one line per class.
    * ``mc-noise-hist`` (``left, right, density``): the pooled Gumbel noise
      histogram, and ``mc-noise-pdf`` (``x, pdf``) the Gumbel(0, 1) density
      at the bin centres.

    Results belong to the pi and tau of the moment Run was pressed; they are
    cleared as soon as pi or k change. With a model seed, run number r after the
    seed was set draws from stream ``Stream.MONTE_CARLO`` (:mod:`~gumbel_viz.core.streams`),
    so runs replay; without one they use fresh entropy. ``n`` in a link sets
    ``n_draws``.
    """

    slug = "monte-carlo"
    title = "Monte Carlo proof"
    caption = CAPTION
    link_params: ClassVar[dict[str, str]] = {"n_draws": "n"}

    n_draws = param.Selector(
        objects=list(DRAW_CHOICES.values()), default=100_000, doc="Draws per run."
    )

    @classmethod
    def settings_from_link(cls, query: dict[str, str], notices: list[str]) -> dict[str, object]:
        """``n``: clamped to the largest choice, then the nearest choice on a log scale."""
        choices = cls.param.n_draws.objects
        if "n" not in query or not (
            n := read_integer("n", query["n"], (1, max(choices)), notices)
        ):
            return {}
        nearest = min(choices, key=lambda choice: abs(np.log(choice / n)))
        if nearest != n:
            notices.append(f"n={n} is not offered; using {nearest}")
        return {"n_draws": nearest}

    def __init__(self, **params):
        super().__init__(**params)
        self.result: MonteCarloSummary | None = None
        self._entropy_rng = np.random.default_rng()
        self._runs = 0  # runs since the seed was set: the seeded stream index
        self.sources = {
            name: class_source(name, _empty(name))
            if "cls" in columns
            else ColumnDataSource(name=name, data=_empty(name))
            for name, columns in SOURCE_COLUMNS.items()
        }
        self._empty_labels: list[Label] = []
        self.figures = self._make_figures()
        self.draws_widget = pn.widgets.RadioButtonGroup.from_param(
            self.param.n_draws, options=DRAW_CHOICES, name="Draws"
        )
        self.button = pn.widgets.Button(label=RUN_LABEL, color="primary", width=170)
        self.worker = Worker(
            self._job, self._show, button=self.button, busy_label=RUNNING_LABEL,
            controls=[self.draws_widget],
        )  # fmt: skip
        self.button.on_click(self._on_click)
        self.download = pn.widgets.FileDownload(
            callback=lambda: io.StringIO(self.result.to_csv()),
            filename="gumbel-softmax-montecarlo.csv",
            label="Download results (CSV)",
            disabled=True,
            width=200,
        )
        self.summary = prose(EMPTY_SUMMARY)
        self.model.param.watch(self._on_pi_or_k, ["probabilities", "k"])
        self.model.param.watch(self._on_seed, ["seed"])
        self.model.param.watch(self._on_tau, ["tau"])
        self._layout = self._make_layout()

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout

    # ------------------------------------------------------------------ running

    @property
    def busy(self) -> bool:
        return self.worker.busy

    async def run(self) -> None:
        """Sample at the model's current pi and tau off the event loop, then show it."""
        await self.worker.run()

    async def _on_click(self, _event: param.parameterized.Event) -> None:
        await self.run()

    def _job(self) -> Callable[[], MonteCarloSummary]:
        """This moment's inputs, and the run on them for the worker thread."""
        logits, tau, n = self.model.logits.copy(), float(self.model.tau), int(self.n_draws)
        rng = self._next_generator()
        return lambda: run_monte_carlo(logits, tau, n, rng)

    def _next_generator(self) -> np.random.Generator:
        seed = self.model.seed
        if seed is None:
            return self._entropy_rng
        self._runs += 1
        return generator(seed, self._runs - 1, Stream.MONTE_CARLO)

    # ------------------------------------------------------------------ model events

    def _on_pi_or_k(self, *_events: param.parameterized.Event) -> None:
        self.worker.invalidate()  # a run from before is stale
        if self.result is not None:
            self._clear()
        else:  # already empty: only the class axes may need to follow k
            self._set_factors(class_labels(self.model.k))

    def _on_seed(self, *_events: param.parameterized.Event) -> None:
        self._runs = 0

    def _on_tau(self, *_events: param.parameterized.Event) -> None:
        if self.result is not None:
            self.summary.value = self._summary_text(self.result)

    # ------------------------------------------------------------------ showing

    def _summary_text(self, result: MonteCarloSummary) -> str:
        text = summary_html(result)
        if not np.isclose(self.model.tau, result.tau, rtol=1e-12, atol=0):
            text += (
                f"<br><i>τ is now {self.model.tau:.3g}; these results are for "
                f"τ = {result.tau:.3g}. Press Run to update them.</i>"
            )
        return text

    def _show(self, result: MonteCarloSummary) -> None:
        labels = class_labels(result.k)
        data = {
            "mc-frequencies": {
                "cls": labels,
                "pi": result.probabilities,
                "count": result.counts,
                "freq": result.frequencies,
                "lower": result.lower,
                "upper": result.upper,
            },
            "mc-mean": {
                "cls": labels,
                "pi": result.probabilities,
                "mean_y": result.mean_y,
                "se": result.mean_y_se,
            },
            "mc-y-hist": self._y_hist_data(result, labels),
            "mc-noise-hist": {
                "left": result.noise_edges[:-1],
                "right": result.noise_edges[1:],
                "density": result.noise_density,
            },
            "mc-noise-pdf": {"x": result.noise_centres, "pdf": result.noise_pdf},
        }
        tops = [
            max(result.upper.max(), result.probabilities.max()),
            max(result.mean_y.max(), result.probabilities.max()),
            result.y_density.max(),
            max(result.noise_density.max(), result.noise_pdf.max()),
        ]
        with pn.io.hold():
            self.result = result
            self._set_factors(labels)
            for name, columns in data.items():
                self.sources[name].data = columns
            for fig, top in zip(self.figures, tops, strict=True):
                _set_top(fig, float(top) * 1.08)
            for label in self._empty_labels:
                label.visible = False
            self.summary.value = self._summary_text(result)
            self.download.disabled = False

    @staticmethod
    def _y_hist_data(result: MonteCarloSummary, labels: list[str]) -> dict[str, list]:
        centres = (result.y_edges[:-1] + result.y_edges[1:]) / 2
        return {
            "cls": labels,
            "color": [class_color(i) for i in range(result.k)],
            "dash": [class_dash(i) for i in range(result.k)],
            "x": [centres] * result.k,
            "density": list(result.y_density),
        }

    def _clear(self) -> None:
        with pn.io.hold():
            self.result = None
            self._set_factors(class_labels(self.model.k))
            for name, source in self.sources.items():
                source.data = _empty(name)
            for fig in self.figures:
                _set_top(fig, 1.0)
            for label in self._empty_labels:
                label.visible = True
            self.summary.value = EMPTY_SUMMARY
            self.download.disabled = True

    def _set_factors(self, labels: list[str]) -> None:
        for fig in self.figures[:2]:
            if list(fig.x_range.factors) != labels:
                fig.x_range.factors = labels

    # ------------------------------------------------------------------ building

    def _make_layout(self) -> pn.Column:
        controls = controls_row(
            self.draws_widget,
            self.button,
            self.download,
            sizing_mode="stretch_width",
            align="center",
        )
        grid = pn.FlexBox(*map(chart_card, self.figures), sizing_mode="stretch_width")
        return pn.Column(
            controls, prose(self.caption), self.summary, grid, sizing_mode="stretch_width"
        )

    def _figure(self, name: str, title: str, **kwargs: object) -> figure:
        fig = new_figure(name, title=title, height=FIGURE_HEIGHT, **kwargs)
        label = Label(
            x=70,
            y=110,
            x_units="screen",
            y_units="screen",
            text="Press Run Monte Carlo",
            text_color=MUTED_COLOR,
            text_font_size="13px",
        )
        fig.add_layout(label)
        self._empty_labels.append(label)
        return fig

    def _make_figures(self) -> list[figure]:
        return [
            self._frequency_figure(),
            self._mean_figure(),
            self._y_hist_figure(),
            self._noise_figure(),
        ]

    def _frequency_figure(self) -> figure:
        source = self.sources["mc-frequencies"]
        fig = self._figure(
            "mc-frequency-chart",
            "How often each class is argmax y, against π",
            x_range=class_labels(self.model.k),
            y_range=Range1d(0, 1),
            x_axis_label="class k",
            y_axis_label="probability",
        )
        bars = fig.vbar(
            x="cls",
            top="pi",
            width=0.7,
            source=source,
            color=PI_COLOR,
            alpha=0.35,
            legend_label="π",
            **HIGHLIGHT,
        )
        dots = fig.scatter(
            x="cls",
            y="freq",
            source=source,
            size=8,
            color=DRAWN_COLOR,
            legend_label="argmax frequency, 95% interval per class",
            **HIGHLIGHT,
        )
        fig.add_layout(
            Whisker(
                base="cls",
                lower="lower",
                upper="upper",
                source=source,
                line_color=DRAWN_COLOR,
                line_width=1.5,
            )
        )
        follow_class_hover(
            fig,
            [
                ("class", "@cls"),
                ("π", "@pi{0.00000}"),
                ("frequency", "@freq{0.00000}"),
                ("95% interval", "@lower{0.00000} – @upper{0.00000}"),
                ("count", "@count"),
            ],
            renderers=[bars, dots],
        )
        return _tidy_categorical(fig)

    def _mean_figure(self) -> figure:
        source = self.sources["mc-mean"]
        fig = self._figure(
            "mc-mean-chart",
            "Mean relaxed sample E[y], against π",
            x_range=class_labels(self.model.k),
            y_range=Range1d(0, 1),
            x_axis_label="class k",
            y_axis_label="probability",
        )
        pi_bars = fig.vbar(
            x=dodge("cls", -0.19, range=fig.x_range),
            top="pi",
            width=0.36,
            source=source,
            color=PI_COLOR,
            legend_label="π",
            **HIGHLIGHT,
        )
        mean_bars = fig.vbar(
            x=dodge("cls", 0.19, range=fig.x_range),
            top="mean_y",
            width=0.36,
            source=source,
            color=Y_COLOR,
            legend_label="E[y] (Monte Carlo)",
            **HIGHLIGHT,
        )
        follow_class_hover(
            fig,
            [
                ("class", "@cls"),
                ("π", "@pi{0.00000}"),
                ("E[y]", "@mean_y{0.00000}"),
                ("standard error", "@se{0.000000}"),
            ],
            renderers=[pi_bars, mean_bars],
        )
        return _tidy_categorical(fig)

    def _y_hist_figure(self) -> figure:
        fig = self._figure(
            "mc-y-hist-chart",
            "Distribution of each relaxed weight y_k",
            x_range=Range1d(0, 1),
            y_range=Range1d(0, 1),
            x_axis_label="y_k",
            y_axis_label="density",
        )
        fig.multi_line(
            xs="x",
            ys="density",
            source=self.sources["mc-y-hist"],
            line_color="color",
            line_dash="dash",
            line_width=2,
            legend_field="cls",
            **HIGHLIGHT_LINE,
        )
        follow_class_hover(fig, [("class", "@cls")])
        fig.legend.update(title="class", label_text_font_size="11px", spacing=0)
        fig.add_layout(fig.legend[0], "right")
        return fig

    def _noise_figure(self) -> figure:
        fig = self._figure(
            "mc-noise-chart",
            "Gumbel noise g: histogram and the Gumbel(0, 1) density",
            x_range=Range1d(*NOISE_RANGE),
            y_range=Range1d(0, 1),
            x_axis_label="g",
            y_axis_label="density",
        )
        fig.quad(
            left="left",
            right="right",
            top="density",
            bottom=0,
            source=self.sources["mc-noise-hist"],
            color=PI_COLOR,
            alpha=0.45,
            legend_label="histogram of g (all classes)",
        )
        fig.line(
            x="x",
            y="pdf",
            source=self.sources["mc-noise-pdf"],
            color=Y_COLOR,
            line_width=2.5,
            legend_label="Gumbel(0, 1) density",
        )
        fig.legend.location = "top_right"
        return fig


def _set_top(fig: figure, top: float) -> None:
    """Fit the y axis to [0, top]: explicit, since an auto range of no data is -inf."""
    if fig.y_range.end != top:
        fig.y_range.end = top


def _tidy_categorical(fig: figure) -> figure:
    drop_grid(fig, "x")
    legend_above(
        fig,
        location="top_left",
        margin=0,
        padding=2,
        spacing=14,
        border_line_alpha=0,
        background_fill_alpha=0,
        label_text_font_size="11px",
        glyph_height=12,
        glyph_width=16,
    )
    return fig
