"""Downloads: the state as CSV, and the main chart as one self-contained HTML file."""

from __future__ import annotations

import csv
import io
import re

import numpy as np

from gumbel_viz import core
from gumbel_viz.app.downloads import standalone_html, state_csv
from gumbel_viz.model import GumbelSoftmaxModel


def test_state_csv_has_the_exact_state() -> None:
    model = GumbelSoftmaxModel(k=4, seed=9, tau=0.3)
    text = state_csv(model)
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert comments == ["# tau=0.3", "# k=4", "# seed=9", "# draw=0"]
    rows = list(
        csv.DictReader(
            io.StringIO("\n".join(line for line in text.splitlines() if not line.startswith("#")))
        )
    )
    assert [float(r["pi"]) for r in rows] == model.probabilities.tolist()
    assert [float(r["g"]) for r in rows] == model.noise.tolist()
    assert [float(r["y"]) for r in rows] == model.y.tolist()
    expected = core.gumbel_softmax(
        [float(r["logit"]) for r in rows], 0.3, gumbel=[float(r["g"]) for r in rows]
    )
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
