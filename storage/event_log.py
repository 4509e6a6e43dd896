"""The change events, oldest first: the query, the public payload, a CSV row, and a few words for people."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from parsers.places import county_from_name
from storage.export import csv_cell
from storage.models import Event
from vocabulary import EventType

HIDDEN = ("agreement_uid",)
# A spreadsheet's columns: what happened and when on both clocks, the agreement, then the details.
CSV_COLUMNS = (
    "id", "type", "published_at", "publication", "publication_date", "detected_at", "state", "agency",
    "agency_type", "county", "model", "signed", "signed_raw", "moa_url", "addendum_url", "was_pending", "list",
    "what", "before", "after", "rule", "review", "note", "reason", "removed_as_of", "source_url", "run_id",
    "backfilled",
)


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


def csv_row(event: Event) -> dict:
    """One event as a spreadsheet row: before/after as JSON text, the county filled in where the name is sure.

    Cells are written as exports write them: nothing from ICE's sheet or a local page runs as a formula.
    """
    payload = event.payload
    row = {column: payload.get(column) for column in CSV_COLUMNS}
    stamp = payload.get("publication")
    row["publication_date"] = stamp[:10] if stamp else None
    row["county"] = row["county"] or (county_from_name(row["agency"]) if payload.get("list") != "local" else None)
    row["what"] = describe(payload)
    for name in ("before", "after"):
        row[name] = json.dumps(row[name], ensure_ascii=False) if row[name] else None
    return {k: csv_cell(v) for k, v in row.items()}


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
