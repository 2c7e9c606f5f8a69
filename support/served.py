"""Serving the real app on a free port, for browser tests and benchmarks."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, timeout: float = 30.0) -> None:
    """Poll ``url`` until it answers 200 (the server is up), or raise."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.1)  # polling a socket that is not listening yet


@contextmanager
def served_app(*extra_args: str, app: str | Path = "app.py") -> Iterator[str]:
    """Run ``panel serve app.py`` as ``make run`` does; yield the app's URL.

    ``app`` serves another app file instead (relative to the checkout, or absolute).
    On exit the server is stopped and its log checked for tracebacks.
    """
    with served_process(*extra_args, app=app) as (url, _server):
        yield url


@contextmanager
def served_process(
    *extra_args: str,
    env: dict[str, str] | None = None,
    cwd: Path = ROOT,
    app: str | Path = "app.py",
) -> Iterator[tuple[str, subprocess.Popen]]:
    """Like :func:`served_app`, also yielding the server process (for its memory).

    ``env`` adds environment variables for the server (``PYTHONMALLOC=malloc`` as the
    Makefile serves it unless given, see gumbel_viz/app/memory.py); ``cwd`` is the
    server's working directory (the app is given by its absolute path); ``app`` is
    the app file (``benchmarks/bare_app.py`` is served at ``/bare_app``).
    """
    env = {"PYTHONMALLOC": "malloc", **(env or {})}
    app_path = ROOT / app
    port = free_port()
    url = f"http://127.0.0.1:{port}/{app_path.stem}"
    # A file, not a pipe: a long run (a load test) logs more than a pipe holds,
    # and a full pipe would stall the server.
    with tempfile.TemporaryFile(mode="w+") as log_file:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "panel",
                "serve",
                str(app_path),
                "--port",
                str(port),
                "--address",
                "127.0.0.1",
                "--allow-websocket-origin",
                f"127.0.0.1:{port}",
                *extra_args,
            ],
            cwd=cwd,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=log_file,
        )
        try:
            wait_for_http(url)
            yield url, server
        finally:
            server.terminate()
            server.wait(timeout=10)
            log_file.seek(0)
            log = log_file.read()
    if errors := server_errors(log):
        raise AssertionError("the server logged an error:\n" + "\n".join(errors))


# A page closed while the server was still writing to it: Tornado logs this, harmlessly.
_BENIGN = ("tornado.websocket.WebSocketClosedError",)


def server_errors(log: str) -> list[str]:
    """The log records of ``panel serve`` that hold a traceback, bar benign ones."""
    records = re.split(r"\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ )", log)
    return [
        record
        for record in records
        if "Traceback" in record and not any(benign in record for benign in _BENIGN)
    ]


def chromium_executable() -> str | None:
    """The system's Chromium (``CHROMIUM`` overrides); None means Playwright's own."""
    return (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )


def launch_args() -> dict[str, object]:
    args: dict[str, object] = {"args": CHROMIUM_FLAGS}
    if executable := chromium_executable():
        args["executable_path"] = executable
    return args
