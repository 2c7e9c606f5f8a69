r"""Gradient estimators for a categorical choice, compared on a toy objective (NumPy only).

The toy problem
---------------
A one-hot categorical ``z ~ Categorical(pi)``, ``pi = softmax(theta)`` (``theta`` = the
logits), and a linear objective ``f(z) = sum_k c_k z_k = c_z``. We want

.. math:: \nabla_\theta\, \mathbb{E}_{z\sim\pi}[f(z)]
          = \nabla_\theta \sum_k \pi_k c_k = \pi \odot (c - \pi\cdot c),

using ``d pi_k / d theta_j = pi_k (delta_kj - pi_j)`` (:func:`exact_gradient`). The
estimators below approximate it from samples:

* :func:`reinforce`: the score function ``f(z) (onehot(z) - pi)``: unbiased, noisy.
* :func:`reinforce_baseline`: the same with a leave-one-out mean baseline: unbiased,
  and invariant to adding a constant to ``c``.
* :func:`gumbel_softmax_estimator`: reparameterised through
  ``y = softmax((theta + g) / tau)``: ``J^T df(y)``, ``J = (1/tau)(diag(y) - y y^T)``.
  Biased for every tau > 0 (it is the gradient of ``E f(y)``, not ``E f(z)``); the bias
  shrinks as tau -> 0 while the variance grows.
* :func:`straight_through`: forward the one-hot ``z``, backward through ``y``
  (``y_hard - stop_grad(y) + y``): ``J^T df(z)``.

Every estimator returns ``(n_estimates, k)`` estimates, each the mean over
``n_samples`` draws, computed without a Python loop over draws. Because
``sum_k pi_k (delta_kj - pi_j) = 0``, every gradient here sums to 0 over classes
(adding a constant to every logit changes nothing).

Conventions as in :mod:`gumbel_viz.core.relaxation`: explicit ``numpy.random.Generator``,
classes on the last axis, ``ValueError`` for bad input. A logit of ``-inf`` (pi = 0)
is allowed: that class is never drawn and gets gradient 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .relaxation import gumbel_max, gumbel_softmax, sample_gumbel, softmax
from .validation import (
    as_float_array,
    as_logits,
    check_integer,
    validate_probabilities,
    validate_tau,
)

__all__ = [
    "ESTIMATORS",
    "MAX_WORK",
    "METRICS",
    "PRESETS",
    "BiasVariance",
    "SweepResult",
    "bias_variance",
    "estimates_at",
    "exact_gradient",
    "gumbel_softmax_estimator",
    "preset_c",
    "reinforce",
    "reinforce_baseline",
    "softmax_jacobian",
    "straight_through",
    "sweep",
]

#: The largest ``n_samples * n_estimates * len(taus)`` :func:`sweep` accepts.
MAX_WORK = 2_000_000

ESTIMATORS = ("reinforce", "reinforce_baseline", "gumbel_softmax", "straight_through")
METRICS = ("bias2", "variance", "mse")

#: ``df(z)`` gives ``∂f/∂z`` at points ``z`` of shape ``(..., k)``, same shape back.
Derivative = Callable[[NDArray[np.float64]], NDArray[np.float64]]


# --------------------------------------------------------------------------- validation


def _probabilities(logits: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    theta = as_logits(logits, ndim=1).astype(np.float64)
    return theta, softmax(theta)


def _payoffs(c: ArrayLike, k: int) -> NDArray[np.float64]:
    v = as_float_array(c, "c")
    if v.shape != (k,):
        raise ValueError(f"c must have one value per class ({k}), got shape {v.shape}")
    if not np.isfinite(v).all():
        raise ValueError(f"c must be finite, got {v}")
    return v


def _tau(tau: ArrayLike) -> float:
    t = validate_tau(tau)
    if t.ndim != 0:
        raise ValueError(f"tau must be a single number here, got shape {t.shape}")
    return float(t)


# --------------------------------------------------------------------------- exact math


def exact_gradient(logits: ArrayLike, c: ArrayLike) -> NDArray[np.float64]:
    r"""``∇_θ E[f(z)] = π ⊙ (c − π·c)`` for ``f(z) = Σ_k c_k z_k``, ``π = softmax(θ)``.

    Derivation: ``E f = Σ_k π_k c_k`` and ``∂π_k/∂θ_j = π_k (δ_kj − π_j)``, so
    ``∂E f/∂θ_j = Σ_k c_k π_k (δ_kj − π_j) = π_j c_j − π_j (π·c)``.
    Any f, linear or not, takes the value ``c_k = f(e_k)`` on the one-hot vertex
    ``e_k``, so this is the exact gradient of ``E f(z)`` for every f.
    """
    theta, pi = _probabilities(logits)
    c = _payoffs(c, theta.size)
    return pi * (c - pi @ c)


def softmax_jacobian(y: ArrayLike, tau: ArrayLike) -> NDArray[np.float64]:
    r"""``J = ∂y/∂θ = (1/τ)(diag(y) − y yᵀ)`` for ``y = softmax((θ + g)/τ)``.

    ``y`` has shape ``(..., k)``; ``tau`` is a number or broadcasts against the leading
    axes. Returns shape ``(..., k, k)``; ``J`` is symmetric and each row sums to 0.
    """
    y = np.asarray(y, dtype=np.float64)
    t = validate_tau(tau)
    outer = y[..., :, np.newaxis] * y[..., np.newaxis, :]
    jac = np.eye(y.shape[-1]) * y[..., np.newaxis, :] - outer
    return jac / t[..., np.newaxis, np.newaxis]


# --------------------------------------------------------------------------- estimators


def _counts(draws: NDArray[np.intp], k: int) -> NDArray[np.float64]:
    """How often each class appears along the last axis of ``draws``: shape ``(..., k)``."""
    lead = draws.shape[:-1]
    rows = np.repeat(np.arange(int(np.prod(lead))), draws.shape[-1])
    flat = np.bincount(rows * k + draws.reshape(-1), minlength=int(np.prod(lead)) * k)
    return flat.reshape(*lead, k).astype(np.float64)


def _draw_classes(theta, n_samples, n_estimates, rng) -> NDArray[np.intp]:
    return gumbel_max(theta, rng=rng, sample_shape=(n_estimates, n_samples))


def reinforce(
    logits: ArrayLike,
    c: ArrayLike,
    tau: ArrayLike | None,
    n_samples: int,
    n_estimates: int,
    rng: np.random.Generator,
) -> NDArray[np.float64]:
    r"""Score-function (REINFORCE) estimates: mean over draws of ``f(z)(onehot(z) − π)``.

    ``∇_θ log π_z = onehot(z) − π``. Summed over the ``S = n_samples`` draws of one
    estimate this is ``c ⊙ counts / S − mean(f) π``. Unbiased. ``tau`` is ignored
    (accepted for a uniform signature). Returns shape ``(n_estimates, k)``.
    """
    theta, pi = _probabilities(logits)
    c = _payoffs(c, theta.size)
    s, e = (
        check_integer(n_samples, "n_samples", low=1),
        check_integer(n_estimates, "n_estimates", low=1),
    )
    z = _draw_classes(theta, s, e, rng)  # (E, S)
    counts = _counts(z, theta.size)
    mean_f = c[z].mean(axis=-1, keepdims=True)
    return c * counts / s - mean_f * pi


def reinforce_baseline(
    logits: ArrayLike,
    c: ArrayLike,
    tau: ArrayLike | None,
    n_samples: int,
    n_estimates: int,
    rng: np.random.Generator,
) -> NDArray[np.float64]:
    r"""REINFORCE with a leave-one-out mean baseline: ``(f(z_s) − b_s)(onehot(z_s) − π)``.

    ``b_s = (Σ_{r≠s} f(z_r)) / (S − 1)``, the mean of the *other* draws of the same
    estimate. It is independent of ``z_s``, so ``E[b_s (onehot(z_s) − π)] = 0`` and the
    estimator stays unbiased (a baseline using ``f(z_s)`` itself would not).
    Algebra: ``f_s − b_s = S/(S−1) (f_s − f̄)``, and since ``Σ_s (f_s − f̄) = 0`` the
    ``π`` term drops out: the estimate is ``counts ⊙ (c − f̄) / (S − 1)``. Adding a
    constant to ``c`` changes nothing. With ``n_samples = 1`` there is no other draw:
    this falls back to plain :func:`reinforce`. Returns shape ``(n_estimates, k)``.
    """
    s = check_integer(n_samples, "n_samples", low=1)
    if s == 1:
        return reinforce(logits, c, tau, n_samples, n_estimates, rng)
    theta, _ = _probabilities(logits)
    c = _payoffs(c, theta.size)
    e = check_integer(n_estimates, "n_estimates", low=1)
    z = _draw_classes(theta, s, e, rng)
    counts = _counts(z, theta.size)
    mean_f = c[z].mean(axis=-1, keepdims=True)
    return counts * (c - mean_f) / (s - 1)


def _linear(c: NDArray[np.float64]) -> Derivative:
    return lambda z: np.broadcast_to(c, z.shape)


def _checked_relaxed_pair(
    logits: ArrayLike,
    c: ArrayLike,
    tau: ArrayLike,
    n_samples: int,
    n_estimates: int,
    rng: np.random.Generator,
    df: Derivative | None,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """:func:`_relaxed_pair` after validating the public arguments."""
    theta, _ = _probabilities(logits)
    c = _payoffs(c, theta.size)
    s, e = (
        check_integer(n_samples, "n_samples", low=1),
        check_integer(n_estimates, "n_estimates", low=1),
    )
    return _relaxed_pair(theta, c, _tau(tau), s, e, rng, df)


def _relaxed_pair(
    theta: NDArray[np.float64],
    c: NDArray[np.float64],
    tau: float,
    n_samples: int,
    n_estimates: int,
    rng: np.random.Generator,
    df: Derivative | None,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Gumbel-Softmax and straight-through estimates from the *same* noise draws."""
    k = theta.size
    g = sample_gumbel(rng, (n_estimates, n_samples, k))
    y = gumbel_softmax(theta, tau, gumbel=g)  # (E, S, k)
    hard = gumbel_softmax(theta, tau, gumbel=g, hard=True)
    df = _linear(c) if df is None else df
    out = []
    for point in (y, hard):
        d = np.asarray(df(point), dtype=np.float64)
        # Jᵀ d with J symmetric: (1/τ)(y ⊙ d − y (y·d)) = (1/τ) y ⊙ (d − y·d).
        grad = y * (d - np.sum(y * d, axis=-1, keepdims=True)) / tau
        out.append(grad.mean(axis=1))
    return out[0], out[1]


