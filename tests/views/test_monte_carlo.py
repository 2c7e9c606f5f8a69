"""The Monte Carlo view: its sources, its run off the event loop, what it says."""

from __future__ import annotations

import asyncio
import math
import threading

import numpy as np
import pytest

from gumbel_viz.core.montecarlo import MAX_DRAWS, run_monte_carlo
from gumbel_viz.core.numbers import format_p
from gumbel_viz.model import GumbelSoftmaxModel
from gumbel_viz.views import monte_carlo as mcv
from gumbel_viz.views.monte_carlo import EMPTY_SUMMARY, SOURCE_COLUMNS, MonteCarloView

PI = np.array([0.1, 0.25, 0.05, 0.4, 0.2])


def view_with(seed: int | None = 4, n: int = 10_000, **model: object) -> MonteCarloView:
    view = MonteCarloView(model=GumbelSoftmaxModel(seed=seed, **model))
    view.n_draws = n
    return view


def is_empty(view: MonteCarloView) -> bool:
    return all(len(col) == 0 for s in view.sources.values() for col in s.data.values())


def test_view_starts_empty() -> None:
    view = view_with()
    assert is_empty(view) and view.result is None
    assert view.summary.value == EMPTY_SUMMARY and "Press" in view.summary.value
    assert {s.name for s in view.sources.values()} == set(SOURCE_COLUMNS)
    assert view.draws_widget.options["1,000,000"] == MAX_DRAWS
    assert view.button.label == "Run Monte Carlo"
    view.model.k = 7  # the empty class axes follow k
    assert view.figures[0].x_range.factors == [str(i) for i in range(1, 8)]


def test_run_fills_every_source_from_the_summary() -> None:
    view = view_with(k=6, tau=0.4)
    asyncio.run(view.run())
    result, data = view.result, {name: s.data for name, s in view.sources.items()}
    assert result is not None and result.n == 10_000 and result.tau == 0.4
    np.testing.assert_allclose(result.probabilities, view.model.probabilities, rtol=1e-14)
    freq = data["mc-frequencies"]
    assert freq["cls"] == ["1", "2", "3", "4", "5", "6"]
    for column in ("pi", "freq", "lower", "upper"):
        assert len(freq[column]) == 6
    np.testing.assert_array_equal(freq["freq"], result.frequencies)
    np.testing.assert_array_equal(data["mc-mean"]["mean_y"], result.mean_y)
    hist = data["mc-y-hist"]
    assert len(hist["density"]) == 6 and all(len(d) == 40 for d in hist["density"])
    assert len(set(hist["color"])) == 6
    assert len(data["mc-noise-hist"]["density"]) == len(data["mc-noise-pdf"]["pdf"]) == 110
    np.testing.assert_array_equal(data["mc-noise-hist"]["left"], result.noise_edges[:-1])
    text = view.summary.value
    assert f"χ² = {result.chi2:.2f}, dof = 5, p = {format_p(result.p_value)}" in text
    assert "τ = 0.4" in text and "E[y]" in text and "nan" not in text.lower()
    assert view.figures[0].x_range.factors == freq["cls"]
    assert all(math.isfinite(fig.y_range.end) and fig.y_range.end > 0 for fig in view.figures)


def test_run_computes_off_the_event_loop_while_busy(monkeypatch: pytest.MonkeyPatch) -> None:
    view = view_with(tau=0.3)
    seen = {}

    def spy(logits, tau, n, rng):
        seen.update(
            thread=threading.current_thread(),
            label=view.button.label,
            disabled=view.button.disabled,
            busy=view.busy,
            args=(logits, tau, n),
        )
        return run_monte_carlo(logits, tau, n, rng)

    monkeypatch.setattr(mcv, "run_monte_carlo", spy)
    asyncio.run(view.run())
    assert seen["thread"] is not threading.main_thread()
    assert seen["label"] == mcv.RUNNING_LABEL and seen["disabled"] and seen["busy"]
    logits, tau, n = seen["args"]
    np.testing.assert_array_equal(logits, view.model.logits)
    assert (tau, n) == (0.3, 10_000)
    assert not (view.button.disabled or view.draws_widget.disabled)
    assert view.button.label == mcv.RUN_LABEL and not view.busy


def test_resample_and_k_change_clear_the_results() -> None:
    view = view_with()
    asyncio.run(view.run())
    assert not is_empty(view)
    view.model.param.trigger("resample")
    assert is_empty(view) and view.summary.value == EMPTY_SUMMARY
    asyncio.run(view.run())
    np.testing.assert_allclose(
        view.sources["mc-mean"].data["pi"], view.model.probabilities, rtol=1e-14
    )
    view.model.k = 3
    assert is_empty(view) and view.result is None
    assert view.figures[1].x_range.factors == ["1", "2", "3"]


