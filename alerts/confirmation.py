"""The one email a sign-up gets before it is confirmed, and the reminder a confirmed address gets instead.

Both answer someone typing an address into the explorer's form; neither says to the person
at the form which one went out, so the form cannot be used to learn who is subscribed. Both
speak the language the form was filled in with.
"""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage

from alerts.email import build_message, render
from alerts.email_content import FOOTER
from alerts.mail_links import MailLinks
from alerts.subscriptions import ALL_STATES
from alerts.welcome import watched_states
from i18n import ENGLISH, Language
from settings import TrackerSettings


def what_you_get(states: list[str] | tuple[str, ...], cadence: str, lang: Language = ENGLISH) -> str:
    """`You asked for a daily digest (…) about 287(g) agreements in Florida.`"""
    words = {"where": watched_states(frozenset(states or [ALL_STATES]), lang)}
    if cadence == "instant":
        return lang.gettext("You asked for an email after each check that finds changes about 287(g) agreements "
                            "in %(where)s.") % words
    if cadence == "weekly":
        return lang.gettext("You asked for a weekly digest (Mondays, 7 a.m. US Eastern) when there are changes "
                            "about 287(g) agreements in %(where)s.") % words
    return lang.gettext("You asked for a daily digest (7 a.m. US Eastern) when there are changes about 287(g) "
                        "agreements in %(where)s.") % words


def confirmation_email(config: TrackerSettings, address: str, url: str, states: list[str], cadence: str,
                       now: dt.datetime, lang: Language = ENGLISH) -> EmailMessage:
    """Asks the address to confirm; nothing else is sent to it until it does."""
    title = lang.gettext("Confirm your 287(g) tracker alerts")
    lines = [what_you_get(states, cadence, lang),
             lang.gettext("Nothing will be sent until you confirm. The link works for three days.")]
    context = {"title": title, "lines": lines, "action": lang.gettext("Confirm my subscription"), "url": url,
               "ignore": lang.gettext("If you did not ask for this, ignore this email: nothing more will be sent "
                                      "to you."),
               "footer": lang.gettext(FOOTER), "links": None}
    text, html = render("confirm", context, lang.code)
    key = f"confirm:{address.lower()}:{now.isoformat()}"
    return build_message(config, address, title, text, html, key=key, now=now, unsubscribe=False)


def reminder_email(config: TrackerSettings, address: str, links: MailLinks, states: list[str], cadence: str,
                   now: dt.datetime, lang: Language = ENGLISH) -> EmailMessage:
    """For an address that is already confirmed and was typed into the form again: its manage link."""
    title = lang.gettext("You already get 287(g) tracker alerts")
    lines = [lang.gettext("Someone (perhaps you) asked to sign this address up again; it already gets alerts."),
             what_you_get(states, cadence, lang)]
    context = {"title": title, "lines": lines, "action": lang.gettext("Change what I get"), "url": links.manage,
               "ignore": lang.gettext("Nothing has changed. If this was not you, you need do nothing."),
               "footer": lang.gettext(FOOTER), "links": links}
    text, html = render("confirm", context, lang.code)
    key = f"reminder:{address.lower()}:{now.isoformat()}"
    return build_message(config, address, title, text, html, key=key, now=now, links=links)
