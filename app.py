"""Serve the explorer: ``panel serve app.py --static-dirs assets=assets``."""

import panel as pn

from gumbel_viz import Explorer

pn.extension("katex", notifications=True)

Explorer().page().servable(title="Gumbel-Softmax Explorer")
