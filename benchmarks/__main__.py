"""Run every benchmark and print Markdown tables: ``python -m benchmarks``."""

from support.tables import print_table

from . import bench_browser, bench_engine, bench_montecarlo, bench_server
from .machine import describe_machine

print(describe_machine())
print_table(
    "Engine: relaxed samples vs the NumPy exponential floor (median of 7)", bench_engine.measure()
)
print_table("Monte Carlo sampling on the server (median of 7)", bench_montecarlo.measure())
print_table("Browser (headless Chromium, localhost)", bench_browser.measure())
print_table("Server (panel serve, sessions opened with bokeh.client)", bench_server.measure())
