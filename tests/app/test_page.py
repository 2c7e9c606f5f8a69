"""``panel serve app.py`` gives the complete page from any working directory."""

from __future__ import annotations

import re
import tempfile
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import unquote

import panel as pn
import pytest
from bokeh.application.handlers.document_lifecycle import _on_session_destroyed
from bokeh.document import Document

from gumbel_viz import Explorer
from gumbel_viz.app.page import page_template
from gumbel_viz.views.base import static_text
from support.served import served_process


@pytest.mark.server
def test_the_page_needs_no_static_route_and_works_from_any_directory() -> None:
    with (
        tempfile.TemporaryDirectory() as elsewhere,
        served_process(cwd=Path(elsewhere)) as (
            url,
            _server,
        ),
        urllib.request.urlopen(url, timeout=30) as response,
    ):
        page = response.read().decode()
    assert "page-header" in page and "Gumbel-Softmax Explorer" in page
    # The stylesheet is inlined and the favicon is a data: URL: nothing to 404.
    assert static_text("page.css").strip().splitlines()[0] in page
    assert "assets/" not in page
    (icon,) = re.findall(r'rel="icon" type="image/svg\+xml" href="([^"]+)"', page)
    assert icon.startswith("data:image/svg+xml,")
    assert unquote(icon.removeprefix("data:image/svg+xml,")) == static_text("favicon.svg")


def _served_then_closed(page_of: Callable[[], pn.Template]) -> tuple[list[str], list[str]]:
    """Panel's fake roots while a page is served on a document, and after its
    session's end (the document's session-destroyed callbacks, run by the function
    Bokeh's server runs them with)."""
    doc = Document()
    page_of().server_doc(doc)
    serving = list(pn.state._fake_roots)
    _on_session_destroyed(SimpleNamespace(id="a-session", _document=doc))
    return serving, list(pn.state._fake_roots)


def test_a_closed_page_leaves_no_root_behind_in_panels_state() -> None:
    serving, closed = _served_then_closed(lambda: Explorer().page())
    assert len(closed) == len(serving) - 1 and set(closed) < set(serving)


def test_a_plain_panel_template_leaves_its_root_behind() -> None:
    """What the page works around: Panel's own template never forgets its root."""
    serving, closed = _served_then_closed(lambda: pn.Template(page_template()))
    assert serving == closed and serving
    pn.state._fake_roots.remove(serving[-1])  # what Panel leaves, gone for the other tests
