"""`scheduler.py run` as a user starts it: a real process, a real database, real signals.

Crons are replaced by ticks of a second or two through the test-only knob. Tests marked
"real crawl" fire the real `service.cycle.run_ice` (a `python -m scrapers.crawl ice_287g` subprocess)
against a local mirror or a server that never answers; the others use a stand-in with the
same shape (a CrawlRun row around a child process) that also records which process crawled.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from storage.db import connect
from storage.models import CrawlRun, Lease, Problem, Publication, utcnow
from tests.support.tracker import PAGE_PATH, publish, sheet, wait_for

ROOT = Path(__file__).resolve().parent.parent
FIRST = "20250519_024922_participating"
PENDING_FIRST = "20250519_024922_pending"

DRIVER = r"""
import os, shlex, subprocess, sys
sys.path.insert(0, os.getcwd())
import scheduler
from service import cycle
from storage.models import CrawlRun, utcnow


def stand_in_run_ice(config, sessions, stop=None, wait=None, after_crawl=None, moa_budget=None):
    with sessions.begin() as session:
        run = CrawlRun(source="ice", status="running", started_at=utcnow(), stats={"pid": os.getpid()})
        session.add(run)
        session.flush()
        run_id = run.id
    child = subprocess.Popen(shlex.split(os.environ.get("FAKE_CRAWL", "true")))
    while child.poll() is None:
        if stop is not None and stop.wait(0.1):
            child.terminate()
            child.wait()
    with sessions.begin() as session:
        run = session.get(CrawlRun, run_id)
        run.finished_at = utcnow()
        run.status = "ok" if child.returncode == 0 else "failed"
        if child.returncode:
            run.error = f"crawl subprocess exited {child.returncode}"
    return 0 if child.returncode == 0 else 1


if not os.environ.get("REAL_CRAWL"):
    cycle.run_ice = stand_in_run_ice
for part in ("run_local", "run_news", "run_digests", "run_alerts"):
    setattr(cycle, part, lambda config, sessions, stop=None, wait=None: 0)
sys.exit(scheduler.main(["run"]))
"""


class ServiceProcess:
    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self.log = log_path.open("wb")
        self.proc = subprocess.Popen([sys.executable, "-c", DRIVER], cwd=ROOT, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 15) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


@pytest.fixture
def service_env(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ICE_", "DATABASE_", "TRACKER_"))}
    env.update({
        "DATABASE_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
        "DATA_DIR": str(tmp_path / "data"),
        "SUBSCRIPTIONS_FILE": str(tmp_path / "none.toml"),
        "ICE_CRAWL_JITTER": "0",
        "TRACKER_TEST_TICK_SECONDS": "1",
        "TRACKER_TEST_LEASE_SECONDS": "3",
        "PYTHONUNBUFFERED": "1",
    })
    return env


@pytest.fixture
def real_crawl_env(service_env: dict[str, str], mirror) -> dict[str, str]:
    """The real ICE crawl against the local mirror (which serves nothing until a test publishes)."""
    return {**service_env, "REAL_CRAWL": "1", "ICE_287G_URL": mirror.url(PAGE_PATH), "FETCH_MOAS": "false",
            "CRAWL_DELAY": "0", "TRACKER_TEST_TICK_SECONDS": "2", "PYTHONPATH": str(ROOT)}


@pytest.fixture
def silent_ice() -> Iterator[str]:
    """A server that accepts connections and never answers: a crawl that hangs."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        yield f"http://127.0.0.1:{server.getsockname()[1]}{PAGE_PATH}"


@pytest.fixture
def sessions(service_env: dict[str, str]) -> Iterator[sessionmaker[Session]]:
    maker = connect(service_env["DATABASE_URL"])
    yield maker
    maker.kw["bind"].dispose()


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[..., ServiceProcess]]:
    started: list[ServiceProcess] = []

    def _start(env: dict[str, str], **extra: str) -> ServiceProcess:
        process = ServiceProcess({**env, **extra}, tmp_path / f"service-{len(started)}.log")
        started.append(process)
        return process

    yield _start
    for process in started:
        process.close()


def ice_runs(sessions: sessionmaker[Session]) -> list[CrawlRun]:
    with sessions() as session:
        return list(session.scalars(select(CrawlRun).where(CrawlRun.source == "ice").order_by(CrawlRun.id)))


def problems(sessions: sessionmaker[Session], key: str) -> list[Problem]:
    with sessions() as session:
        return list(session.scalars(select(Problem).where(Problem.key == key).order_by(Problem.id)))


