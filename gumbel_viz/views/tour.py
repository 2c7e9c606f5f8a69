"""The tour: a guided path through the argument, each step a small task that ticks itself.

Each step has one to three sentences, a task done with the real controls, a check
that ticks when the session's state satisfies it, and a "Show me" button that does
the task. The step lives in the link (``step=``); Back, Next and the arrow keys
move; Restart starts over.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import panel as pn
import param
from bokeh.events import ButtonClick
from bokeh.layouts import column
from bokeh.model import Model
from bokeh.models import Button, ColumnDataSource, CustomJS, Div, RadioButtonGroup, Range1d
from bokeh.plotting import figure
from bokeh.transform import dodge

from ..core.montecarlo import MonteCarloSummary
from ..core.numbers import read_integer
from .base import (
    DRAWN_COLOR,
    HIGHLIGHT,
    PI_COLOR,
    View,
    class_labels,
    class_source,
    drop_grid,
    follow_class_hover,
    legend_above,
    message_html,
    new_figure,
    pressed,
    set_from_python,
    static_text,
    widget_style,
)
from .monte_carlo import mean_sentence

#: The arrow keys page.js sends, as the tour's actions (see TourView.act).
KEY_ACTIONS = {"ArrowLeft": "back", "ArrowRight": "next"}
COLD, HOT = 0.05, 5.0  # steps 3 and 4: below and above these
SWEEP_COLD, SWEEP_HOT = 0.1, 2.0  # step 5: the range of τ to cover with one noise draw
RESAMPLES = 3
TALLY_DRAWS = 100
PREDICTIONS = {"Yes: E[y] = π": "yes", "No: not in general": "no"}
PREDICTION_CHOICES = {"(choose)": "", **PREDICTIONS}  # the buttons, left to right


@dataclass(frozen=True)
class Step:
    """One step: its title, what it says, the task, and what "Show me" does."""

    title: str
    text: str
    task: str


STEPS = (
    Step(
        "The draw is a jump",
        "Each Resample draws new noise g and a new π. The shaded class, argmax(log π + g), "
        "jumps from one class to another: there is no small change in between, so no "
        "gradient flows through the draw.",
        f"Press <b>Resample</b> {RESAMPLES} times.",
    ),
    Step(
        "Gumbel-Max is exact",
        "Keep π and draw only new noise, many times: the drawn class lands on each class "
        "as often as π says. Adding Gumbel noise and taking the argmax is an exact "
        "sample from π.",
        f"Tick <b>Keep probabilities</b>, then Resample until {TALLY_DRAWS} draws are "
        "tallied below.",
    ),
    Step(
        "Cool it",
        "Dividing by a small τ stretches the gaps between the sums log π + g, and the "
        "softmax turns into an argmax: y becomes the one-hot vector of the drawn class.",
        f"Drag <b>τ</b> below {COLD:g}.",
    ),
    Step(
        "Heat it",
        "A large τ squeezes the sums together: every class that can be drawn gets about "
        "the same share of y, whatever π is.",
        f"Drag <b>τ</b> above {HOT:g}.",
    ),
    Step(
        "τ never reorders",
        "τ rescales the sums log π + g but never reorders them, so the drawn class holds "
        "the largest y at every temperature. Rounding y to its largest entry is an exact "
        "sample from π at any τ.",
        f"With one noise draw (no Resample), take τ below {SWEEP_COLD:g} and above "
        f"{SWEEP_HOT:g}; watch the shaded class keep the tallest orange bar.",
    ),
    Step(
        "Predict, then reveal",
        "The argmax of y is distributed exactly like π. Is y itself? Predict first: at "
        "τ = 1, is the average relaxed sample E[y] equal to π?",
        "Choose your prediction, then run the Monte Carlo at τ = 1.",
    ),
    Step(
        "Why gradients flow",
        "y = softmax((log π + g)/τ) is a smooth function of log π for fixed noise, so "
        "gradients flow through it. The estimator lab compares that pathwise gradient, "
        "and its straight-through cousins, with REINFORCE, which needs no relaxation, "
        "at every τ.",
        "Open <b>Train → Estimators</b> and let its sweep finish.",
    ),
)


def tour_div(**options: object) -> Div:
    """A Div of the tour's HTML, styled by ``tour.css``."""
    return Div(
        text="",
        stylesheets=[static_text("tour.css")],
        sizing_mode="stretch_width",
        margin=(5, 10),
        **options,
    )


