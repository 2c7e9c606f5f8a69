"""Memory freed by a class goes back to the OS (gumbel_viz/memory.py).

Run in a fresh interpreter with PYTHONMALLOC=malloc, as the server runs: many
small objects are allocated, one in fifty survives (as caches do after a
class), the rest are dropped. Freeing them does not lower the resident size;
release_memory must.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from support.served import ROOT

FRAGMENT_AND_RELEASE = """
import gc, json
import os
from support.memory import resident_mb
from gumbel_viz.app.memory import release_memory

def rss():
    return resident_mb([os.getpid()])

base = rss()
objects = [{"session": i, "values": [float(i)] * 4} for i in range(400_000)]
survivors = objects[::50]
del objects
gc.collect()
freed = rss()
release_memory()
print(json.dumps({"base": base, "freed": freed, "released": rss()}))
"""


def test_release_memory_returns_freed_small_objects_to_the_os() -> None:
    run = subprocess.run(
        [sys.executable, "-c", FRAGMENT_AND_RELEASE],
        cwd=ROOT,
        env={**os.environ, "PYTHONMALLOC": "malloc"},
        capture_output=True,
        text=True,
        check=True,
    )
    mb = json.loads(run.stdout)
    held = mb["freed"] - mb["base"]
    assert held > 50, mb  # freeing alone keeps the pages (the problem being solved)
    assert mb["released"] - mb["base"] < 0.5 * held, mb  # measured: 0.24 (pymalloc: 1.0)
