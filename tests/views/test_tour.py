"""The tour: each step's check ticks from the session's real state; Show me does the task."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from gumbel_viz import Explorer
from gumbel_viz.views.tour import STEPS, TALLY_DRAWS, TourView


@pytest.fixture
def tour() -> TourView:
    return Explorer(seed=1).build_view("tour")


def ticked(tour: TourView) -> list[bool]:
    return [ok for ok, _ in tour.checks()]


def test_a_first_visitor_lands_on_step_one_with_nothing_done(tour: TourView) -> None:
    assert tour.session.view == "tour" and tour.step == 1 and tour.done == []
    assert ticked(tour) == [False] * len(STEPS)
    assert f"Step 1 of {len(STEPS)}" in tour.card.text
    assert "gsxTour('back')\" disabled" in tour.buttons.text  # no step before the first


def test_the_tasks_tick_from_the_real_controls(tour: TourView) -> None:
    model = tour.model
    for _ in range(3):
        model.param.trigger("resample")
    assert tour.done == [1]
    model.keep_probabilities = True
    pi = model.probabilities.copy()
    for _ in range(TALLY_DRAWS):
        model.param.trigger("resample")
    np.testing.assert_array_equal(model.probabilities, pi)
    assert tour.done == [1, 2] and tour.tally.sum() == TALLY_DRAWS
    np.testing.assert_array_equal(tour.tally_source.data["freq"], tour.tally / TALLY_DRAWS)
    model.tau = 0.03
    assert 3 in tour.done
    model.tau = 7.0
    assert {3, 4} <= set(tour.done) and 5 in tour.done  # 0.03 and 7 with one noise draw


def test_reordering_needs_one_noise_draw(tour: TourView) -> None:
    tour.model.tau = 0.05
    tour.model.tau = 1.0
    tour.model.param.trigger("resample")  # new noise: start again, at τ = 1
    tour.model.tau = 3.0
    assert 5 not in tour.done
    tour.model.tau = 0.05
    assert 5 in tour.done


def test_predict_then_reveal(tour: TourView) -> None:
    tour.step = 6
    tour._show_me()
    assert "Predict first" in tour.message.text and 6 not in tour.done
    assert tour.column.children[-1] is tour.message  # shown under the buttons
    tour.prediction = "yes"
    asyncio.run(tour._run_monte_carlo())
    assert 6 in tour.done and tour.model.tau == 1.0
    assert tour.session.view == "tour"  # the tour stays in view
    assert "You predicted E[y] = π" in tour.card.text and "E[y] is not π" in tour.card.text


def test_the_prediction_buttons_set_the_prediction_and_refuse_the_rest(tour: TourView) -> None:
    tour.step = 6
    assert tour.predict in tour.column.children and tour.predict.active == 0  # "(choose)"
    tour.predict.set_from_json("active", 1)  # as the browser sends a press
    assert tour.prediction == "yes"
    for junk in (3, -1, None):
        tour.predict.set_from_json("active", junk)
        assert tour.prediction == "yes" and tour.predict.active == 1
    tour.prediction = "no"  # from a link, say
    assert tour.predict.active == 2


def test_show_me_does_every_task(tour: TourView) -> None:
    for step in (1, 2, 3, 4, 5):
        tour.step = step
        tour._show_me()
        assert step in tour.done, step
    tour.step = 7
    tour._show_me()
    assert tour.session.view == "estimators"
    asyncio.run(tour.session.views["estimators"].recompute())
    tour.session.view = "tour"
    tour._refresh()
    assert 7 in tour.done


def test_back_next_keys_and_restart(tour: TourView) -> None:
    tour.keys.data = {"key": ["next"], "time": [0]}  # the Next button, as the browser sends it
    assert tour.step == 2 and "disabled" not in tour.buttons.text
    tour.keys.data = {"key": ["ArrowRight"], "time": [1]}
    assert tour.step == 3
    tour.keys.data = {"key": ["ArrowLeft"], "time": [2]}
    assert tour.step == 2
    tour.session.view = "about"  # keys move the tour only when it shows
    tour.keys.data = {"key": ["ArrowRight"], "time": [3]}
    assert tour.step == 2
    tour.model.param.trigger("resample")
    tour.session.view = "tour"
    tour.keys.data = {"key": ["drop table"], "time": [4]}  # not an action: nothing happens
    assert tour.step == 2
    tour.keys.data = {"key": ["restart"], "time": [5]}
    assert tour.step == 1 and tour.done == [] and tour.resamples == 0
    for _ in range(len(STEPS) + 2):
        tour.act("next")
    assert tour.step == len(STEPS) and "gsxTour('next')\" disabled" in tour.buttons.text


def test_a_link_names_the_step() -> None:
    explorer = Explorer(seed=1)
    explorer.apply_link({"view": "tour", "step": "4"})
    assert explorer.build_view("tour").step == 4
    assert explorer.link_query()["step"] == "4"
    notices: list[str] = []
    assert TourView.settings_from_link({"step": "99"}, notices) == {"step": len(STEPS)}
    assert notices and TourView.settings_from_link({"step": "x"}, []) == {}


@pytest.mark.parametrize(
    "probabilities",
    [[0.2] * 5, [1.0, 0, 0, 0, 0], [0.5, 0, 0.3, 0.2, 0]],
    ids=["uniform", "one sure class", "zeros"],
)
def test_the_reveal_is_true_in_every_state(probabilities: list[float]) -> None:
    tour = Explorer(seed=1).build_view("tour")
    tour.model.set_probabilities(probabilities)
    tour.step, tour.prediction = 6, "no"
    asyncio.run(tour._run_monte_carlo())
    text = tour.card.text
    if probabilities[0] == 1.0:
        assert "E[y] = π exactly" in text
    elif probabilities[0] == 0.2:
        assert "E[y] = π here, by symmetry" in text
    else:
        assert "E[y] is not π" in text and "uniform over the 3 classes" in text