def gumbel_softmax_estimator(
    logits: ArrayLike,
    c: ArrayLike,
    tau: ArrayLike,
    n_samples: int,
    n_estimates: int,
    rng: np.random.Generator,
    df: Derivative | None = None,
) -> NDArray[np.float64]:
    r"""Reparameterised (Gumbel-Softmax) estimates: mean over draws of ``Jᵀ ∂f/∂z (y)``.

    ``y = softmax((θ + g)/τ)``, ``g ~ Gumbel(0, 1)``, ``J = ∂y/∂θ = (1/τ)(diag(y) − y yᵀ)``
    (:func:`softmax_jacobian`), so the per-draw estimate is
    ``(1/τ) y ⊙ (d − y·d)`` with ``d = df(y)`` (``d = c`` for the default linear f).
    It is the unbiased gradient of ``E f(y)``, hence a *biased* estimate of
    ``∇ E f(z)``: the bias vanishes as τ → 0 and the variance grows like 1/τ.
    ``df``: optional callable, ``∂f/∂z`` at points of shape ``(..., k)``.
    Returns shape ``(n_estimates, k)``.
    """
    return _checked_relaxed_pair(logits, c, tau, n_samples, n_estimates, rng, df)[0]


def straight_through(
    logits: ArrayLike,
    c: ArrayLike,
    tau: ArrayLike,
    n_samples: int,
    n_estimates: int,
    rng: np.random.Generator,
    df: Derivative | None = None,
) -> NDArray[np.float64]:
    r"""Straight-through Gumbel estimates: forward ``z = onehot(argmax(θ + g))``, backward via y.

    ``z_st = y_hard − stop_grad(y) + y`` has value ``y_hard`` (so ``f`` is evaluated
    at the one-hot ``z``) and Jacobian ``J`` of y. The per-draw estimate is
    ``Jᵀ df(z_hard) = (1/τ) y ⊙ (d − y·d)``, ``d = df(z_hard)``.
    For the default **linear** f, ``df ≡ c`` everywhere, so the straight-through
    gradient *equals* the Gumbel-Softmax gradient draw for draw; the two differ only
    when f is nonlinear (pass ``df``). Returns shape ``(n_estimates, k)``.
    """
    return _checked_relaxed_pair(logits, c, tau, n_samples, n_estimates, rng, df)[1]


