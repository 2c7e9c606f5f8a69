"""The Concrete density: normalised, matches samples, finite at the corners, validated.

Quadrature runs in log-ratio coordinates u_i = log(y_i / y_k), i < k. The map
u -> y = softmax([u, 0]) from R^{k-1} onto the open simplex has Jacobian
dy_i/du_j = y_i (delta_ij - y_j) for i, j < k, whose determinant is
det(diag(y') - y' y'^T) = (prod_{i<k} y_i) (1 - sum_{i<k} y_i) = prod_{i=1}^{k} y_i
(matrix determinant lemma). So int p(y) dy_1..dy_{k-1} = int p(y(u)) prod_i y_i du,
and the integrand is exp(log p + sum_i log y_i), formed in log space.

u_i = (log pi_i/pi_k + g_i - g_k) / tau: tau * u has a tau-free, logistic-tailed law, so
the grids below are scaled by 1 / tau (half-width 45 / tau beyond the offset leaves
tails of order exp(-45)).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from gumbel_viz import core
from gumbel_viz.core import density

TAUS = (0.2, 0.5, 1.0, 2.0)
LOGITS2 = np.log([0.3, 0.7])
LOGITS3 = np.log([0.2, 0.5, 0.3])
# chi-square 0.999 quantiles (scipy.stats.chi2.ppf(0.999, df)), hard-coded.
CHI2_999 = {35: 66.619}


def log_y_from_u(u: np.ndarray) -> np.ndarray:
    """log softmax([u, 0]) along the last axis, exactly (no exp of large numbers)."""
    full = np.concatenate([u, np.zeros((*u.shape[:-1], 1))], axis=-1)
    m = full.max(axis=-1, keepdims=True)
    return full - (m + np.log(np.exp(full - m).sum(axis=-1, keepdims=True)))


def u_density(u: np.ndarray, logits: np.ndarray, tau: float) -> np.ndarray:
    """p(y(u)) * prod_i y_i: the density of u, from log y."""
    log_y = log_y_from_u(u)
    return np.exp(density.concrete_log_density(log_y, logits, tau) + log_y.sum(axis=-1))


def axis(logits: np.ndarray, tau: float, i: int, n: int) -> np.ndarray:
    """A 1-D u_i grid of n points, +-45 / tau around the class's offset."""
    centre = logits[i] - logits[-1]
    return np.linspace(centre - 45, centre + 45, n) / tau


# ------------------------------------------------------------------ normalisation


@pytest.mark.parametrize("tau", TAUS)
def test_binary_integrates_to_one(tau: float) -> None:
    u = axis(LOGITS2, tau, 0, 4001)
    total = np.trapezoid(u_density(u[:, None], LOGITS2, tau), u)
    assert abs(total - 1) < 1e-4, total


@pytest.mark.parametrize("tau", TAUS)
def test_ternary_integrates_to_one(tau: float) -> None:
    u1, u2 = axis(LOGITS3, tau, 0, 601), axis(LOGITS3, tau, 1, 601)
    grid = np.stack(np.meshgrid(u1, u2, indexing="ij"), axis=-1)
    f = u_density(grid, LOGITS3, tau)
    total = np.trapezoid(np.trapezoid(f, u2, axis=1), u1)
    assert abs(total - 1) < 1e-4, total


def test_quadrature_notices_a_wrong_density() -> None:
    """The check can fail: the tau^(k-1) factor at the wrong tau is off by far more."""
    tau = 0.5
    u = axis(LOGITS2, tau, 0, 4001)
    wrong = u_density(u[:, None], LOGITS2, tau) * (0.55 / 0.5)
    assert abs(np.trapezoid(wrong, u) - 1) > 0.05


# ------------------------------------------------------------------ against samples


