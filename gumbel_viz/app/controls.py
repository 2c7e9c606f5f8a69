"""The sidebar's controls: the τ slider, Resample, Keep probabilities, k and the seed.

Plain Bokeh widgets in one pane, bound to the session's model both ways: a Panel
widget costs 2–4 ms of every session's build to wrap its Bokeh model, and these
five were a tenth of it (README, Benchmarks). What the browser sends goes through
the model's parameters, which refuse what is out of range; a refused value is put
back, so the controls always show the model.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable

import param
from bokeh.events import ButtonClick
from bokeh.models import Button, Checkbox, Slider, Spinner
from bokeh.models.widgets import Widget

from ..model import GumbelSoftmaxModel
from ..views.base import set_from_python, widget_style


def whole_number(value: object) -> int:
    """``value`` as an int if it is one (a Bokeh slider sends 7 as 7.0); else ValueError."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if not (number and math.isfinite(value) and value == int(value)):
        raise ValueError(f"not a whole number: {value!r}")
    return int(value)


def seed_number(value: object) -> int | None:
    """A seed from the browser: blank (None) or a whole number."""
    return None if value is None else whole_number(value)


def flag(value: object) -> bool:
    """A checkbox's state, refusing anything but true or false."""
    if not isinstance(value, bool):
        raise ValueError(f"not true or false: {value!r}")
    return value


class Controls:
    """The sidebar's controls for one session's ``model``, in order in :attr:`widgets`;
    ``tau_slider`` is the main chart's (it redraws the chart in the browser)."""

    def __init__(self, model: GumbelSoftmaxModel, tau_slider: Slider) -> None:
        self.model = model
        style = widget_style()
        k_low, k_high = model.param.k.bounds
        seed_low, seed_high = model.param.seed.bounds
        self.tau = tau_slider
        self.resample = Button(
            label="Resample", button_type="primary", sizing_mode="stretch_width", **style
        )
        self.keep = Checkbox(
            label="Keep probabilities (new noise only)", active=model.keep_probabilities, **style
        )
        self.k = Slider(
            title="Number of classes k", start=k_low, end=k_high, step=1, value=model.k,
            sizing_mode="stretch_width", **style,
        )  # fmt: skip
        self.seed = Spinner(
            title="Seed (blank: fresh randomness)", low=seed_low, high=seed_high, step=1,
            mode="int", value=model.seed, description=model.param.seed.doc,
            sizing_mode="stretch_width", **style,
        )  # fmt: skip
        self.resample.on_event(ButtonClick, lambda _event: model.param.trigger("resample"))
        self._bind(self.keep, "active", "keep_probabilities", flag)
        self._bind(self.k, "value", "k", whole_number)
        self._bind(self.seed, "value", "seed", seed_number)
        self.widgets: list[Widget] = [self.tau, self.resample, self.keep, self.k, self.seed]

    def _bind(
        self, widget: Widget, prop: str, name: str, read: Callable[[object], object]
    ) -> None:
        """Keep ``widget.prop`` and ``model.name`` equal; the browser's values pass
        through ``read`` and the parameter, and a refused one is put back."""

        def from_browser(_attr: str, _old: object, new: object) -> None:
            with contextlib.suppress(TypeError, ValueError):  # refused: shown back below
                setattr(self.model, name, read(new))
            show_model()

        def show_model(*_events: param.parameterized.Event) -> None:
            value = getattr(self.model, name)
            if getattr(widget, prop) != value:
                set_from_python(widget, **{prop: value})

        widget.on_change(prop, from_browser)
        self.model.param.watch(show_model, name)
