"""The temperature path: for the current noise, y and its entropy as τ sweeps 0.01 → 100."""

from __future__ import annotations

import math

import numpy as np
import panel as pn
import param
from bokeh.models import (
    BoxAnnotation,
    ColumnDataSource,
    CustomJS,
    Label,
    Range1d,
    Span,
)
from bokeh.plotting import figure

from .. import core
from ..model import TAU_BOUNDS
from .base import (
    DRAWN_COLOR,
    HIGHLIGHT_LINE,
    INK_COLOR,
    MUTED_COLOR,
    PI_COLOR,
    View,
    class_color,
    class_dash,
    class_labels,
    class_source,
    follow_class_hover,
    legend_above,
    new_figure,
    prose,
    static_text,
)

# The τ grid: 301 log-spaced points, 75 per decade, from 0.01 to 100.
TAUS = np.logspace(-2, 2, 301)
TAU_RANGE = (float(TAUS[0]), float(TAUS[-1]))

CAPTION = (
    "Each line follows one class's <b>y<sub>k</sub></b> for the <b>current noise</b> as τ "
    "runs from 0.01 to 100 (the vertical line is the current τ). On the left y is one-hot "
    "on the drawn class; on the right every class with π > 0 tends to the same share "
    "(dashed line). The lines never cross: τ changes how far apart the y's are, never "
    "their order. Below, the entropy of y climbs from 0 to its maximum; the blue line is "
    "the entropy of π for comparison."
)