def binary_ks(tau_density: float, tau_samples: float) -> float:
    """KS distance between 10^6 samples of u = log(y1/y2) and the density's CDF."""
    rng = np.random.default_rng(2024)
    log_y = core.log_gumbel_softmax(LOGITS2, tau_samples, rng=rng, sample_shape=10**6)
    u_samples = np.sort(log_y[:, 0] - log_y[:, 1])
    u = axis(LOGITS2, tau_density, 0, 8001)
    f = u_density(u[:, None], LOGITS2, tau_density)
    cdf = np.concatenate([[0.0], np.cumsum((f[1:] + f[:-1]) / 2 * np.diff(u))])
    empirical = np.searchsorted(u_samples, u, side="right") / u_samples.size
    return float(np.abs(empirical - cdf).max())


def test_binary_samples_follow_the_density_ks() -> None:
    """KS at n = 10^6: the 0.999 critical value is 1.95 / sqrt(n) = 0.00195.

    The CDF is y1's CDF too (u = log(y1 / (1 - y1)) is increasing in y1); it is
    compared on the 8001-point grid, a subset of the sup, so D can only be smaller.
    """
    d = binary_ks(0.5, 0.5)
    assert d < 1.95e-3, d
    assert binary_ks(0.5, 0.52) > 1.95e-3  # a 4% wrong tau is caught


def simpson_cells(edges: tuple, logits: np.ndarray, tau: float, i: int):
    """u_i nodes and composite-Simpson weights per cell between consecutive cuts.

    Cuts at ``edges`` (in tau * u, around the class's offset) and +-40; step <= 0.1
    in tau * u, an even number of intervals per cell. Returns (nodes, weights), each a
    list with one array per cell.
    """
    centre = logits[i] - logits[-1]
    cuts = [centre - 40, *(centre + e for e in edges), centre + 40]
    nodes, weights = [], []
    for a, b in itertools.pairwise(cuts):
        m = 2 * math.ceil((b - a) / 0.2)
        x = np.linspace(a, b, m + 1) / tau
        w = np.ones(m + 1)
        w[1:-1:2], w[2:-1:2] = 4, 2
        nodes.append(x)
        weights.append(w * (x[1] - x[0]) / 3)
    return nodes, weights


def ternary_chi2(tau_density: float, tau_samples: float) -> tuple[float, int]:
    """Chi-square of 10^6 samples over 6 x 6 rectangles in (tau u_1, tau u_2).

    Expected cell probabilities by Simpson's rule on each rectangle (cell edges on
    grid lines); the outer cells also take the samples beyond +-40.
    """
    edges = (-3.0, -1.0, 0.0, 1.0, 3.0)
    x1, w1 = simpson_cells(edges, LOGITS3, tau_density, 0)
    x2, w2 = simpson_cells(edges, LOGITS3, tau_density, 1)
    expected = np.empty((6, 6))
    for a in range(6):
        for b in range(6):
            grid = np.stack(np.meshgrid(x1[a], x2[b], indexing="ij"), axis=-1)
            expected[a, b] = w1[a] @ u_density(grid, LOGITS3, tau_density) @ w2[b]
    assert abs(expected.sum() - 1) < 1e-6, expected.sum()
    rng = np.random.default_rng(7)
    log_y = core.log_gumbel_softmax(LOGITS3, tau_samples, rng=rng, sample_shape=10**6)
    cells = []
    for i in range(2):
        tu = tau_density * (log_y[:, i] - log_y[:, 2]) - (LOGITS3[i] - LOGITS3[2])
        cells.append(np.searchsorted(edges, tu))
    observed = np.zeros((6, 6))
    np.add.at(observed, (cells[0], cells[1]), 1)
    e = expected * 10**6
    assert e.min() > 50  # every cell well populated
    return float(((observed - e) ** 2 / e).sum()), expected.size - 1


def test_ternary_samples_follow_the_density_chi2() -> None:
    stat, df = ternary_chi2(0.5, 0.5)
    assert stat < CHI2_999[df], stat
    wrong, _ = ternary_chi2(0.5, 0.52)
    assert wrong > CHI2_999[df], wrong


def test_binary_density_is_the_concrete_density_of_y1() -> None:
    y1 = np.array([1e-9, 0.01, 0.3, 0.5, 0.77, 0.999])
    for tau in TAUS:
        general = density.concrete_log_density(
            np.stack([np.log(y1), np.log1p(-y1)], axis=-1), LOGITS2, tau
        )
        np.testing.assert_allclose(
            density.binary_concrete_log_density(y1, LOGITS2, tau), general, rtol=1e-12
        )


