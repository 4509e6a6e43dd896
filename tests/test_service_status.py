"""`status`, `jobs`, the staleness problem and the scheduler lease, on real SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

import settings
from cli.service import jobs_command, status_command
from service.crontab import crontab_weekdays
from service.lease import DatabaseLease
from service.status import check_staleness
from storage.db import connect
from storage.models import CrawlRun, Document, Problem, Publication, utcnow

NOW = utcnow


def config_for(database_url: str, tmp_path: Path, **extra: str) -> settings.TrackerSettings:
    return settings.load(env={"DATABASE_URL": database_url, "DATA_DIR": str(tmp_path / "data"), **extra})


@pytest.fixture
def store(database_url):
    sessions = connect(database_url)
    yield sessions
    sessions.kw["bind"].dispose()


def add_run(store, source: str, status: str, hours_ago: float, error: str | None = None) -> None:
    started = NOW() - dt.timedelta(hours=hours_ago)
    with store.begin() as session:
        session.add(CrawlRun(source=source, status=status, started_at=started, error=error,
                             finished_at=None if status == "running" else started + dt.timedelta(minutes=2)))


def test_status_is_healthy_after_a_fresh_good_crawl(database_url, store, tmp_path, capsys) -> None:
    add_run(store, "ice", "ok", hours_ago=3)
    add_run(store, "ice", "unchanged", hours_ago=1)
    add_run(store, "local:marion-county-fl", "ok", hours_ago=20)

    assert status_command(config_for(database_url, tmp_path), store) == 0
    out = capsys.readouterr().out
    assert "healthy" in out and "UNHEALTHY" not in out
    assert "local:marion-county-fl" in out
    ice_line = next(line for line in out.splitlines() if line.startswith("ice "))
    assert "unchanged" in ice_line and "58m" in ice_line


def test_status_exits_2_when_the_last_good_ice_crawl_is_too_old(database_url, store, tmp_path, capsys) -> None:
    add_run(store, "ice", "ok", hours_ago=7)
    assert status_command(config_for(database_url, tmp_path), store) == 2
    assert "more than the 6h 0m allowed" in capsys.readouterr().out

    add_run(store, "ice", "ok", hours_ago=5)
    assert status_command(config_for(database_url, tmp_path), store) == 0


def test_the_stale_limit_follows_the_ice_schedule(database_url, store, tmp_path, capsys) -> None:
    add_run(store, "ice", "ok", hours_ago=30)
    daily = config_for(database_url, tmp_path, ICE_CRAWL_CRON="0 6 * * *", ICE_CRAWL_JITTER="0")
    assert status_command(daily, store) == 0, "three daily intervals are allowed"
    assert status_command(config_for(database_url, tmp_path), store) == 2, "but not for hourly crawls"


def test_status_exits_2_when_never_crawled_with_a_clear_line(database_url, store, tmp_path, capsys) -> None:
    assert status_command(config_for(database_url, tmp_path), store) == 2
    out = capsys.readouterr().out
    assert "ice: never crawled" in out


def test_status_exits_2_when_the_last_run_failed_or_a_problem_is_open(database_url, store, tmp_path,
                                                                      capsys) -> None:
    add_run(store, "ice", "ok", hours_ago=2)
    add_run(store, "ice", "failed", hours_ago=1, error="HTTP 503 from ICE\ntraceback...")
    assert status_command(config_for(database_url, tmp_path), store) == 2
    out = capsys.readouterr().out
    assert "ice: last run failed" in out and "HTTP 503 from ICE" in out

    add_run(store, "ice", "ok", hours_ago=0.5)
    with store.begin() as session:
        session.add(Problem(key="job:digests", source="alerts", message="email digests failed: SMTP refused"))
    assert status_command(config_for(database_url, tmp_path), store) == 2
    assert "job:digests" in capsys.readouterr().out


def test_jobs_lists_every_job_with_its_cron_and_next_run(database_url, store, tmp_path, capsys) -> None:
    config = config_for(database_url, tmp_path, ICE_CRAWL_CRON="0 9 * * 1", LOCAL_CRAWL_CRON="30 5 * * *",
                        DIGEST_CRON="0 * * * *", NEWS_CRAWL_CRON="10,40 * * * *")
    assert jobs_command(config, store) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:] if line and not line.startswith("service")}
    assert set(rows) == {"ice_crawl", "local_crawl", "news_crawl", "digests", "staleness", "outbox_retry"}
    for row in rows.values():
        next_run = next(dt.datetime.fromisoformat(cell) for cell in row if cell[:2] == "20" and "T" in cell)
        assert next_run > dt.datetime.now(dt.UTC)
    ice_next = next(dt.datetime.fromisoformat(cell) for cell in rows["ice_crawl"] if cell[:2] == "20")
    assert ice_next.weekday() == 0 and ice_next.hour == 9, "crontab's weekday 1 is Monday"
    assert "5" in rows["local_crawl"] and "30" in rows["local_crawl"]
    assert "10,40" in rows["news_crawl"] and "NEWS_CRAWL_CRON" in " ".join(rows["news_crawl"])
    assert "service: not running" in out


def test_crontab_weekdays_count_from_sunday() -> None:
    assert crontab_weekdays("0") == "sun"
    assert crontab_weekdays("7") == "sun"
    assert crontab_weekdays("1-5") == "mon,tue,wed,thu,fri"
    assert crontab_weekdays("*/2") == "sun,tue,thu,sat"
    assert crontab_weekdays("fri-sun") == "sun,fri,sat"
    assert crontab_weekdays("*") == "*"


def test_staleness_opens_ice_stale_once_and_closes_it_on_a_new_publication(database_url, store, tmp_path) -> None:
    config = config_for(database_url, tmp_path, STALE_AFTER_DAYS="7")
    check_staleness(config, store)
    with store() as session:
        assert session.scalars(select(Problem)).all() == [], "a fresh install is not stale"

    def publish(days_ago: float, sha: str) -> None:
        with store.begin() as session:
            document = Document(sha256=sha * 64, size=1, kind="participating", path="x", first_url="http://x")
            session.add(document)
            session.flush()
            session.add(Publication(document_id=document.id, kind="participating", source_url="http://x",
                                    status="applied", applied_at=NOW() - dt.timedelta(days=days_ago)))

    publish(9, "a")
    check_staleness(config, store)
    check_staleness(config, store)
    with store() as session:
        problems = session.scalars(select(Problem).where(Problem.key == "ice:stale")).all()
    assert len(problems) == 1 and problems[0].closed_at is None
    assert "no new ICE publication for 9 days" in problems[0].message

    publish(0, "b")
    check_staleness(config, store)
    with store() as session:
        assert session.scalars(select(Problem).where(Problem.key == "ice:stale")).one().closed_at is not None


def test_one_lease_holder_at_a_time_and_a_takeover_after_expiry(database_url, store) -> None:
    period = dt.timedelta(seconds=2)
    first, second = DatabaseLease(store, "a", period), DatabaseLease(store, "b", period)
    assert first.acquire()
    assert not second.acquire()
    assert first.renew() and first.acquire()

    deadline = time.monotonic() + 5
    while not second.acquire():
        assert time.monotonic() < deadline, "the standby takes over once the holder stops heart-beating"
        time.sleep(0.1)
    assert not first.renew(), "and the old holder learns it lost the lease"

    second.release()
    assert first.acquire(), "a released lease is free at once"


def test_racing_processes_never_both_win_the_lease(database_url, store) -> None:
    contenders = [DatabaseLease(connect(database_url, migrate=False), f"p{i}", dt.timedelta(seconds=60))
                  for i in range(6)]
    barrier = threading.Barrier(len(contenders))
    wins: list[str] = []

    def contend(lease: DatabaseLease) -> None:
        barrier.wait()
        if lease.acquire():
            wins.append(lease.holder)

    threads = [threading.Thread(target=contend, args=(lease,)) for lease in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for lease in contenders:
        lease.sessions.kw["bind"].dispose()
    assert len(wins) == 1


def test_an_interrupted_run_is_healthy_and_retried_at_start_while_a_dead_one_is_failing(
        database_url, store, tmp_path, capsys) -> None:
    from service.startup import crawls_due_at_start

    config = config_for(database_url, tmp_path)
    add_run(store, "ice", "ok", hours_ago=0.5)
    add_run(store, "ice", "interrupted", hours_ago=0.2, error="stopped by the tracker shutting down")
    assert status_command(config, store) == 0
    assert "interrupted at" in capsys.readouterr().out
    with store() as session:
        assert list(crawls_due_at_start(session, dt.timedelta(hours=1), NOW())) == ["ice_crawl"]
        assert crawls_due_at_start(session, dt.timedelta(minutes=10), NOW())["ice_crawl"].startswith(
            "the last good ICE crawl is older")

    add_run(store, "ice", "ok", hours_ago=0.1)
    add_run(store, "local:marion-county-fl", "interrupted", hours_ago=0.05)
    with store() as session:
        assert list(crawls_due_at_start(session, dt.timedelta(hours=1), NOW())) == ["local_crawl"]

    add_run(store, "news", "interrupted", hours_ago=0.04)
    with store() as session:
        assert list(crawls_due_at_start(session, dt.timedelta(hours=1), NOW())) == ["local_crawl", "news_crawl"]

    capsys.readouterr()
    add_run(store, "local:lake-county-fl", "running", hours_ago=2)  # its process is gone: no stop we made
    assert status_command(config, store) == 2
    assert "local:lake-county-fl: last run died" in capsys.readouterr().out


def test_a_lease_lasts_its_whole_period_whenever_in_the_second_it_was_taken(database_url, store) -> None:
    """Times cut to the second made a 2 s lease taken at x.95 expire at x+2: 1.05 s later (a flaky test)."""
    period = dt.timedelta(seconds=2)
    holder, standby = DatabaseLease(store, "a", period), DatabaseLease(store, "b", period)
    while dt.datetime.now(dt.UTC).microsecond < 900_000:  # late in a second, where the cut cost most
        time.sleep(0.01)
    assert holder.acquire()
    time.sleep(1.2)
    assert not standby.acquire(), "the holder's lease has not run out"
    assert holder.renew()
