"""Gumbel-Softmax Explorer: see how softmax((log π + g)/τ) relaxes a categorical draw.

``from gumbel_viz import engine`` is NumPy only; ``Explorer`` and
``GumbelSoftmaxModel`` (Panel, param) are imported on first use.
"""

from __future__ import annotations

from importlib import import_module

__all__ = ["Explorer", "GumbelSoftmaxModel"]

_LAZY = {"Explorer": ".explorer", "GumbelSoftmaxModel": ".model"}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
