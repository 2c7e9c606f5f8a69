"""Your distribution: type pi or the logits, shift the logits, see what changes."""

from __future__ import annotations

import html

import numpy as np
import panel as pn
import param

from .. import core
from ..core.numbers import MAX_INPUT_CHARS, format_numbers, parse_numbers, short_number
from .base import View, controls_row, message_html, prose

CAPTION = (
    "Type your own π, or its logits, one number per class. Adding the same "
    "constant to every logit changes neither π nor y: softmax only sees differences."
)


class DistributionView(View):
    """Edit pi directly or through its logits; bad input leaves the state untouched."""

    slug = "distribution"
    title = "Your distribution"
    caption = CAPTION

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
        model.set_probabilities(core.softmax(model.logits + self.shift))
        self.mode = "logits"
        self.text = format_numbers(model.logits + self.shift)
        change_y = float(np.max(np.abs(model.y - y_before)))
        change_pi = float(np.max(np.abs(model.probabilities - pi_before)))
        self._say(
            f"Added c = {short_number(self.shift)} to every logit: π moved by at most "
            f"{change_pi:.1e} and y by at most {change_y:.1e} (rounding only).",
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
                return core.softmax(values)
        return core.validate_probabilities(values)

    def _show_model(self, *_events: param.parameterized.Event) -> None:
        shown = self.model.probabilities if self.mode == "probabilities" else self.model.logits
        self.text = format_numbers(shown)

    def _say(self, text: str, ok: bool) -> None:
        self.message.value = message_html(html.escape(text), ok)

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(
            prose(self.caption),
            pn.widgets.RadioButtonGroup.from_param(self.param.mode, name="Enter"),
            pn.widgets.TextAreaInput.from_param(
                self.param.text,
                name="One number per class",
                height=90,
                max_length=MAX_INPUT_CHARS,
                sizing_mode="stretch_width",
            ),
            pn.widgets.Button.from_param(self.param.apply, name="Apply", color="primary"),
            controls_row(
                pn.widgets.FloatInput.from_param(self.param.shift, name="c", width=120),
                pn.widgets.Button.from_param(
                    self.param.apply_shift, name="Shift all logits by c", align="end"
                ),
            ),
            self.message,
            sizing_mode="stretch_width",
        )
