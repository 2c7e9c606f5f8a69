"""Hostile input: every way state enters the app, fuzzed with Hypothesis.

State enters through the model's setters, through widget values sent by the
browser, through a link's query and through typed numbers. Each input must be
applied or rejected (with a message where the app shows one), and the model
must stay valid either way; nothing a user controls may ask for unbounded work,
and no user text is evaluated or shown unescaped.
"""

from __future__ import annotations

import ast
import asyncio
import functools
import html
import logging
import math
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import panel as pn
import pytest
from bokeh.events import ButtonClick
from bokeh.model import Model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gumbel_viz import core
from gumbel_viz.app import VIEWS, Explorer
from gumbel_viz.app.links import MAX_VALUE_CHARS, parse_query
from gumbel_viz.core import density, estimators, montecarlo, objectives, training
from gumbel_viz.core.annealing import MAX_UPDATES
from gumbel_viz.core.numbers import MAX_INPUT_CHARS, parse_numbers
from gumbel_viz.model import (
    DRAW_BOUNDS,
    K_BOUNDS,
    SEED_BOUNDS,
    TAU_BOUNDS,
    GumbelSoftmaxModel,
)
from gumbel_viz.views.annealing import AnnealingView
from gumbel_viz.views.base import static_text
from gumbel_viz.views.distribution import DistributionView
from gumbel_viz.views.estimators import (
    MAX_TEXT,
    TAUS,
    EstimatorsView,
    coefficients_of,
    parse_matrix,
)
from gumbel_viz.views.monte_carlo import DRAW_CHOICES, MonteCarloView
from gumbel_viz.views.sample import SampleView
from gumbel_viz.views.simplex import BINARY_SAMPLES, CLOUD_SIZE, GRID_RESOLUTION
from gumbel_viz.views.training import TrainingView
from support.served import ROOT

PACKAGE = ROOT / "gumbel_viz"
SLUGS = [view.slug for view in VIEWS]

# Fixed examples so CI runs the same inputs every time; no deadline (slow runners).
FUZZ = settings(
    derandomize=True,
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SHORT_FUZZ = settings(FUZZ, max_examples=20)


@pytest.fixture(autouse=True, scope="module")
def _quiet_panel_log() -> Iterator[None]:
    """Panel logs every refused browser value with its traceback: keep the output short."""
    logger = logging.getLogger("panel.reactive")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


# --------------------------------------------------------------------------- strategies

EDGE_FLOATS = [
    0.0,
    -0.0,
    1e-320,
    5e-324,
    1e-300,
    1e300,
    1.7e308,
    -1.7e308,
    math.nan,
    math.inf,
    -math.inf,
    2.0**53 + 1,
    -1.0,
]
PAYLOADS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    '"><svg onload=alert(1)>',
    "javascript:alert(1)",
    "__import__('os').system('true')",
    "1e999",
    "-0",
    "0x10",
    "1_000",
    "٣",  # an Arabic-Indic digit, which float() accepts
    "１２",  # full-width digits, likewise
    "\x00",
    "nan",
    "-inf",
    "",
]
any_float = st.floats() | st.sampled_from(EDGE_FLOATS)
# Valid alone, hostile together: two of them overflow a sum (pi), or a difference (logits).
huge = st.sampled_from([0.0, 1.0, 1e308, 1.7e308])
extreme = huge | st.sampled_from([-1.7e308, 5e-324, 1e-300])
numeric_text = (
    any_float.map(repr)
    | st.integers().map(str)
    | st.integers(-400, 400).map(lambda e: f"1e{e}")
    | st.sampled_from(PAYLOADS)
)
any_text = st.text(max_size=40) | numeric_text
long_text = st.integers(MAX_VALUE_CHARS + 1, 5 * MAX_VALUE_CHARS).map(lambda n: "9" * n)
junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    any_float,
    any_text,
    st.lists(any_float, max_size=14),
    st.lists(st.lists(any_float, max_size=3), max_size=4),
    st.lists(st.text(max_size=3), max_size=4),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
)


def float_list(k: int) -> st.SearchStrategy[list[float]]:
    """k numbers, mostly plausible probabilities and sometimes hostile ones."""
    plausible = st.floats(0, 1) | st.floats(0, 1e308) | any_float
    return st.lists(plausible, min_size=k, max_size=k) | st.lists(huge, min_size=k, max_size=k)


