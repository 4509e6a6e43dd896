"""Which events go where: one `Delivery` row per (event, destination), created once.

Each destination remembers how far it has been routed (a `DigestWatermark` row keyed
`route:<destination>`), so a new event is routed exactly once even if alerts did not run
for weeks. A destination seen for the first time starts with the last few days of events
rather than the whole history: a new channel should not be flooded with last year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.events import is_news
from storage.models import Delivery, DigestWatermark, Event
from vocabulary import EventType

CATCH_UP = dt.timedelta(days=7)
CONSOLE = "outbox:console"


@dataclass(frozen=True)
class Route:
    """A destination and the filter deciding which events it gets."""

    destination: str
    wants: Callable[[str, str | None], bool]


def watermark_key(destination: str) -> str:
    return f"route:{destination}"


def starting_seq(session: Session, now: dt.datetime, window: dt.timedelta = CATCH_UP) -> int:
    """The last event older than the catch-up window: where a new destination starts."""
    return session.scalar(select(func.max(Event.seq)).where(Event.detected_at < now - window)) or 0


def route_events(session: Session, routes: Iterable[Route], now: dt.datetime) -> int:
    """Create the missing Delivery rows for every route; returns how many were created."""
    newest = session.scalar(select(func.max(Event.seq))) or 0
    created = 0
    for route in routes:
        mark = session.get(DigestWatermark, watermark_key(route.destination))
        if mark is None:
            mark = DigestWatermark(
                subscriber=watermark_key(route.destination), last_event_seq=starting_seq(session, now)
            )
            session.add(mark)
        if mark.last_event_seq >= newest:
            continue
        events = session.execute(
            select(Event.seq, Event.type, Event.state, Event.payload)
            .where(Event.seq > mark.last_event_seq, Event.seq <= newest, Event.type != EventType.BASELINE)
            .order_by(Event.seq)
        ).all()
        # History found by a rebuild or imported by a backfill is a record, not news.
        wanted = [seq for seq, kind, state, payload in events if route.wants(kind, state) and is_news(payload)]
        if wanted:
            existing = set(
                session.scalars(
                    select(Delivery.event_seq).where(
                        Delivery.destination == route.destination, Delivery.event_seq.in_(wanted)
                    )
                )
            )
            for seq in wanted:
                if seq not in existing:
                    session.add(Delivery(event_seq=seq, destination=route.destination, status="pending"))
                    created += 1
        mark.last_event_seq = newest
    session.flush()
    return created