def test_a_real_ice_crawl_fires_and_sigterm_stops_the_service_cleanly(real_crawl_env, mirror, sessions,
                                                                       start) -> None:
    publish(mirror, sheet(FIRST), sheet(PENDING_FIRST))
    service = start(real_crawl_env)
    wait_for(lambda: [run for run in ice_runs(sessions) if run.status == "ok"], timeout=90,
             what="a good ICE crawl")
    with sessions() as session:
        assert session.scalars(select(Publication)).all(), "the crawl stored ICE's publication"
    assert mirror.requests_for(PAGE_PATH)

    began = time.monotonic()
    assert service.stop(timeout=40) == 0
    assert time.monotonic() - began < 30
    with sessions() as session:
        lease = session.get(Lease, "scheduler")
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)  # leases keep microseconds; utcnow() drops them
        assert lease is not None and lease.expires_at <= now, "the lease is released for a standby"
    assert "service stopped" in service.output()


def two_schedulers_crawl_once_per_tick_and_the_standby_takes_over(env, sessions, start) -> None:
    first = start(env)
    wait_for(lambda: ice_runs(sessions), what="the first scheduler's crawl")
    second = start(env)
    wait_for(lambda: "starting as" in second.output(), what="the second scheduler to start")
    time.sleep(5)

    runs = ice_runs(sessions)
    assert {run.stats["pid"] for run in runs} == {first.proc.pid}, "only the lease holder crawls"
    for earlier, later in zip(runs, runs[1:], strict=False):
        assert earlier.finished_at is not None and earlier.finished_at <= later.started_at, "crawls never overlap"
    ticks = max(1, round((runs[-1].started_at - runs[0].started_at).total_seconds())) + 1
    assert len(runs) <= ticks + 1, "one crawl per tick, not two"

    first.proc.kill()
    first.proc.wait()
    wait_for(lambda: [run for run in ice_runs(sessions) if run.stats["pid"] == second.proc.pid], timeout=15,
             what="the standby to take over after the holder died")
    assert second.stop() == 0


def test_two_schedulers_on_one_sqlite_database_crawl_once_per_tick_and_the_standby_takes_over(
        service_env, sessions, start) -> None:
    two_schedulers_crawl_once_per_tick_and_the_standby_takes_over(service_env, sessions, start)


def test_two_schedulers_on_one_postgresql_database_crawl_once_per_tick_and_the_standby_takes_over(
        service_env, start, postgres) -> None:
    url = postgres.create_database(f"service{os.getpid()}")
    pg_sessions = connect(url)
    try:
        two_schedulers_crawl_once_per_tick_and_the_standby_takes_over({**service_env, "DATABASE_URL": url},
                                                                      pg_sessions, start)
    finally:
        pg_sessions.kw["bind"].dispose()


def test_a_killed_crawl_subprocess_and_a_sigterm_mid_crawl_leave_a_consistent_store(
        real_crawl_env, silent_ice, sessions, start) -> None:
    service = start({**real_crawl_env, "ICE_287G_URL": silent_ice})
    wait_for(lambda: [run for run in ice_runs(sessions) if run.status == "running"], timeout=30,
             what="a crawl in progress")
    crawl = wait_for(lambda: subprocess.run(["pgrep", "-P", str(service.proc.pid), "-f", "scrapers.crawl"],
                                             capture_output=True, text=True).stdout.split(), what="the crawl")
    os.kill(int(crawl[0]), signal.SIGKILL)

    killed = wait_for(lambda: [run for run in ice_runs(sessions) if run.status == "failed"], what="a failed run")
    assert killed[0].finished_at is not None and "-9" in (killed[0].error or "")
    assert wait_for(lambda: problems(sessions, "ice:crawl"), what="a maintainer problem")[0].closed_at is None
    wait_for(lambda: len([run for run in ice_runs(sessions) if run.status == "running"]) == 1, timeout=30,
             what="the service to go on with the next crawl")

    began = time.monotonic()
    assert service.stop(timeout=60) == 0
    assert time.monotonic() - began < 40, "a hanging crawl does not hold up the stop"
    runs = ice_runs(sessions)
    assert all(run.finished_at for run in runs), "no run is left 'running'"
    assert runs[0].status == "failed" and runs[-1].status == "interrupted", "a stop is not a failure"
    assert "stopped by the tracker shutting down" in (runs[-1].error or "")
    assert problems(sessions, "job:ice_crawl") == [], "stopping the service is not a job failure"
    assert problems(sessions, "ice:crawl")[0].count == 1, "the stop did not count as another failure"


def test_a_restart_does_not_reopen_a_problem_already_alerted(real_crawl_env, sessions, start) -> None:
    failing = start(real_crawl_env)
    wait_for(lambda: problems(sessions, "ice:crawl"), timeout=60, what="the failing crawl's problem")
    assert failing.stop(timeout=40) == 0
    with sessions.begin() as session:
        session.execute(update(Problem).where(Problem.key == "ice:crawl").values(alerted_open=True))
        count = session.scalar(select(Problem.count).where(Problem.key == "ice:crawl"))

    again = start(real_crawl_env)
    wait_for(lambda: problems(sessions, "ice:crawl")[0].count > count, timeout=60, what="another failed crawl")
    assert again.stop(timeout=40) == 0

    rows = problems(sessions, "ice:crawl")
    assert len(rows) == 1, "the same problem continues across the restart"
    assert rows[0].alerted_open and rows[0].closed_at is None, "so maintainers are not told twice"


