"""The resident memory and CPU time of server processes, read from /proc."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Sequence
from pathlib import Path

from gumbel_viz.app.memory import RELEASE_DELAY_S


def resident_mb(pids: Sequence[int]) -> float:
    """Resident set size of the server processes together, in MB."""
    total = 0.0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) / 1024
    return total


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds process ``pid`` has used (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def settled_mb(pids: Sequence[int]) -> float:
    """Memory once closed sessions have been discarded and their memory released.

    The servers discard a closed session within ~0.5 s (SESSION_CLEANUP_ARGS)
    and release memory RELEASE_DELAY_S after a burst of discards
    (gumbel_viz/memory.py). Discarding 100 sessions takes seconds and each
    discard can schedule another release, so wait until the RSS has not fallen
    for longer than a release delay.
    """
    await asyncio.sleep(0.5 + RELEASE_DELAY_S)
    stable_s = RELEASE_DELAY_S + 2
    lowest, stable_since = resident_mb(pids), time.monotonic()
    while time.monotonic() - stable_since < stable_s:
        await asyncio.sleep(0.25)
        current = resident_mb(pids)
        if current < lowest - 0.5:
            lowest, stable_since = current, time.monotonic()
    return resident_mb(pids)


class PeakMemory:
    """Samples the servers' RSS every 50 ms while a load runs."""

    def __init__(self, pids: Sequence[int]):
        self.pids, self.peak = pids, resident_mb(pids)
        self._task: asyncio.Task | None = None

    async def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, resident_mb(self.pids))
            await asyncio.sleep(0.05)

    def __enter__(self) -> PeakMemory:
        self._task = asyncio.get_running_loop().create_task(self._sample())
        return self

    def __exit__(self, *_exc: object) -> None:
        self.peak = max(self.peak, resident_mb(self.pids))
        self._task.cancel()
