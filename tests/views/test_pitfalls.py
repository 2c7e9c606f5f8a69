"""The Pitfalls view: live evidence at the current state, from the core, seeded."""

from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest

from gumbel_viz.core import pitfalls as core_pitfalls
from gumbel_viz.core.pitfalls import NanCase
from gumbel_viz.core.streams import DEFAULT_SEED, Stream, generator
from gumbel_viz.model import GumbelSoftmaxModel
from gumbel_viz.views import pitfalls as pv
from gumbel_viz.views.pitfalls import N_DRAWS, SOURCE_COLUMNS, PitfallsView, nan_case_html


def pitfalls_view(seed: int | None = 1, **model: object) -> PitfallsView:
    view = PitfallsView(model=GumbelSoftmaxModel(seed=seed, **model))
    asyncio.run(view.run())
    return view


def texts(view: PitfallsView) -> str:
    """Every sentence about the state outside the NaN section (which shows NaN on purpose)."""
    text = " ".join(
        t.value for t in (view.status, view.logits_text, view.tau_text, view.density_text)
    )
    assert "nan" not in text.lower() and "inf" not in text.lower() and "None" not in text
    return text


def test_view_starts_empty_and_a_run_fills_every_source() -> None:
    view = PitfallsView(model=GumbelSoftmaxModel(seed=1))
    assert view.evidence is None and view.logits_text.value == pv.WAITING
    assert {s.name for s in view.sources.values()} == set(SOURCE_COLUMNS)
    assert all(len(c) == 0 for s in view.sources.values() for c in s.data.values())
    asyncio.run(view.run())
    for name, source in view.sources.items():
        assert tuple(source.data) == SOURCE_COLUMNS[name]
        assert all(len(c) > 0 for c in source.data.values()), name
    assert len(view.sources["pitfall-nans"].data["name"]) == 4
    assert view.logits_figure.x_range.factors == ["1", "2", "3", "4", "5"]


def test_sources_hold_the_cores_numbers_at_the_state() -> None:
    view = pitfalls_view(seed=7, tau=0.3)
    m = view.model
    pi = m.probabilities
    logits_pf = core_pitfalls.probabilities_as_logits(
        pi, generator(7, 0, Stream.PITFALLS), N_DRAWS
    )
    tau_pf = core_pitfalls.tau_on_logits(pi, 0.3, generator(7, 1, Stream.PITFALLS), N_DRAWS)
    at_one = core_pitfalls.tau_on_logits(pi, 1.0, generator(7, 1, Stream.PITFALLS), N_DRAWS)
    for name, pitfall in (("pitfall-logits", logits_pf), ("pitfall-tau", tau_pf)):
        data = view.sources[name].data
        np.testing.assert_array_equal(data["pi"], pi)
        np.testing.assert_array_equal(data["target"], pitfall.mistaken.target)
        np.testing.assert_array_equal(data["mistaken_count"], pitfall.mistaken.counts)
        np.testing.assert_array_equal(data["correct_count"], pitfall.correct.counts)
        np.testing.assert_array_equal(data["mistaken"], pitfall.mistaken.frequencies)
        np.testing.assert_array_equal(data["correct"], pitfall.correct.frequencies)
    np.testing.assert_array_equal(
        view.sources["pitfall-tau"].data["correct_count_tau1"], at_one.correct.counts
    )
    # softmax(π) and softmax(log π / 0.3) are not π: the mistake is real here.
    assert logits_pf.total_variation > 0.05 and tau_pf.total_variation > 0.05
    cases = core_pitfalls.nan_sources(m.logits, m.noise, 0.3)
    nans = view.sources["pitfall-nans"].data
    assert nans["name"] == [c.name for c in cases]
    assert nans["naive"] == [pv.values_text(c.naive) for c in cases]
    assert all(("NaN" in t or "∞" in t) for t in nans["naive"])
    assert all(("NaN" not in t and "∞" not in t) for t in nans["stable"])
    density = core_pitfalls.density_example(m.logits, m.noise, 0.3)
    values = view.sources["pitfall-density"].data["value"]
    assert values == [density.log_density, density.uniform_log_density, 0.693147180559945]
    text = texts(view)
    assert f"χ² = {logits_pf.mistaken.against_pi.statistic:.1f}" in text
    assert f"total variation of {tau_pf.total_variation:.3g} away from π" in text
    assert f"log p(y) = {density.log_density:.4g}" in text


