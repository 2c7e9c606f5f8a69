"""The served page: a light Panel template (header, sidebar, main) with a theme switch.

Its stylesheet and favicon ship in the package and are inlined into the page, so
``panel serve app.py`` serves a complete page from any working directory, with
no static route to configure.
"""

from __future__ import annotations

import json
from functools import cache
from urllib.parse import quote

import jinja2
import panel as pn
from bokeh.document import Document
from panel.io.resources import _env
from panel.models.katex import KaTeX
from panel.theme import DarkTheme, DefaultTheme, Native

from ..views.base import static_text

#: Scripts of the whole page, for models that may join the document at any time.
PAGE_SCRIPTS = ("page.js", "highlight.js", "main_chart.js", "a11y.js", "math.js")


@cache
def math_assets() -> str:
    """KaTeX's scripts and stylesheet, as Panel serves them, for ``static/math.js``
    to load once the page is up (JSON). The same for every session of a process:
    computed once, not rebuilt (and left behind in pieces) by each."""
    return json.dumps({"js": list(KaTeX.__javascript__), "css": list(KaTeX.__css__)})


def favicon_url() -> str:
    """The favicon as a ``data:`` URL (no request, no 404)."""
    return "data:image/svg+xml," + quote(static_text("favicon.svg"))


@cache
def page_template() -> jinja2.Template:
    """``page.html``, compiled once: Panel compiles a template given as text again
    for every page (~3 ms of each session)."""
    return _env.from_string(static_text("page.html"))


class ExplorerPage(pn.Template):
    """A ``pn.Template`` for serving only: a short ``repr``, no notebook layout.

    Panel stores a template's repr (for notebooks) on every ``add_panel``, and the
    default repr walks every parameter of every component on the page: about a
    quarter of each session's build (A/B in README, Benchmarks). It also builds
    a notebook preview (a repr pane, a server button) for every page; in a
    notebook, ``Explorer()`` itself renders, not the page.
    """

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(self._render_items)})"

    def _build_layout(self) -> pn.Column:
        return pn.Column(pn.pane.Str())  # where add_panel writes the repr

    def server_doc(
        self, doc: Document | None = None, title: str | None = None, location: bool = True
    ) -> Document:
        """Attach the page to ``doc`` with its model graph frozen until the end.

        Every model added to a live document makes Bokeh walk the whole graph
        again; frozen, it is walked once (A/B in README, Benchmarks).
        """
        doc = doc if doc is not None else pn.state.curdoc
        if doc is None:
            return super().server_doc(doc, title, location)
        roots_before = len(pn.state._fake_roots)
        with doc.models.freeze():
            served = super().server_doc(doc, title, location)
        self._file_fake_root(doc, pn.state._fake_roots[roots_before:])
        return served

    def _file_fake_root(self, doc: Document, new_roots: list[str]) -> None:
        """File the page's fake root where Panel's session cleanup looks for it.

        Panel 1.9 lists the root of every served template in the class-level
        ``state._fake_roots`` and removes it only if the template's ``_refs`` names
        it, which nothing fills: each visit left an id behind for good, in a list
        that Panel scans at every change from a browser.
        """
        if len(new_roots) == 1:
            self._refs[doc] = new_roots[0]


def explorer_page(
    sidebar: pn.viewable.Viewable, main: pn.viewable.Viewable, intro: str = ""
) -> pn.Template:
    """The explorer's page, in the theme the URL asks for (``?theme=dark``); ``intro``
    (trusted HTML) opens the main area as part of the page itself, not a model.

    A custom Jinja template rather than FastListTemplate: the Fast web
    components it loads cost about 0.4 s of every page load on a 2-core machine.
    """
    dark = pn.config.theme == "dark"
    page = ExplorerPage(
        page_template(),
        design=Native,
        theme=DarkTheme if dark else DefaultTheme,
        location=True,
    )
    page.add_variable("dark", dark)
    page.add_variable("intro", intro)
    page.add_variable("page_css", static_text("page.css"))
    page.add_variable("math_assets", math_assets())
    page.add_variable("page_js", ";\n".join(static_text(f) for f in PAGE_SCRIPTS))
    page.add_variable("favicon", favicon_url())
    page.add_panel("sidebar", sidebar)
    page.add_panel("main", main)
    return page
