r"""Gradient estimators of :math:`\nabla_\theta \mathbb{E}_{z\sim\mathrm{Cat}(\pi)}[f(z)]`.

``θ`` (the logits) has the shape of the objective (:mod:`.objectives`): ``(k,)`` for
one categorical, ``(m, k)`` for m independent ones, ``π = softmax θ`` row by row.
Every objective is an energy to minimise; the estimators estimate the gradient of
``E[f]`` itself (descent steps subtract it).

Notation: ``J(p) = diag(p) − ppᵀ`` on the last (class) axis, row by row;
``(1/τ) J(softmax(x/τ))`` is the Jacobian of ``softmax(x/τ)`` in x. ``D`` is the
one-hot draw, ``y = softmax((θ + g)/τ)`` the relaxed one.

Draw order (every estimator, so one seed gives every estimator the same draws):
first the Gumbel noise ``g = sample_gumbel(rng, (n, *θ.shape))`` and
``D = onehot(argmax(θ + g))``, an exact draw from Cat(π) (Gumbel-Max); then
Gumbel-Rao alone draws its ``n·m`` conditional samples. A class with logit
``−inf`` (π = 0) is never drawn and gets gradient 0.

:data:`ESTIMATORS` maps each name to ``(logits, objective, tau, rng, n, **options)
-> (n, *θ.shape)``: row i is the single-draw estimate from draw i, and the mean of
the rows is the n-sample estimator. Every row sums to 0 over classes (shifting a
row of logits changes nothing). :func:`exact_moments` gives the exact mean and
variance of the estimators that depend on D alone (and of RLOO), by enumeration;
:func:`sweep` gives bias², variance and MSE over a grid of τ.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .objectives import Objective, one_hot_outcomes
from .relaxation import sample_gumbel
from .validation import as_float_array, as_logits, check_integer, validate_tau

__all__ = [
    "COSTS",
    "DEFAULT_RAO_SAMPLES",
    "ESTIMATORS",
    "EXACT",
    "LABELS",
    "MAX_DRAWS",
    "MAX_RAO_SAMPLES",
    "MAX_SWEEP_WORK",
    "MAX_VALUES",
    "Cost",
    "EstimatorCurve",
    "SweepResult",
    "exact_gradient",
    "exact_moments",
    "straight_through_parts",
    "sweep",
]

MAX_DRAWS = 10**5  # n, draws per call
MAX_RAO_SAMPLES = 1000  # m, Gumbel-Rao conditional samples per draw
DEFAULT_RAO_SAMPLES = 10
MAX_VALUES = 10**7  # n · entries of θ (· m for Gumbel-Rao): one call's arrays stay < 80 MB
MAX_SWEEP_WORK = 2 * 10**7  # len(taus) · runs · n · entries summed over the Monte Carlo ones

FloatArray = NDArray[np.float64]


# --------------------------------------------------------------------------- small math


def _softmax(x: FloatArray) -> FloatArray:
    """Row softmax on the last axis, shifted by the row max (a -inf entry gives 0)."""
    w = np.exp(x - x.max(axis=-1, keepdims=True))
    w /= w.sum(axis=-1, keepdims=True)
    return w


def _jvp(p: FloatArray, d: FloatArray) -> FloatArray:
    """``J(p) d = p ⊙ (d − p·d)`` row by row (J is symmetric, so this is also ``J(p)ᵀd``)."""
    return p * (d - (p * d).sum(axis=-1, keepdims=True))


def _one_hot_argmax(x: FloatArray) -> FloatArray:
    """The one-hot of ``argmax`` on the last axis (ties to the lowest index)."""
    return (x.argmax(axis=-1)[..., np.newaxis] == np.arange(x.shape[-1])).astype(np.float64)


def _per_draw(f: FloatArray, ndim: int) -> FloatArray:
    """Scalars per draw, shape ``batch``, broadcastable against ``batch + θ.shape``."""
    return f.reshape(f.shape + (1,) * ndim)


@dataclass(frozen=True)
class _Setting:
    """Validated inputs: ``θ`` (float64), ``π = softmax θ`` row by row, the objective, τ."""

    theta: FloatArray
    pi: FloatArray
    objective: Objective
    tau: float

    @property
    def ndim(self) -> int:
        return self.theta.ndim

    def draw(self, g: FloatArray) -> FloatArray:
        """Gumbel-Max: ``D = onehot(argmax(θ + g))``, an exact draw from Cat(π)."""
        return _one_hot_argmax(self.theta + g)

    def relaxed(self, g: FloatArray) -> FloatArray:
        """``y = softmax((θ + g)/τ)``."""
        return _softmax((self.theta + g) / self.tau)


def _setting(logits: ArrayLike, objective: Objective, tau: ArrayLike) -> _Setting:
    if not isinstance(objective, Objective):
        raise ValueError(f"objective must be an Objective, got {objective!r}")
    theta = as_logits(logits).astype(np.float64)
    if theta.shape != objective.shape:
        raise ValueError(
            f"logits must have the objective's shape {objective.shape}, got {theta.shape}"
        )
    t = validate_tau(tau)
    if t.ndim != 0:
        raise ValueError(f"tau must be one number here, got shape {t.shape}")
    return _Setting(theta, _softmax(theta), objective, float(t))


# --------------------------------------------------------------------------- estimators of D


def _reinforce(s: _Setting, d: FloatArray) -> FloatArray:
    return _per_draw(s.objective._value(d), s.ndim) * (d - s.pi)


def _straight_through(s: _Setting, d: FloatArray) -> FloatArray:
    return _jvp(_softmax(s.theta / s.tau), s.objective._grad(d)) / s.tau


def _reinmax(s: _Setting, d: FloatArray) -> FloatArray:
    grad = s.objective._grad(d)
    pi1 = (d + _softmax(s.theta / s.tau)) / 2
    return 2 * _jvp(pi1, grad) - 0.5 * _jvp(s.pi, grad)


def _rloo(s: _Setting, d: FloatArray) -> FloatArray:
    """The draws are on the last batch axis; each uses the mean of the others as baseline."""
    f = s.objective._value(d)
    baseline = (f.sum(axis=-1, keepdims=True) - f) / (f.shape[-1] - 1)
    return _per_draw(f - baseline, s.ndim) * (d - s.pi)


#: The estimators whose single-draw value is a function of D alone.
_OF_DRAW: dict[str, Callable[[_Setting, FloatArray], FloatArray]] = {
    "reinforce": _reinforce,
    "straight-through": _straight_through,
    "reinmax": _reinmax,
}


# --------------------------------------------------------------------------- estimators of g


def _gumbel_softmax(s: _Setting, g: FloatArray, rng: np.random.Generator, m: int) -> FloatArray:
    y = s.relaxed(g)
    return _jvp(y, s.objective._grad(y)) / s.tau


def _st_gumbel_softmax(s: _Setting, g: FloatArray, rng: np.random.Generator, m: int) -> FloatArray:
    return _jvp(s.relaxed(g), s.objective._grad(s.draw(g))) / s.tau


def _conditional_gumbel(
    theta: FloatArray, d: FloatArray, rng: np.random.Generator, m: int
) -> FloatArray:
    r"""``m`` draws of ``ζ = θ + G`` given ``argmax ζ = D`` per draw: ``(*batch, m, *θ.shape)``.

    Paulus, Maddison & Krause (ICLR 2021, §3, after the top-down construction of
    A* sampling, Maddison, Tarlow & Minka 2014): with ``E_j ~ Exp(1)`` and
    ``log Z = logsumexp θ``, the maximum is ``ζ_i = log Z − log E_i ~ Gumbel(log Z)``
    and every other coordinate is a Gumbel(θ_j) truncated below it,
    ``ζ_j = −log(E_j e^{−θ_j} + E_i/Z) = −logaddexp(log E_j − θ_j, −ζ_i)``,
    computed in log space (``θ_j = −inf`` gives ``ζ_j = −inf``).
    """
    batch = d.ndim - theta.ndim
    log_e = -sample_gumbel(rng, (*d.shape[:batch], m, *theta.shape))  # log of Exp(1) draws
    d = np.expand_dims(d, batch)
    row_max = theta.max(axis=-1, keepdims=True)
    log_z = row_max + np.log(np.exp(theta - row_max).sum(axis=-1, keepdims=True))
    top = log_z - np.sum(log_e * d, axis=-1, keepdims=True)
    return np.where(d == 1, top, -np.logaddexp(log_e - theta, -top))


def _gumbel_rao(s: _Setting, g: FloatArray, rng: np.random.Generator, m: int) -> FloatArray:
    d = s.draw(g)
    zeta = _conditional_gumbel(s.theta, d, rng, m)  # the m samples on axis d.ndim − θ.ndim
    samples = d.ndim - s.ndim
    grad = np.expand_dims(s.objective._grad(d), samples)
    return _jvp(_softmax(zeta / s.tau), grad).sum(axis=samples) / (m * s.tau)


def _of_draw(name: str) -> Callable[[_Setting, FloatArray, np.random.Generator, int], FloatArray]:
    estimator = {**_OF_DRAW, "rloo": _rloo}[name]
    return lambda s, g, rng, m: estimator(s, s.draw(g))


#: Every estimator as a function of the validated setting, the Gumbel noise g of
#: shape ``batch + θ.shape``, the generator (Gumbel-Rao's conditional draws) and m.
_FROM_NOISE: dict[str, Callable[[_Setting, FloatArray, np.random.Generator, int], FloatArray]] = {
    "reinforce": _of_draw("reinforce"),
    "rloo": _of_draw("rloo"),
    "gumbel-softmax": _gumbel_softmax,
    "st-gumbel-softmax": _st_gumbel_softmax,
    "straight-through": _of_draw("straight-through"),
    "gumbel-rao": _gumbel_rao,
    "reinmax": _of_draw("reinmax"),
}


# --------------------------------------------------------------------------- public estimators


def _rao_samples(options: dict[str, object]) -> int:
    """The only option, Gumbel-Rao's ``m``; any other name is refused."""
    unknown = set(options) - {"m"}
    if unknown:
        raise ValueError(f"unknown estimator option(s) {sorted(unknown)}; the only one is 'm'")
    return check_integer(
        options.get("m", DEFAULT_RAO_SAMPLES),
        "the Gumbel-Rao sample count m",
        low=1,
        high=MAX_RAO_SAMPLES,
    )


