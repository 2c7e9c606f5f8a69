"""The main chart: π and the relaxed sample y per class, its readouts and the τ slider.

Dragging τ is the hottest interaction of the app, so it runs in the browser:
``static/relax_tau.js`` recomputes y from the log π and g already on the page.
Python stays the source of truth: it recomputes y itself from the throttled
slider value, and pushes new data when π or the noise change.

The slider, the readouts and the chart are plain Bokeh models in one pane: a Panel
widget costs 2–4 ms of every session's build to wrap its Bokeh model (README,
Benchmarks). ``static/widgets.css`` gives them the page's colours.
"""

from __future__ import annotations

import contextlib
import math

import panel as pn
import param
from bokeh.layouts import column
from bokeh.model import Model
from bokeh.models import (
    CheckboxButtonGroup,
    ColumnDataSource,
    CustomJS,
    CustomJSTickFormatter,
    GlyphRenderer,
    Pane,
    Range1d,
    Slider,
    VBar,
)
from bokeh.models.dom import HTML, Span, Text
from bokeh.plotting import figure
from bokeh.transform import dodge

from .. import core
from ..model import TAU_BOUNDS, GumbelSoftmaxModel
from .base import (
    DRAWN_COLOR,
    HIGHLIGHT_BAR,
    PI_COLOR,
    Y_COLOR,
    View,
    class_labels,
    class_source,
    drop_grid,
    follow_class_hover,
    new_figure,
    set_from_python,
    static_text,
    widget_style,
)

LOG10_TAU_BOUNDS = tuple(math.log10(t) for t in TAU_BOUNDS)
#: The band behind the drawn class: light, outlined in dashes.
DRAWN_BAND = {"fill_alpha": 0.15, "line_alpha": 0.6, "line_dash": "dashed"}
BAR_COLUMNS = ("cls", "pi", "y", "logit", "g")
#: The readouts that move with τ, in the order ``static/relax_tau.js`` sets them.
LIVE_READOUTS = ("τ", "max y", "H(y)")


def readout_items(model: GumbelSoftmaxModel) -> list[tuple[str, str]]:
    """The readouts as (label, value); ``static/relax_tau.js`` formats the live ones
    (:data:`LIVE_READOUTS`) the same in the browser."""
    return [
        ("τ", f"{model.tau:.4f}"),
        ("drawn class", str(model.drawn_class + 1)),
        ("max y", f"{model.y.max():.4f}"),
        ("H(y)", f"{core.entropy(model.y):.3f} nats"),
        ("H(π)", f"{core.entropy(model.probabilities):.3f} nats"),
    ]


def bar_data(model: GumbelSoftmaxModel) -> dict[str, object]:
    """The columns of the ``sample-bars`` source, :data:`BAR_COLUMNS`."""
    return {
        "cls": class_labels(model.k),
        "pi": model.probabilities,
        "y": model.y,
        "logit": model.logits,
        "g": model.noise,
    }


def drawn_data(model: GumbelSoftmaxModel) -> dict[str, list]:
    """The ``drawn-class`` source: the shaded band behind the drawn class."""
    return {"cls": [str(model.drawn_class + 1)], "top": [1.0]}


def tau_formatter() -> CustomJSTickFormatter:
    """Shows a log10(tau) slider's value as tau itself."""
    return CustomJSTickFormatter(code="return (10 ** tick).toPrecision(3)")


def tau_slider(model: GumbelSoftmaxModel, **options: object) -> Slider:
    """The τ slider: its value is log10(τ), its title shows τ itself."""
    return Slider(
        title="Temperature τ (log scale)",
        start=LOG10_TAU_BOUNDS[0],
        end=LOG10_TAU_BOUNDS[1],
        step=0.01,
        value=math.log10(model.tau),
        format=tau_formatter(),
        sizing_mode="stretch_width",
        **options,
    )


def readouts_node(model: GumbelSoftmaxModel) -> HTML:
    """The readouts (:func:`readout_items`) as a Bokeh DOM node, one chip per number;
    lay it out with :func:`readouts_pane`.

    The numbers that move with τ (:data:`LIVE_READOUTS`) are text nodes of their own
    (:func:`live_readouts`), which ``static/relax_tau.js`` sets at every step: a text
    node's new content is the whole update, where new html is parsed and its nodes
    replaced (1 ms of each step, README).
    """
    node = HTML(refs=[Span(children=[Text()]) for _ in LIVE_READOUTS])
    set_readouts(node, model)
    return node


def live_readouts(node: HTML) -> list[Text]:
    """The text nodes of ``node``'s :data:`LIVE_READOUTS`, in that order."""
    return [span.children[0] for span in node.refs]


