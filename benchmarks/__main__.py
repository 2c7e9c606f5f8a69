"""Run the benchmarks and print Markdown tables: ``python -m benchmarks [part ...]``.

With no arguments every part runs, in the order of :data:`PARTS`; otherwise only
the parts named (``python -m benchmarks server browser``). Adding a part is one
line: its name, its table's title and a function returning the table's rows.
"""

import sys
from collections.abc import Callable

from support.tables import print_table

from . import (
    bench_browser,
    bench_burst,
    bench_engine,
    bench_learning,
    bench_montecarlo,
    bench_server,
)
from .machine import describe_machine

PARTS: dict[str, tuple[str, Callable[[], list[dict[str, object]]]]] = {
    "engine": (
        "Engine: relaxed samples vs the NumPy exponential floor (11 interleaved rounds)",
        bench_engine.measure,
    ),
    "montecarlo": ("Monte Carlo sampling on the server (median of 7)", bench_montecarlo.measure),
    "server": (
        "Server, ours vs the bare page (benchmarks/bare_app.py), one run, "
        "Makefile environment, sessions with bokeh.client",
        bench_server.measure,
    ),
    "memory": (
        "Server memory, ours vs the bare page, under both environments",
        bench_server.measure_memory,
    ),
    "browser": (
        "Browser, ours vs the bare page (headless Chromium, localhost, ABAB)",
        bench_browser.measure,
    ),
    "browser-app": ("Browser, the app's own figures", bench_browser.measure_app),
    "learning": (
        "Estimators sweep and training run (the views' own jobs)",
        bench_learning.measure,
    ),
    "burst": (
        "Burst: 100 visitors from one address within 1 s through deploy/ (nginx, 2 processes)",
        bench_burst.measure,
    ),
}


def main(names: list[str]) -> None:
    unknown = [name for name in names if name not in PARTS]
    if unknown:
        sys.exit(f"unknown part(s) {', '.join(unknown)}; the parts: {', '.join(PARTS)}")
    print(describe_machine())
    for name in names or PARTS:
        title, measure = PARTS[name]
        print_table(title, measure())
        sys.stdout.flush()


main(sys.argv[1:])
