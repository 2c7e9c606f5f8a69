"""The core is NumPy and SciPy only: importing it loads no Panel, Bokeh or param."""

from __future__ import annotations

import json
import subprocess
import sys

from support.served import ROOT

CHECK = """
import json, sys
import gumbel_viz.core
from gumbel_viz.core import {modules}
print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules}})))
"""
CORE_MODULES = sorted(
    path.stem for path in (ROOT / "gumbel_viz" / "core").glob("*.py") if path.stem != "__init__"
)


def imported_packages(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(json.loads(out.stdout))


def test_importing_the_core_loads_no_panel_bokeh_or_param() -> None:
    loaded = imported_packages(CHECK.format(modules=", ".join(CORE_MODULES)))
    assert {"numpy", "scipy", "gumbel_viz"} <= loaded
    assert loaded.isdisjoint({"panel", "bokeh", "param", "tornado"}), loaded


def test_the_check_would_see_panel() -> None:
    loaded = imported_packages("import gumbel_viz.views.base\n" + CHECK.format(modules="numbers"))
    assert {"panel", "bokeh", "param"} <= loaded


def test_the_public_math_api() -> None:
    import gumbel_viz.core as core

    for name in (
        "gumbel_softmax",
        "log_gumbel_softmax",
        "gumbel_max",
        "sample_gumbel",
        "softmax",
        "random_probabilities",
        "entropy",
    ):
        assert callable(getattr(core, name)), name
    assert set(core.__all__) <= set(dir(core))
