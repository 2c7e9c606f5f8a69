"""The annealing schedule and the self-check's oracles, without a browser."""

from __future__ import annotations

import asyncio

import numpy as np
import panel as pn
import pytest

from gumbel_viz.annealing import MAX_UPDATES, AnnealingView, anneal_schedule
from gumbel_viz.model import GumbelSoftmaxModel
from gumbel_viz.verify import (
    Check,
    VerifyView,
    argmax_ignores_tau,
    browser_agrees,
    density_normalises,
    gumbel_max_is_exact,
    python_checks,
    shift_changes_nothing,
)
from gumbel_viz.views import SampleView


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
        ((10.5, 1.0, 1e-4, 0.5, 1), "integers"),
    ],
)
def test_bad_schedules_are_refused(args: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        anneal_schedule(*args)


def test_annealing_view_caps_the_points_it_sends() -> None:
    model = GumbelSoftmaxModel(seed=1)
    view = AnnealingView(
        tau_slider=pn.widgets.FloatSlider(start=-2, end=1, value=0),
        bars=SampleView(model=model).bars,
        steps=1_000_000,
        every=1,
    )
    data = view.schedule.data
    assert len(data["step"]) <= MAX_UPDATES + 1
    assert data["step"][-1] == 1_000_000


def test_python_checks_pass_on_random_states() -> None:
    for seed in range(5):
        model = GumbelSoftmaxModel(seed=seed, k=3 + seed, tau=0.05 * (seed + 1))
        checks = python_checks(model, seed=99)
        assert all(c.passed for c in checks), checks


def test_checks_fail_when_the_property_is_broken() -> None:
    logits = np.log([0.2, 0.3, 0.5])
    wrong = gumbel_max_is_exact(np.log([0.5, 0.3, 0.2]), np.random.default_rng(1))
    assert wrong.passed  # still a valid distribution: exact for its own pi
    broken = browser_agrees(np.array([0.2, 0.3, 0.5]), [0.2, 0.3, 0.5 + 1e-6])
    assert not broken.passed and "1.0e-06" in broken.detail
    assert not browser_agrees(np.array([0.2, 0.8]), []).passed
    assert argmax_ignores_tau(logits, np.zeros(3)).passed
    assert shift_changes_nothing(logits, np.zeros(3), 0.01).passed
    assert density_normalises(np.log([0.1, 0.2, 0.3, 0.4]), 0.05).passed
    assert density_normalises(np.array([0.0, -np.inf, 1.0]), 3.0).passed


def test_verify_view_reports_each_check_escaped() -> None:
    model = GumbelSoftmaxModel(seed=4)
    view = VerifyView(model=model, bars=SampleView(model=model).bars)
    asyncio.run(view._run())
    assert view.report.value.count("✔ pass") == 5
    view._checks = [Check("<script>x</script>", False, "a & b")]
    view._show()
    assert "&lt;script&gt;" in view.report.value and "✘ FAIL" in view.report.value
