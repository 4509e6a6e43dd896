"""What an event says, in plain words, shared by Slack, email and the feeds.

Kept free of any markup so each channel escapes it its own way: Slack's mrkdwn, HTML
through Jinja2's autoescaping, Atom through the XML writer. Organizers read these on a
phone between meetings, so every change is a sentence (never a field name), every ICE
event says which of ICE's lists it came from, and an agency that signed two models at
once is one entry, not two.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from alerts.signal_text import Report, lead_words, report_of
from i18n import ENGLISH, N_, Language
from parsers.places import state_name
from parsers.urls import web_url
from settings import TrackerSettings
from storage.identity import agency_key
from vocabulary import EventType

LABELS = {
    EventType.AGREEMENT_ADDED: N_("New agreement"),
    EventType.AGREEMENT_REMOVED: N_("Agreement removed"),
    EventType.AGREEMENT_CHANGED: N_("Agreement changed"),
    EventType.MOA_PUBLISHED: N_("MOA published"),
    EventType.ADDENDUM_PUBLISHED: N_("Addendum published"),
    EventType.MOA_CHANGED: N_("MOA changed"),
    EventType.PENDING_ADDED: N_("New pending request"),
    EventType.PENDING_REMOVED: N_("Pending request withdrawn"),
    EventType.LOCAL_SIGNAL: N_("Early warning"),
    EventType.BASELINE: N_("On the first list read"),
}
PLURAL_LABELS = {
    "agreement_added": N_("New agreements"),
    "agreement_removed": N_("Agreements removed"),
    "moa_published": N_("MOAs published"),
    "pending_added": N_("New pending requests"),
    "pending_removed": N_("Pending requests withdrawn"),
}
SIGNED_LABEL = N_("Pending request signed")
# Headings for the digest's groups, in the order a reader cares about them.
KIND_HEADINGS = {
    "agreement_added": N_("New agreements"),
    "pending_added": N_("New pending requests"),
    "pending_withdrawn": N_("Withdrawn requests"),
    "agreement_removed": N_("Agreements removed"),
    "moa_published": N_("MOAs published"),
    "addendum_published": N_("Addenda published"),
    "moa_changed": N_("MOAs changed"),
    "agreement_changed": N_("Corrections and other changes"),
    "pending_signed": N_("Pending requests signed"),
    "local_signal": N_("Early warning"),
}
MODELS = {"JEM": "Jail Enforcement Model", "TFM": "Task Force Model", "WSO": "Warrant Service Officer"}
# How a reader is told a model: the name with its code; Spanish explains ICE's English name.
MODEL_WORDS = {"JEM": N_("Jail Enforcement Model"), "TFM": N_("Task Force Model"), "WSO": N_("Warrant Service Officer")}
MODEL_FACTS = {"JEM": N_("Jail Enforcement Model (JEM)"), "TFM": N_("Task Force Model (TFM)"),
               "WSO": N_("Warrant Service Officer (WSO)")}
LINK_PENDING = N_("link pending on ICE's list")
COMBINABLE = {"agreement_added", "agreement_removed", "pending_added", "pending_removed", "moa_published"}
PARTICIPATING_TYPES = {"agreement_added", "agreement_removed", "agreement_changed", "moa_published",
                       "addendum_published", "moa_changed"}
ICE_PAGE_LABEL = N_("ICE's 287(g) page")
AGENCY_PAGE_LABEL = N_("agency page")
FIRST_REPORT_LABEL = N_("first report")
FIELD_WORDS = {
    "agency": N_("name"),
    "agency_type": N_("agency type"),
    "county": N_("county"),
    "state": N_("state"),
    "signed": N_("signed date"),
    "signed_raw": N_("signed date as published"),
    "model": N_("model"),
}
# ICE's agency types, as its list words them; a type not here is shown as ICE wrote it.
AGENCY_TYPES = (N_("County"), N_("Municipality"), N_("State Agency"), N_("Territory"))
# The notes the store's diff writes into events (storage.diff), as stored: events keep their wording.
STORED_NOTES = (
    N_("listed again after removal"),
    N_("matched on county, model and signed date only: the agreement seems to have a new holder; flagged for review"),
    N_("same agency, model and signed date under another state: read as a state correction"),
)
DUPLICATE_NOTE = re.compile(r"^ICE dropped a duplicate row \((?P<agency>.*)\); one agreement remains$")
# The names Spanish writes its own way; every other state reads the same in both languages.
STATE_WORDS = (
    N_("No state"), N_("District of Columbia"), N_("Hawaii"), N_("Louisiana"), N_("Mississippi"), N_("Missouri"),
    N_("New Hampshire"), N_("New Jersey"), N_("New Mexico"), N_("New York"), N_("North Carolina"),
    N_("North Dakota"), N_("Pennsylvania"), N_("South Carolina"), N_("South Dakota"), N_("West Virginia"),
    N_("Virgin Islands"), N_("Northern Mariana Islands"), N_("American Samoa"),
)


def state_label(code: str | None, lang: Language = ENGLISH) -> str:
    """A state's name in the reader's language (`NY` → `New York` / `Nueva York`)."""
    return lang.gettext(state_name(code))


def model_fact(code: str, lang: Language = ENGLISH) -> str:
    """`Task Force Model (TFM)`; a code ICE has not used before is shown as written."""
    return lang.gettext(MODEL_FACTS[code]) if code in MODEL_FACTS else code


@dataclass(frozen=True)
class Links:
    """Where events point: ICE's page (not the workbook), and the explorer when it is published."""

    ice_page: str = TrackerSettings.ice_287g_url
    public_url: str = ""

    @classmethod
    def of(cls, config: TrackerSettings) -> Links:
        return cls(ice_page=config.ice_287g_url, public_url=config.public_url)

    def agency_page(self, agreement_id: int | None) -> str | None:
        if not self.public_url or agreement_id is None:
            return None
        return f"{self.public_url}/agency/{agreement_id}"


