"""Pitfalls, live: four mistakes that bite practitioners, each with evidence at the
current state (:mod:`gumbel_viz.core.pitfalls`).

The Monte Carlo evidence (bounded: :data:`N_DRAWS` draws per sampler) runs in a
worker thread (:class:`~.base.Worker`) whenever π, τ or the noise change, from
stream ``Stream.PITFALLS`` of the session's seed (:data:`DEFAULT_SEED` without one):
the same state always gives the same evidence.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource, Range1d
from bokeh.plotting import figure
from bokeh.transform import dodge

from ..core.montecarlo import MIN_EXPECTED, ChiSquare
from ..core.numbers import display_number, format_p, short_number
from ..core.pitfalls import (
    DEFAULT_DRAWS,
    DensityExample,
    NanCase,
    Pitfall,
    density_example,
    nan_sources,
    probabilities_as_logits,
    tau_on_logits,
)
from ..core.streams import DEFAULT_SEED, Stream, generator
from .base import (
    ALERT_COLOR,
    DRAWN_COLOR,
    HIGHLIGHT,
    MUTED_COLOR,
    PI_COLOR,
    View,
    Worker,
    class_labels,
    class_source,
    drop_grid,
    follow_class_hover,
    legend_above,
    message_html,
    new_figure,
    prose,
)

#: Draws per sampler (each pitfall draws once; the τ = 1 reference once more).
N_DRAWS = DEFAULT_DRAWS
#: A p-value below this is called a rejection (by chance: 1 run in 1,000).
ALARM_P = 1e-3
#: A mistaken target this close to π (total variation) is π, to rounding.
SAME_TV = 1e-9
FIGURE_HEIGHT = 280

CAPTION = (
    "Four mistakes that bite in practice, each checked live at the current π, τ and "
    f"noise. The two charts draw {N_DRAWS:,} samples with the mistake and with the "
    "correct code, on the same noise, and count how often each class comes up against π "
    "(χ² tests). Below them, where inf and NaN come from, and why a log-density above 0 "
    "is no bug. The evidence is seeded: the same state always gives the same numbers."
)
WAITING = "Computing…"

SAMPLER_COLUMNS = (
    "cls", "pi", "target", "mistaken", "correct", "mistaken_count", "correct_count",
)  # fmt: skip
NAN_COLUMNS = (
    "name", "trigger", "at_current_state", "naive_code", "naive", "stable_code", "stable",
)  # fmt: skip
SOURCE_COLUMNS = {
    "pitfall-logits": SAMPLER_COLUMNS,
    "pitfall-tau": (*SAMPLER_COLUMNS, "correct_count_tau1"),
    "pitfall-nans": NAN_COLUMNS,
    "pitfall-density": ("quantity", "value"),
}


@dataclass(frozen=True)
class PitfallEvidence:
    """Everything the view shows for one state, computed in one worker job."""

    tau: float
    logits: Pitfall
    temperature: Pitfall
    temperature_at_one: Pitfall  # the same noise at τ = 1
    nans: list[NanCase]
    density: DensityExample


def compute_evidence(
    probabilities: np.ndarray, noise: np.ndarray, tau: float, seed: int, n: int = N_DRAWS
) -> PitfallEvidence:
    """The four pitfalls at one state; the samplers draw from ``Stream.PITFALLS`` of ``seed``."""
    with np.errstate(divide="ignore"):
        logits = np.log(probabilities)
    return PitfallEvidence(
        tau=tau,
        logits=probabilities_as_logits(probabilities, generator(seed, 0, Stream.PITFALLS), n),
        temperature=tau_on_logits(probabilities, tau, generator(seed, 1, Stream.PITFALLS), n),
        temperature_at_one=tau_on_logits(
            probabilities, 1.0, generator(seed, 1, Stream.PITFALLS), n
        ),
        nans=nan_sources(logits, noise, tau),
        density=density_example(logits, noise, tau),
    )


# --------------------------------------------------------------------------- words


def _test_words(test: ChiSquare) -> str:
    p = format_p(test.p_value)
    return f"χ² = {test.statistic:.1f}, dof = {test.dof}, p {p if p[0] == '<' else '= ' + p}"


def _only_class(pi: np.ndarray) -> int | None:
    possible = np.flatnonzero(pi > 0)
    return int(possible[0]) if possible.size == 1 else None


def _single_cell(pi: np.ndarray) -> str:
    """Why a test against pi had a single cell: one possible class, or too few draws."""
    only = _only_class(pi)
    if only is not None:
        return f"every draw is class {only + 1}, the only class with π > 0: nothing to test"
    return (
        f"too few draws to test: every class but one expects fewer than {MIN_EXPECTED:g} "
        "draws, so they share a single cell"
    )


def same_reason(pitfall: Pitfall, tau: float | None) -> str:
    """Why the mistaken sampler's target equals π at this state (total variation 0)."""
    pi = pitfall.probabilities
    if _only_class(pi) is not None:
        return "only one class has π > 0"
    possible = pi[pi > 0]
    if tau is None:  # probabilities passed as logits: softmax(π) = π only for uniform π
        if np.ptp(pi) == 0:
            return "π is uniform, and so is softmax(π)"
    elif tau == 1:
        return "τ = 1"
    elif np.ptp(possible) == 0:
        return "π is uniform over its classes with π > 0, and so is every power of it"
    return f"they differ by a total variation of {pitfall.total_variation:.1e}, rounding only"


