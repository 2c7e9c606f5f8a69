"""Serve the explorer: ``panel serve app.py`` (or ``make run``)."""

import panel as pn

from gumbel_viz import Explorer

# No "katex" (static/math.js loads it once the page is up) and no notifications (a
# link's notices are in the sidebar): each would add scripts and styles to every page.
pn.extension()

Explorer().page().servable(title="Gumbel-Softmax Explorer")
