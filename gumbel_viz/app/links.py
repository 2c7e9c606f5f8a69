"""Reading a shared link's query safely: every value is parsed, bounded or dropped.

``parse_query`` never raises and never lets a URL ask for unbounded work: each
bad value is clamped into range or ignored, with a notice saying which.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .. import core
from ..core.numbers import clamp, parse_numbers, read_integer, read_number
from ..model import DRAW_BOUNDS, K_BOUNDS, SEED_BOUNDS, TAU_BOUNDS
from ..views.base import View

MAX_VALUE_CHARS = 2000
#: Views that were renamed: old links still open them.
RENAMED = {"gradients": "estimators"}


@dataclass
class LinkState:
    """What a link asks for, already valid; ``None`` means "not in the link".

    ``settings`` holds, per view slug, the view settings the link carries
    (:meth:`View.settings_from_link`).
    """

    tau: float | None = None
    k: int | None = None
    seed: int | None = None
    draw: int | None = None
    probabilities: list[float] | None = None
    view: str | None = None
    settings: dict[str, dict[str, object]] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)


def parse_query(query: dict[str, str], views: Sequence[type[View]]) -> LinkState:
    """Turn a link's query (``{name: raw string}``) into a valid :class:`LinkState`."""
    state = LinkState()
    notices = state.notices
    query = {name: raw[:MAX_VALUE_CHARS] for name, raw in query.items()}
    if "tau" in query and (tau := read_number("tau", query["tau"], notices)) is not None:
        state.tau = clamp("tau", tau, *TAU_BOUNDS, notices)
    if "k" in query:
        state.k = read_integer("k", query["k"], K_BOUNDS, notices)
    if "seed" in query and query["seed"] != "":
        state.seed = read_integer("seed", query["seed"], SEED_BOUNDS, notices)
    if "draw" in query:
        state.draw = read_integer("draw", query["draw"], DRAW_BOUNDS, notices)
    for view in views:
        if settings := view.settings_from_link(query, notices):
            state.settings[view.slug] = settings
    if "view" in query:
        slug = RENAMED.get(query["view"], query["view"])
        if slug in {view.slug for view in views}:
            state.view = slug
        else:
            notices.append(f"view={query['view']!r} is not a view here; ignored")
    if query.get("p"):
        state.probabilities = _probabilities(query["p"], state.k, notices)
    return state


def _probabilities(raw: str, k: int | None, notices: list[str]) -> list[float] | None:
    try:
        p = core.validate_probabilities(parse_numbers(raw))
    except ValueError as error:
        notices.append(f"p is not a distribution ({error}); ignored")
        return None
    if not K_BOUNDS[0] <= len(p) <= K_BOUNDS[1] or (k is not None and len(p) != k):
        notices.append(f"p has {len(p)} values, which does not fit k; ignored")
        return None
    return p.tolist()
