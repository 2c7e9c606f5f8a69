"""The palette stays distinguishable with every common colour-vision deficiency.

Each colour is seen through the dichromacy simulations of Machado, Oliveira &
Fernandes (2009, severity 1) in linear RGB, and every pair used together must stay
at least MIN_DELTA_E apart in CIELAB (CIE76 ΔE; about 2.3 is just noticeable).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from gumbel_viz.views.base import CLASS_COLORS, DRAWN_COLOR, PI_COLOR, Y_COLOR
from gumbel_viz.views.estimators import STYLE

MIN_DELTA_E = 15.0
SIMULATIONS = {
    "normal vision": np.eye(3),
    "protanopia": np.array(
        [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
         [-0.003882, -0.048116, 1.051998]]
    ),
    "deuteranopia": np.array(
        [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
         [-0.011820, 0.042940, 0.968881]]
    ),
    "tritanopia": np.array(
        [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
         [0.004733, 0.691367, 0.303900]]
    ),
}  # fmt: skip
SRGB_TO_XYZ = np.array(
    [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]
)
WHITE = np.array([0.95047, 1.0, 1.08883])


def linear_rgb(hex_colour: str) -> np.ndarray:
    c = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def cielab(rgb: np.ndarray) -> np.ndarray:
    t = SRGB_TO_XYZ @ np.clip(rgb, 0, 1) / WHITE
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def closest_pair(colours: list[str], simulation: np.ndarray) -> float:
    seen = {c: cielab(simulation @ linear_rgb(c)) for c in colours}
    return min(np.linalg.norm(seen[a] - seen[b]) for a, b in itertools.combinations(colours, 2))


PALETTES = {
    "class lines": list(CLASS_COLORS),
    "main chart": [PI_COLOR, Y_COLOR, DRAWN_COLOR],
    "estimators": [colour for colour, _ in STYLE.values()],
}


@pytest.mark.parametrize("simulation", SIMULATIONS)
@pytest.mark.parametrize("palette", PALETTES)
def test_colours_used_together_stay_apart(palette: str, simulation: str) -> None:
    assert closest_pair(PALETTES[palette], SIMULATIONS[simulation]) >= MIN_DELTA_E


def test_the_check_catches_red_and_green_for_deuteranopia() -> None:
    red_green = ["#D62728", "#2CA02C"]  # matplotlib's tab:red and tab:green
    assert closest_pair(red_green, SIMULATIONS["normal vision"]) > 50
    assert closest_pair(red_green, SIMULATIONS["deuteranopia"]) < MIN_DELTA_E
