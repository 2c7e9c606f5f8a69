"""The annealing schedule of Jang et al. (2017, §4.2)."""

from __future__ import annotations

import numpy as np
import pytest

from gumbel_viz.core.annealing import MAX_UPDATES, anneal_schedule, update_interval


def test_schedule_is_jangs_formula_held_between_updates() -> None:
    steps, tau = anneal_schedule(10_000, 1.0, 1e-4, 0.5, 1000)
    np.testing.assert_array_equal(steps, np.arange(0, 10_000, 1000))
    np.testing.assert_allclose(tau, np.maximum(0.5, np.exp(-1e-4 * steps)), rtol=1e-15)
    assert tau[0] == 1.0 and tau[-1] == 0.5  # exp(-0.9) < 0.5: the floor holds


def test_schedule_floor_is_reached_when_expected() -> None:
    steps, tau = anneal_schedule(MAX_UPDATES, 1.0, 1e-4, 0.5, 1)
    first_floor = steps[np.argmax(tau == 0.5)]
    assert first_floor == int(np.ceil(np.log(2) / 1e-4))  # t = ln 2 / r = 6932


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0, 1.0, 1e-4, 0.5, 1), ">= 1"),
        ((10, 1.0, 1e-4, 0.5, 0), ">= 1"),
        ((MAX_UPDATES + 1, 1.0, 1e-4, 0.5, 1), "updates"),
        ((10, float("nan"), 1e-4, 0.5, 1), "tau0"),
        ((10, 1.0, -1.0, 0.5, 1), "rate"),
        ((10, 1.0, 1e-4, 0.0, 1), "tau_min"),
        ((10.5, 1.0, 1e-4, 0.5, 1), "steps must be an integer"),
        ((True, 1.0, 1e-4, 0.5, 1), "got True"),  # a bool is not a number of steps
        ((10, 1.0, 1e-4, 0.5, True), "every must be an integer"),
    ],
)
def test_bad_schedules_are_refused(args: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        anneal_schedule(*args)


def test_update_interval_keeps_the_schedule_within_its_cap() -> None:
    assert update_interval(20_000, 500) == 500  # already within the cap
    assert update_interval(1_000_000, 1) == 50  # 10**6 / 50 = MAX_UPDATES points
    steps = 999_999
    every = update_interval(steps, 3)
    assert len(anneal_schedule(steps, 1.0, 1e-4, 0.5, every)[0]) <= MAX_UPDATES
    assert -(-steps // (every - 1)) > MAX_UPDATES  # the smallest such N