def estimates_at(
    logits: ArrayLike,
    c: ArrayLike,
    tau: ArrayLike,
    n_samples: int,
    n_estimates: int,
    rng: np.random.Generator,
    df: Derivative | None = None,
) -> dict[str, NDArray[np.float64]]:
    """All four estimators at one τ: ``{name: (n_estimates, k)}``, keys :data:`ESTIMATORS`.

    Draw order (fixed, so a seed replays): REINFORCE, REINFORCE + baseline, then one
    noise array shared by Gumbel-Softmax and straight-through.
    """
    theta, _ = _probabilities(logits)
    c = _payoffs(c, theta.size)
    s, e = (
        check_integer(n_samples, "n_samples", low=1),
        check_integer(n_estimates, "n_estimates", low=1),
    )
    t = _tau(tau)
    out = {
        "reinforce": reinforce(theta, c, None, s, e, rng),
        "reinforce_baseline": reinforce_baseline(theta, c, None, s, e, rng),
    }
    out["gumbel_softmax"], out["straight_through"] = _relaxed_pair(theta, c, t, s, e, rng, df)
    return out


# --------------------------------------------------------------------------- summaries


@dataclass(frozen=True)
class BiasVariance:
    """``bias2 = ||mean − exact||²``, ``variance = tr Cov``, ``mse = bias2 + variance``."""

    bias2: float
    variance: float
    mse: float