def mistake_sentence(pitfall: Pitfall, tau: float | None = None) -> str:
    """What the mistaken sampler did, true in every state (``tau``: the τ pitfall's)."""
    wrong, pi = pitfall.mistaken, pitfall.probabilities
    label, target = html.escape(wrong.label), html.escape(wrong.target_label)
    tv = pitfall.total_variation
    impossible = int(wrong.counts[pi == 0].sum())
    text = f"<b>{label}</b> samples {target}. "
    if tv <= SAME_TV:
        against = _single_cell(pi) if wrong.against_pi.dof == 0 else _test_words(wrong.against_pi)
        return text + (
            f"Here that equals π ({same_reason(pitfall, tau)}), so the mistake does no harm "
            f"at this state (against π: {against})."
        )
    text += f"Here it is a total variation of {tv:.3g} away from π. "
    if impossible:
        text += (
            f"It drew classes with π = 0 {impossible:,} times in {pitfall.n:,} draws: "
            "impossible under π (p = 0)."
        )
    elif wrong.against_pi.dof == 0:
        text += f"Against π: {_single_cell(pi)}."
    elif wrong.against_pi.p_value < ALARM_P:
        text += f"The χ² test against π rejects it: {_test_words(wrong.against_pi)}."
    else:
        text += (
            f"Against π, {pitfall.n:,} draws cannot tell it apart "
            f"({_test_words(wrong.against_pi)}): the mistake is there, but small at this state."
        )
    fit = wrong.fit
    if fit.dof > 0:
        verdict = (
            "consistent"
            if fit.p_value >= ALARM_P
            else "an unusually large deviation, which happens by chance about 1 run in 1,000"
        )
        text += f" Against {target} itself: {_test_words(fit)}, {verdict}."
    return text


def correct_sentence(pitfall: Pitfall) -> str:
    """What the correct sampler did, true in every state."""
    right, pi = pitfall.correct, pitfall.probabilities
    label = html.escape(right.label)
    test = right.against_pi
    if test.dof == 0:
        return f"<b>{label}</b>: {_single_cell(pi)}."
    if test.p_value >= ALARM_P:
        return f"<b>{label}</b> is consistent with π: {_test_words(test)}."
    return (
        f"<b>{label}</b> deviates from π ({_test_words(test)}); a correct sampler does so by "
        "chance about 1 run in 1,000."
    )