def _values_per_draw(name: str, size: int, m: int) -> int:
    return size * (m + 1 if name == "gumbel-rao" else 1)


def _public(name: str) -> Callable[..., FloatArray]:
    def estimate(
        logits: ArrayLike,
        objective: Objective,
        tau: float,
        rng: np.random.Generator,
        n: int,
        **options: object,
    ) -> FloatArray:
        s = _setting(logits, objective, tau)
        m = _rao_samples(options)
        n = check_integer(
            n, "the number of draws n", low=2 if name == "rloo" else 1, high=MAX_DRAWS
        )
        values = n * _values_per_draw(name, s.theta.size, m)
        if values > MAX_VALUES:
            raise ValueError(
                f"n = {n} draws of {name} need {values:,} values, more than the cap {MAX_VALUES:,}"
            )
        return _FROM_NOISE[name](s, sample_gumbel(rng, (n, *s.theta.shape)), rng, m)

    estimate.__name__ = estimate.__qualname__ = name.replace("-", "_")
    estimate.__doc__ = _DOCS[name] + _SIGNATURE
    return estimate


_SIGNATURE = """

    Signature ``(logits, objective, tau, rng, n, **options) -> (n, *logits.shape)``:
    ``logits`` of the objective's shape, ``tau`` finite > 0 (ignored by the
    score-function estimators but checked), ``n <= MAX_DRAWS``; the one option is
    Gumbel-Rao's ``m`` (default 10, at most :data:`MAX_RAO_SAMPLES`), accepted and
    checked by every estimator so that one call fits all. Row i is the estimate
    from draw i; the row mean is the n-sample estimator.
    """