def test_matches_the_naive_formula_away_from_corners() -> None:
    y = np.array([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]])
    pi = np.exp(LOGITS3)
    for tau in TAUS:
        naive = (
            math.gamma(3)
            * tau**2
            * (pi * y ** (-tau - 1)).prod(-1)
            / (pi * y ** (-tau)).sum(-1) ** 3
        )
        np.testing.assert_allclose(
            density.concrete_log_density(np.log(y), LOGITS3, tau), np.log(naive), rtol=1e-12
        )


# ------------------------------------------------------------------ numerics


def naive_log_density(y: np.ndarray, logits: np.ndarray, tau: float) -> np.ndarray:
    pi = np.exp(logits - np.log(np.exp(logits).sum()))
    k = y.shape[-1]
    with np.errstate(all="ignore"):
        p = (
            math.gamma(k)
            * tau ** (k - 1)
            * (pi * y ** (-tau - 1)).prod(-1)
            / (pi * y ** (-tau)).sum(-1) ** k
        )
        return np.log(p)


@pytest.mark.parametrize(
    "log_y",
    [
        [math.log1p(-2e-300), math.log(1e-300), math.log(1e-300)],
        [0.0 - 2 * math.exp(-1000.0), -1000.0, -1000.0],  # y_2, y_3 underflow to 0
        [-800.0, math.log1p(-math.exp(-800.0)), -900.0],
    ],
)
@pytest.mark.parametrize("tau", [0.1, 1.0, 5.0])
def test_finite_near_corners_where_the_naive_formula_fails(log_y: list, tau: float) -> None:
    log_y = np.array(log_y)
    value = density.concrete_log_density(log_y, LOGITS3, tau)
    assert np.isfinite(value)
    assert not np.isfinite(naive_log_density(np.exp(log_y), LOGITS3, tau))


def test_corner_value_by_hand() -> None:
    """At log y = (0, -a, -a) the LSE is dominated by the two small classes."""
    a, tau = 1000.0, 0.5
    log_pi = LOGITS3 - np.log(np.exp(LOGITS3).sum())
    expected = (
        math.log(2)
        + 2 * math.log(tau)
        + log_pi.sum()
        + 2 * (tau + 1) * a
        - 3 * (np.logaddexp(log_pi[1], log_pi[2]) + tau * a)
    )
    value = density.concrete_log_density([0.0, -a, -a], LOGITS3, tau)
    assert value == pytest.approx(expected, rel=1e-12)


def test_batched_over_leading_axes() -> None:
    rng = np.random.default_rng(3)
    log_y = core.log_gumbel_softmax(LOGITS3, 0.7, rng=rng, sample_shape=(4, 5))
    taus = np.array([0.3, 0.7, 1.0, 2.0])[:, None]
    out = density.concrete_log_density(log_y, LOGITS3, taus)
    assert out.shape == (4, 5)
    assert out[2, 3] == density.concrete_log_density(log_y[2, 3], LOGITS3, 1.0)


def test_invariant_to_shifting_logits() -> None:
    rng = np.random.default_rng(5)
    log_y = core.log_gumbel_softmax(LOGITS3, 0.4, rng=rng, sample_shape=100)
    base = density.concrete_log_density(log_y, LOGITS3, 0.4)
    for shift in (-300.0, -1.5, 7.0, 500.0):
        np.testing.assert_allclose(
            density.concrete_log_density(log_y, LOGITS3 + shift, 0.4), base, rtol=1e-12, atol=1e-10
        )
    y1 = np.linspace(0.01, 0.99, 9)
    np.testing.assert_allclose(
        density.binary_concrete_log_density(y1, LOGITS2 + 40.0, 0.4),
        density.binary_concrete_log_density(y1, LOGITS2, 0.4),
        rtol=1e-12,
    )


