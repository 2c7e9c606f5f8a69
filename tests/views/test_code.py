"""The Code view: three snippets of the live state, each reproducing the y on screen."""

from __future__ import annotations

import html
import importlib.util
import re

import numpy as np
import pytest

from gumbel_viz import core
from gumbel_viz.core.snippets import Snippet, snippets
from gumbel_viz.model import GumbelSoftmaxModel
from gumbel_viz.views.base import static_text
from gumbel_viz.views.code import SOURCE_COLUMNS, CodeView, pre_html
from gumbel_viz.views.sample import SampleView
from tests.views.states import with_zero_class

FRAMEWORKS = {"numpy": "NumPy", "pytorch": "PyTorch", "jax": "JAX"}
MODULES = {"numpy": "numpy", "pytorch": "torch", "jax": "jax"}
PRE = re.compile(r'<pre class="snippet" data-framework="(\w+)"[^>]*>(.*)</pre>', re.S)


def code_view(**model: object) -> CodeView:
    m = GumbelSoftmaxModel(**model)
    return CodeView(model=m, main=SampleView(model=m))


def pre_text(view: CodeView, key: str) -> str:
    """The text of snippet ``key``'s ``<pre>`` as the browser shows it (unescaped)."""
    found = PRE.fullmatch(view.blocks[key].value)
    assert found is not None and found.group(1) == key
    return html.unescape(found.group(2))


def run(code: str) -> dict:
    namespace: dict = {}
    exec(compile(code, "<snippet>", "exec"), namespace)
    return namespace


def shown_y(view: CodeView) -> np.ndarray:
    """The y the main chart draws: from the logits and noise of its ``sample-bars``
    source at the model's τ (the browser recomputes y itself when τ moves)."""
    bars = view.main.bars.data
    return core.gumbel_softmax(bars["logit"], view.model.tau, gumbel=bars["g"])


