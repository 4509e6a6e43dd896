"""Which events go where: one `Delivery` row per (event, destination), created once.

Each destination remembers how far it has been routed (a `DigestWatermark` row keyed
`route:<destination>`), so a new event is routed exactly once even if alerts did not run
for weeks. A destination seen for the first time starts where `alerts.destinations`
recorded it: a new channel is not flooded with last year. The console (no subscriptions
file: a first look at the tracker) starts with the last week.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.destinations import route_mark, starting_point
from storage.events import is_news
from storage.models import Delivery, DigestWatermark, Event
from vocabulary import EventType

CONSOLE = "outbox:console"
CONSOLE_CATCH_UP = dt.timedelta(days=7)


@dataclass(frozen=True)
class Route:
    """A destination and the filter deciding which events it gets (by type, state and reason)."""

    destination: str
    wants: Callable[[str, str | None, str | None], bool]
    start_after: int = 0  # nothing up to this event (a sign-up's choices count from when they were made)


watermark_key = route_mark



def _start(session: Session, destination: str, now: dt.datetime) -> int:
    if destination == CONSOLE:
        older = Event.detected_at < now - CONSOLE_CATCH_UP
        return session.scalar(select(func.max(Event.seq)).where(older)) or 0
    return starting_point(session, destination)


def route_events(session: Session, routes: Iterable[Route], now: dt.datetime) -> int:
    """Create the missing Delivery rows for every route; returns how many were created."""
    newest = session.scalar(select(func.max(Event.seq))) or 0
    created = 0
    for route in routes:
        mark = session.get(DigestWatermark, watermark_key(route.destination))
        if mark is None:
            start = _start(session, route.destination, now)
            mark = DigestWatermark(subscriber=watermark_key(route.destination), last_event_seq=start)
            session.add(mark)
        mark.last_event_seq = max(mark.last_event_seq, min(route.start_after, newest))
        if mark.last_event_seq >= newest:
            continue
        events = session.execute(
            select(Event.seq, Event.type, Event.state, Event.payload)
            .where(Event.seq > mark.last_event_seq, Event.seq <= newest, Event.type != EventType.BASELINE)
            .order_by(Event.seq)
        ).all()
        # History found by a rebuild or imported by a backfill is a record, not news.
        wanted = [seq for seq, kind, state, payload in events
                  if route.wants(kind, state, payload.get("reason")) and is_news(payload)]
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
