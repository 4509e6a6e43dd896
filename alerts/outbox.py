"""Delivering routed events at most once and at least once, through the `deliveries` table.

Every message goes through three committed steps: its rows are marked `sending` with a batch
id, the message is sent, and the rows are marked `sent` with Slack's ts (or the mail's
reference). A crash between the last two leaves rows in `sending`; before anything else, the
next run asks Slack (`conversations.history` / `conversations.replies`, matching the batch id
carried in each message's metadata) whether that message exists, and only resends when it
does not. Email cannot be asked; a resent email keeps the batch and thus its Message-ID.
Neither can an incoming webhook: a message whose delivery could not be confirmed is sent
again, saying so, because a possible repeat is a lesser harm than a possible loss.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TextIO

from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts.email import MailTransport, MailUnavailable
from alerts.email_content import compose
from alerts.event_text import EventRow, EventSummary, Links, summarize_rows
from alerts.first_reports import with_first_reports
from alerts.mail_links import mail_links
from alerts.slack import (
    SlackRefused,
    SlackUnavailable,
    find_posted,
    make_webhook_client,
    outbox_path,
    post,
    post_webhook,
    resolve_channel,
    webhook_problem,
    write_outbox,
)
from alerts.slack_blocks import SlackPart, plan_messages
from i18n import ENGLISH, N_, Language
from settings import TrackerSettings
from storage import subscribers
from storage.models import Delivery, Event, utcnow

log = logging.getLogger(__name__)
RECONCILE_SLACK_SECONDS = 600
INSTANT_TITLE = N_("287(g) tracker alert")


@dataclass
class DestinationResult:
    destination: str
    messages: int = 0
    sent: int = 0
    pending: int = 0
    error: str | None = None


class SlackSender(Protocol):
    threads: bool
    can_check: bool

    def post(self, channel: str, part: SlackPart, batch: str, thread_ref: str | None) -> str: ...

    def find(self, channel: str, batch: str, since: dt.datetime, thread_ref: str | None) -> str | None: ...


class ApiSender:
    """Posts through Slack's Web API; remembers channel IDs learnt from its own posts."""

    threads = True
    can_check = True

    def __init__(self, client: WebClient) -> None:
        self.client = client
        self.channel_ids: dict[str, str] = {}

    def post(self, channel: str, part: SlackPart, batch: str, thread_ref: str | None) -> str:
        posted = post(self.client, self.channel_ids.get(channel, channel), part, batch, thread_ref)
        self.channel_ids[channel] = posted.channel_id
        return posted.ts

    def find(self, channel: str, batch: str, since: dt.datetime, thread_ref: str | None) -> str | None:
        if channel not in self.channel_ids:
            self.channel_ids[channel] = resolve_channel(self.client, channel)
        oldest = since.replace(tzinfo=dt.UTC).timestamp() - RECONCILE_SLACK_SECONDS
        return find_posted(self.client, self.channel_ids[channel], batch, oldest, thread_ref)


class WebhookSender:
    """Posts through one incoming webhook, whose URL is in the variable `webhook_env` names."""

    threads = False
    can_check = False

    def __init__(self, config: TrackerSettings, webhook_env: str) -> None:
        self.name = webhook_env
        url = config.environment.get(webhook_env, "").strip()
        self.client = None
        self.problem: str | None = None  # why nothing can be posted through it, naming the variable
        if not url:
            self.problem = f"{webhook_env} is not set: put the webhook URL in the environment or .env"
        elif (wrong := webhook_problem(url)) is not None:
            self.problem = f"{webhook_env} {wrong}: fix it in the environment or .env"
        else:
            self.client = make_webhook_client(config, url)

    def post(self, channel: str, part: SlackPart, batch: str, thread_ref: str | None) -> str:
        if self.client is None:
            raise SlackRefused(str(self.problem))
        post_webhook(self.client, part)
        return f"webhook:{batch}"

    def find(self, channel: str, batch: str, since: dt.datetime, thread_ref: str | None) -> str | None:
        return None


