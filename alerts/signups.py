"""Who is mailed: the subscriptions file, with what people said themselves on the explorer.

The store's word on an address outranks the file's: a confirmed sign-up gets what it chose
(once, even when the file lists the address too), and an unsubscribe is honoured while the
file still lists the address. A pending sign-up changes nothing until it is confirmed.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy.orm import Session

from alerts.subscriptions import EmailSubscription, Subscriptions
from storage import subscribers
from storage.models import Subscriber
from vocabulary import ALERTABLE_EVENT_TYPES

# Sign-ups choose no hour: daily and weekly digests go out at 7 in the morning, US Eastern.
DIGEST_HOUR = 7
DIGEST_TIMEZONE = "America/New_York"


def subscription_of(row: Subscriber) -> EmailSubscription:
    return EmailSubscription(
        to=(row.address,),
        states=frozenset(row.states),
        events=frozenset(ALERTABLE_EVENT_TYPES),
        cadence=row.cadence,
        hour=DIGEST_HOUR,
        timezone=DIGEST_TIMEZONE,
        language=row.language,
        start_seq=row.start_seq,
    )


def with_signups(session: Session, subs: Subscriptions) -> Subscriptions:
    """`subs` with the store's confirmed sign-ups added and its unsubscribed addresses taken out."""
    confirmed = subscribers.confirmed(session)
    decided = {row.key for row in confirmed} | {row.key for row in subscribers.unsubscribed(session)}
    email = []
    for sub in subs.email:
        kept = tuple(address for address in sub.to if subscribers.key_of(address) not in decided)
        if kept:
            email.append(dataclasses.replace(sub, to=kept))
    email += [subscription_of(row) for row in confirmed]
    return dataclasses.replace(subs, email=tuple(email))


def unsubscribed_from_file(session: Session, subs: Subscriptions) -> list[Subscriber]:
    """The file's addresses that unsubscribed through a link: the file lists them, nobody mails them."""
    listed = {subscribers.key_of(address) for sub in subs.email for address in sub.to}
    return [row for row in subscribers.unsubscribed(session) if row.key in listed]
