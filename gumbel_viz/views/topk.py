"""Gumbel-top-k: the m largest log π + g are an ordered sample without replacement
(Kool, van Hoof & Welling, ICML 2019), and the maximum is Gumbel, independent of
the argmax (:mod:`gumbel_viz.core.topk`).

This draw's order and its Plackett-Luce probability follow the model at once; the
Monte Carlo checks (bounded: :data:`N_DRAWS` draws each) run in a worker thread
(:class:`~.base.Worker`) when π or m change, from stream ``Stream.TOP_K`` of the
session's seed (:data:`DEFAULT_SEED` without one).
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource, Legend, Range1d
from bokeh.plotting import figure
from bokeh.transform import dodge

from ..core.montecarlo import MIN_EXPECTED, NOISE_RANGE
from ..core.numbers import display_number, format_p
from ..core.streams import DEFAULT_SEED, Stream, generator
from ..core.topk import (
    DEFAULT_DRAWS,
    MAX_CLASSES,
    P_THRESHOLD,
    InclusionCheck,
    MaxGumbelCheck,
    gumbel_top_k,
    inclusion_check,
    max_gumbel_check,
    plackett_luce_log_probability,
)
from .base import (
    DRAWN_COLOR,
    HIGHLIGHT,
    HIGHLIGHT_LINE,
    MUTED_COLOR,
    PI_COLOR,
    View,
    Worker,
    class_color,
    class_dash,
    class_labels,
    class_source,
    drop_grid,
    follow_class_hover,
    legend_above,
    message_html,
    new_figure,
    prose,
    static_text,
)

#: Draws per Monte Carlo check.
N_DRAWS = DEFAULT_DRAWS
#: Typed text longer than this is refused unread (m <= 12 needs two characters).
MAX_M_CHARS = 12
DEFAULT_M = 3
FIGURE_HEIGHT = 300

CAPTION = (
    "Sort the classes by log π<sub>k</sub> + g<sub>k</sub>: the first is the Gumbel-Max "
    "sample, and the first m are an ordered sample of m classes <i>without replacement</i> "
    "(Kool, van Hoof &amp; Welling, ICML 2019), drawn in that order with the Plackett–Luce "
    "probability ∏<sub>j</sub> π<sub>i<sub>j</sub></sub> / (1 − Σ<sub>l&lt;j</sub> "
    "π<sub>i<sub>l</sub></sub>). Left: how often each class is among the m, against the "
    "exact inclusion probabilities summed over every ordering (the χ² test counts whole "
    "sets: a sample's k inclusion indicators always add up to m, so they are not "
    "multinomial). Right: the maximum max<sub>k</sub>(log π<sub>k</sub> + g<sub>k</sub>) "
    "is Gumbel(log Σ π<sub>k</sub>, 1) = Gumbel(0, 1), and independent of which class "
    f"wins: its histogram is the same for every winner (KS tests). {N_DRAWS:,} seeded "
    "draws each: the same state always gives the same evidence."
)
WAITING = "Computing…"

SOURCE_COLUMNS = {
    "topk-order": ("step", "cls", "pi", "factor", "prefix"),
    "topk-inclusion": ("cls", "pi", "exact", "freq", "count", "z"),
    "topk-max": ("left", "right", "x", "density", "pdf"),
    "topk-max-class": ("cls", "label", "color", "dash", "x", "density", "count", "ks", "p"),
}


@dataclass(frozen=True)
class TopKEvidence:
    """The two Monte Carlo checks at one π and m."""

    m: int
    inclusion: InclusionCheck
    maximum: MaxGumbelCheck


def compute_evidence(probabilities: np.ndarray, m: int, seed: int) -> TopKEvidence:
    """Both checks, from streams ``Stream.TOP_K`` 0 (inclusion) and 1 (maximum) of ``seed``."""
    with np.errstate(divide="ignore"):
        logits = np.log(probabilities)
    return TopKEvidence(
        m=m,
        inclusion=inclusion_check(probabilities, m, generator(seed, 0, Stream.TOP_K), N_DRAWS),
        maximum=max_gumbel_check(logits, generator(seed, 1, Stream.TOP_K), N_DRAWS),
    )


def parse_m(text: str, possible: int) -> int:
    """The typed sample size: a whole number in [1, ``possible``], or a ValueError saying why."""
    raw = text.strip()
    if not raw:
        raise ValueError("type a whole number of classes")
    if len(raw) > MAX_M_CHARS:
        raise ValueError(f"{raw[:MAX_M_CHARS]!r}… is too long to be a number of classes")
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not a number") from None
    if not math.isfinite(value) or value != int(value):
        raise ValueError(f"{raw!r} is not a whole number")
    m = int(value)
    if m < 1:
        raise ValueError(f"m = {m}: a sample has at least 1 class")
    if m > possible:
        raise ValueError(
            f"m = {m} is more than the {possible} classes with π > 0 (a sample without "
            "replacement never repeats a class, nor draws one of probability 0)"
        )
    return m


def _classes(indices: np.ndarray) -> str:
    names = [str(i + 1) for i in indices]
    if len(names) == 1:
        return f"class {names[0]}"
    return f"classes {', '.join(names[:-1])} and {names[-1]}"


# --------------------------------------------------------------------------- words


def order_html(data: dict[str, list], log_probability: float) -> str:
    """This draw's order as a table of Plackett-Luce factors, and its probability."""
    m = len(data["step"])
    rows = "".join(
        f"<tr><td>{j}</td><td>{c}</td><td>{display_number(p)}</td>"
        f"<td>{display_number(f)}</td><td>{display_number(q)}</td></tr>"
        for j, c, p, f, q in zip(
            data["step"], data["cls"], data["pi"], data["factor"], data["prefix"], strict=True
        )
    )
    order = ", ".join(data["cls"])
    drawn = f"class {data['cls'][0]} is the drawn class shaded on the chart"
    which = (
        f"the largest log π<sub>k</sub> + g<sub>k</sub> are those of classes {order}, in "
        f"that order ({drawn})"
        if m > 1
        else f"the largest log π<sub>k</sub> + g<sub>k</sub> is that of class {order} ({drawn})"
    )
    log_probability += 0.0  # no "−0" for an order of probability 1
    probability = math.exp(log_probability)
    return (
        f"<b>This draw's top {m}:</b> {which}. Plackett–Luce probability of exactly this order: "
        f"<b>P = {display_number(probability)}</b> (log P = {display_number(log_probability)})."
        '<table class="topk-order">'
        "<tr><th>j</th><th>class i<sub>j</sub></th><th>π<sub>i<sub>j</sub></sub></th>"
        "<th>π<sub>i<sub>j</sub></sub> / (1 − Σ<sub>l&lt;j</sub> π<sub>i<sub>l</sub></sub>)"
        "</th><th>P(first j in this order)</th></tr>"
        f"{rows}</table>"
    )