def numbers_text(k: int) -> st.SearchStrategy[str]:
    """k numbers written with the separators a user might type."""
    separators = st.sampled_from([", ", ",", " ", ";", "\n", " ,; "])
    tokens = st.one_of(
        st.lists(numeric_text, min_size=k, max_size=k),
        st.lists(huge.map(repr), min_size=k, max_size=k),
        st.lists(extreme.map(repr), min_size=k, max_size=k),
    )
    return st.tuples(tokens, separators).map(lambda parts: parts[1].join(parts[0]))


def typed_text(k: int) -> st.SearchStrategy[str]:
    return numbers_text(k) | numbers_text(max(k - 1, 1)) | any_text | long_text


# --------------------------------------------------------------------------- the model


def assert_model_valid(model: GumbelSoftmaxModel) -> None:
    """The invariants no input may break: pi on the simplex, tau, k, noise, y, class."""
    k = model.k
    assert isinstance(k, int) and K_BOUNDS[0] <= k <= K_BOUNDS[1], k
    assert TAU_BOUNDS[0] <= model.tau <= TAU_BOUNDS[1], model.tau
    assert model.seed is None or SEED_BOUNDS[0] <= model.seed <= SEED_BOUNDS[1]
    assert DRAW_BOUNDS[0] <= model.draw <= DRAW_BOUNDS[1]
    p, g, y = model.probabilities, model.noise, model.y
    assert p.shape == (k,) and np.isfinite(p).all() and (p >= 0).all(), p
    assert abs(p.sum() - 1) <= 1e-12, p.sum()
    assert g.shape == (k,) and np.isfinite(g).all(), g
    assert y.shape == (k,) and np.isfinite(y).all() and (y >= 0).all(), y
    assert abs(y.sum() - 1) <= 1e-12, y.sum()
    assert 0 <= model.drawn_class < k
    np.testing.assert_array_equal(model.logits, core.logits_from_probabilities(p))


def snapshot(model: GumbelSoftmaxModel) -> dict[str, Any]:
    names = ("k", "tau", "seed", "draw", "keep_probabilities", "pinned", "drawn_class")
    state: dict[str, Any] = {name: getattr(model, name) for name in names}
    state.update(p=model.probabilities.copy(), g=model.noise.copy(), y=model.y.copy())
    return state


def assert_unchanged(model: GumbelSoftmaxModel, before: dict[str, Any]) -> None:
    after = snapshot(model)
    for name, value in before.items():
        np.testing.assert_array_equal(after[name], value, err_msg=name)


REJECTED = (ValueError, TypeError)


def set_input(model: GumbelSoftmaxModel, name: str, value: object) -> None:
    if name == "probabilities":
        model.set_probabilities(value)
    elif name == "noise":
        model.set_noise(value)
    elif name == "resample":
        model.param.trigger("resample")
    else:
        setattr(model, name, value)


def model_value(name: str, k: int) -> st.SearchStrategy[object]:
    """A value for input ``name``: in range, just outside, or junk."""
    plausible = {
        "k": st.integers(0, 15),
        "tau": st.floats(-1, 12) | st.floats(1e-3, 20),
        "seed": st.none() | st.integers(-2, 2**33),
        "draw": st.integers(-2, 2**32),
        "keep_probabilities": st.booleans(),
        "probabilities": float_list(k) | float_list(k + 1),
        "noise": float_list(k) | st.lists(any_float, min_size=k, max_size=k),
        "resample": st.none(),
    }[name]
    return plausible | junk


def applied_as_asked(model: GumbelSoftmaxModel, name: str, value: object) -> None:
    """An accepted input is what the model now holds."""
    if name == "probabilities":
        v = np.asarray(value, dtype=np.float64)
        np.testing.assert_allclose(model.probabilities, v / v.max() / (v / v.max()).sum())
        assert model.pinned
    elif name == "noise":
        np.testing.assert_array_equal(model.noise, np.asarray(value, dtype=np.float64))
    elif name != "resample":
        assert getattr(model, name) == value


MODEL_INPUTS = [
    "k",
    "tau",
    "seed",
    "draw",
    "keep_probabilities",
    "probabilities",
    "noise",
    "resample",
]


@FUZZ
@given(data=st.data())
def test_model_setters_apply_or_reject_and_stay_valid(data: st.DataObject) -> None:
    model = GumbelSoftmaxModel(seed=0)
    for _ in range(data.draw(st.integers(1, 8))):
        name = data.draw(st.sampled_from(MODEL_INPUTS))
        value = data.draw(model_value(name, model.k), label=name)
        before = snapshot(model)
        try:
            set_input(model, name, value)
        except REJECTED:
            assert_unchanged(model, before)
        else:
            applied_as_asked(model, name, value)
        assert_model_valid(model)