def tau_free_sentence(evidence: PitfallEvidence) -> str:
    """The relaxation's hard sample does not depend on τ: the same counts at τ = 1."""
    here, at_one = evidence.temperature.correct.counts, evidence.temperature_at_one.correct.counts
    if evidence.tau == 1:
        return (
            "At τ = 1 the two samplers coincide; move τ and only the mistaken one drifts, "
            "since argmax((log π + g) / τ) = argmax(log π + g) at every τ > 0."
        )
    if np.array_equal(here, at_one):
        return (
            "The relaxation's hard sample does not depend on τ at all: on the same noise at "
            f"τ = 1 its class counts are exactly the same ({', '.join(f'{c:,}' for c in here)})."
        )
    return (
        "The relaxation's hard sample does not depend on τ: on the same noise at τ = 1 its "
        f"class counts differ by at most {int(np.abs(here - at_one).max())} (floating-point "
        f"ties between classes at τ = {short_number(evidence.tau)})."
    )


def value_text(value: float) -> str:
    """A number for the NaN table: NaN and ±∞ spelled out, the rest as tables show it."""
    if math.isnan(value):
        return "NaN"
    if value == math.inf:
        return "+∞"
    return display_number(value)


def values_text(values: np.ndarray | None) -> str:
    if values is None:
        return ""
    return ", ".join(value_text(v) for v in np.asarray(values, dtype=float))


CASE_STYLE = "margin: 0 0 0.8em 0; overflow-wrap: anywhere"  # long code wraps on a phone


def nan_case_html(number: int, case: NanCase) -> str:
    """One NaN source: its trigger, the naive result next to the core's, and why."""
    naive = values_text(case.naive)
    if case.stable is not None:
        stable = message_html(html.escape(values_text(case.stable)), ok=True)
    else:
        stable = f"refused with a clear error: {html.escape(case.error or '')}"
    return (
        f'<div class="nan-case" style="{CASE_STYLE}">'
        f"<b>{number}. {html.escape(case.name)}</b>, at {html.escape(case.trigger)}.<br>"
        f"Naive: <code>{html.escape(case.naive_code)}</code> → "
        f"{message_html(html.escape(naive), ok=False)}<br>"
        f"Stable: <code>{html.escape(case.stable_code)}</code> → {stable}<br>"
        f"{html.escape(case.explanation)}</div>"
    )


def density_html(example: DensityExample) -> str:
    """The log-density at the current y, the uniform one on its face, and the example."""
    pi = ", ".join(short_number(p) for p in example.example_probabilities)
    y = ", ".join(short_number(v) for v in example.example_y)
    text = html.escape(example.explanation)
    if example.log_density is not None:
        text += (
            (" That is fine" if example.log_density > 0 else " A value above 0 would be fine")
            + ": p(y) is probability per unit of volume, and the simplex has little volume, "
            "so a concentrated density must be large somewhere. Compare log-densities with "
            "each other (as a VAE's KL term does), never with 0 or 1."
        )
    return text + (
        f"<br>An example at any state: k = 2, π = ({pi}), τ = "
        f"{short_number(example.example_tau)} and y = ({y}) give log p(y) = "
        f"{example.example_log_density:.4f} &gt; 0."
    )


# --------------------------------------------------------------------------- view


def _empty(name: str) -> dict[str, list]:
    return {column: [] for column in SOURCE_COLUMNS[name]}


