"""Shared fixtures: the app really served by ``panel serve``, and the Chromium to drive it."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from .served import launch_args, served_process


@pytest.fixture(scope="session")
def app_server() -> Iterator[tuple[str, subprocess.Popen]]:
    """The app served once for all browser tests: its URL and the server process."""
    with served_process() as served:
        yield served


@pytest.fixture(scope="session")
def app_url(app_server: tuple[str, subprocess.Popen]) -> str:
    return app_server[0]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, **launch_args()}
