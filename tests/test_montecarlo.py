"""Monte Carlo summaries (gumbel_viz.montecarlo) and the view that shows them.

Statistical checks use fixed seeds, so each is deterministic. Tolerances say how
far a correct sampler may plausibly land: a chi-square p-value above 1e-3 (a
correct sampler fails that at 0.1% of seeds), means within 5 standard errors.
Each check comes with one that a wrong answer fails, so the tests can fail.
"""

from __future__ import annotations

import asyncio
import math
import threading
import tracemalloc

import numpy as np
import pytest
from scipy import stats

from gumbel_viz import engine
from gumbel_viz import montecarlo as mc
from gumbel_viz import montecarlo_view as mcv
from gumbel_viz.model import GumbelSoftmaxModel
from gumbel_viz.montecarlo import (
    MAX_DRAWS,
    NOISE_RANGE,
    MonteCarloSummary,
    chi2_sf,
    chi_square_gof,
    class_counts,
    gamma_q,
    gumbel_pdf,
    run_monte_carlo,
    wilson_interval,
)
from gumbel_viz.montecarlo_view import EMPTY_SUMMARY, SOURCE_COLUMNS, MonteCarloView

PI = np.array([0.1, 0.25, 0.05, 0.4, 0.2])
LOGITS = np.log(PI)
# FACTS.md: Monte Carlo E[y] for PI at tau = 1, rounded to 3 decimals.
EXPECTED_MEAN_Y_TAU_1 = np.array([0.127, 0.246, 0.076, 0.341, 0.210])
P_MIN = 1e-3


@pytest.fixture(scope="module")
def million() -> MonteCarloSummary:
    """10**6 draws at PI and tau = 1, shared by the statistical checks (~0.25 s)."""
    return run_monte_carlo(LOGITS, 1.0, MAX_DRAWS, np.random.default_rng(2024))


# --------------------------------------------------------------------------- chi-square


def test_chi2_sf_matches_scipy_on_a_grid() -> None:
    statistics = np.concatenate([[0.0, 1e-8, 1e-3, 0.5], np.linspace(1, 500, 300)])
    for dof in range(1, 12):
        ours = np.array([chi2_sf(s, dof) for s in statistics])
        np.testing.assert_allclose(ours, stats.chi2.sf(statistics, dof), rtol=1e-9, atol=0)


def test_chi2_sf_keeps_relative_accuracy_for_tiny_p_values() -> None:
    for stat, dof in [(1300.0, 1), (1350.0, 7), (1380.0, 30), (1500.0, 100), (800.0, 2)]:
        expected = stats.chi2.sf(stat, dof)
        assert 1e-300 < expected < 1e-150
        assert chi2_sf(stat, dof) == pytest.approx(expected, rel=1e-9)


def test_chi2_sf_edges_and_bad_input() -> None:
    assert chi2_sf(0.0, 3) == 1.0
    assert chi2_sf(math.inf, 3) == 0.0
    assert chi2_sf(1e5, 2) == 0.0  # below the smallest double, not NaN
    assert gamma_q(0.5, 0.0) == 1.0
    for stat, dof, bad in [(-1.0, 2, "-1.0"), (math.nan, 2, "nan"), (1.0, 0, "0")]:
        with pytest.raises(ValueError, match=bad):
            chi2_sf(stat, dof)


def test_chi_square_gof_leaves_out_impossible_classes() -> None:
    stat, dof, p = chi_square_gof([30, 0, 70], [0.3, 0.0, 0.7])
    assert (stat, dof, p) == (0.0, 1, 1.0)
    stat, dof, p = chi_square_gof([40, 0, 60], [0.3, 0.0, 0.7])
    expected = stats.chisquare([40, 60], [30, 70])
    assert stat == pytest.approx(expected.statistic, rel=1e-12)
    assert (dof, p) == (1, pytest.approx(expected.pvalue, rel=1e-9))
    assert chi_square_gof([5, 0, 0], [1.0, 0.0, 0.0]) == (0.0, 0, 1.0)
    assert chi_square_gof([4, 1, 0], [1.0, 0.0, 0.0]) == (math.inf, 0, 0.0)


