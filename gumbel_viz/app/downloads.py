"""Downloads: the current state as CSV, and the main chart as a standalone HTML page.

(The Monte Carlo view offers its own results: :meth:`MonteCarloSummary.to_csv`.)
"""

from __future__ import annotations

import csv
import html
import io

from bokeh.embed import components
from bokeh.layouts import column
from bokeh.models import ColumnDataSource, Div
from bokeh.models.layouts import LayoutDOM
from bokeh.resources import Resources

from ..core.numbers import exact_text
from ..model import GumbelSoftmaxModel
from ..views.sample import (
    bar_data,
    drawn_data,
    readouts_node,
    readouts_pane,
    relax_on_slide,
    sample_chart,
    tau_slider,
)


def state_csv(model: GumbelSoftmaxModel) -> str:
    """One row per class: pi, log pi, g, (log pi + g)/tau, y, and whether it was drawn.

    Leading ``#`` lines record tau, k, seed and draw.
    """
    out = io.StringIO()
    out.write(f"# tau={exact_text(model.tau)}\n# k={model.k}\n")
    out.write(f"# seed={'' if model.seed is None else model.seed}\n# draw={model.draw}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["class", "pi", "logit", "g", "y", "drawn"])
    for i in range(model.k):
        writer.writerow(
            [
                i + 1,
                exact_text(model.probabilities[i]),
                exact_text(model.logits[i]),
                exact_text(model.noise[i]),
                exact_text(model.y[i]),
                int(i == model.drawn_class),
            ]
        )
    return out.getvalue()


def standalone_html(model: GumbelSoftmaxModel) -> str:
    """The main chart with a working tau slider, as one self-contained HTML file.

    BokehJS is inlined and tau is recomputed by the same ``relax_tau.js`` as in the
    app, so the page works from disk with no server and no network.
    """
    bars = ColumnDataSource(name="sample-bars", data=bar_data(model))
    drawn = ColumnDataSource(name="drawn-class", data=drawn_data(model))
    readouts = readouts_node(model)
    slider = tau_slider(model)
    relax_on_slide(slider, bars, readouts)
    seed = "fresh randomness" if model.seed is None else f"seed {model.seed}, draw {model.draw}"
    note = Div(text=f"Gumbel-Softmax Explorer export ({seed}). Drag τ; π and g are fixed.")
    figure, legend = sample_chart(bars, drawn, model.k)
    layout = column(
        note, slider, readouts_pane(readouts), legend, figure, sizing_mode="stretch_width"
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
