"""Screenshot the served app: ``python -m scripts.screenshot OUT.png [--width W] [--dark]``."""

from __future__ import annotations

import argparse

from playwright.sync_api import sync_playwright

from tests.served import launch_args, served_app
from tests.ui.helpers import BARS_READY


def screenshot(path: str, width: int, height: int, dark: bool, query: str = "") -> None:
    with served_app() as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_args())
        page = browser.new_page(
            viewport={"width": width, "height": height},
            color_scheme="dark" if dark else "light",
        )
        params = [p for p in (query, "theme=dark" if dark else "") if p]
        page.goto(url + ("?" + "&".join(params) if params else ""))
        page.wait_for_function(f"() => ({BARS_READY})() && Bokeh.documents[0].is_idle")
        page.screenshot(path=path)
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--dark", action="store_true")
    parser.add_argument("--query", default="", help="e.g. view=pipeline&seed=1")
    args = parser.parse_args()
    screenshot(args.out, args.width, args.height, args.dark, args.query)


if __name__ == "__main__":
    main()
