r"""Objectives of categorical choices: what the gradient estimators and training optimise.

Convention: every objective is an **energy to minimise**. The estimators of
:mod:`.estimators` estimate :math:`\nabla_\theta \mathbb{E}[f(z)]` and
:mod:`.training` does gradient *descent* on :math:`\mathbb{E}[f(z)]`, so a
"reward" is a negative energy.

Two kinds of objective, both batched over leading axes:

* one categorical, ``z`` of shape ``(..., k)`` (a one-hot vertex ``e_i`` of the
  simplex, or a relaxed point inside it): :class:`Linear`, :class:`Quadratic`,
  :class:`Toy`, all :class:`OneHotObjective`;
* ``m`` independent categoricals of ``k`` classes, ``z`` of shape ``(..., m, k)``
  (one one-hot per row): :class:`PairwiseObjective`, and :class:`SingleRow`, a
  one-categorical objective seen as ``m = 1`` row.

Every objective has ``shape`` (``(k,)`` or ``(m, k)``), ``value(z) -> (...)``,
``grad(z) = ∂f/∂z -> (..., *shape)``, ``expected_value(π)`` (the exact
:math:`\mathbb{E}_{z\sim\pi}[f(z)]`), ``expected_grad(π)`` (its gradient in π,
each row's π a free vector) and ``optimum()`` (the discrete minimum, by
enumeration). :class:`Problem` bundles an ``(m, k)`` objective with the logits
training starts from; :data:`PROBLEMS` and :data:`PRESETS` name the ready-made ones.

Caps: ``k <= 12`` classes, ``m·k <= 24`` entries, every coefficient
``|·| <= 1e6`` (squares of bigger numbers overflow quickly).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .validation import as_float_array, as_logits, check_integer, validate_probabilities

__all__ = [
    "ATOM_TYPES",
    "MAX_CLASSES",
    "MAX_ENTRIES",
    "MAX_ENTRY",
    "PRESETS",
    "PROBLEMS",
    "QUADRATIC_SEED",
    "REBAR_T",
    "Linear",
    "Objective",
    "OneHotObjective",
    "PairwiseObjective",
    "Problem",
    "Quadratic",
    "SingleRow",
    "Toy",
    "one_hot_outcomes",
    "preset",
    "problem",
]

MAX_CLASSES = 12  # k, classes of one categorical
MAX_ENTRIES = 24  # m·k, entries of z for m categoricals
MAX_ENTRY = 1e6  # |coefficient|: bigger values make squared errors overflow
REBAR_T = 0.499  # the target of the REBAR/RELAX toy
QUADRATIC_SEED = 20170101  # the "random quadratic" preset of k classes is drawn from [this, k]

FloatArray = NDArray[np.float64]


# --------------------------------------------------------------------------- checks


def _coefficients(value: ArrayLike, name: str, shape: tuple[int, ...] | None = None) -> FloatArray:
    """``value`` as float64 of ``shape`` (if given), finite, every entry within ±MAX_ENTRY."""
    x = as_float_array(value, name)
    if shape is not None and x.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError(f"{name} must be finite, got {x}")
    if (np.abs(x) > MAX_ENTRY).any():
        raise ValueError(
            f"{name} has an entry {x.flat[np.argmax(np.abs(x))]:g} beyond ±{MAX_ENTRY:g}: "
            "bigger values overflow squared errors"
        )
    return x


def _classes(k: int) -> int:
    return check_integer(k, "the number of classes k", low=2, high=MAX_CLASSES)


def _symmetric(a: FloatArray, name: str) -> FloatArray:
    """``a`` after checking ``a == aᵀ`` to rounding (1e-12 relative); returns ``(a + aᵀ)/2``."""
    tol = 1e-12 * max(1.0, float(np.abs(a).max(initial=0.0)))
    if not np.allclose(a, a.T, rtol=0, atol=tol):
        raise ValueError(f"{name} must be symmetric, got {a}")
    return (a + a.T) / 2


def one_hot_outcomes(shape: tuple[int, ...]) -> FloatArray:
    """Every one-hot ``z`` of ``shape`` ``(k,)`` or ``(m, k)``: shape ``(k**m, *shape)``.

    Row ``a`` of the result picks class ``a_i`` in row ``i``, in lexicographic
    order (the first row varies slowest): the order :meth:`Objective.optimum`
    breaks ties in.
    """
    m, k = math.prod(shape[:-1]), shape[-1]
    picks = np.indices((k,) * m).reshape(m, -1).T  # (k**m, m)
    return np.eye(k)[picks].reshape(-1, *shape)


# --------------------------------------------------------------------------- the interface


class Objective(ABC):
    """An energy ``f(z)`` of one-hot rows ``z`` of :attr:`shape`, to be minimised.

    The public methods check their argument's shape and call the unchecked
    ``_value``/``_grad``/``_expected_*`` that subclasses write and that the
    estimators call on arrays they built themselves. ``_value``, ``_grad`` and
    ``_expected_value`` take leading batch axes (training evaluates every
    estimator's π at once); ``_expected_grad`` takes one π.
    """

    shape: tuple[int, ...]

    def value(self, z: ArrayLike) -> FloatArray:
        """``f(z)`` for ``z`` of shape ``(..., *shape)``: shape ``(...)``."""
        return self._value(self._points(z))

    def grad(self, z: ArrayLike) -> FloatArray:
        """``∂f/∂z`` for ``z`` of shape ``(..., *shape)``: the same shape."""
        return self._grad(self._points(z))

    def expected_value(self, probabilities: ArrayLike) -> float:
        """``E_{z~Cat(π)}[f(z)]`` exactly, for π of :attr:`shape` (rows independent)."""
        return float(self._expected_value(self._probabilities(probabilities)))

    def expected_grad(self, probabilities: ArrayLike) -> FloatArray:
        """``∂E_π[f]/∂π``, each row's π varied freely (not kept on the simplex)."""
        return self._expected_grad(self._probabilities(probabilities))

    def optimum(self) -> tuple[float, NDArray[np.intp]]:
        """The minimum of f over the one-hot outcomes and the classes that reach it.

        By enumeration of all ``k**m`` outcomes (at most ``3**8 = 6561``, since
        ``m·k <= 24``); ties go to the first in :func:`one_hot_outcomes`' order.
        The classes have shape ``shape[:-1]``: ``()`` for one categorical, ``(m,)``.
        """
        outcomes = one_hot_outcomes(self.shape)
        best = int(np.argmin(self._value(outcomes)))
        return float(self._value(outcomes[best])), np.asarray(outcomes[best].argmax(axis=-1))

    def _points(self, z: ArrayLike) -> FloatArray:
        x = as_float_array(z, "z")
        if x.shape[x.ndim - len(self.shape) :] != self.shape:
            expected = ", ".join(map(str, self.shape))
            raise ValueError(f"z must have shape (..., {expected}), got {x.shape}")
        return x

    def _probabilities(self, probabilities: ArrayLike) -> FloatArray:
        p = validate_probabilities(probabilities)
        if p.shape != self.shape:
            raise ValueError(f"probabilities must have shape {self.shape}, got {p.shape}")
        return p

    @abstractmethod
    def _value(self, z: FloatArray) -> FloatArray: ...

    @abstractmethod
    def _grad(self, z: FloatArray) -> FloatArray: ...

    @abstractmethod
    def _expected_value(self, p: FloatArray) -> FloatArray: ...

    @abstractmethod
    def _expected_grad(self, p: FloatArray) -> FloatArray: ...


# --------------------------------------------------------------------------- one categorical


class OneHotObjective(Objective):
    r"""An objective of one categorical of ``k`` classes, ``z`` of shape ``(..., k)``.

    On the one-hot vertices it takes the values :math:`F_i = f(e_i)`
    (:meth:`vertex_values`), so :math:`\mathbb{E}_\pi[f(z)] = \pi\cdot F` and
    :math:`\partial\mathbb{E}/\partial\pi = F` whatever f does between vertices.
    """

    k: int

    @property
    def shape(self) -> tuple[int, ...]:
        return (self.k,)

    def vertex_values(self) -> FloatArray:
        """``F_i = f(e_i)``, shape ``(k,)``."""
        return self._value(np.eye(self.k))

    def _expected_value(self, p: FloatArray) -> FloatArray:
        return p @ self.vertex_values()

    def _expected_grad(self, p: FloatArray) -> FloatArray:
        return self.vertex_values()


class Linear(OneHotObjective):
    """``f(z) = c·z``, ``∂f/∂z = c``: ``F = c``."""

    def __init__(self, c: ArrayLike) -> None:
        self.c = _coefficients(c, "c")
        if self.c.ndim != 1:
            raise ValueError(f"c must be a vector, got shape {self.c.shape}")
        self.k = _classes(self.c.size)

    def _value(self, z: FloatArray) -> FloatArray:
        return z @ self.c

    def _grad(self, z: FloatArray) -> FloatArray:
        return np.broadcast_to(self.c, z.shape).copy()


class Quadratic(OneHotObjective):
    """``f(z) = ½ zᵀAz + bᵀz`` with A symmetric, ``∂f/∂z = Az + b``: ``F_i = ½A_ii + b_i``."""

    def __init__(self, A: ArrayLike, b: ArrayLike) -> None:
        self.b = _coefficients(b, "b")
        if self.b.ndim != 1:
            raise ValueError(f"b must be a vector, got shape {self.b.shape}")
        self.k = _classes(self.b.size)
        self.A = _symmetric(_coefficients(A, "A", (self.k, self.k)), "A")

    def _value(self, z: FloatArray) -> FloatArray:
        return 0.5 * np.einsum("...i,ij,...j->...", z, self.A, z) + z @ self.b

    def _grad(self, z: FloatArray) -> FloatArray:
        return z @ self.A + self.b


class Toy(OneHotObjective):
    r"""The REBAR/RELAX toy, ``k = 2``: ``f(z) = (z₂ − t)²``, ``∂f/∂z = (0, 2(z₂ − t))``.

    ``z₂ = 1`` is the Bernoulli outcome b of the toy problem of Tucker et al.
    2017 (REBAR) and Grathwohl et al. 2018 (RELAX). With ``p = π₂ = P(b = 1)``,
    :math:`\mathbb{E}f = (1-p)t^2 + p(1-t)^2` and
    :math:`d\mathbb{E}/dp = 1 - 2t`: 0.002 at t = 0.499, so the minimum is b = 0 by
    a margin a sign error flips. In the logits θ, :math:`\nabla_\theta\mathbb{E} =
    p(1-p)(1-2t)\,(-1, +1)`: ±0.0005 at p = ½.
    """

    k = 2

    def __init__(self, t: float = REBAR_T) -> None:
        self.t = float(_coefficients(t, "t", ()))

    def _value(self, z: FloatArray) -> FloatArray:
        return (z[..., 1] - self.t) ** 2

    def _grad(self, z: FloatArray) -> FloatArray:
        g = np.zeros_like(z)
        g[..., 1] = 2 * (z[..., 1] - self.t)
        return g


# --------------------------------------------------------------------------- m categoricals


def _multi_shape(m: int, k: int) -> tuple[int, int]:
    m = check_integer(m, "the number of categoricals m", low=1)
    k = _classes(k)
    if m * k > MAX_ENTRIES:
        raise ValueError(f"m·k = {m}·{k} = {m * k} exceeds the cap of {MAX_ENTRIES} entries")
    return m, k


class PairwiseObjective(Objective):
    r"""``f(z) = Σ_i b_iᵀz_i + Σ_{i<j} z_iᵀ W_ij z_j`` for m one-hot rows ``z_i`` of k classes.

    ``b`` has shape ``(m, k)``, ``W`` shape ``(m, m, k, k)`` with ``W_ij = W_jiᵀ``
    and ``W_ii = 0``. Then ``f(z) = Σ_i z_i·(b_i + ½ Σ_j W_ij z_j)`` and
    ``∂f/∂z_i = b_i + Σ_j W_ij z_j``. Because ``W_ii = 0``, f is linear in each row
    separately, so for independent rows ``z_i ~ Cat(π_i)``
    :math:`\mathbb{E}f = \sum_i b_i^\top\pi_i + \sum_{i<j}\pi_i^\top W_{ij}\pi_j = f(\pi)`
    exactly, and ``∂E/∂π_i = b_i + Σ_j W_ij π_j``.

    Internally ``W`` is the symmetric ``(m·k, m·k)`` matrix of the flattened rows.
    """

    def __init__(self, b: ArrayLike, W: ArrayLike) -> None:
        self.b = _coefficients(b, "b")
        if self.b.ndim != 2:
            raise ValueError(f"b must have shape (m, k), got {self.b.shape}")
        self.m, self.k = _multi_shape(*self.b.shape)
        m, k = self.shape
        self.W = _coefficients(W, "W", (m, m, k, k))
        diagonal = self.W[np.arange(m), np.arange(m)]
        if diagonal.any():
            raise ValueError(f"W_ii must be 0 (no pair of a row with itself), got {diagonal}")
        flat = self.W.transpose(0, 2, 1, 3).reshape(m * k, m * k)
        self._flat_w = _symmetric(flat, "W (W_ij must equal W_jiᵀ)")
        self._flat_b = self.b.reshape(-1)

    @property
    def shape(self) -> tuple[int, ...]:
        return (self.m, self.k)

    def _value(self, z: FloatArray) -> FloatArray:
        flat = z.reshape(*z.shape[:-2], -1)
        return np.einsum("...i,...i->...", flat, self._flat_b + 0.5 * (flat @ self._flat_w))

    def _grad(self, z: FloatArray) -> FloatArray:
        flat = z.reshape(*z.shape[:-2], -1)
        return (self._flat_b + flat @ self._flat_w).reshape(z.shape)

    def _expected_value(self, p: FloatArray) -> FloatArray:
        return self._value(p)

    def _expected_grad(self, p: FloatArray) -> FloatArray:
        return self._grad(p)


class SingleRow(Objective):
    """A one-categorical objective seen as ``m = 1`` row: ``z`` of shape ``(..., 1, k)``.

    Lets training treat every problem as ``θ`` of shape ``(m, k)``.
    """

    def __init__(self, objective: OneHotObjective) -> None:
        self.objective = objective
        self.shape = (1, objective.k)

    def _value(self, z: FloatArray) -> FloatArray:
        return self.objective._value(z[..., 0, :])

    def _grad(self, z: FloatArray) -> FloatArray:
        return self.objective._grad(z[..., 0, :])[..., np.newaxis, :]

    def _expected_value(self, p: FloatArray) -> FloatArray:
        return self.objective._expected_value(p[..., 0, :])

    def _expected_grad(self, p: FloatArray) -> FloatArray:
        return self.objective._expected_grad(p[0])[np.newaxis]


# --------------------------------------------------------------------------- presets


def _one_class(pi: FloatArray, index: int) -> Linear:
    """Reward class ``index``: energy ``c = −e_index`` (the minimum is that class)."""
    return Linear(-np.eye(pi.size)[index])


def _random_quadratic(pi: FloatArray) -> Quadratic:
    """``A = (M + Mᵀ)/2`` and ``b``, M and b standard normal from seed [QUADRATIC_SEED, k]."""
    rng = np.random.default_rng([QUADRATIC_SEED, pi.size])
    a = rng.standard_normal((pi.size, pi.size))
    return Quadratic((a + a.T) / 2, rng.standard_normal(pi.size))


def _rebar_toy(pi: FloatArray) -> Toy:
    if pi.size != 2:
        raise ValueError(f"the REBAR toy has k = 2 classes, got k = {pi.size}")
    return Toy(REBAR_T)


#: One-categorical objectives as functions of the class probabilities π (ties to the
#: lowest index). Rewards are negative energies: "reward the rarest class" is
#: ``c = −e_{argmin π}``, "reward the likeliest class" ``c = −e_{argmax π}``;
#: "linear ramp" ``c_i = i`` for the class numbers i = 1..k; "random quadratic" a
#: fixed :class:`Quadratic` per k; "REBAR toy (t = 0.499)" :class:`Toy`, k = 2 only.
PRESETS: dict[str, Callable[[FloatArray], OneHotObjective]] = {
    "reward the rarest class": lambda pi: _one_class(pi, int(np.argmin(pi))),
    "reward the likeliest class": lambda pi: _one_class(pi, int(np.argmax(pi))),
    "linear ramp": lambda pi: Linear(np.arange(1.0, pi.size + 1)),
    "random quadratic": _random_quadratic,
    "REBAR toy (t = 0.499)": _rebar_toy,
}


def _one_categorical_probabilities(probabilities: ArrayLike) -> FloatArray:
    pi = validate_probabilities(probabilities)
    if pi.ndim != 1:
        raise ValueError(f"probabilities must be one vector, got shape {pi.shape}")
    _classes(pi.size)
    return pi


def preset(name: str, probabilities: ArrayLike) -> OneHotObjective:
    """The objective of preset ``name`` (a key of :data:`PRESETS`) for class probabilities π."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {list(PRESETS)}")
    return PRESETS[name](_one_categorical_probabilities(probabilities))


# --------------------------------------------------------------------------- problems


@dataclass(frozen=True, eq=False)
class Problem:
    """What training minimises: an objective of ``z`` of shape ``(m, k)`` and where θ starts.

    ``objective`` is a :class:`PairwiseObjective` or a :class:`SingleRow`;
    ``logits`` the starting θ, shape ``(m, k)`` (``-inf`` for a class of probability 0).
    """

    name: str
    objective: PairwiseObjective | SingleRow
    logits: FloatArray

    def __post_init__(self) -> None:
        logits = as_logits(self.logits).astype(np.float64)
        if logits.shape != self.objective.shape:
            raise ValueError(
                f"logits must have the objective's shape {self.objective.shape}, "
                f"got {logits.shape}"
            )
        object.__setattr__(self, "logits", logits)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.objective.shape


#: Molecule class names, in class order.
ATOM_TYPES = ("donor", "acceptor", "neutral")


def _molecule() -> PairwiseObjective:
    r"""A ring of m = 4 atoms of k = 3 types: donor (δ+), acceptor (δ−), neutral.

    Site energies: a charged atom costs 0.3, a neutral one 0; atom 1 carries a
    substituent that stabilises a donor (its donor costs −0.3). Bonds (0-1, 1-2,
    2-3, 3-0): donor-acceptor attract (−1), like charges repel (+0.5), neutral
    pairs −0.1, a neutral next to a charge 0. Charges prefer to alternate round
    the ring; of the two alternations the substituent picks the one with a donor
    on atom 1: the unique optimum is (acceptor, donor, acceptor, donor), energy
    −3.4; the other alternation is next at −2.8, then −1.7 (one neutral); all
    neutral −0.4; atom by atom (ignoring the bonds) the best is
    (neutral, donor, neutral, neutral); E = 1/9 at the uniform start.
    """
    m = 4
    site = np.array([0.3, 0.3, 0.0])
    b = np.tile(site, (m, 1))
    b[1, 0] = -0.3
    bond = np.array([[0.5, -1.0, 0.0], [-1.0, 0.5, 0.0], [0.0, 0.0, -0.1]])
    w = np.zeros((m, m, 3, 3))
    for i in range(m):
        j = (i + 1) % m
        w[i, j] = w[j, i] = bond
    return PairwiseObjective(b, w)


def _molecule_problem(probabilities: ArrayLike | None) -> Problem:
    if probabilities is not None:
        raise ValueError("the molecule problem starts from uniform π: pass no probabilities")
    objective = _molecule()
    return Problem("molecule", objective, np.zeros(objective.shape))


def _preset_problem(name: str) -> Callable[[ArrayLike | None], Problem]:
    def build(probabilities: ArrayLike | None) -> Problem:
        if probabilities is None:
            raise ValueError(f"the {name!r} problem needs the class probabilities π")
        pi = _one_categorical_probabilities(probabilities)
        with np.errstate(divide="ignore"):
            logits = np.log(pi)[np.newaxis]
        return Problem(name, SingleRow(PRESETS[name](pi)), logits)

    return build


#: Training problems by name: "molecule" (m = 4, k = 3, starts uniform, takes no π)
#: and every preset of :data:`PRESETS` as m = 1 (needs π: it defines the objective
#: and the start θ = log π).
PROBLEMS: dict[str, Callable[[ArrayLike | None], Problem]] = {
    "molecule": _molecule_problem,
    **{name: _preset_problem(name) for name in PRESETS},
}


def problem(name: str, probabilities: ArrayLike | None = None) -> Problem:
    """The training problem ``name`` (a key of :data:`PROBLEMS`)."""
    if name not in PROBLEMS:
        raise ValueError(f"unknown problem {name!r}; choose one of {list(PROBLEMS)}")
    return PROBLEMS[name](probabilities)
