"""The state as code (gumbel_viz.core.snippets): each snippet reproduces the core's y.

The NumPy snippet is executed in a fresh namespace and compared with
``core.gumbel_softmax``; the PyTorch and JAX snippets are always compiled, and
executed and compared too wherever their framework is installed (it need not be).
"""

from __future__ import annotations

import ast
import importlib.util
import re

import numpy as np
import pytest

from gumbel_viz import core
from gumbel_viz.core.snippets import MAX_CLASSES, read_state, snippets

FRAMEWORKS = {"numpy": "NumPy", "pytorch": "PyTorch", "jax": "JAX"}
MODULES = {"numpy": "numpy", "pytorch": "torch", "jax": "jax"}
MINUS_INF = {"numpy": "-np.inf", "pytorch": "-torch.inf", "jax": "-jnp.inf"}


def random_state(seed: int, k: int, dead: int) -> tuple[np.ndarray, np.ndarray]:
    """Logits log pi with ``dead`` classes of probability 0 (-inf), and Gumbel noise."""
    rng = np.random.default_rng(seed)
    logits = np.log(core.random_probabilities(rng, k))
    logits[rng.choice(k, dead, replace=False)] = -np.inf
    return logits, core.sample_gumbel(rng, k)


STATES = [
    pytest.param(*random_state(seed, k, dead), tau, hard, id=f"k{k}-dead{dead}-tau{tau}-{hard}")
    for seed, (k, dead) in enumerate([(2, 0), (2, 1), (12, 0), (12, 5)])
    for tau in (0.01, 10.0)
    for hard in (False, True)
]


def run(code: str) -> dict:
    namespace: dict = {}
    exec(compile(code, "<snippet>", "exec"), namespace)
    return namespace


def literal(code: str, name: str, minus_inf: str) -> list[float]:
    """The numbers of ``name = <call>([...])`` as written in the code."""
    found = re.search(rf"^{name} = \w+\.\w+\(\[(.*?)\]", code, re.M | re.S)
    assert found, name
    tokens = [t.strip() for t in found.group(1).split(",") if t.strip()]
    return [-np.inf if t == minus_inf else float(t) for t in tokens]


@pytest.mark.parametrize(("logits", "noise", "tau", "hard"), STATES)
def test_every_snippet_reproduces_y(
    logits: np.ndarray, noise: np.ndarray, tau: float, hard: bool
) -> None:
    y = core.gumbel_softmax(logits, tau, gumbel=noise)
    y_hard = core.gumbel_softmax(logits, tau, gumbel=noise, hard=True)
    for snippet in snippets(logits, noise, tau, hard):
        code = snippet.code
        assert code.splitlines()[0] == f"# {FRAMEWORKS[snippet.key]}"
        assert snippet.framework == FRAMEWORKS[snippet.key]
        compile(code, snippet.filename, "exec")  # valid Python, framework or not
        tree = ast.parse(code)
        assigned = {
            target.id
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        assert {"logits", "g", "tau", "y", "y_fresh"} <= assigned
        assert ("y_hard" in assigned) == hard
        assert ("y_st" in assigned) == (hard and snippet.key != "numpy")
        # The literals read back bit for bit.
        minus_inf = MINUS_INF[snippet.key]
        assert np.array_equal(literal(code, "logits", minus_inf), logits)
        assert np.array_equal(literal(code, "g", minus_inf), noise)
        assert float(re.search(r"^tau = (.*)$", code, re.M).group(1)) == tau
        if importlib.util.find_spec(MODULES[snippet.key]):
            namespace = run(code)
            np.testing.assert_allclose(np.asarray(namespace["y"]), y, rtol=0, atol=1e-12)
            fresh = np.asarray(namespace["y_fresh"], dtype=np.float64)
            assert np.isfinite(fresh).all() and abs(fresh.sum() - 1) < 1e-12
            assert (fresh[logits == -np.inf] == 0).all()
            if hard:
                np.testing.assert_array_equal(np.asarray(namespace["y_hard"]), y_hard)
            if "y_st" in namespace:  # forward value of the straight-through: y_hard
                np.testing.assert_allclose(np.asarray(namespace["y_st"]), y_hard, atol=1e-15)


def test_the_numpy_snippet_needs_numpy_alone_and_is_exact() -> None:
    logits, noise = random_state(3, 12, 4)
    numpy_snippet = snippets(logits, noise, 0.01, True)[0]
    tree = ast.parse(numpy_snippet.code)
    imports = [node for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)]
    assert [alias.name for node in imports for alias in node.names] == ["numpy"]
    namespace = run(numpy_snippet.code)
    # Same operations in the same order as the core: equal, not just close.
    np.testing.assert_array_equal(namespace["y"], core.gumbel_softmax(logits, 0.01, gumbel=noise))
    assert np.array_equal(namespace["logits"], logits)


