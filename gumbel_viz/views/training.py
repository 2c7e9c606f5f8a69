"""Training: watch the estimators learn a discrete choice, side by side, from one seed.

A problem with a known optimum (:data:`gumbel_viz.core.objectives.PROBLEMS`: the
"molecule", a ring of four atoms of three types, or one categorical with a preset
objective) is trained by Adam with each chosen estimator of the gradient
(:func:`gumbel_viz.core.training.training`), τ fixed at the slider's value or
following the Annealing view's schedule. The run streams from a worker thread
(at most 10 updates a second); Stop ends it, Reset clears it; the settings and
the seed travel in the link and replay the run bit for bit.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterator
from typing import ClassVar

import numpy as np
import panel as pn
import param
from bokeh.models import (
    ColumnDataSource,
    FactorRange,
    HoverTool,
    Label,
    Legend,
    LegendItem,
    Range1d,
    Span,
)
from bokeh.plotting import figure

from ..core import estimators, objectives, softmax, training
from ..core.numbers import clamp, read_integer, read_number, short_number
from ..model import SEED_BOUNDS
from .base import (
    DRAWN_COLOR,
    INK_COLOR,
    PI_COLOR,
    View,
    Worker,
    class_labels,
    controls_row,
    drop_grid,
    legend_above,
    message_html,
    new_figure,
    prose,
    wrapping,
)
from .estimators import NAMES, STYLE

FIXED, ANNEALED = "fixed τ (the slider)", "annealed (the Annealing view's schedule)"
DEFAULT_NAMES = list(NAMES)
STEP_BOUNDS = (10, training.MAX_STEPS)
DRAW_BOUNDS = (2, 100)
LR_BOUNDS = (1e-4, 1.0)
MAX_CURVE_POINTS = 1000  # per estimator, per update sent to the browser

CAPTION = (
    "Every chosen estimator trains its own logits θ by Adam from the same start and the "
    "same noise, and the chart shows the exact objective E<sub>π</sub>[f] (an energy: "
    "lower is better) after each step, against the optimum found by enumeration. What "
    "to look for, from runs of the molecule at lr = 0.05 and n = 10 (seeds 0–19): "
    "REINFORCE and RLOO are unbiased but noisy, and take a few hundred steps; the "
    "Gumbel-Softmax family is fastest near τ = 1 (under a hundred steps) but slows and "
    "fails more often at τ = 0.1, where its variance grows; plain straight-through and "
    "ReinMax stall short of the optimum at small τ, where their bias shows. Most runs "
    "that miss settle in the other alternation of charges, a local minimum."
)


def atom_names(problem: objectives.Problem) -> list[str]:
    """Names of the m categoricals: atoms for the molecule, else "z"."""
    m = problem.shape[0]
    return [f"atom {i + 1}" for i in range(m)] if problem.name == "molecule" else ["z"]


def class_names(problem: objectives.Problem) -> list[str]:
    k = problem.shape[1]
    return list(objectives.ATOM_TYPES) if problem.name == "molecule" else class_labels(k)


class TrainingView(View):
    """The exact objective against the step per estimator, the learned π, the samples.

    Data sources (named, so browser tests read what is drawn):

    * ``training-curve``: ``step`` and one column per estimator name of
      :data:`~.estimators.NAMES` in the run: E_π[f] after that step (at most
      :data:`MAX_CURVE_POINTS` evenly spaced steps, the last one always).
    * ``training-pi``: ``x`` (categorical, class) factors, ``pi`` (π learned by the
      estimator chosen in *Show π learned by*), ``optimal`` (the optimum's class, drawn
      outlined: ``outline``).
    * ``training-samples``: ``name``, ``sample`` (the current hard sample in words),
      ``energy`` (f at it) and ``optimal`` (it is the optimum).
    """

    slug = "training"
    title = "Training"
    caption = CAPTION
    link_params: ClassVar[dict[str, str]] = {
        "problem": "problem",
        "names": "train",
        "steps": "steps",
        "n_draws": "tn",
        "lr": "lr",
        "train_seed": "tseed",
        "tau_mode": "anneal",
    }

    problem = param.Selector(objects=list(objectives.PROBLEMS), default="molecule")
    names = param.ListSelector(default=DEFAULT_NAMES, objects=list(NAMES), doc="Estimators.")
    steps = param.Integer(1000, bounds=STEP_BOUNDS, doc="Adam steps.")
    n_draws = param.Integer(10, bounds=DRAW_BOUNDS, doc="Draws per gradient estimate.")
    lr = param.Number(0.05, bounds=LR_BOUNDS, doc="Adam's learning rate.")
    train_seed = param.Integer(0, bounds=SEED_BOUNDS, doc="Seed of the run's noise.")
    tau_mode = param.Selector(objects=[FIXED, ANNEALED], default=FIXED, doc="τ during training.")
    shown = param.Selector(objects=list(NAMES), default=NAMES[0], doc="Whose π is shown.")

    @classmethod
    def settings_from_link(cls, query: dict[str, str], notices: list[str]) -> dict[str, object]:
        """The run's settings, each checked: unknown names dropped, numbers clamped."""
        settings: dict[str, object] = {}
        if "problem" in query:
            if query["problem"] in objectives.PROBLEMS:
                settings["problem"] = query["problem"]
            else:
                notices.append(f"problem={query['problem']!r} is not a problem here; ignored")
        if "train" in query:
            names = [name for name in query["train"].split(",") if name in NAMES]
            if names:
                settings["names"] = names
            else:
                notices.append("train= names no estimator; ignored")
        for key, name, bounds in (
            ("steps", "steps", STEP_BOUNDS),
            ("tn", "n_draws", DRAW_BOUNDS),
            ("tseed", "train_seed", SEED_BOUNDS),
        ):
            if (
                key in query
                and (value := read_integer(key, query[key], bounds, notices)) is not None
            ):
                settings[name] = value
        if "lr" in query and (lr := read_number("lr", query["lr"], notices)) is not None:
            settings["lr"] = clamp("lr", lr, *LR_BOUNDS, notices)
        if "anneal" in query:
            settings["tau_mode"] = ANNEALED if query["anneal"] == "1" else FIXED
        return settings

    def link_values(self) -> dict[str, str]:
        return {
            "problem": self.problem,
            "train": ",".join(self.names),
            "steps": str(self.steps),
            "tn": str(self.n_draws),
            "lr": repr(self.lr),
            "tseed": str(self.train_seed),
            "anneal": "1" if self.tau_mode == ANNEALED else "0",
        }

    def __init__(self, **params):
        super().__init__(**params)
        self.result: training.TrainingResult | None = None
        self._problem = self._build_problem()
        self.curve = ColumnDataSource(name="training-curve", data=_curve_data([], {}))
        self.pi_source = ColumnDataSource(name="training-pi", data=_empty_pi())
        self.samples = ColumnDataSource(
            name="training-samples", data={"name": [], "sample": [], "energy": [], "optimal": []}
        )
        self.optimum = Span(
            location=0, dimension="width", line_color=DRAWN_COLOR, line_width=2, line_dash="dashed"
        )
        self.optimum_label = Label(
            x=0, y=0, x_offset=6, y_offset=4, text="", text_color=DRAWN_COLOR,
            text_font_size="12px",
        )  # fmt: skip
        self.curve_figure = self._make_curve_figure()
        self.pi_figure = self._make_pi_figure()
        self.status = prose("")
        self.sample_text = prose("")
        self.train_button = pn.widgets.Button(label="Train", color="primary", width=110)
        self.stop_button = pn.widgets.Button(label="Stop", width=90, disabled=True)
        self.reset_button = pn.widgets.Button(label="Reset", width=90)
        self.worker = Worker(
            self._job, self._show, button=self.train_button, busy_label="Training…"
        )
        self.worker.param.watch(self._on_busy, "busy")
        self.train_button.on_click(self._on_train)
        self.stop_button.on_click(lambda _e: self.worker.stop())
        self.reset_button.on_click(lambda _e: self.reset())
        self.model.param.watch(self._on_pi, ["probabilities"])
        self._show_problem()

    def __panel__(self) -> pn.viewable.Viewable:
        p = self.param
        settings = [
            pn.widgets.Select.from_param(p.problem, name="Problem", width=230),
            pn.widgets.IntInput.from_param(p.steps, name="steps", width=100),
            pn.widgets.IntInput.from_param(p.n_draws, name="draws per step n", width=130),
            pn.widgets.FloatInput.from_param(p.lr, name="learning rate", width=110),
            pn.widgets.IntInput.from_param(p.train_seed, name="seed", width=120),
        ]
        return pn.Column(
            prose(self.caption),
            controls_row(*settings, sizing_mode="stretch_width"),
            wrapping(
                pn.widgets.CheckButtonGroup.from_param(
                    p.names, options={estimators.LABELS[n]: n for n in NAMES}, name="Estimators"
                )
            ),
            controls_row(
                pn.widgets.RadioButtonGroup.from_param(p.tau_mode, name="τ"),
                self.train_button,
                self.stop_button,
                self.reset_button,
            ),
            self.status,
            pn.pane.Bokeh(self.curve_figure, sizing_mode="stretch_width"),
            controls_row(
                pn.widgets.Select.from_param(
                    p.shown,
                    options={estimators.LABELS[n]: n for n in NAMES},
                    name="Show π learned by",
                    width=260,
                ),
            ),
            pn.pane.Bokeh(self.pi_figure, sizing_mode="stretch_width"),
            self.sample_text,
            sizing_mode="stretch_width",
        )

    # ------------------------------------------------------------------ the problem

    def _build_problem(self) -> objectives.Problem:
        if self.problem == "molecule":
            return objectives.problem("molecule")
        name = self.problem
        if name == "REBAR toy (t = 0.499)" and self.model.k != 2:
            return objectives.problem("molecule")
        return objectives.problem(name, self.model.probabilities)

    @param.depends("problem", watch=True)
    def _on_problem(self) -> None:
        self.reset()

    def _on_pi(self, *_events: param.parameterized.Event) -> None:
        if self.problem != "molecule":  # the objective and the start depend on π
            self.reset()

    def _show_problem(self) -> None:
        self._problem = self._build_problem()
        value, classes = self._problem.objective.optimum()
        words = self._words(classes)
        with pn.io.hold():
            self.optimum.location = value
            self.optimum_label.update(y=value, text=f"optimum {value:.4g}: {words}")
            self.pi_figure.x_range.factors = self._factors()
            self.curve_figure.x_range.end = self.steps
            self.status.value = self._problem_html()

    def _problem_html(self) -> str:
        p = self._problem
        if self.problem == "REBAR toy (t = 0.499)" and self.model.k != 2:
            return (
                "The REBAR toy needs k = 2 classes; with k = "
                f"{self.model.k} the molecule is shown instead."
            )
        start = p.objective.expected_value(softmax(p.logits))
        m, k = p.shape
        what = (
            f"a ring of {m} atoms of {k} types (donor, acceptor, neutral) with pair energies"
            if p.name == "molecule"
            else f"one categorical of {k} classes, f = “{html.escape(p.name)}”, starting at "
            "θ = log π (the current π)"
        )
        return (
            f"Problem: {what}. E<sub>π</sub>[f] = {start:.4g} at the start; the optimum "
            "(dashed) is found by enumerating every assignment. Press Train."
        )

    def _factors(self) -> list[tuple[str, str]]:
        return [(a, c) for a in atom_names(self._problem) for c in class_names(self._problem)]

    def _words(self, classes: np.ndarray) -> str:
        names = class_names(self._problem)
        return ", ".join(names[int(c)] for c in np.ravel(classes))

    # ------------------------------------------------------------------ the run

    def _tau(self) -> float | training.Annealing:
        if self.tau_mode == FIXED or self.session is None:
            return float(self.model.tau)
        view = self.session.build_view("annealing")
        return training.Annealing(view.tau0, view.rate, view.tau_min, view.every)

    def _job(self) -> Callable[[], Iterator[training.TrainingResult]]:
        """Check the run here, on the event loop (cheap); its steps run in the thread."""
        self._show_problem()
        names = [n for n in NAMES if n in self.names]
        args = (self._problem, names, int(self.steps), int(self.n_draws), float(self.lr))
        try:
            run = training.training(
                *args, self._tau(), int(self.train_seed), report_every=max(self.steps // 100, 1)
            )
        except ValueError as error:
            self.status.value = message_html(f"Not trained: {html.escape(str(error))}.", False)
            run = iter(())
        return lambda: run

    async def _on_train(self, _event: object) -> None:
        await self.run()

    async def run(self) -> None:
        """Train off the event loop, streaming progress, until done or stopped."""
        if not self.names:
            self.status.value = "Choose at least one estimator."
            return
        if "rloo" in self.names and self.n_draws < 2:
            self.n_draws = 2
        await self.worker.run()

    def _on_busy(self, event: param.parameterized.Event) -> None:
        self.stop_button.disabled = not event.new
        self.reset_button.disabled = event.new

    def reset(self) -> None:
        """Forget the run: empty charts, the problem's description."""
        self.worker.invalidate()
        self.result = None
        with pn.io.hold():
            self.curve.data = _curve_data([], {})
            self.pi_source.data = _empty_pi()
            self.samples.data = {"name": [], "sample": [], "energy": [], "optimal": []}
            self.sample_text.value = ""
            self._show_problem()

    # ------------------------------------------------------------------ showing

    def _show(self, result: training.TrainingResult) -> None:
        self.result = result
        steps = np.arange(result.steps_done + 1)
        stride = max(math.ceil(steps.size / MAX_CURVE_POINTS), 1)
        keep = np.unique(np.append(steps[::stride], steps[-1]))
        curve = _curve_data(keep, {name: result.expected[name][keep] for name in result.names})
        values = np.concatenate([curve[name] for name in result.names] + [[self.optimum.location]])
        pad = 0.05 * max(float(np.ptp(values)), 1e-9)
        with pn.io.hold():
            self.curve.data = curve
            self.curve_figure.y_range.update(start=values.min() - pad, end=values.max() + pad)
            self._show_pi(result)
            self._show_samples(result)
            self.status.value = self._status_html(result)

    @param.depends("shown", watch=True)
    def _on_shown(self) -> None:
        if self.result is not None:
            self._show_pi(self.result)

    def _show_pi(self, result: training.TrainingResult) -> None:
        name = self.shown if self.shown in result.names else result.names[0]
        pi = result.probabilities[name]
        best = result.optimum[1]
        k = pi.shape[1]
        optimal = [bool(c == best[a]) for a in range(pi.shape[0]) for c in range(k)]
        self.pi_source.data = {
            "x": self._factors(),
            "pi": pi.reshape(-1),
            "optimal": optimal,
            "outline": [2.5 if o else 0.0 for o in optimal],
        }
        self.pi_figure.title.text = f"π learned by {estimators.LABELS[name]}"

    def _show_samples(self, result: training.TrainingResult) -> None:
        objective, best = self._problem.objective, result.optimum[1]
        rows = {"name": [], "sample": [], "energy": [], "optimal": []}
        for name in result.names:
            classes = result.sample[name]
            z = np.eye(self._problem.shape[1])[classes]
            rows["name"].append(estimators.LABELS[name])
            rows["sample"].append(self._words(classes))
            rows["energy"].append(float(objective.value(z)))
            rows["optimal"].append(bool(np.array_equal(classes, best)))
        self.samples.data = rows
        items = "".join(
            f"<li><b>{html.escape(n)}</b>: {html.escape(s)} (f = {short_number(e)})"
            f"{' ✓ optimum' if ok else ''}</li>"
            for n, s, e, ok in zip(*rows.values(), strict=True)
        )
        self.sample_text.value = f"The current hard sample of each run:<ul>{items}</ul>"

    def _status_html(self, result: training.TrainingResult) -> str:
        tau = result.taus[max(result.steps_done - 1, 0)]
        head = (
            f"Step {result.steps_done:,} of {result.steps:,} at τ = {tau:.3g}"
            if not result.done
            else f"Done: {result.steps:,} steps"
        )
        best = result.optimum[0]
        ends = "; ".join(
            f"{estimators.LABELS[n]} {result.expected[n][-1]:.4g}" for n in result.names
        )
        return f"{head}. E<sub>π</sub>[f] now: {ends} (optimum {best:.4g})."

    # ------------------------------------------------------------------ figures

    def _make_curve_figure(self) -> figure:
        fig = new_figure(
            "training-curve-chart",
            height=360,
            x_range=Range1d(0, self.steps),
            y_range=Range1d(-4, 1),
            x_axis_label="Adam step",
            y_axis_label="exact E_π[f] (lower is better)",
            min_border_left=60,
        )
        items = []
        for name in NAMES:
            color, dash = STYLE[name]
            line = fig.line(
                x="step", y=name, source=self.curve, line_color=color, line_dash=dash,
                line_width=2.2,
            )  # fmt: skip
            items.append(LegendItem(label=estimators.LABELS[name], renderers=[line]))
        fig.add_layout(self.optimum)
        fig.add_layout(self.optimum_label)
        legend_above(fig, Legend(items=items, click_policy="hide", ncols=4,
                                 label_text_font_size="12px"))  # fmt: skip
        fig.add_tools(HoverTool(tooltips=[("step", "$x{0}"), ("E[f]", "$y{0.0000}")]))
        return fig

    def _make_pi_figure(self) -> figure:
        fig = new_figure(
            "training-pi-chart",
            height=260,
            x_range=FactorRange(factors=[("z", "1")]),
            y_range=Range1d(0, 1.05),
            y_axis_label="π",
            title="π learned",
        )
        fig.vbar(
            x="x", top="pi", width=0.8, source=self.pi_source, fill_color=PI_COLOR,
            line_color=INK_COLOR, line_width="outline",
        )  # fmt: skip
        drop_grid(fig, "x")
        fig.xaxis.major_label_orientation = 0.9
        fig.add_tools(HoverTool(tooltips=[("", "@x"), ("π", "@pi{0.000}")]))
        return fig


def _curve_data(
    steps: np.ndarray | list[int], expected: dict[str, np.ndarray]
) -> dict[str, object]:
    """The curve source's columns: one per estimator, each line has its column even
    when its estimator did not run (NaN: nothing drawn, nothing to hover)."""
    nothing = np.full(len(steps), np.nan)
    return {"step": steps, **{name: expected.get(name, nothing) for name in NAMES}}


def _empty_pi() -> dict[str, list]:
    return {"x": [], "pi": [], "optimal": [], "outline": []}
