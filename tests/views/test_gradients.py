"""GradientView at the Python level: its sources, its c input and its τ marker."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from gumbel_viz.core import gradients
from gumbel_viz.model import GumbelSoftmaxModel
from gumbel_viz.views.gradients import FLOOR, TAUS, GradientView, sweep_columns


@pytest.fixture
def view() -> GradientView:
    return GradientView(model=GumbelSoftmaxModel(seed=1), n_estimates=50)


def test_sweep_source_is_empty_then_filled_with_the_sweep(view):
    source = view.sweep_source
    assert source.name == "gradient-sweep"
    assert set(source.data) == set(sweep_columns())
    assert len(source.data["tau"]) == 0

    asyncio.run(view.recompute())

    assert not view.busy and not view.button.loading
    expected = gradients.sweep(
        view.model.logits, view.c, TAUS, view.n_samples, view.n_estimates, view.sweep_generator()
    )
    np.testing.assert_array_equal(source.data["tau"], TAUS)
    for name in gradients.ESTIMATORS:
        for metric in gradients.METRICS:
            shown = np.asarray(source.data[f"{name}_{metric}"])
            assert np.isfinite(shown).all() and (shown >= FLOOR).all()
            np.testing.assert_allclose(
                shown, np.maximum(expected.metrics[name][metric], FLOOR), rtol=1e-12
            )
    # The comparison has teeth: a different seed gives different curves.
    other = gradients.sweep(
        view.model.logits,
        view.c,
        TAUS,
        view.n_samples,
        view.n_estimates,
        np.random.default_rng(99),
    )
    assert not np.allclose(
        source.data["gumbel_softmax_mse"],
        np.maximum(other.metrics["gumbel_softmax"]["mse"], FLOOR),
    )


def test_at_tau_source_has_the_exact_gradient_per_class(view):
    data = view.at_tau_source.data
    assert view.at_tau_source.name == "gradient-at-tau"
    assert data["cls"] == ["1", "2", "3", "4", "5"]
    np.testing.assert_allclose(data["exact"], gradients.exact_gradient(view.model.logits, view.c))
    for name in gradients.ESTIMATORS:
        assert np.isfinite(data[name]).all() and len(data[name]) == 5


@pytest.mark.parametrize(
    "text", ["1, 2, nan, 4, 5", "1, 2, inf, 4, 5", "1, 2, 3", "1, two", "", "<b>1</b>"]
)
def test_bad_c_is_rejected_with_a_message_and_the_last_c_kept(view, text):
    view.c_text = "1, 2, 3, 4, 5"
    assert view.preset == "custom"
    np.testing.assert_array_equal(view.c, [1, 2, 3, 4, 5])
    view.c_text = text
    np.testing.assert_array_equal(view.c, [1, 2, 3, 4, 5])
    assert "c not changed" in view.message.value
    assert "<b>" not in view.message.value  # the input is escaped
    view.c_text = "0, 0, 1, 0, 0"
    assert view.message.value == ""
    np.testing.assert_array_equal(view.c, [0, 0, 1, 0, 0])


def test_preset_sets_c_and_its_text(view):
    view.preset = "linear ramp"
    np.testing.assert_array_equal(view.c, [1, 2, 3, 4, 5])
    assert view.c_text == "1, 2, 3, 4, 5"
    assert view.preset == "linear ramp"  # writing the text did not switch to custom


def test_marker_and_bars_follow_tau(view):
    marker = view.sweep_figure.select_one({"name": "gradient-tau-marker"})
    assert marker is view.marker and marker.location == view.model.tau
    before = np.array(view.at_tau_source.data["gumbel_softmax"])
    view.model.tau = 0.05
    assert marker.location == 0.05
    assert not np.allclose(view.at_tau_source.data["gumbel_softmax"], before)