def test_a_run_overtaken_by_a_new_pi_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    view = view_with()
    started, proceed = threading.Event(), threading.Event()

    def blocked(*args):
        started.set()
        assert proceed.wait(10)
        return run_monte_carlo(*args)

    monkeypatch.setattr(mcv, "run_monte_carlo", blocked)

    async def scenario() -> None:
        task = asyncio.create_task(view.run())
        assert await asyncio.to_thread(started.wait, 10)
        view.model.param.trigger("resample")  # pi changes while sampling
        proceed.set()
        await task

    asyncio.run(scenario())
    assert is_empty(view) and view.result is None and not view.button.disabled


def test_tau_change_keeps_results_and_says_so() -> None:
    view = view_with(tau=1.0)
    asyncio.run(view.run())
    view.model.tau = 0.25
    assert not is_empty(view)
    assert "τ is now 0.25" in view.summary.value and "τ = 1" in view.summary.value


def test_same_model_seed_replays_the_runs() -> None:
    first, second = view_with(seed=8), view_with(seed=8)
    asyncio.run(first.run())
    asyncio.run(second.run())
    a = first.sources["mc-frequencies"].data["count"]
    np.testing.assert_array_equal(a, second.sources["mc-frequencies"].data["count"])
    asyncio.run(first.run())  # the next run of a view draws new samples
    assert not np.array_equal(a, first.sources["mc-frequencies"].data["count"])


def test_unseeded_runs_differ() -> None:
    first, second = view_with(seed=None), view_with(seed=None)
    first.model.set_probabilities(PI)
    second.model.set_probabilities(PI)
    asyncio.run(first.run())
    asyncio.run(second.run())
    assert not np.array_equal(first.result.counts, second.result.counts)


def test_nothing_shown_is_nan_with_a_zero_probability() -> None:
    view = view_with(n=1_000)
    view.model.set_probabilities([0.5, 0.0, 0.3, 0.2, 0.0])
    asyncio.run(view.run())
    for source in view.sources.values():
        for column, values in source.data.items():
            if column not in ("cls", "color", "dash"):
                assert np.isfinite(np.asarray(values, dtype=float)).all(), column
    assert view.result.counts[1] == view.result.counts[4] == 0


def test_download_offers_the_last_run_as_csv() -> None:
    view = MonteCarloView(model=GumbelSoftmaxModel(seed=3), n_draws=1000)
    assert view.download.disabled
    asyncio.run(view.run())
    assert not view.download.disabled
    assert view.download.callback().getvalue() == view.result.to_csv()
    view.model.param.trigger("resample")
    assert view.download.disabled


# --------------------------------------------------------------------------- every state


def summary_for(probabilities: list[float], tau: float = 1.0, n: int = 100_000) -> str:
    view = view_with(k=len(probabilities), tau=tau, n=n)
    view.model.set_probabilities(probabilities)
    asyncio.run(view.run())
    text = view.summary.value
    assert "nan" not in text.lower() and "inf" not in text.lower()
    return text


def test_uniform_pi_says_e_y_equals_pi_by_symmetry() -> None:
    text = summary_for([0.25] * 4)
    assert "E[y] = π here, by symmetry" in text and "E[y] is not π" not in text
    assert "uniform over the 4 classes with π > 0" in text


def test_one_sure_class_says_so_and_claims_nothing_else() -> None:
    text = summary_for([0.0, 1.0, 0.0])
    assert "only one class has π > 0" in text and "E[y] = π exactly" in text
    assert "E[y] is not π" not in text and "consistent" not in text


def test_zeros_in_pi_limit_is_uniform_over_the_possible_classes() -> None:
    text = summary_for([0.5, 0.0, 0.3, 0.2, 0.0])
    assert "uniform over the 3 classes with π > 0" in text and "1/k" not in text
    assert "E[y] is not π" in text and "standard errors" in text


@pytest.mark.parametrize("k", [2, 12])
def test_k_2_and_12_show_a_real_gap(k: int) -> None:
    probabilities = list(np.arange(1, k + 1) / (k * (k + 1) / 2))
    text = summary_for(probabilities)
    assert "E[y] is not π" in text and "standard errors" in text
    assert f"dof = {k - 1}" in text and "consistent with π" in text


def test_a_gap_within_noise_is_not_claimed() -> None:
    text = summary_for([0.1, 0.25, 0.05, 0.4, 0.2], tau=0.01, n=1_000)
    assert "too small to tell from Monte Carlo noise" in text


def test_rare_classes_are_pooled_and_the_summary_says_so() -> None:
    text = summary_for([0.001, 0.002, 0.497, 0.5], n=1_000)
    assert "expect fewer than 5 draws share one cell of the test (3 classes" in text


def test_too_few_draws_to_test_says_so() -> None:
    text = summary_for([0.9995, 0.0005], n=1_000)
    assert "too few draws to test" in text and "only one class" not in text
