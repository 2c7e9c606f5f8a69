r"""The density of the Concrete (Gumbel-Softmax) distribution, in NumPy alone.

For logits with class probabilities :math:`\pi = \mathrm{softmax}(\text{logits})` and a
temperature :math:`\tau > 0`, the relaxed sample
:math:`y = \mathrm{softmax}((\log\pi + g)/\tau)` has, on the open simplex, the density
(Jang et al. 2017, eq. 3; Maddison et al. 2017, Definition 1)

.. math::
    p(y) = \Gamma(k)\,\tau^{k-1}
           \Bigl(\sum_{i=1}^k \pi_i\,y_i^{-\tau}\Bigr)^{-k}
           \prod_{i=1}^k \pi_i\,y_i^{-\tau-1}

with respect to Lebesgue measure on the first ``k - 1`` coordinates
:math:`(y_1, \dots, y_{k-1})` (the last one is :math:`1 - \sum_{i<k} y_i`).

Everything is evaluated from ``log y``: near a corner some :math:`y_i` underflow to 0
(and :math:`y_i^{-\tau}` overflows) long before the log density stops being an ordinary
number. Use :func:`gumbel_viz.core.log_gumbel_softmax` to get ``log y`` of samples.

Ternary coordinates (k = 3)
---------------------------
:func:`to_cartesian` maps a point of the 2-simplex to the plane with the vertices

* class 1, ``y = (1, 0, 0)`` -> ``(0, 0)``
* class 2, ``y = (0, 1, 0)`` -> ``(1, 0)``
* class 3, ``y = (0, 0, 1)`` -> ``(1/2, sqrt(3)/2)``

an equilateral triangle of side 1: ``x = y_2 + y_3 / 2``, ``y = (sqrt(3)/2) y_3``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import logsumexp

from .validation import as_float_array, as_logits, check_integer, validate_tau

__all__ = [
    "MAX_RESOLUTION",
    "TRIANGLE_VERTICES",
    "binary_concrete_log_density",
    "concrete_log_density",
    "log_convex_threshold",
    "ternary_grid",
    "to_cartesian",
    "total_probability",
]

#: ``log p(y)`` from ``(log_y, logits, tau)``, like :func:`concrete_log_density`.
LogDensity = Callable[[NDArray[np.float64], NDArray[np.float64], float], NDArray[np.float64]]

#: The largest ``resolution`` :func:`ternary_grid` accepts (resolution**2 points).
MAX_RESOLUTION = 400

#: Cartesian positions of the vertices of classes 1, 2 and 3, shape (3, 2).
TRIANGLE_VERTICES = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, math.sqrt(3) / 2]])

# |log sum_i y_i| above this means the points are not on the simplex.
_SIMPLEX_ATOL = 1e-6


def _log_pi(logits: ArrayLike) -> NDArray[np.float64]:
    """``log softmax(logits)`` after checking every logit is finite (any shift allowed)."""
    x = as_float_array(logits, "logits")
    if not np.isfinite(x).all():
        raise ValueError(
            "logits must all be finite (the density lives on the open simplex, "
            f"every pi > 0), got {x[~np.isfinite(x)].flat[0]}"
        )
    x = as_logits(x)  # the shape rule
    return x - logsumexp(x, axis=-1, keepdims=True)


def concrete_log_density(
    log_y: ArrayLike, logits: ArrayLike, tau: ArrayLike
) -> NDArray[np.float64]:
    r"""``log p(y)`` of the Concrete / Gumbel-Softmax distribution, from ``log y``.

    .. math::
        \log p(y) = \log\Gamma(k) + (k-1)\log\tau
                    + \sum_i \bigl(\log\pi_i - (\tau+1)\log y_i\bigr)
                    - k\,\operatorname{LSE}_i\bigl(\log\pi_i - \tau\log y_i\bigr)

    with :math:`\log\pi = \text{logits} - \operatorname{LSE}(\text{logits})` and
    :math:`\operatorname{LSE}` the shifted log-sum-exp, so nothing is exponentiated
    outside [0, 1]. The density is with respect to Lebesgue measure on
    :math:`(y_1, \dots, y_{k-1})`.

    Parameters
    ----------
    log_y : array_like, shape ``(..., k)``
        ``log y`` of points on the open simplex: finite, with
        :math:`|\log\sum_i y_i| \le 10^{-6}`.
    logits : array_like, shape ``(..., k)``
        Unnormalised log-probabilities, all finite; any constant shift per row gives
        the same result. Broadcast against ``log_y``'s leading axes.
    tau : float or array_like
        Temperature, finite and > 0; broadcast against the leading (batch) axes.

    Returns
    -------
    ndarray of float64, the broadcast batch shape (``log_y.shape[:-1]`` etc.).

    Raises
    ------
    ValueError
        non-finite logits or ``log_y``; fewer than 2 classes; mismatched class
        counts; ``log_y`` off the simplex; tau not finite or <= 0.
    """
    log_pi = _log_pi(logits)
    log_tau = np.log(validate_tau(tau))
    ly = as_float_array(log_y, "log_y")
    if ly.ndim == 0 or ly.shape[-1] != log_pi.shape[-1]:
        raise ValueError(
            f"log_y must have {log_pi.shape[-1]} classes on the last axis, got shape {ly.shape}"
        )
    bad = ~np.isfinite(ly)
    if bad.any():
        raise ValueError(
            f"log_y must be finite (points strictly inside the simplex), got {ly[bad].flat[0]}"
        )
    total = logsumexp(ly, axis=-1)
    off = np.abs(total) > _SIMPLEX_ATOL
    if off.any():
        raise ValueError(
            f"log_y must lie on the simplex (log sum y = 0), got log sum y = {total[off].flat[0]}"
        )
    k = ly.shape[-1]
    t = np.exp(log_tau)[..., np.newaxis]  # broadcasts over classes
    terms = log_pi - t * ly
    return (
        math.lgamma(k)
        + (k - 1) * log_tau
        + (log_pi - (t + 1) * ly).sum(axis=-1)
        - k * logsumexp(terms, axis=-1)
    )


def binary_concrete_log_density(
    y1: ArrayLike, logits: ArrayLike, tau: ArrayLike
) -> NDArray[np.float64]:
    r"""``log p(y_1)`` for k = 2: the binary Concrete density of ``y_1`` on (0, 1).

    With :math:`\alpha = \pi_1/\pi_2` (Maddison et al. 2017, binary Concrete):

    .. math::
        p(y_1) = \frac{\tau\,\alpha\,y_1^{-\tau-1}(1-y_1)^{-\tau-1}}
                      {\bigl(\alpha\,y_1^{-\tau} + (1-y_1)^{-\tau}\bigr)^2}

    This is :func:`concrete_log_density` at ``y = (y_1, 1 - y_1)`` (the same density
    with respect to :math:`y_1`), written out separately and evaluated from
    ``log y_1`` and ``log1p(-y_1)``.

    Parameters
    ----------
    y1 : array_like
        Values strictly inside (0, 1).
    logits : array_like, shape ``(..., 2)``
        Finite; broadcast against ``y1``.
    tau : float or array_like
        Finite and > 0; broadcast against ``y1``.
    """
    log_pi = _log_pi(logits)
    if log_pi.shape[-1] != 2:
        raise ValueError(f"the binary density needs 2 logits, got shape {log_pi.shape}")
    log_tau = np.log(validate_tau(tau))
    y = as_float_array(y1, "y1")
    bad = ~((y > 0) & (y < 1))
    if bad.any():
        raise ValueError(f"y1 must lie strictly inside (0, 1), got {y[bad].flat[0]}")
    t = np.exp(log_tau)
    log_alpha = log_pi[..., 0] - log_pi[..., 1]
    a = np.log(y)
    b = np.log1p(-y)
    u, v = log_alpha - t * a, -t * b
    lse = np.logaddexp(u, v)
    return log_tau + log_alpha - (t + 1) * (a + b) - 2 * lse


def log_convex_threshold(k: int) -> float:
    r"""``1 / (k - 1)``: for :math:`\tau \le 1/(k-1)` the density is log-convex.

    Then it has no interior mode: the mass sits towards the corners (Maddison et al.
    2017, Prop. 1(d)). Above it the density can have a mode inside the simplex.
    """
    return 1.0 / (check_integer(k, "the number of classes k", low=2) - 1)


def to_cartesian(y: ArrayLike) -> NDArray[np.float64]:
    """Ternary-plot coordinates of k = 3 points: shape ``(..., 3)`` -> ``(..., 2)``.

    ``x = y_2 + y_3 / 2``, ``y = (sqrt(3)/2) y_3``; see :data:`TRIANGLE_VERTICES`.
    """
    p = as_float_array(y, "y")
    if p.ndim == 0 or p.shape[-1] != 3:
        raise ValueError(f"ternary coordinates need 3 classes, got shape {p.shape}")
    return p @ TRIANGLE_VERTICES


def ternary_grid(resolution: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Points strictly inside the 2-simplex, on a triangular lattice, and their positions.

    The triangle is cut into ``resolution**2`` equal small triangles (side
    ``1 / resolution``); the points are the centroids of the ``n (n + 1) / 2``
    upward-pointing ones, ``n = resolution``:

    ``y = ((i + 1/3) / n, (j + 1/3) / n, (l + 1/3) / n)`` for integers
    ``i, j, l >= 0`` with ``i + j + l = n - 1``,

    so every coordinate is at least ``1 / (3n)``. Rows run bottom to top (``l``
    increasing), each row left to right (``j`` increasing). Neighbours in a row are
    ``1 / n`` apart in x, rows ``sqrt(3) / (2n)`` apart in y.

    Returns
    -------
    bary : ndarray, shape ``(n (n + 1) / 2, 3)``
        Barycentric coordinates (class probabilities), rows summing to 1.
    xy : ndarray, shape ``(n (n + 1) / 2, 2)``
        :func:`to_cartesian` of ``bary``.

    Raises
    ------
    ValueError
        ``resolution`` not an integer in ``[1, MAX_RESOLUTION]``.
    """
    n = check_integer(resolution, "resolution", low=1, high=MAX_RESOLUTION)
    rows = np.repeat(np.arange(n), np.arange(n, 0, -1))  # l: n points in row 0, ...
    starts = np.concatenate(([0], np.cumsum(np.arange(n, 1, -1))))
    cols = np.arange(rows.size) - starts[rows]  # j within row l
    i = n - 1 - rows - cols
    bary = (np.stack([i, cols, rows], axis=-1) + 1.0 / 3.0) / n
    return bary, to_cartesian(bary)