def inclusion_sentence(check: InclusionCheck) -> str:
    """The inclusion check in words true for every state (m = 1, m = all, zeros, k)."""
    m, n = check.m, check.n
    text = (
        f"{n:,} samples of m = {m} against the exact inclusion probabilities q "
        f"(Σ<sub>k</sub> q<sub>k</sub> = {check.exact.sum():.4f} = m). "
    )
    possible = int(np.count_nonzero(check.probabilities))
    if check.sets == 1:
        return text + (
            f"With m = {m}, every class with π > 0 is in every sample (q = 1 for each, 0 "
            "for π = 0): there is only one possible set, nothing random to test."
        )
    test = check.set_test
    if test.dof == 0:
        text += (
            f"Too few draws to test: every set of {m} but one expects fewer than "
            f"{MIN_EXPECTED:g} samples, so they share a single cell."
        )
    else:
        verdict = (
            "consistent with the exact Plackett–Luce law"
            if check.passed
            else f"a failure: p < {P_THRESHOLD:g} happens by chance once in a million runs"
        )
        text += (
            f"<b>χ² = {test.statistic:.1f}, dof = {test.dof}, p = {format_p(test.p_value)}</b> "
            f"over the {check.sets:,} possible sets of {m} of the {possible} classes with "
            f"π > 0: {verdict}."
        )
        if test.pooled:
            text += (
                f" The {test.pooled} rarest sets, each expected fewer than {MIN_EXPECTED:g} "
                "times, share one cell of the test."
            )
    z = np.abs(check.z_scores)
    worst = int(z.argmax())
    if z[worst] > 0:
        text += (
            f" Largest per-class deviation: class {worst + 1}, "
            f"|z| = {z[worst]:.1f} standard errors."
        )
    if m == 1:
        text += " For m = 1, q = π: this is the Gumbel-Max trick."
    else:
        gain = np.flatnonzero(check.exact > check.probabilities)
        if gain.size:
            text += (
                f" q > π for {_classes(gain)}: each is likelier to be among the {m} than "
                "to be drawn first."
            )
    return text


