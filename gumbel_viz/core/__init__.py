"""The math of the explorer, in NumPy and SciPy alone: no Panel, Bokeh or param.

Every formula, estimator, oracle and seeded-stream rule the app shows lives here.
Conventions: classes on the last axis, every leading axis a batch axis; explicit
``numpy.random.Generator`` arguments (no global random state); floating dtypes
kept; log space wherever a probability can underflow; ``ValueError`` naming the
offending value for bad input.

Modules: :mod:`.relaxation` (the Gumbel-Softmax itself), :mod:`.density` (the
Concrete density), :mod:`.montecarlo`, :mod:`.objectives` and :mod:`.estimators`
(gradient estimators of a discrete choice), :mod:`.training`, :mod:`.annealing`,
:mod:`.topk` (Gumbel-top-k and the max-Gumbel), :mod:`.pitfalls`,
:mod:`.snippets` (the state as code), :mod:`.verify` (the oracles),
:mod:`.streams` (seeded random streams), :mod:`.numbers` (parsing and
formatting), :mod:`.validation`.
"""

from .relaxation import (
    entropy,
    gumbel_max,
    gumbel_softmax,
    log_gumbel_softmax,
    logits_from_probabilities,
    random_probabilities,
    sample_gumbel,
    softmax,
)
from .validation import validate_probabilities, validate_tau

__all__ = [
    "entropy",
    "gumbel_max",
    "gumbel_softmax",
    "log_gumbel_softmax",
    "logits_from_probabilities",
    "random_probabilities",
    "sample_gumbel",
    "softmax",
    "validate_probabilities",
    "validate_tau",
]
