"""Reading a shared link's query safely: every value is parsed, bounded or dropped.

``parse_query`` never raises and never lets a URL ask for unbounded work: each
bad value is clamped into range or ignored, with a notice saying which.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from . import engine
from .custom import parse_numbers
from .model import DRAW_BOUNDS, K_BOUNDS, SEED_BOUNDS, TAU_BOUNDS

MAX_VALUE_CHARS = 2000


@dataclass
class LinkState:
    """What a link asks for, already valid; ``None`` means "not in the link"."""

    tau: float | None = None
    k: int | None = None
    seed: int | None = None
    draw: int | None = None
    probabilities: list[float] | None = None
    view: str | None = None
    n: int | None = None
    notices: list[str] = field(default_factory=list)


def _clamp(name: str, value: float, low: float, high: float, notices: list[str]) -> float:
    if value < low or value > high:
        clamped = min(max(value, low), high)
        notices.append(f"{name}={value:g} is out of range; using {clamped:g}")
        return clamped
    return value


def _number(name: str, raw: str, notices: list[str]) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        notices.append(f"{name}={raw!r} is not a number; ignored")
        return None
    if math.isnan(value):
        notices.append(f"{name}={raw!r} is not a number; ignored")
        return None
    return value


def _integer(
    name: str, raw: str, bounds: tuple[int, int], notices: list[str]
) -> int | None:
    value = _number(name, raw, notices)
    if value is None:
        return None
    if math.isinf(value) or value != int(value):
        notices.append(f"{name}={raw!r} is not a whole number; ignored")
        return None
    return int(_clamp(name, int(value), *bounds, notices))


def parse_query(
    query: dict[str, str], views: list[str], n_choices: list[int]
) -> LinkState:
    """Turn a link's query (``{name: raw string}``) into a valid :class:`LinkState`."""
    state = LinkState()
    notices = state.notices
    query = {name: raw[:MAX_VALUE_CHARS] for name, raw in query.items()}
    if "tau" in query and (tau := _number("tau", query["tau"], notices)) is not None:
        state.tau = _clamp("tau", tau, *TAU_BOUNDS, notices)
    if "k" in query:
        state.k = _integer("k", query["k"], K_BOUNDS, notices)
    if "seed" in query and query["seed"] != "":
        state.seed = _integer("seed", query["seed"], SEED_BOUNDS, notices)
    if "draw" in query:
        state.draw = _integer("draw", query["draw"], DRAW_BOUNDS, notices)
    if "n" in query and (n := _integer("n", query["n"], (1, max(n_choices)), notices)):
        state.n = min(n_choices, key=lambda choice: abs(math.log(choice / n)))
        if state.n != n:
            notices.append(f"n={n} is not offered; using {state.n}")
    if "view" in query:
        if query["view"] in views:
            state.view = query["view"]
        else:
            notices.append(f"view={query['view']!r} is not a view here; ignored")
    if query.get("p"):
        state.probabilities = _probabilities(query["p"], state.k, notices)
    return state


def _probabilities(raw: str, k: int | None, notices: list[str]) -> list[float] | None:
    try:
        values = parse_numbers(raw)
        p = engine.validate_probabilities(values)
    except ValueError as error:
        notices.append(f"p is not a distribution ({error}); ignored")
        return None
    if not K_BOUNDS[0] <= len(p) <= K_BOUNDS[1] or (k is not None and len(p) != k):
        notices.append(f"p has {len(p)} values, which does not fit k; ignored")
        return None
    return p.tolist()