_DOCS = {
    "reinforce": """REINFORCE, the score function: ``f(D)(D − π)``.

    ``∇_θ log π_D = D − π`` row by row (Williams 1992, *Simple statistical
    gradient-following algorithms*). Unbiased for ``∇E[f]``.""",
    "rloo": """REINFORCE leave-one-out: row i is ``(f(D_i) − mean_{j≠i} f(D_j))(D_i − π)``.

    The baseline of draw i is the mean of the other n − 1 draws, independent of
    D_i, so every row stays unbiased (Kool, van Hoof & Welling 2019, *Buy 4
    REINFORCE samples, get a baseline for free!*, ICLR 2019 workshop). Needs
    n >= 2; the row mean equals the sample covariance ``1/(n−1) Σ_i (f_i − f̄)(D_i − π)``.""",
    "gumbel-softmax": """Gumbel-Softmax: the pathwise gradient ``(1/τ) J(y) ∇f(y)`` of ``f(y)``.

    ``y = softmax((θ + g)/τ)`` (Jang, Gu & Poole 2017, §2-3; Maddison, Mnih & Teh
    2017, the Concrete relaxation). Unbiased for the relaxed objective ``E[f(y)]``,
    biased for ``E[f(z)]``: the bias vanishes as τ → 0 while the variance grows.""",
    "st-gumbel-softmax": """Straight-through Gumbel-Softmax: ``(1/τ) J(y) ∇f(D)``.

    Forward the one-hot ``D = onehot(argmax(θ + g))``, backward through
    ``y = softmax((θ + g)/τ)`` from the same g: ``y_hard − stop_grad(y) + y``
    (Jang, Gu & Poole 2017, §2.2). For a linear f it equals Gumbel-Softmax draw
    for draw.""",
    "straight-through": """Straight-through: ``(1/τ) J(softmax(θ/τ)) ∇f(D)``.

    Bengio, Léonard & Courville 2013, *Estimating or propagating gradients
    through stochastic neurons for conditional computation*: ``D ~ Cat(π)``
    forward, the noiseless tempered softmax backward. Exact for a linear f at
    τ = 1 (the Jacobian is then J(π) and ∇f is the constant c), biased otherwise.""",
    "gumbel-rao": """Gumbel-Rao: the mean of ``(1/τ) J(softmax(ζ/τ)) ∇f(D)`` over m draws of ζ.

    ``ζ ~ (θ + G | argmax = D)``: the Rao-Blackwellisation of straight-through
    Gumbel-Softmax (Paulus, Maddison & Krause, *Rao-Blackwellizing the
    Straight-Through Gumbel-Softmax Gradient Estimator*, ICLR 2021, §3); ζ is
    held constant (no gradient through ζ − θ).
    Same mean as ST-GS for every m, variance non-increasing in m. D is the same
    draw ST-GS makes from the same g; the conditional samples come after it.""",
    "reinmax": """ReinMax: ``(2 J(π₁) − ½ J(π₀)) ∇f(D)``.

    ``π₀ = softmax θ``, ``π₁ = (D + softmax(θ/τ))/2``: a second-order (Heun)
    approximation of the gradient (Liu, Zhao, Chen & Gao, *Bridging Discrete and
    Backpropagation: Straight-Through and Beyond*, NeurIPS 2023, Algorithm 2).
    Exactly unbiased for every quadratic f at τ = 1; the reference
    implementation asks for τ >= 1.""",
}

