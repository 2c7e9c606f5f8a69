"""Shared fixtures (the app really served by ``panel serve``, the Chromium to drive it)
and the markers that let a developer pick: every test under ``tests/browser`` is
``browser``, every one under ``tests/system`` is ``system``; a test that starts a
server without a browser says ``server`` itself. ``make check`` runs the rest."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.served import launch_args, served_process

TESTS = Path(__file__).resolve().parent
MARKED_DIRECTORIES = {"browser", "system"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        top = Path(item.fspath).resolve().relative_to(TESTS).parts[0]
        if top in MARKED_DIRECTORIES:
            item.add_marker(top)
    # Browser tests last: Playwright's sync API keeps an event loop running in this
    # thread once it has started, and the system tests need asyncio.run().
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


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
