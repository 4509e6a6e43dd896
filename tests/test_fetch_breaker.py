"""Bounded, visible document fetching: a host that refuses every MOA is left alone, and says so.

Real processes: `scheduler.py once` crawls a local ICE mirror whose workbook links a dozen
MOAs on another local server that resets every connection (or answers 403/429). The crawl
gives up on that host after a few failures, waits across crawls, tells `once` and `status`
how many documents wait and why, opens a maintainer problem after a day and closes it when
the host works again.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from scrapers.fetch_breaker import FAILURES_TO_TRIP
from storage.fetch_backoff import backoff_after
from tests.support.hostile_server import HostileServer
from tests.support.tracker import publish, run_cli
from tests.support.workbooks import row, workbook

LINKS = 12
ROBOTS_ATTEMPTS = 4  # robots.txt and its three retries


@pytest.fixture
def hostile():
    server = HostileServer()
    yield server
    server.close()


def _publish_with_moas(mirror, hostile) -> None:
    rows = [row(agency=f"{name} County Sheriff's Office", county=f"{name} County", kind="County",
                moa="link", moa_link=f"{hostile.base}/doclib/287gMOA/{name}.pdf")
            for name in ("Alachua", "Baker", "Bay", "Bradford", "Brevard", "Broward", "Calhoun", "Charlotte",
                         "Citrus", "Clay", "Collier", "Columbia")[:LINKS]]
    publish(mirror, workbook(rows + [row(agency=f"{n} Police Department") for n in ("Ocala", "Tampa", "Miami")]))


def _db(tmp_path, sql: str, *args):
    with sqlite3.connect(tmp_path / "tracker.db") as db:
        result = db.execute(sql, args).fetchall()
        db.commit()
        return result


@pytest.mark.parametrize("mode", ["reset", "403", "429"])
def test_a_host_that_refuses_every_moa_is_given_up_on_and_left_alone(mirror, tracker_env, tmp_path, hostile, mode):
    hostile.mode = mode
    env = dict(tracker_env, FETCH_MOAS="true")
    _publish_with_moas(mirror, hostile)
    first = run_cli(env, "once", "--only", "ice")
    assert first.returncode == 0, first.stdout + first.stderr[-2000:]
    assert hostile.connections <= FAILURES_TO_TRIP + 1, "stopped knocking after a few failures"
    assert f"documents: {LINKS} documents waiting for {hostile.host}" in first.stdout
    assert "failures in a row" in first.stdout and "next try after" in first.stdout
    [(failures, waiting)] = _db(tmp_path, "select failures, waiting from fetch_backoff")
    assert (failures, waiting) == (1, LINKS)

    knocked = hostile.connections
    second = run_cli(env, "once", "--only", "ice")
    assert second.returncode == 0
    assert hostile.connections == knocked, "a host backing off is not asked again"
    assert f"{LINKS} documents waiting for {hostile.host}" in second.stdout

    status = run_cli(env, "status")
    assert status.returncode == 0, status.stdout  # held back for hours, not a day: no page yet
    assert "documents waiting" in status.stdout and f"{LINKS} documents waiting for {hostile.host}" in status.stdout


def test_a_day_of_failures_opens_one_problem_and_recovery_closes_it(mirror, tracker_env, tmp_path, hostile):
    env = dict(tracker_env, FETCH_MOAS="true")
    _publish_with_moas(mirror, hostile)
    assert run_cli(env, "once", "--only", "ice").returncode == 0
    assert hostile.connections <= ROBOTS_ATTEMPTS + FAILURES_TO_TRIP

    a_day_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=25)).strftime("%Y-%m-%d %H:%M:%S.000000")
    due = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S.000000")
    _db(tmp_path, "update fetch_backoff set first_failed_at = ?, retry_after = ?", a_day_ago, due)
    before = hostile.connections
    again = run_cli(env, "once", "--only", "ice")
    assert again.returncode == 0
    assert 0 < hostile.connections - before <= ROBOTS_ATTEMPTS + FAILURES_TO_TRIP, "tried again once due"
    [(failures, retry_after, failed_at)] = _db(tmp_path, "select failures, retry_after, last_failed_at "
                                                         "from fetch_backoff")
    assert failures == 2
    wait = dt.datetime.fromisoformat(retry_after) - dt.datetime.fromisoformat(failed_at)
    assert wait == backoff_after(2) == dt.timedelta(hours=1), "twice as long after a second crawl gave up"
    status = run_cli(env, "status")
    assert status.returncode == 2
    assert f"fetch:{hostile.host}" in status.stdout and "have failed since" in status.stdout

    hostile.mode = "ok"
    _db(tmp_path, "update fetch_backoff set retry_after = ?", due)
    asked = hostile.documents_asked()
    recovered = run_cli(env, "once", "--only", "ice")
    assert recovered.returncode == 0, recovered.stdout + recovered.stderr[-2000:]
    assert hostile.documents_asked() - asked == LINKS, "every waiting document fetched once the host works"
    assert "documents waiting" not in recovered.stdout
    assert _db(tmp_path, "select count(*) from fetch_backoff") == [(0,)]
    assert _db(tmp_path, "select closed_at is not null from problems where key = ?", f"fetch:{hostile.host}") == [
        (1,)]
    assert run_cli(env, "status").returncode == 0


def test_back_off_doubles_and_stops_growing_at_a_day():
    assert [backoff_after(n) for n in (1, 2, 3)] == [dt.timedelta(minutes=30), dt.timedelta(hours=1),
                                                     dt.timedelta(hours=2)]
    assert backoff_after(6) == dt.timedelta(hours=16) and backoff_after(7) == backoff_after(40) == dt.timedelta(days=1)
