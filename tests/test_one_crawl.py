"""One crawl of ICE at a time, whoever starts it: two `once` (cron and a person), or `once` and `run`.

Real processes on real SQLite and PostgreSQL, against the loopback ICE stand-in. The first
crawl's workbook request is held by the stand-in until the second process has said what it
does, so the overlap is certain without guessing at timings; then it is let go.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from service.crawl_lease import one_crawl
from service.lease import DatabaseLease
from storage.db import connect
from storage.models import Agreement, CrawlRun, Event, Lease, Problem, Publication
from tests.support.mirror import Hold, Mirror
from tests.support.tracker import ROOT, publish, sheet, wait_for
from tests.test_service_run import ServiceProcess
from vocabulary import FAILING_RUNS

FIRST = "20250519_024922_participating"
PENDING_FIRST = "20250519_024922_pending"
PARTICIPATING_PATH = "/doclib/about/offices/ero/287g/participatingAgencies06062025am.xlsx"


@dataclass
class Once:
    """`scheduler.py once --only ice` running, its stdout read line by line as it comes."""

    proc: subprocess.Popen
    lines: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.readers = [threading.Thread(target=self._read, args=(stream, into), daemon=True)
                        for stream, into in ((self.proc.stdout, self.lines), (self.proc.stderr, self.errors))]
        for reader in self.readers:
            reader.start()

    @staticmethod
    def _read(stream, into: list[str]) -> None:
        for line in stream:
            into.append(line.rstrip("\n"))

    def finish(self, timeout: float = 120) -> tuple[int, list[str], str]:
        code = self.proc.wait(timeout)
        for reader in self.readers:
            reader.join(timeout=10)
        return code, self.lines, "\n".join(self.errors)


@pytest.fixture
def start_once(tracker_env) -> Iterator:
    started: list[Once] = []

    def _start(env: dict[str, str]) -> Once:
        proc = subprocess.Popen([sys.executable, "scheduler.py", "once", "--only", "ice"], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        started.append(Once(proc))
        return started[-1]

    yield _start
    for once in started:
        if once.proc.poll() is None:
            once.proc.kill()
            once.proc.wait()


@pytest.fixture
def env(tracker_env, database_url) -> dict[str, str]:
    return {**tracker_env, "DATABASE_URL": database_url}


@pytest.fixture
def store(env) -> Iterator[sessionmaker[Session]]:
    sessions = connect(env["DATABASE_URL"])
    yield sessions
    sessions.kw["bind"].dispose()


def held_workbook(mirror: Mirror) -> Hold:
    """ICE publishes its first lists; answers for the participating workbook wait for the test."""
    publish(mirror, sheet(FIRST), sheet(PENDING_FIRST))
    hold = Hold()
    mirror.routes[PARTICIPATING_PATH].hold = hold
    return hold


@contextmanager
def released(hold: Hold) -> Iterator[None]:
    """Let the held crawl go on however the test ends, so no process is left waiting on the stand-in."""
    try:
        yield
    finally:
        hold.release.set()


def waiting_line(once: Once) -> str:
    found = wait_for(lambda: [line for line in once.lines if "another process" in line], timeout=60,
                     what="the second `once` to say it waits", poll=0.1)
    return found[0]


def assert_one_clean_import(store: sessionmaker[Session]) -> None:
    """One good crawl, no failure and no problem, each agreement once, each event once."""
    with store() as session:
        runs = session.scalars(select(CrawlRun).where(CrawlRun.source == "ice")).all()
        assert runs and not [run for run in runs if run.status in FAILING_RUNS], [(r.status, r.error) for r in runs]
        assert session.scalars(select(Problem).where(Problem.closed_at.is_(None))).all() == []
        uids = session.scalars(select(Agreement.uid)).all()
        assert uids and len(uids) == len(set(uids))
        recorded = sum(p["events"] for run in runs for p in (run.stats or {}).get("publications", []))
        stored = session.scalar(select(func.count()).select_from(Event))
        assert stored == recorded > 0, "every event the crawl reported is stored once, none twice"
        payloads = session.scalars(select(Event.payload)).all()
        assert len({(p["type"], p.get("agreement_uid"), p.get("list")) for p in payloads}) == len(payloads)


def test_a_second_once_waits_for_the_running_crawl_and_reports_its_result(mirror, env, store, start_once) -> None:
    hold = held_workbook(mirror)
    with released(hold):
        first = start_once(env)
        assert hold.arrived(), "the first crawl asked for the workbook"
        second = start_once(env)
        line = waiting_line(second)
    assert "waiting for it to finish" in line and f":{first.proc.pid})" in line, line

    first_code, first_out, first_err = first.finish()
    second_code, second_out, second_err = second.finish()
    assert first_code == 0, first_out + [first_err]
    assert second_code == 0, second_out + [second_err]
    assert not any("another process" in out for out in first_out), first_out
    assert [out for out in second_out if "another process" in out] == [line], "one line says it waited"
    crawled = [out for out in first_out if out.startswith("ice: ")]
    assert second_out[-1] == crawled[0], "the waiting `once` reports the crawl it waited for"
    assert "Traceback" not in first_err + second_err
    with store() as session:
        assert len(session.scalars(select(CrawlRun)).all()) == 1, "the second `once` crawled nothing itself"
    assert_one_clean_import(store)


def service_env(env: dict[str, str]) -> dict[str, str]:
    """`run` with the real ICE crawl, ticking every two seconds (test-only knobs)."""
    return {**env, "REAL_CRAWL": "1", "ICE_CRAWL_JITTER": "0", "TRACKER_TEST_TICK_SECONDS": "2",
            "TRACKER_TEST_LEASE_SECONDS": "3", "PYTHONUNBUFFERED": "1"}


def settle(store: sessionmaker[Session]) -> None:
    """Wait for the service's jobs to close what they opened: with the test's two-second ticks, a crawl
    held longer than a tick makes the scheduler note a skipped tick (`job:ice_crawl:missed`) until the
    crawl's job is done."""
    def open_problems() -> list[Problem]:
        with store() as session:
            return list(session.scalars(select(Problem).where(Problem.closed_at.is_(None))))

    wait_for(lambda: not open_problems(), timeout=60, what="no open problem")