def bias_variance(estimates: ArrayLike, exact: ArrayLike) -> BiasVariance:
    r"""Squared bias, variance and MSE of gradient estimates of shape ``(n_estimates, k)``.

    ``bias² = ||m − exact||²`` with ``m`` the mean estimate; ``variance =
    mean_i ||est_i − m||²`` (the trace of the covariance, 1/n normalisation); and
    ``mse = bias² + variance = mean_i ||est_i − exact||²``.
    """
    est = np.asarray(estimates, dtype=np.float64)
    ex = np.asarray(exact, dtype=np.float64)
    if est.ndim != 2 or est.shape[-1] != ex.shape[-1]:
        raise ValueError(
            f"estimates must have shape (n_estimates, {ex.shape[-1]}), got {est.shape}"
        )
    mean = est.mean(axis=0)
    bias2 = float(np.sum((mean - ex) ** 2))
    variance = float(np.mean(np.sum((est - mean) ** 2, axis=-1)))
    return BiasVariance(bias2, variance, bias2 + variance)


@dataclass
class SweepResult:
    """What :func:`sweep` returns.

    ``taus`` (T,); ``exact`` (k,); ``metrics[name][metric]`` (T,) for ``name`` in
    :data:`ESTIMATORS` and ``metric`` in :data:`METRICS`. REINFORCE rows are one
    computation repeated over τ.
    """

    taus: NDArray[np.float64]
    exact: NDArray[np.float64]
    metrics: dict[str, dict[str, NDArray[np.float64]]] = field(default_factory=dict)


