"""The estimator lab: its sources hold the core's sweep, honestly drawn, and follow τ."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from gumbel_viz.core import estimators, objectives
from gumbel_viz.core.streams import Stream, generator
from gumbel_viz.model import GumbelSoftmaxModel
from gumbel_viz.views import estimators as estimators_view
from gumbel_viz.views.estimators import (
    CUSTOM,
    NAMES,
    TAUS,
    TOY,
    EstimatorsView,
    runs_for,
)
from gumbel_viz.views.sample import SampleView


@pytest.fixture
def short_grid(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three τ for tests about inputs and states rather than about the curves."""
    monkeypatch.setattr(estimators_view, "TAUS", np.array([0.01, 1.0, 10.0]))


def lab(**model: object) -> EstimatorsView:
    m = GumbelSoftmaxModel(**{"seed": 1, **model})
    return EstimatorsView(model=m, main=SampleView(model=m))


@pytest.fixture(scope="module")
def swept() -> EstimatorsView:
    view = lab()
    asyncio.run(view.recompute())
    return view


def test_sweep_source_is_the_cores_sweep(swept: EstimatorsView) -> None:
    data = swept.sweep_source.data
    m = swept.model
    expected = estimators.sweep(
        m.logits, swept.objective, TAUS, list(NAMES), swept.n, runs_for(swept.n),
        generator(m.seed, 0, Stream.GRADIENTS),
    )  # fmt: skip
    np.testing.assert_array_equal(data["tau"], TAUS)
    for name in NAMES:
        curve = expected.curves[name]
        np.testing.assert_array_equal(data[f"{name}_mse"], curve.mse)
        np.testing.assert_array_equal(data[f"{name}_bias2"], curve.bias2)
        if curve.exact:
            assert np.isnan(data[f"{name}_floor"]).all()
        else:
            np.testing.assert_array_equal(data[f"{name}_floor"], 2 * curve.bias2_se)
    assert not swept.worker.busy and swept.button.label == "Recompute"


def test_bias_within_its_noise_floor_is_not_drawn(swept: EstimatorsView) -> None:
    """The old lab drew Monte Carlo noise as a bias² that *rose* as τ → 0."""
    data = swept.sweep_source.data
    gs, floor = np.asarray(data["gumbel-softmax_bias2_shown"]), data["gumbel-softmax_floor"]
    bias2 = np.asarray(data["gumbel-softmax_bias2"])
    assert np.isnan(gs[bias2 <= floor]).all() and (bias2 <= floor).any()
    drawn = ~np.isnan(gs)
    np.testing.assert_array_equal(gs[drawn], bias2[drawn])
    assert (gs[drawn] > floor[drawn]).all()
    # REINFORCE is exactly unbiased: nothing to draw; exact curves have no floor.
    assert np.isnan(np.asarray(data["reinforce_bias2_shown"], dtype=float)).all()
    assert np.isnan(np.asarray(data["reinforce_floor"], dtype=float)).all()
    # Plain straight-through is biased for this quadratic f: drawn at every τ.
    assert np.isfinite(np.asarray(data["straight-through_bias2_shown"], dtype=float)).all()


def test_the_metric_switches_the_drawn_column_not_the_figure(swept: EstimatorsView) -> None:
    figure = swept.sweep_figure
    swept.metric = "bias²"
    try:
        assert swept.sweep_figure is figure
        assert swept.lines["reinmax"][0].glyph.y == "reinmax_bias2_shown"
        assert all(floor.visible for floor in swept.floors)
    finally:
        swept.metric = "MSE"
    assert swept.lines["reinmax"][0].glyph.y == "reinmax_mse"
    assert not any(floor.visible for floor in swept.floors)


def test_status_says_what_variance_is_and_what_is_exact(swept: EstimatorsView) -> None:
    text = swept.status.value
    assert "Exact, by enumerating the 5 outcomes: REINFORCE" in text
    assert "From 200 Monte Carlo estimates: Gumbel-Softmax" in text
    assert "sum over classes of the variance of one n-draw estimate" in swept.caption
    assert "f evaluations" in swept.costs.value and "Jacobian products" in swept.costs.value


