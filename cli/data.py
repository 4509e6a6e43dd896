"""What the store holds, printed: `export`, `events` and `summary`."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cli.arguments import iso_date, iso_time, state
from cli.start import with_store
from cli.terminal import shown
from errors import UserError
from settings import TrackerSettings
from vocabulary import EVENT_TYPES, PARTICIPATING, WORKBOOK_KINDS

if TYPE_CHECKING:
    from cli.start import Sessions


def add_export(sub: argparse._SubParsersAction) -> None:
    export = sub.add_parser("export", help="current (or as-of) agreements")
    export.add_argument("--format", choices=["csv", "jsonl", "xlsx"], required=True)
    export.add_argument("--output", help="file to write (default: standard output; required for xlsx)")
    export.add_argument("--state", type=state)
    export.add_argument("--as-of", type=iso_date, dest="as_of")
    export.add_argument("--include-removed", action="store_true", dest="include_removed")
    export.add_argument("--list", choices=[str(k) for k in WORKBOOK_KINDS], default=str(PARTICIPATING),
                        dest="list_kind", help="ICE's participating list (default) or its pending list")
    export.set_defaults(start=with_store(export_command))


def export_command(args: argparse.Namespace, config: TrackerSettings, sessions: Sessions) -> int:
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
            rows = current_rows(session, args.state, args.include_removed, args.list_kind, include_missing=False)
    data = render(in_order(rows), args.format)
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return 0
    output.write_bytes(data)
    print(f"{len(rows)} {args.list_kind} agreements written to {output}", file=sys.stderr)
    return 0


def add_events(sub: argparse._SubParsersAction) -> None:
    events = sub.add_parser("events", help="the change events, oldest first")
    events.add_argument("--format", choices=["jsonl", "csv", "table"], default="jsonl")
    events.add_argument("--since", type=iso_time, help="published at or after this time (a date: its start)")
    events.add_argument("--until", type=iso_time, help="published before this time (a date: its start)")
    events.add_argument("--type", choices=EVENT_TYPES, dest="type")
    events.add_argument("--state", type=state)
    events.set_defaults(start=with_store(events_command))


def events_command(args: argparse.Namespace, config: TrackerSettings, sessions: Sessions) -> int:
    from alerts.event_table import table_lines
    from alerts.events_csv import csv_chunks
    from storage.event_log import public, query_events

    out = sys.stdout
    with sessions() as session:
        events = query_events(session, args.since, args.type, args.state, until=args.until)
        if args.format == "jsonl":
            for event in events:
                out.write(json.dumps(public(event), ensure_ascii=False) + "\n")
        elif args.format == "csv":
            out.writelines(csv_chunks(events))
        else:
            width = shutil.get_terminal_size((160, 20)).columns
            out.writelines(shown(line) + "\n" for line in table_lines(((e.seq, e.payload) for e in events), width))
    return 0


def add_summary(sub: argparse._SubParsersAction) -> None:
    summary = sub.add_parser("summary", help="active agreements and agencies, nationally, per state and model")
    summary.add_argument("--as-of", type=iso_date, dest="as_of")
    summary.add_argument("--by", choices=["state", "model", "week"], default="state")
    summary.add_argument("--state", type=state, help="one state's counts (with --by week: its weekly series)")
    summary.add_argument("--list", choices=["participating", "pending"], default="participating", dest="list_kind")
    summary.add_argument("--format", choices=["table", "csv", "json"], default="table")
    summary.set_defaults(start=with_store(summary_command))


def summary_command(args: argparse.Namespace, config: TrackerSettings, sessions: Sessions) -> int:
    """`scheduler.py summary`: counts for a day, per state or model, or week by week (of one state too)."""
    from storage.summary import history_start, summary, table, timeseries

    as_of = args.as_of or dt.datetime.now(dt.UTC).date()
    state = getattr(args, "state", None)
    with sessions() as session:
        start = history_start(session, args.list_kind)
        if args.as_of and (start is None or as_of < start):
            raise UserError(f"no count for {as_of}: " + (
                f"the stored history of ICE's {args.list_kind} list starts on {start}" if start
                else f"no {args.list_kind} list is stored yet (run `scheduler.py once --only ice` or `backfill`)"))
        if args.by == "week":
            result = timeseries(session, as_of, args.list_kind, state=state)
        else:
            result = summary(session, as_of, args.list_kind, state=state)
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
        print(f"{what}{f' in {state}' if state else ''} as of {as_of} "
              f"(ICE list of {result['publication'] or 'nothing yet'})")
    _print_table(header, rows)
    return 0


def _print_table(header: list, rows: list) -> None:
    widths = [max(len(str(v)) for v in column) for column in zip(header, *rows, strict=True)]
    for line in (header, *rows):
        print(shown("  ".join(str(v).rjust(w) if isinstance(v, int) else str(v).ljust(w)
                              for v, w in zip(line, widths, strict=True)).rstrip()))
