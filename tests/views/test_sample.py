"""The main chart: its bars, readouts and τ slider mirror the session model."""

from __future__ import annotations

import math

import numpy as np
import pytest
from bokeh.document import Document
from bokeh.models.dom import HTML

from gumbel_viz import core
from gumbel_viz.model import GumbelSoftmaxModel
from gumbel_viz.views.sample import LIVE_READOUTS, SampleView, readout_items


def sample_view(**model: object) -> SampleView:
    return SampleView(model=GumbelSoftmaxModel(**model))


def test_bars_show_the_model() -> None:
    view = sample_view(seed=11)
    model, bars = view.model, view.bars.data
    assert view.bars.name == "sample-bars"
    assert bars["cls"] == ["1", "2", "3", "4", "5"]
    np.testing.assert_array_equal(bars["pi"], model.probabilities)
    np.testing.assert_array_equal(bars["g"], model.noise)
    np.testing.assert_array_equal(bars["logit"], np.log(model.probabilities))
    np.testing.assert_array_equal(
        bars["y"], core.gumbel_softmax(np.log(model.probabilities), 1.0, gumbel=model.noise)
    )
    drawn = int(np.argmax(np.log(model.probabilities) + model.noise))
    assert view.drawn.data["cls"] == [str(drawn + 1)]


def test_resample_and_k_push_new_bars_and_factors() -> None:
    view = sample_view(seed=11)
    before = view.bars.data["pi"]
    view.model.param.trigger("resample")
    assert not np.array_equal(view.bars.data["pi"], before)
    view.model.k = 8
    assert len(view.bars.data["pi"]) == 8
    assert view.figure.x_range.factors == [str(i) for i in range(1, 9)]


def shown_readouts(node: HTML) -> str:
    """The readouts' html with each live number's text in place of its ref."""
    html = node.html
    for span in node.refs:
        html = html.replace(f'<ref id="{span.id}"></ref>', span.children[0].content)
    return html


def test_readouts_state_the_numbers() -> None:
    view = sample_view(seed=5, tau=0.25)
    model = view.model
    y, pi = model.y, model.probabilities
    h_y = -sum(v * math.log(v) for v in y if v > 0)
    h_pi = -sum(v * math.log(v) for v in pi if v > 0)
    drawn = int(np.argmax(np.log(pi) + model.noise)) + 1
    expected = (
        '<span class="readout"><b>τ</b> 0.2500</span>'
        f'<span class="readout"><b>drawn class</b> {drawn}</span>'
        f'<span class="readout"><b>max y</b> {max(y):.4f}</span>'
        f'<span class="readout"><b>H(y)</b> {h_y:.3f} nats</span>'
        f'<span class="readout"><b>H(π)</b> {h_pi:.3f} nats</span>'
    )
    assert shown_readouts(view.readouts) == expected
    model.param.trigger("resample")
    shown = shown_readouts(view.readouts)
    assert shown != expected and f"<b>max y</b> {model.y.max():.4f}" in shown


def test_relax_tau_gets_the_live_readouts_in_order() -> None:
    view = sample_view(seed=5, tau=0.25)
    (relax,) = view.tau_slider.js_property_callbacks["change:value"]
    texts = [text.content for text in relax.args["readouts"]]
    assert texts == [value for label, value in readout_items(view.model) if label in LIVE_READOUTS]
    assert LIVE_READOUTS == ("τ", "max y", "H(y)")


def test_new_readouts_reach_the_page_even_where_python_had_the_same() -> None:
    """The browser sets the live readouts as τ moves without telling Python, so a
    value Python already held may not be what the page shows: it is sent anyway."""
    view = sample_view(seed=5)
    document = Document()
    document.add_root(view.pane().object)
    sent: list[str] = []
    document.on_change(
        lambda event: getattr(event, "attr", "") == "content" and sent.append(event.new)
    )
    view.refresh()  # nothing changed in Python
    assert sent == [value for label, value in readout_items(view.model) if label in LIVE_READOUTS]


def test_slider_sets_tau_and_tau_sets_slider() -> None:
    view = sample_view(seed=11)
    view.log10_tau = -1.5
    assert view.model.tau == pytest.approx(10**-1.5, rel=1e-15)
    view.model.tau = 2.0
    assert view.log10_tau == pytest.approx(math.log10(2.0), abs=1e-15)
    expected = core.gumbel_softmax(view.model.logits, 2.0, gumbel=view.model.noise)
    np.testing.assert_array_equal(view.model.y, expected)


def test_slider_bounds_are_the_model_bounds() -> None:
    view = sample_view(seed=11)
    view.log10_tau = -2.0
    assert view.model.tau == pytest.approx(0.01)
    view.log10_tau = 1.0
    assert view.model.tau == pytest.approx(10.0)
    with pytest.raises(ValueError):
        view.log10_tau = 1.5


def test_a_tau_from_a_link_is_kept_exactly() -> None:
    view = sample_view(seed=11, tau=0.3)
    assert view.model.tau == 0.3  # not 10 ** log10(0.3)
    assert view.tau_slider.value == pytest.approx(math.log10(0.3))
