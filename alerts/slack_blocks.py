"""Slack messages for a run's events: Block Kit plus a plain-text fallback, split to fit.

Every event is named in full; what does not fit in one message (50 blocks, 3000 characters
per section, about 40,000 characters of text) continues in further parts that the sender
posts as thread replies (a bot), or as numbered messages of their own (an incoming webhook,
which cannot reply in a thread). Everything that came from a source is escaped for Slack's markup,
so an agency name can never ping a channel or forge a link.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from alerts.event_text import LINK_PENDING, Document, EventSummary, by_state, publications, state_label
from alerts.signal_text import Report
from i18n import ENGLISH, N_, Language

MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000
MAX_TEXT_CHARS = 39_000
MAX_HEADER_CHARS = 150
APP_NAME = N_("287(g) tracker")
EARLY_WARNING = N_("*Early warning* — local reports of a decision on 287(g), before ICE lists anything")


def escape(text: str) -> str:
    """Slack's three control characters; `<!channel>` becomes inert text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str, label: str) -> str:
    safe_url = escape(url).replace("|", "%7C").replace(" ", "%20")
    return f"<{safe_url}|{escape(label)}>"


@dataclass
class SlackPart:
    """One message of a run: the first is posted to the channel, the rest in its thread."""

    blocks: list[dict[str, Any]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    seqs: list[int] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _document_label(url: str) -> str:
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    return name or "PDF"


def document_mrkdwn(document: Document, lang: Language = ENGLISH) -> str:
    if document.url is None:
        return f"{escape(document.label)}: {escape(lang.gettext(LINK_PENDING))}"
    return f"{escape(document.label)}: {link(document.url, _document_label(document.url))}"


def report_mrkdwn(report: Report) -> tuple[str, list[str]]:
    """An early warning, in the report's language: the sentence, then the outlet linked and the day,
    then who else reported it."""
    source = escape(report.source)
    if report.url:
        source = link(report.url, report.source)
    note = ", ".join(p for p in (source if report.outlet or report.url else "", escape(report.when or "")) if p)
    head = f"*{escape(report.sentence)}*" + (f" ({note})" if note else "")
    rest = []
    if report.also:
        rest.append(report.also_with(", ".join(link(url, outlet) if url else escape(outlet)
                                               for outlet, url in report.also)))
    if report.excerpt:
        rest.append("> " + escape(report.excerpt))
    return head, rest


def event_mrkdwn(event: EventSummary) -> str:
    """One event as a section's mrkdwn, always within Slack's per-section limit."""
    if event.report is not None:
        head, rest = report_mrkdwn(event.report)
        return _clip("\n".join([head, *rest]), MAX_SECTION_CHARS)
    where = f" — {escape(event.where)}" if event.where else ""
    head = f"*{escape(event.label)}:* *{escape(event.subject)}*{where}"
    rest: list[str] = []
    if event.facts:
        rest.append(escape(" · ".join(event.facts)))
    rest.extend(f"• {escape(change)}" for change in event.changes)
    if event.quote:
        rest.append("> " + escape(event.quote))
    if event.documents:
        rest.append(" · ".join(document_mrkdwn(d, event.lang) for d in event.documents))
    if event.links:
        rest.append(" · ".join(link(url, label) for label, url in event.links))
    text = "\n".join([head, *rest])
    if len(text) <= MAX_SECTION_CHARS:
        return text
    # Links would break if cut, so drop them before cutting prose; the name always stays.
    text = "\n".join([head, *rest[:-1]]) if event.links else text
    return _clip(text, MAX_SECTION_CHARS)


def event_fallback(event: EventSummary) -> str:
    facts = f" ({' · '.join(event.facts)})" if event.facts else ""
    changes = "".join(f"; {change}" for change in event.changes)
    return escape(f"{event.state or '—'} · {event.headline}{facts}{changes}")


def lists_note(events: Sequence[EventSummary], lang: Language = ENGLISH) -> str | None:
    """`ICE's list of June 6, 2025 (am)`: which publications a message reports.

    Never worded to start with "From ": mail transports rewrite such a line to ">From".
    """
    found = publications(events)
    if not found:
        return None
    if len(found) == 1:
        return lang.gettext("ICE's list of %(date)s") % {"date": found[0]}
    return lang.gettext("ICE's lists of %(dates)s and %(last)s") % {"dates": ", ".join(found[:-1]), "last": found[-1]}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def changes(count: int, lang: Language = ENGLISH) -> str:
    """`1 change`, `12 changes` / `1 cambio`, `12 cambios`."""
    return lang.ngettext("%(count)s change", "%(count)s changes", count) % {"count": count}


def _state_heading(state: str | None, count: int, continued: bool, lang: Language) -> dict[str, Any]:
    code = f" ({state})" if state else ""
    suffix = lang.gettext(", continued") if continued else f" — {changes(count, lang)}"
    return _section(escape(f"*{state_label(state, lang)}{code}*{suffix}"))


def plan_messages(events: Sequence[EventSummary], threaded: bool = True, note: str | None = None,
                  lang: Language = ENGLISH) -> list[SlackPart]:
    """Pure: split a run's events for one channel into messages, grouped by state.

    `threaded`: the later parts are thread replies; otherwise each says which part it is.
    `note`: a line for the top of the first message.
    """
    groups = by_state(events, lang)
    if not groups:
        return []
    total = sum(len(g) for _, g in groups)
    states = " · ".join(f"{s or '—'} {len(g)}" for s, g in groups)
    title = f"{lang.gettext(APP_NAME)}: {changes(total, lang)}"
    context = " · ".join(p for p in (lists_note(events, lang), states) if p)
    first = SlackPart(
        blocks=[
            {"type": "header", "text": {"type": "plain_text", "text": _clip(title, MAX_HEADER_CHARS)}},
            _context(escape(context)),
        ],
        lines=[escape(f"{title} ({context})")],
    )
    if note:
        first.blocks.append(_context(escape(note)))
        first.lines.append(escape(note))
    parts = [first]
    for state, group in groups:
        heading_needed = True
        warned: SlackPart | None = None  # the message holding this state's early-warning heading
        # ICE's own changes first, then the state's early warnings under their own heading.
        group = sorted(group, key=lambda e: e.report is not None)
        for event in group:
            section = _section(event_mrkdwn(event))
            line = event_fallback(event)
            part = parts[-1]
            warning_needed = event.report is not None and warned is not part
            extra_blocks = 1 + heading_needed + warning_needed
            # The first message keeps one block free for the "continued in the thread" note.
            limit = MAX_BLOCKS - 1 if part is first else MAX_BLOCKS
            if part.seqs and (
                len(part.blocks) + extra_blocks > limit
                or len(part.text) + len(line) + 1 > MAX_TEXT_CHARS
            ):
                part = SlackPart(blocks=[_context("")], lines=[""])
                parts.append(part)
                heading_needed = True
                warning_needed = event.report is not None
            if heading_needed:
                part.blocks.append(_state_heading(state, len(group), event is not group[0], lang))
                heading_needed = False
            if warning_needed:
                part.blocks.append(_context(lang.gettext(EARLY_WARNING)))
                warned = part
            part.blocks.append(section)
            part.lines.append(line)
            part.seqs.extend(event.seqs)
    count = len(parts)
    for number, part in enumerate(parts[1:], start=2):
        continued = lang.gettext("%(app)s, continued: part %(number)s of %(count)s") % {
            "app": lang.gettext(APP_NAME), "number": number, "count": count}
        part.blocks[0] = _context(escape(continued))
        part.lines[0] = escape(continued)
    if count > 1:
        more = lang.gettext("%(count)s more part(s)") % {"count": count - 1}
        where = (lang.gettext("Continued in the thread: %(more)s.") if threaded
                 else lang.gettext("Continued in %(more)s, posted next.")) % {"more": more}
        first.blocks.insert(2, _context(escape(where)))
    return parts

