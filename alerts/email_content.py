"""Pure: the words of an email about events (a digest or an instant alert), grouped by state."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from alerts.email import build_message, render, sender_address
from alerts.event_text import EventSummary, by_state, plain_lines, state_name
from settings import TrackerSettings

FOOTER = "The 287(g) tracker watches ICE's published 287(g) lists and local governments, and tells you what changed."


@dataclass(frozen=True)
class Headline:
    """Active agreements now, and the change since the subscriber's last digest (None: unknown)."""

    national: int
    states: Mapping[str, int]
    previous: Mapping[str, int] | None

    def as_counts(self) -> dict[str, int]:
        return {"national": self.national, **dict(self.states)}

    def context(self) -> dict[str, Any]:
        def delta(key: str, value: int) -> int | None:
            if self.previous is None or key not in self.previous:
                return None
            return value - int(self.previous[key])

        return {
            "national": {"count": self.national, "delta": delta("national", self.national)},
            "states": [
                {"code": code, "name": state_name(code), "count": count, "delta": delta(code, count)}
                for code, count in sorted(self.states.items(), key=lambda item: state_name(item[0]))
            ],
        }


def subject_for(title: str, events: Sequence[EventSummary]) -> str:
    states = sorted({e.state for e in events if e.state})
    where = f" in {', '.join(states[:8])}{'…' if len(states) > 8 else ''}" if states else ""
    count = len(events)
    return f"{title}: {count} change{'s' if count != 1 else ''}{where}"


def compose(
    config: TrackerSettings,
    to: str,
    title: str,
    events: Sequence[EventSummary],
    key: str,
    now: dt.datetime,
    period: str | None = None,
    headline: Headline | None = None,
) -> EmailMessage:
    """One message to one address: every event named, grouped by state, counts on top."""
    groups = [
        {
            "code": state,
            "name": state_name(state),
            "events": [{"summary": e, "lines": plain_lines(e)} for e in group],
        }
        for state, group in by_state(events)
    ]
    context = {
        "title": title,
        "period": period,
        "total": len(events),
        "groups": groups,
        "headline": headline.context() if headline else None,
        "unsubscribe": sender_address(config),
        "footer": FOOTER,
    }
    text, html = render("events", context)
    return build_message(config, to, subject_for(title, events), text, html, key, now)
