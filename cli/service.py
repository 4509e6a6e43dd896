"""The service's commands: `run`, `once`, `jobs` and `status`."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
from typing import TYPE_CHECKING

from cli.start import Ready, open_store, store, with_store
from errors import UserError
from settings import TrackerSettings

if TYPE_CHECKING:
    from cli.start import Sessions


def add_run(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help="run the scheduled service until SIGTERM/SIGINT")
    run.set_defaults(start=start_run)


def start_run(args: argparse.Namespace, config: TrackerSettings, cleanup: contextlib.ExitStack) -> Ready:
    """The service keeps its store open for its whole life, so nothing closes it here."""
    from service.runner import check_schedule, run_service

    check_schedule(config)
    return functools.partial(run_service, config, open_store(config))


def add_once(sub: argparse._SubParsersAction) -> None:
    once = sub.add_parser("once", help="one cycle now: crawl, parse, diff, store, alert")
    once.add_argument("--only", choices=["ice", "local", "news", "alerts", "digests"])
    once.add_argument("-a", dest="spider_args", action="append", default=[], metavar="NAME=VALUE",
                      help="with --only local: spider=NAME crawls one local spider; other NAME=VALUE pairs "
                           "are passed to it like scrapy's -a (e.g. client=pinellas)")
    once.set_defaults(start=start_once)


def spider_args(pairs: list[str], only: str | None) -> dict[str, str]:
    """`once -a spider=NAME -a client=X`: one local source, the way `scrapy crawl NAME -a client=X` names it."""
    if not pairs:
        return {}
    if only != "local":
        raise UserError("-a NAME=VALUE needs --only local")
    found: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UserError(f"-a {pair!r}: write NAME=VALUE, e.g. -a spider=local_page")
        found[name.strip()] = value
    if "spider" not in found:
        raise UserError("-a needs spider=NAME to say which local spider to run")
    return found


def start_once(args: argparse.Namespace, config: TrackerSettings, cleanup: contextlib.ExitStack) -> Ready:
    from service.cycle import run_once

    sessions = store(config, cleanup)
    return functools.partial(run_once, config, sessions, only=args.only,
                             local_args=spider_args(args.spider_args, args.only))


def add_jobs(sub: argparse._SubParsersAction) -> None:
    jobs = sub.add_parser("jobs", help="list scheduled jobs with their cron expression and next run")
    jobs.set_defaults(start=start_jobs)


def start_jobs(args: argparse.Namespace, config: TrackerSettings, cleanup: contextlib.ExitStack) -> Ready:
    from sqlalchemy.exc import SQLAlchemyError

    from service.runner import check_schedule

    check_schedule(config)
    try:
        sessions = open_store(config)
    except SQLAlchemyError as exc:  # the timetable is still worth showing
        return functools.partial(jobs_command, config, None, unreadable=type(exc).__name__)
    return functools.partial(jobs_command, config, sessions)


def _moment(moment: dt.datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else "never"


def jobs_command(config: TrackerSettings, sessions: Sessions | None, unreadable: str = "") -> int:
    """Every job with its cron expression and next run, computed from the triggers alone."""
    from sqlalchemy.exc import SQLAlchemyError

    from service.crontab import zone
    from service.lease import current_holder
    from service.runner import job_specs, trigger_for
    from storage.models import utcnow

    timezone = zone(config.timezone)
    now = dt.datetime.now(timezone)
    rows = [("JOB", "CRON", f"NEXT RUN ({timezone})", "WHAT")]
    for spec in job_specs(config):
        trigger = trigger_for(spec, timezone, with_jitter=False)
        what = spec.name if spec.setting.startswith("(") else f"{spec.name} ({spec.setting})"
        if spec.jitter:
            what += f", plus up to {spec.jitter} s random delay"
        rows.append((spec.id, spec.cron, _moment(trigger.get_next_fire_time(None, now)), what))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)) + "  " + row[3])
    try:
        if sessions is None:
            raise SQLAlchemyError(unreadable)
        with sessions() as session:
            holder = current_holder(session)
    except SQLAlchemyError as exc:
        print(f"service: cannot read the database ({unreadable or type(exc).__name__})")
        return 0
    if holder is None:
        print("service: not running (no scheduler holds the lease for this database)")
    else:
        age = int((utcnow() - holder.heartbeat_at).total_seconds())
        print(f"service: running as {holder.holder} (last heartbeat {age} s ago)")
    return 0


def add_status(sub: argparse._SubParsersAction) -> None:
    status = sub.add_parser("status", help="last good crawl per source; exit 2 when stale or failing")
    status.set_defaults(start=with_store(status_from_flags))


def status_from_flags(args: argparse.Namespace, config: TrackerSettings, sessions: Sessions) -> int:
    return status_command(config, sessions)


def status_command(config: TrackerSettings, sessions: Sessions) -> int:
    """0 healthy; 2 stale or failing, with the reasons on the last lines."""
    from service.status import status_report

    with sessions() as session:
        lines, reasons = status_report(session, config)
    for line in lines:
        print(line)
    if reasons:
        print("UNHEALTHY: " + "; ".join(reasons))
        return 2
    print("healthy")
    return 0