#: The estimators by name, in display order: ``(logits, objective, tau, rng, n, **options)``.
ESTIMATORS: dict[str, Callable[..., FloatArray]] = {name: _public(name) for name in _FROM_NOISE}

LABELS: dict[str, str] = {
    "reinforce": "REINFORCE",
    "rloo": "REINFORCE leave-one-out (RLOO)",
    "gumbel-softmax": "Gumbel-Softmax",
    "st-gumbel-softmax": "Straight-through Gumbel-Softmax",
    "straight-through": "Straight-through",
    "gumbel-rao": "Gumbel-Rao",
    "reinmax": "ReinMax",
}


@dataclass(frozen=True)
class Cost:
    """Work per draw: evaluations of f and of ∇f, and softmax Jacobian-vector products.

    ``jacobians_per_m``: products per conditional sample (Gumbel-Rao's m).
    """

    f: int
    grad: int
    jacobians: int
    jacobians_per_m: int = 0

    def jacobians_for(self, m: int) -> int:
        """Jacobian-vector products per draw with ``m`` conditional samples."""
        return self.jacobians + self.jacobians_per_m * m


#: Cost per draw of each estimator (Gumbel-Rao reuses one ∇f(D) for its m Jacobians).
COSTS: dict[str, Cost] = {
    "reinforce": Cost(f=1, grad=0, jacobians=0),
    "rloo": Cost(f=1, grad=0, jacobians=0),
    "gumbel-softmax": Cost(f=0, grad=1, jacobians=1),
    "st-gumbel-softmax": Cost(f=0, grad=1, jacobians=1),
    "straight-through": Cost(f=0, grad=1, jacobians=1),
    "gumbel-rao": Cost(f=0, grad=1, jacobians=0, jacobians_per_m=1),
    "reinmax": Cost(f=0, grad=1, jacobians=2),
}


