"""Gumbel-top-k and the max-Gumbel facts (gumbel_viz.core.topk), against exact oracles.

The oracles enumerate: every ordered sequence with its Plackett-Luce probability
(``itertools.permutations``), independently of the subset recursion the module uses.
Statistical checks use fixed seeds: a correct sampler must give p > 1e-3 (it fails
that at 0.1% of seeds); a broken one must give p < 1e-30 at 10**5 draws.
"""

from __future__ import annotations

import itertools
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from gumbel_viz import core
from gumbel_viz.core.montecarlo import chi_square_gof
from gumbel_viz.core.streams import Stream, generator
from gumbel_viz.core.topk import (
    EXACT_TAIL_MAX,
    MAX_BINS,
    MAX_DRAWS,
    _ks_p_value,
    gumbel_ks,
    gumbel_top_k,
    inclusion_check,
    inclusion_probabilities,
    max_gumbel,
    max_gumbel_check,
    plackett_luce_log_probability,
)

PI = np.array([0.1, 0.25, 0.05, 0.4, 0.2])
P_MIN = 1e-3
P_REJECT = 1e-30
ROOT = Path(__file__).resolve().parents[2]


def rng(seed: int = 0) -> np.random.Generator:
    return generator(seed, 0, Stream.TOP_K)


