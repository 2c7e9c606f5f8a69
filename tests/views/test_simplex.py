"""The simplex view's Python side: its sources hold the density and samples of the model."""

from __future__ import annotations

import numpy as np
import pytest

from gumbel_viz import core
from gumbel_viz.core import density
from gumbel_viz.model import GumbelSoftmaxModel
from gumbel_viz.views.simplex import (
    BINARY_BINS,
    BINARY_SAMPLES,
    CLOUD_SIZE,
    GRID_RESOLUTION,
    SimplexView,
)


def view(k: int, tau: float = 0.5, seed: int = 1) -> SimplexView:
    return SimplexView(model=GumbelSoftmaxModel(k=k, seed=seed, tau=tau))


def mean_distance_to_nearest_corner(v: SimplexView) -> float:
    xy = np.column_stack([v.samples.data["x"], v.samples.data["y"]])
    d = np.linalg.norm(xy[:, None, :] - density.TRIANGLE_VERTICES[None], axis=-1)
    return float(d.min(axis=1).mean())


def test_ternary_density_source_is_the_density_on_the_grid() -> None:
    v = view(3, tau=0.5)
    bary, xy = density.ternary_grid(GRID_RESOLUTION)
    data = v.density.data
    assert v.density.name == "simplex-density"
    np.testing.assert_array_equal(np.column_stack([data["y1"], data["y2"], data["y3"]]), bary)
    np.testing.assert_array_equal(np.column_stack([data["x"], data["y"]]), xy)
    for tau in (0.5, 0.13, 3.0):
        v.model.tau = tau
        expected = density.concrete_log_density(np.log(bary), v.model.logits, tau)
        np.testing.assert_allclose(v.density.data["logp"], expected, rtol=1e-12)
        assert np.isfinite(v.density.data["logp"]).all()
        assert v.color_mapper.high == pytest.approx(expected.max())
    v.model.resample = True  # new π: new density
    expected = density.concrete_log_density(np.log(bary), v.model.logits, 3.0)
    np.testing.assert_allclose(v.density.data["logp"], expected, rtol=1e-12)


def test_samples_are_drawn_at_the_current_tau() -> None:
    v = view(3, tau=2.0)
    assert len(v.samples.data["x"]) == CLOUD_SIZE
    warm = mean_distance_to_nearest_corner(v)
    v.model.tau = 0.1
    cold = mean_distance_to_nearest_corner(v)
    assert cold < 0.5 * warm, (cold, warm)
    # exactly the relaxation of the view's fixed noise at the model's π and τ
    y = np.column_stack([v.samples.data[c] for c in ("y1", "y2", "y3")])
    np.testing.assert_allclose(
        y, core.gumbel_softmax(v.model.logits, 0.1, gumbel=v._gumbel[3]), rtol=1e-12
    )
    np.testing.assert_allclose(
        np.column_stack([v.samples.data["x"], v.samples.data["y"]]), density.to_cartesian(y)
    )


def test_current_marker_is_model_y() -> None:
    v = view(3, tau=0.7)
    for tau in (0.7, 0.05, 4.0):
        v.model.tau = tau
        xy = density.to_cartesian(v.model.y)
        assert v.current.data["x"] == pytest.approx([xy[0]])
        assert v.current.data["y"] == pytest.approx([xy[1]])


def test_caption_says_which_side_of_the_threshold() -> None:
    v = view(3, tau=0.3)
    assert "1/(k−1) = 0.5" in v.caption.value and "<b>below</b>" in v.caption.value
    v.model.tau = 0.8
    assert "<b>above</b>" in v.caption.value
    assert "corners" in v.caption.value and "centre" in v.caption.value


def test_binary_content() -> None:
    v = view(2, tau=0.7)
    assert v.binary_density.name == "binary-density" and v.binary_hist.name == "binary-hist"
    assert v.content.objects[1] is v._binary_pane
    d = v.binary_density.data
    np.testing.assert_allclose(
        d["logp"], density.binary_concrete_log_density(d["y1"], v.model.logits, 0.7)
    )
    h = v.binary_hist.data
    assert len(h["top"]) == BINARY_BINS
    # the histogram is a density histogram of 10^5 samples that follows the curve
    widths = np.asarray(h["right"]) - np.asarray(h["left"])
    assert np.sum(h["top"] * widths) == pytest.approx(1.0)
    assert v._gumbel[2].shape == (BINARY_SAMPLES, 2)
    centres = (np.asarray(h["left"]) + np.asarray(h["right"])) / 2
    inner = slice(2, -2)  # away from the ends, where the density varies fastest
    curve = np.exp(density.binary_concrete_log_density(centres, v.model.logits, 0.7))
    np.testing.assert_allclose(h["top"][inner], curve[inner], rtol=0.1)
    assert "1/(k−1) = 1" in v.caption.value and "<b>below</b>" in v.caption.value


def test_other_k_shows_the_message_and_switches() -> None:
    v = view(5)
    assert "The simplex view needs k = 2 or 3" in v.caption.value
    to3, to2 = v._switch.objects
    assert (to3.label, to2.label) == ("Use k = 3", "Use k = 2")
    to2.clicks += 1
    assert v.model.k == 2
    assert v.content.objects[1] is v._binary_pane
    v.model.k = 7
    assert v.content.objects[1] is v._switch
    to3.clicks += 1
    assert v.model.k == 3
    assert v.content.objects[1] is v._ternary_pane
    assert v.model.probabilities.shape == (3,)
    np.testing.assert_allclose(
        v.density.data["logp"],
        density.concrete_log_density(np.log(v.bary), v.model.logits, v.model.tau),
    )


def test_figures_are_built_once_and_reused() -> None:
    v = view(3)
    pane = v._ternary_pane
    v.model.k = 2
    v.model.k = 3
    assert v._ternary_pane is pane and v.content.objects[1] is pane


def test_a_zero_probability_class_draws_no_density() -> None:
    v = view(3)
    v.model.set_probabilities([0.5, 0.5, 0.0])
    assert len(v.density.data["logp"]) == 0
    assert "π = 0" in v.caption.value
    assert len(v.samples.data["x"]) == CLOUD_SIZE
    v.model.set_probabilities([0.2, 0.3, 0.5])
    assert len(v.density.data["logp"]) == len(v.bary)