@dataclass(frozen=True)
class Document:
    """An MOA or addendum line: a URL, or None when ICE lists the agreement with "link pending"."""

    label: str
    url: str | None


@dataclass(frozen=True)
class EventSummary:
    """One event (or one agency's same-day events for several models) reduced to what a reader scans for."""

    seqs: tuple[int, ...]
    type: str
    kind: str
    label: str
    state: str | None
    subject: str
    facts: tuple[str, ...]
    changes: tuple[str, ...]
    documents: tuple[Document, ...]
    links: tuple[tuple[str, str], ...]
    quote: str | None
    published: str | None
    detected_at: str
    models: tuple[str, ...] = ()
    where: str | None = None
    report: Report | None = None  # a local signal's sentence, outlet and links
    lang: Language = ENGLISH  # the language its words are in, which whatever renders it keeps to

    @property
    def seq(self) -> int:
        return self.seqs[0]

    @property
    def headline(self) -> str:
        if self.report is not None:
            return f"{self.label}: {self.report.line}"
        where = f" — {self.where}" if self.where else ""
        return f"{self.label}: {self.subject}{where}"


@dataclass(frozen=True)
class EventRow:
    """What the summaries need from a stored event: its order, its agreement and its payload."""

    seq: int
    payload: Mapping[str, Any]
    agreement_id: int | None = None
    first_report: Mapping[str, Any] | None = None  # the signal that placed a newly listed agency first


def _text(value: Any) -> str:
    return "" if value is None else " ".join(str(value).split())


def _signer(raw: Any) -> str | None:
    if not isinstance(raw, Mapping):
        return None
    parts = [_text(raw.get(k)) for k in ("name", "title")]
    text = ", ".join(p for p in parts if p)
    return text or None


def human_date(value: Any, lang: Language = ENGLISH) -> str | None:
    """`2025-06-06` → `June 6, 2025` (`6 de junio de 2025`); anything else is returned as text (or None when empty)."""
    text = _text(value)
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text[:10])
    except ValueError:
        return text
    return lang.date(day)


