"""Shared fixtures: a local ICE mirror, a temp tracker home, real SQLite and PostgreSQL, mail and Slack servers.

Tests that need PostgreSQL, Chromium or a child process are marked `postgres`, `browser` or
`subprocess` here, from the fixtures they use and the functions they call, so `make check` can
leave them out without anyone remembering to mark a new test. A test that starts a process
without being marked fails and says so.
"""

from __future__ import annotations

import itertools
import os

import pytest

from tests.support.marks import HEAVY, marks_for, started_processes
from tests.support.mirror import Mirror
from tests.support.tracker import PAGE_PATH, ROOT

_names = itertools.count()
_PROCESSES_STARTED = pytest.StashKey[int]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for name in marks_for(item):
            item.add_marker(name)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """Counts the processes the test's body starts. Setup and teardown also create and end fixtures
    of a wider scope (a PostgreSQL server for the whole run), which are no test's own doing; the
    fixtures a test asks for are marked from their names (tests/support/marks.py)."""
    before = started_processes()
    try:
        return (yield)
    finally:
        item.stash[_PROCESSES_STARTED] = started_processes() - before


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport:
    report = yield
    started = item.stash.get(_PROCESSES_STARTED, 0)
    if call.when == "call" and started and not any(item.get_closest_marker(name) for name in HEAVY):
        report.outcome = "failed"
        report.longrepr = (f"{item.nodeid} started {started} child process(es) but is not marked: "
                           "add @pytest.mark.subprocess (make check leaves such tests out)")
    return report


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
        "NEWS_FEEDS": "",  # a test that reads news serves its own feed
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


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium that reaches 127.0.0.1 only (skipped without it; failed on CI)."""
    from tests.support.browser import launched

    with launched() as chromium:
        yield chromium


@pytest.fixture
def visit(browser):
    """Opens pages in `browser`; each must end with no console error and no request elsewhere."""
    from tests.support.browser import visits

    with visits(browser) as open_:
        yield open_


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
