"""An early warning in words: a report of a local decision as one sentence an organizer can act on. Pure.

"Collier County commissioners approved a 287(g) task-force agreement (Naples Daily News,
Dec 2)": who acted (the county's commissioners or the city's council for a vote, the agency
itself for an intention, a signature or an ending), the stage as a verb, the model when the
report's own sentence names one, then the outlet and the day. Signals read from a local
government's own page before stages existed carry no stage; they say what the page was.
Shared by Slack, email, the feeds and the explorer, so a signal reads the same everywhere.
Every word goes through the reader's language as a whole phrase (the Spanish subject leads:
"Los comisionados de Collier County aprobaron un acuerdo 287(g) de grupo de trabajo"); place
names and outlets stay as written.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from babel.dates import format_skeleton

from i18n import ENGLISH, N_, SOURCE_LANGUAGE, Language
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
# A body of several people takes a plural verb ("commissioners approve"); a council is one body.
_SEVERAL = frozenset({"commissioners", "supervisors", "aldermen"})
# A county's body, and a city's, town's or village's: whole phrases, so each language orders its words.
_COUNTY_BODIES = {
    "commissioners": N_("%(place)s commissioners"),
    "council": N_("%(place)s council"),
    "assembly": N_("%(place)s assembly"),
    "supervisors": N_("%(place)s supervisors"),
    "police jury": N_("%(place)s police jury"),
    "aldermen": N_("%(place)s aldermen"),
}
_TOWN_BODIES = {
    # TRANSLATORS: %(kind)s is "city", "town" or "village", in English; leave it out where the words say it.
    "council": N_("the %(place)s %(kind)s council"),
    "commissioners": N_("%(place)s %(kind)s commissioners"),
    "supervisors": N_("%(place)s %(kind)s supervisors"),
    "police jury": N_("%(place)s %(kind)s police jury"),
    "aldermen": N_("%(place)s %(kind)s aldermen"),
}
_VOTES = ("scheduled", "debated", "approved", "rejected")
_STAGES = ("proposed", "scheduled", "debated", "approved", "rejected", "signed", "ended")
_MODELS = (
    (N_("287(g) task-force agreement"), re.compile(r"task[- ]force|fuerza de tarea|grupo de trabajo", re.I)),
    (N_("287(g) jail-enforcement agreement"), re.compile(r"jail[- ]enforcement|modelo de c[aá]rcel", re.I)),
    (N_("287(g) warrant-service-officer agreement"),
     re.compile(r"warrant[- ]service|[oó]rdenes de arresto", re.I)),
)
ANY_AGREEMENT = N_("287(g) agreement")
A_LOCAL_GOVERNMENT = N_("A local government")
# What a report without an outlet is, by the signal's source, with and without its place.
_UNNAMED = {
    "agenda": (N_("an agenda of %(place)s"), N_("an agenda")),
    "page": (N_("a page of %(place)s"), N_("a page")),
    "news": (N_("a news report of %(place)s"), N_("a news report")),
}
_UNNAMED_REPORT = (N_("a report of %(place)s"), N_("a report"))
# The Associated Press's month abbreviations, as US newsrooms write them in English.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "June", "July", "Aug", "Sept", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Report:
    """A signal as readers see it, in their language: the sentence, who reported it and when, and where to read it."""

    sentence: str
    outlet: str | None
    when: str | None
    url: str | None
    also: tuple[tuple[str, str | None], ...]
    excerpt: str | None
    stage: str | None
    lang: Language = ENGLISH

    @property
    def note(self) -> str:
        """`(Naples Daily News, Dec 2)`; empty when the report names neither."""
        inside = ", ".join(p for p in (self.outlet, self.when) if p)
        return f"({inside})" if inside else ""

    @property
    def source(self) -> str:
        """What a link to the report is called: its outlet, else what it is."""
        return self.outlet or (self.lang.gettext("report") if self.stage else self.lang.gettext("page"))

    @property
    def line(self) -> str:
        return f"{self.sentence} {self.note}".rstrip()

    def also_with(self, outlets: str) -> str:
        """`also reported by …` around the other outlets, already written in the channel's markup."""
        return self.lang.ngettext("also reported by %(outlets)s", "also reported by %(outlets)s",
                                  len(self.also)) % {"outlets": outlets}

    @property
    def also_text(self) -> str | None:
        if not self.also:
            return None
        return self.also_with(", ".join(outlet for outlet, _ in self.also))