def publication_date(payload: Mapping[str, Any], lang: Language = ENGLISH) -> str | None:
    """When ICE published the list an event came from, as a reader says it.

    The publication time (when the tracker's crawl or an archive first saw the list) is preferred;
    ICE's own stamp from the file name (`2025-06-06 am`) comes next. Events without either (local
    signals, older stores) say nothing rather than pass off the import time as ICE's date.
    """
    for key in ("published_at", "publication_time", "publication"):
        raw = _text(payload.get(key))
        if not raw:
            continue
        day = human_date(raw, lang)
        half = raw[10:].strip().lower() if len(raw) > 10 and raw[10] == " " else ""
        if half == "am":
            return lang.gettext("%(day)s (am)") % {"day": day}
        if half == "pm":
            return lang.gettext("%(day)s (pm)") % {"day": day}
        return day
    return None


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _note(payload: Mapping[str, Any], lang: Language) -> str:
    """The diff's note in the reader's language, as the start of a clause."""
    note = _text(payload.get("note"))
    duplicate = DUPLICATE_NOTE.match(note)
    if duplicate:
        note = lang.gettext("ICE dropped a duplicate row (%(agency)s); one agreement remains") % {
            "agency": duplicate["agency"]}
    else:
        note = lang.gettext(note) if note else ""
    return _lower_first(note)


def _link_change(key: str, old_text: str, new_text: str, lang: Language) -> str:
    moa = key == "moa_url"
    if not old_text:
        return lang.gettext("MOA published") if moa else lang.gettext("addendum published")
    if not new_text:
        return lang.gettext("MOA link taken off ICE's list") if moa else lang.gettext(
            "addendum link taken off ICE's list")
    return lang.gettext("MOA link replaced") if moa else lang.gettext("addendum link replaced")


def describe_change(key: str, old: Any, new: Any, lang: Language = ENGLISH) -> str:
    """One changed field as a sentence: `renamed from “Kenneth City PD” to “Kenneth City Police Department”`."""
    old_text, new_text = _text(old), _text(new)
    if key == "agency":
        return lang.gettext("renamed from “%(old)s” to “%(new)s”") % {"old": old_text, "new": new_text}
    if key == "state":
        return lang.gettext("moved from %(old)s to %(new)s on ICE's list") % {
            "old": state_label(old_text, lang), "new": state_label(new_text, lang)}
    if key in ("moa_url", "addendum_url"):
        return _link_change(key, old_text, new_text, lang)
    if key == "signed_raw":
        if not new_text:
            return lang.gettext("signed date “%(old)s” corrected") % {"old": old_text}
        if old_text:
            return lang.gettext("signed date now published as “%(new)s” (was “%(old)s”)") % {
                "new": new_text, "old": old_text}
        return lang.gettext("signed date now published as “%(new)s”") % {"new": new_text}
    if key == "signed":
        old_text, new_text = human_date(old_text, lang) or "", human_date(new_text, lang) or ""
    if key == "model":
        old_text = model_fact(old_text, lang) if old_text else ""
        new_text = model_fact(new_text, lang) if new_text else ""
    if key == "agency_type":
        old_text, new_text = lang.gettext(old_text) if old_text else "", lang.gettext(new_text) if new_text else ""
    what = lang.gettext(FIELD_WORDS[key]) if key in FIELD_WORDS else key.replace("_", " ")
    words = {"what": what, "old": old_text, "new": new_text}
    if not old_text:
        return lang.gettext("%(what)s now given as %(new)s") % words
    if not new_text:
        return lang.gettext("%(what)s no longer given (was %(old)s)") % words
    return lang.gettext("%(what)s corrected to %(new)s (was %(old)s)") % words


