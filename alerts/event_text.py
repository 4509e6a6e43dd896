"""What an event says, in plain words, shared by Slack, email and the feeds.

Kept free of any markup so each channel escapes it its own way: Slack's mrkdwn, HTML
through Jinja2's autoescaping, Atom through the XML writer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import us

from scrapers.parsers.urls import web_url

LABELS = {
    "agreement_added": "New agreement",
    "agreement_removed": "Agreement removed",
    "agreement_changed": "Agreement changed",
    "moa_published": "MOA published",
    "addendum_published": "Addendum published",
    "moa_changed": "MOA changed",
    "pending_added": "New pending request",
    "pending_removed": "No longer pending",
    "local_signal": "Local government signal",
    "baseline": "Baseline",
}
MODELS = {"JEM": "Jail Enforcement Model", "TFM": "Task Force Model", "WSO": "Warrant Service Officer"}
SNIPPET_CHARS = 400
FIELD_NAMES = {"agency": "name", "signed": "signed", "county": "county", "state": "state", "model": "model"}


@dataclass(frozen=True)
class EventSummary:
    """One event reduced to the facts a reader scans for."""

    seq: int
    type: str
    label: str
    state: str | None
    subject: str
    facts: tuple[str, ...]
    changes: tuple[tuple[str, str, str], ...]
    links: tuple[tuple[str, str], ...]
    quote: str | None
    detected_at: str

    @property
    def headline(self) -> str:
        return f"{self.label}: {self.subject}"


def state_name(code: str | None) -> str:
    if not code:
        return "No state"
    found = us.states.lookup(code)
    return found.name if found is not None else code


def _text(value: Any) -> str:
    return "" if value is None else " ".join(str(value).split())


def _signer(raw: Any) -> str | None:
    if not isinstance(raw, Mapping):
        return None
    parts = [_text(raw.get(k)) for k in ("name", "title")]
    text = ", ".join(p for p in parts if p)
    return text or None


def _changes(before: Any, after: Any) -> tuple[tuple[str, str, str], ...]:
    if not isinstance(before, Mapping) and not isinstance(after, Mapping):
        return ()
    before = before if isinstance(before, Mapping) else {}
    after = after if isinstance(after, Mapping) else {}
    keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
    return tuple(
        (FIELD_NAMES.get(k, k.replace("_", " ")), _text(before.get(k)) or "(none)", _text(after.get(k)) or "(none)")
        for k in keys
        if before.get(k) != after.get(k)
    )


def _clip(text: str, limit: int = SNIPPET_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def summarize(seq: int, payload: Mapping[str, Any]) -> EventSummary:
    """Pure: the payload of an `Event` row (CONTRACT.md's event fields) to an `EventSummary`."""
    kind = str(payload.get("type") or "")
    state = payload.get("state") or None
    links: list[tuple[str, str]] = []
    facts: list[str] = []
    quote = None
    if kind == "local_signal":
        subject = _text(payload.get("jurisdiction")) or _text(payload.get("agency")) or "Unknown jurisdiction"
        title = _text(payload.get("title"))
        if title:
            facts.append(title)
        if payload.get("date"):
            facts.append(f"dated {_text(payload.get('date'))}")
        matched = payload.get("matched")
        if matched:
            words = matched if isinstance(matched, list) else [matched]
            facts.append("matched " + ", ".join(f"“{_text(w)}”" for w in words))
        if payload.get("snippet"):
            quote = _clip(_text(payload.get("snippet")))
        _add_link(links, "document", payload.get("url"))
    else:
        subject = _text(payload.get("agency")) or "Unknown agency"
        where = ", ".join(p for p in (_text(payload.get("agency_type")), _text(payload.get("county"))) if p)
        if where:
            facts.append(where)
        model = _text(payload.get("model"))
        if model:
            facts.append(f"{model} ({MODELS[model]})" if model in MODELS else model)
        if payload.get("signed"):
            facts.append(f"signed {_text(payload.get('signed'))}")
        elif payload.get("signed_raw"):
            facts.append(f"signed “{_text(payload.get('signed_raw'))}” (as published)")
        if payload.get("was_pending") and kind == "agreement_added":
            facts.append("was pending")
        for key, role in (("lea_signer", "signed for the agency by"), ("ice_signer", "for ICE by")):
            signer = _signer(payload.get(key))
            if signer:
                facts.append(f"{role} {signer}")
        if payload.get("reason"):
            facts.append(_text(payload.get("reason")))
        if payload.get("note"):
            facts.append(_text(payload.get("note")))
        _add_link(links, "MOA", payload.get("moa_url"))
        _add_link(links, "addendum", payload.get("addendum_url"))
    _add_link(links, "source", payload.get("source_url"))
    return EventSummary(
        seq=seq,
        type=kind,
        label=LABELS.get(kind, kind.replace("_", " ").capitalize()),
        state=state,
        subject=subject,
        facts=tuple(facts),
        changes=_changes(payload.get("before"), payload.get("after")),
        links=tuple(links),
        quote=quote,
        detected_at=_text(payload.get("detected_at")),
    )


def _add_link(links: list[tuple[str, str]], label: str, url: object) -> None:
    """Only web addresses become links; events stored before the parser dropped the rest may still hold one."""
    if url and web_url(str(url)):
        links.append((label, str(url)))


def plain_lines(summary: EventSummary) -> list[str]:
    """The event as a few lines of plain text: the email's text part and the feeds use this."""
    lines = [summary.headline]
    if summary.facts:
        lines.append("  " + " · ".join(summary.facts))
    for name, old, new in summary.changes:
        lines.append(f"  {name}: {old} → {new}")
    if summary.quote:
        lines.append(f"  “{summary.quote}”")
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