def test_model_rejects_the_classic_bad_values_and_keeps_its_state() -> None:
    model = GumbelSoftmaxModel(seed=3, k=3)
    bad = [
        ("tau", math.nan),
        ("tau", 0.0),
        ("k", 13),
        ("k", 1),
        ("seed", -1),
        ("probabilities", [1, math.nan, 1]),
        ("probabilities", [1, 2]),
        ("probabilities", [[0.5, 0.5, 0]]),
        ("noise", [0, math.inf, 0]),
        ("noise", "1 2 3"),
        ("probabilities", "abc"),
    ]
    for name, value in bad:
        before = snapshot(model)
        with pytest.raises(REJECTED):
            set_input(model, name, value)
        assert_unchanged(model, before)
    assert_model_valid(model)


def test_huge_probabilities_are_normalised_not_zeroed() -> None:
    # 1e308 + 1e308 overflowed the sum, and pi came out as [0, 0].
    np.testing.assert_array_equal(core.validate_probabilities([1e308, 1e308]), [0.5, 0.5])
    model = GumbelSoftmaxModel(k=3, seed=1)
    model.set_probabilities([1.7e308, 1.7e308, 0.0])
    np.testing.assert_array_equal(model.probabilities, [0.5, 0.5, 0.0])
    assert_model_valid(model)


def test_logits_far_apart_give_pi_zero_without_overflow() -> None:
    # 1.7e308 - (-1.7e308) overflowed in softmax (a RuntimeWarning, an error here).
    model = GumbelSoftmaxModel(k=2, seed=1)
    editor = DistributionView(model=model, mode="logits")
    editor.text = "1.7e308, -1.7e308"
    editor.param.trigger("apply")
    assert message_text(editor.message.value).startswith("Applied logits")
    np.testing.assert_array_equal(model.probabilities, [1.0, 0.0])


# --------------------------------------------------------------------------- widgets
#
# Panel hands a browser's value to Python as ``widget._process_events({...})``.
# A value the widget or the linked parameter refuses is logged and re-raised
# there (Bokeh's server then logs it): the session carries on unchanged.


def send(widget: pn.widgets.Widget, **events: object) -> bool:
    """Deliver ``events`` as the browser would; False if Panel refused them."""
    try:
        widget._process_events(events)
    except Exception:  # Panel logs and re-raises whatever failed
        return False
    return True


def click(button: pn.widgets.Button) -> None:
    button._process_event(None)  # Panel's ButtonClick handler ignores the event


def widgets_of(viewable: pn.viewable.Viewable) -> dict[str, pn.widgets.Widget]:
    """Every input widget of a layout, by its label."""
    return {
        w.name or w.label: w
        for w in viewable.select(pn.widgets.Widget)
        if not isinstance(w, pn.widgets.StaticText | pn.widgets.FileDownload)
    }


def browser_sends(widget: Model, shown: str, **changes: object) -> bool:
    """Apply ``changes`` as the browser's patch would (Bokeh checks each value's type
    first); False if refused, by Bokeh or by the control putting ``shown`` back."""
    try:
        for name, value in changes.items():
            widget.set_from_json(name, value)
    except (TypeError, ValueError):  # what Bokeh's server answers a bad patch with
        return False
    return getattr(widget, shown) == changes[shown]


def explorer_controls(explorer: Explorer) -> dict[str, Model]:
    inputs = explorer.inputs
    return {"tau": inputs.tau, "k": inputs.k, "seed": inputs.seed, "keep": inputs.keep}


CONTROL_VALUES = {
    "tau": st.floats(-3, 2) | junk,
    "k": st.integers(0, 14) | st.floats(0, 14) | junk,
    "seed": st.none() | st.integers(-5, 2**33) | junk,
    "keep": st.booleans() | junk,
    "resample": st.none(),
}


def assert_controls_show_the_model(explorer: Explorer) -> None:
    model, inputs = explorer.model, explorer.inputs
    assert inputs.k.value == model.k
    assert inputs.seed.value == model.seed
    assert inputs.keep.active == model.keep_probabilities
    assert math.isclose(explorer.sample_view.log10_tau, math.log10(model.tau), abs_tol=1e-12)
    assert inputs.tau.value == explorer.sample_view.log10_tau


def send_to_control(explorer: Explorer, name: str, value: object) -> bool:
    """What the browser sends when control ``name`` is set to ``value``."""
    controls = explorer_controls(explorer)
    if name == "tau":  # the value while dragging, then the released (throttled) one
        return browser_sends(controls[name], "value", value=value, value_throttled=value)
    if name == "keep":
        return browser_sends(controls[name], "active", active=value)
    return browser_sends(controls[name], "value", value=value)