def pending_since(payload: Mapping[str, Any], lang: Language = ENGLISH) -> str:
    """A signing in a few words: `signed (was pending since May 19, 2025)`."""
    since = human_date(payload.get("pending_since"), lang)
    if since:
        return lang.gettext("signed (was pending since %(since)s)") % {"since": since}
    return lang.gettext("signed (was on the pending list)")


def _off_the_list(payload: Mapping[str, Any], lang: Language) -> str:
    since = human_date(payload.get("removed_as_of"), lang)
    if since:
        return lang.gettext("no longer on ICE's list since %(since)s") % {"since": since}
    return lang.gettext("no longer on ICE's list")


def _pdf_changed(payload: Mapping[str, Any], lang: Language) -> str:
    if payload.get("document") == "addendum":
        return lang.gettext("the addendum PDF behind the same link changed")
    return lang.gettext("the MOA PDF behind the same link changed")


def _words(kind: str, payload: Mapping[str, Any], lang: Language) -> str:
    """The plain sentence of the kinds `sentence` tells in a few words."""
    signed = human_date(payload.get("signed"), lang)
    since = human_date(payload.get("removed_as_of"), lang)
    if kind == "agreement_added":
        return (lang.gettext("new agreement, signed %(signed)s") % {"signed": signed} if signed
                else lang.gettext("new agreement"))
    if kind == "agreement_removed":
        return _off_the_list(payload, lang)
    if kind == "pending_added":
        return lang.gettext("new pending request")
    if kind == "pending_withdrawn":
        return (lang.gettext("left the pending list without an agreement (missing since %(since)s)")
                % {"since": since} if since else lang.gettext("left the pending list without an agreement"))
    if kind == "moa_published":
        return lang.gettext("MOA published")
    if kind == "addendum_published":
        return lang.gettext("addendum published")
    if kind == "moa_changed":
        return _pdf_changed(payload, lang)
    if kind == "baseline":
        return (lang.gettext("on the first pending list the tracker read") if payload.get("list") == "pending"
                else lang.gettext("on the first list the tracker read"))
    return kind.replace("_", " ")


def sentence(payload: Mapping[str, Any], lang: Language = ENGLISH) -> str:
    """The whole change in one line of words, for tables, the explorer and spreadsheets; never a field name."""
    kind = kind_of(payload)
    signed = human_date(payload.get("signed"), lang)
    if kind == "local_signal":
        return " ".join(p for p in (_text(payload.get("title")), _text(payload.get("url"))) if p)
    if kind == "agreement_added" and payload.get("was_pending"):
        signing = pending_since(payload, lang)
        return (lang.gettext("%(signing)s; agreement dated %(signed)s") % {"signing": signing, "signed": signed}
                if signed else signing)
    if kind == "pending_signed":
        return pending_since(payload, lang)
    if kind == "agreement_changed":
        changes = "; ".join(c for c in (_changes(kind, payload, lang) or (_note(payload, lang),)) if c)
        return lang.gettext("%(changes)s (flagged for review)") % {"changes": changes} if payload.get("review") \
            else changes
    text = _words(kind, payload, lang)
    note = _note(payload, lang)
    return f"{text} ({note})" if note else text


def _changes(kind: str, payload: Mapping[str, Any], lang: Language = ENGLISH) -> tuple[str, ...]:
    before, after = payload.get("before"), payload.get("after")
    if kind != "agreement_changed" or payload.get("rule") == "duplicate_dropped":
        return ()
    before = before if isinstance(before, Mapping) else {}
    after = after if isinstance(after, Mapping) else {}
    keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
    if "signed" in keys and "signed_raw" in keys:
        keys.remove("signed_raw")  # the typed text is how ICE wrote the same date; one sentence is enough
    return tuple(describe_change(k, before.get(k), after.get(k), lang) for k in keys
                 if before.get(k) != after.get(k))


def _model_fact(models: Sequence[str], lang: Language) -> str | None:
    if not models:
        return None
    if len(models) == 1:
        return model_fact(models[0], lang)
    names = ", ".join(lang.gettext(MODEL_WORDS[m]) if m in MODEL_WORDS else m for m in models)
    return f"{' + '.join(models)} ({names})"


