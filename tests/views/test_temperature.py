"""The temperature path: y_k(τ) and H(y)(τ) for the current noise, from the core."""

from __future__ import annotations

import numpy as np
import pytest

from gumbel_viz import core
from gumbel_viz.model import GumbelSoftmaxModel
from gumbel_viz.views.sample import SampleView
from gumbel_viz.views.temperature import TAUS, TemperatureView

from .states import with_zero_class


def path_matrix(view: TemperatureView) -> np.ndarray:
    return np.column_stack(view.path.data["y"])


def test_temperature_path_is_the_engines() -> None:
    model = GumbelSoftmaxModel(seed=6)
    view = TemperatureView(model=model)
    assert view.path.name == "temperature-path"
    assert view.entropy.name == "temperature-entropy"
    assert TAUS[0] == pytest.approx(0.01) and TAUS[-1] == pytest.approx(100.0)
    assert 250 <= len(TAUS) <= 350
    np.testing.assert_allclose(np.diff(np.log10(TAUS)), 4 / (len(TAUS) - 1))
    expected = core.gumbel_softmax(model.logits, TAUS, gumbel=model.noise)
    np.testing.assert_array_equal(path_matrix(view), expected)
    for taus in view.path.data["tau"]:
        np.testing.assert_array_equal(taus, TAUS)
    np.testing.assert_array_equal(view.entropy.data["tau"], TAUS)
    np.testing.assert_array_equal(view.entropy.data["entropy"], core.entropy(expected, axis=-1))
    labels = view.path.data["label"]
    assert labels[0] == "class 1" or model.drawn_class == 0
    assert labels[model.drawn_class] == f"class {model.drawn_class + 1} (drawn)"
    assert len(set(view.path.data["color"])) == model.k


def test_temperature_path_goes_from_one_hot_to_uniform() -> None:
    checked_one_hot = 0
    for seed in range(12):
        model = GumbelSoftmaxModel(seed=seed, k=2 + seed % 6)
        view = TemperatureView(model=model)
        y, h = path_matrix(view), view.entropy.data["entropy"]
        # The drawn class is the largest y at every tau: the lines never cross it.
        assert (y.argmax(axis=1) == model.drawn_class).all()
        z = np.sort(model.logits + model.noise)
        if z[-1] - z[-2] > 0.1:  # at tau = 0.01 the others weigh < (k-1) e^-10
            assert y[0, model.drawn_class] >= 1 - 1e-3
            assert h[0] < 0.02
            checked_one_hot += 1
        np.testing.assert_allclose(y[-1], 1 / model.k, atol=0.05)
        assert h[-1] == pytest.approx(np.log(model.k), abs=0.01)
        assert (np.diff(h) > -1e-12).all()  # the entropy only rises with tau
    assert checked_one_hot >= 6


def test_temperature_with_a_zero_class_tends_to_uniform_over_the_rest() -> None:
    model = GumbelSoftmaxModel(seed=9, k=5)
    view = TemperatureView(model=model)
    with_zero_class(model, zero=3)
    y = path_matrix(view)
    np.testing.assert_array_equal(y[:, 3], 0.0)
    np.testing.assert_allclose(np.delete(y[-1], 3), 1 / 4, atol=0.05)
    assert view.uniform_level.location == pytest.approx(0.25)
    assert "1/4" in view.uniform_label.text
    assert view.max_entropy.location == pytest.approx(np.log(4))
    assert np.isfinite(view.entropy.data["entropy"]).all()


def test_temperature_updates_on_resample_and_k() -> None:
    model = GumbelSoftmaxModel(seed=10)
    view = TemperatureView(model=model)
    before = path_matrix(view)
    model.param.trigger("resample")
    after = path_matrix(view)
    assert not np.array_equal(before, after)
    np.testing.assert_array_equal(
        after, core.gumbel_softmax(model.logits, TAUS, gumbel=model.noise)
    )
    model.k = 7
    assert path_matrix(view).shape == (len(TAUS), 7)
    assert view.uniform_level.location == pytest.approx(1 / 7)
    assert view.pi_entropy.location == pytest.approx(core.entropy(model.probabilities))
    assert view.entropy_range.end > np.log(7)


def test_tau_markers_follow_python_and_are_linked_to_the_slider() -> None:
    model = GumbelSoftmaxModel(seed=1, tau=2.0)
    view = TemperatureView(model=model)
    assert [m.location for m in view.markers] == [2.0, 2.0]
    assert all(m.dimension == "height" for m in view.markers)
    model.tau = 0.037
    assert [m.location for m in view.markers] == [0.037, 0.037]
    model.param.trigger("resample")
    assert [m.location for m in view.markers] == [0.037, 0.037]

    main = SampleView(model=model)
    linked = TemperatureView(model=model, main=main)
    callbacks = main.tau_slider.js_property_callbacks["change:value"]
    (callback,) = [cb for cb in callbacks if "markers" in cb.args]
    assert list(callback.args["markers"]) == linked.markers  # moved in the browser