@pytest.mark.usefixtures("short_grid")
def test_estimates_at_tau_beside_the_exact_gradient() -> None:
    view = lab(tau=0.5)
    data = view.at_tau.data
    np.testing.assert_allclose(
        data["exact"], estimators.exact_gradient(view.model.logits, view.objective), rtol=1e-15
    )
    rng = generator(1, 1, Stream.GRADIENTS)
    first = estimators.ESTIMATORS[NAMES[0]](view.model.logits, view.objective, 0.5, rng, view.n)
    np.testing.assert_array_equal(data[NAMES[0]], first.mean(axis=0))
    before = np.asarray(data["gumbel-softmax"]).copy()
    view.model.tau = 2.0
    assert not np.allclose(view.at_tau.data["gumbel-softmax"], before)
    assert view.marker.location == 2.0
    assert np.isclose(np.sum(view.at_tau.data["exact"]), 0, atol=1e-15)


@pytest.mark.usefixtures("short_grid")
def test_hard_panel_forward_is_fixed_and_the_jacobian_follows_tau() -> None:
    view = lab(tau=1.0)
    forward = np.asarray(view.forward.data["forward"]).copy()
    jacobian = np.asarray(view.jacobian.data["value"]).copy()
    assert forward.sum() == 1.0 and forward[view.model.drawn_class] == 1.0
    view.model.tau = 0.1
    np.testing.assert_array_equal(view.forward.data["forward"], forward)
    after = np.asarray(view.jacobian.data["value"])
    assert not np.allclose(after, jacobian)
    y = view.model.y
    expected = (np.diag(y) - np.outer(y, y)) / 0.1
    np.testing.assert_allclose(after, expected.reshape(-1), rtol=1e-12, atol=1e-15)


@pytest.mark.usefixtures("short_grid")
def test_typed_coefficients_make_a_custom_quadratic_and_bad_ones_a_message() -> None:
    view = lab(k=3)
    view.b_text = "1, 0, -1"
    view.a_text = "2, 0, 0\n0, 0, 0\n0, 0, 0"
    assert view.preset == CUSTOM and isinstance(view.objective, objectives.Quadratic)
    np.testing.assert_array_equal(view.objective.b, [1, 0, -1])
    kept = view.objective
    view.a_text = "1, 2\n3, 4\n5, 6"
    assert "f not changed" in view.message.value and view.objective is kept
    view.a_text = "0, 1, 0\n0, 0, 0\n0, 0, 0"
    assert "symmetric" in view.message.value
    view.model.k = 4  # a typed f of 3 classes cannot stay
    assert view.preset == "random quadratic" and view.objective.k == 4
    assert "now 4" in view.message.value


@pytest.mark.usefixtures("short_grid")
def test_the_rebar_toy_needs_two_classes() -> None:
    view = lab(k=3)
    view.preset = TOY
    assert view.preset != TOY and "k = 2" in view.message.value
    view.model.k = 2
    view.preset = TOY
    assert isinstance(view.objective, objectives.Toy) and view.message.value == ""
    # Its coefficients are the toy on the simplex: F = (t², (1 − t)²).
    a, b = view.a_text, [float(v) for v in view.b_text.split(",")]
    assert a.splitlines() == ["0, 0", "0, 2"]
    np.testing.assert_allclose([b[0], 1 + b[1]], [0.499**2, 0.501**2], rtol=1e-12)


@pytest.mark.usefixtures("short_grid")
def test_rloo_is_left_out_at_one_draw_and_says_so() -> None:
    view = lab()
    view.n = 1
    assert "rloo" not in view.chosen()
    asyncio.run(view.recompute())
    assert "rloo" not in view.result.curves and "RLOO needs n ≥ 2" in view.status.value
    view.names = []
    asyncio.run(view.recompute())
    assert "Choose at least one estimator" in view.status.value


@pytest.mark.parametrize(
    "probabilities",
    [[0.2] * 5, [1.0, 0, 0, 0, 0], [0.5, 0, 0.3, 0.2, 0], [0.3, 0.7], list(np.ones(12) / 12)],
    ids=["uniform", "one sure class", "zeros", "k=2", "k=12"],
)
@pytest.mark.usefixtures("short_grid")
def test_every_edge_state_sweeps_to_finite_numbers(probabilities: list[float]) -> None:
    view = lab(k=len(probabilities))
    view.model.set_probabilities(probabilities)
    view.n = 10
    asyncio.run(view.recompute())
    for name in view.result.curves:
        for metric in ("mse", "bias2", "variance"):
            column = view.sweep_source.data[f"{name}_{metric}"]
            assert np.isfinite(np.asarray(column, dtype=float)).all(), (name, metric)
    for name, column in view.at_tau.data.items():
        if name != "cls":
            assert np.isfinite(np.asarray(column, dtype=float)).all(), name
    assert "nan" not in view.status.value.lower()
