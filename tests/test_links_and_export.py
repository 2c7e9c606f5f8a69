"""Shared links, your own distribution, and downloads, without a browser."""

from __future__ import annotations

import csv
import io
import math
import re

import numpy as np
import pytest

from gumbel_viz import engine
from gumbel_viz.custom import DistributionEditor, format_numbers, parse_numbers
from gumbel_viz.export import standalone_html, state_csv
from gumbel_viz.model import GumbelSoftmaxModel
from gumbel_viz.urlstate import parse_query

VIEWS = ["pipeline", "about"]
N_CHOICES = [1000, 10000, 100000, 1000000]


def parse(**query: str):
    return parse_query(query, VIEWS, N_CHOICES)


# --------------------------------------------------------------------------- parse_query


def test_good_link_is_used_as_is() -> None:
    link = parse(tau="0.25", k="4", seed="7", draw="3", view="about", n="10000",
                 p="0.1, 0.2, 0.3, 0.4")
    assert (link.tau, link.k, link.seed, link.draw, link.view, link.n) == (
        0.25, 4, 7, 3, "about", 10000)
    assert link.probabilities == [0.1, 0.2, 0.3, 0.4]
    assert link.notices == []


@pytest.mark.parametrize(
    ("query", "field", "expected", "notice"),
    [
        ({"tau": "-1"}, "tau", 0.01, "out of range"),
        ({"tau": "1e9"}, "tau", 10.0, "out of range"),
        ({"tau": "nan"}, "tau", None, "not a number"),
        ({"tau": "inf"}, "tau", 10.0, "out of range"),
        ({"tau": "abc"}, "tau", None, "not a number"),
        ({"k": "100000"}, "k", 12, "out of range"),
        ({"k": "1"}, "k", 2, "out of range"),
        ({"k": "2.5"}, "k", None, "not a whole number"),
        ({"seed": "abc"}, "seed", None, "not a number"),
        ({"seed": "-4"}, "seed", 0, "out of range"),
        ({"seed": "1e300"}, "seed", 2**32 - 1, "out of range"),
        ({"draw": "1e12"}, "draw", 2**31 - 1, "out of range"),
        ({"n": "1e12"}, "n", 1000000, "out of range"),
        ({"n": "5000"}, "n", 10000, "not offered"),
        ({"view": "<script>"}, "view", None, "not a view"),
        ({"p": "0.5,abc"}, "probabilities", None, "not a distribution"),
        ({"p": "0,0,0"}, "probabilities", None, "not a distribution"),
        ({"p": "-1,2"}, "probabilities", None, "not a distribution"),
        ({"p": "0.5"}, "probabilities", None, "not a distribution"),
        ({"p": ",".join(["1"] * 13)}, "probabilities", None, "does not fit k"),
        ({"k": "3", "p": "1,1"}, "probabilities", None, "does not fit k"),
    ],
)
def test_tampered_values_are_clamped_or_ignored_with_a_notice(
    query: dict, field: str, expected: object, notice: str
) -> None:
    link = parse(**query)
    assert getattr(link, field) == expected
    assert any(notice in n for n in link.notices), link.notices


def test_huge_values_cost_nothing() -> None:
    link = parse(p="1," * 10**6, tau="9" * 10**5)
    assert link.probabilities is None and link.tau == 10.0


# --------------------------------------------------------------------------- editor


def test_parse_numbers_accepts_separators_and_refuses_garbage() -> None:
    assert parse_numbers("0.1, 0.2;0.3  0.4") == [0.1, 0.2, 0.3, 0.4]
    assert parse_numbers("-inf 1", allow_minus_inf=True) == [-math.inf, 1.0]
    for bad, named in [("1, x", "'x'"), ("nan 1", "'nan'"), ("inf 1", "'inf'"),
                       ("-inf 1", "'-inf'"), ("", "one number"), ("__import__('os')", "not")]:
        with pytest.raises(ValueError, match=named):
            parse_numbers(bad)


def test_format_numbers_reads_back_exactly() -> None:
    values = np.log(np.random.default_rng(1).dirichlet(np.ones(6)))
    assert parse_numbers(format_numbers(values)) == values.tolist()


