"""The pipeline, temperature and About views: what they hold is the engine's math."""

from __future__ import annotations

import re

import numpy as np
import panel as pn
import pytest
from bokeh.document import Document

from gumbel_viz import engine
from gumbel_viz.about import ABOUT_TEXT, AboutView
from gumbel_viz.model import GumbelSoftmaxModel
from gumbel_viz.pipeline import STAGES, PipelineView, tex_number
from gumbel_viz.temperature import TAU_MARKER_JS, TAUS, TemperatureView

STAGE_KEYS = [key for key, _, _ in STAGES]
TEXT_COLUMNS = [f"{key}_text" for key in STAGE_KEYS]


def with_zero_class(model: GumbelSoftmaxModel, zero: int = 1) -> None:
    """Give class ``zero`` probability 0 (the rest keep their ratios)."""
    p = model.probabilities.copy()
    p[zero] = 0.0
    if int(np.argmax(model.logits + model.noise)) == zero:  # keep the draw elsewhere
        p[(zero + 1) % len(p)] += 1.0
    model.set_probabilities(p)


def pipeline_of(model: GumbelSoftmaxModel) -> tuple[PipelineView, dict]:
    view = PipelineView(model=model)
    return view, view.source.data


def assert_pipeline_is_engine(model: GumbelSoftmaxModel, data: dict) -> None:
    logits = engine.logits_from_probabilities(model.probabilities)
    z = logits + model.noise
    assert data["cls"] == [str(i) for i in range(1, model.k + 1)]
    np.testing.assert_array_equal(data["log_pi"], logits)
    np.testing.assert_array_equal(data["g"], model.noise)
    np.testing.assert_array_equal(data["z"], z)
    np.testing.assert_array_equal(data["z_over_tau"], z / model.tau)
    np.testing.assert_array_equal(
        data["y"], engine.gumbel_softmax(logits, model.tau, gumbel=model.noise)
    )
    drawn = int(engine.gumbel_max(logits, gumbel=model.noise))
    assert data["is_drawn"] == [i == drawn for i in range(model.k)]


# --------------------------------------------------------------------------- pipeline


def test_pipeline_numbers_are_the_engines() -> None:
    model = GumbelSoftmaxModel(seed=3, tau=0.7)
    view, data = pipeline_of(model)
    assert view.source.name == "pipeline"
    assert_pipeline_is_engine(model, data)
    assert data["mark"].count("drawn") == 1
    assert data["drawn_text"][model.drawn_class] != ""


def test_every_stage_peaks_at_the_drawn_class() -> None:
    for seed in range(12):
        model = GumbelSoftmaxModel(seed=seed, k=2 + seed % 11)
        view, _ = pipeline_of(model)
        for tau in (0.01, 0.3, 1.0, 10.0):
            model.tau = tau
            data = view.source.data
            for key in ("z", "z_over_tau", "y"):
                assert int(np.argmax(data[key])) == model.drawn_class, (seed, tau, key)
            assert data["mark"][model.drawn_class] == "drawn"
            assert view.band.data["cls"] == [str(model.drawn_class + 1)] * len(STAGES)


def test_pipeline_follows_tau_resample_and_k() -> None:
    model = GumbelSoftmaxModel(seed=5)
    view, _ = pipeline_of(model)
    model.tau = 0.05
    assert_pipeline_is_engine(model, view.source.data)
    assert "0.05" in view.figures[3].title.text
    before = np.array(view.source.data["g"])
    model.param.trigger("resample")
    assert not np.array_equal(view.source.data["g"], before)
    assert_pipeline_is_engine(model, view.source.data)
    model.k = 9
    assert_pipeline_is_engine(model, view.source.data)
    assert view.class_range.factors == [str(i) for i in range(9, 0, -1)]
    assert view.table.height == view._table_height()


def test_value_axes_cover_the_finite_bars() -> None:
    model = GumbelSoftmaxModel(seed=8, k=7, tau=0.2)
    view, data = pipeline_of(model)
    for key in STAGE_KEYS:
        axis = view.value_ranges[key]
        values = np.asarray(data[key])
        assert axis.start <= min(0.0, values.min()) and axis.end >= max(0.0, values.max()), key


