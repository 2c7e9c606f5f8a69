r"""Gumbel-top-k and the Gumbel machinery behind the Gumbel-Max trick, in NumPy and SciPy.

Gumbel-top-k (Kool, van Hoof & Welling, *Stochastic Beams and Where to Find Them:
The Gumbel-Top-k Trick for Sampling Sequences Without Replacement*, ICML 2019):
the indices of the m largest :math:`\log\pi_i + g_i`, :math:`g_i` i.i.d.
Gumbel(0, 1), in decreasing order, are an ordered sample of m classes *without
replacement*, with the Plackett-Luce probability

.. math:: P(i_1, \dots, i_m) = \prod_{j=1}^m
          \frac{\pi_{i_j}}{1 - \sum_{l<j} \pi_{i_l}}.

For m = 1 this is Gumbel-Max. The maximum itself is Gumbel distributed: for any
logits :math:`\theta`,

.. math:: \max_k (\theta_k + g_k) \sim \mathrm{Gumbel}(\operatorname{logsumexp}\theta, 1),

which is Gumbel(0, 1) for normalised :math:`\theta = \log\pi`, and it is
independent of the argmax (Maddison, Tarlow & Minka, *A* Sampling*, NeurIPS 2014).

Exact oracles: :func:`inclusion_probabilities` sums the Plackett-Luce probabilities
of every ordered sequence, grouped by the set of classes it contains (a dynamic
programme over the 2**k subsets, k <= MAX_CLASSES = 12, so at most 4096 x 12
steps). The Monte Carlo checks draw at most MAX_DRAWS samples. The KS p-values use
``scipy.special`` (``smirnov``, ``kolmogorov``), not ``scipy.stats``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import kolmogorov, logsumexp, smirnov

from .montecarlo import NOISE_RANGE, ChiSquare, chi_square_gof, gumbel_pdf
from .relaxation import Shape, _noise_plus_logits
from .snippets import MAX_CLASSES, read_logits, read_probabilities
from .validation import as_float_array, check_integer

__all__ = [
    "DEFAULT_BINS",
    "DEFAULT_DRAWS",
    "EXACT_TAIL_MAX",
    "KS",
    "MAX_BINS",
    "MAX_CLASSES",
    "MAX_DRAWS",
    "P_THRESHOLD",
    "InclusionCheck",
    "MaxGumbelCheck",
    "gumbel_ks",
    "gumbel_top_k",
    "inclusion_check",
    "inclusion_probabilities",
    "max_gumbel",
    "max_gumbel_check",
    "plackett_luce_log_probability",
]

#: Draws per Monte Carlo check when the caller does not say: under 0.15 s at k = 12.
DEFAULT_DRAWS = 100_000
#: The most draws a check accepts: about 0.3 s at k = 12.
MAX_DRAWS = 200_000
#: Histogram bins of the maximum: width 0.25 over location + NOISE_RANGE.
DEFAULT_BINS = 44
MAX_BINS = 400
#: Up to this many values the KS tail uses the exact one-sided ``smirnov`` (2.5 ms).
EXACT_TAIL_MAX = 2000
#: A check fails below this p-value (after Bonferroni): by chance once in a million.
P_THRESHOLD = 1e-6

FloatArray = NDArray[np.float64]
#: ``gumbel_top_k``'s signature: ``(logits, m, *, rng=, sample_shape=) -> (..., m)``.
TopK = Callable[..., NDArray[np.intp]]


def _read_only(instance: object) -> None:
    for field in fields(instance):
        value = getattr(instance, field.name)
        if isinstance(value, np.ndarray):
            value.setflags(write=False)


def _sample_size(m: object, k: int, possible: int) -> int:
    """m in [1, k], and no more than the classes with pi > 0 (finite logits)."""
    m = check_integer(m, "the sample size m", low=1, high=k)
    if m > possible:
        raise ValueError(
            f"m = {m} exceeds the {possible} classes with π > 0: a sample without "
            "replacement cannot contain a class of probability 0"
        )
    return m


# --------------------------------------------------------------------------- top-k


def gumbel_top_k(
    logits: ArrayLike,
    m: int,
    *,
    rng: np.random.Generator | None = None,
    gumbel: ArrayLike | None = None,
    sample_shape: Shape = (),
) -> NDArray[np.intp]:
    """The m classes with the largest ``logits + g``, largest first: shape ``(..., m)``.

    An ordered sample of m classes without replacement from pi = softmax(logits),
    with the Plackett-Luce probability (:func:`plackett_luce_log_probability`).
    ``gumbel_top_k(...)[..., 0]`` is :func:`~gumbel_viz.core.relaxation.gumbel_max`
    on the same noise. Ties (probability 0) go to the lower class index.

    Classes with logit ``-inf`` (pi = 0) are never chosen: m may not exceed the
    number of finite logits in any row. Noise and shapes follow
    :func:`~gumbel_viz.core.relaxation.gumbel_softmax` (``rng=`` draws it, ``gumbel=``
    supplies it, ``sample_shape`` adds leading axes).

    Raises
    ------
    ValueError
        bad logits or noise, m not an integer in [1, k] or above the number of
        classes with pi > 0.
    """
    z = _noise_plus_logits(logits, np.ones(()), rng, gumbel, sample_shape)
    possible = int(np.isfinite(z).sum(axis=-1).min())
    m = _sample_size(m, z.shape[-1], possible)
    return np.argsort(-z, axis=-1, kind="stable")[..., :m]  # -inf logits sort last


def _order(order: ArrayLike, k: int) -> NDArray[np.intp]:
    """Class indices of shape ``(..., m)``, 1 <= m <= k, each in [0, k), distinct per row."""
    o = np.asarray(order)
    if not np.issubdtype(o.dtype, np.integer):
        raise ValueError(f"order must be class indices (integers), got {order!r}")
    if o.ndim == 0 or not 1 <= o.shape[-1] <= k:
        raise ValueError(f"order must list 1 to {k} classes on its last axis, got {order!r}")
    if ((o < 0) | (o >= k)).any():
        raise ValueError(f"order's class indices must lie in [0, {k - 1}], got {order!r}")
    ranked = np.sort(o, axis=-1)
    if (ranked[..., 1:] == ranked[..., :-1]).any():
        raise ValueError(f"order repeats a class (a sample without replacement), got {order!r}")
    return o.astype(np.intp)


def plackett_luce_log_probability(
    logits: ArrayLike, order: ArrayLike
) -> float | NDArray[np.float64]:
    r"""The log-probability that :func:`gumbel_top_k` returns ``order``.

    .. math:: \log P(i_1, \dots, i_m) = \sum_{j=1}^m \Bigl(\log\pi_{i_j}
              - \log \sum_{i \notin \{i_1, \dots, i_{j-1}\}} \pi_i\Bigr)

    The remaining mass :math:`1 - \sum_{l<j}\pi_{i_l}` is the log-sum-exp of the
    remaining classes' log pi, never ``1 - sum`` (which cancels to 0 or below when
    the chosen classes hold almost all the mass). An order containing a class with
    pi = 0 has log-probability ``-inf``.

    Parameters
    ----------
    logits : (k,) log pi up to a constant, ``-inf`` for pi = 0; k <= MAX_CLASSES.
    order : (..., m) distinct class indices per row, 1 <= m <= k.

    Returns
    -------
    float for a single order, else an array of shape ``order.shape[:-1]``.
    """
    x = read_logits(logits)
    idx = _order(order, x.size)
    log_pi = x - logsumexp(x)
    remaining = np.ones((*idx.shape[:-1], x.size), dtype=bool)
    total = np.zeros(idx.shape[:-1])
    for j in range(idx.shape[-1]):
        chosen = log_pi[idx[..., j]]
        log_rest = logsumexp(np.where(remaining, log_pi, -np.inf), axis=-1)
        term = np.subtract(
            chosen, log_rest, out=np.full_like(total, -np.inf), where=chosen > -np.inf
        )
        total += term
        np.put_along_axis(remaining, idx[..., j, np.newaxis], False, axis=-1)
    return float(total) if total.ndim == 0 else total


# --------------------------------------------------------------------------- inclusion


def _subsets(k: int) -> NDArray[np.int64]:
    """Row S of the (2**k, k) 0/1 matrix says which classes the bitmask S contains."""
    return (np.arange(1 << k)[:, np.newaxis] >> np.arange(k)) & 1


def _first_sets(pi: FloatArray, m: int) -> tuple[FloatArray, NDArray[np.int64]]:
    r"""``f[S]``: the probability that the first ``|S|`` classes drawn are the set S.

    The sum of the Plackett-Luce probabilities of the ``|S|!`` orderings of S, by
    the recursion over the class drawn last,

    .. math:: f(S) = \sum_{i \in S} f(S \setminus i)\,
              \frac{\pi_i}{R(S \setminus i)}, \qquad f(\emptyset) = 1,

    with :math:`R(T) = \sum_{j \notin T} \pi_j` summed directly (no cancellation).
    Filled for ``|S| <= m``, 0 beyond; each level sums to 1. Also returns the
    membership matrix of :func:`_subsets`.
    """
    k = pi.size
    members = _subsets(k)
    size = members.sum(axis=1)
    rest = (1 - members) @ pi
    f = np.zeros(1 << k)
    f[0] = 1.0
    masks = np.arange(1 << k)
    for level in range(1, m + 1):
        sets = masks[size == level]
        for i in range(k):
            with_i = sets[(sets >> i) & 1 == 1]
            before = with_i ^ (1 << i)
            # rest[before] > 0: fewer than m <= #(pi > 0) classes are taken there.
            f[with_i] += f[before] * (pi[i] / rest[before])
    return f, members


def _set_law(pi: FloatArray, m: int) -> tuple[FloatArray, NDArray[np.int64]]:
    """The probability of every m-set (0 for other sizes) and the membership matrix."""
    f, members = _first_sets(pi, m)
    return np.where(members.sum(axis=1) == m, f, 0.0), members


def inclusion_probabilities(probabilities: ArrayLike, m: int) -> FloatArray:
    r"""P(class i is among the m classes of :func:`gumbel_top_k`), exactly.

    .. math:: q_i = \sum_{|S| = m,\ i \in S} f(S)

    with f(S) the total Plackett-Luce probability of the orderings of S (computed
    over all 2**k subsets, see the module docstring). :math:`\sum_i q_i = m`, and
    :math:`q = \pi` for m = 1.

    Parameters
    ----------
    probabilities : (k,) pi, 2 <= k <= MAX_CLASSES; zeros allowed.
    m : the sample size, 1 <= m <= the number of classes with pi > 0.
    """
    pi = read_probabilities(probabilities)
    m = _sample_size(m, pi.size, int(np.count_nonzero(pi)))
    law, members = _set_law(pi, m)
    return members.T @ law


@dataclass(frozen=True)
class InclusionCheck:
    """n top-m samples against the exact inclusion probabilities; arrays read-only.

    Attributes
    ----------
    n, m : draws and sample size.
    probabilities : (k,) pi.
    exact : (k,) :func:`inclusion_probabilities`.
    counts, frequencies : (k,) how many samples contain each class, and ``counts / n``.
    z_scores : (k,) ``(counts − n q) / sqrt(n q (1 − q))``: each count is
        Binomial(n, q_i) by itself (0 where q is 0 or 1 and the count agrees).
    sets : the number of possible sets, C(k', m) with k' = #(pi > 0).
    set_test : Pearson's chi-square of the sets drawn against their exact
        probabilities (rare sets pooled); see :func:`inclusion_check`.
    passed : ``set_test.p_value >= P_THRESHOLD``.
    """

    n: int
    m: int
    probabilities: FloatArray
    exact: FloatArray
    counts: NDArray[np.int64]
    frequencies: FloatArray
    z_scores: FloatArray
    sets: int
    set_test: ChiSquare
    passed: bool

    def __post_init__(self) -> None:
        _read_only(self)


def inclusion_check(
    probabilities: ArrayLike,
    m: int,
    rng: np.random.Generator,
    n: int = DEFAULT_DRAWS,
    *,
    sampler: TopK = gumbel_top_k,
) -> InclusionCheck:
    """Monte Carlo check of the inclusion probabilities of ``sampler`` (Gumbel-top-k).

    Why the test is on sets: the k inclusion indicators of one sample are dependent
    (they always sum to m), so their counts are not multinomial and a chi-square
    over classes has no chi-square law. Each sample contains exactly one m-set,
    though, so the counts of the C(k', m) <= 924 sets are multinomial with the exact
    probabilities f(S) of :func:`_first_sets`: Pearson's test applies
    (:func:`~gumbel_viz.core.montecarlo.chi_square_gof`, pooling sets expected
    fewer than 5 times). Inclusion is a function of the set, so a sampler whose
    inclusion frequencies are wrong fails it; a sample that repeats a class (with
    replacement) is a set of the wrong size, of probability 0: p = 0.

    ``sampler(logits, m, rng=rng, sample_shape=n)`` must return (n, m) class
    indices; the default is :func:`gumbel_top_k`, others let a test break it.

    Raises
    ------
    ValueError
        bad probabilities, k > MAX_CLASSES, m as in :func:`inclusion_probabilities`,
        n not an integer in [1, MAX_DRAWS].
    """
    pi = read_probabilities(probabilities)
    m = _sample_size(m, pi.size, int(np.count_nonzero(pi)))
    n = check_integer(n, "number of draws n", low=1, high=MAX_DRAWS)
    with np.errstate(divide="ignore"):
        logits = np.log(pi)
    drawn = np.asarray(sampler(logits, m, rng=rng, sample_shape=n)).reshape(n, m)
    masks = np.bitwise_or.reduce(np.left_shift(1, drawn), axis=-1)
    set_counts = np.bincount(masks, minlength=1 << pi.size)
    law, members = _set_law(pi, m)
    counts = members.T @ set_counts  # samples containing each class
    exact = members.T @ law
    set_test = chi_square_gof(set_counts, law)
    return InclusionCheck(
        n=n,
        m=m,
        probabilities=pi,
        exact=exact,
        counts=counts.astype(np.int64),
        frequencies=counts / n,
        z_scores=_z_scores(counts, exact, n),
        sets=math.comb(int(np.count_nonzero(pi)), m),
        set_test=set_test,
        passed=set_test.p_value >= P_THRESHOLD,
    )


def _z_scores(counts: NDArray, q: FloatArray, n: int) -> FloatArray:
    deviation = counts - n * q
    sd = np.sqrt(n * q * (1 - q))
    degenerate = np.where(np.abs(deviation) < 1e-6, 0.0, np.copysign(np.inf, deviation))
    return np.divide(deviation, sd, out=degenerate, where=sd > 1e-6)


# --------------------------------------------------------------------------- max-Gumbel


class KS(NamedTuple):
    """A one-sample Kolmogorov-Smirnov test against Gumbel(location, 1)."""

    statistic: float  # D = sup_x |F_n(x) - F(x)|
    p_value: float
    n: int  # 0: nothing to test (statistic 0, p = 1)


def _ks_p_value(n: int, d: float) -> float:
    """``P(D_n >= d)`` for the two-sided statistic, from ``scipy.special``.

    Stephens' (1970) ``kolmogorov((sqrt(n) + 0.12 + 0.11 / sqrt(n)) d)``, within
    0.035 absolute of the exact value for n >= 2 and 0.003 for n > EXACT_TAIL_MAX,
    where its relative error in the far tail (p <= 1e-3) stays below 5%. Up to
    EXACT_TAIL_MAX values, where ``smirnov`` is cheap, a tail below 0.2 is
    ``2 * smirnov(n, d)`` instead: twice the exact one-sided tail, within 0.2% of
    the exact two-sided one there (both sides rarely exceed d). Checked against
    ``scipy.stats.kstwo`` in the tests.
    """
    if n <= EXACT_TAIL_MAX:
        two_sided = 2.0 * float(smirnov(n, d))
        if two_sided < 0.2:
            return two_sided
    root = math.sqrt(n)
    return min(1.0, float(kolmogorov((root + 0.12 + 0.11 / root) * d)))


def gumbel_ks(values: ArrayLike, location: float = 0.0) -> KS:
    """KS test of ``values`` against Gumbel(location, 1), CDF ``exp(-exp(-(x - location)))``.

    ``D = max_i max(i/n - F(x_(i)), F(x_(i)) - (i-1)/n)`` over the sorted values;
    p-value as in :func:`_ks_p_value`. No values: ``KS(0.0, 1.0, 0)``.
    """
    x = np.sort(as_float_array(values, "values").ravel())
    if not np.isfinite(x).all() or not math.isfinite(location):
        raise ValueError("values and location must be finite")
    n = x.size
    if n == 0:
        return KS(0.0, 1.0, 0)
    with np.errstate(over="ignore"):  # exp(-(x - mu)) = inf far below mu: F = 0
        cdf = np.exp(-np.exp(-(x - location)))
    rank = np.arange(1, n + 1)
    d = float(max((rank / n - cdf).max(), (cdf - (rank - 1) / n).max()))
    return KS(d, _ks_p_value(n, d), n)


def max_gumbel(
    logits: ArrayLike, rng: np.random.Generator, n: int
) -> tuple[FloatArray, NDArray[np.intp]]:
    """n draws of ``max_k (logits_k + g_k)`` and of the argmax, each shape (n,).

    The argmax is :func:`~gumbel_viz.core.relaxation.gumbel_max` on the same noise
    (an exact draw from pi); the maximum is Gumbel(logsumexp logits, 1), independent
    of it. n <= MAX_DRAWS, k <= MAX_CLASSES.
    """
    x = read_logits(logits)
    n = check_integer(n, "number of draws n", low=1, high=MAX_DRAWS)
    z = _noise_plus_logits(x, np.ones(()), rng, None, n)
    return z.max(axis=-1), z.argmax(axis=-1)


@dataclass(frozen=True)
class MaxGumbelCheck:
    """The maximum of logits + g against Gumbel(location, 1), overall and per winner.

    Attributes
    ----------
    n : number of draws.
    location : logsumexp(logits), the Gumbel location (0 for normalised log pi).
    probabilities : (k,) pi = softmax(logits).
    counts : (k,) how often each class was the argmax.
    edges : (bins + 1,) bin edges, location + NOISE_RANGE.
    density : (bins,) histogram of all maxima as a density (normalised by n; the
        tails beyond the range hold about 3.4e-4).
    class_density : (k, bins) histogram of the maxima of the draws each class won,
        normalised by that class's count (a row of 0 for a class that never won).
    pdf : (bins,) the Gumbel(location, 1) density at the bin centres.
    ks : KS test of all maxima.
    class_ks : per class, KS test of the maxima it won (independence: the same law).
    passed : every p-value times the number of tests >= P_THRESHOLD (Bonferroni).
    """

    n: int
    location: float
    probabilities: FloatArray
    counts: NDArray[np.int64]
    edges: FloatArray
    density: FloatArray
    class_density: FloatArray
    pdf: FloatArray
    ks: KS
    class_ks: tuple[KS, ...]
    passed: bool

    def __post_init__(self) -> None:
        _read_only(self)


def max_gumbel_check(
    logits: ArrayLike, rng: np.random.Generator, n: int = DEFAULT_DRAWS, bins: int = DEFAULT_BINS
) -> MaxGumbelCheck:
    """Draw :func:`max_gumbel` and test max ~ Gumbel(logsumexp logits, 1) per winner.

    Raises
    ------
    ValueError
        bad logits, k > MAX_CLASSES, n not in [1, MAX_DRAWS], bins not in
        [1, MAX_BINS].
    """
    x = read_logits(logits)
    bins = check_integer(bins, "bins", low=1, high=MAX_BINS)
    values, winners = max_gumbel(x, rng, n)
    location = float(logsumexp(x))
    k = x.size
    edges = location + np.linspace(*NOISE_RANGE, bins + 1)
    width = (NOISE_RANGE[1] - NOISE_RANGE[0]) / bins
    counts = np.bincount(winners, minlength=k).astype(np.int64)
    cell = np.floor((values - edges[0]) / width).astype(np.intp)
    inside = (cell >= 0) & (cell < bins)
    hist = np.bincount(winners[inside] * bins + cell[inside], minlength=k * bins)
    hist = hist.reshape(k, bins).astype(np.float64)
    won = counts[:, np.newaxis]
    class_density = np.divide(hist, won * width, out=np.zeros_like(hist), where=won > 0)
    overall = gumbel_ks(values, location)
    per_class = tuple(gumbel_ks(values[winners == i], location) for i in range(k))
    tested = [overall, *(t for t in per_class if t.n > 0)]
    return MaxGumbelCheck(
        n=values.size,
        location=location,
        probabilities=np.exp(x - location),
        counts=counts,
        edges=edges,
        density=hist.sum(axis=0) / (values.size * width),
        class_density=class_density,
        pdf=gumbel_pdf((edges[:-1] + edges[1:]) / 2 - location),
        ks=overall,
        class_ks=per_class,
        passed=min(t.p_value for t in tested) * len(tested) >= P_THRESHOLD,
    )
