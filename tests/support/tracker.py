"""The tracker as a user runs it: its folders, the ICE fixtures, its command line, and ICE's page on the mirror."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.support.mirror import Mirror

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SHEETS = FIXTURES / "ice" / "sheets"
PAGE_PATH = "/identify-and-arrest/287g"


def sheet(name: str) -> bytes:
    """A real ICE workbook from the fixtures, by (part of) its file name."""
    matches = sorted(SHEETS.glob(f"*{name}*"))
    assert matches, f"no fixture workbook matches {name!r}"
    return matches[0].read_bytes()


def run_cli(env: dict[str, str], *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    """Run `python scheduler.py ARGS` the way a user does, from the repository root."""
    return subprocess.run([sys.executable, "scheduler.py", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def command_env(database_url: str, data_dir: Path, **more: str) -> dict[str, str]:
    """A command's environment for one store: this machine's own store, Slack and mail settings left out."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "SLACK_", "SMTP_"))}
    env.update(DATABASE_URL=database_url, DATA_DIR=str(data_dir), **more)
    return env


def wait_for(check: Callable[[], object], timeout: float = 20, what: str = "condition", poll: float = 0.2) -> object:
    """`check()`'s first true answer, asked every `poll` seconds; fails the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(poll)
    raise AssertionError(f"timed out waiting for {what}")


def publish(mirror: Mirror, participating: bytes | None, pending: bytes | None = None,
            participating_name: str = "participatingAgencies06062025am.xlsx") -> None:
    """Serve ICE's page linking the given workbooks, in ICE's two link styles."""
    links = []
    if participating is not None:
        path = f"/doclib/about/offices/ero/287g/{participating_name}"
        mirror.set(path, participating)
        links.append((path, "Participating Agencies"))
    if pending is not None:
        path = "/file-download/download/public/4711"
        mirror.set(path, pending, headers={"Content-Disposition": 'attachment; filename="pendingAgencies.xlsx"'})
        links.append((path, "Pending Agencies"))
    mirror.page(links, PAGE_PATH)