def test_zero_probability_class_shows_minus_infinity_never_nan() -> None:
    model = GumbelSoftmaxModel(seed=2, k=5, tau=0.5)
    view, _ = pipeline_of(model)
    with_zero_class(model, zero=1)
    data = view.source.data
    assert_pipeline_is_engine(model, data)
    # The numbers are exact: log 0 = -inf stays -inf, and y is exactly 0.
    assert data["log_pi"][1] == -np.inf and data["z_over_tau"][1] == -np.inf
    assert data["y"][1] == 0.0 and model.drawn_class != 1
    # What is printed or drawn is finite: −∞ as text, no NaN or inf anywhere.
    for column in TEXT_COLUMNS:
        for text in data[column]:
            assert not re.search("nan|inf", text, re.IGNORECASE), (column, text)
    for key in ("log_pi", "z", "z_over_tau"):
        assert data[f"{key}_text"][1] == "−∞"
    assert data["g_text"][1] != "−∞" and data["y_text"][1] == "0.0000"
    assert view.neginf.data["cls"] == ["2"] and view.neginf.data["text"] == ["−∞"]
    assert "Class 2" in view.note.value
    limits = [r.start for r in view.value_ranges.values()] + [
        r.end for r in view.value_ranges.values()
    ]
    limits += view.band.data["lo"] + view.band.data["hi"]
    assert np.isfinite(limits).all()
    assert not re.search("nan|inf", view.formula.object, re.IGNORECASE)
    # The page can still be built and serialised with the -inf in the data.
    doc = Document()
    doc.add_root(pn.panel(view).get_root(doc))
    assert doc.to_json()
    # And the note goes away with the zero.
    model.param.trigger("resample")
    assert view.note.value == "" and view.neginf.data["cls"] == []


def test_formula_shows_the_drawn_class_numbers() -> None:
    model = GumbelSoftmaxModel(seed=4, tau=0.4)
    view, _ = pipeline_of(model)

    def expected_pieces() -> list[str]:
        c = model.drawn_class
        return [
            f"c = {c + 1}",
            f"y_{{{c + 1}}}",
            tex_number(model.logits[c]),
            tex_number(abs(model.noise[c])),
            tex_number(view.source.data["z_over_tau"][c]),
            tex_number(model.y[c]),
            tex_number(1 / model.y[c]),
            tex_number(model.tau),
        ]

    for piece in expected_pieces():
        assert piece in view.formula.object, piece
    model.tau = 3.0
    model.param.trigger("resample")
    for piece in expected_pieces():
        assert piece in view.formula.object, piece
    assert view.formula.object.count("$$") == 2


# --------------------------------------------------------------------------- temperature


def path_matrix(view: TemperatureView) -> np.ndarray:
    return np.column_stack(view.path.data["y"])


def test_temperature_path_is_the_engines() -> None:
    model = GumbelSoftmaxModel(seed=6)
    view = TemperatureView(model=model)
    assert view.path.name == "temperature-path"
    assert view.entropy.name == "temperature-entropy"
    assert TAUS[0] == pytest.approx(0.01) and TAUS[-1] == pytest.approx(100.0)
    assert 250 <= len(TAUS) <= 350
    np.testing.assert_allclose(np.diff(np.log10(TAUS)), 4 / (len(TAUS) - 1))
    expected = engine.gumbel_softmax(model.logits, TAUS, gumbel=model.noise)
    np.testing.assert_array_equal(path_matrix(view), expected)
    for taus in view.path.data["tau"]:
        np.testing.assert_array_equal(taus, TAUS)
    np.testing.assert_array_equal(view.entropy.data["tau"], TAUS)
    np.testing.assert_array_equal(view.entropy.data["entropy"], engine.entropy(expected, axis=-1))
    labels = view.path.data["label"]
    assert labels[0] == "class 1" or model.drawn_class == 0
    assert labels[model.drawn_class] == f"class {model.drawn_class + 1} (drawn)"
    assert len(set(view.path.data["color"])) == model.k


def test_temperature_path_goes_from_one_hot_to_uniform() -> None:
    checked_one_hot = 0
    for seed in range(12):
        model = GumbelSoftmaxModel(seed=seed, k=2 + seed % 6)
        view = TemperatureView(model=model)
        y, h = path_matrix(view), view.entropy.data["entropy"]
        # The drawn class is the largest y at every tau: the lines never cross it.
        assert (y.argmax(axis=1) == model.drawn_class).all()
        z = np.sort(model.logits + model.noise)
        if z[-1] - z[-2] > 0.1:  # at tau = 0.01 the others weigh < (k-1) e^-10
            assert y[0, model.drawn_class] >= 1 - 1e-3
            assert h[0] < 0.02
            checked_one_hot += 1
        np.testing.assert_allclose(y[-1], 1 / model.k, atol=0.05)
        assert h[-1] == pytest.approx(np.log(model.k), abs=0.01)
        assert (np.diff(h) > -1e-12).all()  # the entropy only rises with tau
    assert checked_one_hot >= 6


