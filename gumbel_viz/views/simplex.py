"""The Concrete density on the simplex: a ternary plot for k = 3, a curve for k = 2."""

from __future__ import annotations

import math

import numpy as np
import panel as pn
import param
from bokeh.models import (
    ColorBar,
    ColumnDataSource,
    HoverTool,
    Label,
    LinearColorMapper,
    Range1d,
)
from bokeh.palettes import Viridis256
from bokeh.plotting import figure

from .. import core
from ..core import density
from ..core.streams import DEFAULT_SEED, Stream, generator
from .base import (
    DRAWN_COLOR,
    INK_COLOR,
    PI_COLOR,
    Y_COLOR,
    View,
    controls_row,
    drop_grid,
    new_figure,
    prose,
)

#: Lattice resolution of the ternary heatmap: GRID_RESOLUTION (n + 1) / 2 cells.
GRID_RESOLUTION = 100
#: Samples in the k = 3 cloud, and in the k = 2 histogram.
CLOUD_SIZE = 2000
BINARY_SAMPLES = 10**5
BINARY_BINS = 50
#: The colour scale spans this many nats below the largest log-density on the grid.
COLOR_SPAN = 10.0

CURVE_Y1 = np.linspace(0.001, 0.999, 999)

VERTEX_LABELS = (
    ("class 1", "right", "top", -4, -6),
    ("class 2", "left", "top", 4, -6),
    ("class 3", "center", "bottom", 0, 6),
)


def _convexity(tau: float, k: int) -> str:
    t = density.log_convex_threshold(k)
    where = "below" if tau <= t else "above"
    shape = (
        f"log-convex: no mode inside, the mass is pushed to the {'ends' if k == 2 else 'corners'}"
        if tau <= t
        else "not log-convex: it can have a mode inside"
    )
    return (
        f"For τ ≤ 1/(k−1) = {t:g} the density is log-convex (no interior mode). "
        f"The current τ = {tau:.3g} is <b>{where}</b> it: the density is {shape}."
    )


