"""One session's state: pi, noise, tau, k and seed, and what follows from them."""

from __future__ import annotations

import numpy as np
import param

from . import core
from .core.streams import generator

TAU_BOUNDS = (0.01, 10.0)
K_BOUNDS = (2, 12)
SEED_BOUNDS = (0, 2**32 - 1)
DRAW_BOUNDS = (0, 2**31 - 1)


class _FiniteVector(param.Array):
    """A 1-D float64 array whose length must match the owner's ``k``."""

    __slots__ = ()

    def _validate(self, val):
        super()._validate(val)
        if val is None:
            return
        if val.ndim != 1 or not np.isfinite(val).all():
            raise ValueError(f"{self.name} must be a finite 1-D array, got {val!r}")


class GumbelSoftmaxModel(param.Parameterized):
    """The state one browser session explores, with the engine deriving the rest.

    Inputs: ``k``, ``tau``, ``seed``, ``keep_probabilities``, and the drawn
    ``probabilities`` (pi) and ``noise`` (g). Derived, read-only: ``logits`` =
    log pi, ``y`` = softmax((log pi + g) / tau) and ``drawn_class`` =
    argmax(log pi + g), the Gumbel-Max sample.

    Draws: with ``seed=None`` they come from this model's own generator, seeded
    from fresh OS entropy. With a seed, draw number ``draw`` (0 for the first
    state, +1 per resample) comes from ``default_rng([seed, draw])``
    (:func:`gumbel_viz.core.streams.generator`),
    so ``(seed, draw)`` names a state: the same seed replays the same sequence,
    and a link can jump straight to any draw. ``pinned`` is true when pi did not
    come from the current draw (kept on resample, or set by hand); then pi itself
    must be shared to reproduce the state.
    """

    k = param.Integer(5, bounds=K_BOUNDS, doc="Number of classes.")
    tau = param.Number(1.0, bounds=TAU_BOUNDS, doc="Temperature of the softmax.")
    seed = param.Integer(None, allow_None=True, bounds=SEED_BOUNDS, doc="Blank: fresh entropy.")
    keep_probabilities = param.Boolean(False, doc="Resample draws new noise only and keeps pi.")
    resample = param.Event(doc="Draw new noise (and new pi unless kept).")
    draw = param.Integer(0, bounds=DRAW_BOUNDS, doc="Index of the draw in the seed's sequence.")

    probabilities = _FiniteVector(constant=True, doc="pi, on the simplex.")
    noise = _FiniteVector(constant=True, doc="Gumbel(0, 1) noise g, one per class.")

    logits = param.Array(constant=True, doc="log pi (-inf where pi = 0).")
    y = param.Array(constant=True, doc="The relaxed sample softmax((log pi + g)/tau).")
    drawn_class = param.Integer(0, constant=True, doc="argmax(log pi + g), 0-based.")
    pinned = param.Boolean(False, constant=True, doc="pi is not the current draw's.")

    def __init__(self, **params):
        super().__init__(**params)
        self._entropy_rng = np.random.default_rng()
        self._draw(new_probabilities=True)

    # ------------------------------------------------------------------ actions

    def set_probabilities(self, probabilities) -> None:
        """Use the given pi (normalised); raises ValueError and keeps state if invalid.

        Its length must equal ``k`` (change ``k`` first to use another length).
        """
        p = core.validate_probabilities(probabilities)
        if p.shape != (self.k,):
            raise ValueError(f"expected {self.k} probabilities, got shape {p.shape}")
        self._set(probabilities=p, pinned=True)

    def set_noise(self, noise) -> None:
        """Use the given Gumbel noise; raises ValueError and keeps state if invalid."""
        g = np.asarray(noise, dtype=np.float64)
        if g.shape != (self.k,) or not np.isfinite(g).all():
            raise ValueError(f"noise must be {self.k} finite numbers, got {noise!r}")
        self._set(noise=g)

    @param.depends("resample", watch=True)
    def _on_resample(self) -> None:
        if self.seed is None:
            self._draw(new_probabilities=not self.keep_probabilities)
        else:
            self.draw += 1  # -> _on_draw

    @param.depends("draw", watch=True)
    def _on_draw(self) -> None:
        self._draw(new_probabilities=not self.keep_probabilities)

    @param.depends("k", watch=True)
    def _on_k(self) -> None:
        self._draw(new_probabilities=True)

    @param.depends("seed", watch=True)
    def _on_seed(self) -> None:
        if self.draw == 0:
            self._draw(new_probabilities=True)
        else:
            self.draw = 0  # -> _on_draw

    @param.depends("tau", watch=True)
    def _on_tau(self) -> None:
        self._set()

    # ------------------------------------------------------------------ internals

    def _generator(self) -> np.random.Generator:
        if self.seed is None:
            return self._entropy_rng
        return generator(self.seed, self.draw)

    def _draw(self, new_probabilities: bool) -> None:
        """Draw pi (unless kept) and then the noise, from the current draw's generator."""
        rng = self._generator()
        probabilities = core.random_probabilities(rng, self.k)
        updates = {"noise": core.sample_gumbel(rng, self.k)}
        if new_probabilities:
            updates.update(probabilities=probabilities, pinned=False)
        else:
            updates["pinned"] = True
        self._set(**updates)

    def _set(self, **inputs: object) -> None:
        """Apply new inputs and everything derived from them in one update."""
        probabilities = inputs.get("probabilities", self.probabilities)
        noise = inputs.get("noise", self.noise)
        logits = core.logits_from_probabilities(probabilities)
        with param.edit_constant(self):
            self.param.update(
                **inputs,
                logits=logits,
                y=core.gumbel_softmax(logits, self.tau, gumbel=noise),
                drawn_class=int(core.gumbel_max(logits, gumbel=noise)),
            )
