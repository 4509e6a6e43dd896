"""What the read-only commands print: `export`, `events`, `status`, `jobs`, `digest`.

The library below answers with rows, events, lines and reports; this module, next to
`scheduler.py`, is the only one that decides how they look on a terminal or in a file.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
from argparse import Namespace
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from errors import UserError
from settings import TrackerSettings

Sessions = sessionmaker[Session]


def export_command(config: TrackerSettings, sessions: Sessions, args: Namespace) -> int:
    from storage.export import current_rows, in_order, render, rows_as_of

    output = Path(args.output) if args.output else None
    if output is not None and not output.parent.exists():
        raise UserError(f"{output.parent} does not exist")
    if args.format == "xlsx" and output is None and sys.stdout.isatty():
        raise UserError("xlsx is binary: give --output FILE (or redirect standard output)")
    with sessions() as session:
        if args.as_of:
            rows = rows_as_of(session, args.as_of, args.state, args.include_removed)
        else:
            rows = current_rows(session, args.state, args.include_removed)
    data = render(in_order(rows), args.format)
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return 0
    output.write_bytes(data)
    print(f"{len(rows)} agreements written to {output}", file=sys.stderr)
    return 0


def events_command(config: TrackerSettings, sessions: Sessions, args: Namespace) -> int:
    from storage.event_log import describe, public, query_events

    out = sys.stdout
    with sessions() as session:
        events = query_events(session, args.since, args.type, args.state)
        if args.format == "jsonl":
            for event in events:
                out.write(json.dumps(public(event), ensure_ascii=False) + "\n")
            return 0
        width = shutil.get_terminal_size((160, 20)).columns
        out.write(f"{'detected':20} {'type':19} {'st':2} {'model':5} {'signed':10} agency / what\n")
        for event in events:
            p = event.payload
            line = (f"{p['detected_at']:20} {p['type']:19} {p.get('state') or '':2} {p.get('model') or '':5} "
                    f"{p.get('signed') or '':10} {p.get('agency') or ''}  {describe(p)}")
            out.write(line[: max(width, 80)].rstrip() + "\n")
    return 0


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


def _moment(moment: dt.datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else "never"


def jobs_command(config: TrackerSettings, sessions: Sessions | None, unreadable: str = "") -> int:
    """Every job with its cron expression and next run, computed from the triggers alone."""
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


def digest_command(config: TrackerSettings, sessions: Sessions, send_now: bool = False,
                   preview: str | None = None) -> int:
    """`scheduler.py digest --send-now | --preview ADDRESS`."""
    from alerts import subscriptions as subscriptions_file
    from alerts.digest import preview_digest, send_due_digests

    subs = subscriptions_file.load(config.subscriptions_file)
    if preview is not None:
        sys.stdout.write(preview_digest(config, sessions, preview, subs=subs))
        return 0
    report = send_due_digests(config, sessions, force=True, subs=subs)
    print(f"digests: {report}")
    for failure in report.failed:
        print(f"digest not sent: {failure}", file=sys.stderr)
    return 0 if report.ok else 1
