"""Sign-up on the explorer: what the views share, and the steps that touch the store or the mail server.

The views only read the request and render; everything here runs in a worker thread (it
blocks on the database and on SMTP). The store is written through `storage.subscribers` on
the narrow connection of `storage.db.connect_subscriptions`, and nowhere else.

The explorer sends the confirmation itself, while the person waits on the page: it arrives in
seconds whether or not `run` is up (or holds the scheduler lease), and a mail server that
refuses it is reported on the spot (503, try again) with the address's hour given back, so
nothing is lost and no outbox job has to run every minute.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException

from alerts.confirmation import confirmation_email, reminder_email
from alerts.email import MailTransport, MailUnavailable
from alerts.mail_links import links_for_row
from alerts.tokens import CONFIRM, CONFIRM_MAX_AGE, BadToken, Claim, Signer
from i18n import language
from settings import TrackerSettings
from storage import subscribers
from storage.db import subscriptions_ready
from storage.models import Subscriber, utcnow
from web.rate_limit import RateLimiter

SIGNUPS_PER_CLIENT = 10
SIGNUP_WINDOW = 600.0
LOOPBACK_NAMES = ("localhost",)


class NotReady(HTTPException):
    """The store predates sign-up (a 503); the message says what brings it up to date."""

    def __init__(self, message: str) -> None:
        super().__init__(503, message)


class MailRefused(RuntimeError):
    """The mail server did not take the confirmation; the person may simply try again."""


@dataclass
class SignupDesk:
    """Sign-up's own settings, signer, rate limit and writable (subscriptions-only) sessions."""

    config: TrackerSettings
    sessions: sessionmaker[Session]
    signer: Signer
    limiter: RateLimiter = field(default_factory=lambda: RateLimiter(SIGNUPS_PER_CLIENT, SIGNUP_WINDOW))
    upgraded: bool = False

    def check_ready(self) -> None:
        """Refuse (NotReady) until the store has a subscriptions table: `run` or `once` adds it when
        they upgrade the store, which may happen after the explorer started."""
        if not self.upgraded:
            with self.sessions() as session:
                self.upgraded = subscriptions_ready(session)
        if not self.upgraded:
            raise NotReady("sign-up is not ready: the store has not been upgraded yet (start `run`, or run `once`)")

    def link_base(self, scheme: str, host: str | None, port: int | None) -> str | None:
        """PUBLIC_URL; without it, the address the explorer was reached at, but only on this machine.

        A Host header from the internet must never choose where a confirmation link points.
        """
        if self.config.public_url:
            return self.config.public_url
        if not host or not _is_loopback(host):
            return None
        shown = f"[{host}]" if ":" in host else host
        return f"{scheme}://{shown}" + (f":{port}" if port else "")

    def claim(self, purpose: str, token: str) -> tuple[Claim, Subscriber]:
        """The subscriber a token names; BadToken when it is not ours, expired, or for another address."""
        claim = self.signer.read(purpose, token, CONFIRM_MAX_AGE if purpose == CONFIRM else None)
        self.check_ready()
        with self.sessions() as session:
            row = subscribers.by_id(session, claim.subscriber_id)
        if row is None or not claim.matches(row.address):
            raise BadToken("this link is not valid")
        return claim, row


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def sign_up(desk: SignupDesk, address: str, choices: subscribers.Choices, base: str) -> None:
    """Record the sign-up and send what it calls for (at most one email per address per hour)."""
    now = utcnow()
    desk.check_ready()
    with desk.sessions.begin() as session:
        outcome = subscribers.add_pending(session, address, choices, now, link_base=base)
        row, send, previous = outcome.subscriber, outcome.send, outcome.previous_sent_at
    if send is None:
        return
    if send == "confirm":
        url = f"{base}/confirm/{desk.signer.token(CONFIRM, row.id, row.address)}"
        message = confirmation_email(desk.config, row.address, url, list(row.states), row.cadence,
                                     now.replace(tzinfo=dt.UTC), language(row.language))
    else:
        message = reminder_email(desk.config, row.address, links_for_row(desk.config, desk.signer, row),
                                 list(row.states), row.cadence, now.replace(tzinfo=dt.UTC), language(row.language))
    try:
        with MailTransport(desk.config) as mail:
            mail.send(message)
    except MailUnavailable as exc:
        with desk.sessions.begin() as session:
            subscribers.give_back_hour(session, row.id, previous)
        raise MailRefused(str(exc)) from None


def confirm(desk: SignupDesk, token: str) -> Subscriber | None:
    claim, row = desk.claim(CONFIRM, token)
    with desk.sessions.begin() as session:
        return subscribers.confirm(session, row.id, claim.signed_at)


def unsubscribe(desk: SignupDesk, purpose: str, token: str) -> Subscriber | None:
    _, row = desk.claim(purpose, token)
    with desk.sessions.begin() as session:
        return subscribers.unsubscribe(session, row.id)


def change(desk: SignupDesk, token: str, purpose: str, choices: subscribers.Choices) -> Subscriber | None:
    _, row = desk.claim(purpose, token)
    with desk.sessions.begin() as session:
        return subscribers.change(session, row.id, choices)
