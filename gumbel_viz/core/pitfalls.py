r"""The pitfalls practitioners hit with the Gumbel-Softmax, as data with evidence.

Each function computes, for real, what a common mistake gives next to what the core
gives, at the state it is handed (FACTS.md, "Frequent confusions" and "Numerics
that bit others"):

* :func:`probabilities_as_logits`: ``argmax(pi + g)`` samples from softmax(pi), not
  pi; the logits must be ``log pi``.
* :func:`tau_on_logits`: ``argmax(log pi / tau + g)`` samples from
  softmax(log pi / tau), while the relaxation's own hard sample
  ``argmax((log pi + g) / tau)`` is an exact draw from pi at every tau.
* :func:`nan_sources`: four ways to get inf or NaN, each naive result next to the
  stable one from the core, with the input that triggers it.
* :func:`density_example`: a log-density above 0 is legitimate.

The samplers draw ``n`` rows of noise (n <= MAX_DRAWS) and keep only class counts,
tested with Pearson's chi-square (:func:`~gumbel_viz.core.montecarlo.chi_square_gof`,
which pools rare classes). Every naive computation runs with floating-point warnings
silenced: its inf and NaN are the point. Nothing here draws from a global state;
the view passes a generator of its own stream
(``streams.generator(seed, index, Stream.PITFALLS)``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from .density import concrete_log_density
from .montecarlo import ChiSquare, chi_square_gof
from .numbers import short_number
from .relaxation import (
    gumbel_max,
    gumbel_softmax,
    log_gumbel_softmax,
    sample_gumbel,
    softmax,
)
from .snippets import State, read_probabilities, read_state, read_tau
from .validation import check_integer

__all__ = [
    "DEFAULT_DRAWS",
    "EXAMPLE_STATE",
    "MAX_DRAWS",
    "POSITIVE_EXAMPLE",
    "DensityExample",
    "NanCase",
    "Pitfall",
    "SamplerEvidence",
    "density_example",
    "nan_sources",
    "probabilities_as_logits",
    "tau_on_logits",
]

#: Draws per sampler when the caller does not say: under 0.15 s at k = 12.
DEFAULT_DRAWS = 100_000
#: The most draws a sampler accepts: about 0.3 s at k = 12.
MAX_DRAWS = 200_000

#: The state a NaN case falls back on when no tau triggers it at the current state
#: (e.g. noise = -logits, where every logit + g is 0): FACTS.md's pi, fixed noise.
EXAMPLE_STATE = State(
    logits=np.log([0.1, 0.25, 0.05, 0.4, 0.2]),
    noise=np.array([0.5, -0.3, 1.2, 0.1, -0.8]),
    tau=1.0,
)

FloatArray = NDArray[np.float64]


def _read_only(instance: object) -> None:
    for field in fields(instance):
        value = getattr(instance, field.name)
        if isinstance(value, np.ndarray):
            value.setflags(write=False)


# --------------------------------------------------------------------------- samplers


@dataclass(frozen=True)
class SamplerEvidence:
    """One sampler's ``n`` draws: class counts, and how they fit pi and their own target.

    Attributes
    ----------
    label : the sampler as a formula, e.g. ``"argmax(π + g)"``.
    counts, frequencies : (k,) how often each class was drawn, and ``counts / n``.
    target, target_label : (k,) the distribution the sampler draws from exactly,
        and its formula (``"π"`` for a correct sampler).
    fit : chi-square of the counts against ``target`` (a correct statement: passes).
    against_pi : chi-square of the counts against pi (the mistaken sampler fails it
        whenever its target differs enough from pi).
    """

    label: str
    counts: NDArray[np.int64]
    frequencies: FloatArray
    target: FloatArray
    target_label: str
    fit: ChiSquare
    against_pi: ChiSquare

    def __post_init__(self) -> None:
        _read_only(self)


@dataclass(frozen=True)
class Pitfall:
    """A mistaken sampler and the correct one, on the same noise, at one pi.

    ``total_variation`` is ``½ Σ_k |target_k − π_k|`` of the mistaken sampler's
    target: how far the mistake moves the distribution here (0 means it is harmless
    at this state, e.g. tau = 1 for :func:`tau_on_logits`).
    """

    title: str
    explanation: str
    n: int
    probabilities: FloatArray
    mistaken: SamplerEvidence
    correct: SamplerEvidence
    total_variation: float

    def __post_init__(self) -> None:
        _read_only(self)


def _evidence(
    label: str, drawn: NDArray[np.intp], target: FloatArray, target_label: str, pi: FloatArray
) -> SamplerEvidence:
    counts = np.bincount(drawn, minlength=pi.size).astype(np.int64)
    return SamplerEvidence(
        label=label,
        counts=counts,
        frequencies=counts / drawn.size,
        target=target,
        target_label=target_label,
        fit=chi_square_gof(counts, target),
        against_pi=chi_square_gof(counts, pi),
    )


def probabilities_as_logits(
    probabilities: ArrayLike, rng: np.random.Generator, n: int = DEFAULT_DRAWS
) -> Pitfall:
    r"""Feeding pi where log pi belongs: ``argmax(π + g)`` draws from softmax(π).

    Gumbel-Max draws class k with probability ``softmax(logits)_k``; with
    ``logits = π`` that is :math:`e^{\pi_k} / \sum_j e^{\pi_j}`, which squeezes pi
    towards uniform (every e^π_k lies in [1, e]). Only ``logits = log π`` gives pi.
    Both samplers use the same ``n`` noise draws from ``rng``.

    Raises
    ------
    ValueError
        bad probabilities, k > MAX_CLASSES, n not an integer in [1, MAX_DRAWS].
    """
    pi = read_probabilities(probabilities)
    n = check_integer(n, "number of draws n", low=1, high=MAX_DRAWS)
    g = sample_gumbel(rng, (n, pi.size))
    with np.errstate(divide="ignore"):
        log_pi = np.log(pi)
    wrong = softmax(pi)
    return Pitfall(
        title="Probabilities passed as logits",
        explanation=(
            "gumbel_softmax(π) treats π as log-probabilities, so its argmax is drawn "
            "from softmax(π), not π. Pass log π."
        ),
        n=n,
        probabilities=pi,
        mistaken=_evidence("argmax(π + g)", gumbel_max(pi, gumbel=g), wrong, "softmax(π)", pi),
        correct=_evidence("argmax(log π + g)", gumbel_max(log_pi, gumbel=g), pi, "π", pi),
        total_variation=float(np.abs(wrong - pi).sum() / 2),
    )


def tau_on_logits(
    probabilities: ArrayLike, tau: float, rng: np.random.Generator, n: int = DEFAULT_DRAWS
) -> Pitfall:
    r"""Temperature on the logits only: ``argmax(log π / τ + g)`` draws from softmax(log π / τ).

    That target is :math:`\pi_k^{1/\tau} / \sum_j \pi_j^{1/\tau}`: sharper than pi
    for tau < 1, flatter for tau > 1, pi itself only at tau = 1. The relaxation
    divides the noise too, and ``argmax((log π + g) / τ) = argmax(log π + g)``: its
    hard sample is an exact draw from pi at every tau (Maddison et al. 2017,
    Prop. 1(b)). The correct sampler here is the core's
    ``gumbel_softmax(log π, τ, hard=True)``; both use the same noise.

    Raises
    ------
    ValueError
        bad probabilities or tau, k > MAX_CLASSES, n not in [1, MAX_DRAWS].
    """
    pi = read_probabilities(probabilities)
    tau = read_tau(tau)
    n = check_integer(n, "number of draws n", low=1, high=MAX_DRAWS)
    g = sample_gumbel(rng, (n, pi.size))
    with np.errstate(divide="ignore"):
        log_pi = np.log(pi)
    wrong = softmax(log_pi / tau)
    hard = gumbel_softmax(log_pi, tau, gumbel=g, hard=True).argmax(axis=-1)
    here = "as here: move τ to see the mistake" if tau == 1 else f"here τ = {short_number(tau)}"
    return Pitfall(
        title="Temperature on the logits only",
        explanation=(
            "argmax(log π / τ + g) is drawn from softmax(log π / τ), not π; they agree "
            f"only at τ = 1 ({here}). The relaxation divides logits and noise together: "
            "argmax((log π + g) / τ) is a draw from π at every τ."
        ),
        n=n,
        probabilities=pi,
        mistaken=_evidence(
            "argmax(log π / τ + g)",
            gumbel_max(log_pi / tau, gumbel=g),
            wrong,
            "softmax(log π / τ)",
            pi,
        ),
        correct=_evidence("argmax((log π + g) / τ)", hard, pi, "π", pi),
        total_variation=float(np.abs(wrong - pi).sum() / 2),
    )


# --------------------------------------------------------------------------- NaN sources


@dataclass(frozen=True)
class NanCase:
    """One way to get inf or NaN: the naive result next to the core's, and what triggers it.

    Attributes
    ----------
    name : short title.
    trigger : the input that triggers it, in words and numbers.
    at_current_state : True when the state passed in triggers it as it is; False when
        a smaller tau, the example state or a state-independent input is used
        (``trigger`` says which).
    tau : the temperature of the triggering input (None when tau plays no part).
    naive_code, stable_code : the two computations, as one line of code each.
    naive : 1-D, the naive result: not finite somewhere.
    stable : 1-D, the core's result, finite; None when the core refuses the input.
    error : the core's ValueError message when it refuses, else None.
    explanation : why the naive version fails and what the core does instead.
    """

    name: str
    trigger: str
    at_current_state: bool
    tau: float | None
    naive_code: str
    naive: FloatArray
    stable_code: str
    stable: FloatArray | None
    error: str | None
    explanation: str

    def __post_init__(self) -> None:
        _read_only(self)


def nan_sources(logits: ArrayLike, noise: ArrayLike, tau: float) -> list[NanCase]:
    """The four NaN sources at one state (logits, noise g, tau).

    1. ``-log(-log u)`` at ``u = 0`` and ``u = 1``, against core.sample_gumbel's floor
       (state-independent).
    2. ``exp(z / tau) / Σ exp(z / tau)`` without the max shift, against
       :func:`~gumbel_viz.core.relaxation.gumbel_softmax`.
    3. The same in float16, where exp overflows beyond 11.09 instead of 709.78,
       against the core's float16 path (or its ValueError).
    4. The Concrete log-density evaluated from y, where y underflows to 0, against
       :func:`~gumbel_viz.core.density.concrete_log_density` of
       :func:`~gumbel_viz.core.relaxation.log_gumbel_softmax`.

    Cases 2-4 use the current state when it triggers them; otherwise the current
    logits and noise at the largest power of ten below tau that does; otherwise (no
    tau can: e.g. every logit + g equal, or a single class with pi > 0)
    :data:`EXAMPLE_STATE` in the same way. ``trigger`` says which.

    Raises
    ------
    ValueError
        anything :func:`~gumbel_viz.core.snippets.read_state` refuses.
    """
    state = read_state(logits, noise, tau)
    return [
        _uniform_case(),
        _tau_case(
            state,
            "exp without the max shift",
            _naive_softmax,
            "w = np.exp((logits + g) / tau); y = w / w.sum()",
            lambda s, t: gumbel_softmax(s.logits, t, gumbel=s.noise),
            "core.gumbel_softmax(logits, tau, gumbel=g)",
            "exp overflows to inf beyond 709.78 (and every term underflows to 0 below "
            "−745): inf / inf and 0 / 0 are NaN. Subtracting max(logits + g) before "
            "dividing by τ keeps every exp in [0, 1], at any τ.",
        ),
        _tau_case(
            state,
            "float16",
            _naive_half,
            "z = logits.astype(np.float16) + g.astype(np.float16); "
            "w = np.exp(z / np.float16(tau)); y = w / w.sum()",
            lambda s, t: gumbel_softmax(_half(s.logits), t, gumbel=s.noise),
            "core.gumbel_softmax(logits.astype(np.float16), tau, gumbel=g)",
            "float16's largest number is 65504: exp overflows beyond 11.09 (float64: 709.78), "
            "so the unshifted softmax fails at a τ 64 times larger, and a τ below 3e−8 "
            "rounds to 0. The core shifts by the max in float16 too, clips τ to float16's "
            "range, and refuses logits + noise that overflow float16 with a ValueError; "
            "float64 avoids all of it.",
        ),
        _tau_case(
            state,
            "a log-density computed from y",
            _naive_log_density,
            "lgamma(k) + (k-1)*log(tau) + sum(log(pi) - (tau+1)*log(y)) "
            "- k*log(sum(pi * y**-tau))",
            _stable_log_density,
            "core.concrete_log_density(core.log_gumbel_softmax(logits, tau, gumbel=g), "
            "logits, tau)",
            "At small τ some y_i underflow to 0 although y_i > 0 mathematically: log y_i = "
            "−inf, y_i^(−τ) = inf, and the formula gives inf − inf = NaN. Computing log y "
            "directly (log_gumbel_softmax) keeps every term finite. Classes with π = 0 are "
            "left out: y lives on the face of the others.",
        ),
    ]


class _Exponentials:
    """Stands in for a Generator: hands ``sample_gumbel`` the exponential draws given."""

    def __init__(self, draws: FloatArray) -> None:
        self._draws = draws

    def standard_exponential(
        self, size: object = None, dtype: DTypeLike = np.float64, out: NDArray | None = None
    ) -> NDArray:
        if out is None:
            return self._draws.astype(dtype)
        out[...] = self._draws
        return out


def _uniform_case() -> NanCase:
    """``-log(-log u)`` at the ends of [0, 1] against the core's finite noise."""
    u = np.array([0.0, 1.0])
    with np.errstate(divide="ignore"):
        naive = -np.log(-np.log(u))
    tiny = np.finfo(np.float64).tiny
    # The exponential draws E = -log u the core would see, u clamped to the smallest
    # normal number as TFP and JAX draw it; sample_gumbel floors E = 0 itself.
    draws = -np.log(np.maximum(u, tiny))
    stable = sample_gumbel(_Exponentials(draws), u.shape)
    return NanCase(
        name="−log(−log u) at u = 0 or 1",
        trigger="uniform draws u = 0 and u = 1 (rng.random() can return 0, and "
        "1 − rng.random() can return 1); independent of the state",
        at_current_state=False,
        tau=None,
        naive_code="g = -np.log(-np.log(u))",
        naive=naive,
        stable_code="core.sample_gumbel(rng, k)",
        stable=stable,
        error=None,
        explanation="u = 0 gives g = −inf and u = 1 gives g = +inf; one +inf in logits + g "
        "makes inf − inf = NaN in the softmax. The core draws E = −log u ~ Exp(1) itself "
        "and floors it at the smallest normal number (2.2e−308), so its noise never exceeds "
        f"{short_number(-np.log(tiny))}; drawing u from [2.2e−308, 1), as TFP and JAX do, "
        f"bounds it below by {short_number(stable[0])}.",
    )


