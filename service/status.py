"""`scheduler.py status` and the staleness check: is the tracker still watching?

Two different kinds of "stale", on purpose:

* The crawler is stale when ICE has had no good crawl (status ok or unchanged) within
  max(3 × the longest interval of ICE_CRAWL_CRON plus its jitter, 6 hours). Three intervals
  tolerate two failed or missed runs in a row (ICE's site has bad hours); the 6-hour floor
  keeps a very frequent schedule from paging someone over a short blip. This makes `status`
  exit 2, for monitoring that runs it.
* ICE itself is quiet when no new publication was seen for STALE_AFTER_DAYS days although
  crawls succeed: the page may have moved, or the spreadsheets stopped being updated. That
  is a maintainer problem (`ice:stale`) opened and closed by the staleness job.

A source whose last run failed or was refused, or any open problem, also exits 2. A run the
tracker stopped itself (`interrupted`, on SIGTERM/SIGINT) is neither: it is retried at the
next start, and only the age of the last good crawl still counts. Documents held back from a
host that keeps failing are listed with how many and why; they make `status` fail only once
the host has failed for a day (its problem `fetch:<host>` is then open). Local
sources are listed with their age but only their failures count: a council page that was
retired from the registry must not keep the whole tracker "failing".
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from alerts import subscriptions as subscriptions_file
from alerts.signups import unsubscribed_from_file
from errors import UserError
from service.crontab import cron_trigger, longest_gap, zone
from service.lease import current_holder, last_lease
from settings import TrackerSettings
from storage.fetch_backoff import waiting_lines
from storage.models import CrawlRun, Publication, utcnow
from storage.problems import close_problem, open_problem, open_problems
from vocabulary import FAILING_RUNS, GOOD_PUBLICATIONS, GOOD_RUNS, RunStatus

ICE_SOURCE = "ice"
MIN_STALE_AFTER = dt.timedelta(hours=6)
STALE_PROBLEM = "ice:stale"
DIED = "died"  # shown for a run left `running` by a process that is gone


def crawl_stale_after(config: TrackerSettings) -> dt.timedelta:
    """How old ICE's last good crawl may be before `status` calls the tracker stale."""
    timezone = zone(config.timezone)
    gap = longest_gap(cron_trigger(config.ice_crawl_cron, timezone, setting="ICE_CRAWL_CRON"), timezone)
    return max(3 * (gap + dt.timedelta(seconds=config.ice_crawl_jitter)), MIN_STALE_AFTER)


def age_text(delta: dt.timedelta) -> str:
    seconds = max(int(delta.total_seconds()), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m"
    return f"{seconds}s"


def _stamp(moment: dt.datetime | None) -> str:
    return f"{moment.isoformat(timespec='seconds')}Z" if moment else "-"


def _sources(session: Session) -> list[str]:
    names = set(session.scalars(select(CrawlRun.source).distinct()))
    names.add(ICE_SOURCE)
    return sorted(names, key=lambda name: (name != ICE_SOURCE, name))


def latest_run(session: Session, *conditions) -> CrawlRun | None:
    """The most recently started crawl run that meets `conditions`."""
    return session.scalars(
        select(CrawlRun).where(*conditions).order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc()).limit(1)
    ).first()


def last_run(session: Session, source: str) -> CrawlRun | None:
    return latest_run(session, CrawlRun.source == source)


def last_good(session: Session, source: str) -> CrawlRun | None:
    return latest_run(session, CrawlRun.source == source, CrawlRun.status.in_(GOOD_RUNS))


def _run_status(run: CrawlRun, config: TrackerSettings, now: dt.datetime) -> str:
    """'running' for a run older than any crawl may last means its process died: say so."""
    if run.status == RunStatus.RUNNING and now - run.started_at > dt.timedelta(seconds=config.crawl_timeout + 600):
        return DIED
    return run.status


