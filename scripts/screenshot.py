"""Screenshot the served app: ``python -m scripts.screenshot OUT.png [--width W] [--dark]``.

Serves the app itself unless ``--url`` names a running one; prints the page's
console errors and failed requests, if any.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator

from playwright.sync_api import sync_playwright

from support.browser import BARS_READY, watch_errors
from support.served import launch_args, served_app


@contextlib.contextmanager
def _app(url: str | None) -> Iterator[str]:
    if url:
        yield url
    else:
        with served_app() as served:
            yield served


def screenshot(
    path: str,
    width: int,
    height: int,
    dark: bool,
    query: str = "",
    url: str | None = None,
    full_page: bool = False,
    wait_for: str = "",
) -> list[str]:
    """Save a screenshot of the page at ``query``; return its console errors."""
    with _app(url) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_args())
        page = browser.new_page(
            viewport={"width": width, "height": height},
            color_scheme="dark" if dark else "light",
        )
        errors = watch_errors(page)
        params = [p for p in (query, "theme=dark" if dark else "") if p]
        page.goto(base + ("?" + "&".join(params) if params else ""))
        page.wait_for_function(f"() => ({BARS_READY})() && Bokeh.documents[0].is_idle")
        if wait_for:
            page.wait_for_function(wait_for, timeout=60_000)
        page.screenshot(path=path, full_page=full_page)
        browser.close()
    return errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--dark", action="store_true")
    parser.add_argument("--full-page", action="store_true")
    parser.add_argument("--query", default="", help="e.g. view=pipeline&seed=1")
    parser.add_argument("--url", help="a running app, e.g. http://localhost:5006/app")
    parser.add_argument("--wait-for", default="", help="a JS condition to wait for first")
    args = parser.parse_args()
    errors = screenshot(
        args.out,
        args.width,
        args.height,
        args.dark,
        args.query,
        args.url,
        args.full_page,
        args.wait_for,
    )
    for error in errors:
        print("page error:", error)


if __name__ == "__main__":
    main()