def _tau_case(
    state: State,
    name: str,
    naive: Callable[[State, float], FloatArray],
    naive_code: str,
    stable: Callable[[State, float], ArrayLike],
    stable_code: str,
    explanation: str,
) -> NanCase:
    """A case that appears as tau shrinks: at the first state and tau where it does."""
    where, used, tau, current = _triggering(state, naive)
    result, error = _attempt(lambda: stable(used, tau))
    return NanCase(
        name=name,
        trigger=where,
        at_current_state=current,
        tau=tau,
        naive_code=naive_code,
        naive=naive(used, tau),
        stable_code=stable_code,
        stable=result,
        error=error,
        explanation=explanation,
    )


def _triggering(
    state: State, naive: Callable[[State, float], FloatArray]
) -> tuple[str, State, float, bool]:
    """Where the naive version fails: (description, state, tau, at the current state)."""

    def fails(s: State, t: float) -> bool:
        return not np.isfinite(naive(s, t)).all()

    if fails(state, state.tau):
        return f"τ = {short_number(state.tau)} at the current state", state, state.tau, True
    tau = _smaller_failing_tau(state, fails)
    if tau is not None:
        return (
            f"τ = {short_number(tau)} with the current logits and noise "
            f"(the current τ = {short_number(state.tau)} does not trigger it)",
            state,
            tau,
            False,
        )
    example = EXAMPLE_STATE
    tau = example.tau if fails(example, example.tau) else _smaller_failing_tau(example, fails)
    return (
        f"τ = {short_number(tau)} at the example state π = [{_short(np.exp(example.logits))}], "
        f"g = [{_short(example.noise)}] (no τ triggers it at the current state)",
        example,
        tau,
        False,
    )