def _text(value: Any) -> str:
    return "" if value is None else " ".join(str(value).split())


def _link(value: Any) -> str | None:
    text = _text(value)
    return text if text and web_url(text) else None


def short_date(value: Any, reference: Any = None, lang: Language = ENGLISH) -> str | None:
    """`Dec 2` (`2 dic`), or `Dec 2, 2025` (`2 dic 2025`) when the year is not the reference's
    (when the tracker saw it)."""
    text = _text(value)
    try:
        day = dt.date.fromisoformat(text[:10])
    except ValueError:
        return text or None
    with_year = _text(reference)[:4] != str(day.year)
    if lang.code != SOURCE_LANGUAGE:
        return format_skeleton("yMMMd" if with_year else "MMMd", day, locale=lang.code)
    words = f"{_MONTHS[day.month - 1]} {day.day}"
    return f"{words}, {day.year}" if with_year else words


def long_date(day: dt.date, lang: Language = ENGLISH) -> str:
    """`December 2, 2025` / `2 de diciembre de 2025`."""
    return lang.date(day)


def _deciders(place: str, excerpt: str, lang: Language) -> tuple[str, bool]:
    """Who votes for a place, and whether they are several: `Collier County commissioners`,
    `the Fort Myers city council`. The body the report's sentence names wins; else the usual one
    for the kind of place."""
    name, _ = split_jurisdiction(place)
    named = next((word for word, pattern in _NAMED_BODIES if pattern.search(excerpt)), None)
    kind = name.rsplit(" ", 1)[-1]
    if kind in _BODIES and " " in name:
        body = named or _BODIES[kind]
        return lang.gettext(_COUNTY_BODIES[body]) % {"place": name}, body in _SEVERAL
    for prefix in ("City of ", "Town of ", "Village of "):
        if name.startswith(prefix):
            body = named or "council"
            words = {"place": name[len(prefix):], "kind": prefix[:-4].lower()}
            return lang.gettext(_TOWN_BODIES[body]) % words, body in _SEVERAL
    return name, False


def agreement_words(excerpt: str, lang: Language = ENGLISH) -> str:
    """`287(g) task-force agreement` when the report's sentence names exactly one model, else `287(g) agreement`."""
    named = [words for words, pattern in _MODELS if pattern.search(excerpt)]
    return lang.gettext(named[0] if len(named) == 1 else ANY_AGREEMENT)


def _acted(stage: str, several: bool, lang: Language) -> str:
    """The stage as a verb phrase around `%(actor)s` and `%(what)s`, agreeing with how many act."""
    n = 2 if several else 1
    if stage == "proposed":
        # TRANSLATORS: the plural is for an actor of several people ("commissioners"), not for a count.
        return lang.ngettext("%(actor)s plans to seek a %(what)s", "%(actor)s plan to seek a %(what)s", n)
    if stage == "scheduled":
        return lang.ngettext("%(actor)s scheduled a vote on a %(what)s", "%(actor)s scheduled a vote on a %(what)s",
                             n)
    if stage == "debated":
        return lang.ngettext("%(actor)s debated a %(what)s", "%(actor)s debated a %(what)s", n)
    if stage == "approved":
        return lang.ngettext("%(actor)s approved a %(what)s", "%(actor)s approved a %(what)s", n)
    if stage == "rejected":
        return lang.ngettext("%(actor)s rejected a %(what)s", "%(actor)s rejected a %(what)s", n)
    if stage == "signed":
        return lang.ngettext("%(actor)s signed a %(what)s", "%(actor)s signed a %(what)s", n)
    return lang.ngettext("%(actor)s ended its %(what)s", "%(actor)s ended their %(what)s", n)


