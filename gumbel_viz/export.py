"""Downloads: the current state as CSV, and the main chart as a standalone HTML page."""

from __future__ import annotations

import csv
import html
import io
import math

from bokeh.embed import components
from bokeh.layouts import column
from bokeh.models import ColumnDataSource, CustomJS, Div, InlineStyleSheet, Slider
from bokeh.models.layouts import LayoutDOM
from bokeh.resources import Resources

from .model import GumbelSoftmaxModel
from .montecarlo import MonteCarloSummary
from .views import (
    READOUTS_CSS,
    RELAX_TAU_JS,
    class_labels,
    readout_html,
    sample_figure,
    tau_formatter,
)


def _number(value: float) -> str:
    """Full precision, so the file reads back to the same floats."""
    return repr(float(value)) if math.isfinite(value) else str(value)


def state_csv(model: GumbelSoftmaxModel) -> str:
    """One row per class: pi, log pi, g, (log pi + g)/tau, y, and whether it was drawn.

    Leading ``#`` lines record tau, k, seed and draw.
    """
    out = io.StringIO()
    out.write(f"# tau={_number(model.tau)}\n# k={model.k}\n")
    out.write(f"# seed={'' if model.seed is None else model.seed}\n# draw={model.draw}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["class", "pi", "logit", "g", "y", "drawn"])
    for i in range(model.k):
        writer.writerow([
            i + 1,
            _number(model.probabilities[i]),
            _number(model.logits[i]),
            _number(model.noise[i]),
            _number(model.y[i]),
            int(i == model.drawn_class),
        ])
    return out.getvalue()


def montecarlo_csv(summary: MonteCarloSummary) -> str:
    """The aggregates of a Monte Carlo run, one row per class.

    Leading ``#`` lines record n, tau and the chi-square test against pi.
    """
    out = io.StringIO()
    out.write(f"# n={summary.n}\n# tau={_number(summary.tau)}\n")
    out.write(f"# chi2={_number(summary.chi2)}\n# dof={summary.dof}\n")
    out.write(f"# p_value={_number(summary.p_value)}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([
        "class", "pi", "count", "frequency", "ci95_low", "ci95_high", "mean_y", "mean_y_se",
    ])
    for i in range(summary.k):
        writer.writerow([
            i + 1,
            _number(summary.probabilities[i]),
            int(summary.counts[i]),
            _number(summary.frequencies[i]),
            _number(summary.lower[i]),
            _number(summary.upper[i]),
            _number(summary.mean_y[i]),
            _number(summary.mean_y_se[i]),
        ])
    return out.getvalue()


def standalone_html(model: GumbelSoftmaxModel) -> str:
    """The main chart with a working tau slider, as one self-contained HTML file.

    BokehJS is inlined and tau is recomputed by the same ``relax_tau.js`` as in the
    app, so the page works from disk with no server and no network.
    """
    bars = ColumnDataSource(
        name="sample-bars",
        data={
            "cls": class_labels(model.k),
            "pi": model.probabilities.tolist(),
            "y": model.y.tolist(),
            "logit": model.logits.tolist(),
            "g": model.noise.tolist(),
        },
    )
    drawn = ColumnDataSource(
        name="drawn-class", data={"cls": [str(model.drawn_class + 1)], "top": [1.0]}
    )
    readouts = Div(
        name="readouts",
        text=readout_html(model),
        stylesheets=[InlineStyleSheet(css=READOUTS_CSS)],
    )
    slider = Slider(
        title="Temperature τ (log scale)", start=-2, end=1, step=0.01,
        value=math.log10(model.tau), format=tau_formatter(), sizing_mode="stretch_width",
    )
    slider.js_on_change(
        "value", CustomJS(args={"bars": bars, "readouts": readouts}, code=RELAX_TAU_JS)
    )
    seed = "fresh randomness" if model.seed is None else f"seed {model.seed}, draw {model.draw}"
    note = Div(text=f"Gumbel-Softmax Explorer export ({seed}). Drag τ; π and g are fixed.")
    layout = column(
        note, slider, readouts, sample_figure(bars, drawn, model.k),
        sizing_mode="stretch_width",
    )
    return _offline_page(layout, title="Gumbel-Softmax sample")


def _offline_page(layout: LayoutDOM, title: str) -> str:
    """A page with BokehJS inlined (only the parts the chart and slider need).

    Built from ``components`` rather than ``file_html``: with Panel imported,
    Bokeh's bundle also lists a script by relative URL, which a file opened from
    disk cannot load.
    """
    bokeh_js = Resources(mode="inline", components=["bokeh", "bokeh-widgets"]).js_raw
    scripts = "\n".join(f"<script>{js}</script>" for js in bokeh_js)
    script, div = components(layout)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n{scripts}\n{script}\n</head>\n"
        f"<body>\n{div}\n</body>\n</html>\n"
    )

