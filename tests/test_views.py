"""The explorer's Python side: what the views hold mirrors the session model."""

from __future__ import annotations

import math

import numpy as np
import panel as pn
import pytest

from gumbel_viz import Explorer, engine
from gumbel_viz.views import readout_html


def bars_of(explorer: Explorer) -> dict:
    return explorer.sample_view.bars.data


def test_bars_show_the_model() -> None:
    explorer = Explorer(seed=11)
    model, bars = explorer.model, bars_of(explorer)
    assert bars["cls"] == ["1", "2", "3", "4", "5"]
    np.testing.assert_array_equal(bars["pi"], model.probabilities)
    np.testing.assert_array_equal(bars["g"], model.noise)
    np.testing.assert_array_equal(bars["y"], model.y)
    assert explorer.sample_view.drawn.data["cls"] == [str(model.drawn_class + 1)]
    assert explorer.sample_view.readouts.value == readout_html(model)


def test_resample_and_k_push_new_bars_and_factors() -> None:
    explorer = Explorer(seed=11)
    before = bars_of(explorer)["pi"]
    explorer.model.param.trigger("resample")
    assert not np.array_equal(bars_of(explorer)["pi"], before)
    explorer.model.k = 8
    assert len(bars_of(explorer)["pi"]) == 8
    assert explorer.sample_view.figure.x_range.factors == [str(i) for i in range(1, 9)]


def test_slider_sets_tau_and_tau_sets_slider() -> None:
    explorer = Explorer(seed=11)
    explorer.log10_tau = -1.5
    assert explorer.model.tau == pytest.approx(10**-1.5, rel=1e-15)
    explorer.model.tau = 2.0
    assert explorer.log10_tau == pytest.approx(math.log10(2.0), abs=1e-15)
    expected = engine.gumbel_softmax(explorer.model.logits, 2.0, gumbel=explorer.model.noise)
    np.testing.assert_array_equal(explorer.model.y, expected)


def test_slider_bounds_are_the_model_bounds() -> None:
    explorer = Explorer(seed=11)
    explorer.log10_tau = -2.0
    assert explorer.model.tau == pytest.approx(0.01)
    explorer.log10_tau = 1.0
    assert explorer.model.tau == pytest.approx(10.0)
    with pytest.raises(ValueError):
        explorer.log10_tau = 1.5


def test_constructor_passes_k_tau_and_seed_to_a_new_model() -> None:
    explorer = Explorer(k=3, tau=0.5, seed=4)
    assert (explorer.model.k, explorer.model.tau, explorer.model.seed) == (3, 0.5, 4)
    assert explorer.log10_tau == pytest.approx(math.log10(0.5))


def test_explorers_share_no_state() -> None:
    first, second = Explorer(seed=1), Explorer(seed=1)
    assert first.model is not second.model
    assert first.sample_view.bars is not second.sample_view.bars
    first.model.param.trigger("resample")
    np.testing.assert_array_equal(bars_of(second)["pi"], Explorer(seed=1).model.probabilities)


def test_readouts_state_the_numbers() -> None:
    explorer = Explorer(seed=5, tau=0.25)
    model = explorer.model
    html = readout_html(model)
    assert "<b>τ</b> 0.2500" in html
    assert f"<b>drawn class</b> {model.drawn_class + 1}" in html
    assert f"<b>max y</b> {model.y.max():.4f}" in html
    assert f"<b>H(y)</b> {engine.entropy(model.y):.3f} nats" in html
    assert f"<b>H(π)</b> {engine.entropy(model.probabilities):.3f} nats" in html


def test_server_errors_ignore_a_closed_websocket_but_not_ours() -> None:
    from .served import server_errors

    closed = (
        "2026-01-01 10:00:00,000 Task exception was never retrieved\nTraceback (most recent"
        " call last):\n  ...\ntornado.websocket.WebSocketClosedError\n"
    )
    ours = "2026-01-01 10:00:01,000 Error running application handler\nTraceback ...\nKeyError"
    assert server_errors(closed) == []
    assert len(server_errors(closed + ours)) == 1


def test_explorer_renders_as_a_notebook_cell_would() -> None:
    """``Explorer()`` in Jupyter is rendered through ``__panel__``: check its models."""
    explorer = Explorer(seed=2)
    root = pn.panel(explorer).get_root()
    names = {model.name for model in root.references()}
    assert {"sample-bars", "sample-chart"} <= names
    assert explorer.views.keys() == {"about"}  # other views wait until opened
    explorer.view = "monte-carlo"
    assert "monte-carlo" in explorer.views
    assert explorer.tabs.active == 3
