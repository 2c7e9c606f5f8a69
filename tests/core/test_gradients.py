"""The gradient estimators against the closed form, finite differences and each other.

Monte Carlo checks use fixed seeds. "Unbiased" is a z-test per component: the mean of
n_estimates independent estimates must lie within 4 standard errors of the exact
gradient (a false alarm has probability about 6e-5 per component for a correct
estimator; a biased one fails once its bias exceeds 4 SE).
"""

from __future__ import annotations

import numpy as np
import pytest

from gumbel_viz import core
from gumbel_viz.core import gradients as gr

PI = np.array([0.1, 0.25, 0.05, 0.4, 0.2])
THETA = np.log(PI)
C = np.array([1.0, -2.0, 3.0, 0.5, -1.0])


def assert_unbiased(estimates: np.ndarray, exact: np.ndarray) -> None:
    mean = estimates.mean(axis=0)
    se = estimates.std(axis=0, ddof=1) / np.sqrt(len(estimates))
    z = np.abs(mean - exact) / se
    assert (z < 4).all(), f"|mean - exact| / SE = {z}"


# --------------------------------------------------------------------------- exact math


def test_exact_gradient_matches_finite_differences_of_expected_f():
    rng = np.random.default_rng(1)
    theta, c = rng.normal(size=6), rng.normal(size=6)

    def expected_f(t):
        return core.softmax(t) @ c

    h = 1e-6
    fd = np.array(
        [(expected_f(theta + h * e) - expected_f(theta - h * e)) / (2 * h) for e in np.eye(6)]
    )
    np.testing.assert_allclose(gr.exact_gradient(theta, c), fd, rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_softmax_jacobian_matches_central_differences(seed):
    rng = np.random.default_rng(seed)
    k = 4 + seed
    theta, g = rng.normal(size=k), core.sample_gumbel(rng, k)
    tau = float(rng.uniform(0.5, 3.0))

    def y_of(t):
        return core.gumbel_softmax(t, tau, gumbel=g)

    h = 1e-5
    # column j of J = dy / d theta_j
    fd = np.stack(
        [(y_of(theta + h * e) - y_of(theta - h * e)) / (2 * h) for e in np.eye(k)], axis=-1
    )
    np.testing.assert_allclose(gr.softmax_jacobian(y_of(theta), tau), fd, rtol=1e-6, atol=1e-10)


def test_softmax_jacobian_is_batched():
    rng = np.random.default_rng(3)
    y = core.gumbel_softmax(THETA, 0.7, rng=rng, sample_shape=(2, 3))
    jac = gr.softmax_jacobian(y, 0.7)
    assert jac.shape == (2, 3, 5, 5)
    np.testing.assert_allclose(jac[1, 2], gr.softmax_jacobian(y[1, 2], 0.7))
    np.testing.assert_allclose(jac.sum(axis=-1), 0, atol=1e-15)


# --------------------------------------------------------------------------- estimators


def test_reinforce_is_unbiased():
    est = gr.reinforce(THETA, C, None, 10, 4000, np.random.default_rng(10))
    assert est.shape == (4000, 5)
    assert_unbiased(est, gr.exact_gradient(THETA, C))


def test_reinforce_baseline_is_unbiased():
    est = gr.reinforce_baseline(THETA, C, None, 10, 4000, np.random.default_rng(11))
    assert_unbiased(est, gr.exact_gradient(THETA, C))


def test_unbiasedness_check_catches_a_biased_estimator():
    """The z-test above has teeth: Gumbel-Softmax at tau = 1 fails it."""
    est = gr.gumbel_softmax_estimator(THETA, C, 1.0, 10, 4000, np.random.default_rng(12))
    with pytest.raises(AssertionError):
        assert_unbiased(est, gr.exact_gradient(THETA, C))


def test_baseline_lowers_variance_for_shifted_payoffs():
    shifted = C + 10.0
    exact = gr.exact_gradient(THETA, shifted)
    plain = gr.reinforce(THETA, shifted, None, 10, 2000, np.random.default_rng(20))
    based = gr.reinforce_baseline(THETA, shifted, None, 10, 2000, np.random.default_rng(21))
    assert_unbiased(based, exact)
    v_plain = gr.bias_variance(plain, exact).variance
    v_based = gr.bias_variance(based, exact).variance
    assert v_based < 0.2 * v_plain, (v_based, v_plain)


def test_baseline_with_one_sample_is_plain_reinforce():
    a = gr.reinforce_baseline(THETA, C, None, 1, 50, np.random.default_rng(5))
    b = gr.reinforce(THETA, C, None, 1, 50, np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)


def test_gumbel_softmax_bias_shrinks_and_variance_grows_as_tau_falls():
    result = gr.sweep(THETA, C, [0.05, 0.1, 1.0, 5.0], 50, 2000, np.random.default_rng(30))
    bias2 = dict(zip(result.taus, result.metrics["gumbel_softmax"]["bias2"], strict=True))
    var = dict(zip(result.taus, result.metrics["gumbel_softmax"]["variance"], strict=True))
    # bias² at τ=0.1 is ~4e-5 (about the Monte Carlo floor var/n_estimates), vs 4e-2, 0.2.
    assert bias2[0.1] < 0.1 * bias2[1.0]
    assert bias2[1.0] < 0.5 * bias2[5.0]
    assert var[0.05] > 10 * var[1.0]


def test_straight_through_equals_gumbel_softmax_for_linear_f_but_not_otherwise():
    args = (THETA, C, 0.5, 20, 30)
    gs = gr.gumbel_softmax_estimator(*args, np.random.default_rng(40))
    st = gr.straight_through(*args, np.random.default_rng(40))
    np.testing.assert_array_equal(gs, st)

    def df(z):  # f(z) = c·z + 2 Σ z²
        return C + 4.0 * z

    gs = gr.gumbel_softmax_estimator(*args, np.random.default_rng(40), df=df)
    st = gr.straight_through(*args, np.random.default_rng(40), df=df)
    assert not np.allclose(gs, st)


@pytest.mark.parametrize("name", gr.ESTIMATORS)
@pytest.mark.parametrize("n_samples", [1, 7])
def test_every_estimate_sums_to_zero_over_classes(name, n_samples):
    fn = {
        "reinforce": gr.reinforce,
        "reinforce_baseline": gr.reinforce_baseline,
        "gumbel_softmax": gr.gumbel_softmax_estimator,
        "straight_through": gr.straight_through,
    }[name]
    est = fn(THETA, C + 3.0, 0.3, n_samples, 100, np.random.default_rng(50))
    assert np.isfinite(est).all()
    np.testing.assert_allclose(est.sum(axis=-1), 0, atol=1e-12)
    assert np.abs(est).max() > 0  # not trivially zero
    np.testing.assert_allclose(gr.exact_gradient(THETA, C).sum(), 0, atol=1e-15)


def test_zero_probability_class_gets_no_gradient():
    theta = core.logits_from_probabilities([0.5, 0.0, 0.5])
    c = np.array([1.0, 5.0, 0.0])
    for est in gr.estimates_at(theta, c, 0.5, 10, 50, np.random.default_rng(6)).values():
        assert np.isfinite(est).all()
        np.testing.assert_array_equal(est[:, 1], 0)


# --------------------------------------------------------------------------- summaries


def test_bias_variance_decomposition():
    est = np.array([[1.0, -1.0], [3.0, -3.0]])
    bv = gr.bias_variance(est, np.array([0.0, 0.0]))
    assert bv.bias2 == pytest.approx(8.0)  # mean (2, -2)
    assert bv.variance == pytest.approx(2.0)  # each row is (±1, ∓1) from the mean
    assert bv.mse == pytest.approx(10.0)


def test_sweep_broadcasts_reinforce_and_is_reproducible():
    taus = np.logspace(-1, 1, 4)
    a = gr.sweep(THETA, C, taus, 10, 50, np.random.default_rng(7))
    b = gr.sweep(THETA, C, taus, 10, 50, np.random.default_rng(7))
    for name in gr.ESTIMATORS:
        for metric in gr.METRICS:
            np.testing.assert_array_equal(a.metrics[name][metric], b.metrics[name][metric])
            assert a.metrics[name][metric].shape == (4,)
    assert np.ptp(a.metrics["reinforce"]["mse"]) == 0
    assert np.ptp(a.metrics["gumbel_softmax"]["mse"]) > 0


def test_sweep_work_cap():
    with pytest.raises(ValueError, match=r"n_samples=100 × n_estimates=1000 × len\(taus\)=21"):
        gr.sweep(THETA, C, np.ones(21), 100, 1000, np.random.default_rng(0))


@pytest.mark.parametrize(
    "bad", [np.array([1.0, np.nan, 0, 0, 0]), np.ones(4), np.array([np.inf, 0, 0, 0, 0])]
)
def test_bad_payoffs_are_rejected(bad):
    with pytest.raises(ValueError, match="c must"):
        gr.exact_gradient(THETA, bad)


def test_presets():
    assert list(gr.PRESETS) == [
        "reward the rarest class",
        "reward the likeliest class",
        "linear ramp",
        "alternating ±1",
    ]
    np.testing.assert_array_equal(gr.preset_c("reward the rarest class", PI), [0, 0, 1, 0, 0])
    np.testing.assert_array_equal(gr.preset_c("reward the likeliest class", PI), [0, 0, 0, 1, 0])
    np.testing.assert_array_equal(gr.preset_c("linear ramp", PI), [1, 2, 3, 4, 5])
    np.testing.assert_array_equal(gr.preset_c("alternating ±1", PI), [1, -1, 1, -1, 1])
    with pytest.raises(ValueError, match="unknown preset"):
        gr.preset_c("nope", PI)
