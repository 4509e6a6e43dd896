"""Where each destination starts: the moment it first appears in the subscriptions file.

A channel added in March must not receive January in one message. The first alerts or digest
run that reads a destination records it with the newest event at that moment, and it hears
only of what comes after (or of what came after `since`, when the file asks for older news).
It is then greeted once, with the counts of the states it watches (`alerts.welcome`).
A destination taken out of the file is forgotten, so putting it back later starts afresh
rather than delivering everything that happened while it was away.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from alerts.subscriptions import EmailSubscription, SlackSubscription, Subscriptions
from storage.models import Delivery, Destination, DigestWatermark, Event

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Watcher:
    """One destination of the subscriptions file: a Slack channel or webhook, or one email address."""

    key: str
    sub: SlackSubscription | EmailSubscription
    address: str | None = None

    @property
    def label(self) -> str:
        """How the command line and reports name it: `#fl-organizers`, `SLACK_WEBHOOK_TX`, an address."""
        if isinstance(self.sub, SlackSubscription):
            return self.sub.name
        return str(self.address)


def email_key(address: str) -> str:
    return f"email:{address}"


def route_mark(destination: str) -> str:
    """The `DigestWatermark` key of how far a destination's events have been routed."""
    return f"route:{destination}"


def digest_mark(address: str) -> str:
    """The `DigestWatermark` key of the last event an address's digest covered."""
    return f"digest:{address.lower()}"


def watchers(subs: Subscriptions) -> list[Watcher]:
    found = [Watcher(sub.destination, sub) for sub in subs.slack]
    for sub in subs.email:
        found += [Watcher(email_key(address), sub, address) for address in sub.to]
    return found


def start_seq(session: Session, since: dt.date | None) -> int:
    """The last event before `since` (UTC midnight), or the newest event when there is no `since`."""
    query = select(func.max(Event.seq))
    if since is not None:
        query = query.where(Event.detected_at < dt.datetime.combine(since, dt.time()))
    return session.scalar(query) or 0


def _own_start(watcher: Watcher) -> int | None:
    """A sign-up starts where it was confirmed, not where a later run first noticed it."""
    return watcher.sub.start_seq if isinstance(watcher.sub, EmailSubscription) else None


def note_destinations(session: Session, subs: Subscriptions, now: dt.datetime) -> list[Destination]:
    """Record every destination seen for the first time, forget those no longer in the file;
    returns the new ones (flushed, not committed)."""
    _forget_removed(session, {w.key for w in watchers(subs)})
    known = set(session.scalars(select(Destination.key)))
    added = []
    for watcher in watchers(subs):
        if watcher.key in known:
            continue
        known.add(watcher.key)
        own = _own_start(watcher)
        destination = Destination(
            key=watcher.key,
            first_seen_at=now.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0) if now.tzinfo else now,
            start_seq=own if own is not None else start_seq(session, watcher.sub.since),
            since=watcher.sub.since,
        )
        session.add(destination)
        added.append(destination)
    session.flush()
    return added


def _forget_removed(session: Session, keys: set[str]) -> None:
    for destination in session.scalars(select(Destination).where(Destination.key.not_in(keys)) if keys
                                       else select(Destination)):
        marks = [route_mark(destination.key)]
        if destination.key.startswith("email:"):
            marks.append(digest_mark(destination.key.removeprefix("email:")))
        session.execute(delete(DigestWatermark).where(DigestWatermark.subscriber.in_(marks)))
        session.execute(delete(Delivery).where(Delivery.destination == destination.key, Delivery.status != "sent"))
        session.delete(destination)
        log.info("%s is no longer in the subscriptions file: forgotten", destination.key)
    session.flush()


def starting_point(session: Session, key: str, since: dt.date | None = None, own_start: int | None = None) -> int:
    """Where a destination without a routing mark starts (recording it if it was never seen)."""
    destination = session.get(Destination, key)
    if destination is None:
        begin = own_start if own_start is not None else start_seq(session, since)
        destination = Destination(key=key, start_seq=begin, since=since)
        session.add(destination)
        session.flush()
    return destination.start_seq
