"""Server figures: resident memory per open session and the time to create one.

Sessions are opened with ``bokeh.client.pull_session``, which runs ``app.py`` on
the server exactly as a browser's visit does (without rendering anything), and
kept open; the memory per session is the slope of a least-squares line through
the server's resident set size after each one.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import panel as pn
from bokeh.client import pull_session

from support.memory import resident_mb
from support.served import served_process

SESSIONS = 20


def measure(sessions: int = SESSIONS) -> list[dict[str, object]]:
    pn.extension("katex", notifications=True)  # the client must know the page's models
    with served_process() as (url, server):
        pull_session(url=url).close()  # warm up: imports, first-session caches
        rss, seconds, open_sessions = [resident_mb([server.pid])], [], []
        for _ in range(sessions):
            start = time.perf_counter()
            open_sessions.append(pull_session(url=url))
            seconds.append(time.perf_counter() - start)
            rss.append(resident_mb([server.pid]))
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
    from support.tables import print_table

    print_table("Server", measure())
