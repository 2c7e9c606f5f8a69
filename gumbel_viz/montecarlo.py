"""Monte Carlo checks of the Gumbel-Softmax relaxation, in NumPy alone.

:func:`run_monte_carlo` draws ``n`` relaxed samples ``y = softmax((log pi + g) / tau)``
with the engine, in chunks of bounded memory, and keeps only aggregates: how
often each class is the argmax (with Wilson intervals and a chi-square
goodness-of-fit test against pi), the mean relaxed sample ``E[y]`` with its
standard error, histograms of each ``y_k`` and of the Gumbel noise itself.

The chi-square survival function is computed here (no SciPy at run time) from
the regularised upper incomplete gamma function, see :func:`gamma_q`.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import engine

__all__ = [
    "MAX_DRAWS",
    "NOISE_BINS",
    "NOISE_RANGE",
    "MonteCarloSummary",
    "chi2_sf",
    "chi_square_gof",
    "class_counts",
    "gamma_q",
    "gumbel_pdf",
    "run_monte_carlo",
    "wilson_interval",
]

MAX_DRAWS = 10**6
NOISE_RANGE = (-3.0, 8.0)
NOISE_BINS = 110  # bins of width 0.1
CHUNK_VALUES = 2**18  # draws x classes per chunk: 2 MB per float64 array
Z_95 = 1.959963984540054  # the 97.5% quantile of the standard normal

FloatArray = NDArray[np.float64]


# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class MonteCarloSummary:
    """Aggregates of ``n`` relaxed samples at one pi and tau; every array is read-only.

    Attributes
    ----------
    n, tau : number of draws and temperature.
    probabilities : (k,) pi = softmax(logits), the target of the frequencies.
    counts : (k,) int64, how often each class was ``argmax_k y_k``; sums to n.
    frequencies : (k,) ``counts / n``.
    lower, upper : (k,) 95% Wilson score interval of each frequency.
    chi2, dof, p_value : Pearson chi-square test of ``counts`` against pi, see
        :func:`chi_square_gof`.
    mean_y, mean_y_se : (k,) ``E[y]`` estimated by the sample mean, and its
        standard error ``s / sqrt(n)`` (``inf`` when n = 1).
    y_edges : (bins + 1,) shared bin edges on [0, 1].
    y_density : (k, bins) histogram of each ``y_k``, a density: each row sums
        to 1 once multiplied by the bin widths.
    noise_edges : (NOISE_BINS + 1,) bin edges covering NOISE_RANGE.
    noise_density : (NOISE_BINS,) histogram of all ``n * k`` noise values pooled,
        normalised by ``n * k`` (values outside the range count in the total),
        so it estimates the Gumbel(0, 1) density and integrates to slightly
        less than 1 (the tails beyond NOISE_RANGE hold about 3.4e-4).
    noise_pdf : (NOISE_BINS,) :func:`gumbel_pdf` at the bin centres.
    """

    n: int
    tau: float
    probabilities: FloatArray
    counts: NDArray[np.int64]
    frequencies: FloatArray
    lower: FloatArray
    upper: FloatArray
    chi2: float
    dof: int
    p_value: float
    mean_y: FloatArray
    mean_y_se: FloatArray
    y_edges: FloatArray
    y_density: FloatArray
    noise_edges: FloatArray
    noise_density: FloatArray
    noise_pdf: FloatArray

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, np.ndarray):
                value.setflags(write=False)

    @property
    def k(self) -> int:
        return len(self.probabilities)

    @property
    def noise_centres(self) -> FloatArray:
        return (self.noise_edges[:-1] + self.noise_edges[1:]) / 2


# --------------------------------------------------------------------------- densities


def gumbel_pdf(x: ArrayLike) -> FloatArray:
    """The standard Gumbel density ``f(x) = exp(-(x + exp(-x)))``.

    Computed as written: ``exp(-x)`` overflows to inf for x < -709, where the
    density is 0, so the overflow warning is silenced.
    """
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(over="ignore"):
        return np.exp(-(x + np.exp(-x)))


# --------------------------------------------------------------------------- chi-square

_EPS = 1e-16
_TINY = 1e-300
_MAX_ITERATIONS = 100_000


def _log_prefactor(a: float, x: float) -> float:
    """``log(x**a * exp(-x) / Gamma(a))``, the factor common to series and fraction."""
    return a * math.log(x) - x - math.lgamma(a)


def _gamma_p_series(a: float, x: float) -> float:
    """Lower regularised gamma ``P(a, x)`` by its series; converges fast for x < a + 1.

    .. math:: P(a, x) = \\frac{x^a e^{-x}}{\\Gamma(a)} \\sum_{n \\ge 0}
              \\frac{x^n}{a (a + 1) \\cdots (a + n)}
    """
    term = total = 1.0 / a
    denominator = a
    for _ in range(_MAX_ITERATIONS):
        denominator += 1.0
        term *= x / denominator
        total += term
        if abs(term) < abs(total) * _EPS:
            return total * math.exp(_log_prefactor(a, x))
    raise ArithmeticError(f"gamma series did not converge for a={a}, x={x}")


def _log_gamma_q_fraction(a: float, x: float) -> float:
    """``log Q(a, x)`` by the continued fraction (modified Lentz); for x >= a + 1.

    .. math:: Q(a, x) = \\frac{x^a e^{-x}}{\\Gamma(a)}
              \\cfrac{1}{x + 1 - a - \\cfrac{1 (1 - a)}{x + 3 - a -
              \\cfrac{2 (2 - a)}{x + 5 - a - \\cdots}}}

    Returned as a logarithm so that Q far below the smallest double stays usable.
    """
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    for i in range(1, _MAX_ITERATIONS):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = _TINY if abs(d) < _TINY else d
        c = b + an / c
        c = _TINY if abs(c) < _TINY else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            return _log_prefactor(a, x) + math.log(h)
    raise ArithmeticError(f"gamma continued fraction did not converge for a={a}, x={x}")


def gamma_q(a: float, x: float) -> float:
    """The regularised upper incomplete gamma ``Q(a, x) = Gamma(a, x) / Gamma(a)``.

    .. math:: Q(a, x) = \\frac{1}{\\Gamma(a)} \\int_x^\\infty t^{a-1} e^{-t}\\, dt

    ``1 - P(a, x)`` from the series when ``x < a + 1`` (there Q is not small, so
    the subtraction loses nothing), else the continued fraction evaluated in log
    space (Numerical Recipes, 3rd ed., 6.2). Relative accuracy about 1e-13; Q
    underflows to 0 only below about 1e-308.
    """
    if not (a > 0 and math.isfinite(a)):
        raise ValueError(f"gamma_q needs a finite a > 0, got {a!r}")
    if math.isnan(x) or x < 0:
        raise ValueError(f"gamma_q needs x >= 0, got {x!r}")
    if x == 0:
        return 1.0
    if math.isinf(x):
        return 0.0
    if x < a + 1.0:
        return max(0.0, 1.0 - _gamma_p_series(a, x))
    return math.exp(_log_gamma_q_fraction(a, x))


def chi2_sf(stat: float, dof: float) -> float:
    """Survival function of the chi-square distribution: ``P(X >= stat)``.

    .. math:: P(\\chi^2_\\nu \\ge s) = Q(\\nu / 2, s / 2)

    ``dof`` must be > 0 and ``stat`` >= 0 (``inf`` gives 0).
    """
    if not (dof > 0 and math.isfinite(dof)):
        raise ValueError(f"degrees of freedom must be finite and > 0, got {dof!r}")
    if math.isnan(stat) or stat < 0:
        raise ValueError(f"chi-square statistic must be >= 0, got {stat!r}")
    return gamma_q(dof / 2.0, stat / 2.0)


def chi_square_gof(counts: ArrayLike, probabilities: ArrayLike) -> tuple[float, int, float]:
    """Pearson's goodness-of-fit test of class counts against probabilities pi.

    .. math:: \\chi^2 = \\sum_{k:\\,\\pi_k > 0} \\frac{(c_k - n\\pi_k)^2}{n\\pi_k},
              \\qquad \\text{dof} = \\#\\{k : \\pi_k > 0\\} - 1

    Classes with ``pi_k = 0`` cannot be drawn: they are left out of the sum and
    of the degrees of freedom. If one of them was counted anyway the data
    contradict pi outright: ``(inf, dof, 0.0)``. With a single class of positive
    probability there is nothing to test: ``(0.0, 0, 1.0)``.

    Returns ``(statistic, dof, p_value)``.
    """
    c = np.asarray(counts, dtype=np.float64)
    p = engine.validate_probabilities(probabilities)
    if c.shape != p.shape or c.ndim != 1:
        raise ValueError(f"counts {c.shape} and probabilities {p.shape} must be 1-D alike")
    if (c < 0).any():
        raise ValueError(f"counts must be >= 0, got {c}")
    possible = p > 0
    dof = int(possible.sum()) - 1
    if c[~possible].any():
        return math.inf, dof, 0.0
    if dof == 0:
        return 0.0, 0, 1.0
    expected = c.sum() * p[possible]
    stat = float((((c[possible] - expected) ** 2) / expected).sum())
    return stat, dof, chi2_sf(stat, dof)


def wilson_interval(counts: ArrayLike, n: int, z: float = Z_95) -> tuple[FloatArray, FloatArray]:
    """Wilson score interval for binomial proportions ``counts / n``.

    .. math:: \\frac{\\hat p + \\frac{z^2}{2n}}{1 + \\frac{z^2}{n}} \\pm
              \\frac{z}{1 + \\frac{z^2}{n}}
              \\sqrt{\\frac{\\hat p (1 - \\hat p)}{n} + \\frac{z^2}{4n^2}}

    Unlike the normal (Wald) interval it has positive width at 0 and n counts.
    Returns ``(lower, upper)``, clipped to [0, 1].
    """
    p_hat = np.asarray(counts, dtype=np.float64) / n
    z2 = z * z
    denominator = 1.0 + z2 / n
    centre = (p_hat + z2 / (2 * n)) / denominator
    half = z / denominator * np.sqrt(p_hat * (1.0 - p_hat) / n + z2 / (4.0 * n * n))
    # At 0 and n counts the formula gives 0 and 1 exactly, up to rounding.
    lower = np.where(p_hat == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    upper = np.where(p_hat == 1, 1.0, np.clip(centre + half, 0.0, 1.0))
    return lower, upper


# --------------------------------------------------------------------------- accumulation


def _check_draws(n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer):
        raise ValueError(f"number of draws n must be an integer, got {n!r}")
    if not 1 <= n <= MAX_DRAWS:
        raise ValueError(f"number of draws n must be in [1, {MAX_DRAWS}], got {n}")
    return int(n)


def _check_logits(logits: ArrayLike) -> FloatArray:
    x = np.asarray(logits, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"logits must be 1-D (one row of k classes), got shape {x.shape}")
    return x


class _Accumulator:
    """Running totals over chunks: class counts, mean/M2 of y, histogram counts."""

    def __init__(self, k: int, bins: int) -> None:
        self.k, self.bins, self.n = k, bins, 0
        self.counts = np.zeros(k, dtype=np.int64)
        self.mean = np.zeros(k)
        self.m2 = np.zeros(k)  # sum of squared deviations from the mean
        self.y_hist = np.zeros(k * bins, dtype=np.int64)
        self.noise_hist = np.zeros(NOISE_BINS + 2, dtype=np.int64)  # + under/overflow
        self._class_offsets = (np.arange(k, dtype=np.float64) * bins)[:, np.newaxis]

    def add(self, g: FloatArray, y: FloatArray, counts: NDArray[np.int64]) -> None:
        """One chunk: noise ``g`` (m, k), relaxed samples (m, k), argmax counts (k,)."""
        self.counts += counts
        rows = y.T  # (k, m); contiguous, since the engine stores arrays class-major
        self._add_moments(rows)
        self._add_y_hist(rows)
        self._add_noise_hist(g.T)

    def merge(self, other: _Accumulator) -> None:
        """Fold in the totals of another stream of draws (Chan et al.'s combination)."""
        self.counts += other.counts
        self.y_hist += other.y_hist
        self.noise_hist += other.noise_hist
        total = self.n + other.n
        if total:
            delta = other.mean - self.mean
            self.mean += delta * (other.n / total)
            self.m2 += other.m2 + delta**2 * (self.n * other.n / total)
        self.n = total

    def _add_moments(self, rows: FloatArray) -> None:
        """Chan et al.'s pairwise update of mean and M2 (no sum-of-squares cancellation)."""
        m = rows.shape[1]
        chunk_mean = rows.mean(axis=1)
        deviations = rows - chunk_mean[:, np.newaxis]
        chunk_m2 = np.einsum("ij,ij->i", deviations, deviations)
        total = self.n + m
        delta = chunk_mean - self.mean
        self.mean += delta * (m / total)
        self.m2 += chunk_m2 + delta**2 * (self.n * m / total)
        self.n = total

    def _add_y_hist(self, rows: FloatArray) -> None:
        """Bin ``y`` on [0, 1] per class; y = 1 exactly falls in the last bin."""
        scaled = rows * self.bins
        np.minimum(scaled, self.bins - 1, out=scaled)
        scaled += self._class_offsets  # class c uses bins c*bins ... c*bins + bins - 1
        self.y_hist += np.bincount(scaled.astype(np.intp).ravel(), minlength=self.y_hist.size)

    def _add_noise_hist(self, rows: FloatArray) -> None:
        """Bin the noise on NOISE_RANGE; index 0 / -1 collect under- and overflow."""
        low, high = NOISE_RANGE
        scaled = rows - (low - (high - low) / NOISE_BINS)  # shift by one bin: underflow is 0
        scaled *= NOISE_BINS / (high - low)
        np.clip(scaled, 0, NOISE_BINS + 1, out=scaled)
        self.noise_hist += np.bincount(
            scaled.astype(np.intp).ravel(), minlength=self.noise_hist.size
        )

    def standard_error(self) -> FloatArray:
        if self.n < 2:
            return np.full(self.k, np.inf)
        return np.sqrt(self.m2 / (self.n - 1) / self.n)


# --------------------------------------------------------------------------- driver


PARALLEL_MIN_DRAWS = 200_000  # below this, thread start-up costs more than it saves
PARALLEL_STREAMS = 2


def run_monte_carlo(
    logits: ArrayLike,
    tau: float,
    n: int,
    rng: np.random.Generator,
    *,
    bins: int = 40,
    chunk: int = 100_000,
) -> MonteCarloSummary:
    """Draw ``n`` relaxed samples at ``logits`` and ``tau`` and summarise them.

    Each draw is ``g ~ Gumbel(0, 1)^k`` (:func:`engine.sample_gumbel`), the
    relaxed sample ``y = softmax((logits + g) / tau)`` (:func:`engine.gumbel_softmax`)
    and the class ``argmax(logits + g)``, the Gumbel-Max sample, which is also
    ``argmax y`` and an exact draw from ``pi = softmax(logits)`` (see
    :func:`class_counts`).

    Draws are made in chunks of at most ``chunk`` draws and CHUNK_VALUES
    values (draws x classes), so memory stays near a few chunks of floats
    whatever n is (and the working set mostly in cache); only aggregates are
    kept. Computed in float64 whatever the dtype of ``logits``.

    Parameters
    ----------
    logits : (k,) array_like, ``log pi`` up to a constant; ``-inf`` for pi = 0.
    tau : temperature, finite and > 0.
    n : number of draws, an integer in [1, MAX_DRAWS].
    rng : the generator every draw comes from; from PARALLEL_MIN_DRAWS draws on,
        its ``spawn(PARALLEL_STREAMS)`` children each draw a share on a thread.
    bins : number of histogram bins of each ``y_k`` on [0, 1].
    chunk : at most this many draws per chunk.

    Raises
    ------
    ValueError
        Bad n, bins or chunk, or anything the engine rejects (tau, logits).
    """
    n = _check_draws(n)
    x = _check_logits(logits)
    tau = float(engine.validate_tau(tau))
    if bins < 1 or chunk < 1:
        raise ValueError(f"bins and chunk must be >= 1, got bins={bins}, chunk={chunk}")
    k = x.shape[-1]
    pi = engine.softmax(x)
    step = min(chunk, max(1, CHUNK_VALUES // k))

    def draw(stream: np.random.Generator, count: int) -> _Accumulator:
        totals = _Accumulator(k, bins)
        for start in range(0, count, step):
            m = min(step, count - start)
            g = engine.sample_gumbel(stream, (m, k))
            y = engine.gumbel_softmax(x, tau, gumbel=g)
            totals.add(g, y, class_counts(x, g, y))
        return totals

    if n < PARALLEL_MIN_DRAWS:
        return _summarise(draw(rng, n), pi, tau)
    # Two independent child streams on two threads: NumPy releases the GIL in
    # the heavy loops, so 10**6 draws take about half the time on 2 cores.
    streams = rng.spawn(PARALLEL_STREAMS)
    shares = [n // PARALLEL_STREAMS + (i < n % PARALLEL_STREAMS) for i in range(PARALLEL_STREAMS)]
    with ThreadPoolExecutor(PARALLEL_STREAMS) as pool:
        parts = list(pool.map(draw, streams, shares))
    totals = parts[0]
    for part in parts[1:]:
        totals.merge(part)
    return _summarise(totals, pi, tau)


def class_counts(logits: FloatArray, g: FloatArray, y: FloatArray) -> NDArray[np.int64]:
    """How often each class is ``argmax(logits + g)`` over the rows of one chunk.

    Counted from ``y`` where that is exact: softmax is monotone, so a row whose
    largest ``y`` is unique has it at ``argmax(logits + g)``. Counting the entries
    equal to their row maximum is about 4x faster than an argmax over the class
    axis. If some row has a tie in ``y`` (a gap in ``logits + g`` below
    ``tau * 1e-16`` rounds to equal weights) the counts overshoot the number of
    rows, and the chunk is counted from :func:`engine.gumbel_max` instead.
    """
    rows = y.T  # (k, m)
    counts = np.count_nonzero(rows == rows.max(axis=0), axis=1).astype(np.int64)
    if counts.sum() != rows.shape[1]:
        drawn = engine.gumbel_max(logits, gumbel=g)
        counts = np.bincount(drawn.ravel(), minlength=rows.shape[0]).astype(np.int64)
    return counts


def _summarise(totals: _Accumulator, pi: FloatArray, tau: float) -> MonteCarloSummary:
    n, k, bins = totals.n, totals.k, totals.bins
    lower, upper = wilson_interval(totals.counts, n)
    chi2, dof, p_value = chi_square_gof(totals.counts, pi)
    y_edges = np.linspace(0.0, 1.0, bins + 1)
    noise_edges = np.linspace(*NOISE_RANGE, NOISE_BINS + 1)
    noise_width = (NOISE_RANGE[1] - NOISE_RANGE[0]) / NOISE_BINS
    return MonteCarloSummary(
        n=n,
        tau=tau,
        probabilities=pi,
        counts=totals.counts,
        frequencies=totals.counts / n,
        lower=lower,
        upper=upper,
        chi2=chi2,
        dof=dof,
        p_value=p_value,
        mean_y=totals.mean,
        mean_y_se=totals.standard_error(),
        y_edges=y_edges,
        y_density=totals.y_hist.reshape(k, bins) * (bins / n),
        noise_edges=noise_edges,
        noise_density=totals.noise_hist[1:-1] / (n * k * noise_width),
        noise_pdf=gumbel_pdf((noise_edges[:-1] + noise_edges[1:]) / 2),
    )