def test_the_evidence_is_computed_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    view = PitfallsView(model=GumbelSoftmaxModel(seed=1))
    seen = {}

    def spy(probabilities, rng, n):
        seen.update(thread=threading.current_thread(), busy=view.busy, n=n)
        seen["status"] = view.status.value
        return core_pitfalls.probabilities_as_logits(probabilities, rng, n)

    monkeypatch.setattr(pv, "probabilities_as_logits", spy)
    asyncio.run(view.run())
    assert seen["thread"] is not threading.main_thread() and seen["busy"]
    assert seen["n"] == N_DRAWS <= core_pitfalls.MAX_DRAWS
    assert seen["status"].startswith("Drawing 100,000 samples")
    assert not view.busy and view.status.value.startswith("Evidence at τ = 1")


def test_a_run_overtaken_by_a_new_state_reruns_on_it(monkeypatch: pytest.MonkeyPatch) -> None:
    view = PitfallsView(model=GumbelSoftmaxModel(seed=1))
    started, proceed = threading.Event(), threading.Event()
    original = pv.compute_evidence

    def blocked(*args):
        if not started.is_set():
            started.set()
            assert proceed.wait(10)
        return original(*args)

    monkeypatch.setattr(pv, "compute_evidence", blocked)

    async def scenario() -> None:
        task = asyncio.create_task(view.run())
        assert await asyncio.to_thread(started.wait, 10)
        view.model.tau = 0.2  # the state changes while computing
        proceed.set()
        await task

    asyncio.run(scenario())
    assert view.evidence.tau == 0.2 and "τ = 0.2" in view.status.value


def test_state_changes_recompute_the_evidence() -> None:
    view = pitfalls_view(seed=2)
    before = view.sources["pitfall-tau"].data["mistaken_count"]
    view.model.tau = 0.25  # no event loop here: the rerun completes at once
    assert view.evidence.tau == 0.25
    assert not np.array_equal(before, view.sources["pitfall-tau"].data["mistaken_count"])
    view.model.k = 8
    assert view.sources["pitfall-logits"].data["cls"] == [str(i) for i in range(1, 9)]
    assert view.tau_figure.x_range.factors == [str(i) for i in range(1, 9)]


def test_the_same_state_gives_the_same_evidence() -> None:
    first, second = pitfalls_view(seed=3, tau=0.5), pitfalls_view(seed=3, tau=0.5)
    for name in ("pitfall-logits", "pitfall-tau"):
        for column in ("mistaken_count", "correct_count"):
            a, b = first.sources[name].data[column], second.sources[name].data[column]
            np.testing.assert_array_equal(a, b)
    assert first.logits_text.value == second.logits_text.value
    other = pitfalls_view(seed=4, tau=0.5)
    other.model.set_probabilities(first.model.probabilities)
    assert not np.array_equal(
        other.sources["pitfall-logits"].data["correct_count"],
        first.sources["pitfall-logits"].data["correct_count"],
    )


def test_without_a_session_seed_the_default_seed_is_used() -> None:
    pi = [0.1, 0.25, 0.05, 0.4, 0.2]
    views = [pitfalls_view(seed=None) for _ in range(2)]
    for view in views:
        view.model.set_probabilities(pi)
    counts = [v.sources["pitfall-tau"].data["correct_count"] for v in views]
    np.testing.assert_array_equal(*counts)
    expected = core_pitfalls.tau_on_logits(pi, 1.0, generator(DEFAULT_SEED, 1, Stream.PITFALLS))
    np.testing.assert_array_equal(counts[0], expected.correct.counts)
    assert f"seed {DEFAULT_SEED}" in views[0].status.value