def _short(values: FloatArray) -> str:
    return ", ".join(short_number(v) for v in values)


def _smaller_failing_tau(state: State, fails: Callable[[State, float], bool]) -> float | None:
    """The largest power of ten below ``state.tau`` at which ``fails``, down to 1e-323."""
    for exponent in range(math.ceil(math.log10(state.tau)) - 1, -324, -1):
        tau = 10.0**exponent
        if tau < state.tau and fails(state, tau):
            return tau
    return None


def _attempt(compute: Callable[[], ArrayLike]) -> tuple[FloatArray | None, str | None]:
    """The core's result as a 1-D float64 array, or its refusal's message."""
    try:
        with np.errstate(over="ignore"):  # a float16 cast of huge logits: the core judges
            return np.atleast_1d(np.asarray(compute(), dtype=np.float64)), None
    except ValueError as error:
        return None, str(error)


def _half(x: FloatArray) -> NDArray[np.float16]:
    with np.errstate(over="ignore"):
        return x.astype(np.float16)


def _naive_softmax(state: State, tau: float) -> FloatArray:
    with np.errstate(all="ignore"):
        w = np.exp((state.logits + state.noise) / tau)
        return w / w.sum()


def _naive_half(state: State, tau: float) -> FloatArray:
    with np.errstate(all="ignore"):
        z = _half(state.logits) + _half(state.noise)
        w = np.exp(z / np.float16(tau))
        return (w / w.sum()).astype(np.float64)


