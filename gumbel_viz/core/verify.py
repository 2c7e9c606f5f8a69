"""The oracles of the relaxation, as checks on one state (logits, noise, tau).

Each check states a property the math guarantees (FACTS.md lists the sources)
and tests the core's implementation of it on the given state. The implementation
under test is an argument, the core's by default, so a test can hand a check a
broken one and watch it fail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .density import LogDensity, concrete_log_density, total_probability
from .montecarlo import chi_square_gof
from .numbers import format_p
from .relaxation import gumbel_max, gumbel_softmax, softmax

__all__ = [
    "CHI2_DRAWS",
    "CHI2_THRESHOLD",
    "Check",
    "argmax_ignores_tau",
    "browser_agrees",
    "density_normalises",
    "gumbel_max_is_exact",
    "rows_on_simplex",
    "run_checks",
    "shift_changes_nothing",
]

CHI2_DRAWS = 100_000
CHI2_THRESHOLD = 1e-6  # the chi-square check fails below this p-value: rare by chance
SIMPLEX_SAMPLES = 10_000
TAUS = np.logspace(-2, 2, 41)
SHIFTS = (-100.0, 7.5, 1000.0)

#: ``gumbel_softmax``'s signature: ``(logits, tau, *, rng=, gumbel=, sample_shape=)``.
Relaxation = Callable[..., NDArray[np.floating]]
#: ``gumbel_max``'s signature: ``(logits, *, rng=, gumbel=, sample_shape=)``.
Sampler = Callable[..., NDArray[np.intp]]


@dataclass(frozen=True)
class Check:
    """One property, whether it held, and the number that says so."""

    name: str
    passed: bool
    detail: str


def gumbel_max_is_exact(
    logits: NDArray, rng: np.random.Generator, sampler: Sampler = gumbel_max
) -> Check:
    """argmax(log π + g) over CHI2_DRAWS draws against π: Pearson's χ² goodness of fit.

    Jang et al. 2017, eq. 1: P(argmax = k) = π_k exactly. A correct sampler fails
    (p < CHI2_THRESHOLD) in about 1 state in a million: rare classes are pooled
    (:func:`chi_square_gof`) so that the χ² tail holds.
    """
    drawn = sampler(logits, rng=rng, sample_shape=CHI2_DRAWS)
    counts = np.bincount(np.ravel(drawn), minlength=len(logits))
    stat, dof, p, _pooled = chi_square_gof(counts, softmax(logits))
    return Check(
        "Gumbel-Max is an exact draw from π",
        p >= CHI2_THRESHOLD,
        f"χ² = {stat:.2f}, dof = {dof}, p = {format_p(p)} over {CHI2_DRAWS:,} draws",
    )


def rows_on_simplex(
    logits: NDArray, tau: float, rng: np.random.Generator, relax: Relaxation = gumbel_softmax
) -> Check:
    """Every relaxed sample is finite, >= 0 and sums to 1."""
    y = relax(logits, tau, rng=rng, sample_shape=SIMPLEX_SAMPLES)
    with np.errstate(invalid="ignore"):
        error = float(np.max(np.abs(y.sum(axis=-1) - 1)))
    ok = bool(np.isfinite(y).all()) and bool((y >= 0).all()) and error < 1e-12
    return Check(
        "Relaxed samples lie on the simplex",
        ok,
        f"max |Σy − 1| = {error:.1e} over {SIMPLEX_SAMPLES:,} samples at τ = {tau:.4g}",
    )


def argmax_ignores_tau(
    logits: NDArray,
    noise: NDArray,
    relax: Relaxation = gumbel_softmax,
    sampler: Sampler = gumbel_max,
) -> Check:
    """argmax y = argmax(log π + g) at every τ: dividing by τ never reorders."""
    y = relax(logits, TAUS, gumbel=noise)
    drawn = int(sampler(logits, gumbel=noise))
    holds = y[:, drawn] == y.max(axis=1)
    return Check(
        "argmax y is the drawn class at every τ",
        bool(holds.all()),
        f"class {drawn + 1} holds the largest y at {int(holds.sum())} of {TAUS.size} τ "
        "in [0.01, 100]",
    )


def shift_changes_nothing(
    logits: NDArray, noise: NDArray, tau: float, relax: Relaxation = gumbel_softmax
) -> Check:
    """softmax sees only differences of logits: adding c to all of them changes nothing."""
    y = relax(logits, tau, gumbel=noise)
    change = max(float(np.max(np.abs(relax(logits + c, tau, gumbel=noise) - y))) for c in SHIFTS)
    return Check(
        "Adding c to every logit leaves y unchanged",
        change < 1e-10,
        f"max |Δy| = {change:.1e} for c in {{−100, 7.5, 1000}}",
    )


def density_normalises(
    logits: NDArray, tau: float, log_density: LogDensity = concrete_log_density
) -> Check:
    """The Concrete density integrates to 1 (for k > 3: on the three likeliest classes).

    With one possible class there is no density: y is that class's one-hot vector.
    """
    name = "The Concrete density integrates to 1"
    finite = np.sort(logits[np.isfinite(logits)])[::-1][:3]
    if finite.size < 2:
        return Check(
            name,
            True,
            "only one class has π > 0: y is its one-hot vector, "
            "a point with no density to integrate",
        )
    total = total_probability(finite, tau, log_density=log_density)
    which = f"k = {finite.size}" + ("" if finite.size == logits.size else ", likeliest classes")
    return Check(
        name, abs(total - 1) < 1e-6, f"∫ p(y) dy − 1 = {total - 1:.1e} ({which}, τ = {tau:.4g})"
    )


def browser_agrees(python_y: NDArray, browser_y: ArrayLike) -> Check:
    """The y the browser computed (static/relax_tau.js) equals the core's to 1e-9."""
    name = "The browser's y equals Python's"
    answer = np.asarray(browser_y, dtype=np.float64)
    if answer.shape != python_y.shape:
        return Check(name, False, "the browser sent no answer")
    gap = float(np.max(np.abs(answer - python_y)))
    return Check(name, gap < 1e-9, f"max |y_browser − y_python| = {gap:.1e}")


def run_checks(
    logits: NDArray, noise: NDArray, tau: float, rng: np.random.Generator
) -> list[Check]:
    """Every check that needs no browser, on this state, drawing from ``rng``."""
    return [
        gumbel_max_is_exact(logits, rng),
        rows_on_simplex(logits, tau, rng),
        argmax_ignores_tau(logits, noise),
        shift_changes_nothing(logits, noise, tau),
        density_normalises(logits, tau),
    ]