class TourView(View):
    """The guided path: :data:`STEPS`, each checked against this session's state.

    Sources: ``tour-tally`` (``cls, pi, freq``: the drawn classes tallied while π
    is kept, against π) and ``tour-keys`` (the arrow keys the browser sends,
    ``static/tour_keys.js``).
    """

    slug = "tour"
    title = "Tour"
    caption = "A path through the argument in seven small tasks, each ticked when done."
    link_params: ClassVar[dict[str, str]] = {"step": "step"}

    step = param.Integer(1, bounds=(1, len(STEPS)), doc="The step shown, from 1.")
    done = param.List([], doc="The steps whose task is done (1-based).")
    prediction = param.Selector(objects=["", *PREDICTIONS.values()], default="")

    @classmethod
    def settings_from_link(cls, query: dict[str, str], notices: list[str]) -> dict[str, object]:
        if "step" not in query:
            return {}
        step = read_integer("step", query["step"], (1, len(STEPS)), notices)
        return {} if step is None else {"step": step}

    def __init__(self, **params):
        super().__init__(**params)
        self.resamples = 0
        self.tally = np.zeros(self.model.k, dtype=np.int64)
        self.taus_seen: list[float] = [self.model.tau]
        self.order_kept = True
        self.tally_source = class_source("tour-tally", self._tally_data())
        self.keys = ColumnDataSource(name="tour-keys", data={"key": [], "time": []})
        # The step's progress dots, heading, text and task status: one Div. The tour
        # is plain Bokeh models in one pane, the landing view of every session: as
        # Panel panes it cost each session's build ~5 ms more (README, Benchmarks).
        self.card = tour_div(css_classes=["tour-card"])
        # Back, Show me, Next and Restart: HTML buttons in one Div that tell the tour
        # through "tour-keys" (static/page.js), as the arrow keys do. Four Panel
        # buttons in a row were five models and ~10 ms of every session's build.
        self.buttons = tour_div()
        self.message = tour_div()  # in the page only while it says something
        # What only some steps show is built when one of them first does (a session
        # that never reaches them pays nothing for them).
        self._tally_figure: figure | None = None
        self._predict_row: list[Model] | None = None
        self.column = column(sizing_mode="stretch_width", css_classes=["tour"])
        self.layout = pn.pane.Bokeh(self.column, sizing_mode="stretch_width")
        self._wire()
        self._refresh()

    def __panel__(self) -> pn.viewable.Viewable:
        return self.layout

    def _say(self, html: str) -> None:
        """Show ``html`` (trusted) under the buttons, or nothing if it is empty."""
        set_from_python(self.message, text=html)
        self._arrange()

    def _arrange(self) -> None:
        """The step's card, what this step shows below it, the buttons, a message."""
        extra = {2: self._tally, 6: self._prediction}.get(self.step)
        children = [
            self.card,
            *(extra() if extra else []),
            self.buttons,
            *([self.message] if self.message.text else []),
        ]
        if self.column.children != children:
            set_from_python(self.column, children=children)

    # ------------------------------------------------------------------ wiring

    def _wire(self) -> None:
        m = self.model.param
        m.watch(self._on_resample, "resample")
        m.watch(self._on_draw, ["noise", "probabilities"])
        m.watch(self._on_tau, "tau")
        self.keys.on_change("data", self._on_key)  # sent by static/page.js
        # An argument of a browser callback puts the source in the page for page.js.
        self.buttons.js_on_change("text", CustomJS(args={"keys": self.keys}, code=""))

    def _on_key(self, _attr: str, _old: object, new: dict) -> None:
        """A button or an arrow key in the browser (only while the tour is showing)."""
        showing = self.session is None or self.session.view == self.slug
        if new.get("key") and showing:
            key = str(new["key"][-1])
            self.act(KEY_ACTIONS.get(key, key))

    def act(self, action: str) -> None:
        """What the tour's buttons do: "back", "next", "restart" or "show" (Show me).
        Anything else (a tampered message) does nothing."""
        actions: dict[str, Callable[[], None]] = {
            "back": lambda: self._move(-1),
            "next": lambda: self._move(+1),
            "restart": self._restart,
            "show": self._show_me,
        }
        actions.get(action, lambda: None)()

    def _move(self, by: int) -> None:
        self.step = min(max(self.step + by, 1), len(STEPS))

    def _restart(self) -> None:
        self.resamples = 0
        self._reset_tally()
        self.taus_seen, self.order_kept = [self.model.tau], True
        self.param.update(done=[], step=1, prediction="")
        self._refresh()

    # ------------------------------------------------------------------ session state

    def _on_resample(self, _event: param.parameterized.Event) -> None:
        self.resamples += 1
        self._refresh()

    def _on_draw(self, *events: param.parameterized.Event) -> None:
        """New noise: tally its draw if π was kept; new π: start the tally again."""
        m = self.model
        if any(e.name == "probabilities" for e in events):
            self._reset_tally()
        elif m.pinned and m.keep_probabilities:
            self.tally[m.drawn_class] += 1
        self.taus_seen, self.order_kept = [m.tau], True
        self._refresh()

    def _on_tau(self, _event: param.parameterized.Event) -> None:
        m = self.model
        self.taus_seen.append(m.tau)
        self.order_kept &= int(np.argmax(m.y)) == m.drawn_class
        self._refresh()

    def _reset_tally(self) -> None:
        self.tally = np.zeros(self.model.k, dtype=np.int64)

    # ------------------------------------------------------------------ checks

    def checks(self) -> list[tuple[bool, str]]:
        """Per step: whether its task is done now, and how far it has come."""
        m = self.model
        draws = int(self.tally.sum())
        cold, hot = min(self.taus_seen), max(self.taus_seen)
        result = self._monte_carlo_result()
        sweep = self._gradient_sweep_done()
        return [
            (self.resamples >= RESAMPLES, f"{min(self.resamples, RESAMPLES)} of {RESAMPLES}"),
            (draws >= TALLY_DRAWS, f"{min(draws, TALLY_DRAWS)} of {TALLY_DRAWS} draws"),
            (m.tau < COLD, f"τ = {m.tau:.3g}"),
            (m.tau > HOT, f"τ = {m.tau:.3g}"),
            (
                cold <= SWEEP_COLD and hot >= SWEEP_HOT and self.order_kept,
                f"τ from {cold:.3g} to {hot:.3g} with this noise",
            ),
            (
                bool(self.prediction) and result is not None,
                "predicted" if self.prediction else "no prediction yet",
            ),
            (sweep, "sweep done" if sweep else "not yet"),
        ]

    def _monte_carlo_result(self) -> MonteCarloSummary | None:
        """The Monte Carlo run at τ = 1 for the current π, if there is one."""
        view = self.session.views.get("monte-carlo") if self.session is not None else None
        result = getattr(view, "result", None)
        if result is None or result.tau != 1.0:
            return None
        if not np.allclose(result.probabilities, self.model.probabilities, rtol=1e-12):
            return None
        return result

    def _gradient_sweep_done(self) -> bool:
        view = self.session.views.get("estimators") if self.session is not None else None
        return getattr(view, "result", None) is not None

    # ------------------------------------------------------------------ actions

    def _show_me(self) -> None:
        actions: dict[int, Callable[[], None]] = {
            1: lambda: self._resample(RESAMPLES),
            2: self._tally_draws,
            3: lambda: setattr(self.model, "tau", COLD / 2),
            4: lambda: setattr(self.model, "tau", 2 * HOT),
            5: self._sweep_tau,
            6: self._reveal,
            7: lambda: setattr(self.session, "view", "estimators"),
        }
        self._say("")
        with pn.io.hold():
            actions[self.step]()

    def _resample(self, times: int) -> None:
        for _ in range(times):
            self.model.param.trigger("resample")

    def _tally_draws(self) -> None:
        self.model.keep_probabilities = True
        self._resample(max(TALLY_DRAWS - int(self.tally.sum()), 0))

    def _sweep_tau(self) -> None:
        for tau in (SWEEP_COLD / 2, 1.0, 2 * SWEEP_HOT):
            self.model.tau = tau

    def _reveal(self) -> None:
        if not self.prediction:
            self._say(message_html("Predict first: choose an answer above.", False))
            return
        pn.state.execute(self._run_monte_carlo)

    async def _run_monte_carlo(self) -> None:
        """Run the Monte Carlo view's own run at τ = 1 (built if need be), then reveal."""
        if self.session is None:
            return
        self.model.tau = 1.0
        await self.session.build_view("monte-carlo").run()
        self._refresh()

    # ------------------------------------------------------------------ showing

    def _tally_data(self) -> dict[str, object]:
        draws = max(int(self.tally.sum()), 1)
        return {
            "cls": class_labels(self.model.k),
            "pi": self.model.probabilities,
            "freq": self.tally / draws,
        }

    def _reveal_html(self) -> str:
        result = self._monte_carlo_result()
        if result is None or not self.prediction:
            return ""
        said = "E[y] = π" if self.prediction == "yes" else "E[y] ≠ π in general"
        return f"<br><b>You predicted {said}.</b> {mean_sentence(result)}"

    @param.depends("step", "prediction", watch=True)
    def _refresh(self) -> None:
        checks = self.checks()
        done = sorted({*self.done, *(i + 1 for i, (ok, _) in enumerate(checks) if ok)})
        if done != self.done:
            self.done = done
        step, (_, how_far) = STEPS[self.step - 1], checks[self.step - 1]
        mark = "✓ done" if self.step in self.done else "○ to do"
        with pn.io.hold():
            status = f"<b>{mark}</b> {step.task} <i>({html.escape(how_far)})</i>"
            reveal = self._reveal_html() if self.step == 6 else ""
            self.card.text = (
                f"{self._progress_html()}"
                f"<h3>Step {self.step} of {len(STEPS)}: {step.title}</h3>"
                f"<p>{step.text}</p>"
                f"<p>{message_html(status, self.step in self.done)}{reveal}</p>"
            )
            self.tally_source.data = self._tally_data()
            if self._tally_figure is not None:
                self._tally_figure.x_range.factors = class_labels(self.model.k)
            self.buttons.text = self._buttons_html()
            self._arrange()

    def _buttons_html(self) -> str:
        def button(action: str, label: str, disabled: bool = False, kind: str = "") -> str:
            off = " disabled" if disabled else ""
            return (
                f'<button type="button" class="tour-button {kind}" '
                f"onclick=\"gsxTour('{action}')\"{off}>{label}</button>"
            )

        return (
            '<div class="tour-buttons">'
            f"{button('back', '◀ Back', disabled=self.step == 1)}"
            f"{button('show', 'Show me', kind='primary')}"
            f"{button('next', 'Next ▶', disabled=self.step == len(STEPS))}"
            f"{button('restart', 'Restart')}"
            "</div>"
        )

    def _dot_classes(self, n: int) -> str:
        return " ".join(
            [
                "tour-dot",
                *(["done"] if n in self.done else []),
                *(["current"] if n == self.step else []),
            ]
        )

    def _progress_html(self) -> str:
        items = "".join(
            f'<span class="{self._dot_classes(n)}" title="Step {n}: {html.escape(s.title)}">'
            f"{'✓' if n in self.done else n}</span>"
            for n, s in enumerate(STEPS, start=1)
        )
        label = f"Tour progress: {len(self.done)} of {len(STEPS)} steps done"
        return f'<div class="tour-progress" role="img" aria-label="{label}">{items}</div>'

    def _tally(self) -> list[Model]:
        if self._tally_figure is None:
            self._tally_figure = self._make_tally_figure()
        return [self._tally_figure]

    def _prediction(self) -> list[Model]:
        """Your prediction (buttons) and the run that reveals it, stacked (they fit a phone)."""
        if self._predict_row is None:
            self.predict = RadioButtonGroup(
                labels=list(PREDICTION_CHOICES), active=self._prediction_index(), width=340,
                **widget_style(),
            )  # fmt: skip
            self.predict.on_change("active", self._prediction_from_browser)
            self.run_mc = Button(label="Run the Monte Carlo at τ = 1", width=240, **widget_style())
            self.run_mc.on_event(
                ButtonClick, lambda _event: pn.state.execute(self._run_monte_carlo)
            )
            self._predict_row = [self.predict, self.run_mc]
        return self._predict_row

    def _prediction_index(self) -> int:
        return list(PREDICTION_CHOICES.values()).index(self.prediction)

    def _prediction_from_browser(self, _attr: str, _old: object, index: object) -> None:
        """A prediction pressed (anything else: as it was)."""
        choices = list(PREDICTION_CHOICES.values())
        if (chosen := pressed(index, len(choices))) is not None:
            self.prediction = choices[chosen]
        self._show_prediction()

    @param.depends("prediction", watch=True)
    def _show_prediction(self) -> None:
        if self._predict_row is not None and self.predict.active != self._prediction_index():
            set_from_python(self.predict, active=self._prediction_index())

    def _make_tally_figure(self) -> figure:
        fig = new_figure(
            "tour-tally-chart",
            x_range=class_labels(self.model.k),
            y_range=Range1d(0, 1),
            height=200,
            x_axis_label="class k",
            y_axis_label="share of draws",
        )
        fig.vbar(
            x=dodge("cls", -0.17, range=fig.x_range), top="pi", width=0.3,
            source=self.tally_source, color=PI_COLOR, legend_label="π", **HIGHLIGHT,
        )  # fmt: skip
        fig.vbar(
            x=dodge("cls", 0.17, range=fig.x_range), top="freq", width=0.3,
            source=self.tally_source, color=DRAWN_COLOR, legend_label="drawn class tally",
            **HIGHLIGHT,
        )  # fmt: skip
        follow_class_hover(
            fig, [("class", "@cls"), ("π", "@pi{0.000}"), ("tally", "@freq{0.000}")]
        )
        drop_grid(fig, "x")
        legend_above(fig, location="top_left")
        return fig
