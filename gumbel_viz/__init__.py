"""Gumbel-Softmax Explorer: see how softmax((log π + g)/τ) relaxes a categorical draw.

Three layers: :mod:`gumbel_viz.core` (the math, NumPy and SciPy only),
:mod:`gumbel_viz.views` (Panel/Bokeh views of one session's
:class:`~gumbel_viz.model.GumbelSoftmaxModel`) and :mod:`gumbel_viz.app` (the
explorer, its links and its page). ``Explorer`` and ``GumbelSoftmaxModel`` are
imported on first use, so ``import gumbel_viz.core`` loads no Panel.
"""

from __future__ import annotations

from importlib import import_module

__all__ = ["Explorer", "GumbelSoftmaxModel"]

_LAZY = {"Explorer": ".app", "GumbelSoftmaxModel": ".model"}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