def _face(state: State) -> State:
    """The state restricted to the classes with pi > 0 (finite logits)."""
    finite = np.isfinite(state.logits)
    return State(state.logits[finite], state.noise[finite], state.tau)


def _naive_log_density(state: State, tau: float) -> FloatArray:
    """Jang et al. 2017 eq. 3 evaluated from y itself, on the face of pi > 0."""
    face = _face(state)
    k = face.logits.size
    if k < 2:  # one possible class: y is a point, there is no density to get wrong
        return np.zeros(1)
    y = gumbel_softmax(face.logits, tau, gumbel=face.noise)
    with np.errstate(all="ignore"):
        pi = softmax(face.logits)
        log_p = (
            math.lgamma(k)
            + (k - 1) * np.log(tau)
            + np.sum(np.log(pi) - (tau + 1) * np.log(y))
            - k * np.log(np.sum(pi * y**-tau))
        )
    return np.atleast_1d(log_p)


def _stable_log_density(state: State, tau: float) -> float:
    face = _face(state)
    log_y = log_gumbel_softmax(face.logits, tau, gumbel=face.noise)
    return float(concrete_log_density(log_y, face.logits, tau))


# --------------------------------------------------------------------------- density


#: A log-density above 0 at any state: k = 2, pi = (1/2, 1/2), tau = 2, y = (1/2, 1/2),
#: where the binary Concrete density is exactly tau (so log p = log 2).
POSITIVE_EXAMPLE = State(logits=np.log([0.5, 0.5]), noise=np.zeros(2), tau=2.0)

