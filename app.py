"""Serve the explorer: ``panel serve app.py`` (or ``make run``)."""

import panel as pn

from gumbel_viz import Explorer

pn.extension("katex", notifications=True)

Explorer().page().servable(title="Gumbel-Softmax Explorer")
