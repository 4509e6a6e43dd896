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

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts.destinations import watchers
from alerts.email import MailTransport, MailUnavailable, build_message, render, sender_address
from alerts.email_content import FOOTER, models_text
from alerts.event_text import human_date, publication_date, state_label
from alerts.mail_links import MailLinks, mail_links
from alerts.outbox import SlackSender
from alerts.slack import SlackRefused, SlackUnavailable
from alerts.slack_blocks import SlackPart, escape
from alerts.subscriptions import ALL_STATES, EmailSubscription, SlackSubscription, Subscriptions
from i18n import ENGLISH, N_, Language
from settings import TrackerSettings
from storage.models import Destination
from storage.summary import end_of, last_published, list_stamp, summary

EVENT_WORDS = {
    "agreement_added": N_("new agreements"),
    "pending_added": N_("new pending requests"),
    "pending_removed": N_("withdrawn pending requests"),
    "moa_published": N_("MOAs published"),
    "addendum_published": N_("addenda published"),
    "moa_changed": N_("MOAs changed"),
    "agreement_removed": N_("agreements removed"),
    "agreement_changed": N_("corrections to agreements"),
    "local_signal": N_("local government signals"),
}


@dataclass(frozen=True)
class AreaCount:
    """Active agreements (and distinct agencies, per model) and pending requests in one area."""

    name: str
    agreements: int
    agencies: int
    models: dict[str, int]
    pending: int
    pending_last_published: str | None = None  # set when ICE's page no longer links a pending list
    lang: Language = ENGLISH

    def line(self) -> str:
        lang = self.lang
        if not self.agreements and not self.pending:
            return lang.gettext("%(name)s: no agreements or pending requests on ICE's lists") % {"name": self.name}
        agreements = lang.ngettext("%(count)s agreement", "%(count)s agreements", self.agreements) % {
            "count": lang.number(self.agreements)}
        agencies = lang.ngettext("%(count)s agency", "%(count)s agencies", self.agencies) % {
            "count": lang.number(self.agencies)}
        models = models_text(self.models, lang)
        pending = lang.ngettext("%(count)s pending request", "%(count)s pending requests", self.pending) % {
            "count": lang.number(self.pending)}
        if self.pending_last_published:
            pending = lang.gettext("%(pending)s on ICE's last pending list, of %(date)s (no longer published)") % {
                "pending": pending, "date": self.pending_last_published}
        models_part = f" — {models}" if models else ""
        return lang.gettext("%(name)s: %(agreements)s with %(agencies)s%(models)s; %(pending)s") % {
            "name": self.name, "agreements": agreements, "agencies": agencies, "models": models_part,
            "pending": pending}


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


def _and(items: list[str], lang: Language = ENGLISH) -> str:
    if len(items) == 1:
        return items[0]
    return lang.gettext("%(items)s and %(last)s") % {"items": ", ".join(items[:-1]), "last": items[-1]}


def area_counts(session: Session, states: Iterable[str], today: dt.date,
                lang: Language = ENGLISH) -> list[AreaCount]:
    """Today's counts per watched state, or nationally when every state is watched.

    The same counts as `summary` and the explorer (one agency count, one rule for agreements
    ICE's latest list left out), taken at the latest list when the store runs ahead of the clock.
    """
    day = count_day(session, today)
    agreements = summary(session, day)
    pending = summary(session, day, list_kind="pending")
    wanted = sorted(set(states))
    gone = pending.get("last_published") if pending.get("stale") else None
    if ALL_STATES in wanted:
        return [AreaCount(lang.gettext("Nationally"), agreements["agreements"], agreements["agencies"],
                          {m: n for m, n in agreements["models"].items() if n}, pending["agreements"], gone, lang)]
    counts = []
    for code in sorted(wanted, key=lambda c: state_label(c, lang)):
        here = agreements["states"].get(code, {})
        counts.append(AreaCount(state_label(code, lang), here.get("agreements", 0), here.get("agencies", 0),
                                {m: n for m, n in here.get("models", {}).items() if n},
                                pending["states"].get(code, {}).get("agreements", 0), gone, lang))
    return counts