def status_report(session: Session, config: TrackerSettings) -> tuple[list[str], list[str]]:
    """The lines to print and the reasons the tracker is unhealthy (empty when healthy)."""
    now = utcnow()
    limit = crawl_stale_after(config)
    lines = [f"{'SOURCE':<28} {'LAST GOOD CRAWL':<21} {'AGE':<8} LAST RUN"]
    reasons: list[str] = []
    for source in _sources(session):
        last = last_run(session, source)
        good = last_good(session, source)
        if last is None:
            lines.append(f"{source:<28} {'never':<21} {'-':<8} never crawled")
            reasons.append(f"{source}: never crawled; start the service or run `scheduler.py once --only ice`")
            continue
        status = _run_status(last, config, now)
        good_at = (good.finished_at or good.started_at) if good else None
        age = age_text(now - good_at) if good_at else "-"
        detail = f"{status} at {_stamp(last.started_at)}"
        if (status in FAILING_RUNS or status == RunStatus.INTERRUPTED) and last.error:
            detail += f": {last.error.splitlines()[0][:120]}"
        lines.append(f"{source:<28} {_stamp(good_at):<21} {age:<8} {detail}")
        if status in FAILING_RUNS or status == DIED:
            reasons.append(f"{source}: last run {status}")
        if source == ICE_SOURCE:
            if good_at is None:
                reasons.append(f"{source}: no good crawl yet")
            elif now - good_at > limit:
                reasons.append(f"{source}: last good crawl {age} ago, more than the {age_text(limit)} allowed")
    waiting = waiting_lines(session, now)
    if waiting:
        lines += ["", "documents waiting (MOA and addendum downloads held back):"]
        lines += [f"  {line}" for line in waiting]
    problems = open_problems(session)
    lines.append("")
    if problems:
        lines.append("open problems:")
        for problem in problems:
            times = f", {problem.count}x" if problem.count > 1 else ""
            lines.append(f"  {problem.key} (since {_stamp(problem.opened_at)}{times}): {problem.message}")
        reasons.append(f"{len(problems)} open problem(s)")
    else:
        lines.append("open problems: none")
    lines += unsubscribed_lines(session, config)
    holder = current_holder(session)
    if holder is not None:
        lines.append(f"service: running as {holder.holder}, last heartbeat {age_text(now - holder.heartbeat_at)} ago")
    else:
        previous = last_lease(session)
        seen = f" (last seen {_stamp(previous.heartbeat_at)} as {previous.holder})" if previous else ""
        lines.append(f"service: not running{seen}")
    return lines, reasons


def unsubscribed_lines(session: Session, config: TrackerSettings) -> list[str]:
    """The subscriptions file's addresses that unsubscribed by link: listed, and rightly not mailed."""
    try:
        subs = subscriptions_file.load(config.subscriptions_file)
    except UserError:
        return []  # a bad file is reported by the commands that use it
    gone = unsubscribed_from_file(session, subs)
    if not gone:
        return []
    lines = [f"unsubscribed, still listed in {config.subscriptions_file.name} (not mailed; take them out of the file):"]
    lines += [f"  {row.address} since {_stamp(row.unsubscribed_at)}" for row in gone]
    return lines


def check_staleness(config: TrackerSettings, sessions: sessionmaker[Session]) -> int:
    """Open `ice:stale` when ICE published nothing new for STALE_AFTER_DAYS days; close it when it does.

    Before the first publication the clock starts at the first ICE crawl, so a fresh install
    is not "stale" and one whose crawls never produce a publication still becomes so.
    """
    with sessions.begin() as session:
        newest = session.scalar(select(func.max(Publication.applied_at))
                                .where(Publication.status.in_(GOOD_PUBLICATIONS)))
        since = newest or session.scalar(
            select(func.min(CrawlRun.started_at)).where(CrawlRun.source == ICE_SOURCE))
        if since is None:
            return 0
        quiet = utcnow() - since
        if quiet > dt.timedelta(days=config.stale_after_days):
            what = "new ICE publication" if newest else "ICE publication at all"
            open_problem(session, STALE_PROBLEM, ICE_SOURCE,
                         f"no {what} for {quiet.days} days (since {_stamp(since)}); the ICE page may have "
                         f"moved or stopped being updated")
        else:
            close_problem(session, STALE_PROBLEM)
    return 0
