"""The Top-k view: this draw's order, its Plackett-Luce probability, and the checks."""

from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest

from gumbel_viz.core import topk as core_topk
from gumbel_viz.core.streams import DEFAULT_SEED, Stream, generator
from gumbel_viz.model import GumbelSoftmaxModel
from gumbel_viz.views import topk as tv
from gumbel_viz.views.topk import MAX_M_CHARS, N_DRAWS, SOURCE_COLUMNS, TopKView, parse_m


def topk_view(seed: int | None = 1, m: int | None = None, **model: object) -> TopKView:
    view = TopKView(model=GumbelSoftmaxModel(seed=seed, **model))
    if m is not None:
        view.m_input.value = str(m)  # as typed
    asyncio.run(view.run())
    return view


def texts(view: TopKView) -> str:
    text = " ".join(
        t.value for t in (view.order_text, view.status, view.inclusion_text, view.max_text)
    )
    assert "nan" not in text.lower() and "inf" not in text.lower()
    return text


def plackett_luce_by_hand(pi: np.ndarray, order: list[int]) -> list[float]:
    """∏ π_{i_j} / (1 − Σ_{l<j} π_{i_l}), prefix by prefix, written out as in the paper."""
    probabilities, taken, product = [], 0.0, 1.0
    for i in order:
        product *= pi[i] / (1.0 - taken)
        taken += pi[i]
        probabilities.append(product)
    return probabilities


# --------------------------------------------------------------------------- this draw


def test_order_is_the_top_m_of_log_pi_plus_g_with_its_probability() -> None:
    view = topk_view(seed=1, m=4)
    m = view.model
    data = view.sources["topk-order"].data
    order = [int(c) - 1 for c in data["cls"]]
    assert order == list(np.argsort(-(m.logits + m.noise))[:4])
    assert order[0] == m.drawn_class and data["step"] == [1, 2, 3, 4]
    np.testing.assert_array_equal(data["pi"], m.probabilities[order])
    np.testing.assert_allclose(
        data["prefix"], plackett_luce_by_hand(m.probabilities, order), rtol=1e-12
    )
    np.testing.assert_allclose(np.cumprod(data["factor"]), data["prefix"], rtol=1e-12)
    p = float(np.exp(core_topk.plackett_luce_log_probability(m.logits, order)))
    assert f"P = {tv.display_number(p)}" in view.order_text.value
    assert f"those of classes {', '.join(data['cls'])}, in that order" in view.order_text.value


def test_the_order_follows_new_noise_and_the_checks_stay() -> None:
    view = topk_view(seed=2, keep_probabilities=True)
    evidence, before = view.evidence, view.sources["topk-order"].data["cls"]
    for _ in range(5):  # new noise, the same π: a new order, the same checks
        view.model.param.trigger("resample")
        if view.sources["topk-order"].data["cls"] != before:
            break
    assert view.sources["topk-order"].data["cls"] != before
    assert view.evidence is evidence
    assert view.sources["topk-order"].data["cls"][0] == str(view.model.drawn_class + 1)


# --------------------------------------------------------------------------- checks


def test_a_run_fills_the_sources_with_the_cores_checks() -> None:
    view = TopKView(model=GumbelSoftmaxModel(seed=6, k=6))
    assert view.evidence is None and view.inclusion_text.value == tv.WAITING
    assert {s.name for s in view.sources.values()} == set(SOURCE_COLUMNS)
    asyncio.run(view.run())
    pi, m = view.model.probabilities, view.m
    inclusion = core_topk.inclusion_check(pi, m, generator(6, 0, Stream.TOP_K), N_DRAWS)
    maximum = core_topk.max_gumbel_check(view.model.logits, generator(6, 1, Stream.TOP_K), N_DRAWS)
    data = view.sources["topk-inclusion"].data
    assert data["cls"] == ["1", "2", "3", "4", "5", "6"]
    np.testing.assert_array_equal(data["exact"], inclusion.exact)
    np.testing.assert_array_equal(data["count"], inclusion.counts)
    np.testing.assert_allclose(np.sum(data["exact"]), m, rtol=1e-12)
    np.testing.assert_allclose(data["freq"], data["exact"], atol=0.01)  # Monte Carlo agrees
    hist = view.sources["topk-max"].data
    np.testing.assert_array_equal(hist["density"], maximum.density)
    np.testing.assert_array_equal(hist["pdf"], maximum.pdf)
    per_class = view.sources["topk-max-class"].data
    won = np.flatnonzero(maximum.counts > 0)
    np.testing.assert_array_equal(per_class["count"], maximum.counts[won])
    assert per_class["ks"] == [maximum.class_ks[i].statistic for i in won]
    text = texts(view)
    assert f"χ² = {inclusion.set_test.statistic:.1f}, dof = {inclusion.set_test.dof}" in text
    assert f"KS D = {maximum.ks.statistic:.4f}" in text
    assert "consistent with the exact Plackett–Luce law" in text
    assert "consistent with Gumbel(0, 1) and independence" in text
    assert all(len(c) > 0 for s in view.sources.values() for c in s.data.values())


