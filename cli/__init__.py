"""The command line: one table of commands, each registered beside its function.

`scheduler.py` is the entry point; each module here adds its commands' sub-parsers and
names the function that starts each one (`set_defaults(start=…)`), so a command's flags,
its start-up and its printing are read in one place.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from cli import alerts, archive, data, serve, service

# In the order `scheduler.py --help` lists them.
COMMANDS: tuple[Callable[[argparse._SubParsersAction], None], ...] = (
    service.add_run,
    service.add_once,
    service.add_jobs,
    service.add_status,
    data.add_export,
    data.add_events,
    alerts.add_digest,
    archive.add_parse_moa,
    archive.add_reparse,
    data.add_summary,
    serve.add_serve,
    alerts.add_alert_test,
    archive.add_backfill,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scheduler.py", description="The 287(g) tracker.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in COMMANDS:
        add(sub)
    parser.set_defaults(commands=sub.choices)
    return parser


def parse(argv: list[str] | None) -> argparse.Namespace:
    """Flags, with a wrong one reported against its command's usage, not the top-level one."""
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        args.commands[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    return args
