"""The one call the cycle makes after storing events: route, send, tell maintainers, write feeds.

Safe to call any number of times: what went out is recorded and never sent again, what did
not stays pending for the next call. Slack or SMTP being down is counted in the report,
never raised; the caller decides the exit code.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import TextIO

from sqlalchemy.orm import Session, sessionmaker

from alerts import subscriptions as subscriptions_file
from alerts.destinations import email_key, note_destinations
from alerts.email import MailTransport
from alerts.event_text import Links
from alerts.feeds import write_feeds
from alerts.maintainers import note_webhook_problems, notify_maintainers, raise_delivery_problems
from alerts.outbox import (
    ApiSender,
    DestinationResult,
    FileSender,
    SlackSender,
    WebhookSender,
    deliver_email,
    deliver_slack,
    hold,
)
from alerts.routing import CONSOLE, Route, route_events
from alerts.signups import with_signups
from alerts.slack import make_client
from alerts.subscriptions import SlackSubscription, Subscriptions
from alerts.welcome import send_welcomes
from settings import TrackerSettings

log = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    """What one call delivered and what is still waiting (counted in events, not messages)."""

    routed: int = 0
    slack_messages: int = 0
    slack_sent: int = 0
    email_messages: int = 0
    email_sent: int = 0
    pending: int = 0
    welcomed: int = 0
    maintainer_notices: int = 0
    feeds_written: int = 0
    errors: list[str] = field(default_factory=list)
    slack_to_outbox: bool = False  # no SLACK_BOT_TOKEN: "delivered" means written to the outbox folder
    email_to_outbox: bool = False  # no SMTP_HOST: likewise, as .eml files

    @property
    def ok(self) -> bool:
        return not self.errors and self.pending == 0

    def __str__(self) -> str:
        parts = [f"{self.routed} new event{'s' if self.routed != 1 else ''} routed"]
        for what, messages, done, to_outbox in (("Slack", self.slack_messages, self.slack_sent, self.slack_to_outbox),
                                                 ("email", self.email_messages, self.email_sent, self.email_to_outbox)):
            if messages:
                verb = "written to the outbox (not sent)" if to_outbox else "sent"
                parts.append(f"{what}: {messages} message{'s' if messages != 1 else ''} with "
                             f"{done} change{'s' if done != 1 else ''} {verb}")
        if self.pending:
            parts.append(f"{self.pending} waiting to be retried")
        if self.maintainer_notices:
            parts.append(f"{self.maintainer_notices} maintainer notices")
        parts.append(f"{self.feeds_written} feeds written")
        if self.errors:
            parts.append(f"{len(self.errors)} errors: {self.errors[0]}")
        return "; ".join(parts)

    def add(self, result: DestinationResult, kind: str) -> None:
        if kind == "slack":
            self.slack_messages += result.messages
            self.slack_sent += result.sent
        else:
            self.email_messages += result.messages
            self.email_sent += result.sent
        self.pending += result.pending
        if result.error:
            self.errors.append(result.error)


def as_utc(now: dt.datetime | None) -> dt.datetime:
    """Aware UTC; a naive time is taken as UTC, like every time in the store."""
    if now is None:
        return dt.datetime.now(dt.UTC)
    return now.replace(tzinfo=dt.UTC) if now.tzinfo is None else now.astimezone(dt.UTC)


def routes_for(subs: Subscriptions) -> list[Route]:
    routes = [Route(sub.destination, sub.wants) for sub in subs.slack]
    for sub in subs.email:
        if sub.cadence == "instant":
            routes += [Route(email_key(address), sub.wants, sub.start_seq or 0) for address in sub.to]
    if subs.empty:
        console = SlackSubscription(channel="console", states=frozenset({"*"}),
                                    events=frozenset(subscriptions_file.DEFAULT_SLACK_EVENTS))
        routes.append(Route(CONSOLE, console.wants))
    return routes


def slack_sender(config: TrackerSettings, out: TextIO | None = None) -> SlackSender:
    if config.slack_bot_token:
        return ApiSender(make_client(config))
    return FileSender(config, out)


class SlackSenders:
    """The bot's sender (shared by every channel) and one sender per incoming webhook."""

    def __init__(self, config: TrackerSettings, out: TextIO | None = None) -> None:
        self.config = config
        self.bot = slack_sender(config, out)
        self.webhooks: dict[str, WebhookSender] = {}

    def __call__(self, sub: SlackSubscription) -> SlackSender:
        if not sub.webhook_env:
            return self.bot
        if sub.webhook_env not in self.webhooks:
            self.webhooks[sub.webhook_env] = WebhookSender(self.config, sub.webhook_env)
        return self.webhooks[sub.webhook_env]


def deliver_all(
    config: TrackerSettings,
    session_factory: sessionmaker[Session],
    now: dt.datetime | None = None,
    subs: Subscriptions | None = None,
    out: TextIO | None = None,
) -> DeliveryReport:
    """Deliver everything pending: Slack, instant email, maintainer alerts, then the feeds."""
    moment = as_utc(now)
    subs = subs if subs is not None else subscriptions_file.load(config.subscriptions_file)
    report = DeliveryReport()
    links = Links.of(config)
    with session_factory() as session:
        subs = with_signups(session, subs)
        note_destinations(session, subs, moment)
        report.routed = route_events(session, routes_for(subs), moment.replace(tzinfo=None))
        session.commit()

    senders = SlackSenders(config, out)
    # Without a bot token (and no webhook), "delivered" means written to the outbox folder.
    report.slack_to_outbox = not config.slack_bot_token and not any(s.webhook_env for s in subs.slack)
    with MailTransport(config, out) as mail:
        report.email_to_outbox = mail.to_outbox
        report.welcomed, errors = send_welcomes(config, session_factory, subs, senders, mail, moment)
        report.errors += errors
        for sub in subs.slack:
            sender = senders(sub)
            if isinstance(sender, WebhookSender) and sender.problem:
                report.add(hold(session_factory, sub.destination, sub.name, sender.problem), "slack")
                continue
            report.add(deliver_slack(session_factory, sub.destination, sub.name, sender, links, sub.lang), "slack")
        if subs.empty:
            report.add(deliver_slack(session_factory, CONSOLE, "console", FileSender(config, out), links), "slack")

        for sub in subs.email:
            if sub.cadence != "instant":
                continue
            for address in sub.to:
                result = deliver_email(session_factory, config, email_key(address), address, mail, moment, links,
                                       sub.lang)
                report.add(result, "email")

        with session_factory() as session:
            raise_delivery_problems(session)
            note_webhook_problems(session, {name: hook.problem for name, hook in senders.webhooks.items()})
            session.commit()
        notified, errors = notify_maintainers(session_factory, config, subs.maintainers, senders.bot, mail, moment, out)
        report.maintainer_notices = notified
        report.errors += errors

    try:
        with session_factory() as session:
            report.feeds_written = write_feeds(session, config.feeds_dir, moment, links)
    except OSError as exc:
        report.errors.append(f"feeds: {exc}")
    for error in report.errors:
        log.warning("alert delivery: %s", error)
    return report
