"""The annealing view: what it sends the browser, and what it says when it must cap it."""

from __future__ import annotations

from gumbel_viz.core.annealing import MAX_UPDATES
from gumbel_viz.model import GumbelSoftmaxModel
from gumbel_viz.views.annealing import AnnealingView
from gumbel_viz.views.sample import SampleView


def annealing_view(**params: object) -> AnnealingView:
    model = GumbelSoftmaxModel(seed=1)
    return AnnealingView(model=model, main=SampleView(model=model), **params)


def test_annealing_view_caps_the_points_it_sends_and_says_so() -> None:
    view = annealing_view(steps=1_000_000, every=1)
    data = view.schedule.data
    assert len(data["step"]) <= MAX_UPDATES + 1
    assert data["step"][-1] == 1_000_000
    assert (data["every"] == 50).all()
    assert "every 50 steps instead" in view.note.value and "1,000,000 steps" in view.note.value


def test_no_note_when_the_schedule_fits() -> None:
    view = annealing_view(steps=20_000, every=500)
    assert view.note.value == ""
    assert (view.schedule.data["every"] == 500).all()
    view.every = 10  # 2,000 points
    assert view.note.value == ""
    view.steps = 1_000_000  # would be 100,000 points
    assert "every 50 steps instead" in view.note.value
    view.every = 500
    assert view.note.value == ""
