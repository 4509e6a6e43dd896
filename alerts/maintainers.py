"""Telling maintainers when something breaks and when it recovers, once each.

Problems are recorded by whoever notices them (`storage.problems`); this module announces
each one when it opens and when it closes, to `[maintainers]` in subscriptions.toml, or to
the console when nobody is named there. A notice counts as delivered once any maintainer
destination accepted it: a second destination being down must not repeat it everywhere.
"""

from __future__ import annotations

import datetime as dt
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from alerts.email import MailTransport, MailUnavailable, build_message, render
from alerts.outbox import SlackSender
from alerts.slack import SlackRefused, SlackUnavailable
from alerts.slack_blocks import SlackPart, escape
from alerts.subscriptions import Maintainers
from settings import TrackerSettings
from storage.models import Delivery, Problem
from storage.problems import close_problem, open_problem

FAILING_ATTEMPTS = 3
DELIVERY_PROBLEM = "delivery:"
WEBHOOK_PROBLEM = "webhook:"
NOTICES_PER_MESSAGE = 40


@dataclass(frozen=True)
class Notice:
    problem_id: int
    opening: bool
    line: str


def raise_delivery_problems(session: Session) -> None:
    """Open a problem for each destination whose deliveries keep failing; close it once they go out."""
    failing = session.execute(
        select(Delivery.destination, func.count(), func.max(Delivery.attempts), func.max(Delivery.last_error))
        .where(Delivery.status != "sent", Delivery.attempts >= FAILING_ATTEMPTS)
        .group_by(Delivery.destination)
    ).all()
    keys = set()
    for destination, count, attempts, error in failing:
        key = f"{DELIVERY_PROBLEM}{destination}"
        keys.add(key)
        reason = error or "unknown error"
        message = f"{count} change(s) for {destination} not delivered after {attempts} attempts: {reason}"
        open_problem(session, key, "alerts", message)
    for problem in session.scalars(
        select(Problem).where(Problem.closed_at.is_(None), Problem.key.startswith(DELIVERY_PROBLEM))
    ):
        if problem.key not in keys and problem.key != f"{DELIVERY_PROBLEM}email-digest":
            close_problem(session, problem.key)


def note_webhook_problems(session: Session, problems: dict[str, str | None]) -> None:
    """A webhook that cannot be used (its variable unset or not a web address) is one problem until fixed.

    Opened on the first run that finds it, so maintainers hear at once and once; its changes are
    held meanwhile, not tried, so no delivery problem repeats it. `problems` is keyed by the
    variable's name and never holds the URL.
    """
    for name, problem in problems.items():
        key = f"{WEBHOOK_PROBLEM}{name}"
        if problem:
            open_problem(session, key, "alerts", f"Slack webhook {problem}; its changes wait until it is fixed")
        else:
            close_problem(session, key)
    for problem in session.scalars(
        select(Problem).where(Problem.closed_at.is_(None), Problem.key.startswith(WEBHOOK_PROBLEM))
    ):
        if problem.key.removeprefix(WEBHOOK_PROBLEM) not in problems:
            close_problem(session, problem.key)  # no longer in the subscriptions file


def _when(moment: dt.datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "?"


def notices(problems: Sequence[Problem]) -> list[Notice]:
    """Pure: the announcements due for these problems, openings before recoveries."""
    found: list[Notice] = []
    for p in problems:
        if not p.alerted_open:
            found.append(Notice(p.id, True, f"PROBLEM [{p.source}] {p.message} (since {_when(p.opened_at)})"))
    for p in problems:
        if p.closed_at is not None and not p.alerted_close:
            found.append(Notice(p.id, False, f"RECOVERED [{p.source}] {p.key} at {_when(p.closed_at)}"))
    return found


def _slack_parts(items: Sequence[Notice]) -> list[SlackPart]:
    parts = []
    for start in range(0, len(items), NOTICES_PER_MESSAGE):
        chunk = items[start : start + NOTICES_PER_MESSAGE]
        blocks = [{"type": "header", "text": {"type": "plain_text", "text": "287(g) tracker: operations"}}]
        blocks += [{"type": "section", "text": {"type": "mrkdwn", "text": escape(n.line)[:3000]}} for n in chunk]
        parts.append(SlackPart(blocks=blocks, lines=[escape(n.line) for n in chunk]))
    return parts


def notify_maintainers(
    session_factory: sessionmaker[Session],
    config: TrackerSettings,
    maintainers: Maintainers,
    slack: SlackSender,
    mail: MailTransport,
    now: dt.datetime,
    out: TextIO | None = None,
) -> tuple[int, list[str]]:
    """Announce new and recovered problems; returns (notices delivered, errors)."""
    errors: list[str] = []
    with session_factory() as session:
        problems = list(
            session.scalars(
                select(Problem)
                .where(or_(Problem.alerted_open.is_(False), Problem.closed_at.is_not(None) & ~Problem.alerted_close))
                .order_by(Problem.opened_at, Problem.id)
            )
        )
        items = notices(problems)
        if not items:
            return 0, errors
        accepted = False
        if not maintainers.configured:
            for item in items:
                print(f"maintainers: {item.line}", file=out or sys.stdout)
            accepted = True
        if maintainers.slack_channel:
            try:
                for part in _slack_parts(items):
                    slack.post(maintainers.slack_channel, part, f"ops{uuid.uuid4().hex}-0", None)
                accepted = True
            except (SlackUnavailable, SlackRefused) as exc:
                errors.append(f"maintainers {maintainers.slack_channel}: {exc}")
        if maintainers.email:
            opened = sum(i.opening for i in items)
            title = f"287(g) tracker: {opened} problem(s), {len(items) - opened} recovered"
            text, html = render("maintainers", {"title": title, "notices": items})
            key = "ops:" + ",".join(f"{i.problem_id}{'o' if i.opening else 'c'}" for i in items)
            for address in maintainers.email:
                message = build_message(config, address, title, text, html, key + address, now, unsubscribe=False)
                try:
                    mail.send(message)
                    accepted = True
                except MailUnavailable as exc:
                    errors.append(f"maintainers {address}: {exc}")
        if not accepted:
            return 0, errors
        by_id = {p.id: p for p in problems}
        for item in items:
            if item.opening:
                by_id[item.problem_id].alerted_open = True
            else:
                by_id[item.problem_id].alerted_close = True
        session.commit()
        return len(items), errors
