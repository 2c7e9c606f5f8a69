"""Server figures: resident memory per open session and the time to create one.

Sessions are opened with ``bokeh.client.pull_session``, which runs ``app.py`` on
the server exactly as a browser's visit does (without rendering anything), and
kept open; the memory per session is the slope of a least-squares line through
the server's resident set size after each one.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np
import panel as pn
from bokeh.client import pull_session

from tests.served import served_process

SESSIONS = 20


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def measure(sessions: int = SESSIONS) -> list[dict[str, object]]:
    pn.extension("katex", notifications=True)  # the client must know the page's models
    with served_process() as (url, server):
        pull_session(url=url).close()  # warm up: imports, first-session caches
        rss, seconds, open_sessions = [resident_mb(server.pid)], [], []
        for _ in range(sessions):
            start = time.perf_counter()
            open_sessions.append(pull_session(url=url))
            seconds.append(time.perf_counter() - start)
            rss.append(resident_mb(server.pid))
        slope = float(np.polyfit(np.arange(len(rss)), rss, 1)[0])
        for session in open_sessions:
            session.close()
    return [
        {
            "what": f"memory per open session (MB, slope over {sessions})",
            "value": slope,
            "target": "<= 10",
        },
        {
            "what": "create a session (ms, median)",
            "value": statistics.median(seconds) * 1e3,
            "target": "-",
        },
    ]


if __name__ == "__main__":
    from .report import print_table

    print_table("Server", measure())