def test_a_run_that_came_due_while_the_service_was_down_happens_after_restart(service_env, sessions, start) -> None:
    yearly = {name: "0 0 1 1 *" for name in ("ICE_CRAWL_CRON", "LOCAL_CRAWL_CRON", "NEWS_CRAWL_CRON", "DIGEST_CRON")}
    env = {**service_env, **yearly}
    del env["TRACKER_TEST_TICK_SECONDS"]
    first = start(env)
    wait_for(lambda: [run for run in ice_runs(sessions) if run.status == "ok"], what="the crawl at start")
    assert first.stop() == 0
    assert len(ice_runs(sessions)) == 1

    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.blocking import BlockingScheduler

    store = SQLAlchemyJobStore(url=env["DATABASE_URL"], tablename="apscheduler_jobs")
    store.start(BlockingScheduler(timezone=dt.UTC), "tracker")
    job = store.lookup_job("ice_crawl")
    job._modify(next_run_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10))
    store.update_job(job)
    store.shutdown()

    second = start(env)
    wait_for(lambda: len([run for run in ice_runs(sessions) if run.status == "ok"]) == 2,
             what="the missed ICE crawl")
    assert second.stop() == 0
    assert len(ice_runs(sessions)) == 2, "made up once, not once per missed tick"
    assert "ICE crawl runs now" not in second.output(), "a recent good crawl is not repeated at start"


def test_a_new_service_crawls_at_start_and_logs_every_job_s_next_run(real_crawl_env, mirror, sessions,
                                                                     start) -> None:
    yearly = {name: "0 0 1 1 *" for name in ("ICE_CRAWL_CRON", "LOCAL_CRAWL_CRON", "NEWS_CRAWL_CRON", "DIGEST_CRON")}
    env = {**real_crawl_env, **yearly}
    del env["TRACKER_TEST_TICK_SECONDS"]
    publish(mirror, sheet(FIRST), sheet(PENDING_FIRST))
    service = start(env)
    wait_for(lambda: [run for run in ice_runs(sessions) if run.status == "ok"], timeout=90,
             what="the ICE crawl at start, months before its cron comes round")
    wait_for(lambda: "after a run that ended done" in service.output(), what="the next run logged after the crawl")
    assert service.stop(timeout=40) == 0
    log = service.output()
    assert "ICE crawl runs now: no good ICE crawl yet" in log
    for job in ("ice_crawl", "local_crawl", "news_crawl", "digests", "staleness", "outbox_retry"):
        assert f"({job}): next run" in log and "(at start)" in log, job
    next_year = f"{dt.datetime.now(dt.UTC).year + 1}-01-01T00:00:00"
    assert f"ICE crawl (ice_crawl): next run {next_year}+00:00 (after a run that ended done)" in log


def test_a_crawl_stopped_by_sigterm_is_interrupted_not_failed_and_is_retried_at_the_next_start(
        real_crawl_env, mirror, sessions, start) -> None:
    yearly = {name: "0 0 1 1 *" for name in ("ICE_CRAWL_CRON", "LOCAL_CRAWL_CRON", "NEWS_CRAWL_CRON", "DIGEST_CRON")}
    env = {**real_crawl_env, **yearly}
    del env["TRACKER_TEST_TICK_SECONDS"]
    publish(mirror, sheet(FIRST), sheet(PENDING_FIRST))
    first = start(env)
    wait_for(lambda: [run for run in ice_runs(sessions) if run.status == "ok"], timeout=90, what="a good crawl")
    assert first.stop(timeout=40) == 0

    with sessions.begin() as session:  # the last good crawl is recent; the one after it was stopped
        session.add(CrawlRun(source="ice", status="interrupted", started_at=utcnow(), finished_at=utcnow(),
                             stats={}))
    mirror.set(PAGE_PATH, mirror.routes[PAGE_PATH].body, "text/html", delay=120)
    second = start(env)
    wait_for(lambda: len(ice_runs(sessions)) == 3 and ice_runs(sessions)[-1].status == "running", timeout=60,
             what="the interrupted crawl retried at start")
    assert "ICE crawl runs now: the last ICE crawl was interrupted" in second.output()
    wait_for(lambda: subprocess.run(["pgrep", "-P", str(second.proc.pid), "-f", "scrapers.crawl"],
                                    capture_output=True, text=True).stdout.split(), what="the crawl child")
    assert second.stop(timeout=60) == 0

    runs = ice_runs(sessions)
    assert [run.status for run in runs] == ["ok", "interrupted", "interrupted"]
    assert problems(sessions, "ice:crawl") == [] and problems(sessions, "job:ice_crawl") == []
    status = subprocess.run([sys.executable, "scheduler.py", "status"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert status.returncode == 0, status.stdout
    assert "interrupted at" in status.stdout
