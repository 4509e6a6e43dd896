"""Talking to Slack: posting a planned message and finding out later whether it arrived.

Each message carries the tracker's batch id in Slack's message `metadata`, so after a crash
(or a timeout, where Slack may or may not have posted) `conversations.history` tells us
whether the message exists before anything is sent again. Without a bot token the same
payloads are written as JSON files to the outbox folder instead.

Incoming webhooks (the URL an organizer can get without installing a bot) can only post:
no threads, no history. They go through slack-sdk's WebhookClient with the same retries.
A webhook's URL is its secret: it is never printed or logged (the variable that holds it is
named instead), and slack-sdk's clients get a logger that keeps nothing, since they log
request URLs and headers.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.webhook import WebhookClient

from alerts.slack_blocks import SlackPart
from settings import TrackerSettings
from storage.atomic_write import write_atomically

METADATA_EVENT = "tracker_alert_batch"
DEFAULT_TIMEOUT = 30
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")
HISTORY_PAGES = 5


class SlackUnavailable(Exception):
    """Slack did not answer usefully; the message may or may not have been posted."""


class SlackRefused(Exception):
    """Slack answered that it did not post the message (bad channel, token, payload...)."""


@dataclass(frozen=True)
class Posted:
    channel_id: str
    ts: str


def _retry_handlers() -> list:
    return [
        RateLimitErrorRetryHandler(max_retry_count=3),
        ConnectionErrorRetryHandler(max_retry_count=2),
        ServerErrorRetryHandler(max_retry_count=2),
    ]


def _timeout(config: TrackerSettings) -> int:
    return int(config.extra.get("SLACK_TIMEOUT", DEFAULT_TIMEOUT))


def _silent_logger() -> logging.Logger:
    """A logger for slack-sdk's clients that neither prints nor hands records to the root logger."""
    silent = logging.getLogger("alerts.slack.sdk")
    silent.propagate = False
    silent.disabled = True
    return silent


def make_client(config: TrackerSettings) -> WebClient:
    """A WebClient that waits out 429s and retries brief connection and server errors."""
    return WebClient(
        token=config.slack_bot_token,
        base_url=config.slack_api_url,
        timeout=_timeout(config),
        retry_handlers=_retry_handlers(),
        logger=_silent_logger(),
    )


def webhook_problem(url: str) -> str | None:
    """What is wrong with a webhook URL, in words that do not quote it; None when it is a web address."""
    try:
        parsed = urlsplit(url)
        host = parsed.hostname
    except ValueError:
        parsed, host = None, None
    if parsed is None or parsed.scheme.lower() not in ("http", "https") or not host or not url.isprintable() \
            or " " in url:
        return "does not hold a web address (an incoming webhook's URL starts with https://hooks.slack.com/)"
    return None


def make_webhook_client(config: TrackerSettings, url: str) -> WebhookClient:
    """A WebhookClient for one incoming webhook, with the same patience as the bot's client."""
    return WebhookClient(url, timeout=_timeout(config), retry_handlers=_retry_handlers(), logger=_silent_logger())


def _without_url(text: str, url: str) -> str:
    path = urlsplit(url).path
    text = text.replace(url, "<webhook URL>")
    return text.replace(path, "<webhook path>") if len(path) > 1 else text


def post_webhook(client: WebhookClient, part: SlackPart) -> None:
    """Post one planned message through an incoming webhook; Slack answers `ok` and nothing more."""
    try:
        response = client.send(text=part.text, blocks=part.blocks, unfurl_links=False, unfurl_media=False)
    except (OSError, ValueError) as exc:
        reason = _without_url(f"{exc.__class__.__name__}: {exc}", client.url)
        raise SlackUnavailable(f"Slack unreachable: {reason}") from None
    except SlackClientError as exc:
        raise SlackRefused(f"Slack refused the webhook: {_without_url(str(exc), client.url)}") from None
    if response.status_code == 200:
        return
    if response.status_code >= 500 or response.status_code == 429:
        raise SlackUnavailable(f"Slack answered HTTP {response.status_code}")
    reason = (response.body or "").strip()[:200] or f"HTTP {response.status_code}"
    raise SlackRefused(f"Slack refused the webhook: {reason}")