def kind_of(payload: Mapping[str, Any]) -> str:
    """The reader's kind of change: like `type`, but a pending request that left the list is
    either withdrawn or signed, which readers care about very differently."""
    kind = str(payload.get("type") or "")
    if kind == "pending_removed":
        return "pending_signed" if payload.get("reason") == "signed" else "pending_withdrawn"
    return kind


def _status_facts(kind: str, payload: Mapping[str, Any], lang: Language) -> list[str]:
    """What became of the agreement or request, beyond its model and date."""
    if kind == "agreement_added" and payload.get("was_pending"):
        since = human_date(payload.get("pending_since"), lang)
        return [lang.gettext("was pending since %(since)s") % {"since": since} if since
                else lang.gettext("was on the pending list")]
    if kind == "pending_withdrawn":
        since = human_date(payload.get("removed_as_of"), lang)
        return [lang.gettext("left ICE's pending list without signing an agreement (missing since %(since)s)")
                % {"since": since} if since
                else lang.gettext("left ICE's pending list without signing an agreement")]
    if kind == "pending_signed":
        return [lang.gettext("%(signing)s; now on ICE's list of signed agreements") % {
            "signing": pending_since(payload, lang)}]
    if kind == "agreement_removed":
        return [_off_the_list(payload, lang)]
    if kind == "moa_changed":
        return [_pdf_changed(payload, lang)]
    if kind in ("moa_published", "addendum_published"):
        key = "moa_url" if kind == "moa_published" else "addendum_url"
        before = payload.get("before")
        if isinstance(before, Mapping) and before.get(key):
            return [lang.gettext("replaces an earlier link")]
    return []


def _facts(kind: str, payload: Mapping[str, Any], models: Sequence[str], lang: Language = ENGLISH) -> list[str]:
    facts: list[str] = []
    model = _model_fact(models, lang)
    if model:
        facts.append(model)
    if payload.get("signed"):
        facts.append(lang.gettext("signed %(date)s") % {"date": human_date(payload.get("signed"), lang)})
    elif payload.get("signed_raw") and kind not in ("pending_added", "pending_withdrawn", "pending_signed"):
        facts.append(lang.gettext("signed “%(raw)s” (as published)") % {"raw": _text(payload.get("signed_raw"))})
    facts += _status_facts(kind, payload, lang)
    lea, ice = _signer(payload.get("lea_signer")), _signer(payload.get("ice_signer"))
    if lea:
        facts.append(lang.gettext("signed for the agency by %(signer)s") % {"signer": lea})
    if ice:
        facts.append(lang.gettext("for ICE by %(signer)s") % {"signer": ice})
    if payload.get("note"):
        facts.append(_note(payload, lang))
    elif payload.get("review"):
        facts.append(lang.gettext("flagged for review"))
    return facts


def _documents(kind: str, group: Sequence[EventRow], lang: Language = ENGLISH) -> list[Document]:
    documents: list[Document] = []
    several = len(group) > 1
    moa, addendum_label = lang.gettext("MOA"), lang.gettext("Addendum")
    for row in group:
        payload = row.payload
        model = _text(payload.get("model"))
        suffix = f" ({model})" if several and model else ""
        url, addendum = _web_link(payload.get("moa_url")), _web_link(payload.get("addendum_url"))
        if kind == "addendum_published":
            if addendum:
                documents.append(Document(f"{addendum_label}{suffix}", addendum))
            continue
        if url:
            documents.append(Document(f"{moa}{suffix}", url))
        elif kind in ("agreement_added", "agreement_changed"):
            documents.append(Document(f"{moa}{suffix}", None))
        if addendum and kind != "moa_published":
            documents.append(Document(f"{addendum_label}{suffix}", addendum))
    if several and documents and all(d.url is None for d in documents):
        return [Document(moa, None)]  # one "link pending" says it for every model
    return documents