def total_probability(
    logits: ArrayLike,
    tau: float,
    points: int = 401,
    log_density: LogDensity = concrete_log_density,
) -> float:
    """``∫ p(y) dy`` over the simplex for k = 2 or 3, by the trapezoid rule.

    Integrates in log-ratio coordinates ``u_i = log(y_i / y_k)``, where
    ``y = softmax([u, 0])`` and the Jacobian is ``∏_i y_i``: the integrand is then
    smooth and decays fast, unlike a grid on the simplex itself (FACTS.md: uniform
    Monte Carlo on the simplex is a poor check). The grid spans ``±45/τ`` around
    each class's offset. ``log_density(log_y, logits, tau)`` is the density under
    test; the Concrete density's integral is 1 to about 1e-15.
    """
    x = as_float_array(logits, "logits")
    if x.ndim != 1 or x.size not in (2, 3):
        raise ValueError(f"total_probability needs k = 2 or 3 logits, got shape {x.shape}")
    axes = [
        np.linspace(x[i] - x[-1] - 45, x[i] - x[-1] + 45, points) / tau for i in range(x.size - 1)
    ]
    u = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1)
    full = np.concatenate([u, np.zeros((*u.shape[:-1], 1))], axis=-1)
    log_y = full - logsumexp(full, axis=-1, keepdims=True)
    f = np.exp(log_density(log_y, x, tau) + log_y.sum(axis=-1))
    for grid in reversed(axes):
        f = np.trapezoid(f, grid, axis=-1)
    return float(f)
