"""`scheduler.py run` and `scheduler.py jobs`: the long-running service and its timetable.

The service is an APScheduler 3 BlockingScheduler in the configured zone (UTC unless TZ).
Its jobs live in the tracker's own database (table `apscheduler_jobs`) so their next run times
survive restarts; they are fired only while this process holds the scheduler lease
(service.lease), so a second `run` on the same database waits on standby instead of crawling.

Choices that keep a months-long unattended run honest:

* `coalesce=True`, `max_instances=1`: runs that piled up while the service was down or busy
  collapse into one, and a crawl still going when its next tick comes is not started twice.
* `misfire_grace_time` is the job's own longest interval between two runs (at least a minute),
  not APScheduler's 1 s: a run delayed by a restart, a deploy or a busy thread pool still
  happens (once), and a run only counts as missed when a later one has already come due. A
  missed run opens a maintainer problem (`job:<id>:missed`), cleared by the next good run.
* A restart keeps a stored job's pending next run time when its schedule did not change;
  `replace_existing=True` alone would recompute it from "now" and silently drop the run
  that was due while the service was down.
* Crontab weekdays count from Sunday=0 (7 is Sunday too); APScheduler 3's `from_crontab`
  counts from Monday, so weekday numbers are translated to names before building the trigger.
  Unlike Vixie cron, a restricted day-of-month AND day-of-week must both match.
* A job that raises or whose cycle part fails opens the problem `job:<id>`; its next good run
  closes it. Maintainers hear of each once (see storage.problems), across restarts too.
* At start (once the lease is won) ICE is crawled at once when its last good crawl is older
  than one interval of its cron, or there is none; a crawl interrupted by the last stop is
  retried at once (service.startup). Each job's next run time is logged at start and after
  each of its runs.
* SIGTERM/SIGINT: no new job starts, running crawls get the stop event (they SIGTERM their
  crawl subprocess (`python -m scrapers.crawl`) and record the run as `interrupted`, which opens no problem);
  child processes still alive after STOP_GRACE/2 seconds get SIGTERM, after STOP_GRACE (or at
  a second signal) SIGKILL. Then the lease is released and the exit code is 0.

Two environment knobs exist for the test suite only and are not settings:
TRACKER_TEST_TICK_SECONDS replaces every cron with an interval of that many seconds, and
TRACKER_TEST_LEASE_SECONDS shortens the lease period (normally LEASE_PERIOD).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    EVENT_SCHEDULER_STARTED,
    JobEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from service import jobs
from service.crontab import cron_trigger, longest_gap, misfire_grace, zone
from service.lease import DatabaseLease, new_holder_id
from service.startup import crawls_due_at_start
from settings import TrackerSettings
from storage.models import utcnow
from storage.problems import close_problem, open_problem

log = logging.getLogger("tracker.service")

JOBS_TABLE = "apscheduler_jobs"
JOBSTORE = "tracker"
LEASE_PERIOD = dt.timedelta(seconds=90)
STOP_GRACE = 60.0
STALENESS_CRON = "15 * * * *"
OUTBOX_CRON = "*/5 * * * *"
TEST_TICK_ENV = "TRACKER_TEST_TICK_SECONDS"
TEST_LEASE_ENV = "TRACKER_TEST_LEASE_SECONDS"


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job: `func` is a textual reference because the job store pickles it."""

    id: str
    name: str
    func: str
    cron: str
    setting: str
    source: str
    jitter: int = 0


def job_specs(config: TrackerSettings) -> list[JobSpec]:
    return [
        JobSpec("ice_crawl", "ICE crawl", "service.jobs:ice_job", config.ice_crawl_cron, "ICE_CRAWL_CRON", "ice",
                config.ice_crawl_jitter),
        JobSpec("local_crawl", "local crawl", "service.jobs:local_job", config.local_crawl_cron, "LOCAL_CRAWL_CRON",
                "local"),
        JobSpec("news_crawl", "news crawl", "service.jobs:news_job", config.news_crawl_cron, "NEWS_CRAWL_CRON",
                "news"),
        JobSpec("digests", "email digests", "service.jobs:digest_job", config.digest_cron, "DIGEST_CRON", "alerts"),
        JobSpec("staleness", "ICE staleness check", "service.jobs:staleness_job", STALENESS_CRON, "(built in)",
                "ice"),
        JobSpec("outbox_retry", "outbox retry", "service.jobs:outbox_job", OUTBOX_CRON, "(built in)", "alerts"),
    ]


def _test_seconds(name: str) -> float | None:
    raw = os.environ.get(name, "").strip()
    return float(raw) if raw else None


def trigger_for(spec: JobSpec, timezone: dt.tzinfo, with_jitter: bool = True) -> BaseTrigger:
    tick = _test_seconds(TEST_TICK_ENV)
    if tick:
        return IntervalTrigger(seconds=tick, timezone=timezone)
    return cron_trigger(spec.cron, timezone, spec.jitter if with_jitter else 0, spec.setting)


