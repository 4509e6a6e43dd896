"""The change events, oldest first: the query and the public payload (alerts/events_csv.py writes the CSV)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from storage.models import Event

# Kept for the words people read ("signed (was pending since …)"), not in the event fields machines read.
HIDDEN = ("agreement_uid", "pending_since", "signed_as")


def selected_events(since: dt.datetime | None = None, kind: str | None = None, state: str | None = None,
                    until: dt.datetime | None = None) -> Select:
    """The events the filters pick, in no order; `since` (inclusive) and `until` (exclusive) on ICE's clock."""
    query = select(Event)
    if since is not None:
        query = query.where(Event.published_at >= since)
    if until is not None:
        query = query.where(Event.published_at < until)
    if kind:
        query = query.where(Event.type == kind)
    if state:
        query = query.where(Event.state == state)
    return query


def query_events(session: Session, since: dt.datetime | None = None, kind: str | None = None,
                 state: str | None = None, after_seq: int | None = None,
                 until: dt.datetime | None = None, limit: int | None = None) -> Iterator[Event]:
    """The events `selected_events` picks, in the order they were recorded, after `after_seq`, at most `limit`."""
    query = selected_events(since, kind, state, until).order_by(Event.seq)
    if after_seq is not None:
        query = query.where(Event.seq > after_seq)
    if limit is not None:
        query = query.limit(limit)
    yield from session.scalars(query.execution_options(yield_per=1000))


def public(event: Event) -> dict:
    return {k: v for k, v in event.payload.items() if k not in HIDDEN}
