"""Playwright driving Debian's Chromium, for the explorer's browser tests.

Every host but 127.0.0.1 is unreachable from the browser (resolver rules, and any request
elsewhere is aborted and recorded), so a page that needs a CDN, a font or a tile server fails.
Test modules import the `browser` and `visit` fixtures from here.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]

sync_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        pytest.fail("Chromium is not installed: make system-deps installs Debian's chromium", pytrace=False)
    pytest.skip("Debian's chromium is not installed (make system-deps installs it)", allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
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
        response = self.page.goto(url)
        return response

    def json(self, path: str):
        return self.page.evaluate("path => fetch(path).then(r => r.json())", path)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser):
    opened: list[Visit] = []

    def open_(javascript: bool = True, width: int = 1280) -> Visit:
        opened.append(Visit(browser, javascript, width))
        return opened[-1]

    yield open_
    for v in opened:
        assert v.errors == [], f"console errors: {v.errors}"
        assert v.elsewhere == [], f"requests to other hosts: {v.elsewhere}"
        v.close()
