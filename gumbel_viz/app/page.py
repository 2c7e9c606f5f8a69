"""The served page: a light Panel template (header, sidebar, main) with a theme switch.

Its stylesheet and favicon ship in the package and are inlined into the page, so
``panel serve app.py`` serves a complete page from any working directory, with
no static route to configure.
"""

from __future__ import annotations

from urllib.parse import quote

import panel as pn
from panel.theme import DarkTheme, DefaultTheme, Native

from ..views.base import static_text

#: Scripts of the whole page, for models that may join the document at any time.
PAGE_SCRIPTS = ("page.js", "highlight.js", "main_chart.js", "a11y.js")


def favicon_url() -> str:
    """The favicon as a ``data:`` URL (no request, no 404)."""
    return "data:image/svg+xml," + quote(static_text("favicon.svg"))


def explorer_page(sidebar: pn.viewable.Viewable, main: pn.viewable.Viewable) -> pn.Template:
    """The explorer's page, in the theme the URL asks for (``?theme=dark``).

    A custom Jinja template rather than FastListTemplate: the Fast web
    components it loads cost about 0.4 s of every page load on a 2-core machine.
    """
    dark = pn.config.theme == "dark"
    page = pn.Template(
        static_text("page.html"),
        design=Native,
        theme=DarkTheme if dark else DefaultTheme,
        location=True,
    )
    page.add_variable("dark", dark)
    page.add_variable("page_css", static_text("page.css"))
    page.add_variable("page_js", ";\n".join(static_text(f) for f in PAGE_SCRIPTS))
    page.add_variable("favicon", favicon_url())
    page.add_panel("sidebar", sidebar)
    page.add_panel("main", main)
    return page