def test_snippets_come_in_order_with_file_names() -> None:
    logits, noise = random_state(0, 5, 0)
    found = snippets(logits, noise, 1.0, False)
    assert [s.key for s in found] == ["numpy", "pytorch", "jax"]
    assert [s.filename for s in found] == [f"gumbel_softmax_{s.key}.py" for s in found]
    for s in found:
        assert max(len(line) for line in s.code.splitlines()) <= 99
        assert "pass log π, not π" in s.code
    assert "F.gumbel_softmax(logits, tau=tau, hard=False)" in found[1].code
    assert "y_hard - y.detach() + y" in snippets(logits, noise, 1.0, True)[1].code
    assert "y_hard - jax.lax.stop_gradient(y) + y" in snippets(logits, noise, 1.0, True)[2].code
    assert "jax.random.gumbel(" in found[2].code


def test_hard_literals_and_tau_extremes() -> None:
    """Extreme but valid floats still read back exactly (repr), e.g. tau = 1e-300."""
    logits = np.array([-1e-300, -np.inf, 0.1 + 0.2])
    noise = np.array([708.3964185322641, -3.7, 1 / 3])
    numpy_snippet = snippets(logits, noise, 1e-300, False)[0]
    namespace = run(numpy_snippet.code)
    assert namespace["tau"] == 1e-300 and np.array_equal(namespace["g"], noise)
    expected = core.gumbel_softmax(logits, 1e-300, gumbel=noise)
    np.testing.assert_array_equal(namespace["y"], expected)
    np.testing.assert_array_equal(expected, [1.0, 0.0, 0.0])


@pytest.mark.parametrize(
    ("logits", "noise", "tau", "hard", "message"),
    [
        (np.zeros(MAX_CLASSES + 1), np.zeros(MAX_CLASSES + 1), 1.0, False, "number of classes"),
        ([0.0], [0.0], 1.0, False, "at least 2 classes"),
        ([0.0, np.nan], [0.0, 0.0], 1.0, False, "NaN"),
        ([-np.inf, -np.inf], [0.0, 0.0], 1.0, False, "all logits are -inf"),
        ([0.0, 0.0], [0.0], 1.0, False, "noise must be 2 finite"),
        ([0.0, 0.0], [0.0, np.inf], 1.0, False, "noise must be 2 finite"),
        ([0.0, 0.0], ["a", "b"], 1.0, False, "noise must be numbers"),
        ([0.0, 0.0], [0.0, 0.0], 0.0, False, "tau must be finite and > 0"),
        ([0.0, 0.0], [0.0, 0.0], [1.0, 2.0], False, "single number"),
        ([0.0, 0.0], [0.0, 0.0], 1.0, "yes", "hard must be True or False"),
    ],
)
def test_bad_states_are_refused_by_name(logits, noise, tau, hard, message) -> None:
    with pytest.raises(ValueError, match=message):
        snippets(logits, noise, tau, hard)


def test_read_state_keeps_values() -> None:
    state = read_state([0, -np.inf], [1, 2], 0.5)
    assert state.logits.dtype == np.float64 and state.tau == 0.5
    assert np.array_equal(state.noise, [1.0, 2.0])
