"""Email digests for newsrooms: daily or weekly, at the subscriber's local hour.

Each address has a watermark (the last event it was told about); it moves only after the SMTP
server accepted the digest, so a digest that failed is simply sent, complete, next time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TextIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from alerts import subscriptions as subscriptions_file
from alerts.deliver import as_utc
from alerts.email import MailTransport, MailUnavailable
from alerts.email_content import Headline, compose
from alerts.event_text import EventSummary, summarize
from alerts.maintainers import DELIVERY_PROBLEM
from alerts.routing import starting_seq
from alerts.subscriptions import ALL_STATES, EmailSubscription, Subscriptions
from errors import UserError
from settings import TrackerSettings
from storage.models import Agreement, DigestWatermark, Event
from storage.problems import close_problem, open_problem
from vocabulary import EventType

PERIODS = {"daily": dt.timedelta(days=1), "weekly": dt.timedelta(days=7), "instant": dt.timedelta(days=1)}
TITLES = {"daily": "287(g) daily digest", "weekly": "287(g) weekly digest", "instant": "287(g) digest"}
SMTP_PROBLEM = f"{DELIVERY_PROBLEM}email-digest"


@dataclass
class DigestReport:
    sent: int = 0
    nothing_new: int = 0
    not_due: int = 0
    failed: list[str] = field(default_factory=list)
    to_outbox: bool = False  # no SMTP_HOST: "sent" digests were written to the outbox folder

    @property
    def ok(self) -> bool:
        return not self.failed

    def __str__(self) -> str:
        verb = "queued in the outbox (not sent)" if self.to_outbox else "sent"
        text = f"{self.sent} {verb}, {self.nothing_new} with nothing new, {self.not_due} not due"
        if self.failed:
            text += f", {len(self.failed)} refused by the mail server ({self.failed[0]})"
        return text


def watermark_key(address: str) -> str:
    return f"digest:{address.lower()}"


def current_slot(sub: EmailSubscription, now: dt.datetime) -> dt.datetime:
    """Pure: today's (daily) or this week's Monday (weekly) sending time, in UTC."""
    local = now.astimezone(sub.zone)
    day = local.date()
    if sub.cadence == "weekly":
        day -= dt.timedelta(days=local.weekday())
    slot = dt.datetime.combine(day, dt.time(sub.hour), tzinfo=sub.zone)
    return slot.astimezone(dt.UTC)


def is_due(sub: EmailSubscription, last_sent_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Pure: past this slot's hour, and the last digest went out before this slot."""
    if sub.cadence == "instant":
        return False
    slot = current_slot(sub, now)
    if now < slot:
        return False
    return last_sent_at is None or last_sent_at.replace(tzinfo=dt.UTC) < slot


def headline(session: Session, sub: EmailSubscription, events: list[EventSummary], previous: dict | None) -> Headline:
    active = select(func.count()).select_from(Agreement).where(
        Agreement.list_kind == "participating", Agreement.status == "active"
    )
    states = sorted(sub.states - {ALL_STATES}) or sorted({e.state for e in events if e.state})
    per_state = dict(
        session.execute(
            select(Agreement.state, func.count())
            .where(Agreement.list_kind == "participating", Agreement.status == "active", Agreement.state.in_(states))
            .group_by(Agreement.state)
        ).all()
    )
    return Headline(
        national=session.scalar(active) or 0,
        states={code: int(per_state.get(code, 0)) for code in states},
        previous=previous or None,
    )


@dataclass
class _Pending:
    address: str
    sub: EmailSubscription
    start: int
    upto: int
    events: list[EventSummary]
    mark: DigestWatermark | None


def _gather(session: Session, address: str, sub: EmailSubscription, now: dt.datetime) -> _Pending:
    mark = session.get(DigestWatermark, watermark_key(address))
    start = mark.last_event_seq if mark else starting_seq(session, now.replace(tzinfo=None), PERIODS[sub.cadence])
    upto = session.scalar(select(func.max(Event.seq))) or 0
    rows = session.execute(
        select(Event.seq, Event.type, Event.state, Event.payload)
        .where(Event.seq > start, Event.seq <= upto, Event.type != EventType.BASELINE)
        .order_by(Event.seq)
    ).all()
    events = [summarize(seq, payload) for seq, kind, state, payload in rows
              if sub.wants(kind, state) and not payload.get("replayed")]
    return _Pending(address, sub, start, upto, events, mark)


