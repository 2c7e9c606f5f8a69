"""The explorer's Python side: one model per session, its views built on demand."""

from __future__ import annotations

import gc
import math
import weakref

import numpy as np
import panel as pn
import pytest
from bokeh.core.validation.check import check_integrity
from bokeh.document import Document
from bokeh.events import ButtonClick
from bokeh.models import ColumnDataSource, RadioButtonGroup
from bokeh.plotting import figure
from panel.io.state import set_curdoc

from gumbel_viz import Explorer
from gumbel_viz.app import VIEWS
from gumbel_viz.app.downloads import state_csv
from gumbel_viz.app.explorer import GROUPS
from support.served import server_errors


def bars_of(explorer: Explorer) -> dict:
    return explorer.sample_view.bars.data


def test_constructor_passes_k_tau_and_seed_to_a_new_model() -> None:
    explorer = Explorer(k=3, tau=0.5, seed=4)
    assert (explorer.model.k, explorer.model.tau, explorer.model.seed) == (3, 0.5, 4)
    assert explorer.sample_view.log10_tau == pytest.approx(math.log10(0.5))


def test_explorers_share_no_state() -> None:
    first, second = Explorer(seed=1), Explorer(seed=1)
    assert first.model is not second.model
    assert first.sample_view.bars is not second.sample_view.bars
    first.model.param.trigger("resample")
    np.testing.assert_array_equal(bars_of(second)["pi"], Explorer(seed=1).model.probabilities)


def test_server_errors_ignore_a_closed_websocket_but_not_ours() -> None:
    closed = (
        "2026-01-01 10:00:00,000 Task exception was never retrieved\nTraceback (most recent"
        " call last):\n  ...\ntornado.websocket.WebSocketClosedError\n"
    )
    ours = "2026-01-01 10:00:01,000 Error running application handler\nTraceback ...\nKeyError"
    assert server_errors(closed) == []
    assert len(server_errors(closed + ours)) == 1


@pytest.mark.parametrize("slug", [view.slug for view in VIEWS])
def test_every_views_page_passes_bokehs_integrity_checks(slug: str) -> None:
    """app.py turns these checks off per session; they must hold for every view."""
    doc = Document()
    with set_curdoc(doc):
        explorer = Explorer(seed=3)
        explorer.view = slug
        explorer.page().server_doc(doc)
    models = set().union(*(root.references() for root in doc.roots))
    issues = check_integrity(models)
    assert (issues.error, issues.warning) == ([], [])


def test_the_integrity_check_finds_a_broken_document() -> None:
    """The oracle above fails on a state built to break it: a glyph on a missing column."""
    fig = figure(x_range=["1"])
    fig.vbar(x="cls", top="nope", width=0.5, source=ColumnDataSource({"cls": ["1"]}))
    issues = check_integrity(fig.references())
    assert [issue.name for issue in issues.error] == ["BAD_COLUMN_NAME"]


def test_the_downloads_are_built_when_asked_for_and_hold_the_state() -> None:
    explorer = Explorer(seed=2, tau=0.5)
    button = explorer.downloads_button
    downloads = explorer.controls.select(pn.widgets.FileDownload)
    assert downloads == [] and button.visible
    button._trigger_event(ButtonClick(button))  # Bokeh's dispatch of the browser's click
    downloads = explorer.controls.select(pn.widgets.FileDownload)
    assert [d.filename for d in downloads] == [
        "gumbel-softmax-state.csv",
        "gumbel-softmax-sample.html",
    ]
    assert not button.visible  # the downloads took its place
    # Made when clicked, so from the state then, not the state when they were built.
    explorer.model.param.trigger("resample")
    assert downloads[0].callback().getvalue() == state_csv(explorer.model)
    explorer.show_downloads()  # a second request changes nothing
    assert explorer.controls.select(pn.widgets.FileDownload) == downloads


