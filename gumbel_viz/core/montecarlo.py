"""Monte Carlo checks of the Gumbel-Softmax relaxation: many draws, kept as aggregates.

:func:`run_monte_carlo` draws ``n`` relaxed samples ``y = softmax((log pi + g) / tau)``
with the engine, in chunks of bounded memory, and keeps only aggregates: how
often each class is the argmax (with Wilson intervals and a chi-square
goodness-of-fit test against pi), the mean relaxed sample ``E[y]`` with its
standard error, histograms of each ``y_k`` and of the Gumbel noise itself.

The chi-square p-value is SciPy's ``chdtrc`` (the function behind
``scipy.stats.chi2.sf``), imported from ``scipy.special`` to keep ``scipy.stats``
(about 50 MB per server process) out of the app.
"""

from __future__ import annotations

import csv
import io
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import chdtrc

from .numbers import exact_text
from .relaxation import gumbel_max, gumbel_softmax, sample_gumbel, softmax
from .validation import as_logits, check_integer, validate_probabilities, validate_tau

__all__ = [
    "MAX_DRAWS",
    "NOISE_BINS",
    "NOISE_RANGE",
    "ChiSquare",
    "MonteCarloSummary",
    "chi_square_gof",
    "class_counts",
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
    chi2, dof, p_value, pooled : Pearson chi-square test of ``counts`` against pi,
        see :func:`chi_square_gof` (``pooled`` rare classes share one cell).
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
    pooled: int
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

    def to_csv(self) -> str:
        """The aggregates as CSV, one row per class, at full precision.

        Leading ``#`` lines record n, tau and the chi-square test against pi.
        """
        out = io.StringIO()
        out.write(f"# n={self.n}\n# tau={exact_text(self.tau)}\n")
        out.write(f"# chi2={exact_text(self.chi2)}\n# dof={self.dof}\n")
        out.write(f"# p_value={exact_text(self.p_value)}\n")
        columns = {
            "pi": self.probabilities,
            "count": self.counts,
            "frequency": self.frequencies,
            "ci95_low": self.lower,
            "ci95_high": self.upper,
            "mean_y": self.mean_y,
            "mean_y_se": self.mean_y_se,
        }
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["class", *columns])
        for i in range(self.k):
            writer.writerow([i + 1, *(_cell(values[i]) for values in columns.values())])
        return out.getvalue()


def _cell(value: np.generic) -> str:
    return str(int(value)) if np.issubdtype(type(value), np.integer) else exact_text(value)


# --------------------------------------------------------------------------- densities


def gumbel_pdf(x: ArrayLike) -> FloatArray:
    """The standard Gumbel density ``f(x) = exp(-(x + exp(-x)))``.

    Computed as written: ``exp(-x)`` overflows to inf for x < -709, where the
    density is 0, so the overflow warning is silenced.
    """
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(over="ignore"):
        return np.exp(-(x + np.exp(-x)))


# --------------------------------------------------------------------------- tests


class ChiSquare(NamedTuple):
    """The result of :func:`chi_square_gof`."""

    statistic: float
    dof: int
    p_value: float
    pooled: int  # classes merged into one cell because each expected < MIN_EXPECTED


#: Cochran's rule: Pearson's χ² approximation holds when every cell expects this many.
MIN_EXPECTED = 5.0


