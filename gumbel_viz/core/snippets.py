r"""The current state as code: NumPy, PyTorch and JAX snippets that reproduce y exactly.

Each snippet writes the state's logits, its noise ``g`` and ``tau`` as literals that
read back to the same floats bit for bit (:func:`~gumbel_viz.core.numbers.exact_text`;
a logit of ``-inf``, a class of probability 0, as ``-np.inf``, ``-torch.inf`` or
``-jnp.inf``) and computes, in float64,

.. math:: y = \operatorname{softmax}\bigl((\text{logits} + g)/\tau\bigr),
          \qquad \text{computed as } w = (z - \max z)/\tau,\ y = e^w / \textstyle\sum e^w

with ``z = logits + g``: the max shift keeps ``exp`` in [0, 1] at any tau, and it is
the order of operations of :func:`~gumbel_viz.core.relaxation.gumbel_softmax`, so
the NumPy snippet's ``y`` equals the core's bit for bit and the others' to rounding
(1e-15).

Variables every snippet leaves behind, the same in all three:

* ``y``: the relaxed sample, what the explorer shows as y, whatever ``hard`` is;
* with ``hard=True`` also ``y_hard``, the one-hot vector of ``argmax(logits + g)``
  (the Gumbel-Max sample), and in PyTorch and JAX ``y_st = y_hard - stop_grad(y) + y``,
  the straight-through value: forward ``y_hard``, gradient that of ``y``;
* ``y_fresh``: a relaxed sample with fresh noise, drawn the framework's idiomatic way
  (NumPy ``rng.gumbel``, ``torch.nn.functional.gumbel_softmax``,
  ``jax.random.gumbel``); it never overwrites ``y``.

The NumPy snippet imports only NumPy. Nothing here imports PyTorch or JAX.

The ``read_*`` functions check the explorer's inputs (k <= MAX_CLASSES) for this
module, :mod:`.pitfalls` and :mod:`.topk`.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .numbers import exact_text
from .validation import (
    as_float_array,
    as_logits,
    check_integer,
    validate_probabilities,
    validate_tau,
)

__all__ = [
    "MAX_CLASSES",
    "Snippet",
    "State",
    "read_logits",
    "read_probabilities",
    "read_state",
    "read_tau",
    "snippets",
]

#: The most classes a snippet (and a pitfall) is written for: the explorer's k <= 12.
MAX_CLASSES = 12

_WIDTH = 88  # snippet lines wrap here (a practitioner's black/ruff default)


class State(NamedTuple):
    """One state of the explorer, validated: what y is computed from."""

    logits: NDArray[np.float64]  # (k,), -inf for pi = 0
    noise: NDArray[np.float64]  # (k,) Gumbel noise g, finite
    tau: float


def read_logits(logits: ArrayLike) -> NDArray[np.float64]:
    """One row of 2 <= k <= MAX_CLASSES logits as float64, by the rule of ``as_logits``.

    ``-inf`` (pi = 0) is allowed as long as some logit is finite.
    """
    x = as_logits(logits, ndim=1).astype(np.float64)
    check_integer(x.size, "the number of classes k", low=2, high=MAX_CLASSES)
    return x


def read_probabilities(probabilities: ArrayLike) -> NDArray[np.float64]:
    """One vector of 2 <= k <= MAX_CLASSES probabilities, normalised (zeros allowed)."""
    p = validate_probabilities(probabilities)
    if p.ndim != 1:
        raise ValueError(f"probabilities must be one vector, got shape {p.shape}")
    check_integer(p.size, "the number of classes k", low=2, high=MAX_CLASSES)
    return p


def read_tau(tau: ArrayLike) -> float:
    """One temperature, finite and > 0."""
    t = validate_tau(tau)
    if t.ndim != 0:
        raise ValueError(f"tau must be a single number, got shape {t.shape}")
    return float(t)


def read_state(logits: ArrayLike, noise: ArrayLike, tau: ArrayLike) -> State:
    """Check a state: :func:`read_logits`, k finite noise values, :func:`read_tau`."""
    x = read_logits(logits)
    g = as_float_array(noise, "noise")
    if g.shape != x.shape or not np.isfinite(g).all():
        raise ValueError(f"noise must be {x.size} finite numbers, got {noise!r}")
    return State(x, g, read_tau(tau))


@dataclass(frozen=True)
class Snippet:
    """One framework's code: ``code`` starts with the comment ``# {framework}``."""

    key: str  # "numpy", "pytorch", "jax"
    framework: str  # "NumPy", "PyTorch", "JAX"
    filename: str  # for a download, e.g. "gumbel_softmax_numpy.py"
    code: str


def snippets(
    logits: ArrayLike, noise: ArrayLike, tau: ArrayLike, hard: bool
) -> tuple[Snippet, Snippet, Snippet]:
    """The NumPy, PyTorch and JAX snippets of one state, in that order.

    Parameters
    ----------
    logits : (k,) the logits log pi (``-inf`` where pi = 0), 2 <= k <= MAX_CLASSES.
    noise : (k,) this draw's Gumbel noise g, finite.
    tau : the temperature, finite and > 0.
    hard : also write the one-hot forward ``y_hard`` (and the straight-through
        ``y_st`` in PyTorch and JAX); ``y`` stays the relaxed sample.

    Raises
    ------
    ValueError
        anything :func:`read_state` refuses, or ``hard`` not a bool.
    """
    state = read_state(logits, noise, tau)
    if not isinstance(hard, bool | np.bool_):
        raise ValueError(f"hard must be True or False, got {hard!r}")
    hard = bool(hard)
    return (
        Snippet("numpy", "NumPy", "gumbel_softmax_numpy.py", _numpy(state, hard)),
        Snippet("pytorch", "PyTorch", "gumbel_softmax_pytorch.py", _pytorch(state, hard)),
        Snippet("jax", "JAX", "gumbel_softmax_jax.py", _jax(state, hard)),
    )