def metadata(batch: str) -> dict[str, Any]:
    return {"event_type": METADATA_EVENT, "event_payload": {"batch": batch}}


def _call(function, **kwargs):
    try:
        return function(**kwargs)
    except SlackApiError as exc:
        status = getattr(exc.response, "status_code", 200)
        error = exc.response.get("error") if exc.response is not None else None
        if status >= 500 or status == 429:
            raise SlackUnavailable(f"Slack answered HTTP {status}") from None
        raise SlackRefused(f"Slack refused: {error or f'HTTP {status}'}") from None
    except (OSError, ValueError) as exc:
        raise SlackUnavailable(f"Slack unreachable: {exc.__class__.__name__}: {exc}") from None
    except SlackClientError as exc:  # e.g. SLACK_API_URL is not a web address
        raise SlackRefused(f"Slack refused: {exc}") from None


def post(client: WebClient, channel: str, part: SlackPart, batch: str, thread_ts: str | None) -> Posted:
    """Post one planned message (a thread reply when `thread_ts` is given)."""
    response = _call(
        client.chat_postMessage,
        channel=channel,
        text=part.text,
        blocks=part.blocks,
        thread_ts=thread_ts,
        metadata=metadata(batch),
        unfurl_links=False,
        unfurl_media=False,
    )
    return Posted(channel_id=str(response.get("channel") or channel), ts=str(response["ts"]))


def resolve_channel(client: WebClient, channel: str) -> str:
    """The channel's ID, which `conversations.history` needs; names are looked up."""
    if CHANNEL_ID.match(channel):
        return channel
    wanted = channel.lstrip("#")
    cursor = None
    while True:
        response = _call(
            client.conversations_list,
            types="public_channel,private_channel",
            exclude_archived=True,
            limit=1000,
            cursor=cursor,
        )
        for found in response.get("channels", []):
            if found.get("name") == wanted:
                return str(found["id"])
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            raise SlackRefused(f"channel {channel} not found (is the bot a member?)")


def _carries(message: dict[str, Any], batch: str) -> bool:
    meta = message.get("metadata") or {}
    return meta.get("event_type") == METADATA_EVENT and (meta.get("event_payload") or {}).get("batch") == batch


def find_posted(
    client: WebClient, channel_id: str, batch: str, oldest: float, thread_ts: str | None = None
) -> str | None:
    """The ts of the message carrying `batch`, or None when Slack has no such message."""
    cursor = None
    for _ in range(HISTORY_PAGES):
        if thread_ts:
            response = _call(
                client.conversations_replies,
                channel=channel_id,
                ts=thread_ts,
                oldest=f"{oldest:.6f}",
                include_all_metadata=True,
                limit=200,
                cursor=cursor,
            )
        else:
            response = _call(
                client.conversations_history,
                channel=channel_id,
                oldest=f"{oldest:.6f}",
                include_all_metadata=True,
                limit=200,
                cursor=cursor,
            )
        for message in response.get("messages", []):
            if _carries(message, batch):
                return str(message["ts"])
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None
    return None


def outbox_path(outbox_dir: Path, batch: str) -> Path:
    return outbox_dir / "slack" / f"{batch}.json"


def write_outbox(outbox_dir: Path, channel: str, part: SlackPart, batch: str, thread_of: str | None) -> Path:
    """Write the payload Slack would have received; same batch, same file, so a rerun overwrites."""
    path = outbox_path(outbox_dir, batch)
    payload = {
        "channel": channel,
        "thread_of": thread_of,
        "text": part.text,
        "blocks": part.blocks,
        "metadata": metadata(batch),
    }
    write_atomically(path, json.dumps(payload, ensure_ascii=False, indent=2).encode("utf-8"))
    return path
