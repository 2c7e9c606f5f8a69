"""Your distribution: typed π or logits, and shifting the logits."""

from __future__ import annotations

import numpy as np
import pytest

from gumbel_viz.core.numbers import parse_numbers
from gumbel_viz.model import GumbelSoftmaxModel
from gumbel_viz.views.distribution import DistributionView


def test_editor_applies_probabilities_and_normalises() -> None:
    model = GumbelSoftmaxModel(k=4, seed=1)
    editor = DistributionView(model=model)
    editor.text = "1, 1, 2, 4"
    editor.param.trigger("apply")
    np.testing.assert_allclose(model.probabilities, [0.125, 0.125, 0.25, 0.5])
    assert model.pinned
    assert "Applied" in editor.message.value


def test_editor_applies_logits_with_minus_inf() -> None:
    model = GumbelSoftmaxModel(k=3, seed=1)
    editor = DistributionView(model=model, mode="logits")
    editor.text = "0, -inf, 0"
    editor.param.trigger("apply")
    np.testing.assert_array_equal(model.probabilities, [0.5, 0.0, 0.5])
    assert model.y[1] == 0.0 and np.isfinite(model.y).all()


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("0.1, -0.2, 0.3", "&gt;= 0"),
        ("1, nan, 1", "not a finite number"),
        ("a, b, c", "is not a number"),
        ("0, 0, 0", "positive sum"),
        ("1, 2", "expected 3 numbers"),
        ("<img src=x onerror=alert(1)>", "&lt;img"),
    ],
)
def test_editor_rejects_bad_input_and_keeps_state(text: str, named: str) -> None:
    model = GumbelSoftmaxModel(k=3, seed=1)
    editor = DistributionView(model=model)
    before = model.probabilities.copy(), model.noise.copy(), model.y.copy()
    editor.text = text
    editor.param.trigger("apply")
    for old, new in zip(before, (model.probabilities, model.noise, model.y), strict=True):
        np.testing.assert_array_equal(old, new)
    assert "Not applied" in editor.message.value and named in editor.message.value
    assert "<img" not in editor.message.value  # user text is escaped


def test_shifting_the_logits_changes_nothing_but_rounding() -> None:
    model = GumbelSoftmaxModel(k=5, seed=2)
    editor = DistributionView(model=model)
    pi, y, drawn = model.probabilities.copy(), model.y.copy(), model.drawn_class
    editor.shift = 123.5
    editor.param.trigger("apply_shift")
    np.testing.assert_allclose(model.probabilities, pi, rtol=1e-12)
    np.testing.assert_allclose(model.y, y, rtol=1e-12, atol=1e-15)
    assert model.drawn_class == drawn
    assert editor.mode == "logits"
    np.testing.assert_allclose(parse_numbers(editor.text), np.log(pi) + 123.5, rtol=1e-12)