for _constant in (EXAMPLE_STATE, POSITIVE_EXAMPLE):
    _constant.logits.setflags(write=False)
    _constant.noise.setflags(write=False)


@dataclass(frozen=True)
class DensityExample:
    """``log p(y)`` of the current y, and why a positive value is fine.

    Attributes
    ----------
    log_density : log p(y) of the current y with respect to Lebesgue measure on the
        first k' − 1 coordinates of the face it lives on; None when only one class
        has pi > 0 (y is then a point mass: no density).
    face : the classes with pi > 0 (0-based); k' = ``face.size``.
    on_face : True when some pi = 0, so y lies on a face of the simplex.
    uniform_log_density : log (k' − 1)!, the log-density of the uniform distribution
        on that face (its volume is 1 / (k' − 1)!); None when k' = 1.
    explanation : one or two sentences for the page.
    example_y, example_tau, example_probabilities, example_log_density : the
        state-independent example :data:`POSITIVE_EXAMPLE` (log p = log 2 > 0).
    """

    log_density: float | None
    face: NDArray[np.intp]
    on_face: bool
    uniform_log_density: float | None
    explanation: str
    example_y: FloatArray
    example_tau: float
    example_probabilities: FloatArray
    example_log_density: float

    def __post_init__(self) -> None:
        _read_only(self)


