"""The pitfalls (gumbel_viz.core.pitfalls): each mistake shows, each fix holds.

Statistical checks use fixed seeds, so each is deterministic. A correct statement
must pass Pearson's chi-square at p > 1e-3 (a correct sampler fails that at 0.1% of
seeds); a mistaken sampler must be rejected against pi at p < 1e-30, far beyond
chance, at 10**5 draws.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from gumbel_viz import core
from gumbel_viz.core import pitfalls
from gumbel_viz.core.density import concrete_log_density
from gumbel_viz.core.pitfalls import (
    EXAMPLE_STATE,
    MAX_DRAWS,
    density_example,
    nan_sources,
    probabilities_as_logits,
    tau_on_logits,
)
from gumbel_viz.core.streams import Stream, generator

PI = np.array([0.1, 0.25, 0.05, 0.4, 0.2])
P_MIN = 1e-3
P_REJECT = 1e-30


def default_state() -> tuple[np.ndarray, np.ndarray]:
    """pi and g of GumbelSoftmaxModel(seed=1): draw 0 of seed 1, pi first, then g."""
    rng = generator(1, 0)
    return core.random_probabilities(rng, 5), core.sample_gumbel(rng, 5)


def twelve_with_zeros() -> np.ndarray:
    pi = core.random_probabilities(np.random.default_rng(12), 12)
    pi[[3, 7]] = 0.0
    return pi / pi.sum()


def rng(seed: int = 0) -> np.random.Generator:
    return generator(seed, 0, Stream.PITFALLS)


# --------------------------------------------------------------------------- samplers


@pytest.mark.parametrize("pi", [PI, twelve_with_zeros()], ids=["k5", "k12-zeros"])
def test_probabilities_as_logits_samples_softmax_of_pi(pi: np.ndarray) -> None:
    result = probabilities_as_logits(pi, rng(1))
    np.testing.assert_array_equal(result.mistaken.target, core.softmax(pi))
    np.testing.assert_array_equal(result.correct.target, result.probabilities)
    assert result.mistaken.against_pi.p_value < P_REJECT  # the mistake is caught
    assert result.mistaken.fit.p_value > P_MIN  # and it is softmax(π) it samples
    assert result.correct.against_pi.p_value > P_MIN
    assert result.correct.fit == result.correct.against_pi
    assert result.mistaken.counts.sum() == result.correct.counts.sum() == result.n
    assert result.total_variation > 0.2
    np.testing.assert_allclose(result.mistaken.frequencies, core.softmax(pi), atol=0.01)
    if (pi == 0).any():  # the mistaken sampler draws classes that cannot occur
        assert result.mistaken.counts[pi == 0].all()
        assert result.mistaken.against_pi.p_value == 0.0
        assert not result.correct.counts[pi == 0].any()


@pytest.mark.parametrize("tau", [0.5, 2.0])
@pytest.mark.parametrize("pi", [PI, twelve_with_zeros()], ids=["k5", "k12-zeros"])
def test_tau_on_logits_samples_a_tempered_pi(pi: np.ndarray, tau: float) -> None:
    result = tau_on_logits(pi, tau, rng(2))
    with np.errstate(divide="ignore"):
        tempered = core.softmax(np.log(pi) / tau)
    np.testing.assert_array_equal(result.mistaken.target, tempered)
    assert result.mistaken.against_pi.p_value < P_REJECT
    assert result.mistaken.fit.p_value > P_MIN
    assert result.correct.against_pi.p_value > P_MIN  # the relaxation's hard sample
    assert f"τ = {tau:g}" in result.explanation


def test_the_correct_samplers_agree_draw_for_draw() -> None:
    """The hard relaxed sample is Gumbel-Max on the same noise at every τ."""
    a = probabilities_as_logits(PI, rng(3), n=5000)
    b = tau_on_logits(PI, 0.1, rng(3), n=5000)
    np.testing.assert_array_equal(a.correct.counts, b.correct.counts)


def test_the_mistakes_are_harmless_exactly_where_the_math_says() -> None:
    """τ = 1 (tau on logits) and uniform π (softmax(π) = π): nothing to see."""
    at_one = tau_on_logits(PI, 1.0, rng(4), n=10_000)
    np.testing.assert_array_equal(at_one.mistaken.counts, at_one.correct.counts)
    assert at_one.total_variation < 1e-15 and "as here" in at_one.explanation
    uniform = probabilities_as_logits(np.full(4, 0.25), rng(4), n=10_000)
    assert uniform.total_variation < 1e-15
    assert uniform.mistaken.against_pi.p_value > P_MIN


def test_results_are_read_only() -> None:
    result = probabilities_as_logits(PI, rng(), n=100)
    with pytest.raises(ValueError, match="read-only"):
        result.mistaken.counts[0] = 5


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: probabilities_as_logits(PI, rng(), n=MAX_DRAWS + 1), "number of draws n"),
        (lambda: probabilities_as_logits(PI, rng(), n=0), "number of draws n"),
        (lambda: tau_on_logits(PI, 1.0, rng(), n=2.5), "number of draws n"),
        (lambda: probabilities_as_logits(np.ones(13), rng()), "number of classes"),
        (lambda: probabilities_as_logits([[0.5, 0.5]], rng()), "one vector"),
        (lambda: probabilities_as_logits([0.5, -0.5], rng()), ">= 0"),
        (lambda: tau_on_logits(PI, 0.0, rng()), "tau must be finite and > 0"),
        (lambda: tau_on_logits(PI, [1.0, 2.0], rng()), "single number"),
    ],
)
def test_bad_input_is_refused_by_name(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


# --------------------------------------------------------------------------- NaN sources


def assert_naive_fails_stable_holds(case: pitfalls.NanCase) -> None:
    assert not np.isfinite(case.naive).all(), case.name
    if case.error is None:
        assert case.stable is not None and np.isfinite(case.stable).all(), case.name
    else:
        assert case.stable is None


def test_nan_sources_at_the_default_state() -> None:
    pi, g = default_state()
    logits = np.log(pi)
    cases = nan_sources(logits, g, 1.0)
    assert [c.name for c in cases] == [
        "−log(−log u) at u = 0 or 1",
        "exp without the max shift",
        "float16",
        "a log-density computed from y",
    ]
    for case in cases:
        assert_naive_fails_stable_holds(case)
        assert not case.at_current_state  # τ = 1 triggers none of them
        assert case.error is None
    uniform, shift, half, density = cases
    np.testing.assert_array_equal(uniform.naive, [-np.inf, np.inf])
    assert uniform.stable[1] == -np.log(np.finfo(np.float64).tiny)  # the core's floor
    assert uniform.tau is None
    # The largest powers of ten below τ = 1 that trigger each, at this state.
    assert (shift.tau, half.tau, density.tau) == (1e-4, 1e-2, 1e-3)
    assert "current logits and noise" in shift.trigger
    np.testing.assert_array_equal(shift.stable, core.gumbel_softmax(logits, 1e-4, gumbel=g))
    log_y = core.log_gumbel_softmax(logits, 1e-3, gumbel=g)
    assert density.stable[0] == concrete_log_density(log_y, logits, 1e-3)


def test_nan_sources_use_the_current_state_when_it_triggers() -> None:
    pi, g = default_state()
    cases = nan_sources(np.log(pi), g, 1e-4)
    for case in cases[1:]:
        assert case.at_current_state and case.tau == 1e-4
        assert case.trigger == "τ = 0.0001 at the current state"
        assert_naive_fails_stable_holds(case)


@pytest.mark.parametrize(
    ("logits", "noise"),
    [
        (np.log(PI), -np.log(PI)),  # every logit + g is 0: exp never fails, y is uniform
        (np.array([0.0, -np.inf, -np.inf]), np.zeros(3)),  # one possible class
    ],
    ids=["flat", "one-class"],
)
def test_nan_sources_fall_back_on_the_example_state(logits, noise) -> None:
    cases = nan_sources(logits, noise, 1.0)
    for case in cases:
        assert_naive_fails_stable_holds(case)
    assert "example state π = [0.1, 0.25, 0.05, 0.4, 0.2]" in cases[3].trigger
    if logits.size == 5:
        assert "example state" in cases[1].trigger
        # float16 still fails at the flat state: below 3e-8, τ itself rounds to 0.
        assert cases[2].tau == 1e-8 and "current logits and noise" in cases[2].trigger


def test_example_state_triggers_every_case() -> None:
    cases = nan_sources(EXAMPLE_STATE.logits, EXAMPLE_STATE.noise, EXAMPLE_STATE.tau)
    assert all("current logits and noise" in case.trigger for case in cases[1:])


def test_the_density_case_on_a_face() -> None:
    """π = 0 classes are left out of both: naive NaN, stable finite."""
    pi = twelve_with_zeros()
    g = core.sample_gumbel(np.random.default_rng(5), 12)
    with np.errstate(divide="ignore"):
        logits = np.log(pi)
    case = nan_sources(logits, g, 1.0)[3]
    assert_naive_fails_stable_holds(case)
    finite = np.isfinite(logits)
    log_y = core.log_gumbel_softmax(logits[finite], case.tau, gumbel=g[finite])
    assert case.stable[0] == concrete_log_density(log_y, logits[finite], case.tau)


def test_float16_refusal_is_a_clear_error() -> None:
    """Logits beyond float16's range: the naive code gives NaN, the core says why."""
    case = nan_sources([7e4, 0.0], [0.0, 0.0], 1.0)[2]
    assert case.at_current_state
    assert_naive_fails_stable_holds(case)
    assert case.stable is None and "+inf" in case.error