@SHORT_FUZZ
@given(data=st.data())
def test_sidebar_controls_apply_or_refuse_browser_values(data: st.DataObject) -> None:
    explorer = Explorer(seed=0)
    for _ in range(data.draw(st.integers(1, 6))):
        name = data.draw(st.sampled_from(list(CONTROL_VALUES)))
        value = data.draw(CONTROL_VALUES[name], label=name)
        before = snapshot(explorer.model)
        if name == "resample":
            resample = explorer.inputs.resample
            resample._trigger_event(ButtonClick(resample))  # Bokeh's dispatch of a click
            assert explorer.model.seed is None or explorer.model.draw == before["draw"] + 1
            ok = True
        else:
            ok = send_to_control(explorer, name, value)
        if not ok:
            assert_unchanged(explorer.model, before)
        assert_model_valid(explorer.model)
        assert_controls_show_the_model(explorer)


def test_sidebar_controls_refuse_out_of_range_values() -> None:
    explorer = Explorer(seed=0, k=4)
    before = snapshot(explorer.model)
    assert not send_to_control(explorer, "k", K_BOUNDS[1] + 1)
    assert not send_to_control(explorer, "k", 10**9)
    assert not send_to_control(explorer, "k", 4.5)
    assert not send_to_control(explorer, "seed", -1)
    assert not send_to_control(explorer, "seed", 2.5)
    assert not send_to_control(explorer, "tau", math.nan)
    assert not send_to_control(explorer, "tau", 5.0)
    assert not send_to_control(explorer, "keep", "yes")
    assert_unchanged(explorer.model, before)
    assert_controls_show_the_model(explorer)
    assert send_to_control(explorer, "k", 7) and explorer.model.k == 7
    assert send_to_control(explorer, "k", 8.0) and explorer.model.k == 8
    assert send_to_control(explorer, "tau", -1.0) and explorer.model.tau == pytest.approx(0.1)
    assert send_to_control(explorer, "keep", True) and explorer.model.keep_probabilities


# ------------------------------------------------------------------ your distribution

EDITOR_MESSAGE = re.compile(
    r'<span class="verdict" style="color: var\(--gsx-\w+, #\w{6}\)">(.*)</span>', re.S
)


def message_text(value: str) -> str:
    """The text inside the app's own markup, which must carry no markup of its own."""
    match = EDITOR_MESSAGE.fullmatch(value)
    assert match is not None, value
    inner = match.group(1)
    assert "<" not in inner and ">" not in inner, inner
    return html.unescape(inner)


def expected_pi(text: str, mode: str, k: int) -> np.ndarray | None:
    """What the editor should apply for ``text``, or None if it must refuse it.

    Written independently of the editor: float() per token, the simplex by hand.
    """
    if len(text) > MAX_INPUT_CHARS:
        return None
    tokens = [t for t in re.split(r"[,;\s]+", text.strip()) if t]
    try:
        values = np.array([float(t) for t in tokens])
    except ValueError:
        return None
    if values.size != k or np.isnan(values).any() or np.isposinf(values).any():
        return None
    if mode == "logits":
        if np.isneginf(values).all():
            return None
        finite = values[np.isfinite(values)]
        shifted = np.where(np.isfinite(values), values - finite.max(), -np.inf)
        with np.errstate(over="ignore"):
            w = np.exp(shifted)
        return w / w.sum()
    if np.isinf(values).any() or (values < 0).any() or not (values > 0).any():
        return None
    scaled = values / values.max()
    return scaled / scaled.sum()


def editor_widgets(editor: DistributionView) -> dict[str, pn.widgets.Widget]:
    w = widgets_of(editor.__panel__())
    return {
        "mode": w["Enter"],
        "text": w["One number per class"],
        "apply": w["Apply"],
        "shift": w["c"],
        "apply_shift": w["Shift all logits by c"],
    }


def type_and_apply(editor: DistributionView, widgets: dict, text: str) -> None:
    send(widgets["text"], value=text)
    click(widgets["apply"])


