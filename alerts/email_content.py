"""Pure: the words of an email about events (a digest or an instant alert), grouped by state."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from alerts.email import build_message, render, sender_address
from alerts.event_text import MODELS, EventSummary, by_kind, by_state, plain_lines
from alerts.mail_links import MailLinks
from alerts.slack_blocks import lists_note
from parsers.places import state_name
from settings import TrackerSettings

FOOTER = "The 287(g) tracker watches ICE's published 287(g) lists and local governments, and tells you what changed."
KIND_COLORS = {
    "New agreements": "#b23a48",
    "New pending requests": "#c77d02",
    "Withdrawn requests": "#2a7f62",
    "Agreements removed": "#2a7f62",
    "Local government signals": "#6b4fa0",
}
DEFAULT_COLOR = "#3e6b9e"


def models_text(models: Mapping[str, int] | None) -> str:
    """`JEM 20 · TFM 300 · WSO 60`, in the models' usual order."""
    if not models:
        return ""
    return " · ".join(f"{m} {models[m]:,}" for m in (*MODELS, *sorted(set(models) - set(MODELS))) if models.get(m))


@dataclass(frozen=True)
class Headline:
    """Active agreements now (per model too), and the change since the subscriber's last digest (None: unknown)."""

    national: int
    states: Mapping[str, int]
    previous: Mapping[str, int] | None
    models: Mapping[str, Mapping[str, int]] | None = None

    def as_counts(self) -> dict[str, int]:
        return {"national": self.national, **dict(self.states)}

    def context(self) -> dict[str, Any]:
        def delta(key: str, value: int) -> int | None:
            if self.previous is None or key not in self.previous:
                return None
            return value - int(self.previous[key])

        models = self.models or {}
        national_models = models.get("national", {})
        return {
            "national": {
                "count": self.national,
                "delta": delta("national", self.national),
                "models": [(m, national_models[m]) for m in MODELS if national_models.get(m)],
                "models_text": models_text(national_models),
            },
            "states": [
                {"code": code, "name": state_name(code), "count": count, "delta": delta(code, count),
                 "models_text": models_text(models.get(code))}
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
    links: MailLinks | None = None,
) -> EmailMessage:
    """One message to one address: every event named, grouped by state and kind, counts on top."""
    text, html = render_events(config, title, events, period, headline, links)
    return build_message(config, to, subject_for(title, events), text, html, key, now, links=links)


def render_events(
    config: TrackerSettings,
    title: str,
    events: Sequence[EventSummary],
    period: str | None = None,
    headline: Headline | None = None,
    links: MailLinks | None = None,
) -> tuple[str, str]:
    """Pure: the text and HTML of an email about these events."""
    groups = [
        {
            "code": state,
            "name": state_name(state),
            "total": len(group),
            "kinds": [
                {
                    "heading": heading,
                    "color": KIND_COLORS.get(heading, DEFAULT_COLOR),
                    "events": [{"summary": e, "lines": plain_lines(e)} for e in kind_events],
                }
                for heading, kind_events in by_kind(group)
            ],
        }
        for state, group in by_state(events)
    ]
    context = {
        "title": title,
        "period": period,
        "total": len(events),
        "lists_note": lists_note(events),
        "groups": groups,
        "headline": headline.context() if headline else None,
        "unsubscribe": sender_address(config),
        "links": links,
        "footer": FOOTER,
    }
    return render("events", context)