def test_nan_sources_refuse_bad_states() -> None:
    with pytest.raises(ValueError, match="noise must be 2 finite"):
        nan_sources([0.0, 0.0], [0.0, np.nan], 1.0)


# --------------------------------------------------------------------------- density


def test_density_example_at_the_default_state() -> None:
    pi, g = default_state()
    logits = np.log(pi)
    example = density_example(logits, g, 1.0)
    log_y = core.log_gumbel_softmax(logits, 1.0, gumbel=g)
    assert example.log_density == concrete_log_density(log_y, logits, 1.0)
    assert example.log_density > 0 and "> 0" in example.explanation
    assert not example.on_face and example.face.tolist() == [0, 1, 2, 3, 4]
    assert example.uniform_log_density == pytest.approx(math.log(24))
    # The state-independent example: k = 2, π = y = (½, ½), τ = 2, where p = τ.
    assert example.example_log_density == pytest.approx(math.log(2), rel=1e-14)
    np.testing.assert_array_equal(example.example_y, [0.5, 0.5])


def test_density_example_on_a_face_and_at_a_point() -> None:
    logits = np.array([-1.0, -np.inf, 0.5, -np.inf])
    g = np.array([0.3, 1.0, -0.2, 2.0])
    example = density_example(logits, g, 0.5)
    assert example.on_face and example.face.tolist() == [0, 2]
    assert "class(es) 2, 4" in example.explanation
    log_y = core.log_gumbel_softmax(logits[[0, 2]], 0.5, gumbel=g[[0, 2]])
    assert example.log_density == concrete_log_density(log_y, logits[[0, 2]], 0.5)
    point = density_example([-np.inf, 0.0], [0.0, 0.0], 1.0)
    assert point.log_density is None and point.uniform_log_density is None
    assert "point mass" in point.explanation


def test_a_negative_log_density_is_reported_as_such() -> None:
    """Far from the mode at large τ the density is below 1."""
    example = density_example([0.0, 0.0], [8.0, -2.0], 10.0)
    assert example.log_density < 0 and "≤ 0" in example.explanation
