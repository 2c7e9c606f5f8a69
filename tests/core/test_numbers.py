"""Numbers as text: parsing what users type and links carry, and each formatter."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gumbel_viz.core.numbers import (
    display_number,
    format_numbers,
    format_p,
    parse_numbers,
    read_integer,
    tex_number,
)


def test_parse_numbers_accepts_separators_and_refuses_garbage() -> None:
    assert parse_numbers("0.1, 0.2;0.3  0.4") == [0.1, 0.2, 0.3, 0.4]
    assert parse_numbers("-inf 1", allow_minus_inf=True) == [-math.inf, 1.0]
    for bad, named in [
        ("1, x", "'x'"),
        ("nan 1", "'nan'"),
        ("inf 1", "'inf'"),
        ("-inf 1", "'-inf'"),
        ("", "one number"),
        ("__import__('os')", "not"),
    ]:
        with pytest.raises(ValueError, match=named):
            parse_numbers(bad)


def test_format_numbers_reads_back_exactly() -> None:
    values = np.log(np.random.default_rng(1).dirichlet(np.ones(6)))
    assert parse_numbers(format_numbers(values)) == values.tolist()


def test_display_and_tex_numbers() -> None:
    assert display_number(-np.inf) == "−∞"
    assert display_number(-1.23456) == "−1.2346"
    assert display_number(1e-7) == "1.0000e−07"
    assert display_number(0.0) == "0.0000"
    assert tex_number(2.5e-9) == r"2.5000\times 10^{-9}"
    assert tex_number(0.125) == "0.1250"


@pytest.mark.parametrize(
    ("p", "shown"),
    [
        (0.5, "0.500"),
        (0.0015, "0.001"),  # rounded down, never up
        (0.00051, "5.10e-04"),  # once shown as "p = 0.001" by a check failing below 0.001
        (9.996e-07, "9.99e-07"),  # stays below a 1e-6 threshold
        (3e-05, "3.00e-05"),
        (1e-301, "< 1e-300"),
        (0.999999, "0.999"),
    ],
)
def test_format_p_never_rounds_across_a_threshold(p: float, shown: str) -> None:
    assert format_p(p) == shown


def test_read_integer_clamps_and_names_what_it_refused() -> None:
    notices: list[str] = []
    assert read_integer("k", "100", (2, 12), notices) == 12
    assert read_integer("k", "2.5", (2, 12), notices) is None
    assert read_integer("k", "inf", (2, 12), notices) is None
    assert read_integer("k", "x", (2, 12), notices) is None
    assert notices == [
        "k=100 is out of range; using 12",
        "k='2.5' is not a whole number; ignored",
        "k='inf' is not a whole number; ignored",
        "k='x' is not a number; ignored",
    ]
