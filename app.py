"""Serve the explorer: ``panel serve app.py`` (or ``make run``)."""

import panel as pn
from bokeh.settings import settings

from gumbel_viz import Explorer

# No "katex" (static/math.js loads it once the page is up) and no notifications (a
# link's notices are in the sidebar): each would add scripts and styles to every page.
# This file runs once per session, and by default each call rewrites the signature
# of every Panel class for IDE completion: 1.2 ms, and objects left in every arena.
pn.extension(apply_signatures=False)
# Bokeh's integrity checks walk every model of every new session (~10 ms each); the
# tests run them on every view's document instead (tests/app/test_explorer.py).
settings.perform_document_validation.set_value(False)

Explorer().page().servable(title="Gumbel-Softmax Explorer")