@FUZZ
@given(data=st.data())
def test_distribution_editor_applies_or_refuses_typed_numbers(data: st.DataObject) -> None:
    model = GumbelSoftmaxModel(seed=1, k=data.draw(st.integers(*K_BOUNDS), label="k"))
    editor = DistributionView(model=model)
    widgets = editor_widgets(editor)
    for _ in range(data.draw(st.integers(1, 4))):
        mode_index = data.draw(st.integers(0, 1) | st.integers(-3, 5), label="mode")
        send(widgets["mode"], active=mode_index)
        assert editor.mode in ("probabilities", "logits")
        text = data.draw(typed_text(model.k), label="text")
        before = snapshot(model)
        expected = expected_pi(text, editor.mode, model.k)
        type_and_apply(editor, widgets, text)
        message = message_text(editor.message.value)
        if expected is None:
            assert message.startswith("Not applied: "), message
            assert_unchanged(model, before)
        else:
            assert message.startswith("Applied "), message
            np.testing.assert_allclose(model.probabilities, expected, rtol=1e-12, atol=1e-300)
        assert_model_valid(model)


@FUZZ
@given(shifts=st.lists(any_float | st.floats(-2e6, 2e6) | junk, min_size=1, max_size=4))
def test_shifting_the_logits_keeps_pi_and_refuses_bad_shifts(shifts: list[object]) -> None:
    model = GumbelSoftmaxModel(seed=2, k=4)
    editor = DistributionView(model=model)
    widgets = editor_widgets(editor)
    for shift in shifts:
        before = snapshot(model)
        accepted = send(widgets["shift"], value=shift)
        assert -1e6 <= editor.shift <= 1e6
        click(widgets["apply_shift"])
        assert "Added c" in message_text(editor.message.value)
        if not accepted:
            assert widgets["shift"].value == editor.shift or shift is None
        np.testing.assert_allclose(model.probabilities, before["p"], rtol=1e-9, atol=1e-300)
        assert_model_valid(model)


@FUZZ
@given(text=any_text | long_text | numbers_text(3), minus_inf=st.booleans())
def test_parse_numbers_returns_numbers_or_names_the_problem(text: str, minus_inf: bool) -> None:
    try:
        values = parse_numbers(text, allow_minus_inf=minus_inf)
    except ValueError as error:
        assert str(error)  # a message the user can read
        return
    assert values and len(text) <= MAX_INPUT_CHARS
    for v in values:
        assert isinstance(v, float) and not math.isnan(v) and v != math.inf
        assert minus_inf or v != -math.inf


# --------------------------------------------------------------------------- estimators


@functools.cache
def shared_estimators_view(k: int) -> tuple[EstimatorsView, dict[str, pn.widgets.Widget]]:
    """One view per k, reset by each example: building one takes ~0.3 s."""
    model = GumbelSoftmaxModel(seed=4, k=k)
    view = EstimatorsView(model=model, main=SampleView(model=model))
    w = widgets_of(view.__panel__())
    return view, {
        "preset": w["Objective f"],
        "b": w["b: f = ½ zᵀAz + bᵀz"],
        "A": w["A (one row per line)"],
        "n": w["Draws per estimate"],
    }


def b_text(k: int) -> st.SearchStrategy[str]:
    big = st.floats(-1e12, 1e12).map(repr)
    return typed_text(k) | st.lists(big, min_size=k, max_size=k).map(", ".join)


def a_text(k: int) -> st.SearchStrategy[str]:
    row = st.lists(st.floats(-10, 10).map(repr), min_size=k, max_size=k).map(", ".join)
    symmetric = st.just("\n".join(", ".join("1" if i == j else "0" for j in range(k))
                                   for i in range(k)))  # fmt: skip
    return symmetric | st.lists(row, min_size=1, max_size=k + 1).map("\n".join) | any_text


def assert_estimators_view_valid(view: EstimatorsView) -> None:
    k = view.model.k
    assert view.objective.k == k
    a, b = coefficients_of(view.objective)
    assert np.isfinite(a).all() and np.isfinite(b).all()
    assert max(np.abs(a).max(), np.abs(b).max()) <= objectives.MAX_ENTRY
    assert view.n in (1, 10, 100)
    for name, column in view.at_tau.data.items():
        if name != "cls":
            assert np.isfinite(np.asarray(column, dtype=float)).all(), name


@SHORT_FUZZ
@given(data=st.data())
def test_estimator_inputs_apply_or_refuse_with_a_message(data: st.DataObject) -> None:
    view, widgets = shared_estimators_view(data.draw(st.integers(2, 5), label="k"))
    model = view.model
    view.param.update(preset=EstimatorsView.param.preset.default, n=1)
    for _ in range(data.draw(st.integers(1, 3))):
        kind = data.draw(st.sampled_from(["b", "A", "preset", "n"]))
        before = coefficients_of(view.objective)
        if kind in ("b", "A"):
            text = data.draw(b_text(model.k) if kind == "b" else a_text(model.k), label=kind)
            send(widgets[kind], value=text)
            if "f not changed: " in view.message.value:
                inner = view.message.value.split(">", 1)[1].rsplit("<", 1)[0]
                assert "<" not in inner  # the user's text is escaped
                for old, new in zip(before, coefficients_of(view.objective), strict=True):
                    np.testing.assert_array_equal(old, new)
        elif kind == "preset":
            choices = [*objectives.PRESETS, "nope"]
            send(widgets["preset"], value=data.draw(st.sampled_from(choices) | junk))
        else:
            send(widgets["n"], active=data.draw(st.integers(-2, 5) | junk))
        assert_estimators_view_valid(view)
        assert_model_valid(model)


