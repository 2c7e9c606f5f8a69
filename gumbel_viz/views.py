"""Views of a :class:`GumbelSoftmaxModel`: each builds its figures once and updates data."""

from __future__ import annotations

from importlib.resources import files

import numpy as np
import panel as pn
import param
from bokeh.models import (
    ColumnDataSource,
    CustomJSTickFormatter,
    HoverTool,
    Range1d,
)
from bokeh.plotting import figure
from bokeh.transform import dodge
from panel.viewable import Viewer

from . import engine
from .model import TAU_BOUNDS, GumbelSoftmaxModel

# Okabe-Ito: distinguishable with every common colour-vision deficiency.
PI_COLOR = "#0072B2"
Y_COLOR = "#E69F00"
DRAWN_COLOR = "#009E73"

STATIC = files("gumbel_viz").joinpath("static")
RELAX_TAU_JS = STATIC.joinpath("relax_tau.js").read_text()
READOUTS_CSS = STATIC.joinpath("readouts.css").read_text()


def prose(html: str) -> pn.widgets.StaticText:
    """A paragraph of trusted, static HTML.

    A Bokeh ``Div`` rather than a Markdown pane: Panel's HTML models make every
    page load MathJax (1.8 MB of JavaScript), which nothing here needs.
    """
    return pn.widgets.StaticText(value=html, sizing_mode="stretch_width")


def class_labels(k: int) -> list[str]:
    return [str(i + 1) for i in range(k)]


def readout_html(model: GumbelSoftmaxModel) -> str:
    """The readout line; ``static/relax_tau.js`` renders the same text in the browser."""
    items = [
        ("τ", f"{model.tau:.4f}"),
        ("drawn class", str(model.drawn_class + 1)),
        ("max y", f"{model.y.max():.4f}"),
        ("H(y)", f"{engine.entropy(model.y):.3f} nats"),
        ("H(π)", f"{engine.entropy(model.probabilities):.3f} nats"),
    ]
    return "".join(
        f'<span class="readout"><b>{label}</b> {value}</span>' for label, value in items
    )


class SampleView(Viewer):
    """Grouped bars of pi and y per class, the drawn class shaded, and readouts.

    Its data source is named ``sample-bars`` (columns ``cls, pi, y, logit, g``)
    so browser tests read exactly what is drawn. Moving the tau slider runs
    ``static/relax_tau.js`` in the browser; Python pushes data only when pi or
    the noise change.
    """

    model = param.ClassSelector(class_=GumbelSoftmaxModel)

    def __init__(self, **params):
        super().__init__(**params)
        self.bars = ColumnDataSource(name="sample-bars", data=self._bar_data())
        self.drawn = ColumnDataSource(name="drawn-class", data=self._drawn_data())
        self.readouts = pn.widgets.StaticText(
            value=readout_html(self.model),
            css_classes=["readouts"],
            stylesheets=[READOUTS_CSS],
            sizing_mode="stretch_width",
        )
        self.figure = sample_figure(self.bars, self.drawn, self.model.k)
        self.model.param.watch(self.refresh, ["probabilities", "noise"])

    def link_tau_slider(self, slider: pn.widgets.FloatSlider) -> None:
        """Recompute y in the browser whenever ``slider`` (log10 tau) moves."""
        slider.jscallback(
            args={"bars": self.bars, "readouts": self.readouts}, value=RELAX_TAU_JS
        )

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(
            self.readouts,
            pn.pane.Bokeh(self.figure, sizing_mode="stretch_width"),
            sizing_mode="stretch_width",
        )

    def _bar_data(self) -> dict[str, object]:
        m = self.model
        return {
            "cls": class_labels(m.k),
            "pi": m.probabilities,
            "y": m.y,
            "logit": m.logits,
            "g": m.noise,
        }

    def _drawn_data(self) -> dict[str, list]:
        return {"cls": [str(self.model.drawn_class + 1)], "top": [1.0]}

    def refresh(self, *_events: param.parameterized.Event) -> None:
        """Push the model's state to the chart (tau changes are drawn by the browser)."""
        with pn.io.hold():
            self.figure.x_range.factors = class_labels(self.model.k)
            self.bars.data = self._bar_data()
            self.drawn.data = self._drawn_data()
            self.readouts.value = readout_html(self.model)


def sample_figure(bars: ColumnDataSource, drawn: ColumnDataSource, k: int) -> figure:
    """Grouped bars of ``pi`` and ``y`` per class from ``bars``, the drawn class
    (``drawn``) shaded behind them; y axis fixed to [0, 1]."""
    fig = figure(
        name="sample-chart",
        x_range=class_labels(k),
        y_range=Range1d(0, 1, bounds=(0, 1)),
        height=380,
        sizing_mode="stretch_width",
        toolbar_location=None,
        x_axis_label="class k",
        y_axis_label="probability",
    )
    fig.vbar(
        x="cls", top="top", width=0.9, source=drawn, color=DRAWN_COLOR,
        alpha=0.15, line_alpha=0.6, line_dash="dashed", legend_label="drawn class",
    )
    pi_bars = fig.vbar(
        x=dodge("cls", -0.19, range=fig.x_range), top="pi", width=0.36,
        source=bars, color=PI_COLOR, legend_label="π (true)",
    )
    y_bars = fig.vbar(
        x=dodge("cls", 0.19, range=fig.x_range), top="y", width=0.36,
        source=bars, color=Y_COLOR, legend_label="y (relaxed)",
    )
    fig.add_tools(
        HoverTool(
            renderers=[pi_bars, y_bars],
            tooltips=[
                ("class", "@cls"),
                ("π", "@pi{0.00000}"),
                ("y", "@y{0.00000}"),
                ("log π", "@logit{0.0000}"),
                ("g", "@g{0.0000}"),
            ],
        )
    )
    fig.xgrid.grid_line_color = None
    fig.legend.orientation = "horizontal"
    fig.legend.location = "top_left"
    fig.legend.click_policy = "hide"
    fig.add_layout(fig.legend[0], "above")
    return fig


def tau_formatter() -> CustomJSTickFormatter:
    """Shows a log10(tau) slider's value as tau itself."""
    return CustomJSTickFormatter(code="return (10 ** tick).toPrecision(3)")


def tau_slider(owner: param.Parameterized) -> pn.widgets.FloatSlider:
    """A slider over ``owner.log10_tau`` whose title shows tau itself."""
    return pn.widgets.FloatSlider.from_param(
        owner.param.log10_tau,
        name="Temperature τ (log scale)",
        step=0.01,
        throttled=True,
        format=tau_formatter(),
        sizing_mode="stretch_width",
    )


LOG10_TAU_BOUNDS = tuple(float(np.log10(t)) for t in TAU_BOUNDS)
