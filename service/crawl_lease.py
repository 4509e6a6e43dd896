"""One crawl of a source at a time, whoever starts it: cron's `once`, a person's `once`, `run`'s jobs.

Two crawls of one source at once fetch the same files twice and apply the same publication
twice; the second used to fail on a unique key and be recorded (and reported) as a failed
crawl. So a crawl first takes the lease `crawl:<source>` (service.lease) on the database and
keeps it alive from a heartbeat thread until the crawl and what follows it (reading new MOAs)
are done; a crawl that dies loses it within a lease period.

A process that finds the lease held does not crawl. It waits for the other crawl while that
one is young (`wait` after its start): an unchanged poll ends in seconds and an import within
a minute or two, and the person who typed `once` then reads that crawl's result, which is as
fresh as their own would have been, without ICE being asked twice. An older crawl is reading
MOAs or hanging on a slow site: it is skipped at once, with one line saying who runs it. The
service's jobs pass `wait=0` and skip: their next tick comes in minutes, and a job that waited
would make the scheduler count that tick as missed.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from service.lease import DatabaseLease, current_holder, new_holder_id
from storage.models import CrawlRun
from vocabulary import RunStatus

log = logging.getLogger(__name__)

LEASE_PERIOD = dt.timedelta(seconds=60)
POLL_SECONDS = 0.5


@dataclass(frozen=True)
class Elsewhere:
    """Another process's crawl of the source, found running: skipped, or waited for (`run`: how it ended,
    None when it died before finishing its run)."""

    line: str
    run: CrawlRun | None = None


def lease_name(source: str) -> str:
    return f"crawl:{source}"


@contextmanager
def one_crawl(sessions: sessionmaker[Session], source: str, *, wait: dt.timedelta,
              stop: threading.Event | None = None, period: dt.timedelta = LEASE_PERIOD) -> Iterator[Elsewhere | None]:
    """Yield None while this process holds the source's crawl lease (crawl now), or `Elsewhere`.

    The line saying that this process waits is printed as soon as it starts waiting, so a
    person knows why nothing seems to happen.
    """
    lease = DatabaseLease(sessions, new_holder_id(), period, name=lease_name(source))
    elsewhere = _other_crawl(sessions, lease, source, wait, stop)
    if elsewhere is not None:
        yield elsewhere
        return
    stopped = threading.Event()
    heartbeat = threading.Thread(target=_keep_alive, args=(lease, stopped), name=f"lease {lease.name}", daemon=True)
    heartbeat.start()
    try:
        yield None
    finally:
        stopped.set()
        heartbeat.join()
        lease.release()


def _other_crawl(sessions: sessionmaker[Session], lease: DatabaseLease, source: str, wait: dt.timedelta,
                 stop: threading.Event | None) -> Elsewhere | None:
    """None once the lease is ours; otherwise what became of the crawl that holds it."""
    while not lease.acquire():
        with sessions() as session:
            other = current_holder(session, lease.name)
            if other is None:
                continue  # released between our try and our look: try again
            holder, since = other.holder, other.acquired_at
        now = _now()
        running = f"another process ({_who(holder)}) has been crawling {source} for {_age(now - since)}"
        left = since + wait - now
        if left <= dt.timedelta(0):
            return Elsewhere(f"{source}: skipped: {running}; `scheduler.py status` shows its result")
        print(f"{source}: {running}: waiting for it to finish (at most {_age(left)} more)", flush=True)
        if _wait_until_free(sessions, lease.name, holder, left, stop):
            return Elsewhere(f"{source}: the other crawl ended without finishing; it is retried at the next crawl",
                             _run_since(sessions, source, since))
        if stop is not None and stop.is_set():
            return Elsewhere(f"{source}: stopped while waiting for the other crawl")
        return Elsewhere(f"{source}: skipped: the other crawl is still running; `scheduler.py status` shows "
                         f"its result")
    return None


def _wait_until_free(sessions: sessionmaker[Session], name: str, holder: str, limit: dt.timedelta,
                     stop: threading.Event | None) -> bool:
    """True once `holder` no longer holds the lease (released, or dead and expired) within `limit`."""
    stop = stop or threading.Event()
    deadline = time.monotonic() + limit.total_seconds()
    while True:
        with sessions() as session:
            other = current_holder(session, name)
            if other is None or other.holder != holder:
                return True
        if time.monotonic() >= deadline or stop.wait(POLL_SECONDS):
            return False


def _run_since(sessions: sessionmaker[Session], source: str, since: dt.datetime) -> CrawlRun | None:
    """The run of the crawl that held the lease from `since`: the source's newest run started after it."""
    with sessions() as session:
        return session.scalars(
            select(CrawlRun).where(CrawlRun.source == source, CrawlRun.started_at >= since.replace(microsecond=0),
                                   CrawlRun.status != RunStatus.RUNNING)
            .order_by(CrawlRun.id.desc()).limit(1)
        ).first()


def _keep_alive(lease: DatabaseLease, stopped: threading.Event) -> None:
    while not stopped.wait(lease.period.total_seconds() / 3):
        try:
            if not lease.renew():
                log.warning("lost the lease %s: the crawl took longer than a lease period between heartbeats",
                            lease.name)
        except SQLAlchemyError:  # the crawl goes on; the store's one-writer rule still keeps it consistent
            log.exception("could not renew the lease %s", lease.name)


def _now() -> dt.datetime:
    """Naive UTC to the microsecond, the lease rows' clock."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _who(holder: str) -> str:
    """`host:pid` from the lease's holder id (its random part means nothing to a person)."""
    return holder.rsplit(":", 1)[0]


def _age(delta: dt.timedelta) -> str:
    seconds = max(int(delta.total_seconds()), 0)
    return f"{seconds} s" if seconds < 120 else f"{seconds // 60} min"
