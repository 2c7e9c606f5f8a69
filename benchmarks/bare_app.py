"""The bare reference page of issue 13: what Panel and Bokeh cost on their own.

One slider whose CustomJS (``jscallback``) rescales the bars in the browser, and
one 5-bar Bokeh figure, on Panel's plain page (no template). The names match the
app's so the same browser probes run on both pages: the source is ``sample-bars``
(columns ``cls``, ``pi``, ``y``, ``logit``, ``g``), the figure ``sample-chart`` and
the slider is titled "Temperature τ (log scale)" (the first slider handle on the
page, which :func:`support.browser.tau_handle` presses). The figure is Bokeh's
default one (its default tools and toolbar), as a plain Panel page has it, with the
y axis fixed to [0, 1] as the app's is (an auto-ranged axis costs the repaint a frame).

Serve it with ``panel serve benchmarks/bare_app.py`` (URL path ``/bare_app``).
"""

import math

import numpy as np
import panel as pn
from bokeh.models import ColumnDataSource
from bokeh.plotting import figure

pn.extension()

K = 5
rng = np.random.default_rng(0)
pi = rng.dirichlet(np.ones(K))
logit = np.log(pi)
g = rng.gumbel(size=K)
z = logit + g
y = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
classes = [str(i + 1) for i in range(K)]

bars = ColumnDataSource(
    name="sample-bars", data={"cls": classes, "pi": pi, "y": y, "logit": logit, "g": g}
)
chart = figure(
    name="sample-chart", x_range=classes, y_range=(0, 1), height=380, sizing_mode="stretch_width"
)
chart.vbar(x="cls", top="y", width=0.8, source=bars)

slider = pn.widgets.FloatSlider(
    name="Temperature τ (log scale)",
    start=math.log10(0.01),
    end=math.log10(10.0),
    value=0.0,
    step=0.01,
    sizing_mode="stretch_width",
)
slider.jscallback(
    args={"bars": bars},
    value="""
const tau = 10 ** cb_obj.value
const {logit, g} = bars.data
const z = Array.from(logit, (l, i) => l + g[i])
const zmax = Math.max(...z)
const w = z.map((zi) => Math.exp((zi - zmax) / tau))
const total = w.reduce((a, b) => a + b, 0)
bars.data.y = w.map((wi) => wi / total)
bars.change.emit()
""",
)

pn.Column(
    slider, pn.pane.Bokeh(chart, sizing_mode="stretch_width"), sizing_mode="stretch_width"
).servable(title="Bare Panel page")
