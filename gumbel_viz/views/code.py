"""Copy as code: the session's state as runnable NumPy, PyTorch and JAX snippets.

Each snippet (:func:`gumbel_viz.core.snippets.snippets`) writes this state's logits,
noise g and τ as literals that read back bit for bit and computes the y the main
chart shows; the view shows each in a ``<pre>`` block with a copy button
(``static/copy_snippet.js``, the browser's clipboard) and a download.
"""

from __future__ import annotations

import html
import io

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource

from ..core.numbers import display_number, short_number
from ..core.snippets import Snippet, snippets
from .base import View, prose, static_text

CAPTION = (
    "The current state as code you can paste: each snippet writes this draw's logits "
    "log π and noise g as literals that read back bit for bit, then computes "
    "y = softmax((logits + g)/τ) exactly as the chart does, max-shifted so exp never "
    "overflows, and leaves it in <code>y</code>. Each then draws fresh noise the "
    "framework's idiomatic way (<code>y_fresh</code>). Tick <b>hard</b> for the one-hot "
    "forward value <code>y_hard</code> and, in PyTorch and JAX, the straight-through "
    "value <code>y_st = y_hard - y.detach() + y</code>. The code follows τ when you "
    "release the slider."
)
COPY_IDLE = "Copy puts a snippet on the clipboard; Download saves it as a .py file."
SOURCE_COLUMNS = ("key", "framework", "filename", "code")


def pre_html(snippet: Snippet) -> str:
    """One snippet as an escaped ``<pre>`` block (focusable: it scrolls sideways)."""
    return (
        f'<pre class="snippet" data-framework="{snippet.key}" tabindex="0" '
        f'aria-label="{snippet.framework} code">{html.escape(snippet.code)}</pre>'
    )


def _classes(indices: np.ndarray) -> str:
    names = [str(i + 1) for i in indices]
    if len(names) == 1:
        return f"class {names[0]}"
    return f"classes {', '.join(names[:-1])} and {names[-1]}"


def state_sentence(
    probabilities: np.ndarray, y: np.ndarray, tau: float, drawn: int, hard: bool
) -> str:
    """What the snippets reproduce, in words true for every state (zeros, one sure class)."""
    k = probabilities.size
    shown = ", ".join(display_number(v) for v in y)
    text = (
        f"At τ = {short_number(tau)} with k = {k} classes, each snippet's <code>y</code> "
        f"is the y on the chart: {shown} (4 decimals here; the code has every digit)."
    )
    zero = np.flatnonzero(probabilities == 0)
    possible = np.flatnonzero(probabilities > 0)
    if possible.size == 1:
        text += (
            f" Only class {possible[0] + 1} has π > 0: its logit is the only finite one, "
            "so y is its one-hot vector at every τ, and so is every fresh sample."
        )
    elif zero.size:
        text += (
            f" π = 0 for {_classes(zero)}: the logit is written as −inf and y is exactly 0 "
            "there, in every framework."
        )
    if hard:
        text += (
            f" With hard, <code>y_hard</code> is the one-hot vector of class {drawn + 1}, "
            "the drawn class shaded on the chart."
        )
    return text


class CodeView(View):
    """Three runnable snippets of the current state, each with Copy and Download.

    Data source (named, so browser tests read what the page holds):

    * ``code-snippets``: one row per framework, columns ``key`` (``numpy``,
      ``pytorch``, ``jax``), ``framework`` ("NumPy", …), ``filename`` and ``code``
      (the snippet's text, exactly what its ``<pre>`` shows and its Copy button copies).

    Each snippet is a ``<pre class="snippet" data-framework="numpy|pytorch|jax">``
    whose first line is ``# NumPy``, ``# PyTorch`` or ``# JAX``. The snippets follow
    the model's logits, noise and τ (τ as Python has it: the slider's value on
    release) and the view's ``hard``.
    """

    slug = "code"
    title = "Code"
    caption = CAPTION

    hard = param.Boolean(False, doc="Also write the one-hot y_hard and the straight-through y_st.")

    def __init__(self, **params):
        super().__init__(**params)
        self.snippets = self._snippets()
        self.source = ColumnDataSource(name="code-snippets", data=self._data())
        self.summary = prose(self._summary())
        self.copy_status = pn.widgets.StaticText(
            value=COPY_IDLE, css_classes=["copy-status"], sizing_mode="stretch_width"
        )
        self.blocks = {
            s.key: pn.widgets.StaticText(
                value=pre_html(s),
                css_classes=[f"snippet-{s.key}"],
                stylesheets=[static_text("code.css")],
                sizing_mode="stretch_width",
            )
            for s in self.snippets
        }
        self.copy_buttons = {}
        self.downloads = {}
        for s in self.snippets:
            button = pn.widgets.Button(label=f"Copy {s.framework} code", width=170)
            self.browser_callback(
                button,
                clicks=static_text("copy_snippet.js"),
                args={"snippets": self.source, "key": s.key, "status": self.copy_status},
            )
            self.copy_buttons[s.key] = button
            self.downloads[s.key] = pn.widgets.FileDownload(
                callback=lambda key=s.key: io.StringIO(self.code(key)),
                filename=s.filename,
                label=f"Download {s.filename}",
                width=260,
            )
        self.hard_box = pn.widgets.Checkbox.from_param(
            self.param.hard,
            name="hard: add y_hard and the straight-through y_st",
            css_classes=["hard-toggle"],
        )
        self.model.param.watch(self._refresh, ["logits", "noise", "tau", "y"])
        self._layout = self._make_layout()

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout

    def code(self, key: str) -> str:
        """The current code of snippet ``key`` (``numpy``, ``pytorch`` or ``jax``)."""
        return next(s.code for s in self.snippets if s.key == key)

    # ------------------------------------------------------------------ updating

    def _snippets(self) -> tuple[Snippet, Snippet, Snippet]:
        m = self.model
        return snippets(m.logits, m.noise, m.tau, self.hard)

    def _data(self) -> dict[str, list[str]]:
        return {column: [getattr(s, column) for s in self.snippets] for column in SOURCE_COLUMNS}

    def _summary(self) -> str:
        m = self.model
        return state_sentence(m.probabilities, m.y, m.tau, m.drawn_class, self.hard)

    @param.depends("hard", watch=True)
    def _refresh(self, *_events: param.parameterized.Event) -> None:
        self.snippets = self._snippets()
        with pn.io.hold():
            self.source.data = self._data()
            for s in self.snippets:
                self.blocks[s.key].value = pre_html(s)
            self.summary.value = self._summary()

    # ------------------------------------------------------------------ layout

    def _make_layout(self) -> pn.Column:
        parts: list[pn.viewable.Viewable] = [
            prose(self.caption),
            self.hard_box,
            self.summary,
            self.copy_status,
        ]
        for s in self.snippets:
            parts += [
                pn.FlexBox(
                    self.copy_buttons[s.key],
                    self.downloads[s.key],
                    align_items="center",
                    sizing_mode="stretch_width",
                ),
                self.blocks[s.key],
            ]
        return pn.Column(*parts, sizing_mode="stretch_width")
