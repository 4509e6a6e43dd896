"""The tracker's command line: `python scheduler.py COMMAND`. Thin: read flags and settings, start the command.

The commands, their flags and their bodies are in `cli/`; each opens the database once
(bringing its schema up to date at most once). Exit codes, as docs/commands.md lists them:
0 ok, 1 a crawl failed or a publication was refused (or a file was unreadable), 2 stale or
failing sources (`status`) or a usage error.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import os
import sys

import settings as tracker_settings
from cli import build_parser, parse
from cli.start import dispatch, started
from cli.terminal import shown, shown_output
from errors import UserError
from service.logs import configure_logging

__all__ = ["build_parser", "main"]


def main(argv: list[str] | None = None) -> int:
    # Start-up (mostly imports) builds many long-lived objects: collecting them is wasted work.
    gc.disable()
    try:
        return _main(argv)
    finally:
        started()


# Commands whose every line is for people: their output is escaped as a whole. The others write
# data (JSON, CSV, a workbook) that must stay as published, and escape only their tables.
FOR_PEOPLE = {"once", "run", "status", "jobs", "backfill", "digest", "alert-test", "reparse"}


def _main(argv: list[str] | None) -> int:
    args = parse(argv)
    configure_logging()
    with contextlib.ExitStack() as output:
        if args.command in FOR_PEOPLE:
            output.enter_context(shown_output())
        return _run(args)


def _run(args: argparse.Namespace) -> int:
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
        print(f"Error: {shown(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception:
        logging.getLogger("tracker").exception("unexpected error")
        return 1


if __name__ == "__main__":
    sys.exit(main())
