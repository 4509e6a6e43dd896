"""An early warning in words: a report of a local decision as one sentence an organizer can act on. Pure.

"Collier County commissioners approved a 287(g) task-force agreement (Naples Daily News,
Dec 2)": who acted (the county's commissioners or the city's council for a vote, the agency
itself for an intention, a signature or an ending), the stage as a verb, the model when the
report's own sentence names one, then the outlet and the day. Signals read from a local
government's own page before stages existed carry no stage; they say what the page was.
Shared by Slack, email, the feeds and the explorer, so a signal reads the same everywhere.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from parsers.places import split_jurisdiction
from parsers.urls import web_url

EXCERPT_CHARS = 400
# Who decides, by the word that ends a county-like place's name, unless the report names the body.
_BODIES = {"County": "commissioners", "Parish": "council", "Borough": "assembly"}
_NAMED_BODIES = (
    ("supervisors", re.compile(r"\bsupervisors\b", re.I)),
    ("police jury", re.compile(r"\bpolice jury\b", re.I)),
    ("commissioners", re.compile(r"\bcommission|\bcomisi[oó]n|\bcomisionados", re.I)),
    ("council", re.compile(r"\bcouncil|\bconcejo|\bconcejales|\bcabildo", re.I)),
    ("aldermen", re.compile(r"\baldermen\b|\bboard of alderm", re.I)),
)
_VOTES = ("scheduled", "debated", "approved", "rejected")
_VERBS = {
    "proposed": "plans to seek a 287(g) {what}",
    "scheduled": "scheduled a vote on a 287(g) {what}",
    "debated": "debated a 287(g) {what}",
    "approved": "approved a 287(g) {what}",
    "rejected": "rejected a 287(g) {what}",
    "signed": "signed a 287(g) {what}",
    "ended": "ended its 287(g) {what}",
}
_MODELS = (
    ("task-force agreement", re.compile(r"task[- ]force|fuerza de tarea|grupo de trabajo", re.I)),
    ("jail-enforcement agreement", re.compile(r"jail[- ]enforcement|modelo de c[aá]rcel", re.I)),
    ("warrant-service-officer agreement", re.compile(r"warrant[- ]service|[oó]rdenes de arresto", re.I)),
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "June", "July", "Aug", "Sept", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Report:
    """A signal as readers see it: the sentence, who reported it and when, and where to read it."""

    sentence: str
    outlet: str | None
    when: str | None
    url: str | None
    also: tuple[tuple[str, str | None], ...]
    excerpt: str | None
    stage: str | None

    @property
    def note(self) -> str:
        """`(Naples Daily News, Dec 2)`; empty when the report names neither."""
        inside = ", ".join(p for p in (self.outlet, self.when) if p)
        return f"({inside})" if inside else ""

    @property
    def source(self) -> str:
        """What a link to the report is called: its outlet, else what it is."""
        return self.outlet or ("report" if self.stage else "page")

    @property
    def line(self) -> str:
        return f"{self.sentence} {self.note}".rstrip()

    @property
    def also_text(self) -> str | None:
        if not self.also:
            return None
        return "also reported by " + ", ".join(outlet for outlet, _ in self.also)


def _text(value: Any) -> str:
    return "" if value is None else " ".join(str(value).split())


def _link(value: Any) -> str | None:
    text = _text(value)
    return text if text and web_url(text) else None


def short_date(value: Any, reference: Any = None) -> str | None:
    """`Dec 2`, or `Dec 2, 2025` when the year is not the reference's (when the tracker saw it)."""
    text = _text(value)
    try:
        day = dt.date.fromisoformat(text[:10])
    except ValueError:
        return text or None
    words = f"{_MONTHS[day.month - 1]} {day.day}"
    return words if _text(reference)[:4] == str(day.year) else f"{words}, {day.year}"


def long_date(day: dt.date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def _deciders(place: str, excerpt: str) -> str:
    """Who votes for a place: `Collier County commissioners`, `the Fort Myers city council`.

    The body the report's sentence names wins; else the usual one for the kind of place.
    """
    name, _ = split_jurisdiction(place)
    named = next((word for word, pattern in _NAMED_BODIES if pattern.search(excerpt)), None)
    kind = name.rsplit(" ", 1)[-1]
    if kind in _BODIES and " " in name:
        return f"{name} {named or _BODIES[kind]}"
    for prefix in ("City of ", "Town of ", "Village of "):
        if name.startswith(prefix):
            word = named or "council"
            return f"{'the ' if word == 'council' else ''}{name[len(prefix):]} {prefix[:-4].lower()} {word}"
    return name


def agreement_words(excerpt: str) -> str:
    """`task-force agreement` when the report's sentence names exactly one model, else `agreement`."""
    named = [words for words, pattern in _MODELS if pattern.search(excerpt)]
    return named[0] if len(named) == 1 else "agreement"


def sentence(payload: Mapping[str, Any]) -> str:
    """The signal as one sentence, from its stage, place, agency and excerpt."""
    stage = _text(payload.get("stage"))
    place, agency = _text(payload.get("jurisdiction")), _text(payload.get("agency"))
    if stage not in _VERBS:
        where = place or agency or "A local government"
        title = _text(payload.get("title"))
        return f"{where} mentioned 287(g)" + (f": “{title}”" if title else "")
    excerpt = _text(payload.get("excerpt"))
    if stage in _VOTES:
        actor = _deciders(place, excerpt) if place else agency
    else:
        actor = agency or split_jurisdiction(place)[0]
    actor = actor or "A local government"
    words = _VERBS[stage].format(what=agreement_words(excerpt))
    if stage == "proposed" and actor.endswith(tuple(word for word, _ in _NAMED_BODIES)):
        words = words.replace("plans", "plan", 1)
    return f"{actor[:1].upper()}{actor[1:]} {words}"


def _also(payload: Mapping[str, Any]) -> tuple[tuple[str, str | None], ...]:
    found = []
    for other in payload.get("also_reported_by") or ():
        if isinstance(other, Mapping) and (_text(other.get("outlet")) or _link(other.get("url"))):
            found.append((_text(other.get("outlet")) or "another outlet", _link(other.get("url"))))
    return tuple(found)


def report_of(payload: Mapping[str, Any], today: dt.date | None = None) -> Report:
    """A stored `local_signal` payload as its reader-facing parts.

    Its day leaves out the year of `today`, or (for alerts, read the day they are sent) of when
    the tracker found the report.
    """
    excerpt = _text(payload.get("excerpt") or payload.get("snippet"))
    if len(excerpt) > EXCERPT_CHARS:
        excerpt = excerpt[: EXCERPT_CHARS - 1].rstrip() + "…"
    staged = bool(payload.get("stage"))
    when = payload.get("published_at") if staged else payload.get("date")
    return Report(
        sentence=sentence(payload),
        outlet=_text(payload.get("outlet")) or None,
        when=short_date(when, today.isoformat() if today else payload.get("detected_at")) if when else None,
        url=_link(payload.get("source_url")) or _link(payload.get("url")),
        also=_also(payload),
        excerpt=excerpt or None,
        stage=_text(payload.get("stage")) or None,
    )


def lead_words(first: Mapping[str, Any]) -> str:
    """`first reported by Naples Daily News on December 2, 2025, 9 days earlier`."""
    days = int(first["days"])
    reported = dt.date.fromisoformat(str(first["reported"]))
    return (f"first reported by {_text(first.get('outlet'))} on {long_date(reported)}, "
            f"{days} day{'s' if days != 1 else ''} earlier")
