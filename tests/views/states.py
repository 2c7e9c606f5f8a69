"""States the view tests build: edge cases every view must survive."""

from __future__ import annotations

import numpy as np

from gumbel_viz.model import GumbelSoftmaxModel


def with_zero_class(model: GumbelSoftmaxModel, zero: int = 1) -> None:
    """Give class ``zero`` probability 0 (the rest keep their ratios)."""
    p = model.probabilities.copy()
    p[zero] = 0.0
    if int(np.argmax(model.logits + model.noise)) == zero:  # keep the draw elsewhere
        p[(zero + 1) % len(p)] += 1.0
    model.set_probabilities(p)
