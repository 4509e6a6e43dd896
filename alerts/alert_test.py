"""`scheduler.py alert-test [--to DESTINATION]`: prove each destination works before news depends on it.

Sends a short, clearly labelled test message to every Slack destination (bot channels,
incoming webhooks, the maintainers' channel) and every email address, or to the one named,
and reports each result on its own line. Nothing is recorded: a test message is not news.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from alerts.deliver import SlackSenders, as_utc
from alerts.email import MailTransport, MailUnavailable
from alerts.event_text import human_date
from alerts.outbox import FileSender
from alerts.slack import SlackRefused, SlackUnavailable
from alerts.subscriptions import EmailSubscription, SlackSubscription, Subscriptions, address_problem
from alerts.welcome import Welcome, slack_part, watched_kinds, watched_states, welcome_email
from errors import UserError
from i18n import ENGLISH, N_, Language
from settings import TrackerSettings

TITLE = N_("287(g) tracker: test message")
TO_OUTBOX = "written to the outbox (not sent)"
OPS_LINE = "This channel gets the tracker's operational alerts: failed crawls, refused publications, stale sources."


@dataclass(frozen=True)
class Target:
    kind: str  # "slack" or "email"
    label: str
    what: str
    send: Callable[[Welcome], str]
    lang: Language = ENGLISH


@dataclass(frozen=True)
class Outcome:
    target: Target
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok' if self.ok else 'FAILED':<7} {self.target.kind} {self.target.label}: {self.detail}"

    @property
    def to_outbox(self) -> bool:
        return self.ok and self.detail.startswith(TO_OUTBOX)


def _message(what: str, now: dt.datetime, lang: Language = ENGLISH) -> Welcome:
    return Welcome(
        title=lang.gettext(TITLE),
        lines=(
            lang.gettext("This is a test from `python scheduler.py alert-test`: nothing changed on ICE's lists."),
            what,
            lang.gettext("Sent %(date)s at %(time)s UTC.") % {
                "date": human_date(now.date().isoformat(), lang), "time": f"{now:%H:%M}"},
        ),
        counts_heading="",
        counts=(),
    )


def _interest(sub) -> str:
    return sub.lang.gettext("%(kinds)s in %(where)s") % {"kinds": watched_kinds(sub),
                                                        "where": watched_states(sub.states, sub.lang)}


def targets(config: TrackerSettings, subs: Subscriptions, quiet: TextIO, mail: MailTransport) -> list[Target]:
    """Every destination of the subscriptions file, maintainers included, in file order."""
    senders = SlackSenders(config, quiet)
    found: list[Target] = []

    def slack(label: str, what: str, channel: str, sub: SlackSubscription | None) -> Target:
        lang = sub.lang if sub is not None else ENGLISH
        sender = senders(sub) if sub is not None else senders.bot

        def send(message: Welcome) -> str:
            ref = sender.post(channel, slack_part(message), f"test{uuid.uuid4().hex[:24]}-0", None)
            if isinstance(sender, FileSender):
                return f"{TO_OUTBOX}: SLACK_BOT_TOKEN is not set"
            return "posted" if not ref.startswith("webhook:") else "posted through the webhook"

        return Target("slack", label, what, send, lang)

    for sub in subs.slack:
        label = f"{sub.name} (webhook)" if sub.webhook_env else sub.name
        what = sub.lang.gettext("This channel is set up for %(interest)s.") % {"interest": _interest(sub)}
        found.append(slack(label, what, sub.name, sub))
    if subs.maintainers.slack_channel:
        channel = subs.maintainers.slack_channel
        found.append(slack(f"{channel} (maintainers)", OPS_LINE, channel, None))

    def email(address: str, what: str, lang: Language = ENGLISH) -> Target:
        def send(message: Welcome) -> str:
            key = f"test:{address}:{uuid.uuid4().hex}"
            mail.send(welcome_email(config, address, message, key, dt.datetime.now(dt.UTC), lang))
            if mail.to_outbox:
                return f"{TO_OUTBOX} as .eml: SMTP_HOST is not set"
            return f"accepted by {config.smtp_host}"

        return Target("email", address, what, send, lang)

    for sub in subs.email:
        found += [email(address, _email_interest(sub), sub.lang) for address in sub.to]
    for address in subs.maintainers.email:
        found.append(email(address, OPS_LINE.replace("This channel gets", "This address gets")))
    return found


def _email_interest(sub: EmailSubscription) -> str:
    how = {"instant": N_("This address is set up for instant emails about %(interest)s."),
           "daily": N_("This address is set up for a daily digest about %(interest)s."),
           "weekly": N_("This address is set up for a weekly digest about %(interest)s.")}[sub.cadence]
    return sub.lang.gettext(how) % {"interest": _interest(sub)}


def _matches(target: Target, wanted: str) -> bool:
    name = target.label.split(" (")[0]
    if target.kind == "email":
        return name.lower() == wanted.strip().lower()
    return name.lstrip("#") == wanted.strip().lstrip("#")


def alert_test(
    config: TrackerSettings, subs: Subscriptions, to: str | None = None, now: dt.datetime | None = None
) -> list[Outcome]:
    """Send the test message; one outcome per destination. Raises UserError when nothing matches."""
    moment = as_utc(now)
    if to is not None and "@" in to and (problem := address_problem(to.strip())) is not None:
        raise UserError(f"--to {to!r} is not an email address: {problem}")
    quiet = io.StringIO()
    with MailTransport(config, quiet) as mail:
        every = targets(config, subs, quiet, mail)
        if not every:
            raise UserError(f"{config.subscriptions_file} names no Slack destination or email subscriber to test")
        chosen = every if to is None else [t for t in every if _matches(t, to)]
        if not chosen:
            names = ", ".join(t.label.split(" (")[0] for t in every)
            raise UserError(f"{to} is not in {config.subscriptions_file.name} (destinations: {names})")
        outcomes = []
        for target in chosen:
            try:
                detail = target.send(_message(target.what, moment, target.lang))
            except (SlackUnavailable, SlackRefused, MailUnavailable) as exc:
                outcomes.append(Outcome(target, False, str(exc)))
                continue
            outcomes.append(Outcome(target, True, detail))
    return outcomes