class SimplexView(View):
    """The Concrete density p(y) of the model's π at its τ, with samples drawn at that τ.

    k = 3: a ternary plot (vertices as in :mod:`gumbel_viz.core.density`); k = 2: the
    density of y₁ with a histogram; any other k: a message and buttons that set k.
    Figures are built once per kind, on first use, and reused.

    Data sources (named, so browser tests read what is drawn):

    * ``simplex-density``: one row per point of ``density.ternary_grid(GRID_RESOLUTION)``:
      ``x, y`` (cartesian), ``y1, y2, y3`` (barycentric) and ``logp`` (log p(y)). Empty
      when a class has π = 0 (the density then lives on a face of the simplex).
    * ``simplex-samples``: ``x, y, y1, y2, y3`` of :data:`CLOUD_SIZE` samples
      ``gumbel_softmax(logits, tau, gumbel=G)`` with G fixed per k (stream
      ``Stream.SIMPLEX`` of :data:`~gumbel_viz.core.streams.DEFAULT_SEED`).
    * ``simplex-current``: ``x, y, y1, y2, y3`` of ``model.y`` (one row).
    * ``binary-density``: ``y1``, ``density`` (p(y₁)) and ``logp`` on :data:`CURVE_Y1`.
    * ``binary-hist``: ``left, right, top`` (a density histogram of
      :data:`BINARY_SAMPLES` samples of y₁ at the current τ, :data:`BINARY_BINS` bins).
    """

    slug = "simplex"
    title = "Simplex density"

    def __init__(self, **params):
        super().__init__(**params)
        self._gumbel: dict[int, np.ndarray] = {}
        self.bary, xy = density.ternary_grid(GRID_RESOLUTION)
        self._log_bary = np.log(self.bary)
        self.density = ColumnDataSource(name="simplex-density", data=self._grid_columns(xy))
        self.samples = ColumnDataSource(name="simplex-samples", data=_points(np.empty((0, 3))))
        self.current = ColumnDataSource(name="simplex-current", data=_points(np.empty((0, 3))))
        self.binary_density = ColumnDataSource(
            name="binary-density", data={"y1": [], "density": [], "logp": []}
        )
        self.binary_hist = ColumnDataSource(
            name="binary-hist", data={"left": [], "right": [], "top": []}
        )
        self.color_mapper = LinearColorMapper(palette=Viridis256, low=-1.0, high=1.0)
        self.binary_range = Range1d(0.0, 1.0)
        self.caption = prose("")
        self.content = pn.Column(sizing_mode="stretch_width")
        self._ternary_pane: pn.pane.Bokeh | None = None
        self._binary_pane: pn.pane.Bokeh | None = None
        self._switch: pn.FlexBox | None = None
        self.model.param.watch(self._update, ["k", "tau", "probabilities", "noise"])
        self._update()

    def __panel__(self) -> pn.viewable.Viewable:
        return self.content

    # ------------------------------------------------------------------ updates

    def _update(self, *_events: param.parameterized.Event) -> None:
        m = self.model
        if m.probabilities.shape != (m.k,):
            return  # k changed, π not redrawn yet: the next event brings it
        with pn.io.hold():
            if m.k == 3:
                self._update_ternary()
                objects = [self.caption, self._ternary()]
            elif m.k == 2:
                self._update_binary()
                objects = [self.caption, self._binary()]
            else:
                self.caption.value = (
                    f"The simplex view needs k = 2 or 3 (now k = {m.k}): "
                    "its density is drawn on a line or a triangle."
                )
                objects = [self.caption, self._switch_buttons()]
            if list(self.content.objects) != objects:
                self.content.objects = objects

    def _cloud_gumbel(self, k: int, size: int) -> np.ndarray:
        """The fixed noise of this view's k-class sample cloud (drawn once per k)."""
        if k not in self._gumbel:
            rng = generator(DEFAULT_SEED, k, Stream.SIMPLEX)
            self._gumbel[k] = core.sample_gumbel(rng, (size, k))
        return self._gumbel[k]

    def _update_ternary(self) -> None:
        m = self.model
        if np.isfinite(m.logits).all():
            logp = density.concrete_log_density(self._log_bary, m.logits, m.tau)
            top = float(logp.max())
            self.color_mapper.update(low=max(float(logp.min()), top - COLOR_SPAN), high=top)
            if len(self.density.data["x"]) != logp.size:  # emptied for a π = 0 class
                self.density.data = self._grid_columns(density.to_cartesian(self.bary))
            self.density.data["logp"] = logp  # only this column changes: send only it
            note = ""
        else:
            self.density.data = {key: [] for key in self.density.data}
            note = " A class has π = 0: the density lives on an edge and is not drawn."
        y = core.gumbel_softmax(m.logits, m.tau, gumbel=self._cloud_gumbel(3, CLOUD_SIZE))
        self.samples.data = _points(y)
        self.current.data = _points(m.y[np.newaxis])
        self.caption.value = (
            f"The density of y on the triangle for the current π at τ = {m.tau:.3g} "
            f"(colour: log p(y), saturating {COLOR_SPAN:g} nats below its maximum), with "
            f"{CLOUD_SIZE} samples drawn at this τ (dots) and the current sample y (star). "
            "Small τ pushes the mass into the corners (y close to one-hot); large τ pulls "
            "it to the centre (y close to uniform). " + _convexity(m.tau, 3) + note
        )

    def _update_binary(self) -> None:
        m = self.model
        y = core.gumbel_softmax(m.logits, m.tau, gumbel=self._cloud_gumbel(2, BINARY_SAMPLES))
        top, edges = np.histogram(y[:, 0], bins=BINARY_BINS, range=(0.0, 1.0), density=True)
        self.binary_hist.data = {"left": edges[:-1], "right": edges[1:], "top": top}
        peak = float(top.max())
        if np.isfinite(m.logits).all():
            logp = density.binary_concrete_log_density(CURVE_Y1, m.logits, m.tau)
            with np.errstate(over="ignore"):
                p = np.exp(logp)
            inner = p[(CURVE_Y1 >= 0.02) & (CURVE_Y1 <= 0.98)]
            peak = max(peak, float(inner.max()))
            self.binary_density.data = {"y1": CURVE_Y1, "density": p, "logp": logp}
            note = ""
        else:
            self.binary_density.data = {"y1": [], "density": [], "logp": []}
            note = " A class has π = 0: y₁ is then 0 or 1 exactly, with no density."
        self.binary_range.update(start=0.0, end=1.15 * peak)
        self.caption.value = (
            f"The density of y₁ (y₂ = 1 − y₁) for the current π at τ = {m.tau:.3g} (line), "
            f"and a histogram of {BINARY_SAMPLES:,} samples drawn at this τ (bars). Small τ "
            "pushes the mass to 0 and 1; large τ pulls it to ½. " + _convexity(m.tau, 2) + note
        )

    # ------------------------------------------------------------------ content

    def _grid_columns(self, xy: np.ndarray) -> dict[str, np.ndarray]:
        return {
            "x": xy[:, 0],
            "y": xy[:, 1],
            "y1": self.bary[:, 0],
            "y2": self.bary[:, 1],
            "y3": self.bary[:, 2],
            "logp": np.zeros(len(xy)),
        }

    def _ternary(self) -> pn.pane.Bokeh:
        if self._ternary_pane is None:
            self._ternary_pane = pn.pane.Bokeh(self._ternary_figure(), sizing_mode="stretch_width")
        return self._ternary_pane

    def _binary(self) -> pn.pane.Bokeh:
        if self._binary_pane is None:
            self._binary_pane = pn.pane.Bokeh(self._binary_figure(), sizing_mode="stretch_width")
        return self._binary_pane

    def _switch_buttons(self) -> pn.FlexBox:
        if self._switch is None:
            to3 = pn.widgets.Button(label="Use k = 3", color="primary")
            to2 = pn.widgets.Button(label="Use k = 2")
            to3.on_click(lambda _event: self.model.param.update(k=3))
            to2.on_click(lambda _event: self.model.param.update(k=2))
            self._switch = controls_row(to3, to2)
        return self._switch

    def _ternary_figure(self) -> figure:
        h = math.sqrt(3) / 2
        fig = new_figure(
            "simplex-chart",
            sizing_mode="scale_width",  # the triangle keeps its shape on a phone
            width=560,
            height=480,
            max_width=560,
            match_aspect=True,
            x_range=Range1d(-0.12, 1.12),
            y_range=Range1d(-0.1, h + 0.1),
        )
        fig.axis.visible = False
        drop_grid(fig)
        fig.outline_line_color = None
        fill = {"field": "logp", "transform": self.color_mapper}
        cells = fig.rect(
            x="x",
            y="y",
            width=1 / GRID_RESOLUTION,
            height=h / GRID_RESOLUTION,
            source=self.density,
            fill_color=fill,
            line_color=fill,
            line_width=0.5,
        )
        corners = density.TRIANGLE_VERTICES
        fig.line(
            x=[*corners[:, 0], corners[0, 0]],
            y=[*corners[:, 1], corners[0, 1]],
            line_color=INK_COLOR,
            line_width=1.5,
        )
        for (text, align, baseline, dx, dy), (x, y) in zip(VERTEX_LABELS, corners, strict=True):
            fig.add_layout(
                Label(
                    x=x,
                    y=y,
                    text=text,
                    text_align=align,
                    text_baseline=baseline,
                    x_offset=dx,
                    y_offset=dy,
                    text_font_size="13px",
                )
            )
        fig.scatter(
            x="x",
            y="y",
            source=self.samples,
            size=3,
            color="#222222",
            alpha=0.35,
            legend_label="samples at the current τ",
        )
        fig.scatter(
            x="x",
            y="y",
            source=self.current,
            marker="star",
            size=18,
            fill_color=Y_COLOR,
            line_color="#000000",
            legend_label="current y",
        )
        fig.legend.location = "top_left"
        fig.legend.background_fill_alpha = 0.7
        fig.legend.label_text_font_size = "12px"
        fig.add_layout(
            ColorBar(color_mapper=self.color_mapper, title="log p(y)", width=12), "right"
        )
        fig.add_tools(
            HoverTool(
                renderers=[cells],
                tooltips=[
                    ("y", "(@y1{0.000}, @y2{0.000}, @y3{0.000})"),
                    ("log p(y)", "@logp{0.00}"),
                ],
            )
        )
        return fig

    def _binary_figure(self) -> figure:
        fig = new_figure(
            "binary-chart",
            height=340,
            x_range=Range1d(0.0, 1.0),
            y_range=self.binary_range,
            x_axis_label="y₁",
            y_axis_label="density of y₁",
        )
        fig.quad(
            left="left",
            right="right",
            bottom=0,
            top="top",
            source=self.binary_hist,
            fill_color=PI_COLOR,
            fill_alpha=0.35,
            line_color=None,
            legend_label=f"{BINARY_SAMPLES:,} samples",
        )
        curve = fig.line(
            x="y1",
            y="density",
            source=self.binary_density,
            line_color=DRAWN_COLOR,
            line_width=2.5,
            legend_label="p(y₁)",
        )
        fig.add_tools(
            HoverTool(
                renderers=[curve],
                mode="vline",
                tooltips=[("y₁", "@y1{0.000}"), ("p(y₁)", "@density{0.000}")],
            )
        )
        fig.legend.location = "top_center"
        return fig


def _points(y: np.ndarray) -> dict[str, np.ndarray]:
    """Cartesian and barycentric columns of k = 3 points, shape (n, 3)."""
    xy = density.to_cartesian(y) if len(y) else np.empty((0, 2))
    return {"x": xy[:, 0], "y": xy[:, 1], "y1": y[:, 0], "y2": y[:, 1], "y3": y[:, 2]}