def sweep(
    logits: ArrayLike,
    c: ArrayLike,
    taus: ArrayLike,
    n_samples: int,
    n_estimates: int,
    rng: np.random.Generator,
    df: Derivative | None = None,
) -> SweepResult:
    """Bias², variance and MSE of every estimator for each τ in ``taus``.

    The REINFORCE estimators do not depend on τ: they are computed once (in that
    order, first) and broadcast. Then, per τ in order, one noise array feeds both
    Gumbel-Softmax and straight-through. Raises ``ValueError`` if
    ``n_samples * n_estimates * len(taus)`` exceeds :data:`MAX_WORK` (2·10⁶).
    """
    theta, _ = _probabilities(logits)
    c = _payoffs(c, theta.size)
    s, e = (
        check_integer(n_samples, "n_samples", low=1),
        check_integer(n_estimates, "n_estimates", low=1),
    )
    t = validate_tau(taus).reshape(-1)
    if t.size == 0:
        raise ValueError("taus must hold at least one temperature")
    work = s * e * t.size
    if work > MAX_WORK:
        raise ValueError(
            f"too much work: n_samples={s} × n_estimates={e} × len(taus)={t.size} "
            f"= {work:,} exceeds the cap of {MAX_WORK:,}"
        )
    exact = exact_gradient(theta, c)
    result = SweepResult(taus=t, exact=exact)
    per_tau: dict[str, list[NDArray[np.float64]]] = {}
    for name, fn in (("reinforce", reinforce), ("reinforce_baseline", reinforce_baseline)):
        per_tau[name] = [fn(theta, c, None, s, e, rng)] * t.size
    per_tau["gumbel_softmax"], per_tau["straight_through"] = [], []
    for tau in t:
        gs, st = _relaxed_pair(theta, c, float(tau), s, e, rng, df)
        per_tau["gumbel_softmax"].append(gs)
        per_tau["straight_through"].append(st)
    for name in ESTIMATORS:
        rows = [bias_variance(est, exact) for est in per_tau[name]]
        result.metrics[name] = {
            metric: np.array([getattr(r, metric) for r in rows]) for metric in METRICS
        }
    return result


# --------------------------------------------------------------------------- presets


def _rarest(pi: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.eye(pi.size)[int(np.argmin(pi))]


def _likeliest(pi: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.eye(pi.size)[int(np.argmax(pi))]


def _ramp(pi: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.arange(1, pi.size + 1, dtype=np.float64)


def _alternating(pi: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.where(np.arange(pi.size) % 2 == 0, 1.0, -1.0)


#: Preset payoff vectors ``c`` as functions of π (ties go to the lowest class index):
#: rarest: ``c = e_{argmin π}``; likeliest: ``c = e_{argmax π}``; linear ramp:
#: ``c_k = k`` (k = 1..K, the class numbers shown); alternating: ``c = (+1, −1, +1, …)``.
PRESETS: dict[str, Callable[[NDArray[np.float64]], NDArray[np.float64]]] = {
    "reward the rarest class": _rarest,
    "reward the likeliest class": _likeliest,
    "linear ramp": _ramp,
    "alternating ±1": _alternating,
}


def preset_c(name: str, probabilities: ArrayLike) -> NDArray[np.float64]:
    """The payoff vector of preset ``name`` (a key of :data:`PRESETS`) for these π."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {list(PRESETS)}")
    pi = validate_probabilities(probabilities)
    if pi.ndim != 1:
        raise ValueError(f"probabilities must be 1-D, got shape {pi.shape}")
    return PRESETS[name](pi)
