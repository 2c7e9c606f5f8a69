"""Monte Carlo summaries (gumbel_viz.core.montecarlo).

Statistical checks use fixed seeds, so each is deterministic. Tolerances say how
far a correct sampler may plausibly land: a chi-square p-value above 1e-3 (a
correct sampler fails that at 0.1% of seeds), means within 5 standard errors.
Each check comes with one that a wrong answer fails, so the tests can fail.
"""

from __future__ import annotations

import csv
import io
import math
import tracemalloc

import numpy as np
import pytest
from scipy import stats

from gumbel_viz import core
from gumbel_viz.core import montecarlo as mc
from gumbel_viz.core.montecarlo import (
    MAX_DRAWS,
    NOISE_RANGE,
    MonteCarloSummary,
    chi_square_gof,
    class_counts,
    gumbel_pdf,
    run_monte_carlo,
    wilson_interval,
)

PI = np.array([0.1, 0.25, 0.05, 0.4, 0.2])
LOGITS = np.log(PI)
# FACTS.md: Monte Carlo E[y] for PI at tau = 1, rounded to 3 decimals.
EXPECTED_MEAN_Y_TAU_1 = np.array([0.127, 0.246, 0.076, 0.341, 0.210])
P_MIN = 1e-3


@pytest.fixture(scope="module")
def million() -> MonteCarloSummary:
    """10**6 draws at PI and tau = 1, shared by the statistical checks (~0.25 s)."""
    return run_monte_carlo(LOGITS, 1.0, MAX_DRAWS, np.random.default_rng(2024))


# --------------------------------------------------------------------------- chi-square


def test_chi_square_p_value_is_the_closed_form_for_two_dof() -> None:
    """For 2 degrees of freedom P(χ² ≥ s) = exp(−s/2): an exact oracle for the p-value."""
    counts, pi = [480, 260, 260], [0.5, 0.25, 0.25]
    stat, dof, p, pooled = chi_square_gof(counts, pi)
    expected = stats.chisquare(counts, 1000 * np.asarray(pi)).statistic
    assert (dof, pooled) == (2, 0) and stat == pytest.approx(expected, rel=1e-14)
    assert p == pytest.approx(math.exp(-stat / 2), rel=1e-13)
    assert chi_square_gof([5000, 0, 0], [1 / 3] * 3).p_value == 0.0  # underflows, not NaN


def test_chi_square_pools_classes_that_expect_few_draws() -> None:
    """Cochran's rule: classes expecting < 5 draws share one cell, rarest first."""
    pi = [0.001, 0.002, 0.003, 0.494, 0.5]
    stat, dof, p, pooled = chi_square_gof([1, 2, 3, 494, 500], pi)
    assert (pooled, dof, stat, p) == (3, 2, 0.0, 1.0)  # cells: {1, 2, 3}, 4, 5
    # The pool holds every class below the rule, and more until the pool meets it.
    assert chi_square_gof([1, 2, 497, 500], [0.001, 0.002, 0.497, 0.5]).pooled == 3
    # Too few draws to fill two cells: nothing to test.
    assert chi_square_gof([8, 0], [0.5, 0.5]) == (0.0, 0, 1.0, 2)
    # Enough draws: no pooling, and the same statistic as SciPy's.
    stat, dof, p, pooled = chi_square_gof([60, 140, 300, 500], [0.05, 0.15, 0.3, 0.5])
    expected = stats.chisquare([60, 140, 300, 500], [50, 150, 300, 500])
    assert pooled == 0 and dof == 3
    assert (stat, p) == (pytest.approx(expected.statistic), pytest.approx(expected.pvalue))


