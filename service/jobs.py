"""The scheduled jobs: what `scheduler.py run` fires on each tick.

The job store pickles a textual reference to each function ("service.jobs:ice_job"), never the
function or its arguments, so these are module-level and take no arguments; each re-reads the
settings when it fires, so an edited `.env` takes effect at the next run without a restart.

A job only works while this process holds the scheduler lease (checked against the database
right before it starts) and while the service is not stopping; crawls get the service's stop
event so a SIGTERM ends them early (recorded as `interrupted` runs, not failures). A source another
process is crawling (a `once` from cron or a person) is skipped with one line, and the job counts as
done. A crawl's failure is already a problem (`ice:crawl`, `local:...:crawl`, opened by the cycle);
any other part's non-zero exit, and any exception, reaches the scheduler's error listener, which
opens `job:<id>`.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

import settings
from service import cycle
from service.lease import DatabaseLease
from service.status import check_staleness
from settings import TrackerSettings

log = logging.getLogger("tracker.jobs")

# A crawl another process is running is skipped, not waited for: the next tick comes soon, and a
# job still waiting when it comes would count as a missed run.
NO_WAIT = dt.timedelta(0)
DONE = "done"
FAILED = "failed"
SKIPPED = "skipped"
STOPPED = "stopped"


class JobFailed(RuntimeError):
    """A cycle part returned a failure code; the message names the part and the code."""


@dataclass
class _Runtime:
    """What the running service shares with its jobs: the lease, the stop flag, who is busy."""

    lease: DatabaseLease | None = None
    sessions: sessionmaker[Session] | None = None
    stopping: threading.Event = field(default_factory=threading.Event)
    busy: int = 0
    idle: threading.Condition = field(default_factory=threading.Condition)


_runtime = _Runtime()
_delivering = threading.Lock()


def bind(lease: DatabaseLease | None, stopping: threading.Event, sessions: sessionmaker[Session] | None) -> None:
    """Called by the runner at start: jobs in this process crawl only under this lease, on its database."""
    _runtime.lease = lease
    _runtime.stopping = stopping
    _runtime.sessions = sessions


def wait_idle(timeout: float) -> bool:
    """Wait until no job is working; False when some still is after `timeout` seconds."""
    with _runtime.idle:
        return _runtime.idle.wait_for(lambda: _runtime.busy == 0, timeout)


@contextmanager
def _working() -> Iterator[None]:
    with _runtime.idle:
        _runtime.busy += 1
    try:
        yield
    finally:
        with _runtime.idle:
            _runtime.busy -= 1
            _runtime.idle.notify_all()


def _guarded(what: str, work: Callable[[TrackerSettings, sessionmaker[Session]], int],
             records_problems: bool = False) -> str:
    """Run `work` under the lease; `records_problems` parts open their own problems on failure."""
    with _working():
        if _runtime.stopping.is_set():
            log.info("%s not started: the service is stopping", what)
            return SKIPPED
        lease = _runtime.lease
        if lease is None or _runtime.sessions is None or not lease.renew():
            log.info("%s skipped: another scheduler holds the lease for this database", what)
            return SKIPPED
        code = work(settings.load(), _runtime.sessions)
    if code == 0:
        return DONE
    if _runtime.stopping.is_set():
        log.info("%s stopped by the service shutting down (exit %s)", what, code)
        return STOPPED
    if records_problems:
        log.warning("%s failed (exit %s); its problem is recorded by the crawl", what, code)
        return FAILED
    raise JobFailed(f"{what} failed (exit {code}); see the log and `scheduler.py status`")


def ice_job() -> str:
    """Crawl ICE (a `python -m scrapers.crawl ice_287g` subprocess), store, diff, and alert at once.

    Alerts go out right after the crawl, not at the next outbox tick: a signing reaches Slack
    within the crawl interval plus the crawl itself. MOA PDFs are read afterwards, within a
    budget that leaves room for the next crawl.
    """
    return _guarded("ICE crawl", lambda config, sessions: crawl_and_alert(config, sessions, _runtime.stopping),
                    records_problems=True)


def crawl_and_alert(config: TrackerSettings, sessions: sessionmaker[Session],
                    stopping: threading.Event | None = None) -> int:
    """What each scheduled ICE crawl does (benchmarks/bench_latency.py times it): crawl, alert, read MOAs."""
    return cycle.run_ice(config, sessions, stop=stopping, wait=NO_WAIT,
                         after_crawl=lambda: deliver_alerts(config, sessions), moa_budget=cycle.SERVICE_MOA_BUDGET)


def local_job() -> str:
    """Crawl every local government source."""
    return _guarded("local crawl", lambda config, sessions: cycle.run_local(config, sessions, stop=_runtime.stopping,
                                                                          wait=NO_WAIT),
                    records_problems=True)


def news_job() -> str:
    """Read the news feeds and store the new reports' signals."""
    return _guarded("news crawl", lambda config, sessions: cycle.run_news(config, sessions, stop=_runtime.stopping,
                                                                        wait=NO_WAIT),
                    records_problems=True)


def digest_job() -> str:
    """Send the email digests that are due; the digest code decides per subscriber hour and zone."""
    return _guarded("digests", cycle.run_digests)


def outbox_job() -> str:
    """Retry Slack, instant email and maintainer messages still waiting in the outbox."""
    return _guarded("outbox retry", deliver_alerts)


def deliver_alerts(config: TrackerSettings, sessions: sessionmaker[Session]) -> int:
    """The outbox, one delivery at a time: the ICE crawl and the retry job run in separate threads,
    and two deliveries at once could each take the other's unfinished batch for a lost one."""
    with _delivering:
        return cycle.run_alerts(config, sessions)


def staleness_job() -> str:
    """Open or close the maintainer problem `ice:stale` (no new ICE publication for N days)."""
    return _guarded("staleness check", check_staleness)
