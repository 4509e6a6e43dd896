"""Real servers for the alert tests: an SMTP server (aiosmtpd) and a stand-in for Slack's Web API.

The Slack stand-in speaks enough of the Web API for slack-sdk (chat.postMessage,
conversations.history/replies/list) and of incoming webhooks (`/services/...`, what
slack-sdk's WebhookClient posts to), records every call, and can be told to answer 429 with
Retry-After, 500, or to hang. The `slack_server` and `smtp_server` fixtures (conftest) run them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from settings import TrackerSettings
from storage.db import connect
from storage.models import Agreement, AgreementVersion, Event, Publication

TOKEN = "xoxb-test-token"


@dataclass
class Fault:
    status: int | None = None
    retry_after: int | None = None
    hang: bool = False


@dataclass
class SlackStandIn:
    """Channels, messages and the calls made, as a real workspace would keep them."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=dict)
    faults: dict[str, deque[Fault]] = field(default_factory=dict)
    hooks: dict[str, str] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))

    def fail(self, method: str, status: int, times: int = 1, retry_after: int | None = None) -> None:
        self.faults.setdefault(method, deque()).extend(Fault(status, retry_after) for _ in range(times))

    def hang(self, method: str, times: int = 1) -> None:
        self.faults.setdefault(method, deque()).extend(Fault(hang=True) for _ in range(times))

    def heal(self) -> None:
        self.faults.clear()

    def forget(self) -> None:
        """Forget the messages and calls so far (a test's set-up), keeping channels and webhooks."""
        with self.lock:
            self.calls.clear()
            self.messages.clear()

    def webhook(self, channel: str) -> str:
        """An incoming webhook's URL that posts into `channel`, as Slack hands one to an organizer."""
        secret = uuid.uuid4().hex[:24]
        self.hooks[secret] = self.channel_id(channel)
        return self.url.replace("/api/", f"/services/T0000TEST/B{len(self.hooks):08d}/{secret}")

    def channel_id(self, name: str) -> str:
        if name.startswith("C") and name in self.channels.values():
            return name
        return self.channels.setdefault(name.lstrip("#"), f"C{len(self.channels) + 1:08d}")

    def posts(self, channel: str) -> list[dict[str, Any]]:
        """Top-level messages in a channel, oldest first."""
        return [m for m in self.messages.get(self.channel_id(channel), []) if not m.get("thread_ts")]

    def replies(self, channel: str, ts: str) -> list[dict[str, Any]]:
        return [m for m in self.messages.get(self.channel_id(channel), []) if m.get("thread_ts") == ts]

    def all_messages(self, channel: str) -> list[dict[str, Any]]:
        return list(self.messages.get(self.channel_id(channel), []))

    def method_calls(self, method: str) -> list[dict[str, Any]]:
        return [args for name, args in self.calls if name == method]

    # --- the Web API ---

    def answer(self, method: str, args: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self.lock:
            self.calls.append((method, args))
            queue = self.faults.get(method)
            fault = queue.popleft() if queue else None
        if fault is not None and fault.hang:
            self.release.wait(30)
            return 500, {"ok": False, "error": "hung"}, {}
        if fault is not None:
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            error = "ratelimited" if fault.status == 429 else "internal_error"
            return fault.status or 500, {"ok": False, "error": error}, headers
        with self.lock:
            handler = getattr(self, "api_" + method.replace(".", "_"), None)
            if handler is None:
                return 200, {"ok": False, "error": "unknown_method"}, {}
            return 200, handler(args), {}

    def post_webhook(self, secret: str, body: dict[str, Any]) -> tuple[int, str, dict[str, str]]:
        """An incoming webhook answers `ok` in plain text, or a short error word."""
        with self.lock:
            self.calls.append(("webhook", body))
            queue = self.faults.get("webhook")
            fault = queue.popleft() if queue else None
        if fault is not None and fault.hang:
            self.release.wait(30)
            return 500, "hung", {}
        if fault is not None:
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            return fault.status or 500, "rate_limited" if fault.status == 429 else "internal_error", headers
        with self.lock:
            channel = self.hooks.get(secret)
            if channel is None:
                return 404, "no_service", {}
            if not body.get("text") and not body.get("blocks"):
                return 400, "no_text", {}
            ts = f"{int(time.time())}.{next(self._ts):06d}"
            self.messages.setdefault(channel, []).append(
                {"ts": ts, "text": body.get("text"), "blocks": body.get("blocks"), "thread_ts": None,
                 "metadata": None, "via": "webhook"}
            )
        return 200, "ok", {}

    def api_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.channel_id(str(args["channel"]))
        ts = f"{int(time.time())}.{next(self._ts):06d}"
        message = {
            "ts": ts,
            "text": args.get("text"),
            "blocks": args.get("blocks"),
            "thread_ts": args.get("thread_ts"),
            "metadata": args.get("metadata"),
        }
        self.messages.setdefault(channel, []).append(message)
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _visible(self, message: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        shown = {k: v for k, v in message.items() if v is not None}
        if str(args.get("include_all_metadata", "")).lower() not in ("1", "true"):
            shown.pop("metadata", None)
        return shown

    def api_conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        oldest = float(args.get("oldest") or 0)
        found = [
            self._visible(m, args)
            for m in self.messages.get(str(args["channel"]), [])
            if not m.get("thread_ts") and float(m["ts"]) >= oldest
        ]
        return {"ok": True, "messages": list(reversed(found)), "has_more": False}

    def api_conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        parent = str(args["ts"])
        found = [
            self._visible(m, args)
            for m in self.messages.get(str(args["channel"]), [])
            if m["ts"] == parent or m.get("thread_ts") == parent
        ]
        return {"ok": True, "messages": found, "has_more": False}

    def api_conversations_list(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channels": [{"id": cid, "name": name} for name, cid in self.channels.items()]}


def _handler(stand_in: SlackStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8") if length else ""
            if self.path.startswith("/services/"):
                status, text, headers = stand_in.post_webhook(self.path.rsplit("/", 1)[-1], json.loads(body or "{}"))
                self._send(status, text.encode("utf-8"), "text/plain; charset=utf-8", headers)
                return
            if "json" in (self.headers.get("Content-Type") or ""):
                args = json.loads(body or "{}")
            else:
                args = {k: v[0] for k, v in parse_qs(body).items()}
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                status, payload, headers = 200, {"ok": False, "error": "invalid_auth"}, {}
            else:
                status, payload, headers = stand_in.answer(self.path.rsplit("/", 1)[-1], args)
            self._send(status, json.dumps(payload).encode("utf-8"), "application/json; charset=utf-8", headers)

        def _send(self, status: int, data: bytes, content_type: str, headers: dict[str, str]) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass

    return Handler


@contextmanager
def running_slack() -> Iterator[SlackStandIn]:
    """The Slack stand-in, serving on a free loopback port until the block ends."""
    stand_in = SlackStandIn()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stand_in))
    server.daemon_threads = True
    stand_in.url = f"http://127.0.0.1:{server.server_address[1]}/api/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield stand_in
    stand_in.release.set()
    server.shutdown()
    server.server_close()


@dataclass
class Mailbox:
    """What the SMTP server accepted; `refuse` makes it answer 451 to every message."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    refuse: bool = False
    host: str = "127.0.0.1"
    port: int = 0

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's naming
        if self.refuse:
            return "451 4.3.0 Mail server temporarily unavailable"
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.messages.append(message)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"

    def forget(self) -> None:
        self.messages.clear()
        self.envelopes.clear()

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m, (_, rcpts) in zip(self.messages, self.envelopes, strict=True) if address in rcpts]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_smtp() -> Iterator[Mailbox]:
    """A real SMTP server (aiosmtpd) on a free loopback port until the block ends."""
    from aiosmtpd.controller import Controller  # only the tests that send mail pay for it

    mailbox = Mailbox(port=free_port())
    controller = Controller(mailbox, hostname=mailbox.host, port=mailbox.port)
    controller.start()
    yield mailbox
    controller.stop()


# --- the store and the settings ---


def make_config(
    tmp_path: Path,
    subscriptions: str = "",
    slack: SlackStandIn | None = None,
    smtp: Mailbox | None = None,
    smtp_port: int | None = None,
    environment: dict[str, str] | None = None,
    public_url: str = "",
    **extra: str,
) -> TrackerSettings:
    """Settings for one test: its own folder, database and subscriptions file."""
    subs_file = tmp_path / "subscriptions.toml"
    subs_file.write_text(subscriptions, encoding="utf-8")
    return TrackerSettings(
        database_url=f"sqlite:///{tmp_path / 'tracker.db'}",
        data_dir=tmp_path / "data",
        subscriptions_file=subs_file,
        slack_bot_token=TOKEN if slack else "",
        slack_api_url=slack.url if slack else "https://slack.invalid/api/",
        smtp_host="127.0.0.1" if (smtp or smtp_port) else "",
        smtp_port=smtp.port if smtp else (smtp_port or 587),
        smtp_starttls=False,
        digest_from="287(g) tracker <tracker@newsroom-alerts.example>",
        extra={"SLACK_TIMEOUT": "2", "SMTP_TIMEOUT": "5", **extra},
        environment=environment or {},
        public_url=public_url,
    )


def start_watching(config: TrackerSettings, session_factory, slack: SlackStandIn | None = None,
                   smtp: Mailbox | None = None) -> list[str]:
    """The tracker's first alerts run over this subscriptions file: destinations are seen (and
    greeted); the greetings are then forgotten, by the stand-ins and the outbox folder alike, so a
    test sees only what follows. Returns the texts of the greetings taken out of the outbox."""
    from alerts.deliver import deliver_all

    deliver_all(config, session_factory)
    if slack is not None:
        slack.forget()
    if smtp is not None:
        smtp.forget()
    greetings = []
    for greeting in [*(config.outbox_dir / "email").glob("*.eml"), *(config.outbox_dir / "slack").glob("*.json")]:
        greetings.append(greeting.read_text(encoding="utf-8"))
        greeting.unlink()
    return greetings


# Florida organizers' bot channel and a newsroom desk mailed at once (cadence "instant").
FL_CHANNEL_AND_DESK = """
[[slack]]
channel = "#fl-organizers"
states = ["FL"]

[[email]]
to = ["desk@newsroom.example"]
states = ["FL"]
cadence = "instant"
"""

# A newsroom's daily digest for Florida and Texas, as the digest tests subscribe it.
DIGEST = """
[[email]]
to = ["desk@newsroom.example"]
states = ["FL", "TX"]
cadence = "daily"
hour = 7
timezone = "America/New_York"
"""


_ids = itertools.count(1)


def ocala(**changes: Any) -> dict[str, Any]:
    """A realistic agreement_added payload (the event fields docs/data-and-dates.md lists) to vary per test."""
    payload = {
        "type": "agreement_added",
        "state": "FL",
        "agency": "Ocala Police Department",
        "agency_type": "Municipality",
        "county": "Marion County",
        "model": "TFM",
        "signed": "2025-04-24",
        "moa_url": "https://www.ice.gov/doclib/about/offices/ero/pdf/287gMOA/ocalaPdFL_TFM_MOA_04.24.2025.pdf",
        "was_pending": True,
        "source_url": "https://www.ice.gov/doclib/about/offices/ero/xls/participatingAgencies.xlsx",
        "before": None,
        "after": None,
        "signed_raw": "04/24/2025",
        "list": "participating",
    }
    payload.update(changes)
    return payload


def add_events(session_factory, *payloads: dict[str, Any], detected_at: dt.datetime | None = None,
               agreement_ids: dict[int, int] | None = None) -> list[int]:
    """Store events as the cycle would; returns their seqs. `agreement_ids`: payload index → agreement."""
    moment = detected_at or dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0) - dt.timedelta(minutes=5)
    seqs = []
    with session_factory() as session:
        for index, payload in enumerate(payloads):
            event_id = f"evt-{next(_ids):05d}-{uuid.uuid4().hex[:8]}"
            full = {
                "id": event_id,
                "detected_at": moment.isoformat() + "Z",
                "run_id": None,
                **payload,
            }
            event = Event(
                id=event_id, type=full["type"], detected_at=moment, state=full.get("state"), payload=full,
                agreement_id=(agreement_ids or {}).get(index),
            )
            session.add(event)
            session.flush()
            seqs.append(event.seq)
        session.commit()
    return seqs


def add_active_agreements(session_factory, counts: dict[str, int], model: str = "TFM", list_kind: str = "participating",
                          stamp: str | None = None) -> list[int]:
    """Active agreements (or pending requests) per state, as ICE's list `stamp` had them; returns their ids."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    ids = []
    with session_factory() as session:
        publication = Publication(
            document_id=_document(session),
            kind=list_kind,
            source_url="https://www.ice.gov/x.xlsx",
            status="applied",
            stamp=stamp,
        )
        session.add(publication)
        session.flush()
        for state, count in counts.items():
            for n in range(count):
                agreement = Agreement(
                    uid=uuid.uuid4().hex, list_kind=list_kind, status="active", state=state,
                    agency=f"Agency {n} {state}", model=model, first_seen=now, last_seen=now,
                    first_publication_id=publication.id, last_publication_id=publication.id,
                )
                session.add(agreement)
                session.flush()
                session.add(AgreementVersion(agreement_id=agreement.id, publication_id=publication.id, valid_from=now,
                                             fields={"state": state, "agency": agreement.agency, "model": model}))
                ids.append(agreement.id)
        session.commit()
    return ids


def _document(session) -> int:
    from storage.models import Document

    document = Document(
        sha256=uuid.uuid4().hex + uuid.uuid4().hex, size=1, kind="participating", path="x", first_url="https://x"
    )
    session.add(document)
    session.flush()
    return document.id


def database(config: TrackerSettings):
    return connect(config.database_url)