def max_sentence(check: MaxGumbelCheck) -> str:
    """The max-Gumbel check in words true for every state."""
    location = check.location
    where = "0 (π is normalised)" if abs(location) < 1e-9 else f"{display_number(location)}"
    text = (
        f"The maximum of {check.n:,} draws against Gumbel(log Σ π<sub>k</sub>, 1), with "
        f"log Σ π<sub>k</sub> = {where}: <b>KS D = {check.ks.statistic:.4f}, "
        f"p = {format_p(check.ks.p_value)}</b>."
    )
    won = np.flatnonzero(check.counts > 0)
    if won.size == 1:
        return text + (
            f" Only class {won[0] + 1} can win: the maximum is log 1 + g = g, "
            "Gumbel(0, 1) by definition, and independent of the winner trivially."
        )
    tests = [check.class_ks[i] for i in won]
    low, high = min(t.statistic for t in tests), max(t.statistic for t in tests)
    text += (
        f" Per winning class (the same law whichever class wins, as independence says): "
        f"D from {low:.4f} to {high:.4f}, smallest p = "
        f"{format_p(min(t.p_value for t in tests))}; over all {len(tests) + 1} tests "
        + (
            "consistent with Gumbel(0, 1) and independence."
            if check.passed
            else f"a failure (Bonferroni p < {P_THRESHOLD:g})."
        )
    )
    never = np.flatnonzero(check.counts == 0)
    if never.size:
        zero = check.probabilities[never] == 0
        text += f" {_classes(never).capitalize()} never won" + (
            " (π = 0)." if zero.all() else " in these draws."
        )
    return text


# --------------------------------------------------------------------------- view


def _empty(name: str) -> dict[str, list]:
    return {column: [] for column in SOURCE_COLUMNS[name]}