def test_chi_square_gof_leaves_out_impossible_classes() -> None:
    stat, dof, p, _ = chi_square_gof([30, 0, 70], [0.3, 0.0, 0.7])
    assert (stat, dof, p) == (0.0, 1, 1.0)
    stat, dof, p, _ = chi_square_gof([40, 0, 60], [0.3, 0.0, 0.7])
    expected = stats.chisquare([40, 60], [30, 70])
    assert stat == pytest.approx(expected.statistic, rel=1e-12)
    assert (dof, p) == (1, pytest.approx(expected.pvalue, rel=1e-9))
    assert chi_square_gof([5, 0, 0], [1.0, 0.0, 0.0]) == (0.0, 0, 1.0, 0)
    assert chi_square_gof([4, 1, 0], [1.0, 0.0, 0.0]) == (math.inf, 0, 0.0, 0)


# --------------------------------------------------------------------------- small pieces


def test_gumbel_pdf_is_the_gumbel_density() -> None:
    x = np.linspace(-8, 40, 200_001)
    f = gumbel_pdf(x)
    assert gumbel_pdf(0.0) == pytest.approx(math.exp(-1), rel=1e-15)
    assert np.sum((f[1:] + f[:-1]) / 2 * np.diff(x)) == pytest.approx(1.0, abs=1e-9)
    np.testing.assert_allclose(f, stats.gumbel_r.pdf(x), rtol=1e-12, atol=1e-300)
    assert gumbel_pdf(-1000.0) == 0.0  # exp overflow inside, no warning out


def test_wilson_interval_matches_scipy() -> None:
    lower, upper = wilson_interval([0, 10, 100], 100)
    for i, count in enumerate([0, 10, 100]):
        ci = stats.binomtest(count, 100).proportion_ci(method="wilson")
        assert lower[i] == pytest.approx(ci.low, abs=1e-15)
        assert upper[i] == pytest.approx(ci.high, abs=1e-15)
    assert (lower[0], upper[2]) == (0.0, 1.0)


def test_class_counts_fall_back_to_gumbel_max_on_ties() -> None:
    logits = np.zeros(2)
    g = np.array([[1.0, 1.0], [0.0, 2.0]])  # row 0 ties: y = [0.5, 0.5]
    y = core.gumbel_softmax(logits, 1.0, gumbel=g)
    assert class_counts(logits, g, y).tolist() == [1, 1]  # ties go to the lower index


def test_class_counts_equal_gumbel_max_counts() -> None:
    g = core.sample_gumbel(np.random.default_rng(5), (20_000, 5))
    for tau in (0.01, 1.0, 10.0):
        y = core.gumbel_softmax(LOGITS, tau, gumbel=g)
        exact = np.bincount(core.gumbel_max(LOGITS, gumbel=g), minlength=5)
        np.testing.assert_array_equal(class_counts(LOGITS, g, y), exact)


# --------------------------------------------------------------------------- run_monte_carlo


def test_counts_sum_to_n_and_match_pi(million: MonteCarloSummary) -> None:
    assert million.counts.sum() == MAX_DRAWS
    np.testing.assert_array_equal(million.frequencies, million.counts / MAX_DRAWS)
    assert million.p_value > P_MIN
    assert million.dof == 4
    assert ((million.lower <= million.frequencies) & (million.frequencies <= million.upper)).all()


def test_chi_square_rejects_a_slightly_wrong_pi(million: MonteCarloSummary) -> None:
    wrong = [0.102, 0.248, 0.05, 0.4, 0.2]  # 0.002 moved between two classes
    assert chi_square_gof(million.counts, wrong)[2] < 1e-6


def test_mean_y_at_tau_1_matches_the_reference(million: MonteCarloSummary) -> None:
    # The reference is itself rounded to 3 decimals, hence the extra 1e-3.
    tolerance = 5 * million.mean_y_se + 1e-3
    assert (np.abs(million.mean_y - EXPECTED_MEAN_Y_TAU_1) < tolerance).all()
    assert np.abs(million.mean_y - PI).max() > 0.05  # and E[y] is not pi at tau = 1
    assert million.mean_y.sum() == pytest.approx(1.0, abs=1e-12)


