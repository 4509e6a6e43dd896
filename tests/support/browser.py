"""A real headless Chromium (Debian's) driven by Playwright, that can reach 127.0.0.1 and nothing else.

Every host but 127.0.0.1 is unreachable from the browser (resolver rules, and any request
elsewhere is aborted and recorded), so a page that needs a CDN, a font or a tile server fails.
A test module that imports this is skipped without Playwright or Chromium (failed on CI).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.chromium import QUIET

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [*QUIET, "--disable-dev-shm-usage", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]

sync_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        pytest.fail("Chromium is not installed: make system-deps installs Debian's chromium", pytrace=False)
    pytest.skip("Debian's chromium is not installed (make system-deps installs it)", allow_module_level=True)


@contextmanager
def launched() -> Iterator:
    """Chromium for as long as the block runs (the `browser` fixture: one per test module)."""
    with sync_api.sync_playwright() as playwright:
        # Playwright gives every launch a fresh, throw-away profile (its own --user-data-dir).
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Visit:
    """A page plus what went wrong while it loaded: console errors, page errors, requests elsewhere."""

    def __init__(self, browser, javascript: bool = True, width: int = 1280) -> None:
        self.context = browser.new_context(java_script_enabled=javascript, viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.elsewhere: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.context.route("**/*", self._route)

    def _route(self, route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.elsewhere.append(route.request.url)
            route.abort()

    def go(self, url: str):
        return self.page.goto(url)

    def json(self, path: str):
        return self.page.evaluate("path => fetch(path).then(r => r.json())", path)

    def close(self) -> None:
        self.context.close()


@contextmanager
def visits(browser) -> Iterator:
    """`open_(javascript, width)` opens a page; at the end, every page must have had no console
    error and no request to another host (the `visit` fixture)."""
    opened: list[Visit] = []

    def open_(javascript: bool = True, width: int = 1280) -> Visit:
        opened.append(Visit(browser, javascript, width))
        return opened[-1]

    yield open_
    for v in opened:
        assert v.errors == [], f"console errors: {v.errors}"
        assert v.elsewhere == [], f"requests to other hosts: {v.elsewhere}"
        v.close()