class TopKView(View):
    """This draw's Gumbel-top-m order, and Monte Carlo checks of top-k and max-Gumbel.

    Data sources (named, so browser tests read what is drawn):

    * ``topk-order`` (``step, cls, pi, factor, prefix``): this draw's order, one row
      per position j = 1..m: the class (label "1".."k"), its π, the Plackett-Luce
      factor π_{i_j} / (1 − Σ_{l<j} π_{i_l}) and the probability of the order so far
      (from :func:`~gumbel_viz.core.topk.plackett_luce_log_probability`).
    * ``topk-inclusion`` (``cls, pi, exact, freq, count, z``): per class the exact
      inclusion probability, its Monte Carlo frequency, the count and its z-score
      (:func:`~gumbel_viz.core.topk.inclusion_check`); empty until a run.
    * ``topk-max`` (``left, right, x, density, pdf``): the histogram of all maxima,
      the bin centres and the Gumbel(location, 1) density there; and
      ``topk-max-class`` (``cls, label, color, dash, x, density, count, ks, p``):
      one row per class that won, its histogram of the maxima it won (``x`` the bin
      centres) and its KS statistic and p-value
      (:func:`~gumbel_viz.core.topk.max_gumbel_check`); empty until a run.

    ``m`` is typed (``m_input``): refused with a message unless a whole number in
    [1, the number of classes with π > 0], and lowered, with a message, when π loses
    classes.
    """

    slug = "top-k"
    title = "Top-k"
    caption = CAPTION

    m = param.Integer(DEFAULT_M, bounds=(1, MAX_CLASSES), doc="The sample size.")

    def __init__(self, **params):
        super().__init__(**params)
        with param.parameterized.discard_events(self):
            self.m = min(self.m, self._possible())
        self.evidence: TopKEvidence | None = None
        self._syncing = False
        self.sources = {
            name: class_source(name, _empty(name))
            if "cls" in SOURCE_COLUMNS[name]
            else ColumnDataSource(name=name, data=_empty(name))
            for name in SOURCE_COLUMNS
        }
        self.m_input = pn.widgets.TextInput(
            label=self._m_label(),
            value=str(self.m),
            max_length=MAX_M_CHARS,
            width=220,
            css_classes=["topk-m"],
        )
        self.message = prose("")
        self.order_text = pn.widgets.StaticText(
            value="", stylesheets=[static_text("topk.css")], sizing_mode="stretch_width"
        )
        self.status = prose(WAITING)
        self.inclusion_text = prose(WAITING)
        self.max_text = prose(WAITING)
        self.inclusion_figure = self._inclusion_figure()
        self.max_figure = self._max_figure()
        self.inclusion_figure.tags = [self.sources["topk-order"]]  # no glyph draws it
        self.worker = Worker(self._job, self._show, rerun_stale=True)
        self.worker.param.watch(self._on_busy, "busy")
        self.m_input.param.watch(self._on_m_text, "value")
        self.model.param.watch(self._on_state, ["probabilities", "noise"])
        self._show_order()
        self._layout = self._make_layout()
        if pn.state.curdoc is not None and pn.state.curdoc.session_context is not None:
            pn.state.onload(self.run)

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout

    # ------------------------------------------------------------------ running

    @property
    def busy(self) -> bool:
        return self.worker.busy

    async def run(self) -> None:
        """Run both checks at the current π and m off the event loop, then show them."""
        await self.worker.run()

    def seed(self) -> int:
        return DEFAULT_SEED if self.model.seed is None else self.model.seed

    def _job(self) -> Callable[[], TopKEvidence]:
        pi, m, seed = self.model.probabilities.copy(), int(self.m), self.seed()
        return lambda: compute_evidence(pi, m, seed)

    def _on_busy(self, event: param.parameterized.Event) -> None:
        if event.new:
            self.status.value = f"Drawing {N_DRAWS:,} samples at the current π and m = {self.m}…"

    # ------------------------------------------------------------------ inputs

    def _possible(self) -> int:
        return int(np.count_nonzero(self.model.probabilities))

    def _m_label(self) -> str:
        possible = self._possible()
        return f"Sample size m (1 to {possible})" if possible > 1 else "Sample size m (1)"

    def _on_m_text(self, event: param.parameterized.Event) -> None:
        if event.new.strip() == str(self.m):  # the same m: written by the view, or retyped
            if not self._syncing:
                self.message.value = ""
            return
        try:
            m = parse_m(event.new, self._possible())
        except ValueError as error:
            self.message.value = message_html(
                f"m not changed: {html.escape(str(error))}. Still m = {self.m}.", ok=False
            )
            return
        self.message.value = ""
        if m != self.m:
            self.m = m  # -> _on_m

    @param.depends("m", watch=True)
    def _on_m(self) -> None:
        if self.m_input.value.strip() != str(self.m):
            self._syncing = True
            try:
                self.m_input.value = str(self.m)
            finally:
                self._syncing = False
        self._show_order()
        self.worker.request()

    def _on_state(self, *events: param.parameterized.Event) -> None:
        if any(event.name == "probabilities" for event in events):
            self._on_pi()
        else:  # new noise only: a new order, the same checks
            self._show_order()

    def _on_pi(self) -> None:
        possible = self._possible()
        self.m_input.label = self._m_label()
        if self.m > possible:
            self.message.value = message_html(
                f"π now has {possible} class{'es' if possible > 1 else ''} with π > 0: "
                f"m lowered from {self.m} to {possible}.",
                ok=False,
            )
            self.m = possible  # -> _on_m: order, checks
            return
        self._show_order()
        self.worker.request()

    # ------------------------------------------------------------------ showing

    def _order_data(self) -> tuple[dict[str, list], float]:
        model, m = self.model, int(self.m)
        order = gumbel_top_k(model.logits, m, gumbel=model.noise)
        log_prefix = [
            plackett_luce_log_probability(model.logits, order[: j + 1]) for j in range(m)
        ]
        factors = np.exp(np.diff(log_prefix, prepend=0.0))
        data = {
            "step": list(range(1, m + 1)),
            "cls": [str(i + 1) for i in order],
            "pi": model.probabilities[order],
            "factor": factors,
            "prefix": np.exp(log_prefix),
        }
        return data, float(log_prefix[-1])

    def _show_order(self, *_events: param.parameterized.Event) -> None:
        data, log_probability = self._order_data()
        with pn.io.hold():
            self.sources["topk-order"].data = data
            self.order_text.value = order_html(data, log_probability)

    def _show(self, evidence: TopKEvidence) -> None:
        inc, mx = evidence.inclusion, evidence.maximum
        labels = class_labels(inc.probabilities.size)
        centres = (mx.edges[:-1] + mx.edges[1:]) / 2
        won = np.flatnonzero(mx.counts > 0)
        with pn.io.hold():
            self.evidence = evidence
            if list(self.inclusion_figure.x_range.factors) != labels:
                self.inclusion_figure.x_range.factors = labels
            self.sources["topk-inclusion"].data = {
                "cls": labels,
                "pi": inc.probabilities,
                "exact": inc.exact,
                "freq": inc.frequencies,
                "count": inc.counts,
                "z": inc.z_scores,
            }
            self.sources["topk-max"].data = {
                "left": mx.edges[:-1],
                "right": mx.edges[1:],
                "x": centres,
                "density": mx.density,
                "pdf": mx.pdf,
            }
            self.sources["topk-max-class"].data = {
                "cls": [labels[i] for i in won],
                "label": [f"class {i + 1} won {mx.counts[i]:,}×" for i in won],
                "color": [class_color(int(i)) for i in won],
                "dash": [class_dash(int(i)) for i in won],
                "x": [centres] * won.size,
                "density": [mx.class_density[i] for i in won],
                "count": mx.counts[won],
                "ks": [mx.class_ks[i].statistic for i in won],
                "p": [mx.class_ks[i].p_value for i in won],
            }
            top = max(float(mx.density.max()), float(mx.pdf.max()))
            top = max([top, *(float(mx.class_density[i].max()) for i in won)])
            self.max_figure.y_range.end = top * 1.08
            self.inclusion_text.value = inclusion_sentence(inc)
            self.max_text.value = max_sentence(mx)
            self.status.value = (
                f"Evidence for the current π and m = {evidence.m}: {inc.n:,} draws per check, "
                f"from seed {self.seed()}."
            )

    # ------------------------------------------------------------------ building

    def _make_layout(self) -> pn.Column:
        def card(fig: figure, text: pn.widgets.StaticText) -> pn.Column:
            return pn.Column(
                pn.pane.Bokeh(fig, sizing_mode="stretch_width"),
                text,
                sizing_mode="stretch_width",
                styles={"flex": "1 1 420px"},
                min_width=300,
            )

        return pn.Column(
            prose(self.caption),
            self.m_input,
            self.message,
            self.order_text,
            self.status,
            pn.FlexBox(
                card(self.inclusion_figure, self.inclusion_text),
                card(self.max_figure, self.max_text),
                flex_wrap="wrap",
                sizing_mode="stretch_width",
            ),
            sizing_mode="stretch_width",
        )

    def _inclusion_figure(self) -> figure:
        source = self.sources["topk-inclusion"]
        fig = new_figure(
            "topk-inclusion-chart",
            title="Inclusion in the top m: exact vs Monte Carlo",
            height=FIGURE_HEIGHT,
            x_range=class_labels(self.model.k),
            y_range=Range1d(0, 1.05),
            x_axis_label="class k",
            y_axis_label="P(class k among the m)",
        )
        x = fig.x_range
        bars = [
            fig.vbar(x=dodge("cls", -0.19, range=x), top="exact", width=0.36, source=source,
                     color=PI_COLOR, legend_label="exact (Plackett–Luce, all orderings)",
                     **HIGHLIGHT),
            fig.vbar(x=dodge("cls", 0.19, range=x), top="freq", width=0.36, source=source,
                     color=DRAWN_COLOR, legend_label="Monte Carlo frequency", **HIGHLIGHT),
        ]  # fmt: skip
        fig.scatter(
            x="cls", y="pi", source=source, marker="dash", size=30, line_width=2.5,
            color=MUTED_COLOR, legend_label="π (= the inclusion for m = 1)",
        )  # fmt: skip
        tooltips = [
            ("class", "@cls"),
            ("π", "@pi{0.0000}"),
            ("exact", "@exact{0.00000}"),
            ("Monte Carlo", "@freq{0.00000} (@count samples)"),
            ("z", "@z{0.00}"),
        ]
        follow_class_hover(fig, tooltips, renderers=bars)
        drop_grid(fig, "x")
        _legend(fig, ncols=1)
        return fig

    def _max_figure(self) -> figure:
        fig = new_figure(
            "topk-max-chart",
            title="The maximum, per winning class",
            height=FIGURE_HEIGHT,
            x_range=Range1d(*NOISE_RANGE),
            y_range=Range1d(0, 0.45),
            x_axis_label="max_k (log π_k + g_k)",
            y_axis_label="density",
        )
        fig.quad(
            left="left", right="right", top="density", bottom=0,
            source=self.sources["topk-max"], color=PI_COLOR, alpha=0.25,
            legend_label="all maxima",
        )  # fmt: skip
        lines = fig.multi_line(
            xs="x", ys="density", source=self.sources["topk-max-class"],
            line_color="color", line_dash="dash", line_width=1.5, legend_field="label",
            **HIGHLIGHT_LINE,
        )  # fmt: skip
        fig.line(
            x="x", y="pdf", source=self.sources["topk-max"], color=MUTED_COLOR,
            line_width=3, line_dash="dashed", legend_label="Gumbel(0, 1) density",
        )  # fmt: skip
        tooltips = [("", "@label"), ("KS D", "@ks{0.0000}"), ("p", "@p{0.000}")]
        follow_class_hover(fig, tooltips, renderers=[lines])
        legend = _legend(fig, ncols=2)
        legend.items = [legend.items[0], legend.items[-1], *legend.items[1:-1]]  # the law first
        return fig


def _legend(fig: figure, ncols: int) -> Legend:
    return legend_above(
        fig, ncols=ncols, margin=0, padding=2, spacing=4, border_line_alpha=0,
        background_fill_alpha=0, label_text_font_size="11px", glyph_height=12,
        glyph_width=16,
    )  # fmt: skip