def _capitalized(text: str) -> str:
    return f"{text[:1].upper()}{text[1:]}"


def sentence(payload: Mapping[str, Any], lang: Language = ENGLISH) -> str:
    """The signal as one sentence, from its stage, place, agency and excerpt."""
    stage = _text(payload.get("stage"))
    place, agency = _text(payload.get("jurisdiction")), _text(payload.get("agency"))
    if stage not in _STAGES:
        where = place or agency or lang.gettext(A_LOCAL_GOVERNMENT)
        title = _text(payload.get("title"))
        if title:
            return lang.gettext("%(where)s mentioned 287(g): “%(title)s”") % {"where": where, "title": title}
        return lang.gettext("%(where)s mentioned 287(g)") % {"where": where}
    excerpt = _text(payload.get("excerpt"))
    actor = agency or split_jurisdiction(place)[0]
    several = actor.lower().endswith(tuple(_SEVERAL))
    if stage in _VOTES:
        actor, several = _deciders(place, excerpt, lang) if place else (agency, False)
    words = {"actor": actor or lang.gettext(A_LOCAL_GOVERNMENT), "what": agreement_words(excerpt, lang)}
    return _capitalized(_acted(stage, several, lang) % words)


def _also(payload: Mapping[str, Any], lang: Language) -> tuple[tuple[str, str | None], ...]:
    found = []
    for other in payload.get("also_reported_by") or ():
        if isinstance(other, Mapping) and (_text(other.get("outlet")) or _link(other.get("url"))):
            found.append((_text(other.get("outlet")) or lang.gettext("another outlet"), _link(other.get("url"))))
    return tuple(found)


def report_of(payload: Mapping[str, Any], today: dt.date | None = None, lang: Language = ENGLISH) -> Report:
    """A stored `local_signal` payload as its reader-facing parts, in `lang`.

    Its day leaves out the year of `today`, or (for alerts, read the day they are sent) of when
    the tracker found the report.
    """
    excerpt = _text(payload.get("excerpt") or payload.get("snippet"))
    if len(excerpt) > EXCERPT_CHARS:
        excerpt = excerpt[: EXCERPT_CHARS - 1].rstrip() + "…"
    staged = bool(payload.get("stage"))
    when = payload.get("published_at") if staged else payload.get("date")
    reference = today.isoformat() if today else payload.get("detected_at")
    return Report(
        sentence=sentence(payload, lang),
        outlet=_text(payload.get("outlet")) or None,
        when=short_date(when, reference, lang) if when else None,
        url=_link(payload.get("source_url")) or _link(payload.get("url")),
        also=_also(payload, lang),
        excerpt=excerpt or None,
        stage=_text(payload.get("stage")) or None,
        lang=lang,
    )


def first_source(first: Mapping[str, Any], lang: Language = ENGLISH) -> str:
    """Who reported a first report: its outlet, else what it was and whose (`an agenda of Marion County, FL`)."""
    outlet = _text(first.get("outlet"))
    if outlet:
        return outlet
    with_place, alone = _UNNAMED.get(_text(first.get("source")), _UNNAMED_REPORT)
    place = _text(first.get("place"))
    return lang.gettext(with_place) % {"place": place} if place else lang.gettext(alone)


def lead_words(first: Mapping[str, Any], lang: Language = ENGLISH) -> str:
    """`first reported by Naples Daily News on December 2, 2025, 9 days earlier`."""
    days = int(first["days"])
    words = {"outlet": first_source(first, lang), "days": days,
             "date": long_date(dt.date.fromisoformat(str(first["reported"])), lang)}
    return lang.ngettext("first reported by %(outlet)s on %(date)s, %(days)s day earlier",
                         "first reported by %(outlet)s on %(date)s, %(days)s days earlier", days) % words