def test_a_coefficient_beyond_its_bound_is_refused() -> None:
    # c = 1e200 once overflowed the squared errors of the sweep to inf.
    model = GumbelSoftmaxModel(seed=4, k=2)
    view = EstimatorsView(model=model, main=SampleView(model=model))
    send(widgets_of(view.__panel__())["b: f = ½ zᵀAz + bᵀz"], value="1e200, 0")
    assert "f not changed" in view.message.value and "1e+06" in view.message.value
    objective = objectives.Linear([objectives.MAX_ENTRY, -objectives.MAX_ENTRY])
    result = estimators.sweep(
        np.log([0.5, 0.5]), objective, TAUS, list(estimators.ESTIMATORS), 10, 20,
        np.random.default_rng(0),
    )  # fmt: skip
    for curve in result.curves.values():
        assert np.isfinite([curve.mse, curve.bias2, curve.variance]).all()


TRAINING_INPUTS = {"steps": "steps", "draws per step n": "n_draws", "learning rate": "lr",
                   "seed": "train_seed"}  # fmt: skip


@functools.cache
def shared_training_view() -> tuple[TrainingView, dict[str, pn.widgets.Widget]]:
    model = GumbelSoftmaxModel(seed=1)
    view = TrainingView(model=model, main=SampleView(model=model))
    return view, widgets_of(view.__panel__())


@FUZZ
@given(data=st.data())
def test_training_inputs_stay_in_bounds(data: st.DataObject) -> None:
    view, widgets = shared_training_view()
    for _ in range(data.draw(st.integers(1, 4))):
        label = data.draw(st.sampled_from([*TRAINING_INPUTS, "Problem"]))
        if label == "Problem":
            value = data.draw(st.sampled_from([*objectives.PROBLEMS, "nope"]) | junk)
        else:
            value = data.draw(st.integers(-10, 10**7) | any_float | junk, label=label)
        send(widgets[label], value=value)
        for name in TRAINING_INPUTS.values():
            low, high = view.param[name].bounds
            assert low <= getattr(view, name) <= high, name
        assert view.problem in objectives.PROBLEMS


# -------------------------------------------------------------- Monte Carlo, annealing


@functools.cache
def shared_montecarlo_view() -> MonteCarloView:
    """One view for every example: its four figures take ~0.5 s to build."""
    return MonteCarloView(model=GumbelSoftmaxModel(seed=5))


@FUZZ
@given(actives=st.lists(st.integers(-3, 8) | junk, min_size=1, max_size=5))
def test_monte_carlo_draws_stay_among_the_offered_choices(actives: list[object]) -> None:
    view = shared_montecarlo_view()
    view.n_draws = MonteCarloView.param.n_draws.default
    for active in actives:
        before = view.n_draws
        accepted = send(view.draws_widget, active=active)
        assert view.n_draws in DRAW_CHOICES.values()
        if not accepted:
            assert view.n_draws == before


ANNEALING_INPUTS = {
    "τ₀": "tau0",
    "r": "rate",
    "τ_min": "tau_min",
    "N (update every)": "every",
    "steps": "steps",
    "steps / second": "speed",
}


@functools.cache
def shared_annealing_view() -> tuple[AnnealingView, dict[str, pn.widgets.Widget]]:
    model = GumbelSoftmaxModel(seed=1)
    view = AnnealingView(model=model, main=SampleView(model=model))
    return view, widgets_of(view.__panel__())


@FUZZ
@given(data=st.data())
def test_annealing_inputs_stay_in_bounds_and_the_schedule_capped(data: st.DataObject) -> None:
    view, widgets = shared_annealing_view()
    view.param.update({name: view.param[name].default for name in ANNEALING_INPUTS.values()})
    for _ in range(data.draw(st.integers(1, 5))):
        label = data.draw(st.sampled_from(list(ANNEALING_INPUTS)))
        value = data.draw(st.integers(-10, 10**7) | any_float | junk, label=label)
        send(widgets[label], value=value)
        for name in ANNEALING_INPUTS.values():
            low, high = view.param[name].bounds
            assert low <= getattr(view, name) <= high, name
        schedule = view.schedule.data
        assert len(schedule["step"]) <= MAX_UPDATES + 1
        assert np.isfinite(schedule["tau"]).all() and (schedule["tau"] > 0).all()


