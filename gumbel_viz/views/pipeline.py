"""Under the hood: every stage from log π to y, per class, for the model's current draw."""

from __future__ import annotations

import numpy as np
import panel as pn
import param
from bokeh.layouts import row
from bokeh.models import (
    CDSView,
    ColumnDataSource,
    FactorRange,
    IndexFilter,
    Range1d,
)
from bokeh.plotting import figure
from bokeh.transform import factor_cmap

from ..core.numbers import display_number, tex_number
from .base import (
    DRAWN_COLOR,
    HIGHLIGHT,
    INK_COLOR,
    MUTED_COLOR,
    PI_COLOR,
    Y_COLOR,
    View,
    class_labels,
    class_source,
    drop_grid,
    follow_class_hover,
    math_pane,
    new_figure,
    prose,
    static_text,
)

# (column, chart title, bar colour of the classes that were not drawn)
STAGES = (
    ("log_pi", "log πₖ", PI_COLOR),
    ("g", "+ noise gₖ", MUTED_COLOR),
    ("z", "= log πₖ + gₖ", "#56B4E9"),
    ("z_over_tau", "÷ τ", "#56B4E9"),
    ("y", "softmax → yₖ", Y_COLOR),
)
STAGE_HEADERS = {
    "log_pi": "log π",
    "g": "g",
    "z": "log π + g",
    "z_over_tau": "(log π + g) / τ",
    "y": "y",
}
# Stages that can be -inf (where π_k = 0); they get a "−∞" label instead of a bar.
MAYBE_INFINITE = ("log_pi", "z", "z_over_tau")

CAPTION = (
    "Read each row from left to right: the noise <b>g</b> is added to <b>log π</b>, and the "
    "largest sum (the <b>green row</b>) is the Gumbel-Max draw, an exact sample from π. "
    "Dividing by <b>τ</b> stretches or squeezes every bar by the same factor (the dashed "
    "outlines are the bars before dividing), so the order, and with it the green row, "
    "never changes: τ only decides how sharply the softmax picks that row."
)


def _padded_range(values: np.ndarray) -> tuple[float, float]:
    """Axis limits covering 0 and the finite ``values``, with a margin."""
    finite = values[np.isfinite(values)]
    lo = min(0.0, float(finite.min())) if finite.size else 0.0
    hi = max(0.0, float(finite.max())) if finite.size else 0.0
    pad = 0.08 * (hi - lo) if hi > lo else 1.0
    return lo - pad, hi + pad