# --------------------------------------------------------------------------- exact values


def _exact_gradient(s: _Setting) -> FloatArray:
    return _jvp(s.pi, s.objective._expected_grad(s.pi))


def exact_gradient(logits: ArrayLike, objective: Objective) -> FloatArray:
    r"""``∇_θ E[f]``: row by row ``J(π_i) ∂E/∂π_i``, shape of the logits.

    One categorical: ``π ⊙ (F − (π·F)·1)``, ``F_i = f(e_i)``, from
    ``E = π·F`` and ``∂π_i/∂θ_j = π_i(δ_ij − π_j)``. m categoricals of a
    :class:`~.objectives.PairwiseObjective`: ``J(π_i)(b_i + Σ_j W_ij π_j)`` (E is
    multilinear in the rows). Sums to 0 over each row.
    """
    return _exact_gradient(_setting(logits, objective, 1.0))


#: Estimators with exact moments by enumeration (:func:`exact_moments`).
EXACT = ("reinforce", "rloo", "straight-through", "reinmax")


def _outcomes(s: _Setting) -> tuple[FloatArray, FloatArray]:
    """Every one-hot D and its probability ``Π_i π_i[D_i]``."""
    outcomes = one_hot_outcomes(s.theta.shape)
    p = np.sum(outcomes * s.pi, axis=-1).reshape(len(outcomes), -1).prod(axis=-1)
    return outcomes, p


def _norms2(x: FloatArray, ndim: int) -> FloatArray:
    return np.sum(x**2, axis=tuple(range(-ndim, 0)))


def _exact_moments(s: _Setting, name: str, n: int) -> tuple[FloatArray, float]:
    outcomes, p = _outcomes(s)
    if name == "rloo":
        return _exact_gradient(s), _rloo_variance(s, outcomes, p, n)
    est = _OF_DRAW[name](s, outcomes)
    mean = np.tensordot(p, est, axes=1)
    return mean, float(p @ _norms2(est - mean, s.ndim)) / n


def _rloo_variance(s: _Setting, outcomes: FloatArray, p: FloatArray, n: int) -> float:
    r"""``tr Var`` of the n-draw RLOO estimate, a U-statistic of order 2.

    Hoeffding, *A class of statistics with asymptotically normal distribution*,
    1948. The estimate is ``U = 1/(n(n−1)) Σ_{i≠j} h(X_i, X_j)`` with the symmetric
    kernel ``h = ½(f − f')(u − u')`` of draws ``X = (f(D), u = D − π)``. Then
    ``tr Var U = (4(n−2) ζ₁ + 2 ζ₂) / (n(n−1))``, ``ζ₁ = tr Cov E[h | X]``,
    ``ζ₂ = tr Cov h``. With ``f`` centred (RLOO ignores a constant shift of f),
    ``ζ₁ = ¼(E[f²|u|²] − |g|²)`` and ``ζ₂ = ½(E[f²|u|²] + E[f²] E|u|²)``, g the
    exact gradient; each expectation is a sum over the outcomes.
    """
    f = s.objective._value(outcomes)
    f = f - p @ f
    u2 = _norms2(outcomes - s.pi, s.ndim)
    g2 = float(np.sum(_exact_gradient(s) ** 2))
    fu = p @ (f**2 * u2)
    zeta1 = (fu - g2) / 4
    zeta2 = (fu + (p @ f**2) * (p @ u2)) / 2
    return float((4 * (n - 2) * zeta1 + 2 * zeta2) / (n * (n - 1)))