def test_editor_applies_probabilities_and_normalises() -> None:
    model = GumbelSoftmaxModel(k=4, seed=1)
    editor = DistributionEditor(model=model)
    editor.text = "1, 1, 2, 4"
    editor.param.trigger("apply")
    np.testing.assert_allclose(model.probabilities, [0.125, 0.125, 0.25, 0.5])
    assert model.pinned
    assert "Applied" in editor.message.value


def test_editor_applies_logits_with_minus_inf() -> None:
    model = GumbelSoftmaxModel(k=3, seed=1)
    editor = DistributionEditor(model=model, mode="logits")
    editor.text = "0, -inf, 0"
    editor.param.trigger("apply")
    np.testing.assert_array_equal(model.probabilities, [0.5, 0.0, 0.5])
    assert model.y[1] == 0.0 and np.isfinite(model.y).all()


@pytest.mark.parametrize(
    ("text", "named"),
    [("0.1, -0.2, 0.3", "&gt;= 0"), ("1, nan, 1", "not a finite number"),
     ("a, b, c", "is not a number"), ("0, 0, 0", "positive sum"),
     ("1, 2", "expected 3 numbers"), ("<img src=x onerror=alert(1)>", "&lt;img")],
)
def test_editor_rejects_bad_input_and_keeps_state(text: str, named: str) -> None:
    model = GumbelSoftmaxModel(k=3, seed=1)
    editor = DistributionEditor(model=model)
    before = model.probabilities.copy(), model.noise.copy(), model.y.copy()
    editor.text = text
    editor.param.trigger("apply")
    for old, new in zip(before, (model.probabilities, model.noise, model.y), strict=True):
        np.testing.assert_array_equal(old, new)
    assert "Not applied" in editor.message.value and named in editor.message.value
    assert "<img" not in editor.message.value  # user text is escaped


def test_shifting_the_logits_changes_nothing_but_rounding() -> None:
    model = GumbelSoftmaxModel(k=5, seed=2)
    editor = DistributionEditor(model=model)
    pi, y, drawn = model.probabilities.copy(), model.y.copy(), model.drawn_class
    editor.shift = 123.5
    editor.param.trigger("apply_shift")
    np.testing.assert_allclose(model.probabilities, pi, rtol=1e-12)
    np.testing.assert_allclose(model.y, y, rtol=1e-12, atol=1e-15)
    assert model.drawn_class == drawn
    assert editor.mode == "logits"
    np.testing.assert_allclose(parse_numbers(editor.text), np.log(pi) + 123.5, rtol=1e-12)


# --------------------------------------------------------------------------- exports


def test_state_csv_has_the_exact_state() -> None:
    model = GumbelSoftmaxModel(k=4, seed=9, tau=0.3)
    text = state_csv(model)
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert comments == ["# tau=0.3", "# k=4", "# seed=9", "# draw=0"]
    rows = list(csv.DictReader(io.StringIO("\n".join(
        line for line in text.splitlines() if not line.startswith("#")))))
    assert [float(r["pi"]) for r in rows] == model.probabilities.tolist()
    assert [float(r["g"]) for r in rows] == model.noise.tolist()
    assert [float(r["y"]) for r in rows] == model.y.tolist()
    expected = engine.gumbel_softmax([float(r["logit"]) for r in rows], 0.3,
                                     gumbel=[float(r["g"]) for r in rows])
    np.testing.assert_array_equal([float(r["y"]) for r in rows], expected)
    assert [int(r["drawn"]) for r in rows].index(1) == model.drawn_class


def test_state_csv_writes_minus_inf_for_a_zero_probability() -> None:
    model = GumbelSoftmaxModel(k=3, seed=9)
    model.set_probabilities([0.5, 0.0, 0.5])
    row = state_csv(model).splitlines()[6].split(",")
    assert row[1:3] == ["0.0", "-inf"] and row[4] == "0.0"


def test_standalone_html_is_self_contained() -> None:
    page = standalone_html(GumbelSoftmaxModel(seed=1))
    assert "<script" in page and "sample-bars" in page
    assert re.search(r"<script[^>]*\bsrc=", page) is None  # BokehJS is inlined
    assert re.search(r"<link[^>]*\bhref=", page) is None