class TemperatureView(View):
    """y_k(τ) per class and H(y)(τ), for the model's current π and noise, on a log τ axis.

    Data sources (named, so browser tests read exactly what is drawn):

    * ``temperature-path``: a ``multi_line`` layout, one row per class, with columns
      ``cls`` (the class name "1".."k"), ``label`` ("class 1", ..., "(drawn)" appended for
      the drawn class), ``tau`` (the τ grid :data:`TAUS`, the same array in every row),
      ``y`` (y_k at each τ: ``numpy.column_stack(data["y"])`` is exactly
      ``core.gumbel_softmax(logits, TAUS, gumbel=noise)``), and the styling columns
      ``color``, ``dash`` and ``width``.
    * ``temperature-entropy``: columns ``tau`` and ``entropy`` (H(y) in nats at each τ).

    The current τ is a vertical :class:`~bokeh.models.Span` on both figures
    (:attr:`markers`), moved by Python when ``model.tau`` changes and in the browser by
    ``static/tau_marker.js`` while the main τ slider moves (no server round trip, so the
    markers follow a drag even when the slider reports its value to Python only on
    release). Python recomputes the curves when π, the noise or k change.
    """

    slug = "temperature"
    title = "Temperature path"
    caption = CAPTION

    def __init__(self, **params):
        super().__init__(**params)
        path, entropy = self._data()
        self.path = class_source("temperature-path", path)
        self.entropy = ColumnDataSource(name="temperature-entropy", data=entropy)
        self.markers = [
            Span(
                name=f"tau-marker-{which}",
                location=self.model.tau,
                dimension="height",
                line_color=INK_COLOR,
                line_width=2,
                line_dash="dotted",
                level="overlay",
            )  # moving it repaints the overlay layer only
            for which in ("path", "entropy")
        ]
        self.uniform_level = Span(
            location=0.5,
            dimension="width",
            line_color=MUTED_COLOR,
            line_width=1.5,
            line_dash="dashed",
        )
        self.uniform_label = Label(
            x=TAU_RANGE[0],
            y=0.5,
            x_offset=4,
            y_offset=2,
            text_font_size="12px",
            text_color=MUTED_COLOR,
        )
        self.one_hot_label = Label(
            x=TAU_RANGE[0],
            y=1.0,
            x_offset=4,
            y_offset=4,
            text_font_size="12px",
            text_color=DRAWN_COLOR,
        )
        self.pi_entropy = Span(
            location=0.0, dimension="width", line_color=PI_COLOR, line_width=2, line_dash="dashed"
        )
        self.pi_entropy_label = Label(
            x=TAU_RANGE[0],
            y=0.0,
            x_offset=4,
            y_offset=3,
            text_font_size="12px",
            text_color=PI_COLOR,
        )
        self.max_entropy = Span(
            location=1.0,
            dimension="width",
            line_color=MUTED_COLOR,
            line_width=1.5,
            line_dash="dashed",
        )
        self.max_entropy_label = Label(
            x=TAU_RANGE[0],
            y=1.0,
            x_offset=4,
            y_offset=3,
            text_font_size="12px",
            text_color=MUTED_COLOR,
        )
        self.x_range = Range1d(*TAU_RANGE, bounds=TAU_RANGE)
        self.entropy_range = Range1d(0, 1)
        self.path_figure = self._make_path_figure()
        self.entropy_figure = self._make_entropy_figure()
        self._update_annotations()
        self.model.param.watch(self._push, ["probabilities", "noise"])
        self.model.param.watch(self._move_markers, ["tau"])
        if self.main is not None:
            follow = CustomJS(args={"markers": self.markers}, code=static_text("tau_marker.js"))
            self.main.tau_slider.js_on_change("value", follow)

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(
            prose(self.caption),
            pn.pane.Bokeh(self.path_figure, sizing_mode="stretch_width"),
            pn.pane.Bokeh(self.entropy_figure, sizing_mode="stretch_width"),
            sizing_mode="stretch_width",
        )

    # ------------------------------------------------------------------ data

    def _data(self) -> tuple[dict[str, object], dict[str, object]]:
        m = self.model
        y = core.gumbel_softmax(m.logits, TAUS, gumbel=m.noise)  # (T, k)
        classes = range(m.k)
        path = {
            "cls": class_labels(m.k),
            "label": [
                f"class {i + 1}" + (" (drawn)" if i == m.drawn_class else "") for i in classes
            ],
            "tau": [TAUS] * m.k,
            "y": [np.ascontiguousarray(y[:, i]) for i in classes],
            "color": [class_color(i) for i in classes],
            "dash": [class_dash(i) for i in classes],
            "width": [3.5 if i == m.drawn_class else 2.0 for i in classes],
        }
        entropy = {"tau": TAUS, "entropy": core.entropy(y, axis=-1)}
        return path, entropy

    def _possible_classes(self) -> int:
        """Classes with π > 0: y tends to 1 / (this many) for each of them as τ grows."""
        return int(np.count_nonzero(self.model.probabilities > 0))

    def _update_annotations(self) -> None:
        m = self.model
        n = self._possible_classes()
        uniform = np.full(n, 1.0 / n)
        h_max = core.entropy(uniform)
        h_pi = core.entropy(m.probabilities)
        self.uniform_level.location = 1.0 / n
        self.uniform_label.update(
            y=1.0 / n,
            text=f"uniform: 1/{n}" + ("" if n == m.k else f" (the {n} classes with π > 0)"),
        )
        self.one_hot_label.text = f"one-hot on the drawn class {m.drawn_class + 1}"
        self.pi_entropy.location = h_pi
        self.pi_entropy_label.update(y=h_pi, text=f"H(π) = {h_pi:.3f} nats")
        self.max_entropy.location = h_max
        self.max_entropy_label.update(y=h_max, text=f"uniform: log {n} = {h_max:.3f} nats")
        self.entropy_range.update(start=0.0, end=1.12 * h_max)
        for marker in self.markers:
            marker.location = m.tau

    def _push(self, *_events: param.parameterized.Event) -> None:
        path, entropy = self._data()
        with pn.io.hold():
            self.path.data = path
            self.entropy.data = entropy
            self._update_annotations()

    def _move_markers(self, *_events: param.parameterized.Event) -> None:
        """Programmatic τ changes; a slider linked in the browser has moved them already."""
        tau = self.model.tau
        with pn.io.hold():
            for marker in self.markers:
                if not math.isclose(marker.location, tau, rel_tol=1e-12):
                    marker.location = tau

    # ------------------------------------------------------------------ figures

    def _base_figure(self, name: str, height: int, y_range: Range1d, y_label: str) -> figure:
        fig = new_figure(
            name,
            x_axis_type="log",
            x_range=self.x_range,
            y_range=y_range,
            height=height,
            x_axis_label="temperature τ (log scale)",
            y_axis_label=y_label,
            min_border_left=60,
        )
        # τ above the slider's range: shown to make the uniform limit visible.
        fig.add_layout(
            BoxAnnotation(left=TAU_BOUNDS[1], fill_color="#000000", fill_alpha=0.04, line_alpha=0)
        )
        return fig

    def _make_path_figure(self) -> figure:
        fig = self._base_figure("temperature-path-chart", 340, Range1d(-0.02, 1.12), "yₖ")
        fig.add_layout(
            Label(
                x=TAU_BOUNDS[1],
                y=1.12,
                x_offset=4,
                y_offset=-4,
                text_baseline="top",
                text="beyond the τ slider",
                text_font_size="11px",
                text_color=MUTED_COLOR,
            )
        )
        fig.add_layout(self.uniform_level)
        fig.add_layout(self.uniform_label)
        fig.add_layout(self.one_hot_label)
        lines = fig.multi_line(
            xs="tau",
            ys="y",
            source=self.path,
            line_color="color",
            line_dash="dash",
            line_width="width",
            legend_field="label",
            **HIGHLIGHT_LINE,
        )
        fig.add_layout(self.markers[0])
        tooltips = [("", "@label"), ("τ", "$x{0.000}"), ("y", "$y{0.000}")]
        follow_class_hover(fig, tooltips, renderers=[lines])
        legend_above(fig, ncols=6, label_text_font_size="12px")
        return fig

    def _make_entropy_figure(self) -> figure:
        fig = self._base_figure("temperature-entropy-chart", 230, self.entropy_range, "H(y), nats")
        fig.line(x="tau", y="entropy", source=self.entropy, line_color="#000000", line_width=2)
        for annotation in (
            self.pi_entropy,
            self.pi_entropy_label,
            self.max_entropy,
            self.max_entropy_label,
            self.markers[1],
        ):
            fig.add_layout(annotation)
        return fig