def test_the_checks_run_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    view = TopKView(model=GumbelSoftmaxModel(seed=1))
    seen = {}

    def spy(probabilities, m, rng, n):
        seen.update(thread=threading.current_thread(), busy=view.busy, m=m, n=n)
        seen["status"] = view.status.value
        return core_topk.inclusion_check(probabilities, m, rng, n)

    monkeypatch.setattr(tv, "inclusion_check", spy)
    asyncio.run(view.run())
    assert seen["thread"] is not threading.main_thread() and seen["busy"]
    assert (seen["m"], seen["n"]) == (view.m, N_DRAWS) and N_DRAWS <= core_topk.MAX_DRAWS
    assert seen["status"].startswith("Drawing 100,000 samples")
    assert not view.busy and view.status.value.startswith("Evidence for the current π")


def test_a_run_overtaken_by_a_new_m_reruns_on_it(monkeypatch: pytest.MonkeyPatch) -> None:
    view = TopKView(model=GumbelSoftmaxModel(seed=1))
    started, proceed = threading.Event(), threading.Event()
    original = tv.compute_evidence

    def blocked(*args):
        if not started.is_set():
            started.set()
            assert proceed.wait(10)
        return original(*args)

    monkeypatch.setattr(tv, "compute_evidence", blocked)

    async def scenario() -> None:
        task = asyncio.create_task(view.run())
        assert await asyncio.to_thread(started.wait, 10)
        view.m_input.value = "2"  # typed while the checks run
        proceed.set()
        await task

    asyncio.run(scenario())
    assert view.evidence.m == view.evidence.inclusion.m == 2


def test_the_same_state_gives_the_same_evidence() -> None:
    first, second = topk_view(seed=3), topk_view(seed=3)
    for name in ("topk-inclusion", "topk-max-class"):
        np.testing.assert_array_equal(
            first.sources[name].data["count"], second.sources[name].data["count"]
        )
    assert first.inclusion_text.value == second.inclusion_text.value
    other = topk_view(seed=4)
    other.model.set_probabilities(first.model.probabilities)
    assert not np.array_equal(
        other.sources["topk-inclusion"].data["count"],
        first.sources["topk-inclusion"].data["count"],
    )
    unseeded = topk_view(seed=None)
    unseeded.model.set_probabilities(first.model.probabilities)
    expected = core_topk.inclusion_check(
        first.model.probabilities, 3, generator(DEFAULT_SEED, 0, Stream.TOP_K), N_DRAWS
    )
    np.testing.assert_array_equal(
        unseeded.sources["topk-inclusion"].data["count"], expected.counts
    )


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("1000", "m = 1000 is more than the 5 classes with π &gt; 0"),
        ("6", "m = 6 is more than the 5 classes"),
        ("1e300", "is more than the 5 classes"),
        ("0", "at least 1 class"),
        ("-2", "at least 1 class"),
        ("2.5", "&#x27;2.5&#x27; is not a whole number"),
        ("abc", "&#x27;abc&#x27; is not a number"),
        ("nan", "is not a whole number"),
        ("inf", "is not a whole number"),
        ("", "type a whole number"),
        ("9" * 5000, "is too long"),
        ("<img src=x onerror=alert(1)>", "&lt;img src=x"),
    ],
)
def test_bad_m_gets_a_message_and_keeps_the_state(typed: str, said: str) -> None:
    view = topk_view(seed=1)
    before = {name: dict(s.data) for name, s in view.sources.items()}
    evidence = view.evidence
    view.m_input.value = typed
    assert view.m == 3 and view.evidence is evidence
    message = view.message.value
    assert "m not changed:" in message and said in message and "Still m = 3." in message
    assert "<img" not in message
    for name, source in view.sources.items():
        assert source.data.keys() == before[name].keys()
        for column in source.data:
            np.testing.assert_array_equal(source.data[column], before[name][column])
    view.m_input.value = "5"  # a good value clears the message
    assert view.m == 5 and view.message.value == "" and view.evidence.m == 5


def test_parse_m_reads_whole_numbers_only() -> None:
    assert parse_m(" 4 ", 5) == 4 and parse_m("2.0", 5) == 2 and parse_m("+1", 2) == 1
    with pytest.raises(ValueError, match="too long"):
        parse_m("1" * (MAX_M_CHARS + 1), 5)