# --------------------------------------------------------------------------- links

QUERY_NAMES = ["tau", "k", "seed", "draw", "n", "view", "p", "zzz"]
query_value = any_text | long_text | numbers_text(3) | st.sampled_from(SLUGS)
queries = st.dictionaries(
    st.sampled_from(QUERY_NAMES) | st.text(max_size=5), query_value, max_size=8
)


@FUZZ
@given(query=queries)
def test_parse_query_returns_only_values_in_range(query: dict[str, str]) -> None:
    n_choices = list(DRAW_CHOICES.values())
    link = parse_query(query, VIEWS)
    assert link.tau is None or TAU_BOUNDS[0] <= link.tau <= TAU_BOUNDS[1]
    assert link.k is None or K_BOUNDS[0] <= link.k <= K_BOUNDS[1]
    assert link.seed is None or SEED_BOUNDS[0] <= link.seed <= SEED_BOUNDS[1]
    assert link.draw is None or DRAW_BOUNDS[0] <= link.draw <= DRAW_BOUNDS[1]
    assert link.view is None or link.view in SLUGS
    assert set(link.settings) <= {"monte-carlo"}
    assert link.settings.get("monte-carlo", {}).get("n_draws", 1000) in n_choices
    if link.probabilities is not None:
        p = np.array(link.probabilities)
        assert K_BOUNDS[0] <= p.size <= K_BOUNDS[1] and link.k in (None, p.size)
        assert np.isfinite(p).all() and (p >= 0).all() and abs(p.sum() - 1) <= 1e-12
    for notice in link.notices:
        assert len(notice) < 3 * MAX_VALUE_CHARS  # a long value is cut before it is echoed


NOTICE_MARKUP = re.compile(r"</?(b|ul|li)>")


@SHORT_FUZZ
@given(query=queries)
def test_apply_link_never_raises_and_leaves_the_model_valid(query: dict[str, str]) -> None:
    explorer = Explorer()
    link = explorer.apply_link(query)
    assert_model_valid(explorer.model)
    for name in ("k", "seed", "draw", "tau"):
        if (value := getattr(link, name)) is not None:
            assert getattr(explorer.model, name) == value, name
    if link.view is not None:
        assert explorer.view == link.view
    notice = explorer.link_notice.value if explorer.link_notice is not None else ""
    assert ("Link adjusted" in notice) == bool(link.notices)
    assert (explorer.link_notice in explorer.controls.objects) == bool(link.notices)
    assert "<" not in NOTICE_MARKUP.sub("", notice), notice


# --------------------------------------------------------------------------- caps


def test_every_user_controlled_size_is_capped() -> None:
    assert max(DRAW_CHOICES.values()) <= montecarlo.MAX_DRAWS == 10**6
    assert set(MonteCarloView.param.n_draws.objects) == set(DRAW_CHOICES.values())
    with pytest.raises(ValueError):
        montecarlo.run_monte_carlo(
            np.zeros(3), 1.0, montecarlo.MAX_DRAWS + 1, np.random.default_rng(0)
        )
    assert K_BOUNDS == (2, 12) and GumbelSoftmaxModel.param.k.bounds == K_BOUNDS
    from gumbel_viz.views.estimators import runs_for

    for n in EstimatorsView.param.n.objects:  # the sampled ones at k = 12: GS, ST-GS, Gumbel-Rao
        assert n * runs_for(n) * TAUS.size * 12 * (1 + 1 + 11) <= estimators.MAX_SWEEP_WORK
    with pytest.raises(ValueError, match="too much work"):
        estimators.sweep(np.zeros(3), objectives.Linear(np.ones(3)), TAUS, ["gumbel-softmax"],
                         1000, 1000, np.random.default_rng(0))  # fmt: skip
    steps, n = TrainingView.param.steps.bounds[1], TrainingView.param.n_draws.bounds[1]
    assert steps <= training.MAX_STEPS and n <= training.MAX_TRAINING_DRAWS
    assert GRID_RESOLUTION <= density.MAX_RESOLUTION
    with pytest.raises(ValueError):
        density.ternary_grid(density.MAX_RESOLUTION + 1)
    assert CLOUD_SIZE <= 10**4 and BINARY_SAMPLES <= 10**5
    assert AnnealingView.param.steps.bounds[1] <= 10**6
    assert AnnealingView.param.every.bounds[0] >= 1


