"""``panel serve app.py`` gives the complete page from any working directory."""

from __future__ import annotations

import re
import tempfile
import urllib.request
from pathlib import Path
from urllib.parse import unquote

import pytest

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
