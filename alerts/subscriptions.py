"""Who gets told what: `subscriptions.toml`, read once at start and refused whole when wrong.

A typo in a state or an event type must never quietly narrow (or widen) what someone hears,
so every key is checked and an error names the file, the line and what is wrong. tomllib
only reports line numbers for syntax errors; for everything else the line is found in the
source text by counting table headers and looking for the key inside the table.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from errors import UserError
from i18n import LANGUAGES, SOURCE_LANGUAGE, Language, language
from parsers.places import state_code
from vocabulary import ALERTABLE_EVENT_TYPES, EventType

# `pending_removed` by default means withdrawals only: a request that was signed is already
# announced as the new agreement (`was_pending`). Listing `pending_removed` asks for both.
DEFAULT_SLACK_EVENTS = (EventType.AGREEMENT_ADDED, EventType.PENDING_ADDED, EventType.MOA_PUBLISHED,
                        EventType.AGREEMENT_REMOVED, EventType.LOCAL_SIGNAL, EventType.PENDING_REMOVED)
CADENCES = ("daily", "weekly", "instant")
ALL_STATES = "*"

SLACK_KEYS = {"channel", "webhook_env", "states", "events", "since", "language"}
EMAIL_KEYS = {"to", "states", "events", "cadence", "hour", "timezone", "since", "language"}
MAINTAINER_KEYS = {"slack_channel", "email"}
VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,100}$")
SIGNED = "signed"


class SubscriptionsError(UserError):
    """The subscriptions file is wrong; the message reads `file:line: key: reason`."""


def _wants(sub: SlackSubscription | EmailSubscription, event_type: str, state: str | None, reason: str | None) -> bool:
    if event_type == "pending_removed" and reason == SIGNED and not sub.signed_pending:
        return False
    return event_type in sub.events and (ALL_STATES in sub.states or state in sub.states)


@dataclass(frozen=True)
class SlackSubscription:
    """A Slack channel the bot posts to (`channel`), or an incoming webhook (`webhook_env`)."""

    channel: str | None
    states: frozenset[str]
    events: frozenset[str]
    webhook_env: str | None = None
    since: dt.date | None = None
    signed_pending: bool = False
    language: str = SOURCE_LANGUAGE

    @property
    def lang(self) -> Language:
        """The language its messages are written in."""
        return language(self.language)

    @property
    def destination(self) -> str:
        if self.webhook_env:
            return f"slack-webhook:{self.webhook_env}"
        return f"slack:{self.channel}"

    @property
    def name(self) -> str:
        """How people and the command line call it: the channel, or the webhook's variable."""
        return self.channel or str(self.webhook_env)

    def wants(self, event_type: str, state: str | None, reason: str | None = None) -> bool:
        return _wants(self, event_type, state, reason)


@dataclass(frozen=True)
class EmailSubscription:
    to: tuple[str, ...]
    states: frozenset[str]
    events: frozenset[str]
    cadence: str = "daily"
    hour: int = 7
    timezone: str = "UTC"
    since: dt.date | None = None
    signed_pending: bool = False
    language: str = SOURCE_LANGUAGE

    @property
    def lang(self) -> Language:
        """The language its messages are written in."""
        return language(self.language)
    # A sign-up from the explorer: the newest event when it was confirmed or last changed.
    start_seq: int | None = None

    def wants(self, event_type: str, state: str | None, reason: str | None = None) -> bool:
        return _wants(self, event_type, state, reason)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class Maintainers:
    slack_channel: str | None = None
    email: tuple[str, ...] = ()

    @property
    def configured(self) -> bool:
        return bool(self.slack_channel or self.email)


@dataclass(frozen=True)
class Subscriptions:
    slack: tuple[SlackSubscription, ...] = ()
    email: tuple[EmailSubscription, ...] = ()
    maintainers: Maintainers = field(default_factory=Maintainers)

    @property
    def empty(self) -> bool:
        return not self.slack and not self.email

    def email_for(self, address: str) -> EmailSubscription | None:
        wanted = address.strip().lower()
        for sub in self.email:
            if wanted in (a.lower() for a in sub.to):
                return sub
        return None


class _Source:
    """Finds the line of a table or a key in the TOML text, for error messages."""

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.lines = text.splitlines()

    def _header_lines(self, header: str) -> list[int]:
        pattern = re.compile(r"^\s*" + re.escape(header) + r"\s*(#.*)?$")
        return [i for i, line in enumerate(self.lines) if pattern.match(line)]

    def table_line(self, header: str, index: int = 0) -> int:
        found = self._header_lines(header)
        return found[index] + 1 if index < len(found) else 1

    def key_line(self, header: str, index: int, key: str) -> int:
        start = self.table_line(header, index) - 1
        pattern = re.compile(r"^\s*(" + re.escape(key) + r'|"' + re.escape(key) + r'")\s*=')
        for i in range(start + 1, len(self.lines)):
            if re.match(r"^\s*\[", self.lines[i]):
                break
            if pattern.match(self.lines[i]):
                return i + 1
        return start + 1

    def error(self, line: int, message: str) -> SubscriptionsError:
        return SubscriptionsError(f"{self.name}:{line}: {message}")


