"""Shared test fixtures: a local ICE mirror, a temp tracker home, real SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.alert_servers import slack_server, smtp_server  # noqa: F401  (fixtures shared by alert tests)
from tests.mirror import Mirror

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHEETS = FIXTURES / "ice" / "sheets"
PAGE_PATH = "/identify-and-arrest/287g"
_names = itertools.count()


def sheet(name: str) -> bytes:
    """A real ICE workbook from the fixtures, by (part of) its file name."""
    matches = sorted(SHEETS.glob(f"*{name}*"))
    assert matches, f"no fixture workbook matches {name!r}"
    return matches[0].read_bytes()


@pytest.fixture
def mirror():
    server = Mirror()
    yield server
    server.close()


@pytest.fixture
def tracker_env(tmp_path, mirror) -> dict[str, str]:
    """Environment for running the tracker's commands against the mirror in a temp folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SMTP_", "DATABASE_", "DIGEST_"))}
    env.update({
        "DATABASE_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
        "DATA_DIR": str(tmp_path / "data"),
        "ICE_287G_URL": mirror.url(PAGE_PATH),
        "SUBSCRIPTIONS_FILE": str(tmp_path / "subscriptions.toml"),
        "FETCH_MOAS": "false",
        "CRAWL_DELAY": "0",
        "PYTHONPATH": str(ROOT),
    })
    return env


def run_cli(env: dict[str, str], *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    """Run `python scheduler.py ARGS` the way a user does, from the repository root."""
    return subprocess.run([sys.executable, "scheduler.py", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)



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


@pytest.fixture(scope="session")
def postgres():
    from tests.pg_server import PostgresServer, find_bin

    if find_bin() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed: .ci/run must install Debian's postgresql")
        pytest.skip("PostgreSQL is not installed here (Debian package postgresql)")
    server = PostgresServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    """Each storage test runs on real SQLite and on a real PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    server = request.getfixturevalue("postgres")
    return server.create_database(f"t{os.getpid()}_{next(_names)}")