def chi_square_gof(
    counts: ArrayLike, probabilities: ArrayLike, min_expected: float = MIN_EXPECTED
) -> ChiSquare:
    """Pearson's goodness-of-fit test of class counts against probabilities pi.

    .. math:: \\chi^2 = \\sum_{\\text{cells } j} \\frac{(c_j - n\\pi_j)^2}{n\\pi_j},
              \\qquad \\text{dof} = \\#\\text{cells} - 1,
              \\qquad p = P(\\chi^2_\\text{dof} \\ge \\chi^2)

    Each possible class is a cell, except that classes expecting fewer than
    ``min_expected`` draws are pooled, rarest first, into one cell that does
    (Cochran 1954): otherwise the χ² tail, and so the false-alarm rate of a
    threshold on p, would not be what it says. Classes with ``pi_k = 0`` cannot be
    drawn: they are left out. If one of them was counted anyway the data contradict
    pi outright: p = 0. With a single cell (one possible class, or too few draws to
    fill two) there is nothing to test: statistic 0, dof 0, p = 1.
    """
    c = np.asarray(counts, dtype=np.float64)
    p = validate_probabilities(probabilities)
    if c.shape != p.shape or c.ndim != 1:
        raise ValueError(f"counts {c.shape} and probabilities {p.shape} must be 1-D alike")
    if (c < 0).any():
        raise ValueError(f"counts must be >= 0, got {c}")
    possible = p > 0
    if c[~possible].any():
        return ChiSquare(math.inf, int(possible.sum()) - 1, 0.0, 0)
    observed, expected, pooled = _cells(c[possible], c.sum() * p[possible], min_expected)
    dof = observed.size - 1
    if dof == 0:
        return ChiSquare(0.0, 0, 1.0, pooled)
    stat = float((((observed - expected) ** 2) / expected).sum())
    return ChiSquare(stat, dof, float(chdtrc(dof, stat)), pooled)


def _cells(
    observed: FloatArray, expected: FloatArray, min_expected: float
) -> tuple[FloatArray, FloatArray, int]:
    """Pool the rarest classes: every class below the rule, and more until the pool meets it."""
    rare = int(np.count_nonzero(expected < min_expected))
    if rare == 0:
        return observed, expected, 0
    order = np.argsort(expected, kind="stable")
    reach = int(np.searchsorted(np.cumsum(expected[order]), min_expected)) + 1
    pooled = min(max(rare, reach), observed.size)
    head, tail = order[:pooled], order[pooled:]
    return (
        np.concatenate([[observed[head].sum()], observed[tail]]),
        np.concatenate([[expected[head].sum()], expected[tail]]),
        pooled,
    )


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

    Each draw is ``g ~ Gumbel(0, 1)^k`` (:func:`sample_gumbel`), the
    relaxed sample ``y = softmax((logits + g) / tau)`` (:func:`gumbel_softmax`)
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
    n = check_integer(n, "number of draws n", low=1, high=MAX_DRAWS)
    x = as_logits(logits, ndim=1).astype(np.float64)
    tau = float(validate_tau(tau))
    bins = check_integer(bins, "bins", low=1)
    chunk = check_integer(chunk, "chunk", low=1)
    k = x.shape[-1]
    pi = softmax(x)
    step = min(chunk, max(1, CHUNK_VALUES // k))

    def draw(stream: np.random.Generator, count: int) -> _Accumulator:
        totals = _Accumulator(k, bins)
        for start in range(0, count, step):
            m = min(step, count - start)
            g = sample_gumbel(stream, (m, k))
            y = gumbel_softmax(x, tau, gumbel=g)
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
    rows, and the chunk is counted from :func:`gumbel_max` instead.
    """
    rows = y.T  # (k, m)
    counts = np.count_nonzero(rows == rows.max(axis=0), axis=1).astype(np.int64)
    if counts.sum() != rows.shape[1]:
        drawn = gumbel_max(logits, gumbel=g)
        counts = np.bincount(drawn.ravel(), minlength=rows.shape[0]).astype(np.int64)
    return counts


def _summarise(totals: _Accumulator, pi: FloatArray, tau: float) -> MonteCarloSummary:
    n, k, bins = totals.n, totals.k, totals.bins
    lower, upper = wilson_interval(totals.counts, n)
    chi2, dof, p_value, pooled = chi_square_gof(totals.counts, pi)
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
        pooled=pooled,
        mean_y=totals.mean,
        mean_y_se=totals.standard_error(),
        y_edges=y_edges,
        y_density=totals.y_hist.reshape(k, bins) * (bins / n),
        noise_edges=noise_edges,
        noise_density=totals.noise_hist[1:-1] / (n * k * noise_width),
        noise_pdf=gumbel_pdf((noise_edges[:-1] + noise_edges[1:]) / 2),
    )
