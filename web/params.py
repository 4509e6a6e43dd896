"""Query and path parameters, checked before anything reaches the store; a bad one is a 400 with a reason."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from parsers.places import is_state_code
from vocabulary import ALERTABLE_EVENT_TYPES as ALERTED
from vocabulary import STAGES


class BadParameter(ValueError):
    """A parameter a person can fix; the message says how."""


EVENT_TYPES = (*ALERTED, "baseline")
UID = re.compile(r"[0-9a-f]{8,40}|[1-9][0-9]{0,17}")
# Days a question can be about. Wide enough for any real history and any "until the end" a script
# may ask for, and far enough from the calendar's edges that a day's end or a time zone stays a date.
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2999, 12, 31)


def state(value: str | None, required: bool = False) -> str | None:
    if not value:
        if required:
            raise BadParameter("state is required: a USPS code like TX")
        return None
    code = value.strip()
    code = code.upper() if code.isascii() else code  # "ﬂ".upper() is "FL"
    if len(code) != 2 or not is_state_code(code):
        raise BadParameter(f"state {value[:40]!r} is not a US state or territory code (like TX or PR)")
    return code


def day(value: str | None, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        parsed = dt.date.fromisoformat(value)
    except ValueError:
        raise BadParameter(f"{name} {value[:40]!r} is not a date like 2025-06-17") from None
    within_range(parsed, name, value)
    return parsed


def within_range(parsed: dt.date, name: str, value: str) -> None:
    if not FIRST_DAY <= parsed <= LAST_DAY:
        raise BadParameter(f"{name} {value[:40]!r} is out of range: give a day from {FIRST_DAY} to {LAST_DAY}")


def moment(value: str | None, name: str) -> dt.datetime | None:
    """A date (midnight UTC) or an ISO 8601 time; naive UTC, as the store keeps times."""
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadParameter(f"{name} {value[:40]!r} is not a date or time like 2025-06-17 or "
                           "2025-06-17T23:32:04Z") from None
    within_range(parsed.date(), name, value)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


def event_type(value: str | None) -> str | None:
    if not value:
        return None
    if value not in EVENT_TYPES:
        raise BadParameter(f"type {value[:40]!r} is not one of: {', '.join(EVENT_TYPES)}")
    return value


def stage(value: str | None) -> str | None:
    if not value:
        return None
    if value not in STAGES:
        raise BadParameter(f"stage {value[:40]!r} is not one of: {', '.join(STAGES)}")
    return value


def whole(value: str | None, name: str, low: int, high: int, default: int | None = None) -> int | None:
    if not value:
        return default
    if not (value.isascii() and value.isdigit() and len(value) <= len(str(high))) or not low <= int(value) <= high:
        raise BadParameter(f"{name} must be a whole number from {low} to {high}")
    return int(value)


def uid(value: str) -> str:
    if not UID.fullmatch(value):
        raise BadParameter("an agency id is one of its agreements' ids, as /api/agreements.json gives them")
    return value


def event_filters(query: Mapping[str, str]) -> dict:
    """The filters `/events`, `/events.csv` and `/api/events.json` share; `until` is a day, included whole."""
    until = day(query.get("until"), "until")
    return {
        "state": state(query.get("state")),
        "kind": event_type(query.get("type")),
        "since": moment(query.get("since"), "since"),
        "until": dt.datetime.combine(until + dt.timedelta(days=1), dt.time()) if until else None,
    }
