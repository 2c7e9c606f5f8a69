"""The pipeline view ("Under the hood"): what it holds is the core's math."""

from __future__ import annotations

import re

import numpy as np
import panel as pn
from bokeh.document import Document

from gumbel_viz import core
from gumbel_viz.core.numbers import tex_number
from gumbel_viz.model import GumbelSoftmaxModel
from gumbel_viz.views.pipeline import STAGES, PipelineView

from .states import with_zero_class

STAGE_KEYS = [key for key, _, _ in STAGES]
TEXT_COLUMNS = [f"{key}_text" for key in STAGE_KEYS]


def pipeline_of(model: GumbelSoftmaxModel) -> tuple[PipelineView, dict]:
    view = PipelineView(model=model)
    return view, view.source.data


def assert_pipeline_is_engine(model: GumbelSoftmaxModel, data: dict) -> None:
    logits = core.logits_from_probabilities(model.probabilities)
    z = logits + model.noise
    assert data["cls"] == [str(i) for i in range(1, model.k + 1)]
    np.testing.assert_array_equal(data["log_pi"], logits)
    np.testing.assert_array_equal(data["g"], model.noise)
    np.testing.assert_array_equal(data["z"], z)
    np.testing.assert_array_equal(data["z_over_tau"], z / model.tau)
    np.testing.assert_array_equal(
        data["y"], core.gumbel_softmax(logits, model.tau, gumbel=model.noise)
    )
    drawn = int(core.gumbel_max(logits, gumbel=model.noise))
    assert data["is_drawn"] == [i == drawn for i in range(model.k)]


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
    assert view.table.value.count("<tr") == 1 + view.model.k  # the header and a row per class


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
