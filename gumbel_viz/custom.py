"""Your own distribution: type pi or the logits, shift the logits, see what changes."""

from __future__ import annotations

import html
import math
import re

import numpy as np
import panel as pn
import param
from panel.viewable import Viewer

from . import engine
from .model import GumbelSoftmaxModel
from .views import prose

MAX_INPUT_CHARS = 2000  # k <= 12 numbers never need more; longer input is refused unread
CAPTION = (
    "Type your own π, or its logits, one number per class. Adding the same "
    "constant to every logit changes neither π nor y: softmax only sees differences."
)
_SEPARATORS = re.compile(r"[,;\s]+")


def parse_numbers(text: str, *, allow_minus_inf: bool = False) -> list[float]:
    """Numbers separated by commas, semicolons or spaces; ValueError names the bad token.

    Plain ``float`` parsing only (no ``eval``). NaN and +inf are refused; ``-inf``
    only where asked for (a logit of -inf is a class of probability 0).
    """
    if len(text) > MAX_INPUT_CHARS:
        raise ValueError(f"input is too long ({len(text)} characters)")
    tokens = [t for t in _SEPARATORS.split(text.strip()) if t]
    if not tokens:
        raise ValueError("enter one number per class")
    values = []
    for token in tokens:
        try:
            value = float(token)
        except ValueError:
            raise ValueError(f"{token!r} is not a number") from None
        if math.isnan(value) or value == math.inf:
            raise ValueError(f"{token!r} is not a finite number")
        if value == -math.inf and not allow_minus_inf:
            raise ValueError(f"{token!r} is not a finite number")
        values.append(value)
    return values


def format_numbers(values: np.ndarray) -> str:
    """Shortest text that reads back to the same floats; -inf as ``-inf``."""
    return ", ".join(repr(float(v)) if np.isfinite(v) else "-inf" for v in values)


class DistributionEditor(Viewer):
    """Edit pi directly or through its logits; bad input leaves the state untouched."""

    model = param.ClassSelector(class_=GumbelSoftmaxModel)
    mode = param.Selector(default="probabilities", objects=["probabilities", "logits"])
    text = param.String(default="", doc="The numbers being edited.")
    shift = param.Number(default=1.0, bounds=(-1e6, 1e6), doc="c in logits + c.")
    apply = param.Event(doc="Use the typed numbers.")
    apply_shift = param.Event(doc="Add c to every logit.")

    def __init__(self, **params):
        super().__init__(**params)
        self.message = pn.widgets.StaticText(value="", css_classes=["editor-message"])
        self._show_model()
        self.model.param.watch(self._show_model, ["probabilities"])

    # ------------------------------------------------------------------ actions

    @param.depends("apply", watch=True)
    def _apply_text(self) -> None:
        try:
            self.model.set_probabilities(self._typed_probabilities())
        except ValueError as error:
            self._say(f"Not applied: {error}.", ok=False)
            return
        self._say(f"Applied {self.mode} for {self.model.k} classes.", ok=True)

    @param.depends("apply_shift", watch=True)
    def _shift_logits(self) -> None:
        model = self.model
        y_before, pi_before = model.y.copy(), model.probabilities.copy()
        model.set_probabilities(engine.softmax(model.logits + self.shift))
        self.mode = "logits"
        self.text = format_numbers(model.logits + self.shift)
        change_y = float(np.max(np.abs(model.y - y_before)))
        change_pi = float(np.max(np.abs(model.probabilities - pi_before)))
        self._say(
            f"Added c = {self.shift:g} to every logit: π moved by at most {change_pi:.1e} "
            f"and y by at most {change_y:.1e} (rounding only).",
            ok=True,
        )

    @param.depends("mode", watch=True)
    def _on_mode(self) -> None:
        self._show_model()

    # ------------------------------------------------------------------ internals

    def _typed_probabilities(self) -> np.ndarray:
        values = parse_numbers(self.text, allow_minus_inf=self.mode == "logits")
        if len(values) != self.model.k:
            raise ValueError(
                f"expected {self.model.k} numbers (one per class), got {len(values)}; "
                "change the number of classes first"
            )
        if self.mode == "logits":
            # Logits 1e308 apart overflow x - max to -inf, which is the right answer (pi = 0).
            with np.errstate(over="ignore"):
                return engine.softmax(values)
        return engine.validate_probabilities(values)

    def _show_model(self, *_events: param.parameterized.Event) -> None:
        shown = self.model.probabilities if self.mode == "probabilities" else self.model.logits
        self.text = format_numbers(shown)

    def _say(self, text: str, ok: bool) -> None:
        colour = "#009E73" if ok else "#D55E00"
        self.message.value = f'<span style="color: {colour}">{html.escape(text)}</span>'

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(
            prose(CAPTION),
            pn.widgets.RadioButtonGroup.from_param(self.param.mode, name="Enter"),
            pn.widgets.TextAreaInput.from_param(
                self.param.text, name="One number per class", height=90,
                max_length=MAX_INPUT_CHARS, sizing_mode="stretch_width",
            ),
            pn.widgets.Button.from_param(self.param.apply, name="Apply", color="primary"),
            pn.Row(
                pn.widgets.FloatInput.from_param(self.param.shift, name="c", width=120),
                pn.widgets.Button.from_param(
                    self.param.apply_shift, name="Shift all logits by c", align="end"
                ),
            ),
            self.message,
            sizing_mode="stretch_width",
        )