def _child_pids() -> list[int]:
    """This process's children (the crawl subprocesses), from /proc; empty where there is none."""
    me = os.getpid()
    children = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 1 and fields[1] == str(me):
            children.append(int(entry.name))
    return children


def _signal_children(signum: int, skip: Iterable[int] = ()) -> set[int]:
    signalled = set()
    for pid in _child_pids():
        if pid in skip:
            continue
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            continue
        signalled.add(pid)
    return signalled


class Service:
    """One `scheduler.py run`: a scheduler that works while it holds the lease."""

    def __init__(self, config: TrackerSettings, sessions: sessionmaker[Session], lease: DatabaseLease,
                 timezone: dt.tzinfo) -> None:
        self.config = config
        self.sessions = sessions
        self.lease = lease
        self.timezone = timezone
        self.specs = {spec.id: spec for spec in job_specs(config)}
        self.triggers = {spec.id: trigger_for(spec, timezone) for spec in self.specs.values()}
        self.stopping = threading.Event()
        self.attached = False
        self.scheduler = BlockingScheduler(
            timezone=timezone,
            executors={"default": ThreadPoolExecutor(len(self.specs)), "lease": ThreadPoolExecutor(1)},
            job_defaults={"coalesce": True, "max_instances": 1},
        )
        self.scheduler.add_listener(self._on_error, EVENT_JOB_ERROR)
        self.scheduler.add_listener(self._on_missed, EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)
        self.scheduler.add_listener(self._on_executed, EVENT_JOB_EXECUTED)
        self.scheduler.add_listener(self._on_started, EVENT_SCHEDULER_STARTED)

    def run(self) -> int:
        jobs.bind(self.lease, self.stopping, self.sessions)
        heartbeat = max(self.lease.period.total_seconds() / 3, 0.5)
        self.scheduler.add_job(self._lease_tick, IntervalTrigger(seconds=heartbeat, timezone=self.timezone),
                               id="lease", name="scheduler lease", executor="lease",
                               next_run_time=dt.datetime.now(self.timezone), misfire_grace_time=None)
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        log.info("service starting as %s (jobs in table %s, zone %s)", self.lease.holder, JOBS_TABLE,
                 self.timezone)
        try:
            self.scheduler.start()
            self._finish_running_jobs()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self._release()
            jobs.bind(None, self.stopping, None)
        log.info("service stopped")
        return 0

    def _on_signal(self, signum: int, _frame: object) -> None:
        name = signal.Signals(signum).name
        if self.stopping.is_set():
            log.warning("second %s: killing crawl subprocesses now", name)
            _signal_children(signal.SIGKILL)
            return
        log.info("%s received: stopping (running crawls are stopped, the lease released)", name)
        self.stopping.set()
        threading.Thread(target=self._stop_scheduler, name="stop", daemon=True).start()

    def _on_started(self, _event: object) -> None:
        if self.stopping.is_set():
            threading.Thread(target=self._stop_scheduler, name="stop", daemon=True).start()

    def _stop_scheduler(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def _finish_running_jobs(self) -> None:
        """Crawls got the stop event and end themselves; child processes that linger are signalled."""
        if jobs.wait_idle(STOP_GRACE / 2):
            return
        log.warning("jobs still running after %.0f s: sending SIGTERM to child processes", STOP_GRACE / 2)
        signalled = _signal_children(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE / 2
        while not jobs.wait_idle(1.0):
            if time.monotonic() > deadline:
                log.warning("jobs still running after %.0f s: killing child processes", STOP_GRACE)
                _signal_children(signal.SIGKILL)
                jobs.wait_idle(10.0)
                return
            signalled |= _signal_children(signal.SIGTERM, skip=signalled)

    def _release(self) -> None:
        try:
            self.lease.release()
        except SQLAlchemyError:
            log.exception("could not release the lease; a standby takes over when it expires")

    def _lease_tick(self) -> None:
        """Heartbeat on its own thread, so a long crawl never lets the lease lapse."""
        if self.stopping.is_set():
            return
        try:
            held = self.lease.acquire()
        except SQLAlchemyError:
            log.exception("lease check failed")
            held = False
        if held and not self.attached:
            self._attach()
        elif not held and self.attached:
            log.warning("lost the scheduler lease to another process: standing by")
            self._detach()
        elif not held:
            log.debug("standby: another scheduler holds the lease")

    def _attach(self) -> None:
        """Lease won: load the persistent jobs and bring them up to date with the settings."""
        log.info("holding the scheduler lease: running the jobs")
        store = SQLAlchemyJobStore(engine=self.sessions.kw["bind"], tablename=JOBS_TABLE)
        self.scheduler.pause()
        try:
            self.scheduler.add_jobstore(store, JOBSTORE)
            self.attached = True
            for stale in self.scheduler.get_jobs(jobstore=JOBSTORE):
                if stale.id not in self.specs:
                    self.scheduler.remove_job(stale.id, JOBSTORE)
            due = self._due_at_start()
            for spec in self.specs.values():
                self._schedule(spec, due.get(spec.id))
            for spec in self.specs.values():
                self._log_next(spec.id, "at start")
        finally:
            try:
                self.scheduler.resume()
            except SchedulerNotRunningError:
                log.debug("scheduler stopped while taking up the jobs")

    def _due_at_start(self) -> dict[str, str]:
        """Crawls to run now: ICE when its last good crawl is older than an interval, and interrupted ones."""
        interval = longest_gap(self.triggers["ice_crawl"], self.timezone)
        try:
            with self.sessions() as session:
                return crawls_due_at_start(session, interval, utcnow())
        except SQLAlchemyError:
            log.exception("could not read the last crawls; the jobs keep their schedule")
            return {}

    def _schedule(self, spec: JobSpec, due: str | None = None) -> None:
        trigger = self.triggers[spec.id]
        try:
            existing = self.scheduler.get_job(spec.id, JOBSTORE)
        except LookupError:
            existing = None
        options: dict[str, object] = {}
        if due:
            log.info("%s runs now: %s", spec.name, due)
            options["next_run_time"] = dt.datetime.now(self.timezone)
        elif existing is not None and existing.next_run_time is not None and repr(existing.trigger) == repr(trigger):
            options["next_run_time"] = existing.next_run_time
        self.scheduler.add_job(
            spec.func, trigger, id=spec.id, name=spec.name, jobstore=JOBSTORE, executor="default",
            replace_existing=True, coalesce=True, max_instances=1,
            misfire_grace_time=misfire_grace(trigger, self.timezone), **options,
        )

    def _log_next(self, job_id: str, when: str) -> None:
        spec = self.specs.get(job_id)
        if spec is None or not self.attached:
            return
        try:
            job = self.scheduler.get_job(job_id, JOBSTORE)
        except (LookupError, SQLAlchemyError):
            job = None
        moment = job.next_run_time if job is not None else None
        log.info("%s (%s): next run %s (%s)", spec.name, job_id,
                 moment.isoformat(timespec="seconds") if moment else "not scheduled", when)

    def _detach(self) -> None:
        self.attached = False
        try:
            self.scheduler.remove_jobstore(JOBSTORE)
        except KeyError:
            return

    def _problem(self, event: JobEvent, suffix: str, message: str, opening: bool) -> None:
        spec = self.specs.get(event.job_id)
        if spec is None:
            return
        key = f"job:{spec.id}{suffix}"
        try:
            with self.sessions.begin() as session:
                if opening:
                    open_problem(session, key, spec.source, message)
                else:
                    close_problem(session, key)
        except SQLAlchemyError:
            log.exception("could not record problem %s: %s", key, message)

    def _on_error(self, event: JobEvent) -> None:
        spec = self.specs.get(event.job_id)
        if spec is None:
            log.error("internal job %s failed: %r", event.job_id, getattr(event, "exception", None))
            return
        exception = getattr(event, "exception", None)
        message = f"{spec.name} failed: {type(exception).__name__}: {exception}"
        log.error(message)
        self._problem(event, "", message, opening=True)
        self._log_next(event.job_id, "after a failed run")

    def _on_missed(self, event: JobEvent) -> None:
        spec = self.specs.get(event.job_id)
        if spec is None:
            return
        if event.code == EVENT_JOB_MAX_INSTANCES:
            # Not a problem: the run still going is bounded by CRAWL_TIMEOUT, and on a schedule of a
            # few minutes a crawl that reads a burst of MOAs overlaps the next tick as a matter of course.
            log.info("%s skipped a run: the previous one was still going", spec.name)
            return
        when = getattr(event, "scheduled_run_time", None)
        message = (f"{spec.name} missed its run at {when:%Y-%m-%d %H:%M %Z}: the service was down or busy "
                   f"for longer than the job's grace period")
        log.warning(message)
        self._problem(event, ":missed", message, opening=True)

    def _on_executed(self, event: JobEvent) -> None:
        self._log_next(event.job_id, f"after a run that ended {getattr(event, 'retval', None)}")
        if getattr(event, "retval", None) != jobs.DONE:
            return
        self._problem(event, "", "", opening=False)
        self._problem(event, ":missed", "", opening=False)


def lease_period() -> dt.timedelta:
    seconds = _test_seconds(TEST_LEASE_ENV)
    return dt.timedelta(seconds=seconds) if seconds else LEASE_PERIOD


def check_schedule(config: TrackerSettings) -> None:
    """Raise SettingsError for a bad time zone or cron expression, before anything starts."""
    timezone = zone(config.timezone)
    for spec in job_specs(config):
        trigger_for(spec, timezone)


def run_service(config: TrackerSettings, sessions: sessionmaker[Session]) -> int:
    """Run until SIGTERM/SIGINT; 0 on a clean stop. A bad subscriptions file stops it at start."""
    from alerts.subscriptions import load as load_subscriptions

    load_subscriptions(config.subscriptions_file)
    check_schedule(config)
    timezone = zone(config.timezone)
    lease = DatabaseLease(sessions, new_holder_id(), lease_period())
    return Service(config, sessions, lease, timezone).run()