def _string_list(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def _states(raw: Any, fail) -> frozenset[str]:
    names = _string_list(raw)
    if not names:
        raise fail('expected a list of USPS codes or state names, or ["*"]')
    codes: set[str] = set()
    for name in names:
        if name.strip() == ALL_STATES:
            codes.add(ALL_STATES)
            continue
        code, warning = state_code(name)
        if code is None or warning is not None:
            raise fail(f"{name!r} is not a US state")
        codes.add(code)
    return frozenset(codes)


def _events(raw: Any, fail, default: tuple[str, ...]) -> frozenset[str]:
    if raw is None:
        return frozenset(default)
    names = _string_list(raw)
    if not names:
        raise fail("expected a list of event types")
    for name in names:
        if name == EventType.BASELINE:
            raise fail("'baseline' events are never alerted")
        if name not in ALERTABLE_EVENT_TYPES:
            raise fail(f"{name!r} is not an event type (one of {', '.join(ALERTABLE_EVENT_TYPES)})")
    return frozenset(names)


def _addresses(raw: Any, fail) -> tuple[str, ...]:
    addresses = _string_list(raw)
    if not addresses:
        raise fail("expected an email address or a list of them")
    for address in addresses:
        if (problem := address_problem(address.strip())) is not None:
            raise fail(f"{address!r} is not an email address: {problem}")
    return tuple(a.strip() for a in addresses)


def address_problem(address: str) -> str | None:
    """Why `address` is not exactly one mailbox, or None; by syntax alone, without asking DNS.

    Strict, because a lenient check lets `a,victim@evil.example` through and the mail goes to two.
    """
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        return str(exc)
    return None


def _since(raw: Any, fail) -> dt.date | None:
    if raw is None:
        return None
    if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
        return raw
    if isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw.strip())
        except ValueError:
            pass
    raise fail(f"{raw!r} is not a date like \"2025-06-01\"")


def _language(raw: Any, fail) -> str:
    if raw is None:
        return SOURCE_LANGUAGE
    if not isinstance(raw, str) or raw.strip().lower() not in LANGUAGES:
        raise fail(f"{raw!r} is not one of {', '.join(LANGUAGES)}")
    return raw.strip().lower()


def _webhook_env(raw: Any, fail) -> str:
    if not isinstance(raw, str) or not VARIABLE.match(raw.strip()):
        raise fail('expected the name of the environment variable holding the webhook URL, like "SLACK_WEBHOOK_TX"')
    return raw.strip()


def _channel(raw: Any, fail) -> str:
    if not isinstance(raw, str) or not raw.strip() or len(raw.strip()) > 200:
        raise fail('expected a channel name like "#fl-organizers" or a channel ID')
    return raw.strip()


def _unknown_keys(table: dict[str, Any], allowed: set[str], src: _Source, header: str, index: int) -> None:
    for key in table:
        if key not in allowed:
            raise src.error(
                src.key_line(header, index, key), f"{key}: unknown key (expected {', '.join(sorted(allowed))})"
            )


def _slack(table: Any, index: int, src: _Source) -> SlackSubscription:
    header = "[[slack]]"
    if not isinstance(table, dict):
        raise src.error(1, "slack: expected [[slack]] tables")
    _unknown_keys(table, SLACK_KEYS, src, header, index)

    def fail_for(key: str):
        return lambda reason: src.error(src.key_line(header, index, key), f"{key}: {reason}")

    if "channel" not in table and "webhook_env" not in table:
        raise src.error(src.table_line(header, index), "slack: missing channel (or webhook_env)")
    if "channel" in table and "webhook_env" in table:
        raise fail_for("webhook_env")("give either channel (a bot posts) or webhook_env (a webhook posts), not both")
    return SlackSubscription(
        channel=_channel(table["channel"], fail_for("channel")) if "channel" in table else None,
        webhook_env=_webhook_env(table["webhook_env"], fail_for("webhook_env")) if "webhook_env" in table else None,
        states=_states(table.get("states", [ALL_STATES]), fail_for("states")),
        events=_events(table.get("events"), fail_for("events"), DEFAULT_SLACK_EVENTS),
        since=_since(table.get("since"), fail_for("since")),
        signed_pending="events" in table,
        language=_language(table.get("language"), fail_for("language")),
    )