def _period(pending: _Pending) -> str:
    if pending.mark is not None and pending.mark.last_sent_at is not None:
        local = pending.mark.last_sent_at.replace(tzinfo=dt.UTC).astimezone(pending.sub.zone)
        return f"since {local:%a %d %b %Y %H:%M %Z}"
    return "in the last week" if pending.sub.cadence == "weekly" else "in the last day"


def _message(config: TrackerSettings, session: Session, pending: _Pending, now: dt.datetime):
    previous = dict(pending.mark.last_active_count) if pending.mark and pending.mark.last_active_count else None
    top = headline(session, pending.sub, pending.events, previous)
    message = compose(
        config,
        pending.address,
        TITLES[pending.sub.cadence],
        pending.events,
        key=f"digest:{pending.address}:{pending.start}:{pending.upto}",
        now=now,
        period=_period(pending),
        headline=top,
    )
    return message, top


def send_due_digests(
    config: TrackerSettings,
    session_factory: sessionmaker[Session],
    now: dt.datetime | None = None,
    force: bool = False,
    subs: Subscriptions | None = None,
    out: TextIO | None = None,
) -> DigestReport:
    """Send each digest that is due (every one with something new, when `force`)."""
    moment = as_utc(now)
    subs = subs if subs is not None else subscriptions_file.load(config.subscriptions_file)
    report = DigestReport()
    with MailTransport(config, out) as mail, session_factory() as session:
        report.to_outbox = mail.to_outbox
        for sub in subs.email:
            if sub.cadence == "instant":
                continue
            for address in sub.to:
                mark = session.get(DigestWatermark, watermark_key(address))
                if not force and not is_due(sub, mark.last_sent_at if mark else None, moment):
                    report.not_due += 1
                    continue
                pending = _gather(session, address, sub, moment)
                if not pending.events:
                    report.nothing_new += 1
                    if not force:
                        _settle(session, pending, moment, counts=None)
                    continue
                message, top = _message(config, session, pending, moment)
                try:
                    mail.send(message)
                except MailUnavailable as exc:
                    report.failed.append(f"{address}: {exc}")
                    continue
                _settle(session, pending, moment, counts=top.as_counts())
                report.sent += 1
        if report.failed:
            open_problem(session, SMTP_PROBLEM, "alerts", f"digest not accepted: {report.failed[0]}")
        elif report.sent:
            close_problem(session, SMTP_PROBLEM)
        session.commit()
    return report


def _settle(session: Session, pending: _Pending, now: dt.datetime, counts: dict[str, int] | None) -> None:
    """Move the watermark (committed at once): after acceptance, or when a due slot had nothing."""
    mark = pending.mark or session.get(DigestWatermark, watermark_key(pending.address))
    if mark is None:
        mark = DigestWatermark(subscriber=watermark_key(pending.address), last_event_seq=0, last_active_count={})
        session.add(mark)
    mark.last_event_seq = pending.upto
    mark.last_sent_at = now.astimezone(dt.UTC).replace(tzinfo=None)
    if counts is not None:
        mark.last_active_count = counts
    session.commit()


def preview_digest(
    config: TrackerSettings,
    session_factory: sessionmaker[Session],
    address: str,
    now: dt.datetime | None = None,
    subs: Subscriptions | None = None,
) -> str:
    """The plain-text part of the digest `address` would get now; nothing sent, nothing moved."""
    moment = as_utc(now)
    subs = subs if subs is not None else subscriptions_file.load(config.subscriptions_file)
    sub = subs.email_for(address)
    if sub is None:
        raise UserError(f"{address} is not an email subscriber in {config.subscriptions_file.name}")
    with session_factory() as session:
        pending = _gather(session, address.strip(), sub, moment)
        message, _ = _message(config, session, pending, moment)
        session.rollback()
    return str(message.get_body(("plain",)).get_content())
