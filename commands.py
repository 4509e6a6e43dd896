"""What the commands print: `export`, `events`, `status`, `jobs`, `digest`, `summary`, `backfill`.

The library below answers with rows, events, lines and reports; this module, next to
`scheduler.py`, is the only one that decides how they look on a terminal or in a file.
"""

from __future__ import annotations

import csv
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
            rows = rows_as_of(session, args.as_of, args.state, args.include_removed, args.list_kind)
        else:
            rows = current_rows(session, args.state, args.include_removed, args.list_kind)
    data = render(in_order(rows), args.format)
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return 0
    output.write_bytes(data)
    print(f"{len(rows)} {args.list_kind} agreements written to {output}", file=sys.stderr)
    return 0


def events_command(config: TrackerSettings, sessions: Sessions, args: Namespace) -> int:
    from storage.event_log import CSV_COLUMNS, csv_row, describe, public, query_events

    out = sys.stdout
    with sessions() as session:
        events = query_events(session, args.since, args.type, args.state, until=args.until)
        if args.format == "jsonl":
            for event in events:
                out.write(json.dumps(public(event), ensure_ascii=False) + "\n")
            return 0
        if args.format == "csv":
            writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
            writer.writeheader()
            for event in events:
                writer.writerow(csv_row(event))
            return 0
        width = shutil.get_terminal_size((160, 20)).columns
        out.write(f"{'published':20} {'type':19} {'st':2} {'model':5} {'signed':10} agency / what\n")
        for event in events:
            p = event.payload
            published = p.get("published_at") or p["detected_at"]
            line = (f"{published:20} {p['type']:19} {p.get('state') or '':2} {p.get('model') or '':5} "
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
    from alerts.digest import preview_digest, preview_path, send_due_digests
    from storage.atomic_write import write_atomically

    subs = subscriptions_file.load(config.subscriptions_file)
    if preview is not None:
        shown = preview_digest(config, sessions, preview, subs=subs)
        path = preview_path(config, preview)
        write_atomically(path, shown.html.encode("utf-8"))
        sys.stdout.write(shown.text)
        print(f"\nHTML version written to {path}", file=sys.stderr)
        return 0
    report = send_due_digests(config, sessions, force=True, subs=subs)
    print(f"digests: {report}")
    for failure in report.failed:
        print(f"digest not sent: {failure}", file=sys.stderr)
    return 0 if report.ok else 1


def summary_command(sessions: Sessions, args: Namespace) -> int:
    """`scheduler.py summary`: counts for a day, per state or model, or week by week."""
    from storage.summary import summary, table, timeseries

    as_of = args.as_of or dt.datetime.now(dt.UTC).date()
    with sessions() as session:
        if args.by == "week":
            result = timeseries(session, as_of, args.list_kind)
        else:
            result = summary(session, as_of, args.list_kind)
    if args.format == "json":
        print(json.dumps(result, ensure_ascii=False))
        return 0
    header, rows = table(result, args.by)
    if result.get("stale"):
        stale = (f"ICE stopped publishing its {args.list_kind} list after {result['last_published']}; "
                 f"these counts are from the last one, kept as history")
        print(stale, file=sys.stderr if args.format == "csv" else sys.stdout)
    if args.format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return 0
    if args.by != "week":
        what = "participating agreements" if args.list_kind == "participating" else "pending requests"
        print(f"{what} as of {as_of} (ICE list of {result['publication'] or 'nothing yet'})")
    widths = [max(len(str(v)) for v in column) for column in zip(header, *rows, strict=True)]
    for line in (header, *rows):
        print("  ".join(str(v).rjust(w) if isinstance(v, int) else str(v).ljust(w)
                        for v, w in zip(line, widths, strict=True)).rstrip())
    return 0


def backfill_command(config: TrackerSettings, sessions: Sessions, path: str) -> int:
    """A progress bar on a terminal, one summary line either way; 1 when a file was refused (named)."""
    from scrapers.backfill import backfill

    bar = None

    def planned(total: int) -> None:
        nonlocal bar
        if sys.stderr.isatty() and total:
            from tqdm import tqdm

            bar = tqdm(total=total, unit="snapshot", file=sys.stderr, desc="backfill")

    def progress(snapshot) -> None:
        if bar is not None:
            bar.set_postfix_str(snapshot.label, refresh=False)
            bar.update()

    try:
        report = backfill(sessions, config, Path(path), progress=progress, planned=planned)
    finally:
        if bar is not None:
            bar.close()
    print(report)
    for ignored in report.ignored:
        print(f"ignored: {ignored}", file=sys.stderr)
    for refused in report.refused:
        print(f"refused: {refused}", file=sys.stderr)
    return 0 if report.ok else 1