class PitfallsView(View):
    """Four pitfalls at the current state, with Monte Carlo evidence for two of them.

    Data sources (named, so browser tests read what is drawn; empty until a run):

    * ``pitfall-logits`` (``cls, pi, target, mistaken, correct, mistaken_count,
      correct_count``): :func:`~gumbel_viz.core.pitfalls.probabilities_as_logits`:
      per class π, the mistaken sampler's target softmax(π), and how often
      argmax(π + g) (``mistaken``) and argmax(log π + g) (``correct``) drew it.
    * ``pitfall-tau`` (the same columns, plus ``correct_count_tau1``):
      :func:`~gumbel_viz.core.pitfalls.tau_on_logits` at the model's τ: target
      softmax(log π / τ), argmax(log π / τ + g) against argmax((log π + g) / τ), and
      the correct sampler's counts on the same noise at τ = 1.
    * ``pitfall-nans`` (``name, trigger, at_current_state, naive_code, naive,
      stable_code, stable``): the four cases of
      :func:`~gumbel_viz.core.pitfalls.nan_sources`, results as text ("NaN", "+∞").
    * ``pitfall-density`` (``quantity, value``): the log-densities of
      :func:`~gumbel_viz.core.pitfalls.density_example` (the current y's when it has
      one, the uniform one on its face, the example's).
    """

    slug = "pitfalls"
    title = "Pitfalls"
    caption = CAPTION

    def __init__(self, **params):
        super().__init__(**params)
        self.evidence: PitfallEvidence | None = None
        self.sources = {
            name: class_source(name, _empty(name))
            if "cls" in SOURCE_COLUMNS[name]
            else ColumnDataSource(name=name, data=_empty(name))
            for name in SOURCE_COLUMNS
        }
        self.logits_figure = self._sampler_figure(
            "pitfall-logits", "Probabilities passed as logits",
            ("argmax(π + g)", "argmax(log π + g)", "softmax(π): what the mistake samples"),
        )  # fmt: skip
        self.tau_figure = self._sampler_figure(
            "pitfall-tau", "Temperature on the logits only",
            ("argmax(log π / τ + g)", "argmax((log π + g) / τ)",
             "softmax(log π / τ): what the mistake samples"),
        )  # fmt: skip
        # No glyph draws these two: held by a figure so that the page has them too.
        self.logits_figure.tags = [self.sources["pitfall-nans"], self.sources["pitfall-density"]]
        self.status = prose(WAITING)
        self.logits_text = prose(WAITING)
        self.tau_text = prose(WAITING)
        self.nans_text = prose(WAITING)
        self.density_text = prose(WAITING)
        self.worker = Worker(self._job, self._show, rerun_stale=True)
        self.worker.param.watch(self._on_busy, "busy")
        self.model.param.watch(self._on_state, ["probabilities", "noise", "tau"])
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
        """Compute the evidence at the current state off the event loop, then show it."""
        await self.worker.run()

    def seed(self) -> int:
        return DEFAULT_SEED if self.model.seed is None else self.model.seed

    def _job(self) -> Callable[[], PitfallEvidence]:
        m = self.model
        pi, noise, tau, seed = m.probabilities.copy(), m.noise.copy(), float(m.tau), self.seed()
        return lambda: compute_evidence(pi, noise, tau, seed)

    def _on_state(self, *_events: param.parameterized.Event) -> None:
        self.worker.request()

    def _on_busy(self, event: param.parameterized.Event) -> None:
        if event.new:
            self.status.value = f"Drawing {N_DRAWS:,} samples per sampler at the current π and τ…"

    # ------------------------------------------------------------------ showing

    def _show(self, evidence: PitfallEvidence) -> None:
        labels = class_labels(evidence.logits.probabilities.size)
        data = {
            "pitfall-logits": _sampler_data(evidence.logits, labels),
            "pitfall-tau": {
                **_sampler_data(evidence.temperature, labels),
                "correct_count_tau1": evidence.temperature_at_one.correct.counts,
            },
            "pitfall-nans": {
                "name": [c.name for c in evidence.nans],
                "trigger": [c.trigger for c in evidence.nans],
                "at_current_state": [c.at_current_state for c in evidence.nans],
                "naive_code": [c.naive_code for c in evidence.nans],
                "naive": [values_text(c.naive) for c in evidence.nans],
                "stable_code": [c.stable_code for c in evidence.nans],
                "stable": [
                    values_text(c.stable) if c.stable is not None else f"error: {c.error}"
                    for c in evidence.nans
                ],
            },
            "pitfall-density": _density_data(evidence.density),
        }
        with pn.io.hold():
            self.evidence = evidence
            for fig, pitfall in ((self.logits_figure, evidence.logits),
                                 (self.tau_figure, evidence.temperature)):  # fmt: skip
                if list(fig.x_range.factors) != labels:
                    fig.x_range.factors = labels
                top = max(
                    pitfall.probabilities.max(),
                    pitfall.mistaken.frequencies.max(),
                    pitfall.correct.frequencies.max(),
                    pitfall.mistaken.target.max(),
                )
                fig.y_range.end = min(1.05, float(top) * 1.12)
            for name, columns in data.items():
                self.sources[name].data = columns
            self.logits_text.value = (
                f"{html.escape(evidence.logits.explanation)}<br>"
                f"{mistake_sentence(evidence.logits)}<br>{correct_sentence(evidence.logits)}"
            )
            self.tau_text.value = (
                f"{html.escape(evidence.temperature.explanation)}<br>"
                f"{mistake_sentence(evidence.temperature, evidence.tau)}<br>"
                f"{correct_sentence(evidence.temperature)} {tau_free_sentence(evidence)}"
            )
            self.nans_text.value = "".join(
                nan_case_html(i, case) for i, case in enumerate(evidence.nans, start=1)
            )
            self.density_text.value = density_html(evidence.density)
            self.status.value = (
                f"Evidence at τ = {short_number(evidence.tau)} and the current π: "
                f"{evidence.logits.n:,} draws per sampler, from seed {self.seed()}."
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
            self.status,
            pn.FlexBox(
                card(self.logits_figure, self.logits_text),
                card(self.tau_figure, self.tau_text),
                flex_wrap="wrap",
                sizing_mode="stretch_width",
            ),
            prose("<b>Where NaNs come from</b>"),
            self.nans_text,
            prose("<b>A density is not a probability</b>"),
            self.density_text,
            sizing_mode="stretch_width",
        )

    def _sampler_figure(self, name: str, title: str, labels: tuple[str, str, str]) -> figure:
        wrong, right, target = labels
        source = self.sources[name]
        fig = new_figure(
            f"{name}-chart",
            title=title,
            height=FIGURE_HEIGHT,
            x_range=class_labels(self.model.k),
            y_range=Range1d(0, 1),
            x_axis_label="class k",
            y_axis_label="probability",
        )
        x = fig.x_range
        renderers = [
            fig.vbar(x=dodge("cls", -0.27, range=x), top="pi", width=0.25, source=source,
                     color=PI_COLOR, legend_label="π", **HIGHLIGHT),
            fig.vbar(x=dodge("cls", 0.0, range=x), top="mistaken", width=0.25, source=source,
                     color=ALERT_COLOR, legend_label=f"{wrong} (mistake)", **HIGHLIGHT),
            fig.vbar(x=dodge("cls", 0.27, range=x), top="correct", width=0.25, source=source,
                     color=DRAWN_COLOR, legend_label=f"{right} (correct)", **HIGHLIGHT),
        ]  # fmt: skip
        fig.scatter(
            x=dodge("cls", 0.0, range=x), y="target", source=source, marker="dash",
            size=22, line_width=3, color=MUTED_COLOR, legend_label=target,
        )  # fmt: skip
        tooltips = [
            ("class", "@cls"),
            ("π", "@pi{0.0000}"),
            (target.split(":")[0], "@target{0.0000}"),
            (wrong, "@mistaken{0.0000} (@mistaken_count draws)"),
            (right, "@correct{0.0000} (@correct_count draws)"),
        ]
        follow_class_hover(fig, tooltips, renderers=renderers)
        drop_grid(fig, "x")
        legend_above(
            fig, ncols=1, margin=0, padding=2, spacing=4, border_line_alpha=0,
            background_fill_alpha=0, label_text_font_size="11px", glyph_height=12,
            glyph_width=16,
        )  # fmt: skip
        return fig


def _sampler_data(pitfall: Pitfall, labels: list[str]) -> dict[str, object]:
    return {
        "cls": labels,
        "pi": pitfall.probabilities,
        "target": pitfall.mistaken.target,
        "mistaken": pitfall.mistaken.frequencies,
        "correct": pitfall.correct.frequencies,
        "mistaken_count": pitfall.mistaken.counts,
        "correct_count": pitfall.correct.counts,
    }


def _density_data(example: DensityExample) -> dict[str, list]:
    rows = [
        ("log p(y) at the current state", example.log_density),
        ("log (k' − 1)!, the uniform density on y's face", example.uniform_log_density),
        ("log p(y) of the example", example.example_log_density),
    ]
    shown = [(q, v) for q, v in rows if v is not None]
    return {"quantity": [q for q, _ in shown], "value": [v for _, v in shown]}
