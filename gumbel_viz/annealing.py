"""Temperature annealing: the schedule of Jang et al. (2017, §4.2), played in the browser."""

from __future__ import annotations

from importlib.resources import files

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource, Span
from bokeh.plotting import figure
from numpy.typing import NDArray
from panel.viewable import Viewer

from .model import TAU_BOUNDS
from .views import RELAX_TAU_JS, prose

ANNEAL_JS = files("gumbel_viz").joinpath("static/anneal.js").read_text()
MAX_UPDATES = 20_000  # schedule points sent to the browser (steps / every)
CAPTION = (
    "Training often starts warm and cools: τ(t) = max(τ_min, τ₀·exp(−r·t)), "
    "updated every N steps (Jang et al. 2017 use r = 1e-5 or 1e-4 and τ_min = 0.5). "
    "Press Play to run τ along the schedule in the main chart; the line marks the step."
)


def anneal_schedule(
    steps: int, tau0: float, rate: float, tau_min: float, every: int
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """The steps at which τ changes and τ from each of them on.

    ``τ(t) = max(τ_min, τ₀ · exp(−r · N·⌊t/N⌋))``: τ is recomputed every ``every``
    (= N) steps and held in between. Returns ``(update_steps, tau)`` with
    ``update_steps = 0, N, 2N, …`` below ``steps``.
    """
    if not (isinstance(steps, int | np.integer) and isinstance(every, int | np.integer)):
        raise ValueError(f"steps and every must be integers, got {steps!r}, {every!r}")
    if steps < 1 or every < 1:
        raise ValueError(f"steps and every must be >= 1, got {steps}, {every}")
    if np.ceil(steps / every) > MAX_UPDATES:
        raise ValueError(
            f"{steps} steps updated every {every} is more than {MAX_UPDATES} updates"
        )
    for name, value in (("tau0", tau0), ("tau_min", tau_min)):
        if not (np.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be finite and > 0, got {value!r}")
    if not (np.isfinite(rate) and rate >= 0):
        raise ValueError(f"rate r must be finite and >= 0, got {rate!r}")
    update_steps = np.arange(0, steps, every, dtype=np.int64)
    return update_steps, np.maximum(tau_min, tau0 * np.exp(-rate * update_steps))


class AnnealingView(Viewer):
    """τ against training step for the chosen schedule, with Play/Pause in the browser.

    Play runs ``static/anneal.js``: each animation frame advances the step, sets
    the τ slider (so the main chart redraws in the browser, as when dragging), and
    moves the step marker. Pause hands the final τ to Python.
    """

    tau0 = param.Number(1.0, bounds=TAU_BOUNDS, doc="τ₀, the starting temperature.")
    rate = param.Number(1e-4, bounds=(0.0, 1e-2), doc="r, the decay rate per step.")
    tau_min = param.Number(0.5, bounds=TAU_BOUNDS, doc="τ_min, the floor.")
    every = param.Integer(500, bounds=(1, 100_000), doc="N: τ is updated every N steps.")
    steps = param.Integer(20_000, bounds=(100, 1_000_000), doc="Training steps shown.")
    speed = param.Integer(
        5_000, bounds=(100, 100_000), doc="Playback speed, in training steps per second."
    )

    def __init__(
        self, *, tau_slider: pn.widgets.FloatSlider, bars: ColumnDataSource, **params
    ):
        super().__init__(**params)
        self.schedule = ColumnDataSource(name="anneal-schedule", data=self._schedule_data())
        self.marker = Span(name="anneal-step", location=0, dimension="height", level="overlay",
                           line_color="#D55E00", line_width=2)
        self.figure = self._make_figure()
        self.play = pn.widgets.Toggle(label="▶ Play / ❚❚ Pause", color="primary", width=180)
        self.play.jscallback(
            value=ANNEAL_JS,
            args={
                "schedule": self.schedule,
                "marker": self.marker,
                "slider": tau_slider,
                "bars": bars,
                "relax": RELAX_TAU_JS,
            },
        )

    @param.depends("tau0", "rate", "tau_min", "every", "steps", "speed", watch=True)
    def _refresh(self) -> None:
        with pn.io.hold():
            self.schedule.data = self._schedule_data()
            self.figure.x_range.end = self.steps

    def _schedule_data(self) -> dict[str, NDArray]:
        every = max(self.every, int(np.ceil(self.steps / MAX_UPDATES)))
        update_steps, tau = anneal_schedule(
            self.steps, self.tau0, self.rate, self.tau_min, every
        )
        # One more point at the end, so the step line reaches the last step.
        return {
            "step": np.append(update_steps, self.steps),
            "tau": np.append(tau, tau[-1]),
            "every": np.full(len(tau) + 1, every),
            "speed": np.full(len(tau) + 1, self.speed),
        }

    def _make_figure(self) -> figure:
        fig = figure(
            name="anneal-chart", height=280, sizing_mode="stretch_width",
            y_axis_type="log", x_range=(0, self.steps), toolbar_location=None,
            x_axis_label="training step t", y_axis_label="τ(t)",
            title="Annealing schedule",
        )
        fig.step(x="step", y="tau", source=self.schedule, mode="after",
                 line_width=2, color="#0072B2")
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
            prose(CAPTION),
            pn.Row(*numbers, sizing_mode="stretch_width"),
            self.play,
            pn.pane.Bokeh(self.figure, sizing_mode="stretch_width"),
            sizing_mode="stretch_width",
        )
