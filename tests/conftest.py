"""Shared fixtures: a local ICE mirror, a temp tracker home, real SQLite and PostgreSQL, mail and Slack servers.

The plain helpers (paths, the command line, ICE's page) live in tests/support/tracker.py; the mail
and Slack servers are imported only by the tests that use them.
"""

from __future__ import annotations

import itertools
import os

import pytest

from tests.support.mirror import Mirror
from tests.support.tracker import PAGE_PATH, ROOT

_names = itertools.count()


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


@pytest.fixture
def slack_server():
    from tests.support.alert_servers import running_slack

    with running_slack() as stand_in:
        yield stand_in


@pytest.fixture
def smtp_server():
    from tests.support.alert_servers import running_smtp

    with running_smtp() as mailbox:
        yield mailbox


@pytest.fixture(scope="session")
def postgres():
    from tests.support.pg_server import PostgresServer, find_bin

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