def test_histograms_are_densities(million: MonteCarloSummary) -> None:
    widths = np.diff(million.y_edges)
    np.testing.assert_allclose((million.y_density * widths).sum(axis=1), 1.0, rtol=1e-12)
    assert million.y_edges[0] == 0.0 and million.y_edges[-1] == 1.0
    assert million.y_density.shape == (5, 40)


def test_noise_histogram_follows_the_gumbel_density(million: MonteCarloSummary) -> None:
    assert million.noise_edges[0] == NOISE_RANGE[0] and million.noise_edges[-1] == NOISE_RANGE[1]
    np.testing.assert_allclose(million.noise_pdf, gumbel_pdf(million.noise_centres), rtol=0)
    assert np.abs(million.noise_density - million.noise_pdf).max() < 0.01
    inside = stats.gumbel_r.cdf(NOISE_RANGE[1]) - stats.gumbel_r.cdf(NOISE_RANGE[0])
    mass = (million.noise_density * np.diff(million.noise_edges)).sum()
    assert mass == pytest.approx(inside, abs=1e-3)
    # able to fail: a shifted density is far off
    assert np.abs(million.noise_density - gumbel_pdf(million.noise_centres - 0.2)).max() > 0.05


def test_argmax_matches_pi_at_a_small_tau_too() -> None:
    summary = run_monte_carlo(LOGITS, 0.05, 100_000, np.random.default_rng(7))
    assert summary.p_value > P_MIN
    assert np.abs(summary.mean_y - PI).max() < 0.01  # E[y] -> pi as tau -> 0


def test_a_zero_probability_class_is_never_drawn() -> None:
    pi = np.array([0.5, 0.0, 0.3, 0.2])
    summary = run_monte_carlo(
        np.log(pi, where=pi > 0, out=np.full(4, -np.inf)), 0.5, 100_000, np.random.default_rng(3)
    )
    assert summary.counts[1] == 0 and summary.mean_y[1] == 0.0
    assert math.isfinite(summary.chi2) and summary.dof == 2 and summary.p_value > P_MIN
    assert summary.y_density[1, 0] == 40.0 and summary.y_density[1, 1:].sum() == 0.0
    assert (summary.lower[1], summary.mean_y_se[1]) == (0.0, 0.0)
    for value in (summary.frequencies, summary.lower, summary.upper, summary.mean_y_se):
        assert np.isfinite(value).all()


def test_only_one_possible_class_gives_p_value_1() -> None:
    summary = run_monte_carlo([0.0, -np.inf, -np.inf], 1.0, 1000, np.random.default_rng(0))
    assert summary.counts.tolist() == [1000, 0, 0]
    assert (summary.chi2, summary.dof, summary.p_value) == (0.0, 0, 1.0)