def test_explorer_renders_as_a_notebook_cell_would() -> None:
    """``Explorer()`` in Jupyter is rendered through ``__panel__``: check its models."""
    explorer = Explorer(seed=2)
    root = pn.panel(explorer).get_root()
    names = {model.name for model in root.references()}
    assert {"sample-bars", "sample-chart"} <= names
    assert explorer.views.keys() == {"tour"}  # other views wait until opened
    explorer.view = "monte-carlo"
    assert "monte-carlo" in explorer.views
    assert shown_slug(explorer) == "monte-carlo"


def shown_slug(explorer: Explorer) -> str:
    """The view the page shows, pressed in the view picker among its group's views."""
    assert explorer.main.objects[1:] == [explorer._layouts[explorer.view]]
    group = GROUPS[explorer.group_nav.active][1]
    assert explorer.view_nav.labels == [view.title for view in group]
    assert group[explorer.view_nav.active].slug == explorer.view
    return explorer.view


def press(nav: RadioButtonGroup, button: object) -> None:
    """What the browser sends when a button of the view picker is pressed."""
    nav.set_from_json("active", button)


def test_one_registry_names_every_tab() -> None:
    explorer = Explorer(seed=2)
    slugs = [view.slug for view in VIEWS]
    assert len(set(slugs)) == len(slugs) and all(slugs)
    assert explorer.group_nav.labels == [title for title, _ in GROUPS]
    assert explorer.views == {}  # nothing is built before the page (or a link) asks
    explorer.__panel__()
    assert list(explorer.views) == ["tour"]
    for slug in slugs:
        explorer.view = slug
        view = explorer.views[slug]
        assert view.slug == slug and view.model is explorer.model
        assert view.main is explorer.sample_view
        assert shown_slug(explorer) == slug


def test_clicking_a_group_shows_its_last_view_and_a_view_button_its_view() -> None:
    explorer = Explorer(seed=2)
    explorer.__panel__()
    see = [title for title, _ in GROUPS].index("See")
    press(explorer.group_nav, see)
    assert shown_slug(explorer) == GROUPS[see][1][0].slug
    press(explorer.view_nav, 2)
    assert shown_slug(explorer) == GROUPS[see][1][2].slug
    press(explorer.group_nav, 0)
    assert shown_slug(explorer) == "tour"
    press(explorer.group_nav, see)
    assert shown_slug(explorer) == GROUPS[see][1][2].slug  # where the group was left
    for button in (len(GROUPS), -1, None):  # a tampered message: nothing moves
        press(explorer.group_nav, button)
        press(explorer.view_nav, button)
        assert shown_slug(explorer) == GROUPS[see][1][2].slug


def test_views_settings_from_a_link_reach_the_view_when_it_opens() -> None:
    explorer = Explorer(seed=2)
    explorer.apply_link({"n": "1000"})
    assert "monte-carlo" not in explorer.views and explorer.link_query()["n"] == "1000"
    explorer.view = "monte-carlo"
    assert explorer.views["monte-carlo"].n_draws == 1000
    explorer.apply_link({"n": "1000000"})  # a built view takes it at once
    assert explorer.views["monte-carlo"].n_draws == 1_000_000
    assert explorer.link_query()["n"] == "1000000"


def test_a_closed_session_leaves_nothing_alive() -> None:
    """Every view built, then the session ends: nothing class-level (such as Panel's
    registry of browser callbacks) keeps any of it alive."""
    alive = _closed_session()
    gc.collect()
    assert [type(ref()).__name__ for ref in alive if ref() is not None] == []


def test_an_unclosed_session_is_kept_by_its_browser_callbacks() -> None:
    """The state the test above relies on closing: without close() it stays."""
    alive = _closed_session(close=False)
    gc.collect()
    assert all(ref() is not None for ref in alive)


def _closed_session(close: bool = True) -> list[weakref.ref]:
    explorer = Explorer(seed=1)
    for view in VIEWS:
        explorer.build_view(view.slug)
    if close:
        explorer.close()
    return [weakref.ref(explorer), *(weakref.ref(v) for v in explorer.views.values())]