def test_temperature_with_a_zero_class_tends_to_uniform_over_the_rest() -> None:
    model = GumbelSoftmaxModel(seed=9, k=5)
    view = TemperatureView(model=model)
    with_zero_class(model, zero=3)
    y = path_matrix(view)
    np.testing.assert_array_equal(y[:, 3], 0.0)
    np.testing.assert_allclose(np.delete(y[-1], 3), 1 / 4, atol=0.05)
    assert view.uniform_level.location == pytest.approx(0.25)
    assert "1/4" in view.uniform_label.text
    assert view.max_entropy.location == pytest.approx(np.log(4))
    assert np.isfinite(view.entropy.data["entropy"]).all()


def test_temperature_updates_on_resample_and_k() -> None:
    model = GumbelSoftmaxModel(seed=10)
    view = TemperatureView(model=model)
    before = path_matrix(view)
    model.param.trigger("resample")
    after = path_matrix(view)
    assert not np.array_equal(before, after)
    np.testing.assert_array_equal(
        after, engine.gumbel_softmax(model.logits, TAUS, gumbel=model.noise)
    )
    model.k = 7
    assert path_matrix(view).shape == (len(TAUS), 7)
    assert view.uniform_level.location == pytest.approx(1 / 7)
    assert view.pi_entropy.location == pytest.approx(engine.entropy(model.probabilities))
    assert view.entropy_range.end > np.log(7)


def test_tau_markers_follow_python_and_are_linked_to_the_slider() -> None:
    model = GumbelSoftmaxModel(seed=1, tau=2.0)
    view = TemperatureView(model=model)
    assert [m.location for m in view.markers] == [2.0, 2.0]
    assert all(m.dimension == "height" for m in view.markers)
    model.tau = 0.037
    assert [m.location for m in view.markers] == [0.037, 0.037]
    model.param.trigger("resample")
    assert [m.location for m in view.markers] == [0.037, 0.037]

    slider = pn.widgets.FloatSlider(start=-2, end=1, step=0.01, value=0)
    view.link_tau_slider(slider)
    bokeh_slider = slider.get_root()
    callbacks = bokeh_slider.js_property_callbacks["change:value"]
    (callback,) = [cb for cb in callbacks if "markers" in cb.args]
    assert list(callback.args["markers"]) == view.markers
    assert TAU_MARKER_JS in callback.code
    assert "10 ** cb_obj.value" in TAU_MARKER_JS and "marker.location" in TAU_MARKER_JS


# --------------------------------------------------------------------------- about


def test_about_explains_the_trick_in_katex() -> None:
    about = AboutView()
    assert about.model is None
    AboutView(model=GumbelSoftmaxModel(seed=0))  # accepted like every view's
    pane = about.text
    assert isinstance(pane, pn.pane.LaTeX) and pane.renderer == "katex"
    for phrase in [
        "Gumbel-Max",
        r"$P(c = i) = \pi_i$",
        r"\arg\max_i \,(\log \pi_i + g_i)",
        r"\operatorname{softmax}\big((\log\pi + g)/\tau\big)",
        r"\tau \to 0",
        r"\tau \to \infty",
        r"$\arg\max_i y_i = c$",
        r"$E[y] \ne \pi$",
        "reparameterisation",
        r"J = \frac{1}{\tau}\big(\operatorname{diag}(y) - y\, y^{\top}\big)",
        "Jang, Gu",
        "Maddison, Mnih",
        "2017",
    ]:
        assert phrase in ABOUT_TEXT, phrase


def test_about_math_is_well_delimited_html() -> None:
    display = re.findall(r"\$\$(.+?)\$\$", ABOUT_TEXT, re.DOTALL)
    rest = re.sub(r"\$\$.+?\$\$", "", ABOUT_TEXT, flags=re.DOTALL)
    assert len(display) >= 4 and rest.count("$") % 2 == 0
    inline = re.findall(r"\$(.+?)\$", rest, re.DOTALL)
    assert len(inline) > 30
    for math in display + inline:
        assert "<" not in math, math  # the pane sets innerHTML: "<" would start a tag
    assert not re.search(r"&(?!amp;)", ABOUT_TEXT)
