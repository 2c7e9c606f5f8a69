"""The training view: runs stream the core's training, replay from a seed, and say so."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from gumbel_viz import Explorer
from gumbel_viz.core import objectives, training
from gumbel_viz.model import GumbelSoftmaxModel
from gumbel_viz.views.sample import SampleView
from gumbel_viz.views.training import ANNEALED, NAMES, TrainingView

FEW = ["reinforce", "gumbel-softmax", "reinmax"]


def trainer(**params: object) -> TrainingView:
    model = GumbelSoftmaxModel(seed=1)
    return TrainingView(model=model, main=SampleView(model=model), **params)


def test_a_run_shows_the_cores_training_and_the_optimum() -> None:
    view = trainer(steps=200, names=FEW)
    asyncio.run(view.run())
    result = view.result
    expected = training.train(objectives.problem("molecule"), FEW, 200, 10, 0.05, 1.0, 0)
    assert result.done and result.steps_done == 200
    curve = view.curve.data
    assert curve["step"][0] == 0 and curve["step"][-1] == 200
    for name in FEW:
        np.testing.assert_array_equal(curve[name], expected.expected[name][curve["step"]])
    for name in set(NAMES) - set(FEW):  # every line keeps its column: NaN, nothing drawn
        assert len(curve[name]) == len(curve["step"]) and np.isnan(curve[name]).all()
    assert view.optimum.location == pytest.approx(-3.4)
    assert "acceptor, donor, acceptor, donor" in view.optimum_label.text
    assert "Done: 200 steps" in view.status.value
    samples = view.samples.data
    assert samples["name"] == ["REINFORCE", "Gumbel-Softmax", "ReinMax"]
    assert all(s.count(",") == 3 for s in samples["sample"])
    assert len(view.pi_source.data["pi"]) == 12 and sum(view.pi_source.data["optimal"]) == 4


def test_the_same_seed_replays_the_run_and_another_differs() -> None:
    first, second, other = (trainer(steps=100, names=FEW, train_seed=s) for s in (7, 7, 8))
    for view in (first, second, other):
        asyncio.run(view.run())
    for name in FEW:
        np.testing.assert_array_equal(first.curve.data[name], second.curve.data[name])
    assert not np.array_equal(first.curve.data["reinforce"], other.curve.data["reinforce"])


def test_link_settings_round_trip() -> None:
    view = trainer(steps=300, names=FEW, lr=0.1, train_seed=5, tau_mode=ANNEALED)
    notices: list[str] = []
    settings = TrainingView.settings_from_link(view.link_values(), notices)
    assert notices == []
    assert settings == {
        "problem": "molecule", "names": FEW, "steps": 300, "n_draws": 10, "lr": 0.1,
        "train_seed": 5, "tau_mode": ANNEALED,
    }  # fmt: skip
    bad = TrainingView.settings_from_link(
        {"problem": "x", "train": "nope", "steps": "1e9", "lr": "abc", "tseed": "-3"}, notices
    )
    assert bad == {"steps": 10_000, "train_seed": 0}
    assert len(notices) == 5


def test_the_annealed_run_follows_the_annealing_view() -> None:
    explorer = Explorer(seed=1)
    view = explorer.build_view("training")
    explorer.build_view("annealing").param.update(tau0=2.0, rate=0.01, tau_min=0.5, every=10)
    view.param.update(steps=200, names=["gumbel-softmax"], tau_mode=ANNEALED)
    asyncio.run(view.run())
    taus = view.result.taus
    assert taus[0] == 2.0 and taus[-1] == 0.5 and len(set(taus[:10])) == 1


def test_reset_clears_and_a_preset_problem_follows_pi() -> None:
    view = trainer(steps=50, names=FEW, problem="reward the likeliest class")
    asyncio.run(view.run())
    assert view.result is not None
    view.model.param.trigger("resample")  # a new π: a new objective and start
    assert view.result is None and len(view.curve.data["step"]) == 0
    assert "one categorical of 5 classes" in view.status.value


@pytest.mark.parametrize(
    "probabilities",
    [[0.2] * 5, [1.0, 0, 0, 0, 0], [0.5, 0, 0.3, 0.2, 0], [0.3, 0.7], list(np.ones(12) / 12)],
    ids=["uniform", "one sure class", "zeros", "k=2", "k=12"],
)
def test_preset_problems_train_in_every_edge_state(probabilities: list[float]) -> None:
    view = trainer(steps=30, names=FEW, problem="linear ramp")
    view.model.k = len(probabilities)
    view.model.set_probabilities(probabilities)
    asyncio.run(view.run())
    for name in FEW:
        assert np.isfinite(view.curve.data[name]).all()
    assert np.isfinite(view.pi_source.data["pi"]).all()
    assert "nan" not in view.status.value.lower()
