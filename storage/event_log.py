"""The change events, oldest first: the query, the public payload, and a few words for people."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Event
from vocabulary import EventType

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
    if payload["type"] == EventType.LOCAL_SIGNAL:
        return f"{payload.get('title') or ''} {payload.get('url') or ''}".strip()
    if payload.get("reason"):
        return f"reason: {payload['reason']}"
    if payload.get("was_pending"):
        return "was pending"
    return ""
