"""The Verify view: it runs the core's checks on the session's state and shows each."""

from __future__ import annotations

import asyncio

from gumbel_viz.core.verify import Check
from gumbel_viz.model import GumbelSoftmaxModel
from gumbel_viz.views.sample import SampleView
from gumbel_viz.views.verify import CAPTION, VerifyView, report_html


def verify_view(**model: object) -> VerifyView:
    m = GumbelSoftmaxModel(**model)
    return VerifyView(model=m, main=SampleView(model=m))


def test_view_reports_every_check_it_ran() -> None:
    view = verify_view(seed=4)
    assert view.report.value == "Press Verify to run the checks."
    asyncio.run(view.run())
    assert len(view.checks) >= 5
    assert view.report.value.count("✔ pass") == len(view.checks)
    assert "FAIL" not in view.report.value
    assert not view.button.disabled and view.button.label == "Verify"


def test_a_single_possible_class_runs_every_check() -> None:
    """Typing π = 1, 0, 0 once crashed the density check ("needs k = 2 or 3 logits")."""
    view = verify_view(seed=4, k=3)
    view.model.set_probabilities([1, 0, 0])
    asyncio.run(view.run())
    assert view.report.value.count("✔ pass") == len(view.checks)
    assert "one-hot vector" in view.report.value


def test_the_browser_answer_is_compared_with_python() -> None:
    view = verify_view(seed=4)
    view.browser.data = {"y": list(view.model.y), "run": [1] * 5}
    assert view.browser_check is not None and view.browser_check.passed
    view.browser.data = {"y": [*view.model.y[:-1], view.model.y[-1] + 1e-6], "run": [2] * 5}
    assert not view.browser_check.passed and "✘ FAIL" in view.report.value


def test_report_is_escaped() -> None:
    html = report_html([Check("<script>x</script>", False, "a & b")])
    assert "&lt;script&gt;" in html and "a &amp; b" in html and "✘ FAIL" in html
    assert "<script>" not in html


def test_caption_states_the_false_alarm_rate() -> None:
    assert "1e-06" in CAPTION and "1,000,000" in CAPTION and "bug, not bad luck" not in CAPTION