def _label(kind: str, kind_type: str, several: bool, lang: Language) -> str:
    if kind == "pending_signed":
        return lang.gettext(SIGNED_LABEL)
    if several and kind_type in PLURAL_LABELS:
        return lang.gettext(PLURAL_LABELS[kind_type])
    if kind_type in LABELS:
        return lang.gettext(LABELS[kind_type])
    return kind_type.replace("_", " ").capitalize() if not several else kind_type


def _where(payload: Mapping[str, Any], lang: Language) -> str:
    agency_type = _text(payload.get("agency_type"))
    return ", ".join(p for p in (lang.gettext(agency_type) if agency_type else "", _text(payload.get("county"))) if p)


def _summarize_group(group: Sequence[EventRow], links: Links, lang: Language = ENGLISH) -> EventSummary:
    first = group[0]
    payload = first.payload
    kind_type = str(payload.get("type") or "")
    kind = kind_of(payload)
    out_links: list[tuple[str, str]] = []
    documents: list[Document] = []
    quote = None
    report = None
    models = tuple(_text(r.payload.get("model")) for r in group if _text(r.payload.get("model")))
    if kind == "local_signal":
        report = report_of(payload, lang=lang)
        subject = report.sentence
        facts = [report.also_text] if report.also_text else []
        quote = report.excerpt
        _add_link(out_links, report.source, report.url)
        for outlet, url in report.also:
            _add_link(out_links, outlet, url)
        published = None
    else:
        subject = _text(payload.get("agency")) or lang.gettext("Unknown agency")
        facts = _facts(kind, payload, models, lang)
        documents = _documents(kind, group, lang)
        out_links.append((lang.gettext(ICE_PAGE_LABEL), links.ice_page))
        page = links.agency_page(first.agreement_id)
        if page:
            out_links.append((lang.gettext(AGENCY_PAGE_LABEL), page))
        lead = next((r.first_report for r in group if r.first_report), None)
        if lead and kind == "agreement_added":
            facts.append(lead_words(lead, lang))
            _add_link(out_links, lang.gettext(FIRST_REPORT_LABEL), lead.get("url"))
        published = publication_date(payload, lang)
    where = _where(payload, lang)
    return EventSummary(
        seqs=tuple(r.seq for r in group),
        type=kind_type,
        kind=kind,
        label=_label(kind, kind_type, len(group) > 1, lang),
        state=payload.get("state") or None,
        subject=subject,
        where=where if kind != "local_signal" and where else None,
        facts=tuple(facts),
        changes=_changes(kind_type, payload, lang),
        documents=tuple(documents),
        links=tuple(out_links),
        quote=quote,
        published=published,
        detected_at=_text(payload.get("detected_at")),
        models=models,
        report=report,
        lang=lang,
    )


def _together_key(row: EventRow) -> tuple | None:
    """Events that read as one: the same agency's same change on the same day's list, model aside."""
    p = row.payload
    if p.get("type") not in COMBINABLE:
        return None
    name = " ".join(_text(p.get("agency")).lower().split())
    return (p.get("type"), p.get("reason"), p.get("state"), name, _text(p.get("county")).lower(),
            p.get("signed"), p.get("publication"), p.get("list"))


def _signing_key(payload: Mapping[str, Any]) -> tuple:
    return (payload.get("state"), agency_key(_text(payload.get("agency"))))


def told_as_agreements(rows: Sequence[EventRow]) -> set[int]:
    """The pending requests that left the list because they signed, when their new agreement is among `rows`.

    A signing is one line, the new agreement's ("signed (was pending since …)"), not a
    withdrawal-looking "pending removed" beside it. They are paired by the agreement the pending
    event names (`signed_as`: one of the agency's agreements) or by state and agency name.
    """
    added = [r.payload for r in rows if r.payload.get("type") == "agreement_added" and r.payload.get("was_pending")]
    uids = {p.get("agreement_uid") for p in added} - {None}
    names = {_signing_key(p) for p in added}

    def told(payload: Mapping[str, Any]) -> bool:
        return payload.get("signed_as") in uids or _signing_key(payload) in names

    return {r.seq for r in rows if kind_of(r.payload) == "pending_signed" and told(r.payload)}


