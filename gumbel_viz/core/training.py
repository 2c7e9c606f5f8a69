r"""Training the logits of a :class:`~.objectives.Problem` with each gradient estimator.

Every chosen estimator trains its own θ, of shape ``(m, k)``, from the problem's
starting logits, by Adam (Kingma & Ba 2015) gradient **descent** on the exact
objective :math:`\mathbb{E}_{z\sim\mathrm{Cat}(\mathrm{softmax}\,\theta)}[f(z)]`
(an energy: lower is better), using the estimator's n-draw estimate of its
gradient. The exact :math:`\mathbb{E}_\pi[f]` is recorded at every step (closed
form, :meth:`~.objectives.Objective.expected_value`).

Seeds: step t draws from ``generator(seed, t, Stream.TRAINING)``: first the
Gumbel noise ``g`` of shape ``(n, m, k)``, shared by every estimator (common
random numbers: at step t each estimator draws ``D = onehot(argmax(θ + g))`` from
its own θ with the same g), then Gumbel-Rao's conditional samples. A seed
replays a run bit for bit, and an estimator's θ does not depend on which
others train beside it (bit for bit; the recorded ``E_π[f]``, one matrix
product for all of them, to rounding). The steps call the estimators' unchecked internals
(``estimators._FROM_NOISE``) on arguments checked once, by :func:`training`.

:func:`training` yields a :class:`TrainingResult` every ``report_every`` steps
(stop early by leaving the loop); :func:`train` runs to the end.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .annealing import anneal_schedule
from .estimators import (
    _FROM_NOISE,
    ESTIMATORS,
    _rao_samples,
    _Setting,
    _softmax,
    _values_per_draw,
)
from .objectives import Problem
from .relaxation import sample_gumbel
from .streams import Stream, generator
from .validation import as_float_array, check_integer, validate_tau

__all__ = [
    "BETA1",
    "BETA2",
    "EPSILON",
    "MAX_LEARNING_RATE",
    "MAX_STEPS",
    "MAX_TRAINING_DRAWS",
    "MAX_TRAINING_WORK",
    "Adam",
    "Annealing",
    "TrainingResult",
    "temperatures",
    "train",
    "training",
]

MAX_STEPS = 10**4
MAX_TRAINING_DRAWS = 1000  # n per step
MAX_TRAINING_WORK = 2 * 10**7  # steps · n · entries, summed over the estimators (· (m + 1) for GR)
MAX_LEARNING_RATE = 10.0
BETA1, BETA2, EPSILON = 0.9, 0.999, 1e-8  # Kingma & Ba 2015, Algorithm 1 defaults

FloatArray = NDArray[np.float64]


# --------------------------------------------------------------------------- Adam


class Adam:
    r"""Adam (Kingma & Ba, *Adam: A method for stochastic optimization*, ICLR 2015, Alg. 1).

    With gradient :math:`g_t` at step t = 1, 2, …:
    :math:`m_t = β_1 m_{t-1} + (1-β_1) g_t`, :math:`v_t = β_2 v_{t-1} + (1-β_2) g_t^2`,
    :math:`\hat m_t = m_t/(1-β_1^t)`, :math:`\hat v_t = v_t/(1-β_2^t)`,
    :math:`θ_t = θ_{t-1} - α\,\hat m_t/(\sqrt{\hat v_t} + ε)`; β₁ = 0.9, β₂ = 0.999,
    ε = 1e-8. A coordinate at −inf (a class of probability 0) gets gradient 0 and
    stays at −inf.
    """

    def __init__(self, shape: tuple[int, ...], lr: float) -> None:
        self.lr = lr
        self.t = 0
        self.m = np.zeros(shape)
        self.v = np.zeros(shape)

    def step(self, theta: FloatArray, grad: FloatArray) -> FloatArray:
        """The next θ: one descent step along ``grad``."""
        self.t += 1
        self.m = BETA1 * self.m + (1 - BETA1) * grad
        self.v = BETA2 * self.v + (1 - BETA2) * grad * grad
        m_hat = self.m / (1 - BETA1**self.t)
        v_hat = self.v / (1 - BETA2**self.t)
        return theta - self.lr * m_hat / (np.sqrt(v_hat) + EPSILON)


# --------------------------------------------------------------------------- temperature


@dataclass(frozen=True)
class Annealing:
    """``τ(t) = max(τ_min, τ₀·exp(−r·N·⌊t/N⌋))`` (Jang et al. 2017, §4.2), N = ``every``."""

    tau0: float
    rate: float
    tau_min: float
    every: int


def temperatures(steps: int, tau: float | Annealing) -> FloatArray:
    """τ at each of ``steps`` steps, shape ``(steps,)``: a fixed τ or an :class:`Annealing`."""
    steps = check_integer(steps, "steps", low=1, high=MAX_STEPS)
    if isinstance(tau, Annealing):
        starts, values = anneal_schedule(steps, tau.tau0, tau.rate, tau.tau_min, tau.every)
        return np.repeat(values, np.diff(np.append(starts, steps)))
    t = validate_tau(tau)
    if t.ndim != 0:
        raise ValueError(f"tau must be one number or an Annealing, got shape {t.shape}")
    return np.full(steps, float(t))


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class TrainingResult:
    """The state of a run after ``steps_done`` of ``steps`` steps.

    Attributes
    ----------
    problem : the problem's name.
    names : the estimators, in the order asked for.
    steps, steps_done : planned and done; ``done`` when they are equal.
    taus : ``(steps,)``, τ at every planned step.
    expected : ``{name: (steps_done + 1,)}``, the exact ``E_π[f]`` at θ₀ … θ_steps_done.
    probabilities : ``{name: (m, k)}``, π = softmax θ now.
    sample : ``{name: (m,)}``, the classes of the first draw of the last step
        (``argmax(θ + g)`` before that step's update), the start's argmax before any step.
    optimum : the minimum energy and its classes ``(m,)`` (by enumeration).
    """

    problem: str
    names: tuple[str, ...]
    steps: int
    steps_done: int
    taus: FloatArray
    expected: dict[str, FloatArray]
    probabilities: dict[str, FloatArray]
    sample: dict[str, NDArray[np.intp]]
    optimum: tuple[float, NDArray[np.intp]]

    @property
    def done(self) -> bool:
        return self.steps_done == self.steps


@dataclass(frozen=True)
class _Plan:
    problem: Problem
    names: tuple[str, ...]
    taus: FloatArray
    n: int
    lr: float
    seed: int
    m: int
    report_every: int
    optimum: tuple[float, NDArray[np.intp]]


def _names(names: Collection[str]) -> tuple[str, ...]:
    names = tuple(names)
    unknown = [name for name in names if name not in ESTIMATORS]
    if unknown or not names or len(set(names)) != len(names):
        raise ValueError(f"estimators must be distinct names of {list(ESTIMATORS)}, got {names}")
    return names


def _plan(
    problem: Problem,
    names: Collection[str],
    steps: int,
    n: int,
    lr: float,
    tau: float | Annealing,
    seed: int,
    report_every: int,
    options: dict[str, object],
) -> _Plan:
    if not isinstance(problem, Problem):
        raise ValueError(f"problem must be a Problem, got {problem!r}")
    names = _names(names)
    taus = temperatures(steps, tau)
    n = check_integer(
        n, "the number of draws n", low=2 if "rloo" in names else 1, high=MAX_TRAINING_DRAWS
    )
    rate = as_float_array(lr, "the learning rate")
    if not (rate.ndim == 0 and np.isfinite(rate) and 0 < rate <= MAX_LEARNING_RATE):
        raise ValueError(f"the learning rate must be in (0, {MAX_LEARNING_RATE:g}], got {lr!r}")
    m = _rao_samples(options)
    size = int(np.prod(problem.shape))
    work = taus.size * n * sum(_values_per_draw(name, size, m) for name in names)
    if work > MAX_TRAINING_WORK:
        raise ValueError(
            f"too much work: {taus.size} steps × n = {n} × {len(names)} estimators come to "
            f"{work:,} values, more than the cap of {MAX_TRAINING_WORK:,}"
        )
    seed = check_integer(seed, "seed", low=0)
    report_every = check_integer(report_every, "report_every", low=1)
    optimum = problem.objective.optimum()
    return _Plan(problem, names, taus, n, float(rate), seed, m, report_every, optimum)


# --------------------------------------------------------------------------- the run


def training(
    problem: Problem,
    names: Collection[str],
    steps: int,
    n: int,
    lr: float,
    tau: float | Annealing,
    seed: int,
    *,
    report_every: int = 100,
    **options: object,
) -> Iterator[TrainingResult]:
    """Train every estimator of ``names`` side by side; yield a result every ``report_every``.

    Arguments are checked here, before the first step: ``steps <= MAX_STEPS``,
    ``n <= MAX_TRAINING_DRAWS`` (>= 2 with RLOO), ``0 < lr <= MAX_LEARNING_RATE``,
    ``tau`` a fixed temperature or an :class:`Annealing`, ``seed >= 0``, the total
    work within :data:`MAX_TRAINING_WORK`; the one option is Gumbel-Rao's ``m``.
    The last result has ``done`` set.
    """
    return _run(_plan(problem, names, steps, n, lr, tau, seed, report_every, options))


def train(
    problem: Problem,
    names: Collection[str],
    steps: int,
    n: int,
    lr: float,
    tau: float | Annealing,
    seed: int,
    **options: object,
) -> TrainingResult:
    """:func:`training` run to the end: the final :class:`TrainingResult`."""
    plan = _plan(problem, names, steps, n, lr, tau, seed, steps, options)
    *_, last = _run(plan)
    return last


def _run(plan: _Plan) -> Iterator[TrainingResult]:
    """The steps, on the estimators' unchecked internals: :func:`_plan` checked everything.

    The θ of all estimators are stacked on a leading axis, so that Adam (elementwise),
    the softmax and the exact objective run once per step for all of them.
    """
    objective, start = plan.problem.objective, plan.problem.logits
    theta = np.repeat(start[np.newaxis], len(plan.names), axis=0)  # (estimators, m, k)
    pi = _softmax(theta)
    adam = Adam(theta.shape, plan.lr)
    expected = np.empty((plan.taus.size + 1, len(plan.names)))
    expected[0] = objective._expected_value(pi)
    sample = theta.argmax(axis=-1)
    grad = np.empty_like(theta)
    for t, tau in enumerate(plan.taus):
        rng = generator(plan.seed, t, Stream.TRAINING)
        g = sample_gumbel(rng, (plan.n, *start.shape))
        for i, name in enumerate(plan.names):
            s = _Setting(theta[i], pi[i], objective, float(tau))
            grad[i] = _FROM_NOISE[name](s, g, rng, plan.m).sum(axis=0) / plan.n
        sample = (theta + g[0]).argmax(axis=-1)
        theta = adam.step(theta, grad)
        pi = _softmax(theta)
        expected[t + 1] = objective._expected_value(pi)
        if (t + 1) % plan.report_every == 0 or t + 1 == plan.taus.size:
            yield _result(plan, t + 1, expected, pi, sample)


def _result(
    plan: _Plan,
    done: int,
    expected: FloatArray,
    pi: FloatArray,
    sample: NDArray[np.intp],
) -> TrainingResult:
    names = plan.names
    return TrainingResult(
        problem=plan.problem.name,
        names=names,
        steps=plan.taus.size,
        steps_done=done,
        taus=plan.taus.copy(),
        expected={name: expected[: done + 1, i].copy() for i, name in enumerate(names)},
        probabilities={name: pi[i].copy() for i, name in enumerate(names)},
        sample={name: sample[i].copy() for i, name in enumerate(names)},
        optimum=plan.optimum,
    )
