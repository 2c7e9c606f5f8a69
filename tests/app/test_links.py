"""Reading a shared link: every value used, clamped or dropped with a notice."""

from __future__ import annotations

import pytest

from gumbel_viz.app import VIEWS
from gumbel_viz.app.links import LinkState, parse_query


def parse(**query: str) -> LinkState:
    return parse_query(query, VIEWS)


# --------------------------------------------------------------------------- parse_query


def test_good_link_is_used_as_is() -> None:
    link = parse(
        tau="0.25", k="4", seed="7", draw="3", view="about", n="10000", p="0.1, 0.2, 0.3, 0.4"
    )
    assert (link.tau, link.k, link.seed, link.draw, link.view) == (0.25, 4, 7, 3, "about")
    assert link.settings == {"monte-carlo": {"n_draws": 10000}}
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
        ({"n": "abc"}, "n", None, "not a number"),
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
    if field == "n":  # a Monte Carlo setting
        assert link.settings.get("monte-carlo", {}).get("n_draws") == expected
    else:
        assert getattr(link, field) == expected
    assert any(notice in n for n in link.notices), link.notices


def test_huge_values_cost_nothing() -> None:
    link = parse(p="1," * 10**6, tau="9" * 10**5)
    assert link.probabilities is None and link.tau == 10.0