class FileSender:
    """Writes what Slack would receive to the outbox folder, with a line on the console."""

    threads = True
    can_check = True

    def __init__(self, config: TrackerSettings, out: TextIO | None = None) -> None:
        self.outbox_dir = config.outbox_dir
        self.out = out or sys.stdout

    def post(self, channel: str, part: SlackPart, batch: str, thread_ref: str | None) -> str:
        path = write_outbox(self.outbox_dir, channel, part, batch, thread_ref)
        where = " (thread reply)" if thread_ref else ""
        count = len(part.seqs)
        what = f"{count} event{'s' if count != 1 else ''}" if count else "a message"
        print(f"slack {channel}{where} (outbox): {what} [{path}]", file=self.out)
        return f"outbox:{batch}"

    def find(self, channel: str, batch: str, since: dt.datetime, thread_ref: str | None) -> str | None:
        return f"outbox:{batch}" if outbox_path(self.outbox_dir, batch).exists() else None


def _open_rows(session: Session, destination: str) -> list[tuple[Delivery, EventRow]]:
    found = session.execute(
        select(Delivery, Event.payload, Event.agreement_id)
        .join(Event, Event.seq == Delivery.event_seq)
        .where(Delivery.destination == destination, Delivery.status.in_(("pending", "sending")))
        .order_by(Delivery.event_seq)
    ).all()
    events = with_first_reports(session, [EventRow(row.event_seq, payload, agreement_id)
                                          for row, payload, agreement_id in found])
    return [(row, event) for (row, _, _), event in zip(found, events, strict=True)]


def _mark(session: Session, rows: Sequence[Delivery], status: str, **values: object) -> None:
    now = utcnow()
    for row in rows:
        row.status = status
        row.updated_at = now
        for key, value in values.items():
            setattr(row, key, value)
    session.commit()


def _part_number(batch: str) -> int:
    tail = batch.rpartition("-")[2]
    return int(tail) if tail.isdigit() else 0


def _reconcile_slack(
    session: Session, destination: str, channel: str, sender: SlackSender, rows: Sequence[Delivery]
) -> int:
    """Settle rows left `sending` by a crash or a timeout: sent if Slack has them, else pending.

    Returns how many rows go out again without Slack having been able to say they were not posted.
    """
    unconfirmed = 0
    by_batch: dict[str, list[Delivery]] = defaultdict(list)
    for row in rows:
        if row.status == "sending":
            by_batch[row.batch or ""].append(row)
    for batch in sorted(by_batch, key=lambda b: (b.rpartition("-")[0], _part_number(b))):
        group = by_batch[batch]
        parent_ref = None
        if _part_number(batch) > 0:
            parent_ref = session.scalar(
                select(Delivery.external_ref).where(
                    Delivery.destination == destination,
                    Delivery.batch == f"{batch.rpartition('-')[0]}-0",
                    Delivery.status == "sent",
                )
            )
        found = None
        if batch and (parent_ref is not None or _part_number(batch) == 0 or not sender.threads):
            try:
                found = sender.find(channel, batch, min(r.updated_at for r in group), parent_ref)
            except SlackRefused as exc:
                # Without history access the only choices are a possible repeat or a possible loss;
                # a repeat is the lesser harm.
                log.warning("cannot check %s for batch %s (%s); sending again", channel, batch, exc)
        if found:
            _mark(session, group, "sent", external_ref=found, last_error=None)
        else:
            if not sender.can_check:
                unconfirmed += len(group)
            _mark(session, group, "pending", batch=None)
    return unconfirmed


REPEAT_NOTE = N_("Sent again: the last attempt may or may not have reached this channel, so some of this may "
                 "repeat.")


