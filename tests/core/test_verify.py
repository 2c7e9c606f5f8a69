"""The oracles of core.verify: each passes on the core's implementation in every kind of
state, and each fails on an implementation built to break its property."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from gumbel_viz import core
from gumbel_viz.core import verify
from gumbel_viz.core.density import concrete_log_density
from gumbel_viz.core.streams import Stream, generator

# The edge states every sentence and check must survive.
EDGE_PROBABILITIES = {
    "uniform": [0.2] * 5,
    "one sure class": [1.0, 0.0, 0.0, 0.0, 0.0],
    "zeros in pi": [0.5, 0.0, 0.3, 0.2, 0.0],
    "k = 2": [0.3, 0.7],
    "k = 12": list(np.arange(1, 13) / 78),
}


def state(probabilities: list[float], seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    logits = core.logits_from_probabilities(probabilities)
    return logits, core.sample_gumbel(np.random.default_rng(seed), len(probabilities))


@pytest.mark.parametrize("name", EDGE_PROBABILITIES)
@pytest.mark.parametrize("tau", [0.01, 1.0, 10.0])
def test_every_check_passes_on_the_edge_states(name: str, tau: float) -> None:
    logits, noise = state(EDGE_PROBABILITIES[name])
    checks = verify.run_checks(logits, noise, tau, generator(1, 0, Stream.VERIFY))
    assert [c.passed for c in checks] == [True] * len(checks), checks
    assert all("nan" not in c.detail.lower() for c in checks)


def test_checks_pass_on_random_states() -> None:
    for seed in range(5):
        model = core.random_probabilities(np.random.default_rng(seed), 3 + seed)
        logits, noise = state(list(model), seed)
        checks = verify.run_checks(logits, noise, 0.05 * (seed + 1), np.random.default_rng(99))
        assert all(c.passed for c in checks), checks


# --------------------------------------------------------------------------- broken ones


def test_gumbel_max_check_fails_for_a_sampler_with_tau_on_the_logits() -> None:
    """argmax(log π / τ + g) samples softmax(log π / τ), not π (FACTS.md, confusions)."""
    logits = np.log([0.2, 0.3, 0.5])

    def tau_on_logits(logits, *, rng, sample_shape):
        return core.gumbel_max(logits / 0.5, rng=rng, sample_shape=sample_shape)

    check = verify.gumbel_max_is_exact(logits, np.random.default_rng(1), sampler=tau_on_logits)
    assert not check.passed and "p = < 1e-300" in check.detail
    assert verify.gumbel_max_is_exact(logits, np.random.default_rng(1)).passed


def test_gumbel_max_check_fails_for_probabilities_passed_as_logits() -> None:
    pi = np.array([0.05, 0.15, 0.8])

    def probabilities_as_logits(logits, *, rng, sample_shape):
        return core.gumbel_max(np.exp(logits), rng=rng, sample_shape=sample_shape)

    check = verify.gumbel_max_is_exact(
        np.log(pi), np.random.default_rng(2), sampler=probabilities_as_logits
    )
    assert not check.passed


def naive_relaxation(logits, tau, *, rng=None, gumbel=None, sample_shape=()):
    """exp(z / τ) / Σ exp(z / τ) without subtracting the max: overflows at small τ."""
    if gumbel is None:
        gumbel = core.sample_gumbel(rng, (*np.atleast_1d(sample_shape), len(logits)))
    tau = np.asarray(tau, dtype=np.float64)[..., np.newaxis] if np.ndim(tau) else tau
    with np.errstate(over="ignore", invalid="ignore"):
        w = np.exp((logits + gumbel) / tau)
        return w / w.sum(axis=-1, keepdims=True)


def test_simplex_check_fails_for_a_softmax_without_the_max_shift() -> None:
    logits = np.log([0.2, 0.3, 0.5])
    broken = verify.rows_on_simplex(logits, 0.01, np.random.default_rng(3), naive_relaxation)
    assert not broken.passed and "nan" in broken.detail
    assert verify.rows_on_simplex(logits, 0.01, np.random.default_rng(3)).passed


def test_argmax_check_fails_when_tau_divides_the_logits_only() -> None:
    """softmax(log π / τ + g): class 2 is drawn, but wins only for τ > 0.847 (21 of 41 τ)."""
    logits, noise = np.log([0.7, 0.3]), np.array([0.0, 1.0])

    def tau_on_logits_only(logits, tau, *, gumbel):
        t = np.asarray(tau)[:, np.newaxis]
        return core.softmax(logits / t + gumbel)

    broken = verify.argmax_ignores_tau(logits, noise, relax=tau_on_logits_only)
    assert not broken.passed and "at 21 of 41" in broken.detail
    assert verify.argmax_ignores_tau(logits, noise).passed


def test_shift_check_fails_for_a_normalisation_with_an_implicit_extra_class() -> None:
    """exp(z/τ) / (1 + Σ exp(z/τ)), a sigmoid-style slip: not shift invariant."""
    logits, noise = np.log([0.2, 0.3, 0.5]), np.array([0.1, -0.2, 0.3])

    def extra_class(logits, tau, *, gumbel):
        with np.errstate(over="ignore", invalid="ignore"):
            w = np.exp((logits + gumbel) / tau)
            return w / (1 + w.sum(axis=-1, keepdims=True))

    assert not verify.shift_changes_nothing(logits, noise, 1.0, relax=extra_class).passed
    assert verify.shift_changes_nothing(logits, noise, 1.0).passed


def test_density_check_fails_for_a_density_without_its_gamma_factor() -> None:
    logits = np.log([0.2, 0.3, 0.5])

    def no_gamma(log_y, logits, tau):
        return concrete_log_density(log_y, logits, tau) - math.lgamma(log_y.shape[-1])

    broken = verify.density_normalises(logits, 0.5, log_density=no_gamma)
    assert not broken.passed and "−1 = -5.0e-01" in broken.detail.replace(" − 1", "−1")
    assert verify.density_normalises(logits, 0.5).passed


def test_browser_check_fails_on_a_different_or_missing_answer() -> None:
    broken = verify.browser_agrees(np.array([0.2, 0.3, 0.5]), [0.2, 0.3, 0.5 + 1e-6])
    assert not broken.passed and "1.0e-06" in broken.detail
    assert not verify.browser_agrees(np.array([0.2, 0.8]), []).passed
    assert verify.browser_agrees(np.array([0.2, 0.8]), [0.2, 0.8 + 1e-12]).passed


# --------------------------------------------------------------------------- its false alarms


def test_chi_square_p_values_of_a_correct_sampler_are_uniform() -> None:
    """The check's false-alarm rate is its threshold only if p is uniform under the truth.

    300 random states (Dirichlet(1), k from 2 to 12, so some classes expect few draws
    and are pooled): a KS test of their p-values against U(0, 1), at fixed seeds.
    """
    p_values = []
    for seed in range(300):
        rng = np.random.default_rng([7, seed])
        pi = core.random_probabilities(rng, 2 + seed % 11)
        drawn = core.gumbel_max(np.log(pi), rng=rng, sample_shape=2_000)
        p_values.append(core_chi_square(drawn, pi))
    assert stats.kstest(p_values, "uniform").pvalue > 1e-3


def core_chi_square(drawn: np.ndarray, pi: np.ndarray) -> float:
    from gumbel_viz.core.montecarlo import chi_square_gof

    return chi_square_gof(np.bincount(drawn, minlength=len(pi)), pi).p_value