def test_the_service_skips_its_crawl_while_a_once_crawls(mirror, env, store, start_once, tmp_path) -> None:
    hold = held_workbook(mirror)
    service = None
    try:
        with released(hold):
            once = start_once(env)
            assert hold.arrived(), "`once` asked for the workbook"
            service = ServiceProcess(service_env(env), tmp_path / "service.log")
            wait_for(lambda: "skipped: another process" in service.output(), timeout=60,
                     what="the service to skip its crawl", poll=0.1)
        code, out, err = once.finish()
        assert code == 0, out + [err]
        settle(store)
        assert service.stop(timeout=60) == 0
    finally:
        if service is not None:
            service.close()
    log = service.output()
    assert len([line for line in log.splitlines() if "skipped: another process" in line]) >= 1
    assert f":{once.proc.pid})" in log and "Traceback" not in log
    assert_one_clean_import(store)


def test_a_once_waits_for_the_service_crawl(mirror, env, store, start_once, tmp_path) -> None:
    hold = held_workbook(mirror)
    service = ServiceProcess(service_env(env), tmp_path / "service.log")
    try:
        with released(hold):
            assert hold.arrived(), "the service's crawl asked for the workbook"
            once = start_once(env)
            line = waiting_line(once)
        code, out, err = once.finish()
        settle(store)
        assert service.stop(timeout=60) == 0
    finally:
        service.close()
    assert code == 0, out + [err]
    assert f":{service.proc.pid})" in line and "waiting for it to finish" in line, line
    assert [text for text in out if "another process" in text] == [line]
    assert out[-1].startswith("ice: ok | participating baseline"), out
    assert_one_clean_import(store)


def test_a_crawl_whose_lease_lapsed_and_the_crawl_that_took_over_store_the_publication_once(
        mirror, env, store, start_once) -> None:
    hold = held_workbook(mirror)
    with released(hold):
        first = start_once(env)
        assert hold.arrived(), "the first crawl asked for the workbook"
        with store.begin() as session:  # the first crawl stalled past its lease, as if its heartbeat had stopped
            session.execute(update(Lease).where(Lease.name == "crawl:ice").values(expires_at=dt.datetime(2000, 1, 1)))
        second = start_once(env)
        assert hold.arrived(2), "the second crawl took the lapsed lease and asked for the workbook too"
    for once in (first, second):
        code, out, err = once.finish()
        assert code == 0, out + [err]
    with store() as session:
        assert len(session.scalars(select(CrawlRun)).all()) == 2, "both crawled"
        kinds = session.scalars(select(Publication.kind)).all()
        assert sorted(kinds) == ["participating", "pending"], "each list is stored once, from either crawl"
    assert_one_clean_import(store)


@pytest.fixture
def other_crawl(database_url) -> Iterator[tuple[sessionmaker[Session], DatabaseLease]]:
    """A store where another process (host `elsewhere`, pid 4711) holds the ICE crawl lease."""
    sessions = connect(database_url)
    other = DatabaseLease(sessions, "elsewhere:4711:0a1b2c3d", dt.timedelta(minutes=10), name="crawl:ice")
    assert other.acquire()
    yield sessions, other
    sessions.kw["bind"].dispose()


def test_a_crawl_running_longer_than_the_wait_is_skipped_at_once_with_one_line(other_crawl, capsys) -> None:
    sessions, other = other_crawl
    with sessions.begin() as session:
        lease = session.get(Lease, "crawl:ice")
        lease.acquired_at -= dt.timedelta(minutes=7)
    with one_crawl(sessions, "ice", wait=dt.timedelta(minutes=3)) as elsewhere:
        assert elsewhere is not None
    assert elsewhere.line.startswith("ice: skipped: another process (elsewhere:4711) has been crawling ice for 7 min")
    assert capsys.readouterr().out == "", "no waiting line: the caller prints the one line"
    assert other.renew(), "the other crawl keeps its lease"


def test_a_crawl_still_running_when_the_wait_ends_is_skipped(other_crawl, capsys) -> None:
    sessions, other = other_crawl
    with one_crawl(sessions, "ice", wait=dt.timedelta(seconds=1)) as elsewhere:
        assert elsewhere is not None and elsewhere.run is None
    said = capsys.readouterr().out.splitlines()
    assert len(said) == 1 and "waiting for it to finish" in said[0], said
    assert elsewhere.line == "ice: skipped: the other crawl is still running; `scheduler.py status` shows its result"
    assert other.renew()


def test_a_stop_while_waiting_ends_the_wait(other_crawl) -> None:
    sessions, _ = other_crawl
    stop = threading.Event()
    stop.set()
    with one_crawl(sessions, "ice", wait=dt.timedelta(minutes=3), stop=stop) as elsewhere:
        assert elsewhere is not None
    assert elsewhere.line == "ice: stopped while waiting for the other crawl"


def test_a_released_lease_is_taken_and_released_again_after_the_crawl(other_crawl) -> None:
    sessions, other = other_crawl
    other.release()
    with one_crawl(sessions, "ice", wait=dt.timedelta(minutes=3)) as elsewhere:
        assert elsewhere is None
        assert not other.acquire(), "held while this process crawls"
    assert other.acquire(), "free again once the crawl is over"
