"""The tracker's command line: `python scheduler.py COMMAND`. Thin: parse flags, call in.

Each command opens the database once (bringing its schema up to date at most once) and
hands that one session factory to the code it calls. Exit codes, as the README lists them:
0 ok, 1 a crawl failed or a publication was refused (or a file was unreadable), 2 stale or
failing sources (`status`) or a usage error.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import gc
import logging
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import settings as tracker_settings
from errors import UserError
from service.logs import configure_logging
from vocabulary import EVENT_TYPES, PARTICIPATING, WORKBOOK_KINDS

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2025-06-17") from None


def _iso_time(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a time like 2025-06-17T23:32:04Z") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


def _state(text: str) -> str:
    from parsers.states import state_code

    code, problem = state_code(text)
    if code is None or problem:  # a filter is not the place to guess
        raise argparse.ArgumentTypeError(f"{text!r} is not a US state or territory (use a code like TX or a name)")
    return code


def _spider_args(pairs: list[str], only: str | None) -> dict[str, str]:
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scheduler.py", description="The 287(g) tracker.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("run", help="run the scheduled service until SIGTERM/SIGINT")
    once = sub.add_parser("once", help="one cycle now: crawl, parse, diff, store, alert")
    once.add_argument("--only", choices=["ice", "local", "alerts", "digests"])
    once.add_argument("-a", dest="spider_args", action="append", default=[], metavar="NAME=VALUE",
                      help="with --only local: spider=NAME crawls one local spider; other NAME=VALUE pairs "
                           "are passed to it like scrapy's -a (e.g. client=pinellas)")
    sub.add_parser("jobs", help="list scheduled jobs with their cron expression and next run")
    sub.add_parser("status", help="last good crawl per source; exit 2 when stale or failing")

    export = sub.add_parser("export", help="current (or as-of) agreements")
    export.add_argument("--format", choices=["csv", "jsonl", "xlsx"], required=True)
    export.add_argument("--output", help="file to write (default: standard output; required for xlsx)")
    export.add_argument("--state", type=_state)
    export.add_argument("--as-of", type=_iso_date, dest="as_of")
    export.add_argument("--include-removed", action="store_true", dest="include_removed")
    export.add_argument("--list", choices=[str(k) for k in WORKBOOK_KINDS], default=str(PARTICIPATING),
                        dest="list_kind", help="ICE's participating list (default) or its pending list")

    events = sub.add_parser("events", help="the change events, oldest first")
    events.add_argument("--format", choices=["jsonl", "csv", "table"], default="jsonl")
    events.add_argument("--since", type=_iso_time, help="published at or after this time (a date: its start)")
    events.add_argument("--until", type=_iso_time, help="published before this time (a date: its start)")
    events.add_argument("--type", choices=EVENT_TYPES, dest="type")
    events.add_argument("--state", type=_state)

    digest = sub.add_parser("digest", help="send or preview email digests")
    mode = digest.add_mutually_exclusive_group(required=True)
    mode.add_argument("--send-now", action="store_true", dest="send_now")
    mode.add_argument("--preview", metavar="ADDRESS")

    moa = sub.add_parser("parse-moa", help="parse one MOA PDF offline and print what was extracted")
    moa.add_argument("path")
    moa.add_argument("--format", choices=["json"], default="json")

    sub.add_parser("reparse", help="rebuild the store from the raw archive, without the network")

    summary = sub.add_parser("summary", help="active agreements and agencies, nationally, per state and model")
    summary.add_argument("--as-of", type=_iso_date, dest="as_of")
    summary.add_argument("--by", choices=["state", "model", "week"], default="state")
    summary.add_argument("--state", type=_state, help="one state's counts (with --by week: its weekly series)")
    summary.add_argument("--list", choices=["participating", "pending"], default="participating", dest="list_kind")
    summary.add_argument("--format", choices=["table", "csv", "json"], default="table")

    serve = sub.add_parser("serve", help="the read-only web explorer and its JSON API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8287)
    alert_test = sub.add_parser("alert-test", help="send a test message to every (or one) Slack destination and email")
    alert_test.add_argument("--to", metavar="DESTINATION", help="a channel, a webhook's variable or an address")

    backfill = sub.add_parser("backfill", help="import archived ICE workbooks in publication order, never alerted")
    backfill.add_argument("path", help="sheets/sheets_<YYYYMMDD_HHMMSS>/<file> or <YYYYMMDD_HHMMSS>_<file> layout")
    parser.set_defaults(commands=sub.choices)
    return parser


def parse(argv: list[str] | None) -> argparse.Namespace:
    """Flags, with a wrong one reported against its command's usage, not the top-level one."""
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        args.commands[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    return args


def open_store(config: tracker_settings.TrackerSettings) -> sessionmaker[Session]:
    """The command's one session factory; the schema is brought up to date here, once."""
    from storage.db import connect

    return connect(config.database_url)


def _started() -> None:
    """Start-up is over: what the imports built is frozen out of later collections, which resume."""
    gc.freeze()
    gc.enable()


def dispatch(args: argparse.Namespace, config: tracker_settings.TrackerSettings) -> int:
    """Start-up (the command's imports, the store opened), then the command itself with the collector back on.

    Every command passes here, so none (the explorer, the service) runs its whole life without it.
    """
    with contextlib.ExitStack() as cleanup:
        command = _prepare(args, config, cleanup)
        _started()
        return command()


def _prepare(args: argparse.Namespace, config: tracker_settings.TrackerSettings,
             cleanup: contextlib.ExitStack) -> Callable[[], int]:
    """The command, imported and ready to call; what it opened is closed by `cleanup` once it returns."""
    if args.command == "parse-moa":
        from scrapers.moa_worker import moa_command

        return functools.partial(moa_command, args.path, args.format)
    if args.command == "jobs":
        from sqlalchemy.exc import SQLAlchemyError

        import commands
        from service.runner import check_schedule

        check_schedule(config)
        try:
            sessions = open_store(config)
        except SQLAlchemyError as exc:  # the timetable is still worth showing
            return functools.partial(commands.jobs_command, config, None, unreadable=type(exc).__name__)
        return functools.partial(commands.jobs_command, config, sessions)
    if args.command == "serve":
        from web.server import serve

        return functools.partial(serve, config, args.host, args.port)
    if args.command == "run":
        from service.runner import check_schedule, run_service

        check_schedule(config)
        return functools.partial(run_service, config, open_store(config))
    sessions = open_store(config)
    cleanup.callback(sessions.kw["bind"].dispose)
    return _prepare_with(args, config, sessions)


def _prepare_with(args: argparse.Namespace, config: tracker_settings.TrackerSettings,
                  sessions: sessionmaker[Session]) -> Callable[[], int]:
    import commands

    if args.command == "once":
        from service.cycle import run_once

        return functools.partial(run_once, config, sessions, only=args.only,
                                 local_args=_spider_args(args.spider_args, args.only))
    if args.command == "status":
        return functools.partial(commands.status_command, config, sessions)
    if args.command == "export":
        return functools.partial(commands.export_command, config, sessions, args)
    if args.command == "events":
        return functools.partial(commands.events_command, config, sessions, args)
    if args.command == "digest":
        return functools.partial(commands.digest_command, config, sessions, send_now=args.send_now,
                                 preview=args.preview)
    if args.command == "summary":
        return functools.partial(commands.summary_command, sessions, args)
    if args.command == "alert-test":
        from alerts.alert_test import alert_test_command

        return functools.partial(alert_test_command, config, to=args.to)
    if args.command == "backfill":
        return functools.partial(commands.backfill_command, config, sessions, args.path)
    if args.command == "reparse":
        from service.cycle import reparse_archive

        return functools.partial(reparse_archive, config, sessions)
    raise AssertionError(args.command)


def main(argv: list[str] | None = None) -> int:
    # Start-up (mostly imports) builds many long-lived objects: collecting them is wasted work.
    gc.disable()
    try:
        return _main(argv)
    finally:
        _started()


def _main(argv: list[str] | None) -> int:
    args = parse(argv)
    configure_logging()
    try:
        config = tracker_settings.load()
        code = dispatch(args, config)
        sys.stdout.flush()  # inside the try: a reader that went away is handled below
        return code
    except BrokenPipeError:
        # The reader stopped early (`export … | head`): nothing more is wanted, which is no error.
        # Standard output now leads nowhere, so the interpreter's last flush cannot complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (UserError, tracker_settings.SettingsError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception:
        logging.getLogger("tracker").exception("unexpected error")
        return 1


if __name__ == "__main__":
    sys.exit(main())
