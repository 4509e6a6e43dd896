"""`events`: the change events, oldest first, as JSON lines or a table for people."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
from argparse import Namespace
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from settings import TrackerSettings
from storage.db import connect
from storage.models import Event

HIDDEN = ("agreement_uid",)


def query_events(session: Session, since: dt.datetime | None = None, kind: str | None = None,
                 state: str | None = None, after_seq: int | None = None) -> Iterator[Event]:
    query = select(Event).order_by(Event.seq)
    if since is not None:
        query = query.where(Event.detected_at >= since)
    if kind:
        query = query.where(Event.type == kind)
    if state:
        query = query.where(Event.state == state)
    if after_seq is not None:
        query = query.where(Event.seq > after_seq)
    yield from session.scalars(query.execution_options(yield_per=1000))


def public(event: Event) -> dict:
    return {k: v for k, v in event.payload.items() if k not in HIDDEN}


def describe(payload: dict) -> str:
    """What happened, in a few words, for the table and for logs."""
    if payload.get("before") and payload.get("after"):
        changes = ", ".join(f"{k}: {payload['before'].get(k)!s} → {payload['after'].get(k)!s}"
                            for k in payload["after"])
        return changes + (" (review)" if payload.get("review") else "")
    if payload["type"] == "local_signal":
        return f"{payload.get('title') or ''} {payload.get('url') or ''}".strip()
    if payload.get("reason"):
        return f"reason: {payload['reason']}"
    if payload.get("was_pending"):
        return "was pending"
    return ""


def events_command(config: TrackerSettings, args: Namespace) -> int:
    sessions = connect(config.database_url)
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