def summarize_rows(rows: Iterable[EventRow], links: Links, lang: Language = ENGLISH) -> list[EventSummary]:
    """Pure: stored events to summaries, an agency's several models signed together as one entry,
    a pending request that signed told once, as its new agreement."""
    rows = sorted(rows, key=lambda r: r.seq)
    told = told_as_agreements(rows)
    groups: dict[object, list[EventRow]] = {}
    for row in rows:
        if row.seq in told:
            continue
        key = _together_key(row)
        groups.setdefault(key if key is not None else ("seq", row.seq), []).append(row)
    return [_summarize_group(group, links, lang) for group in groups.values()]


def summarize(seq: int, payload: Mapping[str, Any], links: Links | None = None,
              agreement_id: int | None = None, lang: Language = ENGLISH) -> EventSummary:
    """One event on its own (the feeds keep one entry per event)."""
    return _summarize_group([EventRow(seq, payload, agreement_id)], links or Links(), lang)


def document_text(document: Document, lang: Language = ENGLISH) -> str:
    return f"{document.label}: {document.url or lang.gettext(LINK_PENDING)}"


def _web_link(url: object) -> str | None:
    """Only web addresses become links; events stored before the parser dropped the rest may still hold one."""
    return str(url) if url and web_url(str(url)) else None


def _add_link(links: list[tuple[str, str]], label: str, url: object) -> None:
    link = _web_link(url)
    if link:
        links.append((label, link))


def plain_lines(summary: EventSummary) -> list[str]:
    """The event as a few lines of plain text: the email's text part and the feeds use this."""
    lines = [summary.headline]
    if summary.facts:
        lines.append("  " + " · ".join(summary.facts))
    for change in summary.changes:
        lines.append(f"  {change}")
    if summary.quote:
        lines.append(f"  “{summary.quote}”")
    for document in summary.documents:
        lines.append(f"  {document_text(document, summary.lang)}")
    if summary.published:
        lines.append("  " + list_of(summary.published, summary.lang))
    for label, url in summary.links:
        lines.append(f"  {label}: {url}")
    return lines


def list_of(published: str, lang: Language = ENGLISH) -> str:
    """`ICE's list of June 6, 2025 (am)`."""
    return lang.gettext("ICE's list of %(date)s") % {"date": published}


def by_state(summaries: Iterable[EventSummary], lang: Language = ENGLISH) -> list[tuple[str | None,
                                                                                       list[EventSummary]]]:
    """Group in state order, by the names the reader reads (unknown state last), events in the order they happened."""
    groups: dict[str | None, list[EventSummary]] = {}
    for summary in summaries:
        groups.setdefault(summary.state, []).append(summary)
    ordered = sorted(groups, key=lambda s: (s is None, state_label(s, lang)))
    return [(state, sorted(groups[state], key=lambda e: e.seq)) for state in ordered]


def by_kind(summaries: Iterable[EventSummary], lang: Language = ENGLISH) -> list[tuple[str, list[EventSummary]]]:
    """Group by the reader's kind of change, in KIND_HEADINGS order; the heading and its events."""
    groups: dict[str, list[EventSummary]] = {}
    for summary in summaries:
        groups.setdefault(summary.kind, []).append(summary)
    order = list(KIND_HEADINGS)
    ordered = sorted(groups, key=lambda k: (order.index(k) if k in order else len(order), k))
    return [(lang.gettext(KIND_HEADINGS[kind]) if kind in KIND_HEADINGS else kind.replace("_", " ").capitalize(),
             groups[kind]) for kind in ordered]


def publications(summaries: Iterable[EventSummary]) -> list[str]:
    """The distinct ICE lists these events came from, in order of appearance."""
    return list(dict.fromkeys(s.published for s in summaries if s.published))
