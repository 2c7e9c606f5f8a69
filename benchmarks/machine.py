"""Which machine a benchmark ran on."""

from __future__ import annotations

import datetime
import os
import platform
from pathlib import Path

import numpy as np


def cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def describe_machine() -> str:
    return (
        f"{datetime.date.today()} · {cpu_model()} · {os.cpu_count()} cores · "
        f"Python {platform.python_version()} · NumPy {np.__version__}"
    )