def density_example(logits: ArrayLike, noise: ArrayLike, tau: float) -> DensityExample:
    r"""log p(y) at the current state, from :func:`concrete_log_density` of log y.

    A density is not a probability: p(y) is probability per unit of volume, and the
    simplex is small (its volume in :math:`(y_1, \dots, y_{k-1})` is
    :math:`1/(k-1)!`), so p(y) > 1 (log p > 0) is common; only
    :math:`\int p(y)\,dy = 1` is required. Classes with pi = 0 have y = 0 exactly: y
    lives on the face of the other k' classes, and the density is that of the
    Concrete distribution of those k' classes (their y is the same softmax).

    Raises
    ------
    ValueError
        anything :func:`~gumbel_viz.core.snippets.read_state` refuses, or a tau so
        small that log y leaves the float range (below about 1e-306).
    """
    state = read_state(logits, noise, tau)
    face = np.flatnonzero(np.isfinite(state.logits))
    on_face = face.size < state.logits.size
    ex = POSITIVE_EXAMPLE
    common = {
        "face": face,
        "on_face": on_face,
        "example_y": gumbel_softmax(ex.logits, ex.tau, gumbel=ex.noise),
        "example_tau": ex.tau,
        "example_probabilities": softmax(ex.logits),
        "example_log_density": _stable_log_density(ex, ex.tau),
    }
    zero = ", ".join(str(i + 1) for i in np.flatnonzero(~np.isfinite(state.logits)))
    where = f"π = 0 for class(es) {zero}, so y lies on the face of the others. " if on_face else ""
    if face.size == 1:
        return DensityExample(
            log_density=None,
            uniform_log_density=None,
            explanation=f"{where}Only class {face[0] + 1} can be drawn: y is its one-hot "
            "vector with certainty, a point mass, which has no density.",
            **common,
        )
    value = _stable_log_density(state, state.tau)
    uniform = math.lgamma(face.size)
    sign = "> 0: p(y) > 1" if value > 0 else "≤ 0"
    return DensityExample(
        log_density=value,
        uniform_log_density=uniform,
        explanation=f"{where}log p(y) = {value:.4g} {sign}. p is a density, not a "
        "probability: it can exceed 1, only its integral over the simplex is 1. Even the "
        f"uniform density there is (k − 1)! = {math.factorial(face.size - 1)} for "
        f"k = {face.size} (log = {uniform:.4g}).",
        **common,
    )
