"""Objectives against finite differences, brute-force enumeration and their stated values.

Every oracle here is also shown failing on an objective built to break it.
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest

from gumbel_viz.core import objectives as ob

PI = np.array([0.1, 0.25, 0.05, 0.4, 0.2])


def random_quadratic(rng: np.random.Generator, k: int) -> ob.Quadratic:
    a = rng.normal(size=(k, k))
    return ob.Quadratic(a + a.T, rng.normal(size=k))


def random_pairwise(rng: np.random.Generator, m: int, k: int) -> ob.PairwiseObjective:
    w = rng.normal(size=(m, m, k, k))
    w = w + w.transpose(1, 0, 3, 2)  # W_ij = W_jiᵀ
    w[np.arange(m), np.arange(m)] = 0
    return ob.PairwiseObjective(rng.normal(size=(m, k)), w)


def examples() -> list[ob.Objective]:
    rng = np.random.default_rng(0)
    return [
        ob.Linear(rng.normal(size=5)),
        random_quadratic(rng, 4),
        ob.Toy(),
        random_pairwise(rng, 3, 4),
        ob.SingleRow(random_quadratic(rng, 3)),
    ]


def interior_points(rng: np.random.Generator, shape: tuple[int, ...], lead=(2, 3)) -> np.ndarray:
    return rng.dirichlet(np.ones(shape[-1]), size=(*lead, *shape[:-1]))


def fd_error(objective: ob.Objective, z: np.ndarray, h: float = 1e-6) -> float:
    """max |grad − central differences of value| over the entries of one point z."""
    fd = np.zeros_like(z)
    for index in np.ndindex(z.shape):
        step = np.zeros_like(z)
        step[index] = h
        fd[index] = (objective.value(z + step) - objective.value(z - step)) / (2 * h)
    return float(np.abs(objective.grad(z) - fd).max())


def enumerated_expectation(objective: ob.Objective, pi: np.ndarray) -> float:
    """Σ over every assignment of Π_i π_i[a_i] · f(onehot(a)), written out with itertools."""
    rows = pi.reshape(-1, pi.shape[-1])
    total = 0.0
    for a in itertools.product(range(rows.shape[1]), repeat=len(rows)):
        z = np.eye(rows.shape[1])[list(a)].reshape(pi.shape)
        total += np.prod(rows[np.arange(len(rows)), a]) * float(objective.value(z))
    return total


# --------------------------------------------------------------------------- shapes, gradients


@pytest.mark.parametrize("objective", examples(), ids=lambda o: type(o).__name__)
def test_value_and_grad_are_batched_over_leading_axes(objective):
    z = interior_points(np.random.default_rng(1), objective.shape)
    assert objective.value(z).shape == (2, 3)
    assert objective.grad(z).shape == (2, 3, *objective.shape)
    assert objective.value(z[1, 2]).shape == ()
    np.testing.assert_allclose(objective.value(z)[1, 2], objective.value(z[1, 2]), rtol=1e-14)
    np.testing.assert_allclose(objective.grad(z)[1, 2], objective.grad(z[1, 2]), rtol=1e-14)


@pytest.mark.parametrize("objective", examples(), ids=lambda o: type(o).__name__)
def test_grad_matches_central_differences(objective):
    z = interior_points(np.random.default_rng(2), objective.shape, lead=())
    assert fd_error(objective, z) < 1e-7


def test_the_finite_difference_check_catches_a_missing_term():
    class MissingB(ob.Quadratic):
        def _grad(self, z):
            return z @ self.A  # forgot + b

    rng = np.random.default_rng(3)
    good = random_quadratic(rng, 4)
    broken = MissingB(good.A, good.b)
    z = rng.dirichlet(np.ones(4))
    assert fd_error(good, z) < 1e-7
    assert fd_error(broken, z) > 1e-2


def test_vertex_values():
    rng = np.random.default_rng(4)
    c = rng.normal(size=6)
    np.testing.assert_array_equal(ob.Linear(c).vertex_values(), c)
    q = random_quadratic(rng, 5)
    np.testing.assert_allclose(q.vertex_values(), 0.5 * np.diag(q.A) + q.b, rtol=1e-14)
    np.testing.assert_allclose(ob.Toy(0.3).vertex_values(), [0.09, 0.49], rtol=1e-14)


def test_values_are_the_formulas():
    rng = np.random.default_rng(5)
    q = random_quadratic(rng, 4)
    z = rng.normal(size=4)
    assert q.value(z) == pytest.approx(0.5 * z @ q.A @ z + q.b @ z, rel=1e-14)
    p = random_pairwise(rng, 3, 2)
    z = rng.normal(size=(3, 2))
    pairs = sum(z[i] @ p.W[i, j] @ z[j] for i in range(3) for j in range(i + 1, 3))
    assert p.value(z) == pytest.approx(np.sum(p.b * z) + pairs, rel=1e-13)


# --------------------------------------------------------------------------- the REBAR toy


def test_toy_gradient_in_the_bernoulli_parameter_is_plus_0_002():
    def expected(objective, p):
        return objective.expected_value([1 - p, p])

    h = 1e-4
    slope = (expected(ob.Toy(), 0.5 + h) - expected(ob.Toy(), 0.5 - h)) / (2 * h)
    assert slope == pytest.approx(1 - 2 * 0.499, abs=1e-12)
    assert slope == pytest.approx(0.002, abs=1e-12)
    # The sign is the point of the toy: t on the other side of 1/2 flips it.
    flipped = (expected(ob.Toy(0.501), 0.5 + h) - expected(ob.Toy(0.501), 0.5 - h)) / (2 * h)
    assert flipped == pytest.approx(-0.002, abs=1e-12)


def test_toy_minimum_is_b_equal_0():
    assert ob.Toy().optimum()[1] == 0
    assert ob.Toy(0.501).optimum()[1] == 1


# --------------------------------------------------------------------------- presets


def test_presets_reward_by_a_negative_energy():
    pi = np.array([0.3, 0.1, 0.1, 0.5])  # a tie for the rarest: the lowest index wins
    rarest = ob.preset("reward the rarest class", pi)
    np.testing.assert_array_equal(rarest.c, [0, -1, 0, 0])
    assert rarest.optimum()[1] == 1
    likeliest = ob.preset("reward the likeliest class", [0.4, 0.1, 0.4, 0.1])
    np.testing.assert_array_equal(likeliest.c, [-1, 0, 0, 0])
    np.testing.assert_array_equal(ob.preset("linear ramp", PI).c, [1, 2, 3, 4, 5])


def test_random_quadratic_is_reproducible_and_symmetric():
    first, again = ob.preset("random quadratic", PI), ob.preset("random quadratic", PI[::-1])
    np.testing.assert_array_equal(first.A, again.A)  # depends on k only, not on π
    np.testing.assert_array_equal(first.b, again.b)
    np.testing.assert_array_equal(first.A, first.A.T)
    other = ob.preset("random quadratic", [0.5, 0.25, 0.25])
    assert other.k == 3


def test_rebar_toy_preset_needs_two_classes():
    assert isinstance(ob.preset("REBAR toy (t = 0.499)", [0.5, 0.5]), ob.Toy)
    with pytest.raises(ValueError, match="k = 2 classes, got k = 5"):
        ob.preset("REBAR toy (t = 0.499)", PI)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: ob.Linear(np.ones(13)), "k must be an integer in \\[2, 12\\], got 13"),
        (lambda: ob.Linear([1.0]), "k must be an integer in \\[2, 12\\], got 1"),
        (lambda: ob.Linear([1.0, 2e6]), "entry 2e\\+06 beyond ±1e\\+06"),
        (lambda: ob.Linear([1.0, np.nan]), "c must be finite"),
        (lambda: ob.Linear("abc"), "c must be numbers"),
        (lambda: ob.Linear(np.ones((2, 2))), "c must be a vector"),
        (lambda: ob.Quadratic([[0, 1], [2, 0]], [0, 0]), "A must be symmetric"),
        (lambda: ob.Quadratic(np.eye(3), [0, 0]), "A must have shape \\(2, 2\\)"),
        (lambda: ob.Toy(-3e6), "t has an entry -3e\\+06"),
        (lambda: ob.PairwiseObjective(np.zeros((5, 5)), np.zeros((5, 5, 5, 5))), "25 exceeds"),
        (lambda: ob.PairwiseObjective(np.zeros((2, 3)), np.zeros((2, 2, 3, 2))), "W must have"),
        (lambda: ob.preset("nope", PI), "unknown preset 'nope'"),
        (lambda: ob.preset("linear ramp", np.full(13, 1 / 13)), "got 13"),
        (lambda: ob.preset("linear ramp", [[0.5, 0.5]]), "one vector"),
    ],
)
def test_bad_objectives_are_refused_with_a_message(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_pairwise_refuses_self_pairs_and_asymmetric_pairs():
    w = np.zeros((2, 2, 2, 2))
    w[0, 0, 0, 1] = 1.0
    with pytest.raises(ValueError, match="W_ii must be 0"):
        ob.PairwiseObjective(np.zeros((2, 2)), w)
    w = np.zeros((2, 2, 2, 2))
    w[0, 1] = [[0, 1], [0, 0]]
    w[1, 0] = [[0, 1], [0, 0]]  # should be the transpose
    with pytest.raises(ValueError, match="W_ij must equal W_jiᵀ"):
        ob.PairwiseObjective(np.zeros((2, 2)), w)


def test_points_and_probabilities_of_the_wrong_shape_are_refused():
    with pytest.raises(ValueError, match=re.escape("z must have shape (..., 5), got (4,)")):
        ob.Linear(np.ones(5)).value(np.ones(4))
    with pytest.raises(ValueError, match="probabilities must have shape \\(3, 4\\)"):
        random_pairwise(np.random.default_rng(0), 3, 4).expected_value(np.full((4, 3), 1 / 3))


# --------------------------------------------------------------------------- expectations


@pytest.mark.parametrize(("m", "k"), [(1, 4), (2, 3), (3, 4), (4, 3)])
def test_pairwise_expected_value_equals_enumeration(m, k):
    rng = np.random.default_rng(10 * m + k)
    objective = random_pairwise(rng, m, k)
    pi = rng.dirichlet(np.ones(k), size=m)
    assert objective.expected_value(pi) == pytest.approx(
        enumerated_expectation(objective, pi), rel=1e-12, abs=1e-12
    )


def test_enumeration_catches_double_counted_pairs_and_self_pairs():
    rng = np.random.default_rng(11)
    objective = random_pairwise(rng, 3, 3)
    pi = rng.dirichlet(np.ones(3), size=3)
    exact = enumerated_expectation(objective, pi)
    pairs_twice = np.sum(objective.b * pi) + np.einsum("ia,ijab,jb->", pi, objective.W, pi)
    assert abs(pairs_twice - exact) > 1e-2
    # E f = f(π) needs W_ii = 0: a quadratic of one categorical is not multilinear.
    q = random_quadratic(rng, 4)
    p = rng.dirichlet(np.ones(4))
    assert q.expected_value(p) == pytest.approx(enumerated_expectation(q, p), rel=1e-12)
    assert abs(q.value(p) - enumerated_expectation(q, p)) > 1e-2


def test_expected_grad_matches_finite_differences_in_pi():
    rng = np.random.default_rng(12)
    for objective in examples():
        pi = rng.dirichlet(np.ones(objective.shape[-1]), size=objective.shape[:-1])
        h, fd = 1e-6, np.zeros(objective.shape)
        for index in np.ndindex(objective.shape):
            step = np.zeros(objective.shape)
            step[index] = h
            fd[index] = (
                objective._expected_value(pi + step) - objective._expected_value(pi - step)
            ) / (2 * h)
        np.testing.assert_allclose(objective.expected_grad(pi), fd, atol=1e-7)


def test_single_row_is_the_objective_with_a_row_axis():
    rng = np.random.default_rng(13)
    q = random_quadratic(rng, 4)
    row = ob.SingleRow(q)
    z = rng.dirichlet(np.ones(4), size=3)
    np.testing.assert_allclose(row.value(z[:, np.newaxis]), q.value(z), rtol=1e-15)
    np.testing.assert_allclose(row.grad(z[:, np.newaxis])[:, 0], q.grad(z), rtol=1e-15)
    assert row.expected_value(z[:1]) == pytest.approx(enumerated_expectation(q, z[0]))
    value, classes = row.optimum()
    assert value == q.vertex_values().min()
    np.testing.assert_array_equal(classes, [np.argmin(q.vertex_values())])


# --------------------------------------------------------------------------- enumeration, optimum


def test_one_hot_outcomes_are_every_assignment_once():
    out = ob.one_hot_outcomes((3, 4))
    assert out.shape == (64, 3, 4)
    assert (out.sum(axis=-1) == 1).all()
    assert len({tuple(row) for row in out.argmax(axis=-1)}) == 64
    np.testing.assert_array_equal(ob.one_hot_outcomes((5,)), np.eye(5))


def test_the_caps_keep_enumeration_small():
    counts = [k**m for m in range(1, 25) for k in range(2, 13) if m * k <= ob.MAX_ENTRIES]
    assert max(counts) == 3**8 == 6561


def brute_force_minima(objective: ob.Objective) -> tuple[float, list[tuple[int, ...]]]:
    m, k = objective.shape
    values = {
        a: float(objective.value(np.eye(k)[list(a)]))
        for a in itertools.product(range(k), repeat=m)
    }
    best = min(values.values())
    return best, [a for a, v in values.items() if v <= best + 1e-9]


def test_molecule_optimum_is_unique_and_not_the_start():
    problem = ob.problem("molecule")
    objective = problem.objective
    assert problem.shape == (4, 3)
    best, minima = brute_force_minima(objective)
    assert len(minima) == 1
    value, classes = objective.optimum()
    assert value == pytest.approx(best, abs=1e-12) == pytest.approx(-3.4)
    assert tuple(classes) == minima[0] == (1, 0, 1, 0)
    start = problem.logits.argmax(axis=-1)  # uniform: argmax is all class 0
    assert tuple(start) != minima[0]
    greedy = objective.b.argmin(axis=-1)  # best atom by atom, ignoring the bonds
    assert tuple(greedy) != minima[0]
    assert objective.expected_value(np.full((4, 3), 1 / 3)) == pytest.approx(1 / 9)


def test_brute_force_sees_a_degenerate_optimum():
    objective = ob.problem("molecule").objective
    b = objective.b.copy()
    b[1] = b[0]  # no substituent: both alternations of the ring tie
    _, minima = brute_force_minima(ob.PairwiseObjective(b, objective.W))
    assert minima == [(0, 1, 0, 1), (1, 0, 1, 0)]


# --------------------------------------------------------------------------- problems


def test_problems_for_one_categorical_start_at_log_pi():
    pi = np.array([0.5, 0.5, 0.0])
    problem = ob.problem("reward the rarest class", pi)
    assert problem.shape == (1, 3)
    np.testing.assert_array_equal(problem.logits, [[np.log(0.5), np.log(0.5), -np.inf]])
    np.testing.assert_array_equal(problem.objective.objective.c, [0, 0, -1])
    assert set(ob.PROBLEMS) == {"molecule", *ob.PRESETS}


@pytest.mark.parametrize(
    ("name", "probabilities", "message"),
    [
        ("molecule", PI, "pass no probabilities"),
        ("linear ramp", None, "needs the class probabilities"),
        ("REBAR toy (t = 0.499)", PI, "k = 2 classes"),
        ("chemistry", None, "unknown problem 'chemistry'"),
    ],
)
def test_bad_problems_are_refused(name, probabilities, message):
    with pytest.raises(ValueError, match=message):
        ob.problem(name, probabilities)


def test_a_problem_needs_logits_of_its_shape():
    with pytest.raises(ValueError, match="logits must have the objective's shape"):
        ob.Problem("x", ob.SingleRow(ob.Toy()), np.zeros(2))