class PipelineView(View):
    """Per class, side by side: log π, g, log π + g, (log π + g)/τ and y.

    Five small bar charts share the class axis (class 1 at the top), each with its own
    value axis; the drawn class, argmax(log π + g), is the green row in every chart. A
    table below (HTML, a text alternative of the charts) gives the exact numbers and a
    KaTeX formula works y for the drawn class.

    Data source ``pipeline`` (one row per class), for the charts and the table:

    * ``cls`` (``"1"``..``"k"``), ``is_drawn`` (bool), and the engine's numbers
      ``log_pi``, ``g``, ``z`` (= log π + g), ``z_over_tau`` and ``y``: exact, so
      ``log_pi``, ``z`` and ``z_over_tau`` are ``-inf`` where π_k = 0. Bokeh draws no
      bar for a non-finite value; such a class gets a "−∞" label (source
      ``pipeline-neginf``) and a note instead.
    * What is printed is finite text: ``<stage>_text`` columns (the table and hover,
      "−∞" for log 0), ``drawn_text``, and styling columns ``mark`` ("drawn"/"other"),
      ``outline`` and ``font_style``.

    Python pushes new data when the model's probabilities, noise or tau change.
    """

    slug = "pipeline"
    title = "Under the hood"
    caption = CAPTION

    def __init__(self, **params):
        super().__init__(**params)
        data = self._data()
        self.source = class_source("pipeline", data)
        self.neginf = ColumnDataSource(name="pipeline-neginf", data=self._neginf_data(data))
        self.band = ColumnDataSource(name="pipeline-drawn", data={"cls": [], "lo": [], "hi": []})
        self.class_range = FactorRange(factors=self._factors())
        self.value_ranges = {key: Range1d(0, 1) for key, _, _ in STAGES}
        self.figures = [self._make_figure(i, *stage) for i, stage in enumerate(STAGES)]
        self.table = pn.widgets.StaticText(
            value=self._table_html(data),
            stylesheets=[static_text("pipeline.css")],
            sizing_mode="stretch_width",
        )
        self.note = pn.widgets.StaticText(value="", sizing_mode="stretch_width")
        self.formula = math_pane(styles={"font-size": "15px", "overflow-x": "auto"})
        self._update_decorations(data)
        self.model.param.watch(self._push, ["probabilities", "noise", "tau"])

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(
            prose(self.caption),
            pn.pane.Bokeh(
                row(*self.figures, sizing_mode="stretch_width"), sizing_mode="stretch_width"
            ),
            self.note,
            self.formula,
            self.table,
            sizing_mode="stretch_width",
        )

    # ------------------------------------------------------------------ data

    def _factors(self) -> list[str]:
        return class_labels(self.model.k)[::-1]  # the first factor is at the bottom

    def _data(self) -> dict[str, object]:
        m = self.model
        z = m.logits + m.noise  # -inf where π = 0: finite noise never makes it NaN
        z_over_tau = z / m.tau
        numbers = {"log_pi": m.logits, "g": m.noise, "z": z, "z_over_tau": z_over_tau, "y": m.y}
        drawn = np.arange(m.k) == m.drawn_class
        data: dict[str, object] = {"cls": class_labels(m.k), **numbers, "is_drawn": drawn.tolist()}
        for key, values in numbers.items():
            data[f"{key}_text"] = [display_number(v) for v in values]
        data["mark"] = ["drawn" if d else "other" for d in drawn]
        data["outline"] = [2.5 if d else 0.0 for d in drawn]
        data["font_style"] = ["bold" if d else "normal" for d in drawn]
        data["drawn_text"] = ["◀ drawn" if d else "" for d in drawn]
        return data

    @staticmethod
    def _neginf_data(data: dict) -> dict[str, list]:
        impossible = [c for c, v in zip(data["cls"], data["log_pi"], strict=True) if v == -np.inf]
        return {"cls": impossible, "x": [0.0] * len(impossible), "text": ["−∞"] * len(impossible)}

    def _update_decorations(self, data: dict) -> None:
        """Axis limits, the drawn row's band, the −∞ note, the formula: all finite."""
        for key, _, _ in STAGES:
            values = np.asarray(data[key])
            if key == "z_over_tau":  # room for the dashed outlines of z as well
                values = np.concatenate([values, np.asarray(data["z"])])
            lo, hi = (0.0, 1.05) if key == "y" else _padded_range(values)
            self.value_ranges[key].update(start=lo, end=hi)
        drawn = str(self.model.drawn_class + 1)
        self.band.data = {
            "cls": [drawn] * len(STAGES),
            "lo": [self.value_ranges[key].start for key, _, _ in STAGES],
            "hi": [self.value_ranges[key].end for key, _, _ in STAGES],
        }
        self.figures[3].title.text = f"÷ τ  (τ = {self.model.tau:.4g})"
        self.note.value = self._note_html(data)
        self.formula.object = self._formula_tex(data)

    def _note_html(self, data: dict) -> str:
        impossible = self._neginf_data(data)["cls"]
        if not impossible:
            return ""
        which = ", ".join(impossible)
        plural = "es" if len(impossible) > 1 else ""
        return (
            f"<small>Class{plural} {which}: π = 0, so log π = −∞ and no bar can be drawn "
            "(marked −∞). Adding noise or dividing by τ leaves −∞, y = 0, and the class "
            "is never drawn.</small>"
        )

    def _formula_tex(self, data: dict) -> str:
        """y for the drawn class c, with this draw's numbers filled in (all finite).

        The last step is the max-shifted form the engine computes: z_c is the largest
        z, so every exponent (z_j - z_c)/τ is <= 0; its sum is 1 / y_c.
        """
        m = self.model
        c = m.drawn_class
        n = c + 1
        log_pi, g, z_over_tau, y = (data[key][c] for key in ("log_pi", "g", "z_over_tau", "y"))
        tau = m.tau
        g_term = f"+ {tex_number(g)}" if g >= 0 else f"- {tex_number(-g)}"
        return (
            f"For the drawn class $c = {n}$, with this draw's numbers "
            f"($\\tau = {tex_number(tau)}$):"
            "$$\\begin{aligned}"
            f"y_{{{n}}} &amp;= \\frac{{\\exp\\big((\\log\\pi_{{{n}}} + g_{{{n}}})/\\tau\\big)}}"
            f"{{\\sum_{{j=1}}^{{{m.k}}} \\exp\\big((\\log\\pi_j + g_j)/\\tau\\big)}}"
            f" = \\frac{{\\exp\\big(({tex_number(log_pi)} {g_term}) / {tex_number(tau)}\\big)}}"
            f"{{\\sum_j \\exp\\big((\\log\\pi_j + g_j) / {tex_number(tau)}\\big)}} \\\\"
            f"&amp;= \\frac{{e^{{{tex_number(z_over_tau)}}}}}{{\\sum_j e^{{z_j/\\tau}}}}"
            f" = \\frac{{1}}{{\\sum_j e^{{(z_j - z_{{{n}}})/\\tau}}}}"
            f" = \\frac{{1}}{{{tex_number(1 / y)}}} = {tex_number(y)}"
            "\\end{aligned}$$"
        )

    def _push(self, *_events: param.parameterized.Event) -> None:
        data = self._data()
        with pn.io.hold():
            self.class_range.factors = self._factors()
            self.source.data = data
            self.neginf.data = self._neginf_data(data)
            self.table.value = self._table_html(data)
            self._update_decorations(data)

    # ------------------------------------------------------------------ figures

    def _make_figure(self, index: int, key: str, title: str, color: str) -> figure:
        first = index == 0
        fig = new_figure(
            f"pipeline-{key}",
            title=title,
            y_range=self.class_range,
            x_range=self.value_ranges[key],
            height=320,
            min_width=62 if not first else 96,  # five fit a 390 px phone
            y_axis_label="class k" if first else None,
        )
        fig.hbar(  # the drawn row: row ``index`` of the band source has this chart's limits
            y="cls",
            left="lo",
            right="hi",
            height=0.9,
            source=self.band,
            view=CDSView(filter=IndexFilter([index])),
            color=DRAWN_COLOR,
            alpha=0.15,
            line_alpha=0.6,
            line_dash="dashed",
        )
        if key == "z_over_tau":  # z itself, dashed, to show the scaling by 1/τ
            fig.hbar(
                y="cls",
                left=0,
                right="z",
                height=0.7,
                source=self.source,
                fill_alpha=0,
                line_color=INK_COLOR,
                line_dash="dashed",
            )
        bars = fig.hbar(
            y="cls",
            left=0,
            right=key,
            height=0.7,
            source=self.source,
            fill_color=factor_cmap("mark", [color, DRAWN_COLOR], ["other", "drawn"]),
            line_color="#000000",
            line_width="outline",
            **HIGHLIGHT,
        )
        if key in MAYBE_INFINITE:
            fig.text(
                x="x",
                y="cls",
                text="text",
                source=self.neginf,
                text_align="right",
                text_baseline="middle",
                x_offset=-3,
                text_font_size="12px",
                text_color=INK_COLOR,
            )
        tooltips = [("class", "@cls"), (STAGE_HEADERS[key], f"@{{{key}_text}}")]
        follow_class_hover(fig, tooltips, renderers=[bars])
        fig.title.text_font_size = "13px"
        drop_grid(fig, "y")
        fig.xaxis.major_label_text_font_size = "10px"
        fig.xaxis.ticker.desired_num_ticks = 4
        fig.yaxis.visible = first
        fig.min_border_left = 5 if not first else 10
        fig.min_border_right = 8
        return fig

    def _table_html(self, data: dict) -> str:
        """The exact numbers as an HTML table: a text alternative of the charts."""
        head = "".join(f'<th scope="col">{STAGE_HEADERS[key]}</th>' for key, _, _ in STAGES)
        rows = []
        for i, cls in enumerate(data["cls"]):
            drawn = data["is_drawn"][i]
            cells = "".join(f"<td>{data[f'{key}_text'][i]}</td>" for key, _, _ in STAGES)
            mark = "<td>◀ drawn</td>" if drawn else "<td></td>"
            rows.append(
                f'<tr class="{"drawn" if drawn else ""}"><th scope="row">{cls}</th>'
                f"{cells}{mark}</tr>"
            )
        return (
            '<div class="table-scroll"><table class="pipeline-table">'
            "<caption>Every stage, per class, for this draw</caption>"
            f'<thead><tr><th scope="col">class</th>{head}<th scope="col">'
            f"<span class='sr-only'>drawn</span></th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>"
        )
