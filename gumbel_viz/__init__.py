"""Gumbel-Softmax Explorer: see how softmax((log π + g)/τ) relaxes a categorical draw."""

from .explorer import Explorer
from .model import GumbelSoftmaxModel

__all__ = ["Explorer", "GumbelSoftmaxModel"]