def count_day(session: Session, today: dt.date) -> dt.date:
    """The day counts are taken for: today, or the latest list's day when the store runs ahead of the clock."""
    return max(today, last_published(session) or today)


def latest_list(session: Session, today: dt.date, lang: Language = ENGLISH) -> str | None:
    """ICE's list behind today's counts (the newest one applied), as a reader says its date."""
    stamp = list_stamp(session, "participating", end_of(count_day(session, today)))
    return publication_date({"publication": stamp}, lang) if stamp else None


def watched_states(states: frozenset[str], lang: Language = ENGLISH) -> str:
    if ALL_STATES in states:
        return lang.gettext("all states and territories")
    return _and(sorted(state_label(code, lang) for code in states), lang)


def watched_kinds(sub: SlackSubscription | EmailSubscription) -> str:
    return _and([sub.lang.gettext(EVENT_WORDS[e]) for e in EVENT_WORDS if e in sub.events], sub.lang)


def _how(sub: SlackSubscription | EmailSubscription, where: str, kinds: str) -> str:
    lang = sub.lang
    words = {"where": where, "kinds": kinds}
    if isinstance(sub, SlackSubscription):
        return lang.gettext("This channel will hear about %(kinds)s in %(where)s, as ICE publishes them.") % words
    words.update(hour=sub.hour, timezone=sub.timezone)
    if sub.cadence == "instant":
        return lang.gettext("You will get an email after each check that finds changes in %(where)s: %(kinds)s.") \
            % words
    if sub.cadence == "weekly":
        return lang.gettext("You will get a weekly digest at %(hour)s:00 (%(timezone)s) when there are changes in "
                            "%(where)s: %(kinds)s.") % words
    return lang.gettext("You will get a daily digest at %(hour)s:00 (%(timezone)s) when there are changes in "
                        "%(where)s: %(kinds)s.") % words


def welcome(session: Session, sub: SlackSubscription | EmailSubscription, today: dt.date) -> Welcome:
    """What a destination is told when it is first seen, in its language, with today's counts for its states."""
    lang = sub.lang
    where = watched_states(sub.states, lang)
    lines = [_how(sub, where, watched_kinds(sub))]
    if sub.since:
        lines.append(lang.gettext("It starts with the changes since %(date)s.") % {
            "date": human_date(sub.since.isoformat(), lang)})
    else:
        lines.append(lang.gettext("It starts now; earlier changes are not sent here."))
    listed = latest_list(session, today, lang)
    heading = (lang.gettext("Today, from ICE's list of %(date)s:") % {"date": listed} if listed
               else lang.gettext("The tracker has not read ICE's lists yet."))
    counts = tuple(area.line() for area in area_counts(session, sub.states, today, lang)) if listed else ()
    return Welcome(
        title=lang.gettext("287(g) tracker is now watching %(where)s") % {"where": where},
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
                  lang: Language = ENGLISH, links: MailLinks | None = None) -> EmailMessage:
    """The welcome as one email; `alert-test` sends its test message through the same template."""
    text, html = render("welcome", {"welcome": message, "footer": lang.gettext(FOOTER), "title": message.title,
                                    "unsubscribe": sender_address(config), "links": links}, lang.code)
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
            message = welcome(session, watcher.sub, now.date())
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
                    mail.send(welcome_email(config, address, message, f"welcome:{address}", now,
                                            watcher.sub.lang, links))
            except (SlackUnavailable, SlackRefused, MailUnavailable) as exc:
                errors.append(f"welcome to {watcher.label}: {exc}")
                continue
            destination.welcomed_at = _now(now)
            session.commit()
            greeted += 1
    return greeted, errors
