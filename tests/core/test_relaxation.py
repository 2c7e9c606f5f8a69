"""Tests for gumbel_viz.engine: the Gumbel-Softmax math in NumPy.

Statistical tests use fixed seeds, so each is deterministic; the thresholds
(p > 1e-3, 5 standard errors) say how far from the oracle a correct sampler
could plausibly land, and each comes with a check that the same test rejects
a wrong answer, so it is able to fail.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from scipy import stats

from gumbel_viz import core

PI = np.array([0.1, 0.25, 0.05, 0.4, 0.2])
# FACTS.md: Monte Carlo E[y] for PI at tau = 1, rounded to 3 decimals.
EXPECTED_MEAN_Y_TAU_1 = np.array([0.127, 0.246, 0.076, 0.341, 0.210])
N_DRAWS = 10**6
P_MIN = 1e-3  # a correct sampler fails a single test at this level 0.1% of seeds

PROPERTY_SETTINGS = settings(max_examples=150, deadline=None)


# --------------------------------------------------------------------------- helpers


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def one_hot(index: NDArray[np.intp], k: int) -> NDArray[np.float64]:
    return (np.asarray(index)[..., np.newaxis] == np.arange(k)).astype(np.float64)


def assert_on_simplex(y: NDArray[np.floating], atol: float) -> None:
    assert np.isfinite(y).all()
    assert (y >= 0).all()
    assert (y <= 1).all()
    np.testing.assert_allclose(y.sum(axis=-1, dtype=np.float64), 1.0, rtol=0, atol=atol)


def naive_softmax(z: NDArray[np.float64], tau: float) -> NDArray[np.float64]:
    """The textbook exp(z / tau) / sum exp(z / tau), without the max shift."""
    with np.errstate(all="ignore"):
        e = np.exp(z / tau)
        return e / e.sum(axis=-1, keepdims=True)


class ZeroExponentialRng:
    """Stands in for a Generator whose exponential draws all come out as 0.0."""

    def standard_exponential(
        self, size: object = None, dtype: object = np.float64, out: NDArray | None = None
    ) -> NDArray:
        assert out is not None, "the engine is expected to draw into out="
        out[...] = 0.0
        return out


# Hypothesis strategies
log_uniform_tau = st.floats(-3.0, 3.0).map(lambda e: 10.0**e)  # tau in [1e-3, 1e3]
probability_entry = st.one_of(st.just(0.0), st.just(1e-300), st.floats(1e-6, 1.0))
probability_vectors = st.lists(probability_entry, min_size=2, max_size=8).filter(
    lambda p: sum(p) > 0
)
seeds = st.integers(0, 2**32 - 1)


# --------------------------------------------------------------------------- sample_gumbel


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("shape", [7, (3, 4), (2, 3, 5), ()])
def test_sample_gumbel_shape_dtype_and_finite(dtype: type, shape: int | tuple) -> None:
    g = core.sample_gumbel(rng(1), shape, dtype)
    expected_shape = (shape,) if isinstance(shape, int) else shape
    assert g.shape == expected_shape
    assert g.dtype == np.dtype(dtype)
    assert np.isfinite(g).all()


def test_sample_gumbel_empty_shape_gives_empty_array() -> None:
    assert core.sample_gumbel(rng(), (0, 5)).shape == (0, 5)


def test_sample_gumbel_is_reproducible_with_a_seed() -> None:
    a = core.sample_gumbel(rng(42), (100, 5))
    b = core.sample_gumbel(rng(42), (100, 5))
    c = core.sample_gumbel(rng(43), (100, 5))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sample_gumbel_matches_standard_gumbel_distribution(dtype: type) -> None:
    # KS test of 10^5 draws at a fixed seed against Gumbel(0, 1); p > 1e-3.
    g = core.sample_gumbel(rng(2024), 10**5, dtype).astype(np.float64)
    assert stats.kstest(g, stats.gumbel_r.cdf).pvalue > P_MIN
    # Power check: the same draws clearly reject the mirrored (Gumbel-min) law
    # and a Gumbel shifted by 0.05 (KS distance ~0.018 vs critical ~0.006).
    assert stats.kstest(g, stats.gumbel_l.cdf).pvalue < 1e-12
    assert stats.kstest(g, stats.gumbel_r(loc=0.05).cdf).pvalue < 1e-6


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sample_gumbel_zero_exponential_draw_is_capped_at_minus_log_tiny(
    dtype: type,
) -> None:
    g = core.sample_gumbel(ZeroExponentialRng(), (4, 3), dtype)  # type: ignore[arg-type]
    cap = -np.log(np.finfo(dtype).tiny)  # 87.3 in float32, 708.4 in float64
    assert g.dtype == np.dtype(dtype)
    assert np.isfinite(g).all()
    np.testing.assert_array_equal(g, np.full((4, 3), cap, dtype=dtype))


def test_sample_gumbel_zero_exponential_draw_float16_is_finite() -> None:
    # float16 is drawn in float64 and cast, so the cap is float64's 708.4
    # (representable in float16, whose max is 65504).
    g = core.sample_gumbel(ZeroExponentialRng(), 3, np.float16)  # type: ignore[arg-type]
    assert g.dtype == np.float16
    assert np.isfinite(g).all()
    np.testing.assert_array_equal(g, np.float16(-np.log(np.finfo(np.float64).tiny)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("tau", [1e-3, 1.0, 1e3])
def test_gumbel_softmax_with_zero_exponential_draws_is_finite(dtype: type, tau: float) -> None:
    logits = np.log(PI).astype(dtype)
    stub = ZeroExponentialRng()
    y = core.gumbel_softmax(logits, tau, rng=stub, sample_shape=3)  # type: ignore[arg-type]
    assert y.shape == (3, 5)
    assert_on_simplex(y, atol=1e-5)
    # All noise is equal, so y is the plain softmax of logits / tau.
    expected = core.gumbel_softmax(logits.astype(np.float64), tau, gumbel=0.0)
    np.testing.assert_allclose(y[0], expected, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("tau", [1e-3, 1.0, 1e3])
def test_gumbel_softmax_with_extreme_supplied_noise_is_on_simplex(dtype: type, tau: float) -> None:
    big = -np.log(np.finfo(dtype).tiny)  # largest noise sample_gumbel returns
    small = -np.log(50.0)  # an Exp(1) draw of 50: P = e^-50
    noise = np.array([[big, small, big, small, 0.0], [small] * 5, [big] * 5], dtype=dtype)
    logits = np.log(PI).astype(dtype)
    y = core.gumbel_softmax(logits, tau, gumbel=noise)
    assert y.dtype == np.dtype(dtype)
    assert_on_simplex(y, atol=1e-6 if dtype == np.float32 else 1e-12)
    log_y = core.log_gumbel_softmax(logits, tau, gumbel=noise)
    assert np.isfinite(log_y).all()


# --------------------------------------------------------------------------- gumbel_softmax basics


@pytest.mark.parametrize(
    ("dtype", "atol"), [(np.float32, 1e-6), (np.float64, 1e-12), (np.float16, 2e-3)]
)
def test_gumbel_softmax_rows_on_simplex_and_dtype_kept(dtype: type, atol: float) -> None:
    logits = np.log(PI).astype(dtype)
    y = core.gumbel_softmax(logits, 0.7, rng=rng(3), sample_shape=1000)
    assert y.dtype == np.dtype(dtype)
    assert y.shape == (1000, 5)
    assert_on_simplex(y, atol=atol)


@pytest.mark.parametrize("logits", [[1, 2, 3], [True, False, True]])
def test_gumbel_softmax_integer_and_bool_logits_give_float64(logits: list) -> None:
    y = core.gumbel_softmax(logits, 1.0, rng=rng())
    assert y.dtype == np.float64
    assert_on_simplex(y, atol=1e-12)


def test_gumbel_softmax_batches_over_leading_axes() -> None:
    logits = rng(5).normal(size=(3, 4, 5))
    noise = core.sample_gumbel(rng(6), (3, 4, 5))
    y = core.gumbel_softmax(logits, 0.5, gumbel=noise)
    assert y.shape == (3, 4, 5)
    assert_on_simplex(y, atol=1e-12)
    for i in range(3):
        for j in range(4):
            row = core.gumbel_softmax(logits[i, j], 0.5, gumbel=noise[i, j])
            np.testing.assert_allclose(y[i, j], row, rtol=1e-12, atol=0)
    drawn = core.gumbel_softmax(logits, 0.5, rng=rng())
    assert drawn.shape == (3, 4, 5)
    assert_on_simplex(drawn, atol=1e-12)


@pytest.mark.parametrize("relax", [core.gumbel_softmax, core.log_gumbel_softmax])
@pytest.mark.parametrize(
    ("logits_shape", "tau_shape", "sample_shape"),
    [((9, 5), (), ()), ((5,), (), 10), ((7, 5), (7,), ()), ((3, 4, 6), (4,), 2)],
)
def test_relaxing_in_row_blocks_gives_the_same_bits_as_one_pass(
    monkeypatch: pytest.MonkeyPatch,
    relax: object,
    logits_shape: tuple,
    tau_shape: tuple,
    sample_shape: int | tuple,
) -> None:
    logits = rng(3).normal(size=logits_shape).astype(np.float32)
    logits[..., 1] = -np.inf
    tau = rng(4).uniform(0.05, 3.0, size=tau_shape)
    one_pass = relax(logits, tau, rng=rng(5), sample_shape=sample_shape)
    monkeypatch.setattr(core.relaxation, "BLOCK_ENTRIES", 7)  # a row or two per block
    in_blocks = relax(logits, tau, rng=rng(5), sample_shape=sample_shape)
    np.testing.assert_array_equal(in_blocks, one_pass)
    assert in_blocks.strides == one_pass.strides


def test_overflow_in_the_last_row_block_is_still_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(core.relaxation, "BLOCK_ENTRIES", 10)
    logits = np.zeros((50, 5), dtype=np.float16)
    noise = np.zeros((50, 5))
    noise[-1, 2] = 65000.0  # finite in float16; with a logit of 1000 it is not
    logits[-1, 2] = 1000.0
    with pytest.raises(ValueError, match="overflow float16"):
        core.gumbel_softmax(logits, 0.5, gumbel=noise)


@pytest.mark.parametrize(
    ("logits_shape", "sample_shape", "expected"),
    [((5,), 4, (4, 5)), ((5,), (7, 2), (7, 2, 5)), ((3, 5), 4, (4, 3, 5)), ((5,), (), (5,))],
)
def test_gumbel_softmax_sample_shape_prepends_axes(
    logits_shape: tuple, sample_shape: int | tuple, expected: tuple
) -> None:
    logits = np.zeros(logits_shape)
    y = core.gumbel_softmax(logits, 1.0, rng=rng(), sample_shape=sample_shape)
    assert y.shape == expected
    assert_on_simplex(y, atol=1e-12)
    # Independent draws along the sample axes: no two rows are equal.
    rows = y.reshape(-1, 5)
    assert len({tuple(r) for r in rows}) == rows.shape[0]


def test_gumbel_softmax_tau_array_broadcasts_to_one_row_per_tau() -> None:
    taus = np.array([0.01, 0.1, 1.0, 10.0])
    logits = np.log(PI)
    noise = core.sample_gumbel(rng(8), 5)
    y = core.gumbel_softmax(logits, taus, gumbel=noise)
    assert y.shape == (4, 5)
    for t, row in zip(taus, y, strict=True):
        np.testing.assert_allclose(row, core.gumbel_softmax(logits, t, gumbel=noise), rtol=1e-12)
    # Sharper at low tau: the largest weight decreases as tau grows.
    assert np.all(np.diff(y.max(axis=-1)) < 0)
    drawn = core.gumbel_softmax(logits, taus, rng=rng())
    assert drawn.shape == (4, 5)
    assert_on_simplex(drawn, atol=1e-12)


def test_gumbel_softmax_is_deterministic_given_noise() -> None:
    noise = core.sample_gumbel(rng(9), 5)
    a = core.gumbel_softmax(np.log(PI), 0.3, gumbel=noise)
    b = core.gumbel_softmax(np.log(PI), 0.3, gumbel=noise)
    np.testing.assert_array_equal(a, b)
    z = np.log(PI) + noise
    np.testing.assert_allclose(a, np.exp(z / 0.3) / np.exp(z / 0.3).sum(), rtol=1e-12)


@PROPERTY_SETTINGS
@given(
    probabilities=probability_vectors,
    tau=log_uniform_tau,
    seed=seeds,
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_gumbel_softmax_is_finite_for_any_tau_and_tiny_probabilities(
    probabilities: list[float], tau: float, seed: int, dtype: type
) -> None:
    logits = core.logits_from_probabilities(probabilities).astype(dtype)
    zero = np.asarray(probabilities) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = core.gumbel_softmax(logits, tau, rng=rng(seed), sample_shape=4)
        log_y = core.log_gumbel_softmax(logits, tau, rng=rng(seed), sample_shape=4)
    assert_on_simplex(y, atol=1e-6 if dtype == np.float32 else 1e-12)
    assert (y[:, zero] == 0).all()
    assert np.isfinite(log_y[:, ~zero]).all()
    assert (log_y[:, zero] == -np.inf).all()


@pytest.mark.parametrize("tau", [1e-3, 1.0, 1e3])
def test_zero_probability_class_is_exactly_zero_without_warnings(tau: float) -> None:
    logits = core.logits_from_probabilities([0.5, 0.0, 0.3, 0.0, 0.2])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = core.gumbel_softmax(logits, tau, rng=rng(10), sample_shape=10**4)
        hard = core.gumbel_softmax(logits, tau, rng=rng(10), sample_shape=10**4, hard=True)
        drawn = core.gumbel_max(logits, rng=rng(11), sample_shape=10**4)
    assert (y[:, [1, 3]] == 0).all()
    assert (hard[:, [1, 3]] == 0).all()
    assert not np.isin(drawn, [1, 3]).any()
    # The other classes are all drawn.
    assert set(np.unique(drawn)) == {0, 2, 4}


# --------------------------------------------------------------------------- ordering and limits


@PROPERTY_SETTINGS
@given(probabilities=probability_vectors, tau=log_uniform_tau, seed=seeds)
def test_argmax_of_y_is_the_gumbel_max_sample(
    probabilities: list[float], tau: float, seed: int
) -> None:
    logits = core.logits_from_probabilities(probabilities)
    noise = core.sample_gumbel(rng(seed), len(probabilities))
    y = core.gumbel_softmax(logits, tau, gumbel=noise)
    drawn = int(core.gumbel_max(logits, gumbel=noise))
    assert drawn == int(np.argmax(logits + noise))
    # The Gumbel-Max class always carries the largest weight: its scaled log
    # weight is exactly 0, so exp gives exactly 1 and every other entry <= 1.
    assert y[drawn] == y.max()
    # Dividing by tau never reorders, but floating point can create ties: at
    # large tau, (z_i - z_max) / tau can be smaller than 2**-53 so exp rounds
    # it to exactly 1.0, and at small tau several entries underflow to 0. Only
    # a unique maximum pins the argmax.
    if np.count_nonzero(y == y.max()) == 1:
        assert int(np.argmax(y)) == drawn


@PROPERTY_SETTINGS
@given(
    probabilities=probability_vectors,
    tau=log_uniform_tau,
    shift=st.floats(-1e3, 1e3),
    seed=seeds,
)
def test_adding_a_constant_to_all_logits_leaves_y_unchanged(
    probabilities: list[float], tau: float, shift: float, seed: int
) -> None:
    logits = core.logits_from_probabilities(probabilities)
    noise = core.sample_gumbel(rng(seed), len(probabilities))
    y = core.gumbel_softmax(logits, tau, gumbel=noise)
    y_shifted = core.gumbel_softmax(logits + shift, tau, gumbel=noise)
    # Tolerance: rounding logits + shift + noise costs ~2 ulp of |z| <~ 2e3
    # (|dz| <~ 5e-13); dividing by tau >= 1e-3 gives |dw| <~ 5e-10, and the
    # relative change of y_i is at most 2 max|dw| ~ 1e-9. Entries below 1e-15
    # are compared absolutely (subnormal exp results lose relative precision).
    np.testing.assert_allclose(y_shifted, y, rtol=2e-9, atol=1e-15)
    assert (y_shifted[logits == -np.inf] == 0).all()


def test_small_tau_gives_one_hot_of_gumbel_max() -> None:
    logits = np.log(PI)
    noise = core.sample_gumbel(rng(12), (1000, 5))
    z = np.sort(logits + noise, axis=-1)
    # Precondition: top-two gap >= 1e-4 in every row, so the runner-up weight is
    # at most exp(-1e-4 / 1e-6) = exp(-100) ~ 4e-44.
    assert (z[:, -1] - z[:, -2]).min() > 1e-4
    y = core.gumbel_softmax(logits, 1e-6, gumbel=noise)
    expected = one_hot(core.gumbel_max(logits, gumbel=noise), 5)
    np.testing.assert_allclose(y, expected, rtol=0, atol=1e-40)


def test_large_tau_gives_uniform_over_finite_classes() -> None:
    noise = core.sample_gumbel(rng(13), (1000, 5))
    y = core.gumbel_softmax(np.log(PI), 1e6, gumbel=noise)
    np.testing.assert_allclose(y, 0.2, rtol=0, atol=1e-5)

    logits = core.logits_from_probabilities([0.1, 0.0, 0.6, 0.3, 0.0])
    y = core.gumbel_softmax(logits, 1e6, gumbel=noise)
    assert (y[:, [1, 4]] == 0).all()
    np.testing.assert_allclose(y[:, [0, 2, 3]], 1 / 3, rtol=0, atol=1e-5)


def test_hard_sample_is_one_hot_of_gumbel_max() -> None:
    logits = np.log(PI)
    noise = core.sample_gumbel(rng(14), (1000, 5))
    for tau in (1e-3, 0.5, 1.0, 100.0):
        hard = core.gumbel_softmax(logits, tau, gumbel=noise, hard=True)
        assert hard.dtype == np.float64
        np.testing.assert_array_equal(hard, one_hot(core.gumbel_max(logits, gumbel=noise), 5))
    # Same seed, same noise: the rng path agrees with the gumbel= path.
    drawn = core.gumbel_softmax(logits, 1.0, rng=rng(15), sample_shape=100, hard=True)
    idx = core.gumbel_max(logits, rng=rng(15), sample_shape=100)
    np.testing.assert_array_equal(drawn, one_hot(idx, 5))


def test_hard_sample_keeps_float32() -> None:
    hard = core.gumbel_softmax(np.log(PI).astype(np.float32), 1.0, rng=rng(), hard=True)
    assert hard.dtype == np.float32
    assert hard.sum() == 1 and set(np.unique(hard)) == {0, 1}


def test_small_tau_is_finite_where_naive_softmax_gives_nan() -> None:
    # FACTS: exp(z / tau) / sum without the max shift overflows at tau = 1e-3.
    logits = np.log(PI)
    noise = np.array([0.3, 2.5, -0.5, 2.0, 1.5])
    z = logits + noise  # ~[-2.0, 1.11, -3.5, 1.08, -0.11]; 1.11 / 1e-3 > 709
    assert np.isnan(naive_softmax(z, 1e-3)).any()
    y = core.gumbel_softmax(logits, 1e-3, gumbel=noise)
    assert_on_simplex(y, atol=1e-12)
    assert int(np.argmax(y)) == 1
    # Runner-up weight is exp(-(z1 - z3) / tau) ~ exp(-30) ~ 1e-13.
    np.testing.assert_allclose(y, [0, 1, 0, 0, 0], rtol=0, atol=1e-12)
    # Where the naive version is well defined (tau = 1) both agree.
    np.testing.assert_allclose(
        core.gumbel_softmax(logits, 1.0, gumbel=noise), naive_softmax(z, 1.0), rtol=1e-12
    )


# --------------------------------------------------------------------------- log_gumbel_softmax


def test_log_gumbel_softmax_exponentiates_to_y() -> None:
    logits = np.log(PI)
    noise = core.sample_gumbel(rng(16), (200, 5))
    for tau in (0.1, 1.0, 10.0):
        log_y = core.log_gumbel_softmax(logits, tau, gumbel=noise)
        y = core.gumbel_softmax(logits, tau, gumbel=noise)
        assert (log_y <= 0).all()
        np.testing.assert_allclose(np.exp(log_y), y, rtol=1e-12, atol=0)


def test_log_gumbel_softmax_is_finite_where_y_underflows() -> None:
    logits = np.log(PI)
    noise = np.array([0.3, 2.5, -0.5, 2.0, 1.5])
    tau = 1e-3
    y = core.gumbel_softmax(logits, tau, gumbel=noise)
    log_y = core.log_gumbel_softmax(logits, tau, gumbel=noise)
    assert (y[[0, 2, 4]] == 0).all()  # exp(-1200) and below underflow
    assert np.isfinite(log_y).all()
    z = logits + noise
    w = (z - z.max()) / tau
    expected = w - np.log(np.exp(w).sum())
    np.testing.assert_allclose(log_y, expected, rtol=1e-9)
    assert log_y[2] < -4000  # very negative, yet finite


def test_log_gumbel_softmax_is_minus_inf_for_minus_inf_logits() -> None:
    logits = core.logits_from_probabilities([0.5, 0.0, 0.5])
    log_y = core.log_gumbel_softmax(logits, 0.5, rng=rng(17), sample_shape=100)
    assert (log_y[:, 1] == -np.inf).all()
    assert np.isfinite(log_y[:, [0, 2]]).all()


# ------------------------------------------------------------------ exactness (statistics)


def test_gumbel_max_counts_match_pi() -> None:
    # Chi-square goodness of fit, 10^6 draws, fixed seed, 4 d.o.f.: p > 1e-3.
    drawn = core.gumbel_max(np.log(PI), rng=rng(2017), sample_shape=N_DRAWS)
    counts = np.bincount(drawn, minlength=5)
    assert stats.chisquare(counts, N_DRAWS * PI).pvalue > P_MIN
    # Power check: the counts reject E[y] (a plausible wrong answer) outright.
    wrong = EXPECTED_MEAN_Y_TAU_1 / EXPECTED_MEAN_Y_TAU_1.sum()
    assert stats.chisquare(counts, N_DRAWS * wrong).pvalue < 1e-12


def test_gumbel_max_ignores_a_constant_shift_of_the_logits() -> None:
    drawn = core.gumbel_max(np.log(PI), rng=rng(7), sample_shape=1000)
    shifted = core.gumbel_max(np.log(PI) + 123.0, rng=rng(7), sample_shape=1000)
    np.testing.assert_array_equal(drawn, shifted)


def test_rounding_the_relaxed_sample_draws_from_pi() -> None:
    # Maddison et al. Prop. 1: P(argmax y = k) = pi_k at every tau.
    # Chi-square, 10^6 draws at tau = 0.5, fixed seed, 4 d.o.f.: p > 1e-3.
    y = core.gumbel_softmax(np.log(PI), 0.5, rng=rng(2018), sample_shape=N_DRAWS)
    counts = np.bincount(y.argmax(axis=-1), minlength=5)
    assert stats.chisquare(counts, N_DRAWS * PI).pvalue > P_MIN


def test_mean_of_y_at_tau_1_matches_reference() -> None:
    y = core.gumbel_softmax(np.log(PI), 1.0, rng=rng(2019), sample_shape=N_DRAWS)
    mean = y.mean(axis=0)
    standard_error = y.std(axis=0, ddof=1) / np.sqrt(N_DRAWS)  # ~2e-4 per class
    # z-test: within 5 SE, plus 1e-3 for the 3-decimal rounding (and Monte Carlo
    # error) of the reference values.
    tolerance = 5 * standard_error + 1e-3
    assert (np.abs(mean - EXPECTED_MEAN_Y_TAU_1) < tolerance).all(), (mean, tolerance)
    # E[y] is not pi at tau = 1: the difference for class 0 (0.027) is > 50 SE.
    assert np.abs(mean[0] - PI[0]) > 50 * standard_error[0]


# --------------------------------------------------------------------------- random_probabilities


@pytest.mark.parametrize("k", [2, 5, 12])
def test_random_probabilities_on_simplex(k: int) -> None:
    p = core.random_probabilities(rng(k), k)
    assert p.shape == (k,)
    assert_on_simplex(p, atol=1e-12)


def test_random_probabilities_reproducible() -> None:
    a = core.random_probabilities(rng(3), 5)
    np.testing.assert_array_equal(a, core.random_probabilities(rng(3), 5))
    assert not np.array_equal(a, core.random_probabilities(rng(4), 5))


def test_random_probabilities_accepts_numpy_integer() -> None:
    assert core.random_probabilities(rng(), np.int64(4)).shape == (4,)


def test_random_probabilities_is_uniform_on_the_simplex() -> None:
    # Dirichlet(1, 1, 1): the first coordinate is Beta(1, 2). KS test of
    # 2 * 10^4 draws at a fixed seed: p > 1e-3.
    generator = rng(2020)
    first = np.array([core.random_probabilities(generator, 3)[0] for _ in range(20_000)])
    assert stats.kstest(first, stats.beta(1, 2).cdf).pvalue > P_MIN
    # Power check: a uniform first coordinate (a wrong sampler) is rejected.
    assert stats.kstest(first, stats.uniform.cdf).pvalue < 1e-12


# --------------------------------------------------------------------------- entropy


@pytest.mark.parametrize("k", [2, 5, 12])
def test_entropy_of_uniform_is_log_k(k: int) -> None:
    assert core.entropy(np.full(k, 1 / k)) == pytest.approx(np.log(k), rel=1e-12)


def test_entropy_of_one_hot_is_zero() -> None:
    assert core.entropy([0.0, 1.0, 0.0]) == 0.0


def test_entropy_ignores_zero_entries() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = core.entropy([0.5, 0.0, 0.5, 0.0])
    assert isinstance(h, float)
    assert h == pytest.approx(np.log(2), rel=1e-12)


def test_entropy_is_per_row_for_a_batch() -> None:
    h = core.entropy([[0.25] * 4, [1.0, 0, 0, 0], [0.1, 0.2, 0.3, 0.4]])
    expected_last = -sum(p * np.log(p) for p in (0.1, 0.2, 0.3, 0.4))
    np.testing.assert_allclose(h, [np.log(4), 0.0, expected_last], rtol=1e-12)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("tau", "shown"),
    [(0, "0.0"), (-1, "-1.0"), (np.nan, "nan"), (np.inf, "inf"), ("abc", "'abc'")],
)
def test_bad_tau_is_rejected_naming_it(tau: object, shown: str) -> None:
    with pytest.raises(ValueError, match=f"got .*{re.escape(shown)}"):
        core.gumbel_softmax(np.log(PI), tau, rng=rng())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=f"got .*{re.escape(shown)}"):
        core.validate_tau(tau)  # type: ignore[arg-type]


def test_bad_entry_in_a_tau_array_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"got .*-2\.0"):
        core.gumbel_softmax(np.log(PI), [1.0, -2.0], rng=rng())


@pytest.mark.parametrize(("logits", "shown"), [([0.0], r"\(1,\)"), (0.0, r"\(\)")])
def test_fewer_than_two_classes_is_rejected(logits: object, shown: str) -> None:
    with pytest.raises(ValueError, match=shown):
        core.gumbel_softmax(logits, 1.0, rng=rng())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=shown):
        core.gumbel_max(logits, rng=rng())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("logits", "shown"),
    [
        ([0.0, np.nan], r"\[ 0\. nan\]"),
        ([1.0, np.inf], r"\[ 1\. inf\]"),
        ([-np.inf, -np.inf], r"\[-inf -inf\]"),
        ([[0.0, 1.0], [-np.inf, -np.inf]], r"\[-inf -inf\]"),
        ([[0.0, 1.0], [2.0, np.nan]], r"\[ 2\. nan\]"),
    ],
    ids=["nan", "plus-inf", "all-minus-inf", "all-minus-inf-in-one-row", "nan-in-one-row"],
)
def test_bad_logits_are_rejected_naming_the_row(logits: list, shown: str) -> None:
    for call in (
        lambda: core.gumbel_softmax(logits, 1.0, rng=rng()),
        lambda: core.log_gumbel_softmax(logits, 1.0, rng=rng()),
        lambda: core.gumbel_max(logits, rng=rng()),
    ):
        with pytest.raises(ValueError, match=shown):
            call()


def test_non_numeric_logits_are_rejected() -> None:
    with pytest.raises(ValueError, match="numeric"):
        core.gumbel_softmax(["a", "b"], 1.0, rng=rng())


@pytest.mark.parametrize(
    ("probabilities", "shown"),
    [
        ([0.5, -0.1, 0.6], r"-0\.1"),
        ([0.5, np.nan], "nan"),
        ([0.5, np.inf], r"got .*inf"),
        ([0.0, 0.0, 0.0], "all zeros"),
        ([1.0], r"\(1,\)"),
        ("abc", "'abc'"),
    ],
    ids=["negative", "nan", "inf", "all-zero", "one-class", "not-numbers"],
)
def test_bad_probabilities_are_rejected_naming_them(probabilities: object, shown: str) -> None:
    with pytest.raises(ValueError, match=shown):
        core.validate_probabilities(probabilities)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=shown):
        core.logits_from_probabilities(probabilities)  # type: ignore[arg-type]


def test_probabilities_are_normalised() -> None:
    np.testing.assert_allclose(core.validate_probabilities([1, 3, 0]), [0.25, 0.75, 0.0])
    np.testing.assert_allclose(
        core.logits_from_probabilities([2, 2]), np.log([0.5, 0.5]), rtol=1e-15
    )


@pytest.mark.parametrize("noise", [[0.0, np.nan, 0.0], [0.0, 0.0, np.inf], [-np.inf, 0.0, 0.0]])
def test_non_finite_noise_is_rejected(noise: list[float]) -> None:
    with pytest.raises(ValueError, match="gumbel noise"):
        core.gumbel_softmax(np.log([0.2, 0.3, 0.5]), 1.0, gumbel=noise)
    with pytest.raises(ValueError, match="gumbel noise"):
        core.gumbel_max(np.log([0.2, 0.3, 0.5]), gumbel=noise)


def test_non_finite_noise_error_names_the_value() -> None:
    with pytest.raises(ValueError, match="nan"):
        core.gumbel_softmax(np.log([0.2, 0.3, 0.5]), 1.0, gumbel=[0.0, np.nan, 0.0])


def test_missing_rng_and_noise_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"rng=.*gumbel="):
        core.gumbel_softmax(np.log(PI), 1.0)
    with pytest.raises(ValueError, match=r"rng=.*gumbel="):
        core.gumbel_max(np.log(PI))


@pytest.mark.parametrize(("k", "shown"), [(1, "got 1"), (2.5, "got 2.5"), (True, "got True")])
def test_bad_k_for_random_probabilities_is_rejected(k: object, shown: str) -> None:
    with pytest.raises(ValueError, match=shown):
        core.random_probabilities(rng(), k)  # type: ignore[arg-type]


def test_sample_gumbel_rejects_non_float_dtype_and_negative_shape() -> None:
    with pytest.raises(ValueError, match="int64"):
        core.sample_gumbel(rng(), 3, np.int64)
    with pytest.raises(ValueError, match=r"\(-1,\)"):
        core.sample_gumbel(rng(), -1)


# --------------------------------------------------------------------------- dtype limits


@pytest.mark.parametrize(
    ("dtype", "tau"),
    [(np.float32, 1e-50), (np.float32, 1e50), (np.float16, 1e-10), (np.float16, 1e10)],
)
def test_extreme_tau_with_narrow_float_logits_acts_as_its_limit(dtype: type, tau: float) -> None:
    logits = np.array([0.0, -np.inf, 1.0], dtype=dtype)
    y = core.gumbel_softmax(logits, tau, gumbel=[0.0, 0.0, 0.0])
    limit = [0.0, 0.0, 1.0] if tau < 1 else [0.5, 0.0, 0.5]
    np.testing.assert_allclose(y, limit, atol=1e-3)
    hard = core.gumbel_softmax(logits, tau, gumbel=[0.0, 0.0, 0.0], hard=True)
    np.testing.assert_array_equal(hard, [0.0, 0.0, 1.0])


def test_noise_that_overflows_float32_is_rejected_naming_it() -> None:
    logits = np.log(PI[:2] / PI[:2].sum()).astype(np.float32)
    with pytest.raises(ValueError, match=r"float32, got 1e\+39"):
        core.gumbel_softmax(logits, 1.0, gumbel=[1e39, 0.0])


def test_logits_plus_noise_overflowing_float16_is_rejected() -> None:
    logits = np.array([65000.0, 1.0], dtype=np.float16)
    with pytest.raises(ValueError, match="overflow float16"):
        core.gumbel_softmax(logits, 1.0, gumbel=[708.0, 0.0])