def test_the_relaxations_hard_sample_gives_the_same_counts_at_every_tau() -> None:
    view = pitfalls_view(seed=5, tau=0.05)
    data = view.sources["pitfall-tau"].data
    np.testing.assert_array_equal(data["correct_count"], data["correct_count_tau1"])
    assert "exactly the same" in view.tau_text.value
    assert "rejects it" in view.tau_text.value  # softmax(log π / 0.05) is far from π


def test_nan_cases_are_escaped() -> None:
    case = NanCase(
        name="<script>x</script>",
        trigger="a & b",
        at_current_state=True,
        tau=1.0,
        naive_code="<b>",
        naive=np.array([np.nan, np.inf, -np.inf]),
        stable_code="ok()",
        stable=None,
        error="refused <here>",
        explanation="e",
    )
    text = nan_case_html(1, case)
    assert "<script>" not in text and "&lt;script&gt;" in text and "a &amp; b" in text
    assert "NaN, +∞, −∞" in text and "refused &lt;here&gt;" in text


# --------------------------------------------------------------------------- every state


def test_default_state_shows_both_mistakes() -> None:
    view = pitfalls_view(seed=1, tau=0.3)
    text = texts(view)
    assert text.count("rejects it") == 2 and text.count("is consistent with π") == 2
    assert "does no harm" not in text


def test_tau_one_makes_the_temperature_mistake_harmless() -> None:
    text = texts(pitfalls_view(seed=1, tau=1.0))
    assert "Here that equals π (τ = 1)" in text and "the two samplers coincide" in text


def test_uniform_pi() -> None:
    view = pitfalls_view(seed=1, k=4, tau=0.3)
    view.model.set_probabilities([0.25] * 4)
    text = texts(view)
    assert "π is uniform, and so is softmax(π)" in text
    assert "π is uniform over its classes with π &gt; 0" in text or (
        "π is uniform over its classes with π > 0" in text
    )
    assert text.count("does no harm") == 2 and "rejects it" not in text


def test_one_sure_class() -> None:
    view = pitfalls_view(seed=1, tau=0.3)
    view.model.set_probabilities([1, 0, 0, 0, 0])
    text = texts(view)
    data = view.sources["pitfall-logits"].data
    impossible = int(np.sum(data["mistaken_count"][1:]))
    assert impossible > 0 and f"classes with π = 0 {impossible:,} times" in text
    assert "only one class has π" in text  # the τ mistake cannot move a sure class
    assert text.count("every draw is class 1, the only class with π") >= 2
    assert "Only class 1 can be drawn" in text and text.count("log p(y) =") == 1  # the example
    assert view.sources["pitfall-density"].data["quantity"] == ["log p(y) of the example"]


def test_zeros_in_pi() -> None:
    view = pitfalls_view(seed=1, tau=0.3)
    view.model.set_probabilities([0.5, 0.0, 0.3, 0.2, 0.0])
    text = texts(view)
    assert "classes with π = 0" in text  # softmax(π) gives them mass
    assert "class(es) 2, 5" in text  # the density lives on a face
    tau_counts = view.sources["pitfall-tau"].data["mistaken_count"]
    assert tau_counts[1] == tau_counts[4] == 0  # π^(1/τ) keeps the zeros


@pytest.mark.parametrize("k", [2, 12])
def test_k_2_and_12(k: int) -> None:
    view = pitfalls_view(seed=1, k=k, tau=0.3)
    text = texts(view)
    assert len(view.sources["pitfall-tau"].data["cls"]) == k
    assert f"dof = {k - 1}" in text
    for name in ("pitfall-logits", "pitfall-tau"):
        for column, values in view.sources[name].data.items():
            if column != "cls":
                assert np.isfinite(np.asarray(values, dtype=float)).all(), (name, column)


def test_a_log_density_below_zero_is_not_called_above_zero() -> None:
    view = pitfalls_view(seed=1, k=2, tau=2.0)
    view.model.set_probabilities([0.5, 0.5])
    view.model.set_noise([0.0, 4.0])
    text = texts(view)
    assert view.evidence.density.log_density < 0
    assert "≤ 0" in text and "A value above 0 would be fine" in text
    assert "That is fine" not in text