def test_log_convex_threshold() -> None:
    assert density.log_convex_threshold(2) == 1.0
    assert density.log_convex_threshold(3) == 0.5
    assert density.log_convex_threshold(5) == 0.25
    for bad in (1, 0, 2.5, True):
        with pytest.raises(ValueError, match="k must be an integer >= 2"):
            density.log_convex_threshold(bad)


# ------------------------------------------------------------------ ternary helpers


def test_ternary_grid() -> None:
    bary, xy = density.ternary_grid(40)
    assert bary.shape == (40 * 41 // 2, 3) and xy.shape == (bary.shape[0], 2)
    np.testing.assert_allclose(bary.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    assert bary.min() >= 1 / 120 - 1e-15
    np.testing.assert_allclose(xy, density.to_cartesian(bary))
    assert len({tuple(p) for p in np.round(bary * 120).astype(int)}) == bary.shape[0]
    # the centroid of the simplex lands at the triangle's centroid
    centre = density.to_cartesian([1 / 3, 1 / 3, 1 / 3])
    np.testing.assert_allclose(centre, density.TRIANGLE_VERTICES.mean(axis=0))
    np.testing.assert_allclose(density.to_cartesian(np.eye(3)), density.TRIANGLE_VERTICES)
    # the grid points are inside the triangle: y >= 0, below both slanted sides
    x, y = xy.T
    assert (y > 0).all() and (y < math.sqrt(3) * x).all() and (y < math.sqrt(3) * (1 - x)).all()


@pytest.mark.parametrize("resolution", [0, -3, 401, 2.5, True, "50"])
def test_ternary_grid_rejects(resolution) -> None:
    with pytest.raises(ValueError, match="resolution"):
        density.ternary_grid(resolution)


def test_to_cartesian_rejects_other_k() -> None:
    with pytest.raises(ValueError, match="3 classes"):
        density.to_cartesian([0.5, 0.5])


# ------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    ("log_y", "logits", "tau", "match"),
    [
        ([-1.0, -0.5], [0.0, -np.inf], 1.0, "logits must all be finite.*-inf"),
        ([-1.0, -0.5], [0.0, np.nan], 1.0, "logits must all be finite.*nan"),
        ([-1.0, -0.5], [0.0, np.inf], 1.0, "logits must all be finite.*inf"),
        ([0.0], [0.0], 1.0, "at least 2 classes"),
        (np.log([0.3, 0.7]), [0.0, 0.0], 0.0, "tau must be finite and > 0, got 0.0"),
        (np.log([0.3, 0.7]), [0.0, 0.0], -1.0, "got -1.0"),
        (np.log([0.3, 0.7]), [0.0, 0.0], np.inf, "got inf"),
        ([-np.inf, 0.0], [0.0, 0.0], 1.0, "log_y must be finite.*-inf"),
        ([np.nan, 0.0], [0.0, 0.0], 1.0, "log_y must be finite.*nan"),
        (np.log([0.3, 0.6]), [0.0, 0.0], 1.0, "on the simplex.*-0.105"),
        (np.log([0.2, 0.3, 0.5]), [0.0, 0.0], 1.0, "2 classes on the last axis"),
        ("abc", [0.0, 0.0], 1.0, "log_y must be numbers"),
    ],
)
def test_concrete_log_density_rejects(log_y, logits, tau, match) -> None:
    with pytest.raises(ValueError, match=match):
        density.concrete_log_density(log_y, logits, tau)


@pytest.mark.parametrize(
    ("y1", "logits", "tau", "match"),
    [
        (0.0, [0.0, 0.0], 1.0, r"strictly inside \(0, 1\), got 0.0"),
        (1.0, [0.0, 0.0], 1.0, "got 1.0"),
        (np.nan, [0.0, 0.0], 1.0, "got nan"),
        (0.5, [0.0, 0.0, 0.0], 1.0, "needs 2 logits"),
        (0.5, [0.0, -np.inf], 1.0, "finite.*-inf"),
        (0.5, [0.0, 0.0], 0.0, "tau"),
    ],
)
def test_binary_concrete_log_density_rejects(y1, logits, tau, match) -> None:
    with pytest.raises(ValueError, match=match):
        density.binary_concrete_log_density(y1, logits, tau)
