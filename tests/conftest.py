"""Shared fixtures: the app really served by ``panel serve``, and the Chromium to drive it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .served import launch_args, served_app


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    with served_app() as url:
        yield url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, **launch_args()}
