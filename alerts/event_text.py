"""What an event says, in plain words, shared by Slack, email and the feeds.

Kept free of any markup so each channel escapes it its own way: Slack's mrkdwn, HTML
through Jinja2's autoescaping, Atom through the XML writer. Organizers read these on a
phone between meetings, so every change is a sentence (never a field name), every ICE
event says which of ICE's lists it came from, and an agency that signed two models at
once is one entry, not two.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from alerts.signal_text import Report, lead_words, report_of
from parsers.places import state_name
from parsers.urls import web_url
from settings import TrackerSettings
from storage.identity import agency_key
from vocabulary import EventType

LABELS = {
    EventType.AGREEMENT_ADDED: "New agreement",
    EventType.AGREEMENT_REMOVED: "Agreement removed",
    EventType.AGREEMENT_CHANGED: "Agreement changed",
    EventType.MOA_PUBLISHED: "MOA published",
    EventType.ADDENDUM_PUBLISHED: "Addendum published",
    EventType.MOA_CHANGED: "MOA changed",
    EventType.PENDING_ADDED: "New pending request",
    EventType.PENDING_REMOVED: "Pending request withdrawn",
    EventType.LOCAL_SIGNAL: "Early warning",
    EventType.BASELINE: "On the first list read",
}
PLURAL_LABELS = {
    "agreement_added": "New agreements",
    "agreement_removed": "Agreements removed",
    "moa_published": "MOAs published",
    "pending_added": "New pending requests",
    "pending_removed": "Pending requests withdrawn",
}
SIGNED_LABEL = "Pending request signed"
# Headings for the digest's groups, in the order a reader cares about them.
KIND_HEADINGS = {
    "agreement_added": "New agreements",
    "pending_added": "New pending requests",
    "pending_withdrawn": "Withdrawn requests",
    "agreement_removed": "Agreements removed",
    "moa_published": "MOAs published",
    "addendum_published": "Addenda published",
    "moa_changed": "MOAs changed",
    "agreement_changed": "Corrections and other changes",
    "pending_signed": "Pending requests signed",
    "local_signal": "Early warning",
}
MODELS = {"JEM": "Jail Enforcement Model", "TFM": "Task Force Model", "WSO": "Warrant Service Officer"}
LINK_PENDING = "link pending on ICE's list"
COMBINABLE = {"agreement_added", "agreement_removed", "pending_added", "pending_removed", "moa_published"}
PARTICIPATING_TYPES = {"agreement_added", "agreement_removed", "agreement_changed", "moa_published",
                       "addendum_published", "moa_changed"}
ICE_PAGE_LABEL = "ICE's 287(g) page"
AGENCY_PAGE_LABEL = "agency page"
FIRST_REPORT_LABEL = "first report"
FIELD_WORDS = {
    "agency": "name",
    "agency_type": "agency type",
    "county": "county",
    "state": "state",
    "signed": "signed date",
    "signed_raw": "signed date as published",
    "model": "model",
}


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


def human_date(value: Any) -> str | None:
    """`2025-06-06` → `June 6, 2025`; anything else is returned as text (or None when empty)."""
    text = _text(value)
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text[:10])
    except ValueError:
        return text
    return f"{day:%B} {day.day}, {day.year}"


def publication_date(payload: Mapping[str, Any]) -> str | None:
    """When ICE published the list an event came from, as a reader says it.

    The publication time (when the tracker's crawl or an archive first saw the list) is preferred;
    ICE's own stamp from the file name (`2025-06-06 am`) comes next. Events without either (local
    signals, older stores) say nothing rather than pass off the import time as ICE's date.
    """
    for key in ("published_at", "publication_time", "publication"):
        raw = _text(payload.get(key))
        if not raw:
            continue
        day = human_date(raw)
        half = raw[10:].strip().lower() if len(raw) > 10 and raw[10] == " " else ""
        return f"{day} ({half})" if half in ("am", "pm") else day
    return None


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def describe_change(key: str, old: Any, new: Any) -> str:
    """One changed field as a sentence: `renamed from “Kenneth City PD” to “Kenneth City Police Department”`."""
    old_text, new_text = _text(old), _text(new)
    if key == "agency":
        return f"renamed from “{old_text}” to “{new_text}”"
    if key == "state":
        return f"moved from {state_name(old_text)} to {state_name(new_text)} on ICE's list"
    if key in ("moa_url", "addendum_url"):
        what = "MOA" if key == "moa_url" else "addendum"
        if not old_text:
            return f"{what} published"
        if not new_text:
            return f"{what} link taken off ICE's list"
        return f"{what} link replaced"
    if key == "signed_raw":
        if not new_text:
            return f"signed date “{old_text}” corrected"
        return f"signed date now published as “{new_text}”" + (f" (was “{old_text}”)" if old_text else "")
    if key == "signed":
        old_text, new_text = human_date(old_text) or "", human_date(new_text) or ""
    if key == "model":
        old_text = f"{MODELS.get(old_text, old_text)} ({old_text})" if old_text else ""
        new_text = f"{MODELS.get(new_text, new_text)} ({new_text})" if new_text else ""
    what = FIELD_WORDS.get(key, key.replace("_", " "))
    if not old_text:
        return f"{what} now given as {new_text}"
    if not new_text:
        return f"{what} no longer given (was {old_text})"
    return f"{what} corrected to {new_text} (was {old_text})"


def pending_since(payload: Mapping[str, Any]) -> str:
    """A signing in a few words: `signed (was pending since May 19, 2025)`."""
    since = human_date(payload.get("pending_since"))
    return f"signed (was pending since {since})" if since else "signed (was on the pending list)"


def sentence(payload: Mapping[str, Any]) -> str:
    """The whole change in one line of words, for tables, the explorer and spreadsheets; never a field name."""
    kind = kind_of(payload)
    signed = human_date(payload.get("signed"))
    since = human_date(payload.get("removed_as_of"))
    if kind == "local_signal":
        return " ".join(p for p in (_text(payload.get("title")), _text(payload.get("url"))) if p)
    if kind == "agreement_added" and payload.get("was_pending"):
        return pending_since(payload) + (f"; agreement dated {signed}" if signed else "")
    if kind == "pending_signed":
        return pending_since(payload)
    if kind == "agreement_changed":
        changes = _changes(kind, payload) or (_lower_first(_text(payload.get("note"))),)
        return "; ".join(c for c in changes if c) + (" (flagged for review)" if payload.get("review") else "")
    words = {
        "agreement_added": "new agreement" + (f", signed {signed}" if signed else ""),
        "agreement_removed": "no longer on ICE's list" + (f" since {since}" if since else ""),
        "pending_added": "new pending request",
        "pending_withdrawn": "left the pending list without an agreement" + (f" (missing since {since})"
                                                                              if since else ""),
        "moa_published": "MOA published",
        "addendum_published": "addendum published",
        "moa_changed": f"the {'addendum' if payload.get('document') == 'addendum' else 'MOA'} PDF behind the "
                       "same link changed",
        "baseline": f"on the first {'pending ' if payload.get('list') == 'pending' else ''}list the tracker read",
    }
    text = words.get(kind, kind.replace("_", " "))
    note = _text(payload.get("note"))
    return f"{text} ({_lower_first(note)})" if note and kind != "agreement_changed" else text


def _changes(kind: str, payload: Mapping[str, Any]) -> tuple[str, ...]:
    before, after = payload.get("before"), payload.get("after")
    if kind != "agreement_changed" or payload.get("rule") == "duplicate_dropped":
        return ()
    before = before if isinstance(before, Mapping) else {}
    after = after if isinstance(after, Mapping) else {}
    keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
    if "signed" in keys and "signed_raw" in keys:
        keys.remove("signed_raw")  # the typed text is how ICE wrote the same date; one sentence is enough
    return tuple(describe_change(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k))


def _model_fact(models: Sequence[str]) -> str | None:
    if not models:
        return None
    if len(models) == 1:
        code = models[0]
        return f"{MODELS[code]} ({code})" if code in MODELS else code
    return f"{' + '.join(models)} ({', '.join(MODELS.get(m, m) for m in models)})"


def kind_of(payload: Mapping[str, Any]) -> str:
    """The reader's kind of change: like `type`, but a pending request that left the list is
    either withdrawn or signed, which readers care about very differently."""
    kind = str(payload.get("type") or "")
    if kind == "pending_removed":
        return "pending_signed" if payload.get("reason") == "signed" else "pending_withdrawn"
    return kind


def _facts(kind: str, payload: Mapping[str, Any], models: Sequence[str]) -> list[str]:
    facts: list[str] = []
    model = _model_fact(models)
    if model:
        facts.append(model)
    if payload.get("signed"):
        facts.append(f"signed {human_date(payload.get('signed'))}")
    elif payload.get("signed_raw") and kind not in ("pending_added", "pending_withdrawn", "pending_signed"):
        facts.append(f"signed “{_text(payload.get('signed_raw'))}” (as published)")
    if payload.get("was_pending") and kind == "agreement_added":
        since = human_date(payload.get("pending_since"))
        facts.append(f"was pending since {since}" if since else "was on the pending list")
    if kind == "pending_withdrawn":
        since = human_date(payload.get("removed_as_of"))
        facts.append("left ICE's pending list without signing an agreement"
                     + (f" (missing since {since})" if since else ""))
    elif kind == "pending_signed":
        facts.append(pending_since(payload) + "; now on ICE's list of signed agreements")
    elif kind == "agreement_removed":
        since = human_date(payload.get("removed_as_of"))
        facts.append(f"no longer on ICE's list{f' since {since}' if since else ''}")
    elif kind == "moa_changed":
        what = "addendum" if payload.get("document") == "addendum" else "MOA"
        facts.append(f"the {what} PDF behind the same link changed")
    elif kind in ("moa_published", "addendum_published"):
        key = "moa_url" if kind == "moa_published" else "addendum_url"
        before = payload.get("before")
        if isinstance(before, Mapping) and before.get(key):
            facts.append("replaces an earlier link")
    for key, role in (("lea_signer", "signed for the agency by"), ("ice_signer", "for ICE by")):
        signer = _signer(payload.get(key))
        if signer:
            facts.append(f"{role} {signer}")
    if payload.get("note"):
        facts.append(_lower_first(_text(payload.get("note"))))
    elif payload.get("review"):
        facts.append("flagged for review")
    return facts


def _documents(kind: str, group: Sequence[EventRow]) -> list[Document]:
    documents: list[Document] = []
    several = len(group) > 1
    for row in group:
        payload = row.payload
        model = _text(payload.get("model"))
        suffix = f" ({model})" if several and model else ""
        url, addendum = _web_link(payload.get("moa_url")), _web_link(payload.get("addendum_url"))
        if kind == "addendum_published":
            if addendum:
                documents.append(Document(f"Addendum{suffix}", addendum))
            continue
        if url:
            documents.append(Document(f"MOA{suffix}", url))
        elif kind in ("agreement_added", "agreement_changed"):
            documents.append(Document(f"MOA{suffix}", None))
        if addendum and kind != "moa_published":
            documents.append(Document(f"Addendum{suffix}", addendum))
    if several and documents and all(d.url is None for d in documents):
        return [Document("MOA", None)]  # one "link pending" says it for every model
    return documents


def _summarize_group(group: Sequence[EventRow], links: Links) -> EventSummary:
    first = group[0]
    payload = first.payload
    kind_type = str(payload.get("type") or "")
    kind = kind_of(payload)
    state = payload.get("state") or None
    out_links: list[tuple[str, str]] = []
    facts: list[str] = []
    documents: list[Document] = []
    quote = None
    report = None
    models = tuple(_text(r.payload.get("model")) for r in group if _text(r.payload.get("model")))
    if kind == "local_signal":
        report = report_of(payload)
        subject = report.sentence
        facts = [report.also_text] if report.also_text else []
        quote = report.excerpt
        _add_link(out_links, report.source, report.url)
        for outlet, url in report.also:
            _add_link(out_links, outlet, url)
        published = None
    else:
        subject = _text(payload.get("agency")) or "Unknown agency"
        facts = _facts(kind, payload, models)
        documents = _documents(kind, group)
        out_links.append((ICE_PAGE_LABEL, links.ice_page))
        page = links.agency_page(first.agreement_id)
        if page:
            out_links.append((AGENCY_PAGE_LABEL, page))
        lead = next((r.first_report for r in group if r.first_report), None)
        if lead and kind == "agreement_added":
            facts.append(lead_words(lead))
            _add_link(out_links, FIRST_REPORT_LABEL, lead.get("url"))
        published = publication_date(payload)
    where = ", ".join(p for p in (_text(payload.get("agency_type")), _text(payload.get("county"))) if p)
    if kind == "pending_signed":
        label = SIGNED_LABEL
    elif len(group) > 1:
        label = PLURAL_LABELS.get(kind_type, LABELS.get(kind_type, kind_type))
    else:
        label = LABELS.get(kind_type, kind_type.replace("_", " ").capitalize())
    return EventSummary(
        seqs=tuple(r.seq for r in group),
        type=kind_type,
        kind=kind,
        label=label,
        state=state,
        subject=subject,
        where=where if kind != "local_signal" and where else None,
        facts=tuple(facts),
        changes=_changes(kind_type, payload),
        documents=tuple(documents),
        links=tuple(out_links),
        quote=quote,
        published=published,
        detected_at=_text(payload.get("detected_at")),
        models=models,
        report=report,
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


def summarize_rows(rows: Iterable[EventRow], links: Links) -> list[EventSummary]:
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
    return [_summarize_group(group, links) for group in groups.values()]


def summarize(seq: int, payload: Mapping[str, Any], links: Links | None = None,
              agreement_id: int | None = None) -> EventSummary:
    """One event on its own (the feeds keep one entry per event)."""
    return _summarize_group([EventRow(seq, payload, agreement_id)], links or Links())


def document_text(document: Document) -> str:
    return f"{document.label}: {document.url or LINK_PENDING}"


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
        lines.append(f"  {document_text(document)}")
    if summary.published:
        lines.append(f"  ICE's list of {summary.published}")
    for label, url in summary.links:
        lines.append(f"  {label}: {url}")
    return lines


def by_state(summaries: Iterable[EventSummary]) -> list[tuple[str | None, list[EventSummary]]]:
    """Group in state order (unknown state last), events in the order they happened."""
    groups: dict[str | None, list[EventSummary]] = {}
    for summary in summaries:
        groups.setdefault(summary.state, []).append(summary)
    ordered = sorted(groups, key=lambda s: (s is None, state_name(s)))
    return [(state, sorted(groups[state], key=lambda e: e.seq)) for state in ordered]


def by_kind(summaries: Iterable[EventSummary]) -> list[tuple[str, list[EventSummary]]]:
    """Group by the reader's kind of change, in KIND_HEADINGS order; the heading and its events."""
    groups: dict[str, list[EventSummary]] = {}
    for summary in summaries:
        groups.setdefault(summary.kind, []).append(summary)
    order = list(KIND_HEADINGS)
    ordered = sorted(groups, key=lambda k: (order.index(k) if k in order else len(order), k))
    return [(KIND_HEADINGS.get(kind, kind.replace("_", " ").capitalize()), groups[kind]) for kind in ordered]


def publications(summaries: Iterable[EventSummary]) -> list[str]:
    """The distinct ICE lists these events came from, in order of appearance."""
    return list(dict.fromkeys(s.published for s in summaries if s.published))