def deliver_slack(
    session_factory: sessionmaker[Session],
    destination: str,
    channel: str,
    sender: SlackSender,
    links: Links | None = None,
    lang: Language = ENGLISH,
) -> DestinationResult:
    """Send every open delivery of one channel as one message in its language (continued in its thread, or after
    it)."""
    result = DestinationResult(destination)
    with session_factory() as session:
        rows = _open_rows(session, destination)
        if not rows:
            return result
        try:
            unconfirmed = _reconcile_slack(session, destination, channel, sender, [row for row, _ in rows])
        except SlackUnavailable as exc:
            result.error = f"{channel}: {exc}"
            result.pending = len(rows)
            return result
        rows = [(row, event) for row, event in _open_rows(session, destination) if row.status == "pending"]
        by_seq = {row.event_seq: row for row, _ in rows}
        summaries = summarize_rows([event for _, event in rows], links or Links(), lang)
        run = uuid.uuid4().hex
        parent_ref: str | None = None
        note = lang.gettext(REPEAT_NOTE) if unconfirmed else None
        parts = plan_messages(summaries, threaded=sender.threads, note=note, lang=lang)
        for number, part in enumerate(parts):
            batch = f"{run}-{number}"
            part_rows = [by_seq[seq] for seq in part.seqs]
            for row in part_rows:
                row.attempts += 1
            _mark(session, part_rows, "sending", batch=batch)
            try:
                ref = sender.post(channel, part, batch, parent_ref)
            except SlackUnavailable as exc:
                # Slack may have posted it: leave `sending` for the next run to check.
                _mark(session, part_rows, "sending", last_error=str(exc))
                result.error = f"{channel}: {exc}"
                break
            except SlackRefused as exc:
                _mark(session, part_rows, "pending", batch=None, last_error=str(exc))
                result.error = f"{channel}: {exc}"
                break
            _mark(session, part_rows, "sent", external_ref=ref, last_error=None)
            result.messages += 1
            result.sent += len(part_rows)
            if number == 0 and sender.threads:
                parent_ref = ref
        result.pending = sum(1 for row, _ in rows if row.status != "sent")
    return result


def hold(session_factory: sessionmaker[Session], destination: str, channel: str, reason: str) -> DestinationResult:
    """Keep a destination's open deliveries untouched, to go out once it can be reached: nothing is tried."""
    result = DestinationResult(destination)
    with session_factory() as session:
        result.pending = len(_open_rows(session, destination))
    if result.pending:
        result.error = f"{channel}: {reason}"
    return result


def deliver_email(
    session_factory: sessionmaker[Session],
    config: TrackerSettings,
    destination: str,
    address: str,
    transport: MailTransport,
    now: dt.datetime,
    links: Links | None = None,
    lang: Language = ENGLISH,
) -> DestinationResult:
    """One email per batch of open deliveries to an instant subscriber, in its language."""
    result = DestinationResult(destination)
    with session_factory() as session:
        rows = _open_rows(session, destination)
        if not rows or subscribers.has_left(session, address):  # unsubscribed since this run began
            return result
        batches: dict[str, list[tuple[Delivery, EventRow]]] = defaultdict(list)
        fresh = uuid.uuid4().hex
        for row, event in rows:
            batches[row.batch if row.status == "sending" and row.batch else fresh].append((row, event))
        for batch, group in batches.items():
            group_rows = [row for row, _ in group]
            for row in group_rows:
                row.attempts += 1
            _mark(session, group_rows, "sending", batch=batch)
            summaries: list[EventSummary] = summarize_rows([event for _, event in group], links or Links(), lang)
            own_links = mail_links(session, config, address)
            session.commit()
            message = compose(config, address, lang.gettext(INSTANT_TITLE), summaries,
                              key=f"instant:{address}:{batch}", now=now, lang=lang, links=own_links)
            try:
                ref = transport.send(message)
            except MailUnavailable as exc:
                _mark(session, group_rows, "sending", last_error=str(exc))
                result.error = f"{address}: {exc}"
                break
            _mark(session, group_rows, "sent", external_ref=ref[:200], last_error=None)
            result.messages += 1
            result.sent += len(group_rows)
        result.pending = sum(1 for row, _ in rows if row.status != "sent")
    return result
