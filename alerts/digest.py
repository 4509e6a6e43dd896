"""Email digests for newsrooms: daily or weekly, at the subscriber's local hour.

Each address has a watermark (the last event it was told about); it moves only after the SMTP
server accepted the digest, so a digest that failed is simply sent, complete, next time.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from alerts import subscriptions as subscriptions_file
from alerts.deliver import as_utc
from alerts.destinations import digest_mark, email_key, note_destinations, starting_point
from alerts.email import MailTransport, MailUnavailable
from alerts.email_content import Headline, compose
from alerts.event_text import EventRow, EventSummary, Links, human_date, summarize_rows
from alerts.first_reports import with_first_reports
from alerts.mail_links import mail_links
from alerts.maintainers import DELIVERY_PROBLEM
from alerts.signups import with_signups
from alerts.subscriptions import ALL_STATES, EmailSubscription, Subscriptions
from errors import UserError
from i18n import N_
from settings import TrackerSettings
from storage import subscribers
from storage.events import is_news
from storage.models import DigestWatermark, Event
from storage.problems import close_problem, open_problem
from storage.summary import last_published, summary
from vocabulary import EventType

TITLES = {"daily": N_("287(g) daily digest"), "weekly": N_("287(g) weekly digest"), "instant": N_("287(g) digest")}
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
        verb = "written to the outbox (not sent)" if self.to_outbox else "sent"
        text = f"{self.sent} {verb}, {self.nothing_new} with nothing new, {self.not_due} not due"
        if self.failed:
            text += f", {len(self.failed)} refused by the mail server ({self.failed[0]})"
        return text


watermark_key = digest_mark


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


def headline(session: Session, sub: EmailSubscription, events: list[EventSummary], previous: dict | None,
             today: dt.date) -> Headline:
    """Active agreements nationally and per watched state: the counts `summary` and the explorer give."""
    states = sorted(sub.states - {ALL_STATES}) or sorted({e.state for e in events if e.state})
    counts = summary(session, max(today, last_published(session) or today))
    models = {"national": {m: n for m, n in counts["models"].items() if n}}
    models.update({code: {m: n for m, n in counts["states"][code]["models"].items() if n}
                   for code in states if code in counts["states"]})
    return Headline(
        national=counts["agreements"],
        states={code: counts["states"].get(code, {}).get("agreements", 0) for code in states},
        previous=previous or None,
        models=models,
    )


@dataclass
class _Pending:
    address: str
    sub: EmailSubscription
    start: int
    upto: int
    events: list[EventSummary]
    mark: DigestWatermark | None


def _gather(session: Session, address: str, sub: EmailSubscription, links: Links) -> _Pending:
    mark = session.get(DigestWatermark, watermark_key(address))
    start = mark.last_event_seq if mark else starting_point(session, email_key(address), sub.since,
                                                            sub.start_seq)
    start = max(start, sub.start_seq or 0)  # choices changed on the manage page count from then on
    upto = session.scalar(select(func.max(Event.seq))) or 0
    rows = session.execute(
        select(Event.seq, Event.type, Event.state, Event.payload, Event.agreement_id)
        .where(Event.seq > start, Event.seq <= upto, Event.type != EventType.BASELINE)
        .order_by(Event.seq)
    ).all()
    wanted = [EventRow(seq, payload, agreement_id) for seq, kind, state, payload, agreement_id in rows
              if sub.wants(kind, state, payload.get("reason")) and is_news(payload)]
    events = summarize_rows(with_first_reports(session, wanted), links, sub.lang)
    return _Pending(address, sub, start, upto, events, mark)


def _period(pending: _Pending) -> str:
    lang = pending.sub.lang
    if pending.mark is not None and pending.mark.last_sent_at is not None:
        local = pending.mark.last_sent_at.replace(tzinfo=dt.UTC).astimezone(pending.sub.zone)
        return lang.gettext("since %(date)s, %(time)s") % {
            "date": human_date(local.date().isoformat(), lang), "time": f"{local:%H:%M %Z}"}
    if pending.sub.since is not None:
        return lang.gettext("since %(date)s") % {"date": human_date(pending.sub.since.isoformat(), lang)}
    return lang.gettext("since you subscribed")


def _message(config: TrackerSettings, session: Session, pending: _Pending, now: dt.datetime):
    previous = dict(pending.mark.last_active_count) if pending.mark and pending.mark.last_active_count else None
    top = headline(session, pending.sub, pending.events, previous, now.date())
    message = compose(
        config,
        pending.address,
        pending.sub.lang.gettext(TITLES[pending.sub.cadence]),
        pending.events,
        key=f"digest:{pending.address}:{pending.start}:{pending.upto}",
        now=now,
        period=_period(pending),
        headline=top,
        lang=pending.sub.lang,
        links=mail_links(session, config, pending.address),
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
    links = Links.of(config)
    with MailTransport(config, out) as mail, session_factory() as session:
        subs = with_signups(session, subs)
        note_destinations(session, subs, moment)
        session.commit()
        report.to_outbox = mail.to_outbox
        for sub in subs.email:
            if sub.cadence == "instant":
                continue
            for address in sub.to:
                mark = session.get(DigestWatermark, watermark_key(address))
                if not force and not is_due(sub, mark.last_sent_at if mark else None, moment):
                    report.not_due += 1
                    continue
                if subscribers.has_left(session, address):  # unsubscribed since this run began
                    continue
                pending = _gather(session, address, sub, links)
                session.commit()
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


@dataclass(frozen=True)
class Preview:
    text: str
    html: str


def preview_digest(
    config: TrackerSettings,
    session_factory: sessionmaker[Session],
    address: str,
    now: dt.datetime | None = None,
    subs: Subscriptions | None = None,
) -> Preview:
    """The digest `address` would get now, as text and HTML; nothing sent, nothing moved."""
    moment = as_utc(now)
    if (problem := subscriptions_file.address_problem(address.strip())) is not None:
        raise UserError(f"--preview {address!r} is not an email address: {problem}")
    subs = subs if subs is not None else subscriptions_file.load(config.subscriptions_file)
    with session_factory() as session:
        sub = with_signups(session, subs).email_for(address)
    if sub is None:
        raise UserError(f"{address} is not an email subscriber (in {config.subscriptions_file.name} or signed up "
                        "on the explorer)")
    with session_factory() as session:
        known = next(a for a in sub.to if a.lower() == address.strip().lower())
        pending = _gather(session, known, sub, Links.of(config))
        message, _ = _message(config, session, pending, moment)
        session.rollback()
    return Preview(
        text=str(message.get_body(("plain",)).get_content()),
        html=str(message.get_body(("html",)).get_content()),
    )


def preview_path(config: TrackerSettings, address: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9.@-]+", "_", address.strip().lower())
    return config.data_dir / "previews" / f"digest-{safe}.html"
