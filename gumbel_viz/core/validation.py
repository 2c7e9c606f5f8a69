"""Argument checks, each rule written once; every error names the value it refuses.

The public functions of :mod:`gumbel_viz.core` validate their arguments here, at
the boundary, and compute on what comes back without checking it again.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "as_float_array",
    "as_logits",
    "check_integer",
    "float_dtype",
    "validate_probabilities",
    "validate_tau",
]


def check_integer(
    value: object, name: str, low: int | None = None, high: int | None = None
) -> int:
    """``value`` as an ``int``, after checking it is an integer (not a bool) in [low, high].

    ``True`` is refused although Python counts it as 1: a checkbox's value is never
    a count. Either bound may be omitted.
    """
    integral = isinstance(value, Integral) and not isinstance(value, bool)
    if not (integral and (low is None or value >= low) and (high is None or value <= high)):
        raise ValueError(f"{name} must be an integer{_range_text(low, high)}, got {value!r}")
    return int(value)


def _range_text(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f" in [{low}, {high}]"
    if low is not None:
        return f" >= {low}"
    return "" if high is None else f" <= {high}"


def as_float_array(value: ArrayLike, name: str) -> NDArray[np.float64]:
    """``value`` as a float64 array; refuses text and other non-numbers by name."""
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numbers, got {value!r}") from None


def float_dtype(x: NDArray) -> np.dtype:
    """float16/32/64 are kept; everything else is computed in float64."""
    return x.dtype if np.issubdtype(x.dtype, np.floating) else np.dtype(np.float64)


def validate_tau(tau: ArrayLike) -> NDArray[np.float64]:
    """Return ``tau`` as an array after checking every entry is finite and > 0.

    ``tau = 0`` is the hard argmax, not a temperature: the softmax would divide by
    zero (PyTorch returns a silent NaN there). Ask for ``hard=True`` instead.
    """
    try:
        t = np.asarray(tau, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"temperature tau must be a number, got {tau!r}") from None
    bad = ~(np.isfinite(t) & (t > 0))
    if bad.any():
        raise ValueError(f"temperature tau must be finite and > 0, got {t[bad].flat[0]}")
    return t


def as_logits(logits: ArrayLike, *, ndim: int | None = None) -> NDArray[np.floating]:
    """Check logits of shape ``(..., k)``: k >= 2, no NaN, no +inf, not all -inf.

    The one rule for ``-inf``: it is the logit of a class of probability 0, allowed
    as long as some class in the row can be drawn. Floating dtypes are kept, others
    become float64. ``ndim`` (e.g. 1 for a single row) is checked when given.
    """
    x = np.asarray(logits)
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
        raise ValueError(f"logits must be numeric, got dtype {x.dtype}")
    x = x.astype(float_dtype(x), copy=False)
    if x.ndim == 0 or x.shape[-1] < 2:
        raise ValueError(f"need at least 2 classes on the last axis, got shape {x.shape}")
    if ndim is not None and x.ndim != ndim:
        raise ValueError(f"logits must have {ndim} dimension(s), got shape {x.shape}")
    if np.isfinite(x).all():  # one pass settles the common case (a batch of 10^6 rows)
        return x
    if np.isnan(x).any():
        raise ValueError(f"logits contain NaN: {_first_row_with(x, np.isnan(x))}")
    if np.isposinf(x).any():
        raise ValueError(
            "logits contain +inf (a class with infinite weight): "
            f"{_first_row_with(x, np.isposinf(x))}"
        )
    dead = np.isneginf(x).all(axis=-1)
    if dead.any():
        row = x.reshape(-1, x.shape[-1])[dead.reshape(-1)][0]
        raise ValueError(f"all logits are -inf (no class can be drawn): {row}")
    return x


def _first_row_with(x: NDArray, mask: NDArray[np.bool_]) -> NDArray:
    return x[mask.any(axis=-1)].reshape(-1, x.shape[-1])[0]


def validate_probabilities(probabilities: ArrayLike) -> NDArray[np.float64]:
    """Return the probabilities as float64 normalised to sum to 1 along the last axis.

    Entries must be finite and >= 0, each row must have at least 2 classes and a
    positive sum. Zeros are allowed (that class is never drawn).
    """
    p = as_float_array(probabilities, "probabilities")
    if p.ndim == 0 or p.shape[-1] < 2:
        raise ValueError(f"need at least 2 probabilities, got shape {p.shape}")
    if not np.isfinite(p).all():
        raise ValueError(
            f"probabilities must be finite, got {_first_row_with(p, ~np.isfinite(p))}"
        )
    if (p < 0).any():
        raise ValueError(f"probabilities must be >= 0, got {_first_row_with(p, p < 0)}")
    with np.errstate(over="ignore"):
        total = p.sum(axis=-1, keepdims=True)
    if not np.isfinite(total).all():
        # Huge entries (1e308, 1e308) overflow the sum: scale by the row max first.
        p = p / p.max(axis=-1, keepdims=True)
        total = p.sum(axis=-1, keepdims=True)
    if (total <= 0).any():
        raise ValueError("probabilities must have a positive sum, got all zeros")
    # Already normalised up to rounding: keep the values bit for bit, so that a
    # vector written out and read back (a shared link) gives the same logits.
    if (np.abs(total - 1) <= 8 * np.finfo(np.float64).eps).all():
        return p
    return p / total
