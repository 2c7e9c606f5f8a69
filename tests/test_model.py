"""Tests for gumbel_viz.model.GumbelSoftmaxModel: one session's state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from gumbel_viz import core
from gumbel_viz.model import GumbelSoftmaxModel

State = dict[str, Any]


def state(model: GumbelSoftmaxModel) -> State:
    """Every input and derived value, copied so later changes cannot alias it."""
    return {
        "k": model.k,
        "tau": model.tau,
        "seed": model.seed,
        "keep_probabilities": model.keep_probabilities,
        "probabilities": np.array(model.probabilities),
        "noise": np.array(model.noise),
        "logits": np.array(model.logits),
        "y": np.array(model.y),
        "drawn_class": model.drawn_class,
    }


def assert_same_state(a: State, b: State) -> None:
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def assert_consistent(model: GumbelSoftmaxModel) -> None:
    """Derived values agree with the engine applied to the inputs."""
    k = model.k
    assert model.probabilities.shape == (k,)
    assert model.noise.shape == (k,)
    assert (model.probabilities >= 0).all()
    assert model.probabilities.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.isfinite(model.noise).all()
    np.testing.assert_array_equal(
        model.logits, core.logits_from_probabilities(model.probabilities)
    )
    np.testing.assert_array_equal(
        model.y, core.gumbel_softmax(model.logits, model.tau, gumbel=model.noise)
    )
    assert model.drawn_class == int(np.argmax(model.logits + model.noise))
    assert model.y[model.drawn_class] == model.y.max()


def resample(model: GumbelSoftmaxModel) -> None:
    model.param.trigger("resample")


# --------------------------------------------------------------------------- defaults


def test_defaults() -> None:
    model = GumbelSoftmaxModel(seed=0)
    assert model.k == 5
    assert model.tau == 1.0
    assert model.keep_probabilities is False
    assert model.probabilities.shape == (5,)
    assert model.probabilities.dtype == np.float64
    assert_consistent(model)
    assert model.drawn_class == int(np.argmax(model.y))


def test_default_seed_is_none() -> None:
    assert GumbelSoftmaxModel().seed is None


def test_constructor_k_and_tau_are_used() -> None:
    model = GumbelSoftmaxModel(k=3, tau=0.25, seed=1)
    assert model.probabilities.shape == (3,)
    assert model.tau == 0.25
    assert_consistent(model)


def test_derived_values_are_read_only() -> None:
    model = GumbelSoftmaxModel(seed=0)
    for name in ("probabilities", "noise", "logits", "y"):
        with pytest.raises(TypeError):
            setattr(model, name, np.full(5, 0.2))
    with pytest.raises(TypeError):
        model.drawn_class = 3


# --------------------------------------------------------------------------- resampling


def test_resample_draws_new_probabilities_and_noise() -> None:
    model = GumbelSoftmaxModel(seed=1)
    before = state(model)
    resample(model)
    assert not np.array_equal(model.probabilities, before["probabilities"])
    assert not np.array_equal(model.noise, before["noise"])
    assert_consistent(model)


def test_resample_with_keep_probabilities_draws_only_noise() -> None:
    model = GumbelSoftmaxModel(seed=1, keep_probabilities=True)
    before = state(model)
    resample(model)
    np.testing.assert_array_equal(model.probabilities, before["probabilities"])
    assert not np.array_equal(model.noise, before["noise"])
    assert_consistent(model)


def test_switching_keep_probabilities_on_later_keeps_pi() -> None:
    model = GumbelSoftmaxModel(seed=2)
    resample(model)
    model.keep_probabilities = True
    kept = np.array(model.probabilities)
    resample(model)
    resample(model)
    np.testing.assert_array_equal(model.probabilities, kept)
    assert_consistent(model)


# --------------------------------------------------------------------------- seeds


def draw_sequence(model: GumbelSoftmaxModel, resamples: int = 3) -> list[State]:
    states = [state(model)]
    for _ in range(resamples):
        resample(model)
        states.append(state(model))
    return states


def test_same_seed_gives_the_same_sequence() -> None:
    first = draw_sequence(GumbelSoftmaxModel(seed=7))
    second = draw_sequence(GumbelSoftmaxModel(seed=7))
    for a, b in zip(first, second, strict=True):
        assert_same_state(a, b)
    # The draws within the sequence are distinct.
    assert len({tuple(s["noise"]) for s in first}) == len(first)


def test_different_seeds_give_different_draws() -> None:
    a, b = GumbelSoftmaxModel(seed=7), GumbelSoftmaxModel(seed=8)
    assert not np.array_equal(a.probabilities, b.probabilities)
    assert not np.array_equal(a.noise, b.noise)


def test_no_seed_gives_fresh_draws_per_model() -> None:
    a, b = GumbelSoftmaxModel(), GumbelSoftmaxModel()
    assert not np.array_equal(a.probabilities, b.probabilities)
    assert not np.array_equal(a.noise, b.noise)


def test_setting_seed_reseeds_and_redraws() -> None:
    model = GumbelSoftmaxModel(seed=1, tau=0.5)
    resample(model)
    resample(model)
    model.seed = 7
    fresh = GumbelSoftmaxModel(seed=7, tau=0.5)
    assert_same_state(state(model), state(fresh))
    # ... and the sequence continues as the fresh model's does.
    resample(model)
    resample(fresh)
    assert_same_state(state(model), state(fresh))


def test_clearing_the_seed_redraws_from_fresh_entropy() -> None:
    a, b = GumbelSoftmaxModel(seed=3), GumbelSoftmaxModel(seed=3)
    a.seed = None
    b.seed = None
    assert not np.array_equal(a.noise, b.noise)
    assert_consistent(a)


# --------------------------------------------------------------------------- k and tau


def test_changing_k_redraws_with_the_new_length() -> None:
    model = GumbelSoftmaxModel(seed=4)
    for k in (8, 2, 12):
        model.k = k
        assert model.probabilities.shape == (k,)
        assert model.noise.shape == (k,)
        assert model.y.shape == (k,)
        assert_consistent(model)


def test_changing_k_is_reproducible_with_a_seed() -> None:
    a, b = GumbelSoftmaxModel(seed=4), GumbelSoftmaxModel(seed=4)
    a.k = 8
    b.k = 8
    assert_same_state(state(a), state(b))


def test_changing_tau_updates_only_y() -> None:
    model = GumbelSoftmaxModel(seed=5)
    before = state(model)
    model.tau = 0.1
    after = state(model)
    for key in ("probabilities", "noise", "logits", "drawn_class", "k"):
        np.testing.assert_array_equal(after[key], before[key], err_msg=key)
    assert not np.array_equal(after["y"], before["y"])
    assert_consistent(model)
    # Lower tau sharpens the same draw.
    assert after["y"].max() > before["y"].max()


@pytest.mark.parametrize("tau", [0.01, 10.0])
def test_tau_bounds_are_inclusive(tau: float) -> None:
    model = GumbelSoftmaxModel(seed=6)
    model.tau = tau
    assert_consistent(model)


# --------------------------------------------------------------------------- user inputs


def test_set_probabilities_normalises() -> None:
    model = GumbelSoftmaxModel(seed=9)
    noise = np.array(model.noise)
    model.set_probabilities([1, 1, 1, 1, 4])
    np.testing.assert_allclose(model.probabilities, [0.125, 0.125, 0.125, 0.125, 0.5])
    np.testing.assert_array_equal(model.noise, noise)
    assert_consistent(model)


def test_set_probabilities_with_a_zero_never_draws_that_class() -> None:
    model = GumbelSoftmaxModel(seed=10)
    model.set_probabilities([0.0, 0.5, 0.5, 0.0, 0.0])
    model.keep_probabilities = True
    for _ in range(50):
        resample(model)
        assert model.drawn_class in (1, 2)
        assert (model.y[[0, 3, 4]] == 0).all()
        assert model.logits[0] == -np.inf
    assert_consistent(model)


def test_set_noise_updates_y_and_drawn_class() -> None:
    model = GumbelSoftmaxModel(seed=11)
    model.set_probabilities([0.2] * 5)
    model.set_noise([0.0, 0.0, 3.0, 0.0, 0.0])
    assert model.drawn_class == 2
    np.testing.assert_array_equal(model.noise, [0.0, 0.0, 3.0, 0.0, 0.0])
    assert_consistent(model)


# --------------------------------------------------------------------------- rejection


def _set(name: str, value: object) -> Callable[[GumbelSoftmaxModel], None]:
    return lambda model: setattr(model, name, value)


BAD_CHANGES: dict[str, Callable[[GumbelSoftmaxModel], None]] = {
    "tau=0": _set("tau", 0.0),
    "tau=100": _set("tau", 100.0),
    "tau=nan": _set("tau", float("nan")),
    "tau=-1": _set("tau", -1.0),
    "k=1": _set("k", 1),
    "k=13": _set("k", 13),
    "seed=-1": _set("seed", -1),
    "seed=2**32": _set("seed", 2**32),
    "probabilities negative": lambda m: m.set_probabilities([0.5, -0.1, 0.2, 0.2, 0.2]),
    "probabilities nan": lambda m: m.set_probabilities([0.5, np.nan, 0.2, 0.2, 0.1]),
    "probabilities wrong length": lambda m: m.set_probabilities([0.5, 0.5]),
    "probabilities all zero": lambda m: m.set_probabilities([0.0] * 5),
    "noise nan": lambda m: m.set_noise([0.0, np.nan, 0.0, 0.0, 0.0]),
    "noise inf": lambda m: m.set_noise([0.0, np.inf, 0.0, 0.0, 0.0]),
    "noise wrong length": lambda m: m.set_noise([0.0, 0.0, 0.0]),
}


@pytest.mark.parametrize("change", BAD_CHANGES.values(), ids=BAD_CHANGES.keys())
def test_bad_value_is_rejected_and_state_kept(
    change: Callable[[GumbelSoftmaxModel], None],
) -> None:
    model = GumbelSoftmaxModel(seed=12, tau=0.5)
    before = state(model)
    with pytest.raises(ValueError):
        change(model)
    assert_same_state(state(model), before)
    # Still usable afterwards.
    resample(model)
    assert_consistent(model)


@pytest.mark.parametrize(
    "params", [{"k": 1}, {"k": 13}, {"tau": 0.0}, {"tau": 11.0}, {"seed": -1}]
)
def test_bad_constructor_value_is_rejected(params: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        GumbelSoftmaxModel(**params)


# --------------------------------------------------------------------------- independence


def test_models_are_independent() -> None:
    a, b = GumbelSoftmaxModel(seed=3), GumbelSoftmaxModel(seed=3)
    b_before = state(b)
    resample(a)
    a.tau = 0.2
    a.k = 7
    assert_same_state(state(b), b_before)
    # Each model has its own generator: b's first resample equals a's.
    a2 = GumbelSoftmaxModel(seed=3)
    resample(a2)
    resample(b)
    assert_same_state(state(b), state(a2))
