"""The one message a new destination gets first: what it now watches, and today's numbers there.

An organizer who adds a channel should see at once that it works and what "normal" looks like
(how many agreements and pending requests their states have today), rather than wait in
silence for the next change.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session, sessionmaker

from alerts.destinations import watchers
from alerts.email import MailTransport, MailUnavailable, build_message, render, sender_address
from alerts.email_content import FOOTER, models_text
from alerts.event_text import human_date, publication_date
from alerts.mail_links import MailLinks, mail_links
from alerts.outbox import SlackSender
from alerts.slack import SlackRefused, SlackUnavailable
from alerts.slack_blocks import SlackPart, escape
from alerts.subscriptions import ALL_STATES, EmailSubscription, SlackSubscription, Subscriptions
from parsers.places import state_name
from settings import TrackerSettings
from storage.models import Agreement, Destination, Publication

EVENT_WORDS = {
    "agreement_added": "new agreements",
    "pending_added": "new pending requests",
    "pending_removed": "withdrawn pending requests",
    "moa_published": "MOAs published",
    "addendum_published": "addenda published",
    "moa_changed": "MOAs changed",
    "agreement_removed": "agreements removed",
    "agreement_changed": "corrections to agreements",
    "local_signal": "local government signals",
}


@dataclass(frozen=True)
class AreaCount:
    """Active agreements (and distinct agencies, per model) and pending requests in one area."""

    name: str
    agreements: int
    agencies: int
    models: dict[str, int]
    pending: int

    def line(self) -> str:
        if not self.agreements and not self.pending:
            return f"{self.name}: no agreements or pending requests on ICE's lists"
        agreements = f"{self.agreements:,} agreement{'s' if self.agreements != 1 else ''}"
        agencies = f"{self.agencies:,} agenc{'ies' if self.agencies != 1 else 'y'}"
        models = models_text(self.models)
        pending = f"{self.pending:,} pending request{'s' if self.pending != 1 else ''}"
        models_part = f" — {models}" if models else ""
        return f"{self.name}: {agreements} with {agencies}{models_part}; {pending}"


@dataclass(frozen=True)
class Welcome:
    title: str
    lines: tuple[str, ...]
    counts_heading: str
    counts: tuple[str, ...]

    @property
    def text(self) -> str:
        counts = ["", self.counts_heading, *(f"• {c}" for c in self.counts)] if self.counts_heading else []
        return "\n".join([self.title, "", *self.lines, *counts])


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def area_counts(session: Session, states: Iterable[str]) -> list[AreaCount]:
    """Today's counts per watched state, or nationally when every state is watched."""
    wanted = sorted(set(states))
    national = ALL_STATES in wanted
    active = (Agreement.status == "active",)
    participating = (*active, Agreement.list_kind == "participating")

    def scoped(query, column=Agreement.state):
        return query if national else query.where(column.in_(wanted))

    group = () if national else (Agreement.state,)
    by_model: dict[str | None, dict[str, int]] = {}
    for *key, model, count in session.execute(
        scoped(select(*group, Agreement.model, func.count()).where(*participating)).group_by(*group, Agreement.model)
    ):
        by_model.setdefault(key[0] if key else None, {})[model] = int(count)
    agencies = {
        (key[0] if key else None): int(count)
        for *key, count in session.execute(
            scoped(select(*group, func.count(distinct(Agreement.agency))).where(*participating)).group_by(*group)
        )
    }
    pending = {
        (key[0] if key else None): int(count)
        for *key, count in session.execute(
            scoped(select(*group, func.count()).where(*active, Agreement.list_kind == "pending")).group_by(*group)
        )
    }
    areas = [None] if national else sorted(wanted, key=state_name)
    return [
        AreaCount(
            name="Nationally" if code is None else state_name(code),
            agreements=sum(by_model.get(code, {}).values()),
            agencies=agencies.get(code, 0),
            models=by_model.get(code, {}),
            pending=pending.get(code, 0),
        )
        for code in areas
    ]


def latest_list(session: Session) -> str | None:
    """ICE's latest participating list the tracker has read, as a reader says its date."""
    publication = session.scalars(
        select(Publication)
        .where(Publication.kind == "participating", Publication.status.in_(("applied", "baseline")))
        .order_by(Publication.id.desc())
        .limit(1)
    ).first()
    if publication is None:
        return None
    return publication_date({"publication": publication.stamp}) or human_date(publication.applied_at.date().isoformat())