def test_m_is_lowered_when_pi_loses_classes() -> None:
    view = topk_view(seed=1, m=5)
    view.model.set_probabilities([0.5, 0.0, 0.3, 0.2, 0.0])
    assert view.m == 3 and view.m_input.value == "3"
    assert "m lowered from 5 to 3" in view.message.value
    assert view.m_input.label == "Sample size m (1 to 3)"
    assert view.evidence.m == 3 and len(view.sources["topk-order"].data["cls"]) == 3
    view.model.set_probabilities([0.0, 0.0, 1.0, 0.0, 0.0])
    assert view.m == 1 and view.m_input.label == "Sample size m (1)"
    assert "now has 1 class with π &gt; 0" in view.message.value or (
        "now has 1 class with π > 0" in view.message.value
    )
    view.model.k = 12  # new π, all twelve possible: m stays, the bound grows
    assert view.m == 1 and view.m_input.label == "Sample size m (1 to 12)"


# --------------------------------------------------------------------------- every state


def test_uniform_pi() -> None:
    view = topk_view(seed=1, k=4, m=2)
    view.model.set_probabilities([0.25] * 4)
    text = texts(view)
    np.testing.assert_allclose(view.sources["topk-inclusion"].data["exact"], 0.5, rtol=1e-12)
    assert "over the 6 possible sets of 2 of the 4 classes" in text
    assert (
        "q &gt; π for classes 1, 2, 3 and 4" in text or "q > π for classes 1, 2, 3 and 4" in text
    )
    assert "never won" not in text


def test_one_sure_class() -> None:
    view = topk_view(seed=1)
    view.model.set_probabilities([1, 0, 0, 0, 0])
    text = texts(view)
    assert view.m == 1 and view.sources["topk-order"].data["cls"] == ["1"]
    assert "P = 1.0000" in text and "log P = 0.0000" in text
    assert "is that of class 1 (class 1 is the drawn class" in text
    assert "there is only one possible set, nothing random to test" in text
    assert "Only class 1 can win" in text and "χ²" not in text
    np.testing.assert_array_equal(view.sources["topk-inclusion"].data["exact"], [1, 0, 0, 0, 0])


def test_zeros_in_pi() -> None:
    view = topk_view(seed=1, m=2)
    view.model.set_probabilities([0.5, 0.0, 0.3, 0.2, 0.0])
    text = texts(view)
    assert "of the 3 classes with π" in text
    assert "Classes 2 and 5 never won (π = 0)." in text
    data = view.sources["topk-inclusion"].data
    assert data["exact"][1] == data["exact"][4] == data["count"][1] == data["count"][4] == 0
    assert set(view.sources["topk-max-class"].data["cls"]) == {"1", "3", "4"}


def test_m_1_is_the_gumbel_max_trick() -> None:
    view = topk_view(seed=1, m=1)
    text = texts(view)
    np.testing.assert_allclose(
        view.sources["topk-inclusion"].data["exact"], view.model.probabilities, rtol=1e-12
    )
    assert "For m = 1, q = π: this is the Gumbel-Max trick." in text and "q &gt; π" not in text


@pytest.mark.parametrize("k", [2, 12])
def test_k_2_and_12(k: int) -> None:
    view = topk_view(seed=1, k=k, m=2)
    text = texts(view)
    assert len(view.sources["topk-inclusion"].data["cls"]) == k
    assert view.inclusion_figure.x_range.factors == [str(i) for i in range(1, k + 1)]
    if k == 2:  # both classes in every sample of 2
        assert "only one possible set" in text
    else:
        assert "over the 66 possible sets of 2 of the 12 classes" in text
    view.m_input.value = str(k)
    assert view.m == k and len(view.sources["topk-order"].data["cls"]) == k
    assert "only one possible set" in texts(view)
    for source in view.sources.values():
        for column, values in source.data.items():
            if column in ("left", "right", "x", "density", "pdf", "exact", "freq", "z"):
                assert np.isfinite(np.asarray(values, dtype=float)).all(), column


def test_retyping_the_current_m_clears_an_old_message() -> None:
    view = topk_view(seed=1)
    view.m_input.value = "x"
    assert "m not changed" in view.message.value
    view.m_input.value = " 3"
    assert view.m == 3 and view.message.value == ""


def test_the_m_box_tells_the_browser_its_cap() -> None:
    view = TopKView(model=GumbelSoftmaxModel(seed=1))
    assert view.m_input.max_length == MAX_M_CHARS


def test_the_views_sit_where_the_issue_puts_them() -> None:
    from gumbel_viz.app.explorer import GROUPS

    groups = {title: [view.slug for view in views] for title, views in GROUPS}
    assert groups["Prove"][-2:] == ["verify", "top-k"]
    use = groups["Use"]
    assert use[use.index("distribution") + 1 : use.index("distribution") + 3] == [
        "code",
        "pitfalls",
    ]