def log(p: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(p)


def with_zeros(k: int, zeros: list[int], seed: int = 0) -> np.ndarray:
    p = core.random_probabilities(np.random.default_rng(seed), k)
    p[zeros] = 0.0
    return p / p.sum()


def enumerated(pi: np.ndarray, m: int) -> dict[tuple[int, ...], float]:
    """Every ordered sequence of m distinct classes and its Plackett-Luce probability."""
    sequences = np.array(list(itertools.permutations(range(pi.size), m)))
    probabilities = np.exp(plackett_luce_log_probability(log(pi), sequences))
    return dict(zip(map(tuple, sequences), probabilities, strict=True))


def product_formula(pi: np.ndarray, order: tuple[int, ...]) -> float:
    """∏_j π_{i_j} / (1 − Σ_{l<j} π_{i_l}), as written (fine for moderate π)."""
    taken, p = 0.0, 1.0
    for i in order:
        p *= pi[i] / (1.0 - taken)
        taken += pi[i]
    return p


# --------------------------------------------------------------------------- top-k


def test_top_k_is_the_largest_logits_plus_noise_in_order() -> None:
    logits = log(PI)
    g = core.sample_gumbel(np.random.default_rng(1), (1000, 5))
    order = gumbel_top_k(logits, 3, gumbel=g)
    assert order.shape == (1000, 3)
    z = np.take_along_axis(logits + g, order, axis=-1)
    assert (np.diff(z, axis=-1) < 0).all()
    rest = np.sort(logits + g, axis=-1)[:, :2]  # the two smallest are not chosen
    assert (rest.max(axis=-1) < z.min(axis=-1)).all()
    # The first is Gumbel-Max on the same noise; drawing from rng= gives the same.
    np.testing.assert_array_equal(order[:, 0], core.gumbel_max(logits, gumbel=g))
    drawn = gumbel_top_k(logits, 3, rng=np.random.default_rng(2), sample_shape=1000)
    same_noise = core.sample_gumbel(np.random.default_rng(2), (1000, 5))
    np.testing.assert_array_equal(drawn, gumbel_top_k(logits, 3, gumbel=same_noise))


def test_top_k_never_chooses_a_class_of_probability_zero() -> None:
    pi = with_zeros(6, [1, 4])
    order = gumbel_top_k(log(pi), 4, rng=rng(), sample_shape=10_000)
    assert not np.isin(order, [1, 4]).any()
    with pytest.raises(ValueError, match="m = 5 exceeds the 4 classes with π > 0"):
        gumbel_top_k(log(pi), 5, rng=rng())


def test_top_k_ties_go_to_the_lower_index() -> None:
    order = gumbel_top_k(np.zeros(4), 4, gumbel=np.zeros(4))
    np.testing.assert_array_equal(order, [0, 1, 2, 3])


@pytest.mark.parametrize(
    ("m", "message"),
    [
        (0, "sample size m"),
        (6, r"sample size m must be an integer in \[1, 5\]"),
        (True, "sample size m"),
        (2.0, "sample size m"),
    ],
)
def test_top_k_refuses_bad_m(m: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        gumbel_top_k(log(PI), m, rng=rng())


def test_top_k_orders_follow_plackett_luce() -> None:
    """χ² of 10**5 ordered samples over all 60 orders of 3 of 5 classes."""
    exact = enumerated(PI, 3)
    order = gumbel_top_k(log(PI), 3, rng=rng(3), sample_shape=100_000)
    code = order @ np.array([25, 5, 1])
    counts = np.bincount(code, minlength=125)
    index = [a * 25 + b * 5 + c for a, b, c in exact]
    result = chi_square_gof(counts[index], list(exact.values()))
    assert counts[index].sum() == 100_000
    assert result.p_value > P_MIN and result.dof > 40
    # The same test rejects a sampler with replacement: it repeats classes.
    wrong = core.gumbel_max(log(PI), rng=rng(3), sample_shape=(100_000, 3)) @ [25, 5, 1]
    wrong_counts = np.bincount(wrong, minlength=125)[index]
    assert chi_square_gof(wrong_counts, list(exact.values())).p_value < P_REJECT


# --------------------------------------------------------------------------- Plackett-Luce


@pytest.mark.parametrize(("k", "m"), [(4, 4), (5, 3), (6, 2)])
def test_plackett_luce_probabilities_of_all_orders_sum_to_one(k: int, m: int) -> None:
    pi = core.random_probabilities(np.random.default_rng(k), k)
    exact = enumerated(pi, m)
    assert sum(exact.values()) == pytest.approx(1.0, abs=1e-14)
    for order in list(exact)[:: max(1, len(exact) // 15)]:
        assert exact[order] == pytest.approx(product_formula(pi, order), rel=1e-12)


def test_plackett_luce_ignores_a_shift_and_handles_zero_probabilities() -> None:
    pi = with_zeros(5, [2])
    value = plackett_luce_log_probability(log(pi), [3, 0, 1])
    assert isinstance(value, float)
    assert value == pytest.approx(plackett_luce_log_probability(log(pi) + 40.0, [3, 0, 1]))
    assert value == pytest.approx(math.log(product_formula(pi, (3, 0, 1))), rel=1e-13)
    assert plackett_luce_log_probability(log(pi), [3, 2]) == -np.inf
    # An order of every class but the impossible one last: still -inf, no NaN.
    assert plackett_luce_log_probability(log(pi), [0, 1, 3, 4, 2]) == -np.inf
    assert sum(enumerated(pi, 4).values()) == pytest.approx(1.0, abs=1e-14)


def test_plackett_luce_is_stable_where_one_minus_the_sum_cancels() -> None:
    """π_0 = 1 − 1e-22 rounds to 1: 1 − π_0 = 0, but the remaining mass is 1e-22."""
    logits = np.array([0.0, -50.0, -60.0])  # π ≈ (1, 1.9e-22, 8.8e-27)
    pi = core.softmax(logits)
    assert 1.0 - pi[0] == 0.0  # the textbook formula would divide by zero
    value = plackett_luce_log_probability(logits, [0, 1, 2])
    expected = math.log(pi[0]) + (-50.0 - np.logaddexp(-50.0, -60.0))
    assert value == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize(
    ("order", "message"),
    [
        ([0, 0], "repeats a class"),
        ([0, 5], r"lie in \[0, 4\]"),
        ([0.0, 1.0], "integers"),
        (np.zeros(0, dtype=int), "1 to 5 classes"),
        ([0, 1, 2, 3, 4, 0], "1 to 5 classes"),
        ([True, False], "integers"),
    ],
)
def test_plackett_luce_refuses_bad_orders(order: list, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        plackett_luce_log_probability(log(PI), np.array(order))


# --------------------------------------------------------------------------- inclusion


@pytest.mark.parametrize(
    "pi", [PI, with_zeros(7, [0, 5], seed=7), with_zeros(8, [], seed=8)], ids=["k5", "k7", "k8"]
)
def test_inclusion_probabilities_equal_the_enumeration(pi: np.ndarray) -> None:
    possible = int(np.count_nonzero(pi))
    for m in range(1, min(4, possible) + 1):
        q = inclusion_probabilities(pi, m)
        oracle = np.zeros(pi.size)
        for order, p in enumerated(pi, m).items():
            oracle[list(order)] += p
        np.testing.assert_allclose(q, oracle, rtol=0, atol=1e-14)
        assert q.sum() == pytest.approx(m, abs=1e-13)
        assert (q[pi == 0] == 0).all()
    np.testing.assert_allclose(inclusion_probabilities(pi, 1), pi, rtol=0, atol=1e-15)
    np.testing.assert_allclose(inclusion_probabilities(pi, possible), pi > 0, atol=1e-14)


def test_inclusion_probabilities_for_twelve_classes() -> None:
    pi = core.random_probabilities(np.random.default_rng(12), 12)
    q = inclusion_probabilities(pi, 6)
    assert q.sum() == pytest.approx(6.0, abs=1e-12)
    assert (np.diff(q[np.argsort(pi)]) >= 0).all()  # likelier classes are included more


def test_inclusion_probabilities_refuse_what_they_cannot_compute() -> None:
    with pytest.raises(ValueError, match="number of classes k"):
        inclusion_probabilities(np.ones(13), 2)
    with pytest.raises(ValueError, match="m = 3 exceeds the 2 classes"):
        inclusion_probabilities([0.5, 0.0, 0.5], 3)
    with pytest.raises(ValueError, match="sample size m"):
        inclusion_probabilities(PI, 0)


@pytest.mark.parametrize(
    ("pi", "m"), [(PI, 3), (with_zeros(12, [2, 9], seed=3), 4), (PI, 1)], ids=["k5", "k12", "m1"]
)
def test_the_inclusion_check_passes_for_gumbel_top_k(pi: np.ndarray, m: int) -> None:
    check = inclusion_check(pi, m, rng(5))
    assert check.passed and check.set_test.p_value > P_MIN
    assert check.counts.sum() == m * check.n
    assert np.abs(check.z_scores).max() < 4.5
    np.testing.assert_array_equal(check.exact, inclusion_probabilities(pi, m))
    assert check.sets == math.comb(int(np.count_nonzero(pi)), m)
    assert (check.counts[pi == 0] == 0).all() and (check.z_scores[pi == 0] == 0).all()


def top_k_without_noise(logits, m, *, rng, sample_shape):
    """Broken: always the m likeliest classes."""
    return np.broadcast_to(np.argsort(-logits, kind="stable")[:m], (sample_shape, m))


def with_replacement(logits, m, *, rng, sample_shape):
    """Broken: m independent Gumbel-Max draws, which may repeat a class."""
    return core.gumbel_max(logits, rng=rng, sample_shape=(sample_shape, m))


def first_k_independent_draws_per_class(logits, m, *, rng, sample_shape):
    """Broken subtly: the m classes with the largest log π + g, but g ~ N(0, 1)."""
    z = logits + rng.standard_normal((sample_shape, logits.size))
    return np.argsort(-z, axis=-1, kind="stable")[:, :m]


@pytest.mark.parametrize(
    "sampler", [top_k_without_noise, with_replacement, first_k_independent_draws_per_class]
)
def test_the_inclusion_check_fails_for_broken_samplers(sampler) -> None:
    check = inclusion_check(PI, 3, rng(6), sampler=sampler)
    assert not check.passed and check.set_test.p_value < P_REJECT


def test_the_inclusion_check_caps_its_draws() -> None:
    with pytest.raises(ValueError, match="number of draws n"):
        inclusion_check(PI, 2, rng(), n=MAX_DRAWS + 1)


# --------------------------------------------------------------------------- max-Gumbel


def test_ks_statistic_and_p_value_match_scipy() -> None:
    values = stats.gumbel_r.rvs(loc=0.3, size=3000, random_state=np.random.default_rng(9))
    ours = gumbel_ks(values, 0.3)
    theirs = stats.kstest(values, "gumbel_r", args=(0.3, 1.0))
    assert ours.statistic == pytest.approx(theirs.statistic, rel=1e-12)
    assert ours.p_value == pytest.approx(theirs.pvalue, abs=0.003)
    assert gumbel_ks([], 0.0) == (0.0, 1.0, 0)


@pytest.mark.parametrize("n", [2, 5, 40, 300, EXACT_TAIL_MAX, EXACT_TAIL_MAX + 1, 50_000])
def test_ks_p_values_are_close_to_the_exact_distribution(n: int) -> None:
    d = stats.kstwo.isf(np.concatenate([np.linspace(0.01, 0.99, 25), [1e-3, 1e-6, 1e-10]]), n)
    exact = stats.kstwo.sf(d, n)
    ours = np.array([_ks_p_value(n, x) for x in d])
    np.testing.assert_allclose(ours, exact, atol=0.035 if n <= EXACT_TAIL_MAX else 0.003)
    tail = exact <= 1e-3
    rtol = 0.002 if n <= EXACT_TAIL_MAX else 0.05
    np.testing.assert_allclose(ours[tail], exact[tail], rtol=rtol)


def test_max_is_gumbel_at_logsumexp_for_unnormalised_logits() -> None:
    theta = np.array([2.0, -1.0, 0.5, 3.0, -np.inf, 1.0])
    check = max_gumbel_check(theta, rng(7))
    assert check.location == pytest.approx(float(np.log(np.exp(theta).sum())), rel=1e-15)
    assert check.passed and check.ks.p_value > P_MIN
    for i, ks in enumerate(check.class_ks):  # independent of the argmax
        assert ks.n == check.counts[i]
        assert ks.p_value > P_MIN
    assert check.class_ks[4] == (0.0, 1.0, 0) and check.counts[4] == 0
    assert chi_square_gof(check.counts, core.softmax(theta)).p_value > P_MIN
    # Histograms estimate the density, overall and for each winner with many wins.
    assert np.abs(check.density - check.pdf).max() < 0.01
    well_populated = check.counts > 5000
    assert np.abs(check.class_density[well_populated] - check.pdf).max() < 0.05
    assert (check.class_density[4] == 0).all()
    widths = np.diff(check.edges)
    assert (check.density * widths).sum() == pytest.approx(1.0, abs=1e-3)


def test_max_of_normalised_logits_is_standard_gumbel() -> None:
    values, winners = max_gumbel(log(PI), rng(8), 50_000)
    assert values.shape == winners.shape == (50_000,)
    assert gumbel_ks(values, 0.0).p_value > P_MIN
    np.testing.assert_array_equal(
        winners, core.gumbel_max(log(PI), rng=rng(8), sample_shape=50_000)
    )


def test_the_ks_check_fails_for_a_shifted_or_dependent_maximum() -> None:
    values, winners = max_gumbel(log(PI), rng(9), 100_000)
    assert gumbel_ks(values + 0.05, 0.0).p_value < 1e-10
    assert gumbel_ks(values, 0.05).p_value < 1e-10
    # A maximum that depends on the winner: the winners of class 3 are shifted up.
    dependent = values + 0.1 * (winners == 3)
    assert gumbel_ks(dependent[winners == 3], 0.0).p_value < P_REJECT
    # Unnormalised logits with location 0 assumed: caught.
    assert gumbel_ks(max_gumbel(log(PI) + 0.1, rng(9), 100_000)[0], 0.0).p_value < 1e-10


def test_max_gumbel_caps_its_sizes() -> None:
    with pytest.raises(ValueError, match="number of draws n"):
        max_gumbel(log(PI), rng(), MAX_DRAWS + 1)
    with pytest.raises(ValueError, match="bins"):
        max_gumbel_check(log(PI), rng(), 100, bins=MAX_BINS + 1)
    with pytest.raises(ValueError, match="number of classes k"):
        max_gumbel(np.zeros(13), rng(), 10)
    with pytest.raises(ValueError, match="finite"):
        gumbel_ks([0.0, np.inf])


def test_the_new_modules_leave_scipy_stats_out() -> None:
    """scipy.stats costs about 50 MB per server process: scipy.special suffices."""
    code = (
        "import sys\n"
        "import gumbel_viz.core.pitfalls, gumbel_viz.core.snippets, gumbel_viz.core.topk\n"
        "print('scipy.stats' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