def watched_states(states: frozenset[str]) -> str:
    if ALL_STATES in states:
        return "all states and territories"
    return _and(sorted(state_name(code) for code in states))


def watched_kinds(sub: SlackSubscription | EmailSubscription) -> str:
    return _and([EVENT_WORDS[e] for e in EVENT_WORDS if e in sub.events])


def welcome(session: Session, sub: SlackSubscription | EmailSubscription) -> Welcome:
    """What a destination is told when it is first seen, with today's counts for its states."""
    where = watched_states(sub.states)
    kinds = watched_kinds(sub)
    if isinstance(sub, EmailSubscription):
        if sub.cadence == "instant":
            how = "an email after each check that finds"
        else:
            how = f"a {sub.cadence} digest at {sub.hour}:00 ({sub.timezone}) when there are"
        lines = [f"You will get {how} changes in {where}: {kinds}."]
    else:
        lines = [f"This channel will hear about {kinds} in {where}, as ICE publishes them."]
    if sub.since:
        lines.append(f"It starts with the changes since {human_date(sub.since.isoformat())}.")
    else:
        lines.append("It starts now; earlier changes are not sent here.")
    listed = latest_list(session)
    heading = f"Today, from ICE's list of {listed}:" if listed else "The tracker has not read ICE's lists yet."
    counts = tuple(area.line() for area in area_counts(session, sub.states)) if listed else ()
    return Welcome(
        title=f"287(g) tracker is now watching {where}",
        lines=tuple(lines),
        counts_heading=heading,
        counts=counts,
    )


def slack_part(message: Welcome) -> SlackPart:
    """The welcome as one Slack message: a header, what it watches, and today's numbers."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": message.title[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": escape("\n".join(message.lines))}},
    ]
    if message.counts_heading:
        counts = "\n".join([f"*{escape(message.counts_heading)}*", *(f"• {escape(c)}" for c in message.counts)])
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": counts[:3000]}})
    return SlackPart(blocks=blocks, lines=[escape(message.text)])


def welcome_email(config: TrackerSettings, address: str, message: Welcome, key: str, now: dt.datetime,
                  links: MailLinks | None = None) -> EmailMessage:
    """The welcome as one email; `alert-test` sends its test message through the same template."""
    text, html = render("welcome", {"welcome": message, "footer": FOOTER, "title": message.title,
                                    "unsubscribe": sender_address(config), "links": links})
    return build_message(config, address, message.title, text, html, key=key, now=now, links=links)


def _now(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)


def _find(sender: SlackSender, channel: str, destination: Destination) -> str | None:
    """Whether an earlier, unconfirmed greeting arrived; a channel Slack cannot show counts as no."""
    try:
        return sender.find(channel, str(destination.welcome_batch), destination.first_seen_at, None)
    except SlackRefused:
        return None


def send_welcomes(
    config: TrackerSettings,
    session_factory: sessionmaker[Session],
    subs: Subscriptions,
    slack_for: Callable[[SlackSubscription], SlackSender],
    mail: MailTransport,
    now: dt.datetime,
) -> tuple[int, list[str]]:
    """Greet every destination not yet greeted, once; returns (greeted, errors).

    The batch id is recorded before sending, so after a crash a bot channel is asked whether
    the greeting arrived; a webhook or an address may, rarely, be greeted twice.
    """
    greeted, errors = 0, []
    with session_factory() as session:
        pending = {d.key: d for d in session.scalars(select(Destination).where(Destination.welcomed_at.is_(None)))}
        for watcher in watchers(subs):
            destination = pending.get(watcher.key)
            if destination is None:
                continue
            retry = destination.welcome_batch is not None
            if not retry:
                destination.welcome_batch = f"welcome{uuid.uuid4().hex[:24]}-0"
                session.commit()
            message = welcome(session, watcher.sub)
            try:
                if isinstance(watcher.sub, SlackSubscription):
                    sender = slack_for(watcher.sub)
                    channel = watcher.sub.name
                    found = None
                    if retry and sender.can_check:
                        found = _find(sender, channel, destination)
                    if not found:
                        sender.post(channel, slack_part(message), destination.welcome_batch, None)
                else:
                    address = str(watcher.address)
                    links = mail_links(session, config, address)
                    session.commit()
                    mail.send(welcome_email(config, address, message, f"welcome:{address}", now, links))
            except (SlackUnavailable, SlackRefused, MailUnavailable) as exc:
                errors.append(f"welcome to {watcher.label}: {exc}")
                continue
            destination.welcomed_at = _now(now)
            session.commit()
            greeted += 1
    return greeted, errors
