"""What every view shares: the View base class, the palette, figure defaults, and
the helper that runs heavy work off the server's event loop."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from importlib.resources import files
from typing import ClassVar, Generic, TypeVar

import panel as pn
import param
from bokeh.model import Model
from bokeh.models import ColumnDataSource, CustomJS, Grid, HoverTool, Legend
from bokeh.plotting import figure
from panel.links import Callback
from panel.models.katex import KaTeX
from panel.viewable import Viewer

from ..model import GumbelSoftmaxModel

T = TypeVar("T")

# --------------------------------------------------------------------------- palette

# Okabe-Ito: distinguishable with every common colour-vision deficiency.
PI_COLOR = "#0072B2"
Y_COLOR = "#E69F00"
DRAWN_COLOR = "#009E73"
ALERT_COLOR = "#D55E00"
MUTED_COLOR = "#777777"
INK_COLOR = "#333333"
#: One colour per class, the pale yellow last; classes 9 to 12 repeat them, dashed.
CLASS_COLORS = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442",
)  # fmt: skip


def class_color(index: int) -> str:
    """The colour of class ``index`` (0-based), shared by every per-class line."""
    return CLASS_COLORS[index % len(CLASS_COLORS)]


def class_dash(index: int) -> str:
    """Solid for the first eight classes, dashed for the ones that reuse a colour."""
    return "solid" if index < len(CLASS_COLORS) else "dashed"


def class_labels(k: int) -> list[str]:
    """The class names shown on every axis: "1" … "k"."""
    return [str(i + 1) for i in range(k)]


# --------------------------------------------------------------------------- text


@cache
def static_text(name: str) -> str:
    """A file shipped in ``gumbel_viz/static`` (scripts, stylesheets, the page template)."""
    return files("gumbel_viz").joinpath("static", name).read_text()


def widget_style() -> dict[str, object]:
    """What a plain Bokeh widget needs to sit among Panel's: Panel's margin and the
    page's colours (``static/widgets.css``; Panel's design gives its own widgets the
    same rules). A string, not a stylesheet model: nothing more to build or send."""
    return {"margin": (5, 10), "stylesheets": [static_text("widgets.css")]}


def set_from_python(model: Model, **properties: object) -> None:
    """Change a plain Bokeh model from any callback, Panel's included.

    Panel runs its widgets' callbacks without Bokeh's document lock, and a Bokeh
    model changed there outside ``pn.io.hold()`` breaks the session's next write
    (seen: "_pending_writes should be non-None"); the hold sends the change safely.
    """
    with pn.io.hold():
        model.update(**properties)


def pressed(index: object, count: int) -> int | None:
    """A button group's ``active`` as the browser sent it: an index below ``count``,
    or None for anything else (a tampered message)."""
    return index if isinstance(index, int) and index in range(count) else None


def prose(html: str) -> pn.widgets.StaticText:
    """A paragraph of trusted, static HTML.

    A Bokeh ``Div`` rather than a Markdown pane: Panel's HTML models make every
    page load MathJax (1.8 MB of JavaScript), which nothing here needs.
    """
    return pn.widgets.StaticText(value=html, sizing_mode="stretch_width")


def message_html(text: str, ok: bool) -> str:
    """A verdict in the page's text colours (readable in both themes, ``page.css``);
    ``text`` must already be escaped."""
    colour = "var(--gsx-ok, #006d4f)" if ok else "var(--gsx-bad, #a83a00)"
    return f'<span class="verdict" style="color: {colour}">{text}</span>'


def wrapping(widget: pn.widgets.Widget) -> pn.widgets.Widget:
    """A button group whose buttons wrap onto more lines on a narrow screen."""
    widget.stylesheets = [*widget.stylesheets, static_text("buttons.css")]
    return widget


def chart_card(fig: figure, basis: int = 420) -> pn.Column:
    """A chart for a wrapping row of charts: two side by side on a wide screen, one on a
    phone (it grows from ``basis`` px and never shrinks below 300)."""
    return pn.Column(
        pn.pane.Bokeh(fig, sizing_mode="stretch_width"),
        sizing_mode="stretch_width",
        styles={"flex": f"1 1 {basis}px"},
        min_width=300,
    )


def controls_row(*objects: pn.viewable.Viewable, **options: object) -> pn.FlexBox:
    """A row of controls that wraps onto more lines on a narrow screen (no page scroll)."""
    defaults = {"flex_wrap": "wrap", "align_items": "flex-end", "sizing_mode": "stretch_width"}
    return pn.FlexBox(*objects, **{**defaults, **options})


class KaTeXPane(pn.pane.LaTeX):
    """A LaTeX pane drawn by KaTeX, which ``static/math.js`` loads once the page is up.

    Panel's own pane asks for ``pn.extension("katex")``, which puts KaTeX's 277 kB
    of JavaScript in every page (~180 ms of each load's main thread), and warns in
    the server log for each pane built without it. The landing view has no math.
    """

    def _get_model_type(self, root: object, comm: object) -> type[KaTeX]:
        return KaTeX


def math_pane(text: str = "", **options: object) -> pn.pane.LaTeX:
    """HTML with ``$…$`` math typeset by KaTeX (not MathJax), in a math font."""
    return KaTeXPane(
        text,
        renderer="katex",
        sizing_mode="stretch_width",
        stylesheets=[static_text("math.css")],
        **options,
    )


# --------------------------------------------------------------------------- figures

#: Sources with this tag take part in linked highlighting (``static/highlight.js``).
BY_CLASS = "by-class"
#: How the highlighted class's bars are drawn (a hover glyph's own properties).
HIGHLIGHT_BAR = {"line_color": INK_COLOR, "line_width": 3, "fill_alpha": 1.0, "line_alpha": 1.0}
#: The same, as glyph-method keywords: how a renderer of a class source draws the
#: highlighted class, outlined and opaque.
HIGHLIGHT = {f"hover_{name}": value for name, value in HIGHLIGHT_BAR.items()}
HIGHLIGHT_LINE = {"hover_line_width": 6, "hover_line_alpha": 1.0}


def class_source(name: str, data: dict[str, object]) -> ColumnDataSource:
    """A named source of one row per class (column ``cls``: "1" … "k"), highlightable."""
    return ColumnDataSource(name=name, data=data, tags=[BY_CLASS])


def follow_class_hover(fig: figure, tooltips: list[tuple[str, str]] | None = None,
                       renderers: list | None = None) -> HoverTool:  # fmt: skip
    """Pointing at a class in ``fig`` highlights it in every chart (in the browser)."""
    hover = HoverTool(
        tooltips=tooltips,
        renderers=renderers if renderers is not None else "auto",
        callback=CustomJS(code="window.gsxHover && window.gsxHover(cb_data)"),
    )
    fig.add_tools(hover)
    fig.js_on_event(
        "mouseleave", CustomJS(code="window.gsxHighlight && window.gsxHighlight(null)")
    )
    return hover


def new_figure(name: str, **options: object) -> figure:
    """A figure with the explorer's defaults: full width, no toolbar, no tools, no title.

    Tools are added where a chart uses them (a hover), and a title where it has one:
    each default tool (and an empty title) is a model the browser must build and the
    page never shows.
    """
    defaults = {
        "sizing_mode": "stretch_width",
        "toolbar_location": None,
        "tools": "",
        "title": None,
    }
    return figure(name=name, **{**defaults, **options})


def drop_grid(fig: figure, axes: str = "xy") -> None:
    """Remove ``fig``'s grid lines across the ``axes`` named ("x", "y" or "xy").

    Removed, not hidden: a hidden grid is still a model in every session's document
    and a renderer the browser positions again at every repaint of the chart.
    """
    dimensions = {"xy".index(axis) for axis in axes}
    fig.center = [r for r in fig.center if not (isinstance(r, Grid) and r.dimension in dimensions)]


def legend_above(fig: figure, legend: Legend | None = None, **style: object) -> Legend:
    """Move ``legend`` (the figure's own by default) above the plot, in one row."""
    legend = fig.legend[0] if legend is None else legend
    legend.update(orientation="horizontal", **style)
    fig.add_layout(legend, "above")
    return legend


# --------------------------------------------------------------------------- views


class View(Viewer):
    """One tab of the explorer: a view of the session's model.

    Subclasses set ``slug`` (its ``view=`` name in links), ``title`` (the tab) and
    ``caption`` (what to look for), and are built with ``View(model=…, main=…,
    session=…)``: ``main`` is the session's main chart (its ``bars`` source and
    ``tau_slider``), ``session`` the explorer, for a view that opens others (the tour).

    A view whose settings travel in links lists them in ``link_params``
    (parameter name -> query name), reads them from a query in
    :meth:`settings_from_link` and is then built with those settings.
    """

    slug: ClassVar[str] = ""
    title: ClassVar[str] = ""
    caption: ClassVar[str] = ""
    link_params: ClassVar[dict[str, str]] = {}

    model = param.ClassSelector(class_=GumbelSoftmaxModel, constant=True)
    main = param.Parameter(None, constant=True, doc="The session's main chart.")
    session = param.Parameter(None, constant=True, doc="The session's explorer.")

    def __init__(self, **params):
        super().__init__(**params)
        self._browser_callback_widgets: list[pn.widgets.Widget] = []

    def browser_callback(
        self, widget: pn.widgets.Widget, args: dict[str, object], **code: str
    ) -> None:
        """``widget.jscallback(args=args, **code)``, forgotten by :meth:`close`.

        Panel keeps browser callbacks in a class-level registry, keyed weakly by
        the widget but holding the arguments strongly: an argument that leads
        back to the widget (a source this view listens to, a widget it watches)
        would keep the closed session alive for good (measured: every session).
        """
        widget.jscallback(args=args, **code)
        self._browser_callback_widgets.append(widget)

    def close(self) -> None:
        """The session has ended: drop what class-level registries hold of this view."""
        for widget in self._browser_callback_widgets:
            Callback.registry.pop(widget, None)
        self._browser_callback_widgets.clear()

    @classmethod
    def settings_from_link(cls, query: dict[str, str], notices: list[str]) -> dict[str, object]:
        """The valid values of ``link_params`` in ``query``; each refusal adds a notice."""
        return {}

    def link_values(self) -> dict[str, str]:
        """The query entries of this view's settings: ``{query name: text}``."""
        return {query: str(getattr(self, name)) for name, query in self.link_params.items()}


class Worker(param.Parameterized, Generic[T]):
    """Runs a view's heavy computation in a thread, off the server's event loop.

    ``prepare()`` runs on the event loop, reads the inputs and returns the job,
    a function of no arguments that runs in a worker thread; ``show(result)``
    runs on the event loop afterwards. A job that returns a generator streams:
    each value it yields is computed in the thread and shown, at most once per
    ``interval`` seconds (the last always), until it ends or :meth:`stop` is
    pressed. One run at a time. While it runs the ``button`` says ``busy_label``
    and it and the ``controls`` are disabled: a label rather than Panel's loading
    spinner, whose restyling made every run ~100 ms slower to appear. A result
    whose inputs changed meanwhile (:meth:`invalidate`) is dropped; with
    ``rerun_stale`` the job then runs again on the new inputs.
    """

    busy = param.Boolean(False, constant=True, doc="A job is running.")

    def __init__(
        self,
        prepare: Callable[[], Callable[[], T | Iterator[T]]],
        show: Callable[[T], None],
        *,
        button: pn.widgets.Button | None = None,
        busy_label: str = "Running…",
        controls: Sequence[pn.widgets.Widget] = (),
        rerun_stale: bool = False,
        interval: float = 0.1,
    ) -> None:
        super().__init__()
        self._prepare, self._show = prepare, show
        self._button, self._busy_label, self._controls = button, busy_label, controls
        self._idle_label = button.label if button is not None else ""
        self._rerun_stale, self._interval = rerun_stale, interval
        self._generation = 0
        self._stopping = False

    async def run(self) -> None:
        """Run the job now (or, if one is running, leave it to that run)."""
        if self.busy:
            return
        self._set_busy(True)
        try:
            while True:
                generation = self._generation
                result = await asyncio.to_thread(self._prepare())
                if isinstance(result, Iterator):
                    result = await self._stream(result, generation)
                if generation == self._generation:
                    if result is not _NOTHING:
                        self._show(result)
                    break
                if not self._rerun_stale:
                    break
        finally:
            self._stopping = False
            self._set_busy(False)

    async def _stream(self, values: Iterator[T], generation: int) -> T | object:
        """Draw each value in the thread; show them as they come, throttled."""
        last, shown_at = _NOTHING, -math.inf
        try:
            while not self._stopping and generation == self._generation:
                value = await asyncio.to_thread(next, values, _NOTHING)
                if value is _NOTHING:
                    break
                last = value
                if time.monotonic() - shown_at >= self._interval:
                    self._show(value)
                    shown_at = time.monotonic()
        finally:
            if close := getattr(values, "close", None):  # a generator: end it now
                close()
        return last

    def stop(self) -> None:
        """End a streaming job after the value it is computing; that value is shown."""
        if self.busy:
            self._stopping = True

    def invalidate(self) -> None:
        """The inputs changed: a result now being computed is stale."""
        self._generation += 1

    def request(self) -> None:
        """The inputs changed: drop a running result and compute again on the new inputs."""
        self.invalidate()
        if not self.busy:
            pn.state.execute(self.run)

    def _set_busy(self, busy: bool) -> None:
        with param.edit_constant(self):
            self.busy = busy
        if self._button is not None:
            label = self._busy_label if busy else self._idle_label
            self._button.param.update(disabled=busy, label=label)
        for control in self._controls:
            control.disabled = busy


_NOTHING = object()  # a stream that yielded nothing yet
