"""Pure: the words of an email about events (a digest or an instant alert), grouped by state."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from alerts.email import build_message, render, sender_address
from alerts.event_text import MODELS, EventSummary, by_kind, by_state, plain_lines, state_label
from alerts.mail_links import MailLinks
from alerts.slack_blocks import changes, lists_note
from i18n import ENGLISH, N_, Language
from settings import TrackerSettings

FOOTER = N_("The 287(g) tracker watches ICE's published 287(g) lists and local governments, and tells you what "
            "changed.")
# One calm colour for every kind of change: red for additions and green for removals would
# editorialise, and a reader can tell kinds apart by their headings.
KIND_COLOR = "#3e6b9e"


def models_text(models: Mapping[str, int] | None, lang: Language = ENGLISH) -> str:
    """`JEM 20 · TFM 300 · WSO 60`, in the models' usual order."""
    if not models:
        return ""
    order = (*MODELS, *sorted(set(models) - set(MODELS)))
    return " · ".join(f"{m} {lang.number(models[m])}" for m in order if models.get(m))


@dataclass(frozen=True)
class Headline:
    """Active agreements now (per model too), and the change since the subscriber's last digest (None: unknown)."""

    national: int
    states: Mapping[str, int]
    previous: Mapping[str, int] | None
    models: Mapping[str, Mapping[str, int]] | None = None

    def as_counts(self) -> dict[str, int]:
        return {"national": self.national, **dict(self.states)}

    def context(self, lang: Language = ENGLISH) -> dict[str, Any]:
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
                "models_text": models_text(national_models, lang),
            },
            "states": [
                {"code": code, "name": state_label(code, lang), "count": count, "delta": delta(code, count),
                 "models_text": models_text(models.get(code), lang)}
                for code, count in sorted(self.states.items(), key=lambda item: state_label(item[0], lang))
            ],
        }


def subject_for(title: str, events: Sequence[EventSummary], lang: Language = ENGLISH) -> str:
    states = sorted({e.state for e in events if e.state})
    count = changes(len(events), lang)
    if not states:
        return f"{title}: {count}"
    where = f"{', '.join(states[:8])}{'…' if len(states) > 8 else ''}"
    return lang.gettext("%(title)s: %(changes)s in %(states)s") % {"title": title, "changes": count, "states": where}


def compose(
    config: TrackerSettings,
    to: str,
    title: str,
    events: Sequence[EventSummary],
    key: str,
    now: dt.datetime,
    period: str | None = None,
    headline: Headline | None = None,
    lang: Language = ENGLISH,
    links: MailLinks | None = None,
) -> EmailMessage:
    """One message to one address, in its language: every event named, grouped by state and kind, counts on top."""
    text, html = render_events(config, title, events, period, headline, lang, links)
    return build_message(config, to, subject_for(title, events, lang), text, html, key, now, links=links)


def render_events(
    config: TrackerSettings,
    title: str,
    events: Sequence[EventSummary],
    period: str | None = None,
    headline: Headline | None = None,
    lang: Language = ENGLISH,
    links: MailLinks | None = None,
) -> tuple[str, str]:
    """Pure: the text and HTML of an email about these events, in `lang` (the events' summaries already are)."""
    groups = [
        {
            "code": state,
            "name": state_label(state, lang),
            "total": len(group),
            "kinds": [
                {
                    "heading": heading,
                    "color": KIND_COLOR,
                    "events": [{"summary": e, "lines": plain_lines(e)} for e in kind_events],
                }
                for heading, kind_events in by_kind(group, lang)
            ],
        }
        for state, group in by_state(events, lang)
    ]
    context = {
        "title": title,
        "period": period,
        "total": len(events),
        "lists_note": lists_note(events, lang),
        "groups": groups,
        "headline": headline.context(lang) if headline else None,
        "unsubscribe": sender_address(config),
        "links": links,
        "footer": lang.gettext(FOOTER),
    }
    return render("events", context, lang.code)