@pytest.mark.parametrize(
    ("parse", "cap"),
    [
        (lambda text: parse_numbers(text), MAX_INPUT_CHARS),
        (lambda text: parse_matrix(text, 2), MAX_TEXT),
    ],
)
def test_text_longer_than_its_cap_is_refused_unread(parse: Callable, cap: int) -> None:
    with pytest.raises(ValueError, match="too long"):
        parse("1," * cap)


def test_text_inputs_tell_the_browser_their_caps() -> None:
    editor = widgets_of(DistributionView(model=GumbelSoftmaxModel()).__panel__())
    assert editor["One number per class"].max_length == MAX_INPUT_CHARS
    model = GumbelSoftmaxModel()
    lab = widgets_of(EstimatorsView(model=model, main=SampleView(model=model)).__panel__())
    assert lab["b: f = ½ zᵀAz + bᵀz"].max_length == MAX_TEXT
    assert lab["A (one row per line)"].max_length == MAX_TEXT


def test_a_huge_link_value_is_cut_before_it_is_parsed() -> None:
    link = parse_query({"p": "0.5," * 10**6, "tau": "9" * 10**6}, VIEWS)
    assert link.probabilities is None and link.tau == TAU_BOUNDS[1]
    assert all(len(n) < 3 * MAX_VALUE_CHARS for n in link.notices)


# --------------------------------------------------------------------------- no eval

FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "loads", "load"}
FORBIDDEN_MODULES = {"pickle", "marshal", "shelve", "dill", "cloudpickle"}


def called_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        owner = func.value.id if isinstance(func.value, ast.Name) else "?"
        return f"{owner}.{func.attr}"
    return "?"


def forbidden_uses(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = called_name(node)
            owner, _, attr = name.rpartition(".")
            if (not owner and name in FORBIDDEN_CALLS) or (
                owner in FORBIDDEN_MODULES and attr in FORBIDDEN_CALLS
            ):
                found.append(f"{name}() at line {node.lineno}")
        elif isinstance(node, ast.Import | ast.ImportFrom):
            modules = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
            found += [f"import {m}" for m in modules if m.split(".")[0] in FORBIDDEN_MODULES]
    return found


def test_the_scan_would_catch_eval() -> None:
    assert forbidden_uses("x = eval(text)") == ["eval() at line 1"]
    assert forbidden_uses("import pickle\npickle.loads(b)") == [
        "import pickle",
        "pickle.loads() at line 2",
    ]


def test_no_python_module_evaluates_text() -> None:
    # Listed when the test runs, not when it is collected.
    paths = [*sorted(PACKAGE.rglob("*.py")), ROOT / "app.py"]
    found = {str(path.relative_to(ROOT)): forbidden_uses(path.read_text()) for path in paths}
    assert "gumbel_viz/core/relaxation.py" in found and "gumbel_viz/app/explorer.py" in found
    assert {name: uses for name, uses in found.items() if uses} == {}


JS_EVAL = re.compile(r"\beval\s*\(|new\s+Function\s*\([^)]*\)")
# anneal.js compiles relax_tau.js, which annealing.py reads from the package and
# passes as the callback argument ``relax``: shipped code, never user text.
JS_EVAL_ALLOWED = {"anneal.js": ['new Function("bars", "readouts", "cb_obj", relax)']}


@pytest.mark.parametrize("path", sorted((PACKAGE / "static").glob("*.js")), ids=lambda p: p.name)
def test_no_browser_script_evaluates_text(path: Path) -> None:
    found = [m.group(0) for m in JS_EVAL.finditer(path.read_text())]
    assert found == JS_EVAL_ALLOWED.get(path.name, [])


def test_the_compiled_script_is_the_shipped_file() -> None:
    """What anneal.js compiles is what the page receives as ``relax``: the shipped file."""
    view, _ = shared_annealing_view()
    callbacks = view.play.get_root().js_property_callbacks["change:active"]
    (callback,) = [cb for cb in callbacks if "relax" in cb.args]
    assert callback.args["relax"] == (PACKAGE / "static" / "relax_tau.js").read_text()
    assert callback.args["relax"] == static_text("relax_tau.js")


def test_a_training_run_too_big_is_refused_with_a_message() -> None:
    view, _ = shared_training_view()
    view.param.update(steps=10_000, n_draws=100, names=list(estimators.ESTIMATORS))
    asyncio.run(view.run())
    assert "too much work" in view.status.value and view.result is None
    assert not view.worker.busy