def exact_moments(
    name: str, logits: ArrayLike, objective: Objective, tau: float, n: int = 1
) -> tuple[FloatArray, float]:
    """The exact mean (logits' shape) and ``tr Cov`` of the n-draw estimator ``name``.

    By enumerating the ``k**m`` outcomes of D, weighted by their probabilities,
    for the estimators of D alone (``reinforce``, ``straight-through``,
    ``reinmax``): the single-draw variance divided by n (the draws are
    independent). ``rloo`` (n >= 2) is unbiased and its variance is the
    U-statistic formula of :func:`_rloo_variance`, exact too. Names: :data:`EXACT`.
    """
    if name not in EXACT:
        raise ValueError(f"no exact moments for {name!r}; they exist for {list(EXACT)}")
    s = _setting(logits, objective, tau)
    n = check_integer(n, "the number of draws n", low=2 if name == "rloo" else 1, high=MAX_DRAWS)
    return _exact_moments(s, name, n)


# --------------------------------------------------------------------------- what hard=True does


def straight_through_parts(
    logits: ArrayLike, noise: ArrayLike, tau: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """What ``hard=True`` does: the forward value and the backward Jacobian.

    Forward: ``onehot(argmax(θ + g))``, shape ``(..., k)``, the same at every τ.
    Backward: ``∂y/∂θ = (1/τ) J(y)``, ``y = softmax((θ + g)/τ)``, shape
    ``(..., k, k)`` with τ's shape in front if τ is an array (Jang et al. 2017,
    §2.2: ``y_hard − stop_grad(y) + y``). ``noise`` is the Gumbel noise g, finite.
    """
    theta = as_logits(logits).astype(np.float64)
    g = as_float_array(noise, "noise")
    if not np.isfinite(g).all():
        raise ValueError(f"noise must be finite, got {g}")
    t = validate_tau(tau)
    z = theta + g
    y = _softmax(z / t.reshape(t.shape + (1,) * z.ndim))
    outer = y[..., :, np.newaxis] * y[..., np.newaxis, :]
    jacobian = np.eye(z.shape[-1]) * y[..., np.newaxis, :] - outer
    return _one_hot_argmax(z), jacobian / t.reshape(t.shape + (1,) * (z.ndim + 1))


# --------------------------------------------------------------------------- the sweep


@dataclass(frozen=True)
class EstimatorCurve:
    """One estimator over the τ grid of a :class:`SweepResult`; arrays of shape ``(T,)``.

    ``bias2 = |E[est] − ∇E f|²``, ``variance = tr Cov`` of one n-draw estimate,
    ``mse = bias2 + variance``. ``exact``: computed by enumeration (then
    ``bias2_se`` is 0). Otherwise ``bias2`` is the unbiased Monte Carlo estimate
    ``|mean − ∇|² − tr S/runs`` (it can come out negative) and ``bias2_se`` its
    standard error: values within about 2·``bias2_se`` of 0 are noise, not bias.
    """

    name: str
    label: str
    exact: bool
    bias2: FloatArray
    variance: FloatArray
    mse: FloatArray
    bias2_se: FloatArray


@dataclass(frozen=True)
class SweepResult:
    """What :func:`sweep` returns: ``taus`` ``(T,)``, the exact gradient (logits' shape),
    ``n`` draws per estimate, ``runs`` estimates per Monte Carlo point, and one
    :class:`EstimatorCurve` per estimator name, in the order asked for."""

    taus: FloatArray
    gradient: FloatArray
    n: int
    runs: int
    curves: dict[str, EstimatorCurve]


@dataclass(frozen=True)
class _Point:
    bias2: float
    variance: float
    bias2_se: float


def _monte_carlo_point(estimates: FloatArray, exact: FloatArray) -> _Point:
    r"""Unbiased bias² and variance from ``runs`` independent estimates ``X_r``.

    ``E|X̄ − ∇|² = |bias|² + tr Σ/R``, so ``|X̄ − ∇|² − tr S/R`` (S the unbiased
    sample covariance) is unbiased for ``|bias|²``; ``tr S`` for the variance.
    Standard error (normal approximation of X̄): ``Var|X̄ − ∇|² ≈ 2 tr Σ²/R² +
    4 bᵀΣb/R``, with ``bᵀΣb`` estimated by ``max(b̂ᵀSb̂ − tr S²/R, 0)``.
    """
    runs = len(estimates)
    x = estimates.reshape(runs, -1)
    b = x.mean(axis=0) - exact.reshape(-1)
    dev = x - x.mean(axis=0)
    cov = dev.T @ dev / (runs - 1)
    tr, tr2 = float(np.trace(cov)), float(np.sum(cov * cov))
    var = 2 * tr2 / runs**2 + 4 * max(float(b @ cov @ b) - tr2 / runs, 0.0) / runs
    return _Point(float(b @ b) - tr / runs, tr, math.sqrt(var))


def _exact_point(s: _Setting, name: str, n: int, exact: FloatArray) -> _Point:
    mean, variance = _exact_moments(s, name, n)
    return _Point(float(np.sum((mean - exact) ** 2)), variance, 0.0)


def _check_names(names: tuple[str, ...]) -> None:
    unknown = [name for name in names if name not in ESTIMATORS]
    if unknown or not names:
        raise ValueError(f"unknown estimator(s) {unknown}; choose from {list(ESTIMATORS)}")


def _check_work(taus: FloatArray, runs: int, n: int, per_draw: int) -> None:
    if taus.ndim != 1 or taus.size == 0:
        raise ValueError(f"taus must be a non-empty list of temperatures, got shape {taus.shape}")
    work = taus.size * runs * n * per_draw
    if work > MAX_SWEEP_WORK:
        raise ValueError(
            f"too much work: len(taus) = {taus.size} × runs = {runs} × n = {n} × "
            f"{per_draw} values per draw = {work:,} exceeds the cap of {MAX_SWEEP_WORK:,}"
        )


def sweep(
    logits: ArrayLike,
    objective: Objective,
    taus: ArrayLike,
    names: Collection[str],
    n: int,
    runs: int,
    rng: np.random.Generator,
    *,
    exact: bool = True,
    **options: object,
) -> SweepResult:
    """Bias², variance and MSE of the n-draw estimator of each name at each τ.

    Where the moments are exact by enumeration (:data:`EXACT`, unless
    ``exact=False``) the values are exact and draw nothing. The others draw, for
    each τ in order and each name in order, ``runs`` independent n-draw
    estimates (noise shape ``(runs, n, *logits.shape)``, then Gumbel-Rao's
    conditional samples) and report the unbiased statistics of
    :func:`_monte_carlo_point` with their standard error. The work
    ``len(taus)·runs·n·entries`` (× (m + 1) for Gumbel-Rao), summed over the
    Monte Carlo estimators, is capped at :data:`MAX_SWEEP_WORK`.
    """
    s = _setting(logits, objective, 1.0)
    m = _rao_samples(options)
    names = tuple(names)
    _check_names(names)
    n = check_integer(n, "the number of draws n", low=2 if "rloo" in names else 1, high=MAX_DRAWS)
    runs = check_integer(runs, "the number of runs", low=2, high=MAX_DRAWS)
    grid = validate_tau(taus).astype(np.float64)
    by_enumeration = set(EXACT) if exact else set()
    sampled = [name for name in names if name not in by_enumeration]
    _check_work(grid, runs, n, sum(_values_per_draw(x, s.theta.size, m) for x in sampled))
    gradient = _exact_gradient(s)
    points: dict[str, list[_Point]] = {name: [] for name in names}
    for tau in grid:
        at = _Setting(s.theta, s.pi, s.objective, float(tau))
        for name in names:
            if name in by_enumeration:
                points[name].append(_exact_point(at, name, n, gradient))
            else:
                g = sample_gumbel(rng, (runs, n, *s.theta.shape))
                estimates = _FROM_NOISE[name](at, g, rng, m).mean(axis=1)
                points[name].append(_monte_carlo_point(estimates, gradient))
    curves = {name: _curve(name, name in by_enumeration, points[name]) for name in names}
    return SweepResult(grid, gradient, n, runs, curves)


def _curve(name: str, exact: bool, points: list[_Point]) -> EstimatorCurve:
    bias2 = np.array([p.bias2 for p in points])
    variance = np.array([p.variance for p in points])
    se = np.array([p.bias2_se for p in points])
    return EstimatorCurve(name, LABELS[name], exact, bias2, variance, bias2 + variance, se)
