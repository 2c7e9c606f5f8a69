"""Burst: a class of 100 arriving within one second through deploy/, from ONE address.

nginx (deploy/nginx.conf, rendered for loopback) in front of two deploy/serve.sh
processes, started fresh for every trial as after a restart; then
support/burst.py's run_burst: each visitor fetches the page, every script and
stylesheet it links, and opens its own session. Figures: p50/p95 time to a live
session, errors, each process's CPU share, and that nginx served every static
file itself. Then the A/B of serve.sh's burst settings (--warm, the gc.freeze()
setup script), each on fresh processes, CPU per visitor measured on the backends.

``python -m benchmarks.bench_burst`` prints the table.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from support.burst import BurstReport, run_burst, running_nginx, running_serve_sh
from support.served import free_port

VISITORS = 100
SPREAD_S = 1.0
# serve.sh's settings for each arm; the first is serve.sh's default.
ARMS: dict[str, dict[str, str]] = {
    "default: --warm + gc_setup": {},
    "--warm only": {"GSX_SETUP": ""},
    "no --warm (gc_setup)": {"GSX_WARM": "0"},
}


def burst(
    env: dict[str, str], visitors: int = VISITORS, spread_s: float = SPREAD_S
) -> BurstReport:
    """One burst against freshly started processes with serve.sh settings ``env``."""
    with tempfile.TemporaryDirectory() as tmp:
        prefix = Path(tmp)
        proxy_port, ports = free_port(), [free_port(), free_port()]
        with (
            running_serve_sh(prefix / "serve", ports, f"127.0.0.1:{proxy_port}", env) as backends,
            running_nginx(prefix / "nginx", proxy_port, ports) as access_log,
        ):
            return asyncio.run(
                run_burst(
                    f"http://127.0.0.1:{proxy_port}", backends.pids, visitors, spread_s, access_log
                )
            )


def measure(visitors: int = VISITORS, trials: int = 1) -> list[dict[str, object]]:
    reports = {arm: [burst(env, visitors) for _ in range(trials)] for arm, env in ARMS.items()}
    main = reports[next(iter(ARMS))][0]
    rows = main.rows()
    rows.append(
        {
            "what": "static files served by nginx",
            "value": "yes" if main.static_requests and not main.static_from_upstream else "no",
            "target": "yes",
        }
    )
    for arm, runs in reports.items():
        for i, report in enumerate(runs, 1):
            trial = f" #{i}" if trials > 1 else ""
            rows.append(
                {
                    "what": f"A/B {arm}{trial}: p50 / p95 (s), CPU per visitor (s), errors",
                    "value": f"{report.p(50):.1f} / {report.p(95):.1f}, "
                    f"{report.cpu_per_visitor:.3f}, {len(report.errors)}",
                    "target": "-",
                }
            )
    return rows


if __name__ == "__main__":
    import sys

    from support.tables import print_table

    trials = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    print_table(
        f"Burst: {VISITORS} visitors in {SPREAD_S:g} s through deploy/", measure(trials=trials)
    )
