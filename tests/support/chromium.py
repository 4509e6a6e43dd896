"""Debian's headless Chromium for tests that must see a page the way a reader's browser does."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from html import escape
from pathlib import Path

import pytest

# What every headless Chromium here runs with, from the command line or under Playwright (tests.support.browser).
QUIET = (
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
FLAGS = ("--headless", *QUIET, "--hide-scrollbars")


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and os.environ.get("CI"):
        pytest.fail("Chromium is not installed: CI must install Debian's chromium")
    if found is None:
        pytest.skip("Chromium is not installed here (Debian package chromium; `make test` installs it)")
    return found


def _run(page: Path, width: int, height: int, *extra: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        return subprocess.run(
            [chromium(), *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}", *extra,
             page.resolve().as_uri()],
            capture_output=True, text=True, timeout=120, check=True,
        )


def screenshot(page: Path, png: Path, width: int, height: int) -> Path:
    """A PNG of `page` in a window of this size."""
    _run(page, width, height, f"--screenshot={png.resolve()}")
    return png


def dump_dom(page: Path, width: int, height: int = 900) -> str:
    """The DOM after the page (and any script in it) ran, in a window of this size."""
    return _run(page, width, height, "--dump-dom", "--virtual-time-budget=2000").stdout


def scroll_width_on_phone(html: str, folder: Path, width: int = 375) -> int:
    """How wide `html` lays out in a `width`-pixel viewport (wider than `width` means sideways scrolling).

    Headless windows are never narrower than 500 pixels, so the page is measured inside an
    iframe of the phone's width; a script in the page reports back to the frame's parent.
    """
    probe = html.replace("</body>", "<script>parent.document.body.setAttribute('data-scroll-width', "
                                    "document.documentElement.scrollWidth);</script></body>")
    wrapper = folder / "phone.html"
    wrapper.write_text(
        '<!DOCTYPE html><html><body style="margin: 0">'
        f'<iframe style="width: {width}px; height: 3000px; border: 0" srcdoc="{escape(probe, quote=True)}"></iframe>'
        "</body></html>",
        encoding="utf-8",
    )
    found = re.search(r'data-scroll-width="(\d+)"', dump_dom(wrapper, 800))
    assert found, "the page's script did not run"
    return int(found.group(1))