def test_chunked_aggregates_equal_the_direct_computation() -> None:
    n, chunk, seed = 12_345, 1_000, 11  # n not divisible by chunk
    summary = run_monte_carlo(LOGITS, 0.5, n, np.random.default_rng(seed), chunk=chunk, bins=7)
    rng = np.random.default_rng(seed)  # the same noise, drawn the same way
    g = np.concatenate(
        [core.sample_gumbel(rng, (min(chunk, n - s), 5)) for s in range(0, n, chunk)]
    )
    y = core.gumbel_softmax(LOGITS, 0.5, gumbel=g)
    counts = np.bincount(core.gumbel_max(LOGITS, gumbel=g), minlength=5)
    np.testing.assert_array_equal(summary.counts, counts)
    np.testing.assert_allclose(summary.mean_y, y.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(summary.mean_y_se, y.std(axis=0, ddof=1) / math.sqrt(n), rtol=1e-9)
    for cls in range(5):
        hist, _ = np.histogram(y[:, cls], bins=7, range=(0, 1), density=True)
        np.testing.assert_allclose(summary.y_density[cls], hist, rtol=1e-12)
    noise, _ = np.histogram(g, bins=len(summary.noise_density), range=NOISE_RANGE)
    np.testing.assert_allclose(summary.noise_density * (n * 5 * 0.1), noise, rtol=1e-12)


def peak_bytes(**kwargs: object) -> int:
    tracemalloc.start()
    try:
        run_monte_carlo(np.zeros(12), 1.0, MAX_DRAWS, np.random.default_rng(0), **kwargs)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_bounded_by_the_chunk() -> None:
    one_array = MAX_DRAWS * 12 * 8  # a single (10**6, 12) float64 array: 96 MB
    # Two streams work at once, each on its own chunk.
    assert peak_bytes() < one_array / 4  # measured: about 17 MB
    assert peak_bytes(chunk=10_000) < 2 * 10 * 10_000 * 12 * 8


def test_same_seed_same_summary_and_results_are_read_only() -> None:
    first = run_monte_carlo(LOGITS, 0.7, 5_000, np.random.default_rng(9))
    second = run_monte_carlo(LOGITS, 0.7, 5_000, np.random.default_rng(9))
    np.testing.assert_array_equal(first.counts, second.counts)
    np.testing.assert_array_equal(first.y_density, second.y_density)
    with pytest.raises(ValueError, match="read-only"):
        first.counts[0] = 0
    third = run_monte_carlo(LOGITS, 0.7, 5_000, np.random.default_rng(10))
    assert not np.array_equal(first.counts, third.counts)


@pytest.mark.parametrize("n", [0, -5, MAX_DRAWS + 1, 2.0, "100", True, None])
def test_bad_n_is_rejected_by_name(n: object) -> None:
    with pytest.raises(ValueError, match=f"n must .*{n!r}" if n is not None else "None"):
        run_monte_carlo(LOGITS, 1.0, n, np.random.default_rng(0))  # type: ignore[arg-type]


def test_n_of_1_works_and_bad_tau_is_the_engines_error() -> None:
    summary = run_monte_carlo(LOGITS, 1.0, 1, np.random.default_rng(0))
    assert summary.counts.sum() == 1 and np.isinf(summary.mean_y_se).all()
    with pytest.raises(ValueError, match="tau"):
        run_monte_carlo(LOGITS, 0.0, 10, np.random.default_rng(0))


def test_two_streams_merge_to_the_same_totals_as_one() -> None:
    """The merged accumulator equals one fed every chunk (counts, moments, histograms)."""
    rng = np.random.default_rng(5)
    chunks = [core.sample_gumbel(rng, (1000, 5)) for _ in range(4)]
    whole, left, right = (mc._Accumulator(5, 40) for _ in range(3))
    for i, g in enumerate(chunks):
        y = core.gumbel_softmax(LOGITS, 0.7, gumbel=g)
        counts = mc.class_counts(np.asarray(LOGITS), g, y)
        whole.add(g, y, counts)
        (left if i < 2 else right).add(g, y, counts)
    left.merge(right)
    np.testing.assert_array_equal(left.counts, whole.counts)
    np.testing.assert_array_equal(left.y_hist, whole.y_hist)
    np.testing.assert_array_equal(left.noise_hist, whole.noise_hist)
    np.testing.assert_allclose(left.mean, whole.mean, rtol=1e-13)
    np.testing.assert_allclose(left.m2, whole.m2, rtol=1e-11)


def test_csv_holds_the_aggregates_at_full_precision() -> None:
    result = run_monte_carlo(LOGITS, 0.5, 1000, np.random.default_rng(3))
    text = result.to_csv()
    assert f"# n={result.n}" in text and f"# p_value={result.p_value!r}" in text
    rows = list(
        csv.DictReader(
            io.StringIO("\n".join(line for line in text.splitlines() if not line.startswith("#")))
        )
    )
    assert [int(r["count"]) for r in rows] == result.counts.tolist()
    assert [float(r["mean_y"]) for r in rows] == result.mean_y.tolist()
    assert [float(r["ci95_high"]) for r in rows] == result.upper.tolist()
