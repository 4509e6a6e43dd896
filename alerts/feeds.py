"""Atom feeds: one per state (every state, quiet ones too) and one national, for readers who poll.

Files are replaced atomically and only when their content changed, so a feed reader (or a
web server's caching) never sees a half-written file or a spurious update. Each feed names
its own address (`rel="self"`) under PUBLIC_URL's `/feeds/`, where docs/alerts.md shows how to
publish the folder; entries link the agency's page on the explorer (when published) and
ICE's 287(g) page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from xml.etree import ElementTree as ET

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.event_text import EventRow, Links, plain_lines, summarize_rows, told_as_agreements
from parsers.places import state_codes, state_name
from storage.atomic_write import PUBLIC, write_atomically
from storage.early_warning import first_reports
from storage.models import Event
from vocabulary import EventType

ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 200
TAG = "tag:287g-tracker,2025"
NATIONAL = "all"


def _stamp(moment: dt.datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0).isoformat() + "Z"


def _published(event: Event) -> dt.datetime:
    """When ICE published the change (a backfilled one long before it was imported)."""
    return event.published_at or event.detected_at


def _child(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{name}", attrs)
    if text is not None:
        element.text = text
    return element


def feed_url(links: Links, name: str) -> str:
    """Where the feed is published: absolute under PUBLIC_URL, else relative to the feeds folder."""
    return f"{links.public_url}/feeds/{name}.xml" if links.public_url else f"{name}.xml"


def render_feed(
    name: str, title: str, events: Sequence[Event], updated: dt.datetime, links: Links | None = None,
    first: Mapping[str, Mapping] | None = None,
) -> bytes:
    """Pure: an Atom document for these events, newest first.

    `first`: by event id, the report that placed a newly listed agency before ICE did.
    """
    links = links or Links()
    first = first or {}
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _child(feed, "id", f"{TAG}:feed:{name}")
    _child(feed, "title", title)
    _child(feed, "updated", _stamp(_published(events[0]) if events else updated))
    _child(feed, "link", rel="self", href=feed_url(links, name), type="application/atom+xml")
    if links.public_url:
        page = links.public_url + ("/" if name == NATIONAL else f"/state/{name}")
        _child(feed, "link", rel="alternate", href=page, type="text/html")
    else:
        _child(feed, "link", rel="alternate", href=links.ice_page, type="text/html")
    author = _child(feed, "author")
    _child(author, "name", "287(g) tracker")
    _child(feed, "generator", "287(g) tracker")
    told = told_as_agreements([EventRow(e.seq, e.payload) for e in events])
    for event in events:
        if event.seq in told:
            continue  # the new agreement's entry says "was pending since …"
        row = EventRow(event.seq, event.payload, event.agreement_id, first.get(event.id))
        (summary,) = summarize_rows([row], links)
        entry = _child(feed, "entry")
        _child(entry, "id", f"{TAG}:event:{event.id}")
        where = f"{event.state} · " if event.state else ""
        _child(entry, "title", f"{where}{summary.headline}")
        _child(entry, "updated", _stamp(_published(event)))
        _child(entry, "category", term=event.type, label=summary.label)
        targets = dict((label, url) for label, url in summary.links)
        main = targets.pop("agency page", None) or next(iter(targets.values()), None)
        if main:
            _child(entry, "link", href=main, rel="alternate", type="text/html")
        for label, url in targets.items():
            if url != main:
                _child(entry, "link", href=url, rel="related", title=label)
        for document in summary.documents:
            if document.url:
                _child(entry, "link", href=document.url, rel="related", title=document.label,
                       type="application/pdf")
        _child(entry, "content", "\n".join(plain_lines(summary)), type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def _write_if_changed(path: Path, data: bytes) -> bool:
    if path.exists() and path.read_bytes() == data:
        return False
    write_atomically(path, data, mode=PUBLIC)
    return True


def write_feeds(session: Session, feeds_dir: Path, now: dt.datetime, links: Links | None = None) -> int:
    """Rewrite every feed whose content changed; returns how many files were written."""
    alertable = Event.type != EventType.BASELINE
    newest = select(Event).where(alertable).order_by(Event.seq.desc()).limit(FEED_SIZE)
    national = list(session.scalars(newest))
    # A quiet feed is as fresh as the newest change anywhere: stable from run to run.
    updated = _published(national[0]) if national else now
    written = int(_write_if_changed(
        feeds_dir / f"{NATIONAL}.xml",
        render_feed(NATIONAL, "287(g) tracker: all changes", national, updated, links, _first(session, national)),
    ))
    for state in state_codes():
        events = list(session.scalars(newest.where(Event.state == state)))
        title = f"287(g) tracker: {state_name(state)}"
        feed = render_feed(state, title, events, updated, links, _first(session, events))
        written += _write_if_changed(feeds_dir / f"{state}.xml", feed)
    return written


def _first(session: Session, events: Sequence[Event]) -> dict[str, dict]:
    return {event_id: report.as_dict()
            for event_id, report in first_reports(session, [event.payload for event in events]).items()}