# --------------------------------------------------------------------------- small pieces


def test_gumbel_pdf_is_the_gumbel_density() -> None:
    x = np.linspace(-8, 40, 200_001)
    f = gumbel_pdf(x)
    assert gumbel_pdf(0.0) == pytest.approx(math.exp(-1), rel=1e-15)
    assert np.sum((f[1:] + f[:-1]) / 2 * np.diff(x)) == pytest.approx(1.0, abs=1e-9)
    np.testing.assert_allclose(f, stats.gumbel_r.pdf(x), rtol=1e-12, atol=1e-300)
    assert gumbel_pdf(-1000.0) == 0.0  # exp overflow inside, no warning out


def test_wilson_interval_matches_scipy() -> None:
    lower, upper = wilson_interval([0, 10, 100], 100)
    for i, count in enumerate([0, 10, 100]):
        ci = stats.binomtest(count, 100).proportion_ci(method="wilson")
        assert lower[i] == pytest.approx(ci.low, abs=1e-15)
        assert upper[i] == pytest.approx(ci.high, abs=1e-15)
    assert (lower[0], upper[2]) == (0.0, 1.0)


def test_class_counts_fall_back_to_gumbel_max_on_ties() -> None:
    logits = np.zeros(2)
    g = np.array([[1.0, 1.0], [0.0, 2.0]])  # row 0 ties: y = [0.5, 0.5]
    y = engine.gumbel_softmax(logits, 1.0, gumbel=g)
    assert class_counts(logits, g, y).tolist() == [1, 1]  # ties go to the lower index


def test_class_counts_equal_gumbel_max_counts() -> None:
    g = engine.sample_gumbel(np.random.default_rng(5), (20_000, 5))
    for tau in (0.01, 1.0, 10.0):
        y = engine.gumbel_softmax(LOGITS, tau, gumbel=g)
        exact = np.bincount(engine.gumbel_max(LOGITS, gumbel=g), minlength=5)
        np.testing.assert_array_equal(class_counts(LOGITS, g, y), exact)


# --------------------------------------------------------------------------- run_monte_carlo


def test_counts_sum_to_n_and_match_pi(million: MonteCarloSummary) -> None:
    assert million.counts.sum() == MAX_DRAWS
    np.testing.assert_array_equal(million.frequencies, million.counts / MAX_DRAWS)
    assert million.p_value > P_MIN
    assert million.dof == 4
    assert ((million.lower <= million.frequencies) & (million.frequencies <= million.upper)).all()


def test_chi_square_rejects_a_slightly_wrong_pi(million: MonteCarloSummary) -> None:
    wrong = [0.102, 0.248, 0.05, 0.4, 0.2]  # 0.002 moved between two classes
    assert chi_square_gof(million.counts, wrong)[2] < 1e-6


def test_mean_y_at_tau_1_matches_the_reference(million: MonteCarloSummary) -> None:
    # The reference is itself rounded to 3 decimals, hence the extra 1e-3.
    tolerance = 5 * million.mean_y_se + 1e-3
    assert (np.abs(million.mean_y - EXPECTED_MEAN_Y_TAU_1) < tolerance).all()
    assert np.abs(million.mean_y - PI).max() > 0.05  # and E[y] is not pi at tau = 1
    assert million.mean_y.sum() == pytest.approx(1.0, abs=1e-12)


def test_histograms_are_densities(million: MonteCarloSummary) -> None:
    widths = np.diff(million.y_edges)
    np.testing.assert_allclose((million.y_density * widths).sum(axis=1), 1.0, rtol=1e-12)
    assert million.y_edges[0] == 0.0 and million.y_edges[-1] == 1.0
    assert million.y_density.shape == (5, 40)