def assert_reproduces_the_chart(view: CodeView) -> None:
    namespace = run(pre_text(view, "numpy"))
    bars = view.main.bars.data
    np.testing.assert_array_equal(namespace["logits"], bars["logit"])
    np.testing.assert_array_equal(namespace["g"], bars["g"])
    assert namespace["tau"] == view.model.tau
    np.testing.assert_allclose(namespace["y"], shown_y(view), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(namespace["y"], view.model.y)  # bit for bit, in fact


def test_each_block_is_the_cores_snippet_of_the_state() -> None:
    view = code_view(seed=1)
    m = view.model
    expected = snippets(m.logits, m.noise, m.tau, False)
    assert view.source.name == "code-snippets"
    assert tuple(view.source.data) == SOURCE_COLUMNS
    assert view.source.data["code"] == [s.code for s in expected]
    assert view.source.data["key"] == list(FRAMEWORKS)
    for s in expected:
        text = pre_text(view, s.key)
        assert text == s.code == view.code(s.key)
        assert text.splitlines()[0] == f"# {FRAMEWORKS[s.key]}"
        assert view.downloads[s.key].filename == s.filename
        assert view.downloads[s.key].callback().getvalue() == s.code


def test_numpy_snippet_reproduces_the_y_on_screen() -> None:
    view = code_view(seed=1)
    assert_reproduces_the_chart(view)
    namespace = run(pre_text(view, "numpy"))
    fresh = namespace["y_fresh"]
    assert fresh.shape == (5,) and np.isclose(fresh.sum(), 1.0)
    assert "y_hard" not in namespace


@pytest.mark.parametrize(
    "change",
    [
        lambda m: setattr(m, "tau", 0.05),
        lambda m: setattr(m, "tau", 7.3),
        lambda m: m.param.trigger("resample"),
        lambda m: setattr(m, "k", 12),
        lambda m: setattr(m, "k", 2),
        lambda m: m.set_probabilities([0.5, 0.0, 0.3, 0.2, 0.0]),
        lambda m: m.set_probabilities([0.0, 0.0, 1.0, 0.0, 0.0]),
        lambda m: m.set_noise([3.0, -1.0, 0.5, 0.0, 2.0]),
    ],
    ids=["tau-small", "tau-large", "resample", "k12", "k2", "zeros", "one-class", "noise"],
)
def test_snippets_follow_the_state(change) -> None:
    view = code_view(seed=3)
    before = pre_text(view, "numpy")
    change(view.model)
    assert pre_text(view, "numpy") != before
    assert_reproduces_the_chart(view)
    for key in FRAMEWORKS:
        assert pre_text(view, key) == view.source.data["code"][list(FRAMEWORKS).index(key)]


def test_hard_adds_the_one_hot_and_the_straight_through_value() -> None:
    view = code_view(seed=2, tau=0.4)
    view.hard = True
    namespace = run(pre_text(view, "numpy"))
    np.testing.assert_array_equal(namespace["y"], view.model.y)
    np.testing.assert_array_equal(namespace["y_hard"], np.eye(5)[view.model.drawn_class])
    assert "y_st = y_hard - y.detach() + y" in pre_text(view, "pytorch")
    assert "y_st = y_hard - jax.lax.stop_gradient(y) + y" in pre_text(view, "jax")
    assert f"one-hot vector of class {view.model.drawn_class + 1}" in view.summary.value
    view.hard = False
    assert "y_hard" not in pre_text(view, "numpy") and "y_hard" not in view.summary.value


def test_every_snippet_compiles_and_runs_where_its_framework_is_installed() -> None:
    view = code_view(seed=5, tau=0.2)
    view.hard = True
    with_zero_class(view.model, zero=2)
    ran = []
    for key, module in MODULES.items():
        code = pre_text(view, key)
        compile(code, f"{key}.py", "exec")  # valid Python whether or not it is installed
        if importlib.util.find_spec(module) is None:
            continue
        y = run(code)["y"]
        np.testing.assert_allclose(np.asarray(y), view.model.y, rtol=0, atol=1e-15)
        ran.append(key)
    assert "numpy" in ran


def test_the_code_is_escaped_in_its_pre_block() -> None:
    snippet = Snippet("numpy", "NumPy", "x.py", "# NumPy\nprint('<script>&')\n")
    block = pre_html(snippet)
    assert "<script>" not in block and "&lt;script&gt;&amp;" in block
    assert block.startswith('<pre class="snippet" data-framework="numpy"')


def test_copy_buttons_copy_this_views_source_in_the_browser() -> None:
    view = code_view(seed=1)
    for key, button in view.copy_buttons.items():
        assert button.label == f"Copy {FRAMEWORKS[key]} code"
        (callback,) = button.get_root().js_event_callbacks["button_click"]
        assert static_text("copy_snippet.js") in callback.code
        assert callback.args["key"] == key
        assert callback.args["snippets"] is view.source


# --------------------------------------------------------------------------- every state


def summary(view: CodeView) -> str:
    text = view.summary.value
    assert "nan" not in text.lower()
    return text


def test_summary_at_the_default_state_names_tau_k_and_y() -> None:
    view = code_view(seed=1)
    text = summary(view)
    assert "At τ = 1 with k = 5 classes" in text
    assert "π = 0" not in text and "Only class" not in text


def test_summary_at_uniform_pi() -> None:
    view = code_view(seed=1, k=4)
    view.model.set_probabilities([0.25] * 4)
    text = summary(view)
    assert "k = 4 classes" in text and "π = 0" not in text and "Only class" not in text
    assert_reproduces_the_chart(view)


def test_summary_with_one_sure_class() -> None:
    view = code_view(seed=1)
    view.model.set_probabilities([1, 0, 0, 0, 0])
    text = summary(view)
    assert "Only class 1 has π &gt; 0" in text or "Only class 1 has π > 0" in text
    assert "one-hot vector at every τ" in text and "π = 0 for" not in text
    assert "-np.inf" in pre_text(view, "numpy")
    assert_reproduces_the_chart(view)
    np.testing.assert_array_equal(view.model.y, [1, 0, 0, 0, 0])


def test_summary_with_zeros_in_pi() -> None:
    view = code_view(seed=1)
    view.model.set_probabilities([0.5, 0.0, 0.3, 0.2, 0.0])
    text = summary(view)
    assert "π = 0 for classes 2 and 5" in text and "Only class" not in text
    assert_reproduces_the_chart(view)
    view.model.set_probabilities([0.5, 0.0, 0.3, 0.2, 0.1])
    assert "π = 0 for class 2:" in summary(view)


@pytest.mark.parametrize("k", [2, 12])
def test_summary_at_k_2_and_12(k: int) -> None:
    view = code_view(seed=1, k=k)
    text = summary(view)
    assert f"k = {k} classes" in text
    shown = re.search(r"on the chart: (.*) \(4 decimals", text)
    assert shown is not None
    np.testing.assert_allclose(
        [float(v) for v in shown.group(1).split(", ")], view.model.y, atol=5e-5
    )
    assert_reproduces_the_chart(view)
