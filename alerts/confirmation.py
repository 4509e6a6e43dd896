"""The one email a sign-up gets before it is confirmed, and the reminder a confirmed address gets instead.

Both answer someone typing an address into the explorer's form; neither says to the person
at the form which one went out, so the form cannot be used to learn who is subscribed.
"""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage

from alerts.email import build_message, render
from alerts.email_content import FOOTER
from alerts.mail_links import MailLinks
from alerts.subscriptions import ALL_STATES
from alerts.welcome import watched_states
from settings import TrackerSettings

CADENCE_WORDS = {
    "instant": "an email after each check that finds changes",
    "daily": "a daily digest (7 a.m. US Eastern) when there are changes",
    "weekly": "a weekly digest (Mondays, 7 a.m. US Eastern) when there are changes",
}
IGNORE = "If you did not ask for this, ignore this email: nothing more will be sent to you."


def what_you_get(states: list[str] | tuple[str, ...], cadence: str) -> str:
    where = watched_states(frozenset(states or [ALL_STATES]))
    return f"You asked for {CADENCE_WORDS.get(cadence, cadence)} about 287(g) agreements in {where}."


def confirmation_email(config: TrackerSettings, address: str, url: str, states: list[str], cadence: str,
                       now: dt.datetime) -> EmailMessage:
    """Asks the address to confirm; nothing else is sent to it until it does."""
    title = "Confirm your 287(g) tracker alerts"
    lines = [what_you_get(states, cadence), "Nothing will be sent until you confirm. The link works for three days."]
    context = {"title": title, "lines": lines, "action": "Confirm my subscription", "url": url, "ignore": IGNORE,
               "footer": FOOTER, "links": None}
    text, html = render("confirm", context)
    key = f"confirm:{address.lower()}:{now.isoformat()}"
    return build_message(config, address, title, text, html, key=key, now=now, unsubscribe=False)


def reminder_email(config: TrackerSettings, address: str, links: MailLinks, states: list[str], cadence: str,
                   now: dt.datetime) -> EmailMessage:
    """For an address that is already confirmed and was typed into the form again: its manage link."""
    title = "You already get 287(g) tracker alerts"
    lines = ["Someone (perhaps you) asked to sign this address up again; it already gets alerts.",
             what_you_get(states, cadence)]
    context = {"title": title, "lines": lines, "action": "Change what I get", "url": links.manage,
               "ignore": "Nothing has changed. If this was not you, you need do nothing.", "footer": FOOTER,
               "links": links}
    text, html = render("confirm", context)
    key = f"reminder:{address.lower()}:{now.isoformat()}"
    return build_message(config, address, title, text, html, key=key, now=now, links=links)