def test_noise_histogram_follows_the_gumbel_density(million: MonteCarloSummary) -> None:
    assert million.noise_edges[0] == NOISE_RANGE[0] and million.noise_edges[-1] == NOISE_RANGE[1]
    np.testing.assert_allclose(million.noise_pdf, gumbel_pdf(million.noise_centres), rtol=0)
    assert np.abs(million.noise_density - million.noise_pdf).max() < 0.01
    inside = stats.gumbel_r.cdf(NOISE_RANGE[1]) - stats.gumbel_r.cdf(NOISE_RANGE[0])
    mass = (million.noise_density * np.diff(million.noise_edges)).sum()
    assert mass == pytest.approx(inside, abs=1e-3)
    # able to fail: a shifted density is far off
    assert np.abs(million.noise_density - gumbel_pdf(million.noise_centres - 0.2)).max() > 0.05


def test_argmax_matches_pi_at_a_small_tau_too() -> None:
    summary = run_monte_carlo(LOGITS, 0.05, 100_000, np.random.default_rng(7))
    assert summary.p_value > P_MIN
    assert np.abs(summary.mean_y - PI).max() < 0.01  # E[y] -> pi as tau -> 0


def test_a_zero_probability_class_is_never_drawn() -> None:
    pi = np.array([0.5, 0.0, 0.3, 0.2])
    summary = run_monte_carlo(np.log(pi, where=pi > 0, out=np.full(4, -np.inf)), 0.5,
                              100_000, np.random.default_rng(3))
    assert summary.counts[1] == 0 and summary.mean_y[1] == 0.0
    assert math.isfinite(summary.chi2) and summary.dof == 2 and summary.p_value > P_MIN
    assert summary.y_density[1, 0] == 40.0 and summary.y_density[1, 1:].sum() == 0.0
    assert (summary.lower[1], summary.mean_y_se[1]) == (0.0, 0.0)
    for value in (summary.frequencies, summary.lower, summary.upper, summary.mean_y_se):
        assert np.isfinite(value).all()


def test_only_one_possible_class_gives_p_value_1() -> None:
    summary = run_monte_carlo([0.0, -np.inf, -np.inf], 1.0, 1000, np.random.default_rng(0))
    assert summary.counts.tolist() == [1000, 0, 0]
    assert (summary.chi2, summary.dof, summary.p_value) == (0.0, 0, 1.0)