def set_readouts(node: HTML, model: GumbelSoftmaxModel) -> None:
    """Show ``model``'s readouts in ``node`` (from :func:`readouts_node`)."""
    live = dict(zip(LIVE_READOUTS, node.refs, strict=True))
    chips = []
    for label, value in readout_items(model):
        if (span := live.get(label)) is not None:
            text = span.children[0]
            text.content = value
            # The browser sets these as τ moves without telling the server, so
            # the page may show other numbers than Python's copy: always send.
            text.trigger("content", value, value)
            value = f'<ref id="{span.id}"></ref>'
        chips.append(f'<span class="readout"><b>{label}</b> {value}</span>')
    node.html = "".join(chips)


def readouts_pane(readouts: HTML) -> Pane:
    """``readouts`` on the page: a Bokeh ``Pane`` of css class ``readouts``.

    A DOM node in a ``Pane``, not a ``Div``: a ``Div`` whose text changes renders
    itself again, installs its stylesheets again and lays out the whole layout it is
    in, chart included, in forced synchronous layouts, at every step of τ. A DOM
    node's text changes in place, and the browser lays it out in the frame.
    """
    return Pane(
        elements=[readouts],
        css_classes=["readouts"],
        stylesheets=[static_text("readouts.css")],  # a string: no model to build and send
    )


def relax_on_slide(slider: Slider, bars: ColumnDataSource, readouts: HTML) -> None:
    """Redraw y and the readouts in the browser as ``slider`` moves (``relax_tau.js``)."""
    code = static_text("relax_tau.js")
    args = {"bars": bars, "readouts": live_readouts(readouts)}
    slider.js_on_change("value", CustomJS(args=args, code=code))


class SampleView(View):
    """Grouped bars of π and y per class, the drawn class shaded, readouts, the τ slider.

    Its data source is named ``sample-bars`` (columns :data:`BAR_COLUMNS`) so browser
    tests read exactly what is drawn. The slider (a Bokeh ``Slider``, laid out by the
    explorer in its sidebar) moves ``log10_tau``; moving it runs
    ``static/relax_tau.js`` in the browser, and its throttled value sets ``model.tau``
    (a value outside the slider's range, or not a number, is refused and put back).
    Dragging a π bar (``static/drag_pi.js``) or the chart's keys
    (``static/main_chart.js``) redraw π and y in the browser and send the new π
    through ``drag-pi`` to :meth:`GumbelSoftmaxModel.set_probabilities`.
    """

    title = "The draw"
    log10_tau = param.Number(0.0, bounds=LOG10_TAU_BOUNDS, doc="log10 of tau.")

    def __init__(self, **params):
        super().__init__(**params)
        self.log10_tau = math.log10(self.model.tau)
        self.bars = class_source("sample-bars", bar_data(self.model))
        self.drawn = ColumnDataSource(name="drawn-class", data=drawn_data(self.model))
        self.readouts = readouts_node(self.model)
        self.figure, self.legend = sample_chart(self.bars, self.drawn, self.model.k)
        self.dragged = ColumnDataSource(name="drag-pi", data={"pi": [], "time": []})
        drag = CustomJS(args={"dragged": self.dragged}, code=static_text("drag_pi.js"))
        for event in ("panstart", "pan", "panend"):
            self.figure.js_on_event(event, drag)
        self.dragged.on_change("data", self._on_drag)
        self.tau_slider = tau_slider(self.model, **widget_style())
        relax_on_slide(self.tau_slider, self.bars, self.readouts)
        self.tau_slider.on_change("value_throttled", self._on_slider)
        self.model.param.watch(self.refresh, ["probabilities", "noise"])

    def __panel__(self) -> pn.viewable.Viewable:
        return self.pane()

    def pane(self, *below: Model) -> pn.pane.Bokeh:
        """The readouts and the chart, with the Bokeh models ``below`` under them, in
        one pane (each pane is work in every session's build)."""
        readouts = readouts_pane(self.readouts)
        layout = column(readouts, self.legend, self.figure, *below, sizing_mode="stretch_width")
        return pn.pane.Bokeh(layout, sizing_mode="stretch_width")

    def _on_slider(self, _attr: str, _old: object, new: object) -> None:
        """The slider released in the browser: a log10(τ) in its range, or refused."""
        with contextlib.suppress(TypeError, ValueError):  # the parameter's bounds refuse
            self.log10_tau = float(new)
        self.tau_slider.value = self.log10_tau  # put back what was refused

    @param.depends("log10_tau", watch=True)
    def _tau_from_slider(self) -> None:
        if math.isclose(math.log10(self.model.tau), self.log10_tau, abs_tol=1e-12):
            return  # already there: keep tau exactly as set (e.g. 0.3 from a link)
        low, high = self.model.param.tau.bounds
        self.model.tau = min(max(10**self.log10_tau, low), high)

    @param.depends("model.tau", watch=True)
    def _slider_from_tau(self) -> None:
        target = math.log10(self.model.tau)
        if not math.isclose(self.log10_tau, target, abs_tol=1e-12):
            self.log10_tau = target
        if self.tau_slider.value != self.log10_tau:
            set_from_python(self.tau_slider, value=self.log10_tau)

    def _on_drag(self, _attr: str, _old: object, new: dict) -> None:
        """π dragged or keyed in the browser: the same validated path as typed π."""
        try:
            self.model.set_probabilities(list(new.get("pi", [])))
        except ValueError:
            self.refresh()  # the browser shows a π Python refused: put back the model's

    def refresh(self, *_events: param.parameterized.Event) -> None:
        """Push the model's state to the chart (tau changes are drawn by the browser)."""
        with pn.io.hold():
            self.figure.x_range.factors = class_labels(self.model.k)
            self.bars.data = bar_data(self.model)
            self.drawn.data = drawn_data(self.model)
            set_readouts(self.readouts, self.model)