# --------------------------------------------------------------------------- literals


def _numbers(values: NDArray[np.float64], minus_inf: str) -> list[str]:
    """Each value as text that reads back to the same float; ``-inf`` as ``minus_inf``."""
    return [minus_inf if v == -np.inf else exact_text(v) for v in values]


def _assign(name: str, opening: str, items: list[str], closing: str) -> str:
    """``name = opening[items]closing``, the items wrapped onto indented lines when long."""
    line = f"{name} = {opening}[{', '.join(items)}]{closing}"
    if len(line) <= _WIDTH:
        return line
    body = textwrap.fill(
        ", ".join(items) + ",",
        _WIDTH,
        initial_indent="    ",
        subsequent_indent="    ",
        break_on_hyphens=False,
        break_long_words=False,
    )
    return f"{name} = {opening}[\n{body}\n]{closing}"


def _literals(state: State, opening: str, closing: str, minus_inf: str) -> str:
    """The three assignments every snippet starts from, with what they mean."""
    logits = _assign("logits", opening, _numbers(state.logits, minus_inf), closing)
    noise = _assign("g", opening, _numbers(state.noise, minus_inf), closing)
    return f"""# logits are log-probabilities: pass log π, not π ({minus_inf} marks π = 0).
# Adding a constant to every logit changes nothing.
{logits}
# g: this draw's Gumbel(0, 1) noise, as the explorer shows it
{noise}
tau = {exact_text(state.tau)}"""


# --------------------------------------------------------------------------- NumPy


def _numpy(state: State, hard: bool) -> str:
    hard_part = (
        """
# hard=True: the one-hot forward value, argmax(logits + g) (the Gumbel-Max sample).
# NumPy has no autograd: the straight-through trick needs PyTorch or JAX.
y_hard = np.eye(len(logits))[np.argmax(logits + g)]
"""
        if hard
        else ""
    )
    return f"""# NumPy
# The explorer's sample y = softmax((logits + g) / tau), reproduced exactly.
import numpy as np

{_literals(state, "np.array(", ")", "-np.inf")}


def gumbel_softmax(logits, g, tau):
    z = logits + g
    w = np.exp((z - z.max(axis=-1, keepdims=True)) / tau)  # max-shifted: no overflow
    return w / w.sum(axis=-1, keepdims=True)


y = gumbel_softmax(logits, g, tau)  # the relaxed sample, as shown
{hard_part}
# Fresh noise, the idiomatic way: rng.gumbel(), or -np.log(rng.exponential()).
rng = np.random.default_rng()
y_fresh = gumbel_softmax(logits, rng.gumbel(size=logits.shape), tau)
"""


# --------------------------------------------------------------------------- PyTorch


def _pytorch(state: State, hard: bool) -> str:
    hard_part = (
        """
# hard=True: forward the one-hot argmax(logits + g), backward through y.
y_hard = F.one_hot(z.argmax(dim=-1), num_classes=z.shape[-1]).to(y.dtype)
y_st = y_hard - y.detach() + y  # straight-through: value y_hard, gradient of y
"""
        if hard
        else ""
    )
    literals = _literals(state, "torch.tensor(", ", dtype=torch.float64)", "-torch.inf")
    return f"""# PyTorch
# The explorer's sample y = softmax((logits + g) / tau), reproduced in float64.
import torch
import torch.nn.functional as F

{literals}

z = logits + g
y = torch.softmax((z - z.max(dim=-1, keepdim=True).values) / tau, dim=-1)  # as shown
{hard_part}
# Fresh noise, the idiomatic way: a new g on every call
# (with hard=True it returns the straight-through y_hard - y.detach() + y).
y_fresh = F.gumbel_softmax(logits, tau=tau, hard={hard})
"""


# --------------------------------------------------------------------------- JAX


def _jax(state: State, hard: bool) -> str:
    hard_part = (
        """
# hard=True: forward the one-hot argmax(logits + g), backward through y.
y_hard = jax.nn.one_hot(jnp.argmax(logits + g), len(logits), dtype=y.dtype)
y_st = y_hard - jax.lax.stop_gradient(y) + y  # straight-through: value y_hard
"""
        if hard
        else ""
    )
    return f"""# JAX
# The explorer's sample y = softmax((logits + g) / tau), reproduced in float64.
import jax
import jax.numpy as jnp

jax.config.update("jax_enable_x64", True)  # before any array: float64, as the explorer

{_literals(state, "jnp.array(", ")", "-jnp.inf")}


def gumbel_softmax(logits, g, tau):
    z = logits + g
    return jax.nn.softmax((z - z.max(axis=-1, keepdims=True)) / tau)  # max-shifted


y = gumbel_softmax(logits, g, tau)  # the relaxed sample, as shown
{hard_part}
# Fresh noise, the idiomatic way: split the key for every new draw.
key, subkey = jax.random.split(jax.random.key(0))
y_fresh = gumbel_softmax(logits, jax.random.gumbel(subkey, logits.shape), tau)
"""