def test_chunked_aggregates_equal_the_direct_computation() -> None:
    n, chunk, seed = 12_345, 1_000, 11  # n not divisible by chunk
    summary = run_monte_carlo(LOGITS, 0.5, n, np.random.default_rng(seed), chunk=chunk, bins=7)
    rng = np.random.default_rng(seed)  # the same noise, drawn the same way
    g = np.concatenate([engine.sample_gumbel(rng, (min(chunk, n - s), 5))
                        for s in range(0, n, chunk)])
    y = engine.gumbel_softmax(LOGITS, 0.5, gumbel=g)
    counts = np.bincount(engine.gumbel_max(LOGITS, gumbel=g), minlength=5)
    np.testing.assert_array_equal(summary.counts, counts)
    np.testing.assert_allclose(summary.mean_y, y.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(summary.mean_y_se, y.std(axis=0, ddof=1) / math.sqrt(n),
                               rtol=1e-9)
    for cls in range(5):
        hist, _ = np.histogram(y[:, cls], bins=7, range=(0, 1), density=True)
        np.testing.assert_allclose(summary.y_density[cls], hist, rtol=1e-12)
    noise, _ = np.histogram(g, bins=len(summary.noise_density), range=NOISE_RANGE)
    np.testing.assert_allclose(summary.noise_density * (n * 5 * 0.1), noise, rtol=1e-12)


def peak_bytes(**kwargs: object) -> int:
    tracemalloc.start()
    try:
        run_monte_carlo(np.zeros(12), 1.0, MAX_DRAWS, np.random.default_rng(0), **kwargs)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_bounded_by_the_chunk() -> None:
    one_array = MAX_DRAWS * 12 * 8  # a single (10**6, 12) float64 array: 96 MB
    # Two streams work at once, each on its own chunk.
    assert peak_bytes() < one_array / 4  # measured: about 17 MB
    assert peak_bytes(chunk=10_000) < 2 * 10 * 10_000 * 12 * 8


def test_same_seed_same_summary_and_results_are_read_only() -> None:
    first = run_monte_carlo(LOGITS, 0.7, 5_000, np.random.default_rng(9))
    second = run_monte_carlo(LOGITS, 0.7, 5_000, np.random.default_rng(9))
    np.testing.assert_array_equal(first.counts, second.counts)
    np.testing.assert_array_equal(first.y_density, second.y_density)
    with pytest.raises(ValueError, match="read-only"):
        first.counts[0] = 0
    third = run_monte_carlo(LOGITS, 0.7, 5_000, np.random.default_rng(10))
    assert not np.array_equal(first.counts, third.counts)


@pytest.mark.parametrize("n", [0, -5, MAX_DRAWS + 1, 2.0, "100", True, None])
def test_bad_n_is_rejected_by_name(n: object) -> None:
    with pytest.raises(ValueError, match=f"n must .*{n!r}" if n is not None else "None"):
        run_monte_carlo(LOGITS, 1.0, n, np.random.default_rng(0))  # type: ignore[arg-type]


def test_n_of_1_works_and_bad_tau_is_the_engines_error() -> None:
    summary = run_monte_carlo(LOGITS, 1.0, 1, np.random.default_rng(0))
    assert summary.counts.sum() == 1 and np.isinf(summary.mean_y_se).all()
    with pytest.raises(ValueError, match="tau"):
        run_monte_carlo(LOGITS, 0.0, 10, np.random.default_rng(0))


# --------------------------------------------------------------------------- the view


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
    assert f"χ² = {result.chi2:.2f}, dof = 5, p = {mcv.format_p(result.p_value)}" in text
    assert "τ = 0.4" in text and "E[y]" in text and "nan" not in text.lower()
    assert view.figures[0].x_range.factors == freq["cls"]
    assert all(math.isfinite(fig.y_range.end) and fig.y_range.end > 0 for fig in view.figures)


def test_run_computes_off_the_event_loop_while_busy(monkeypatch: pytest.MonkeyPatch) -> None:
    view = view_with(tau=0.3)
    seen = {}

    def spy(logits, tau, n, rng):
        seen.update(thread=threading.current_thread(), label=view.button.label,
                    disabled=view.button.disabled, busy=view.busy, args=(logits, tau, n))
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
    np.testing.assert_allclose(view.sources["mc-mean"].data["pi"], view.model.probabilities,
                               rtol=1e-14)
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
    import csv
    import io

    view = MonteCarloView(model=GumbelSoftmaxModel(seed=3), n_draws=1000)
    assert view.download.disabled
    asyncio.run(view.run())
    assert not view.download.disabled
    text = view.download.callback().getvalue()
    result = view.result
    assert f"# n={result.n}" in text and f"# p_value={result.p_value!r}" in text
    rows = list(csv.DictReader(io.StringIO(
        "\n".join(line for line in text.splitlines() if not line.startswith("#")))))
    assert [int(r["count"]) for r in rows] == result.counts.tolist()
    assert [float(r["mean_y"]) for r in rows] == result.mean_y.tolist()
    view.model.param.trigger("resample")
    assert view.download.disabled


def test_two_streams_merge_to_the_same_totals_as_one() -> None:
    """The merged accumulator equals one fed every chunk (counts, moments, histograms)."""
    rng = np.random.default_rng(5)
    chunks = [engine.sample_gumbel(rng, (1000, 5)) for _ in range(4)]
    whole, left, right = (mc._Accumulator(5, 40) for _ in range(3))
    for i, g in enumerate(chunks):
        y = engine.gumbel_softmax(LOGITS, 0.7, gumbel=g)
        counts = mc.class_counts(np.asarray(LOGITS), g, y)
        whole.add(g, y, counts)
        (left if i < 2 else right).add(g, y, counts)
    left.merge(right)
    np.testing.assert_array_equal(left.counts, whole.counts)
    np.testing.assert_array_equal(left.y_hist, whole.y_hist)
    np.testing.assert_array_equal(left.noise_hist, whole.noise_hist)
    np.testing.assert_allclose(left.mean, whole.mean, rtol=1e-13)
    np.testing.assert_allclose(left.m2, whole.m2, rtol=1e-11)
