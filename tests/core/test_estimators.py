"""The gradient estimators against exact gradients, enumeration and each other.

Monte Carlo checks use fixed seeds. "Unbiased" is a z-test per component: the mean
of independent estimates must lie within 4 standard errors of the exact gradient
(a false alarm has probability about 6e-5 per component for a correct estimator).
Each oracle is also shown catching an estimator built to break it.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from gumbel_viz.core import estimators as es
from gumbel_viz.core import objectives as ob
from gumbel_viz.core.relaxation import sample_gumbel, softmax

PI = np.array([0.1, 0.25, 0.05, 0.4, 0.2])
THETA = np.log(PI)
C = np.array([1.0, -2.0, 3.0, 0.5, -1.0])
NAMES = list(es.ESTIMATORS)


def quadratic(seed: int, k: int = 5) -> ob.Quadratic:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(k, k))
    return ob.Quadratic((a + a.T) / 2, rng.normal(size=k))


def molecule() -> ob.PairwiseObjective:
    return ob.problem("molecule").objective


def assert_unbiased(estimates: np.ndarray, exact: np.ndarray) -> None:
    mean = estimates.mean(axis=0)
    se = estimates.std(axis=0, ddof=1) / np.sqrt(len(estimates))
    z = np.abs(mean - exact) / se
    assert (z < 4).all(), f"|mean - exact| / SE = {z}"


def jvp(p: np.ndarray, d: np.ndarray) -> np.ndarray:
    """J(p) d with J(p) = diag(p) − ppᵀ, written out as a matrix."""
    return (np.diag(p) - np.outer(p, p)) @ d


def enumerated_mean(theta: np.ndarray, estimate_of_draw) -> np.ndarray:
    """Σ_i π_i · estimate(e_i) for one categorical, by enumeration written out here."""
    pi = softmax(theta)
    return sum(pi[i] * estimate_of_draw(np.eye(len(pi))[i]) for i in range(len(pi)))


def expected_f(theta: np.ndarray, objective: ob.Objective) -> float:
    """E f = Σ_a Π_i π_i[a_i] f(onehot(a)) by itertools over every assignment."""
    rows = softmax(np.atleast_2d(theta))
    m, k = rows.shape
    total = 0.0
    for a in itertools.product(range(k), repeat=m):
        z = np.eye(k)[list(a)].reshape(theta.shape)
        total += np.prod(rows[np.arange(m), a]) * float(objective.value(z))
    return total


# --------------------------------------------------------------------------- exact gradient


@pytest.mark.parametrize(
    ("theta", "objective"),
    [
        (
            np.random.default_rng(1).normal(size=6),
            ob.Linear(np.random.default_rng(2).normal(size=6)),
        ),
        (THETA, quadratic(3)),
        (np.array([0.3, -0.2]), ob.Toy()),
        (np.random.default_rng(4).normal(size=(4, 3)), molecule()),
    ],
    ids=["linear", "quadratic", "toy", "molecule"],
)
def test_exact_gradient_matches_finite_differences_of_expected_f(theta, objective):
    h, fd = 1e-6, np.zeros(theta.shape)
    for index in np.ndindex(theta.shape):
        step = np.zeros(theta.shape)
        step[index] = h
        fd[index] = (expected_f(theta + step, objective) - expected_f(theta - step, objective)) / (
            2 * h
        )
    grad = es.exact_gradient(theta, objective)
    np.testing.assert_allclose(grad, fd, atol=1e-8)
    np.testing.assert_allclose(grad.sum(axis=-1), 0, atol=1e-15)


def test_finite_differences_catch_a_gradient_without_the_mean_term():
    objective = quadratic(5)
    h = 1e-6
    fd = np.array(
        [
            (expected_f(THETA + h * e, objective) - expected_f(THETA - h * e, objective)) / (2 * h)
            for e in np.eye(5)
        ]
    )
    assert np.abs(PI * objective.vertex_values() - fd).max() > 1e-2  # π ⊙ F, no −(π·F)π


def test_toy_gradient_in_logits_at_even_odds():
    np.testing.assert_allclose(
        es.exact_gradient([0.0, 0.0], ob.Toy()), [-0.0005, 0.0005], atol=1e-15
    )


# --------------------------------------------------------------------------- REINFORCE, RLOO


def test_reinforce_is_unbiased_by_enumeration_and_by_sampling():
    objective = quadratic(6)
    exact = es.exact_gradient(THETA, objective)
    mean, variance = es.exact_moments("reinforce", THETA, objective, 1.0)
    np.testing.assert_allclose(mean, exact, atol=1e-15)
    draws = es.ESTIMATORS["reinforce"](THETA, objective, 1.0, np.random.default_rng(7), 40_000)
    assert_unbiased(draws, exact)
    assert draws.var(axis=0, ddof=1).sum() == pytest.approx(variance, rel=0.05)


def test_unbiasedness_catches_reinforce_without_the_mean_term():
    objective = ob.Linear(C)  # E f = −0.25, so f(D) D alone is off by −E f · π
    draws = es.ESTIMATORS["reinforce"](THETA, objective, 1.0, np.random.default_rng(7), 40_000)
    # The documented draw order: g = sample_gumbel(rng, (n, k)) first, D = onehot(argmax(θ + g)).
    g = sample_gumbel(np.random.default_rng(7), (40_000, 5))
    onehot = np.eye(5)[np.argmax(THETA + g, axis=-1)]
    f = onehot @ C
    np.testing.assert_allclose(draws, f[:, None] * (onehot - PI), atol=1e-15)
    assert_unbiased(draws, es.exact_gradient(THETA, objective))
    with pytest.raises(AssertionError, match="SE"):
        assert_unbiased(f[:, None] * onehot, es.exact_gradient(THETA, objective))


def rloo_estimates(theta, objective, n, runs, seed):
    """``runs`` independent n-draw RLOO estimates (the mean of each call's rows)."""
    rng = np.random.default_rng(seed)
    return np.array(
        [es.ESTIMATORS["rloo"](theta, objective, 1.0, rng, n).mean(axis=0) for _ in range(runs)]
    )


def test_rloo_is_unbiased_and_its_exact_variance_holds():
    objective = quadratic(8)
    exact = es.exact_gradient(THETA, objective)
    estimates = rloo_estimates(THETA, objective, 4, 10_000, 9)
    assert_unbiased(estimates, exact)
    mean, variance = es.exact_moments("rloo", THETA, objective, 1.0, n=4)
    np.testing.assert_allclose(mean, exact, atol=1e-15)
    # tr Cov of 10 000 estimates: relative standard error about 2 %.
    assert estimates.var(axis=0, ddof=1).sum() == pytest.approx(variance, rel=0.08)
    naive = es.exact_moments("reinforce", THETA, objective, 1.0, n=4)[1]
    assert abs(naive - variance) > 0.2 * variance  # the U-statistic formula is not var / n


def test_rloo_exact_variance_for_the_molecule():
    objective = molecule()
    theta = np.random.default_rng(36).normal(size=(4, 3))
    estimates = rloo_estimates(theta, objective, 3, 10_000, 37).reshape(10_000, -1)
    assert_unbiased(estimates, es.exact_gradient(theta, objective).reshape(-1))
    variance = es.exact_moments("rloo", theta, objective, 1.0, n=3)[1]
    assert estimates.var(axis=0, ddof=1).sum() == pytest.approx(variance, rel=0.08)


def test_unbiasedness_catches_a_baseline_that_includes_the_draw_itself():
    objective = quadratic(8)
    n = 4
    estimates = rloo_estimates(THETA, objective, n, 10_000, 9)
    # (f_i − mean_all f)(D_i − π) = (n−1)/n · (f_i − mean_{j≠i} f)(D_i − π)
    with pytest.raises(AssertionError, match="SE"):
        assert_unbiased(estimates * (n - 1) / n, es.exact_gradient(THETA, objective))


def test_rloo_ignores_a_constant_added_to_f():
    rng = np.random.default_rng(10)
    a = es.ESTIMATORS["rloo"](THETA, ob.Linear(C), 1.0, rng, 50)
    b = es.ESTIMATORS["rloo"](THETA, ob.Linear(C + 100.0), 1.0, np.random.default_rng(10), 50)
    np.testing.assert_allclose(a, b, atol=1e-12)
    va = es.exact_moments("rloo", THETA, ob.Linear(C), 1.0, n=5)[1]
    vb = es.exact_moments("rloo", THETA, ob.Linear(C + 100.0), 1.0, n=5)[1]
    assert va == pytest.approx(vb, rel=1e-10)


def test_reinforce_is_unbiased_for_the_molecule():
    objective = molecule()
    theta = np.random.default_rng(11).normal(size=(4, 3))
    draws = es.ESTIMATORS["reinforce"](theta, objective, 1.0, np.random.default_rng(12), 40_000)
    assert draws.shape == (40_000, 4, 3)
    assert_unbiased(draws.reshape(len(draws), -1), es.exact_gradient(theta, objective).reshape(-1))
    mean, _ = es.exact_moments("reinforce", theta, objective, 1.0)
    np.testing.assert_allclose(mean, es.exact_gradient(theta, objective), atol=1e-15)


# --------------------------------------------------------------------------- relaxed estimators


def test_st_gumbel_softmax_equals_gumbel_softmax_for_linear_f():
    for tau in (0.1, 1.0, 5.0):
        gs = es.ESTIMATORS["gumbel-softmax"](
            THETA, ob.Linear(C), tau, np.random.default_rng(13), 500
        )
        st = es.ESTIMATORS["st-gumbel-softmax"](
            THETA, ob.Linear(C), tau, np.random.default_rng(13), 500
        )
        np.testing.assert_array_equal(gs, st)


def test_st_gumbel_softmax_and_gumbel_softmax_differ_for_quadratic_f():
    gs = es.ESTIMATORS["gumbel-softmax"](THETA, quadratic(14), 0.5, np.random.default_rng(13), 500)
    st = es.ESTIMATORS["st-gumbel-softmax"](
        THETA, quadratic(14), 0.5, np.random.default_rng(13), 500
    )
    assert np.abs(gs - st).max() > 1e-2


def test_gumbel_softmax_is_biased_at_large_tau_for_linear_f():
    draws = es.ESTIMATORS["gumbel-softmax"](
        THETA, ob.Linear(C), 1.0, np.random.default_rng(15), 40_000
    )
    with pytest.raises(AssertionError, match="SE"):
        assert_unbiased(draws, es.exact_gradient(THETA, ob.Linear(C)))


# --------------------------------------------------------------------------- ReinMax, plain ST


@pytest.mark.parametrize("seed", range(12))
def test_reinmax_is_exactly_unbiased_at_tau_1_for_every_quadratic(seed):
    rng = np.random.default_rng(100 + seed)
    k = 3 + seed % 6
    a = rng.normal(size=(k, k))
    objective = ob.Quadratic(a + a.T, rng.normal(size=k))
    theta = rng.normal(size=k)
    exact = es.exact_gradient(theta, objective)
    reinmax = es.exact_moments("reinmax", theta, objective, 1.0)[0]
    np.testing.assert_allclose(reinmax, exact, atol=1e-15)  # 3e-16 at worst here
    straight = es.exact_moments("straight-through", theta, objective, 1.0)[0]
    assert np.abs(straight - exact).max() > 1e-3


def test_plain_straight_through_bias_on_random_quadratics_at_tau_1():
    # FACTS.md: 0.03–0.12 max-abs on random k = 5 quadratics (A = (M + Mᵀ)/2, θ ~ N(0, 1)).
    biases = []
    for seed in range(6):
        rng = np.random.default_rng(seed)
        a = rng.normal(size=(5, 5))
        objective = ob.Quadratic((a + a.T) / 2, rng.normal(size=5))
        theta = rng.normal(size=5)
        mean = es.exact_moments("straight-through", theta, objective, 1.0)[0]
        biases.append(np.abs(mean - es.exact_gradient(theta, objective)).max())
    assert min(biases) > 0.03 and max(biases) < 0.14


def test_the_reinmax_oracle_catches_a_wrong_coefficient_and_a_wrong_tau():
    objective = quadratic(16)
    theta = np.random.default_rng(17).normal(size=5)
    exact = es.exact_gradient(theta, objective)

    def reinmax(d, first=2.0, second=0.5, tau=1.0):
        pi1 = (d + softmax(theta / tau)) / 2
        grad = objective.grad(d)
        return first * jvp(pi1, grad) - second * jvp(softmax(theta), grad)

    np.testing.assert_allclose(enumerated_mean(theta, reinmax), exact, atol=1e-14)
    assert np.abs(enumerated_mean(theta, lambda d: reinmax(d, second=1.0)) - exact).max() > 1e-2
    assert np.abs(enumerated_mean(theta, lambda d: reinmax(d, tau=2.0)) - exact).max() > 1e-3
    at_2 = es.exact_moments("reinmax", theta, objective, 2.0)[0]
    np.testing.assert_allclose(
        at_2, enumerated_mean(theta, lambda d: reinmax(d, tau=2.0)), atol=1e-15
    )


def test_straight_through_is_exact_for_linear_f_at_tau_1_only():
    exact = es.exact_gradient(THETA, ob.Linear(C))
    np.testing.assert_allclose(
        es.exact_moments("straight-through", THETA, ob.Linear(C), 1.0)[0], exact, atol=1e-15
    )
    at_half = es.exact_moments("straight-through", THETA, ob.Linear(C), 0.5)[0]
    assert np.abs(at_half - exact).max() > 1e-2


def test_straight_through_and_reinmax_are_exact_for_pairwise_f_at_tau_1():
    # Each row enters f linearly (W_ii = 0) and the rows are independent.
    objective = molecule()
    theta = np.random.default_rng(18).normal(size=(4, 3))
    exact = es.exact_gradient(theta, objective)
    for name in ("straight-through", "reinmax"):
        np.testing.assert_allclose(
            es.exact_moments(name, theta, objective, 1.0)[0], exact, atol=1e-15
        )
        assert np.abs(es.exact_moments(name, theta, objective, 0.3)[0] - exact).max() > 1e-3


# --------------------------------------------------------------------------- Gumbel-Rao


def test_conditional_gumbel_keeps_the_argmax_and_the_gumbel_marginal():
    rng = np.random.default_rng(19)
    g = sample_gumbel(rng, (50_000, 5))
    d = np.eye(5)[np.argmax(THETA + g, axis=-1)]
    zeta = es._conditional_gumbel(THETA, d, rng, 2)  # (50 000, 2, 5)
    np.testing.assert_array_equal(
        zeta.argmax(axis=-1), np.repeat(d.argmax(axis=-1)[:, None], 2, 1)
    )
    noise = (zeta - THETA)[:, 0]  # D ~ Cat(π) mixed over: plain Gumbel(0, 1) noise again
    se_mean = np.pi / np.sqrt(6) / np.sqrt(len(noise))
    assert (np.abs(noise.mean(axis=0) - np.euler_gamma) < 4 * se_mean).all()
    assert (np.abs(noise.var(axis=0) / (np.pi**2 / 6) - 1) < 0.03).all()


def test_the_argmax_check_catches_an_untruncated_conditional_draw():
    rng = np.random.default_rng(19)
    d = np.eye(5)[np.argmax(THETA + sample_gumbel(rng, (5000, 5)), axis=-1)]
    top = es._conditional_gumbel(THETA, d, rng, 1)[:, 0]
    untruncated = np.where(d == 1, top, THETA + sample_gumbel(rng, (5000, 5)))
    assert (untruncated.argmax(axis=-1) != d.argmax(axis=-1)).any()


@pytest.mark.parametrize("m", [1, 10, 100])
def test_gumbel_rao_has_the_mean_of_st_gumbel_softmax(m):
    objective, n = quadratic(20), 10_000
    st = es.ESTIMATORS["st-gumbel-softmax"](THETA, objective, 0.5, np.random.default_rng(21), n)
    gr = es.ESTIMATORS["gumbel-rao"](THETA, objective, 0.5, np.random.default_rng(21), n, m=m)
    assert_unbiased(gr - st, np.zeros(5))  # paired: the shared D cancels most of the noise


def test_gumbel_rao_draws_d_like_st_gumbel_softmax_then_its_conditional_samples():
    objective, tau = quadratic(20), 0.5
    gr = es.ESTIMATORS["gumbel-rao"](THETA, objective, tau, np.random.default_rng(21), 50, m=3)
    rng = np.random.default_rng(21)
    d = np.eye(5)[np.argmax(THETA + sample_gumbel(rng, (50, 5)), axis=-1)]
    zeta = es._conditional_gumbel(THETA, d, rng, 3)
    grad = objective.grad(d)
    rows = [
        np.mean([jvp(softmax(z / tau), grad[i]) / tau for z in zeta[i]], axis=0) for i in range(50)
    ]
    np.testing.assert_allclose(gr, rows, atol=1e-13)


def test_the_paired_test_catches_unconditional_noise(monkeypatch):
    objective, n = quadratic(20), 10_000
    st = es.ESTIMATORS["st-gumbel-softmax"](THETA, objective, 0.5, np.random.default_rng(21), n)

    def unconditional(theta, d, rng, m):
        return theta + sample_gumbel(rng, (len(d), m, *theta.shape))

    monkeypatch.setattr(es, "_conditional_gumbel", unconditional)
    gr = es.ESTIMATORS["gumbel-rao"](THETA, objective, 0.5, np.random.default_rng(21), n, m=10)
    with pytest.raises(AssertionError, match="SE"):
        assert_unbiased(gr - st, np.zeros(5))


def test_gumbel_rao_variance_does_not_increase_with_m():
    objective, n = quadratic(20), 10_000
    variances = [
        es.ESTIMATORS["gumbel-rao"](THETA, objective, 0.5, np.random.default_rng(22), n, m=m)
        .var(axis=0, ddof=1)
        .sum()
        for m in (1, 10, 100)
    ]
    st = es.ESTIMATORS["st-gumbel-softmax"](THETA, objective, 0.5, np.random.default_rng(22), n)
    # m = 1 is ST-GS in distribution; 10 and 100 are well apart (0.43, 0.18, 0.15 here).
    assert variances[0] == pytest.approx(st.var(axis=0, ddof=1).sum(), rel=0.1)
    assert variances[0] > 1.5 * variances[1] > 1.5 * 1.05 * variances[2]


# --------------------------------------------------------------------------- every estimator


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    ("theta", "objective"),
    [(THETA, quadratic(23)), (np.random.default_rng(24).normal(size=(4, 3)), molecule())],
    ids=["one", "molecule"],
)
def test_every_row_sums_to_zero_and_a_shift_changes_nothing(name, theta, objective):
    rows = es.ESTIMATORS[name](theta, objective, 0.5, np.random.default_rng(25), 200)
    assert rows.shape == (200, *theta.shape)
    assert np.abs(rows.sum(axis=-1)).max() < 1e-12
    shifted = es.ESTIMATORS[name](theta + 7.5, objective, 0.5, np.random.default_rng(25), 200)
    np.testing.assert_allclose(shifted, rows, atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("tau", [0.01, 1.0])
def test_a_class_of_probability_zero_gets_gradient_zero(name, tau):
    theta = np.array([np.log(0.5), -np.inf, np.log(0.3), np.log(0.2)])
    objective = quadratic(26, k=4)
    rows = es.ESTIMATORS[name](theta, objective, tau, np.random.default_rng(27), 500)
    assert np.isfinite(rows).all()
    assert (rows[:, 1] == 0).all()
    assert es.exact_gradient(theta, objective)[1] == 0


@pytest.mark.parametrize("name", es.EXACT)
def test_exact_moments_with_a_class_of_probability_zero(name):
    theta = np.array([np.log(0.5), -np.inf, np.log(0.5)])
    mean, variance = es.exact_moments(name, theta, quadratic(28, k=3), 0.5, n=3)
    assert mean[1] == 0 and np.isfinite(mean).all() and np.isfinite(variance)


def test_costs_and_labels_cover_every_estimator():
    assert list(es.COSTS) == list(es.LABELS) == NAMES
    assert es.COSTS["gumbel-rao"].jacobians_for(10) == 10
    assert es.COSTS["reinmax"].jacobians_for(10) == 2
    assert all(cost.f + cost.grad == 1 for cost in es.COSTS.values())


# --------------------------------------------------------------------------- what hard=True does


def test_straight_through_parts():
    g = sample_gumbel(np.random.default_rng(29), 5)
    taus = np.array([0.1, 1.0, 10.0])
    forward, jacobian = es.straight_through_parts(THETA, g, taus)
    np.testing.assert_array_equal(forward, np.eye(5)[np.argmax(THETA + g)])
    assert jacobian.shape == (3, 5, 5)
    for tau, jac in zip(taus, jacobian, strict=True):
        h = 1e-6
        fd = np.stack(
            [
                (softmax((THETA + g + h * e) / tau) - softmax((THETA + g - h * e) / tau)) / (2 * h)
                for e in np.eye(5)
            ],
            axis=-1,
        )
        np.testing.assert_allclose(jac, fd, atol=1e-7)
    assert not np.allclose(jacobian[0], jacobian[1])  # the backward changes with τ


# --------------------------------------------------------------------------- the sweep


def test_sweep_exact_points_equal_exact_moments():
    objective = quadratic(30)
    taus = np.array([0.1, 1.0, 3.0])
    result = es.sweep(THETA, objective, taus, NAMES, 10, 50, np.random.default_rng(31))
    exact = es.exact_gradient(THETA, objective)
    np.testing.assert_array_equal(result.gradient, exact)
    assert list(result.curves) == NAMES
    for name in es.EXACT:
        curve = result.curves[name]
        assert curve.exact and (curve.bias2_se == 0).all()
        for i, tau in enumerate(taus):
            mean, variance = es.exact_moments(name, THETA, objective, tau, n=10)
            assert curve.bias2[i] == pytest.approx(np.sum((mean - exact) ** 2), abs=1e-30)
            assert curve.variance[i] == variance
            assert curve.mse[i] == curve.bias2[i] + curve.variance[i]
    for name in ("gumbel-softmax", "st-gumbel-softmax", "gumbel-rao"):
        assert not result.curves[name].exact


def test_sweep_monte_carlo_agrees_with_the_exact_values():
    objective = quadratic(32)
    taus = np.array([0.2, 1.0, 4.0])
    names = list(es.EXACT)
    mc = es.sweep(THETA, objective, taus, names, 10, 2000, np.random.default_rng(33), exact=False)
    exact = es.sweep(THETA, objective, taus, names, 10, 2000, np.random.default_rng(33))
    for name in names:
        a, b = mc.curves[name], exact.curves[name]
        assert not a.exact
        assert (np.abs(a.bias2 - b.bias2) < 4 * a.bias2_se).all(), name
        np.testing.assert_allclose(a.variance, b.variance, rtol=0.15)
    for name in ("reinforce", "rloo"):  # unbiased: bias² consistent with 0
        curve = mc.curves[name]
        assert (np.abs(curve.bias2) < 4 * curve.bias2_se).all(), curve.bias2 / curve.bias2_se


def test_the_monte_carlo_bias_statistic_sees_a_real_bias():
    rng = np.random.default_rng(34)
    exact = es.exact_gradient(THETA, ob.Linear(C))
    unbiased = exact + rng.normal(scale=0.1, size=(200, 5))
    point = es._monte_carlo_point(unbiased, exact)
    assert abs(point.bias2) < 4 * point.bias2_se
    shifted = es._monte_carlo_point(unbiased + 0.03, exact)  # |bias|² = 5 · 0.03² = 0.0045
    assert shifted.bias2 > 4 * shifted.bias2_se
    assert abs(shifted.bias2 - 0.0045) < 4 * shifted.bias2_se


def test_gumbel_softmax_bias_does_not_rise_as_tau_goes_to_0():
    # The old sweep plotted ‖mean − exact‖², whose expectation is bias² + tr(Cov)/runs: at
    # τ = 0.01 the noise term dwarfs the true bias² (about 2e-12), so the curve rose as τ → 0.
    bias2, naive, se = [], [], []
    for seed in range(100):
        rng = np.random.default_rng(seed)
        result = es.sweep(THETA, ob.Linear(C), [0.01], ["gumbel-softmax"], 10, 200, rng)
        curve = result.curves["gumbel-softmax"]
        bias2.append(curve.bias2[0])
        naive.append(curve.bias2[0] + curve.variance[0] / 200)
        se.append(curve.bias2_se[0])
    bias2, naive, se = np.array(bias2), np.array(naive), np.array(se)
    assert (np.abs(bias2) < 4 * se).all()  # every point within its noise floor
    assert abs(bias2.mean()) < 4 * bias2.std(ddof=1) / 10  # and consistent with 0 on average
    assert naive.mean() > 4 * naive.std(ddof=1) / 10  # the old statistic is not
    assert naive.mean() > 1e6 * 2e-12


def test_sweep_still_sees_the_gumbel_softmax_bias_at_tau_1():
    result = es.sweep(
        THETA, ob.Linear(C), [1.0], ["gumbel-softmax"], 10, 2000, np.random.default_rng(35)
    )
    curve = result.curves["gumbel-softmax"]
    assert curve.bias2[0] > 10 * curve.bias2_se[0]


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: es.ESTIMATORS["reinforce"](
                THETA, ob.Linear(C), 1.0, np.random.default_rng(), 0
            ),
            "n must be an integer in \\[1, 100000\\], got 0",
        ),
        (
            lambda: es.ESTIMATORS["reinforce"](
                THETA, ob.Linear(C), 1.0, np.random.default_rng(), 10**6
            ),
            "got 1000000",
        ),
        (
            lambda: es.ESTIMATORS["rloo"](THETA, ob.Linear(C), 1.0, np.random.default_rng(), 1),
            "\\[2, 100000\\], got 1",
        ),
        (
            lambda: es.ESTIMATORS["reinmax"](THETA, ob.Linear(C), 0.0, np.random.default_rng(), 5),
            "tau must be finite and > 0, got 0.0",
        ),
        (
            lambda: es.ESTIMATORS["reinmax"](
                THETA, ob.Linear(C), [1.0, 2.0], np.random.default_rng(), 5
            ),
            "one number",
        ),
        (
            lambda: es.ESTIMATORS["reinmax"](
                THETA[:4], ob.Linear(C), 1.0, np.random.default_rng(), 5
            ),
            "objective's shape \\(5,\\), got \\(4,\\)",
        ),
        (
            lambda: es.ESTIMATORS["reinmax"](
                [np.nan, 0, 0, 0, 0], ob.Linear(C), 1.0, np.random.default_rng(), 5
            ),
            "NaN",
        ),
        (
            lambda: es.ESTIMATORS["reinmax"](THETA, C, 1.0, np.random.default_rng(), 5),
            "must be an Objective",
        ),
        (
            lambda: es.ESTIMATORS["gumbel-rao"](
                THETA, ob.Linear(C), 1.0, np.random.default_rng(), 5, m=0
            ),
            "m must be an integer in \\[1, 1000\\], got 0",
        ),
        (
            lambda: es.ESTIMATORS["gumbel-rao"](
                THETA, ob.Linear(C), 1.0, np.random.default_rng(), 10**5, m=1000
            ),
            "more than the cap",
        ),
        (
            lambda: es.ESTIMATORS["reinforce"](
                THETA, ob.Linear(C), 1.0, np.random.default_rng(), 5, k=3
            ),
            "unknown estimator option\\(s\\) \\['k'\\]",
        ),
        (
            lambda: es.exact_moments("gumbel-softmax", THETA, ob.Linear(C), 1.0),
            "no exact moments for 'gumbel-softmax'",
        ),
        (lambda: es.exact_moments("rloo", THETA, ob.Linear(C), 1.0), "got 1"),
        (
            lambda: es.sweep(
                THETA, ob.Linear(C), [1.0], ["reinforce", "nope"], 10, 10, np.random.default_rng()
            ),
            "unknown estimator\\(s\\) \\['nope'\\]",
        ),
        (
            lambda: es.sweep(THETA, ob.Linear(C), [], NAMES, 10, 10, np.random.default_rng()),
            "non-empty",
        ),
        (
            lambda: es.sweep(
                THETA, ob.Linear(C), [1.0, -1.0], NAMES, 10, 10, np.random.default_rng()
            ),
            "got -1.0",
        ),
        (
            lambda: es.sweep(THETA, ob.Linear(C), [1.0], NAMES, 10, 1, np.random.default_rng()),
            "runs must be an integer in \\[2",
        ),
        (
            lambda: es.sweep(
                THETA, ob.Linear(C), np.ones(25), NAMES, 1000, 1000, np.random.default_rng()
            ),
            "too much work",
        ),
        (
            lambda: es.straight_through_parts(THETA, np.full(5, np.inf), 1.0),
            "noise must be finite",
        ),
    ],
)
def test_bad_arguments_are_refused_naming_the_value(call, message):
    with pytest.raises(ValueError, match=message):
        call()
