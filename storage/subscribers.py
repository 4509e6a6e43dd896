"""Subscriptions people make themselves: sign up, confirm, change, leave.

The explorer writes the store only through these functions (on the narrow connection of
`storage.db.connect_subscriptions`); the alerts read them beside the subscriptions file.
An address has one row, keyed by its lower-cased form. Its status says how much it counts:

* `pending`: signed up, not confirmed: nothing is sent but the one confirmation;
* `listed`: an address of the subscriptions file, recorded only so its links have a row to name;
* `confirmed`: gets what it chose, from `start_seq` on (outranks the file for that address);
* `unsubscribed`: gets nothing, even while the file lists it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.db import sqlite_write_lock
from storage.models import Event, Subscriber, utcnow

PENDING = "pending"
LISTED = "listed"
CONFIRMED = "confirmed"
UNSUBSCRIBED = "unsubscribed"
SIGNUP = "signup"
FILE = "file"
CONFIRMATION_INTERVAL = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Choices:
    """What a subscriber asked for: USPS codes (or `*`), a cadence and a language."""

    states: tuple[str, ...]
    cadence: str
    language: str


@dataclass(frozen=True)
class SignUp:
    """The outcome of a sign-up: which row, and which email (if any) to send now.

    `send` is `confirm` (a confirmation link), `reminder` (the address is already
    confirmed: its manage link) or None (one went out within the hour).
    `previous_sent_at` lets the caller give the hour back when the mail server refused.
    """

    subscriber: Subscriber
    send: str | None
    previous_sent_at: dt.datetime | None


def key_of(address: str) -> str:
    return address.strip().lower()


def newest_event(session: Session) -> int:
    return session.scalar(select(func.max(Event.seq))) or 0


def _row(session: Session, address: str, lock: bool = False) -> Subscriber | None:
    query = select(Subscriber).where(Subscriber.key == key_of(address))
    return session.scalars(query.with_for_update() if lock else query).first()


def by_id(session: Session, subscriber_id: int) -> Subscriber | None:
    return session.get(Subscriber, subscriber_id)


def _insert(session: Session, address: str, status: str, origin: str, choices: Choices | None,
            now: dt.datetime) -> Subscriber:
    """A new row; when another process inserted the same address first, theirs."""
    row = Subscriber(key=key_of(address), address=address.strip(), origin=origin, status=status,
                     states=list(choices.states) if choices else [], cadence=choices.cadence if choices else "daily",
                     language=choices.language if choices else "en", start_seq=0, created_at=now, changed_at=now)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        found = _row(session, address, lock=True)
        if found is None:
            raise
        return found
    return row


def _choose(row: Subscriber, choices: Choices, now: dt.datetime) -> None:
    row.states = list(choices.states)
    row.cadence = choices.cadence
    row.language = choices.language
    row.changed_at = now


def add_pending(session: Session, address: str, choices: Choices, now: dt.datetime | None = None,
                link_base: str | None = None) -> SignUp:
    """Record a sign-up and decide what to send: one email per address per hour at most.

    A confirmed address keeps its choices (a stranger typing it must not change them) and is
    sent its manage link instead; any other address keeps the new choices until confirmed.
    The hour is claimed here, before sending, so two sign-ups at once send one email.
    """
    moment = now or utcnow()
    # Sign-ups of one address at once must see each other's claim of the hour: PostgreSQL locks
    # the row as it is read (`FOR UPDATE`), SQLite takes its write lock before the read.
    sqlite_write_lock(session)
    row = _row(session, address, lock=True) or _insert(session, address, PENDING, SIGNUP, choices, moment)
    if row.status != CONFIRMED:
        _choose(row, choices, moment)
        row.link_base = link_base or row.link_base
    previous = row.confirmation_sent_at
    if previous is not None and moment - previous < CONFIRMATION_INTERVAL:
        session.flush()
        return SignUp(row, None, previous)
    row.confirmation_sent_at = moment
    session.flush()
    return SignUp(row, "reminder" if row.status == CONFIRMED else "confirm", previous)


def give_back_hour(session: Session, subscriber_id: int, previous: dt.datetime | None) -> None:
    """The mail server refused the email: the address may be sent one again at once."""
    row = by_id(session, subscriber_id)
    if row is not None:
        row.confirmation_sent_at = previous
        session.flush()


def confirm(session: Session, subscriber_id: int, signed_at: dt.datetime,
            now: dt.datetime | None = None) -> Subscriber | None:
    """Confirm from a link signed at `signed_at`; None when the link predates an unsubscribe.

    Confirming twice is harmless: the second click changes nothing.
    """
    moment = now or utcnow()
    row = by_id(session, subscriber_id)
    if row is None:
        return None
    if row.status == CONFIRMED:
        return row
    if row.unsubscribed_at is not None and signed_at <= row.unsubscribed_at:
        return None
    _confirmed_now(session, row, moment)
    session.flush()
    return row


def _confirmed_now(session: Session, row: Subscriber, moment: dt.datetime) -> None:
    """The row counts from now: confirmed, sent only what comes after the newest event (no backlog)."""
    row.status = CONFIRMED
    row.confirmed_at = moment
    row.changed_at = moment
    row.start_seq = newest_event(session)


def unsubscribe(session: Session, subscriber_id: int, now: dt.datetime | None = None) -> Subscriber | None:
    """End a subscription at once; a file address stays ended while the file lists it."""
    row = by_id(session, subscriber_id)
    if row is None:
        return None
    if row.status != UNSUBSCRIBED:
        row.status = UNSUBSCRIBED
        row.unsubscribed_at = now or utcnow()
        row.changed_at = row.unsubscribed_at
        session.flush()
    return row


def change(session: Session, subscriber_id: int, choices: Choices, now: dt.datetime | None = None) -> Subscriber | None:
    """New states, cadence or language from the manage page; they count from now, with no backlog.

    A file address that changes its choices gets a confirmed row: from then on it, not the file, decides.
    """
    moment = now or utcnow()
    row = by_id(session, subscriber_id)
    if row is None:
        return None
    _choose(row, choices, moment)
    if row.status == CONFIRMED:
        row.start_seq = newest_event(session)
    else:
        row.unsubscribed_at = None
        _confirmed_now(session, row, moment)
    session.flush()
    return row


def handle(session: Session, address: str, now: dt.datetime | None = None) -> Subscriber:
    """The row an address's links name, recording a file address the first time it is mailed."""
    return _row(session, address) or _insert(session, address, LISTED, FILE, None, now or utcnow())


def has_left(session: Session, address: str) -> bool:
    """Whether the address unsubscribed: checked again right before sending, so a click ends mail at once."""
    return session.scalar(select(Subscriber.status).where(Subscriber.key == key_of(address))) == UNSUBSCRIBED


def confirmed(session: Session) -> list[Subscriber]:
    return _with_status(session, CONFIRMED)


def unsubscribed(session: Session) -> list[Subscriber]:
    return _with_status(session, UNSUBSCRIBED)


def _with_status(session: Session, status: str) -> list[Subscriber]:
    return list(session.scalars(select(Subscriber).where(Subscriber.status == status).order_by(Subscriber.id)))
