"""Telling people: `digest` and `alert-test`."""

from __future__ import annotations

import argparse
import contextlib
import functools
import sys
from typing import TYPE_CHECKING, TextIO

from cli.start import Ready, store, with_store
from settings import TrackerSettings

if TYPE_CHECKING:
    from cli.start import Sessions


def add_digest(sub: argparse._SubParsersAction) -> None:
    digest = sub.add_parser("digest", help="send or preview email digests")
    mode = digest.add_mutually_exclusive_group(required=True)
    mode.add_argument("--send-now", action="store_true", dest="send_now")
    mode.add_argument("--preview", metavar="ADDRESS")
    digest.set_defaults(start=with_store(digest_from_flags))


def digest_from_flags(args: argparse.Namespace, config: TrackerSettings, sessions: Sessions) -> int:
    return digest_command(config, sessions, send_now=args.send_now, preview=args.preview)


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


def add_alert_test(sub: argparse._SubParsersAction) -> None:
    alert_test = sub.add_parser("alert-test", help="send a test message to every (or one) Slack destination and email")
    alert_test.add_argument("--to", metavar="DESTINATION", help="a channel, a webhook's variable or an address")
    alert_test.set_defaults(start=start_alert_test)


def start_alert_test(args: argparse.Namespace, config: TrackerSettings, cleanup: contextlib.ExitStack) -> Ready:
    """The store is opened (and its schema brought up to date) like every command's, though the test reads none."""
    store(config, cleanup)
    return functools.partial(alert_test_command, config, to=args.to)


def alert_test_command(config: TrackerSettings, to: str | None = None, out: TextIO | None = None) -> int:
    """`scheduler.py alert-test`: 0 when every destination took the message, 1 otherwise."""
    from alerts import subscriptions as subscriptions_file
    from alerts.alert_test import TO_OUTBOX, alert_test

    out = out or sys.stdout
    subs = subscriptions_file.load(config.subscriptions_file)
    outcomes = alert_test(config, subs, to)
    for outcome in outcomes:
        print(outcome.line(), file=out)
    failed = sum(not o.ok for o in outcomes)
    outbox = sum(o.to_outbox for o in outcomes)
    held = f", {outbox} {TO_OUTBOX}" if outbox else ""
    print(f"alert-test: {len(outcomes) - failed - outbox} sent{held}, {failed} failed", file=out)
    return 1 if failed else 0