def sample_chart(
    bars: ColumnDataSource, drawn: ColumnDataSource, k: int
) -> tuple[figure, CheckboxButtonGroup]:
    """Grouped bars of ``pi`` and ``y`` per class from ``bars``, the drawn class
    (``drawn``) shaded behind them, y axis fixed to [0, 1]; and its legend
    (:func:`chart_legend`), to lay out above it."""
    fig = new_figure(
        "sample-chart",
        x_range=class_labels(k),
        y_range=Range1d(0, 1, bounds=(0, 1)),
        height=380,
        x_axis_label="class k",
        y_axis_label="probability",
    )
    band = _bars(fig, drawn, "cls", "top", 0.9, DRAWN_COLOR, **DRAWN_BAND)
    pi_bars = _bars(fig, bars, dodge("cls", -0.19, range=fig.x_range), "pi", 0.36, PI_COLOR,
                    highlight=True)  # fmt: skip
    y_bars = _bars(fig, bars, dodge("cls", 0.19, range=fig.x_range), "y", 0.36, Y_COLOR,
                   highlight=True)  # fmt: skip
    tooltips = [
        ("class", "@cls"),
        ("π", "@pi{0.00000}"),
        ("y", "@y{0.00000}"),
        ("log π", "@logit{0.0000}"),
        ("g", "@g{0.0000}"),
    ]
    follow_class_hover(fig, tooltips, renderers=[pi_bars, y_bars])
    drop_grid(fig, "x")
    entries = [("drawn class", band), ("π (true)", pi_bars), ("y (relaxed)", y_bars)]
    return fig, chart_legend(entries)


def chart_legend(entries: list[tuple[str, GlyphRenderer]]) -> CheckboxButtonGroup:
    """A legend of toggle buttons, one per (label, renderer) of ``entries``: each
    shows its renderer's colours (``static/legend.css``) and hides or shows it.

    Buttons, not a Bokeh ``Legend``: the chart repaints at every step of τ, and a
    ``Legend`` is painted and laid out again with it (0.9 ms of a 4.4 ms repaint,
    README); a ``Legend`` cannot be reached from the keyboard either.
    """
    swatches = "".join(
        f":host .bk-btn:nth-child({i}) {{ {_swatch_css(renderer.glyph)} }}\n"
        for i, (_, renderer) in enumerate(entries, start=1)
    )
    legend = CheckboxButtonGroup(
        labels=[label for label, _ in entries],
        active=list(range(len(entries))),
        css_classes=["chart-legend"],
        stylesheets=[static_text("legend.css"), swatches],
        margin=(0, 10),
    )
    renderers = [renderer for _, renderer in entries]
    show = "renderers.forEach((r, i) => { r.visible = cb_obj.active.includes(i) })"
    legend.js_on_change("active", CustomJS(args={"renderers": renderers}, code=show))
    return legend


def _swatch_css(glyph: VBar) -> str:
    """The CSS variables of a legend swatch drawn like ``glyph`` (hex colours)."""
    border = "dashed" if glyph.line_dash == "dashed" else "solid"
    return (
        f"--swatch: {_with_alpha(glyph.fill_color, glyph.fill_alpha)}; "
        f"--swatch-line: {_with_alpha(glyph.line_color, glyph.line_alpha)}; "
        f"--swatch-border: {border};"
    )


def _with_alpha(hex_color: str, alpha: float) -> str:
    """``#rrggbb`` and an opacity as ``#rrggbbaa``."""
    return f"{hex_color}{round(alpha * 255):02x}"


def _bars(
    fig: figure, source: ColumnDataSource, x: object, top: str, width: float, color: str,
    highlight: bool = False, **visuals: object,
) -> GlyphRenderer:  # fmt: skip
    """``fig.vbar`` without the non-selection and muted copies of the glyph that
    Bokeh's glyph methods add (nothing selects or mutes here): a renderer of two
    models fewer to build and send with every session. ``highlight``: the class
    highlighted in every chart is drawn opaque and outlined (its hover glyph)."""
    style = {"fill_color": color, "line_color": color, **visuals}
    glyph = VBar(x=x, top=top, width=width, **style)
    hover = VBar(x=x, top=top, width=width, **{**style, **HIGHLIGHT_BAR}) if highlight else None
    return fig.add_glyph(source, glyph, hover_glyph=hover)