def _email(table: Any, index: int, src: _Source) -> EmailSubscription:
    header = "[[email]]"
    if not isinstance(table, dict):
        raise src.error(1, "email: expected [[email]] tables")
    _unknown_keys(table, EMAIL_KEYS, src, header, index)

    def fail_for(key: str):
        return lambda reason: src.error(src.key_line(header, index, key), f"{key}: {reason}")

    if "to" not in table:
        raise src.error(src.table_line(header, index), "email: missing to")
    cadence = table.get("cadence", "daily")
    if cadence not in CADENCES:
        raise fail_for("cadence")(f"{cadence!r} is not one of {', '.join(CADENCES)}")
    hour = table.get("hour", 7)
    if isinstance(hour, bool) or not isinstance(hour, int) or not 0 <= hour <= 23:
        raise fail_for("hour")(f"{hour!r} is not an hour from 0 to 23")
    timezone = table.get("timezone", "UTC")
    try:
        if not isinstance(timezone, str):
            raise ValueError
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise fail_for("timezone")(f"{timezone!r} is not a time zone like America/New_York") from None
    return EmailSubscription(
        to=_addresses(table["to"], fail_for("to")),
        states=_states(table.get("states", [ALL_STATES]), fail_for("states")),
        events=_events(table.get("events"), fail_for("events"), ALERTABLE_EVENT_TYPES),
        cadence=cadence,
        hour=hour,
        timezone=timezone,
        since=_since(table.get("since"), fail_for("since")),
        signed_pending="events" in table,
        language=_language(table.get("language"), fail_for("language")),
    )


def _maintainers(table: Any, src: _Source) -> Maintainers:
    header = "[maintainers]"
    if not isinstance(table, dict):
        raise src.error(1, "maintainers: expected a [maintainers] table")
    _unknown_keys(table, MAINTAINER_KEYS, src, header, 0)
    channel = table.get("slack_channel")
    if channel is not None:
        line = src.key_line(header, 0, "slack_channel")
        channel = _channel(channel, lambda r: src.error(line, f"slack_channel: {r}"))
    email: tuple[str, ...] = ()
    if "email" in table:
        email = _addresses(table["email"], lambda r: src.error(src.key_line(header, 0, "email"), f"email: {r}"))
    return Maintainers(slack_channel=channel, email=email)


def parse(text: str, name: str = "subscriptions.toml") -> Subscriptions:
    """Read subscriptions from TOML text; `name` is what error messages call the file."""
    src = _Source(name, text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_from_message(str(exc), len(src.lines))
        raise src.error(line, f"not valid TOML: {str(exc).split(' (at ')[0]}") from None
    for key in data:
        if key not in ("slack", "email", "maintainers"):
            line = _top_key_line(src, key)
            raise src.error(line, f"{key}: unknown section (expected [[slack]], [[email]] or [maintainers])")
    slack_tables = data.get("slack", [])
    email_tables = data.get("email", [])
    if not isinstance(slack_tables, list):
        raise src.error(_top_key_line(src, "slack"), "slack: expected [[slack]] tables")
    if not isinstance(email_tables, list):
        raise src.error(_top_key_line(src, "email"), "email: expected [[email]] tables")
    slack = tuple(_slack(t, i, src) for i, t in enumerate(slack_tables))
    email = tuple(_email(t, i, src) for i, t in enumerate(email_tables))
    _refuse_duplicates(slack, email, src)
    maintainers = _maintainers(data["maintainers"], src) if "maintainers" in data else Maintainers()
    return Subscriptions(slack=slack, email=email, maintainers=maintainers)


def _refuse_duplicates(
    slack: tuple[SlackSubscription, ...], email: tuple[EmailSubscription, ...], src: _Source
) -> None:
    """One table per channel and per address, so nobody gets the same change twice."""
    seen: dict[str, int] = {}
    for index, sub in enumerate(slack):
        key = "webhook_env" if sub.webhook_env else "channel"
        if sub.destination in seen:
            line = src.key_line("[[slack]]", index, key)
            first = src.key_line("[[slack]]", seen[sub.destination], key)
            raise src.error(line, f"{key}: {sub.name!r} is already subscribed at line {first}")
        seen[sub.destination] = index
    addresses: dict[str, int] = {}
    for index, sub in enumerate(email):
        for address in sub.to:
            if address.lower() in addresses:
                line = src.key_line("[[email]]", index, "to")
                first = src.key_line("[[email]]", addresses[address.lower()], "to")
                raise src.error(line, f"to: {address!r} is already subscribed at line {first}")
            addresses[address.lower()] = index


def _top_key_line(src: _Source, key: str) -> int:
    pattern = re.compile(r"^\s*(\[+\s*)?" + re.escape(key) + r"\b")
    for i, line in enumerate(src.lines):
        if pattern.match(line):
            return i + 1
    return 1


def _line_from_message(message: str, last_line: int) -> int:
    found = re.search(r"line (\d+)", message)
    if found:
        return int(found.group(1))
    return max(last_line, 1) if "end of document" in message else 1


def load(path: Path) -> Subscriptions:
    """Subscriptions from `path`; a missing or empty file means nobody but the console/outbox."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Subscriptions()
    except (OSError, UnicodeDecodeError) as exc:
        raise SubscriptionsError(f"{path.name}: cannot read: {exc}") from None
    return parse(text, path.name)
