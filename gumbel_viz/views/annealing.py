"""Annealing: the temperature schedule of Jang et al. (2017, §4.2), played in the browser."""

from __future__ import annotations

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource, Span
from bokeh.plotting import figure
from numpy.typing import NDArray

from ..core.annealing import MAX_UPDATES, anneal_schedule, update_interval
from ..model import TAU_BOUNDS
from .base import (
    ALERT_COLOR,
    PI_COLOR,
    View,
    controls_row,
    message_html,
    new_figure,
    prose,
    static_text,
)

CAPTION = (
    "Training often starts warm and cools: τ(t) = max(τ_min, τ₀·exp(−r·t)), "
    "updated every N steps (Jang et al. 2017 use r = 1e-5 or 1e-4 and τ_min = 0.5). "
    "Press Play to run τ along the schedule in the main chart; the line marks the step."
)


class AnnealingView(View):
    """τ against training step for the chosen schedule, with Play/Pause in the browser.

    Play runs ``static/anneal.js``: each animation frame advances the step, sets
    the τ slider (so the main chart redraws in the browser, as when dragging), and
    moves the step marker. Pause hands the final τ to Python. At most
    :data:`MAX_UPDATES` schedule points go to the browser: a larger ``steps / every``
    uses a larger N, and the view says so.
    """

    slug = "annealing"
    title = "Annealing"
    caption = CAPTION

    tau0 = param.Number(1.0, bounds=TAU_BOUNDS, doc="τ₀, the starting temperature.")
    rate = param.Number(1e-4, bounds=(0.0, 1e-2), doc="r, the decay rate per step.")
    tau_min = param.Number(0.5, bounds=TAU_BOUNDS, doc="τ_min, the floor.")
    every = param.Integer(500, bounds=(1, 100_000), doc="N: τ is updated every N steps.")
    steps = param.Integer(20_000, bounds=(100, 1_000_000), doc="Training steps shown.")
    speed = param.Integer(
        5_000, bounds=(100, 100_000), doc="Playback speed, in training steps per second."
    )

    def __init__(self, **params):
        super().__init__(**params)
        self.note = prose("")
        self.schedule = ColumnDataSource(name="anneal-schedule", data=self._schedule_data())
        self.marker = Span(
            name="anneal-step",
            location=0,
            dimension="height",
            level="overlay",
            line_color=ALERT_COLOR,
            line_width=2,
        )
        self.figure = self._make_figure()
        self.play = pn.widgets.Toggle(label="▶ Play / ❚❚ Pause", color="primary", width=180)
        self.browser_callback(
            self.play,
            value=static_text("anneal.js"),
            args={
                "schedule": self.schedule,
                "marker": self.marker,
                "slider": self.main.tau_slider,
                "bars": self.main.bars,
                "relax": static_text("relax_tau.js"),
            },
        )

    @param.depends("tau0", "rate", "tau_min", "every", "steps", "speed", watch=True)
    def _refresh(self) -> None:
        with pn.io.hold():
            self.schedule.data = self._schedule_data()
            self.figure.x_range.end = self.steps

    def _schedule_data(self) -> dict[str, NDArray]:
        every = update_interval(self.steps, self.every)
        self.note.value = (
            ""
            if every == self.every
            else message_html(
                f"{self.steps:,} steps updated every {self.every:,} would send more than "
                f"{MAX_UPDATES:,} points: τ is updated every {every:,} steps instead.",
                ok=False,
            )
        )
        update_steps, tau = anneal_schedule(self.steps, self.tau0, self.rate, self.tau_min, every)
        # One more point at the end, so the step line reaches the last step.
        return {
            "step": np.append(update_steps, self.steps),
            "tau": np.append(tau, tau[-1]),
            "every": np.full(len(tau) + 1, every),
            "speed": np.full(len(tau) + 1, self.speed),
        }

    def _make_figure(self) -> figure:
        fig = new_figure(
            "anneal-chart",
            height=280,
            y_axis_type="log",
            x_range=(0, self.steps),
            x_axis_label="training step t",
            y_axis_label="τ(t)",
            title="Annealing schedule",
        )
        fig.step(
            x="step", y="tau", source=self.schedule, mode="after", line_width=2, color=PI_COLOR
        )
        fig.add_layout(self.marker)
        return fig

    def __panel__(self) -> pn.viewable.Viewable:
        numbers = [
            pn.widgets.FloatInput.from_param(self.param.tau0, name="τ₀", width=90),
            pn.widgets.FloatInput.from_param(self.param.rate, name="r", width=110),
            pn.widgets.FloatInput.from_param(self.param.tau_min, name="τ_min", width=90),
            pn.widgets.IntInput.from_param(self.param.every, name="N (update every)", width=130),
            pn.widgets.IntInput.from_param(self.param.steps, name="steps", width=110),
            pn.widgets.IntInput.from_param(self.param.speed, name="steps / second", width=120),
        ]
        return pn.Column(
            prose(self.caption),
            controls_row(*numbers, sizing_mode="stretch_width"),
            self.note,
            self.play,
            pn.pane.Bokeh(self.figure, sizing_mode="stretch_width"),
            sizing_mode="stretch_width",
        )
