"""Atom feeds: one per state and one national, for readers who would rather poll than subscribe.

Files are replaced atomically and only when their content changed, so a feed reader (or a
web server's caching) never sees a half-written file or a spurious update.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from xml.etree import ElementTree as ET

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.event_text import plain_lines, state_name, summarize
from storage.atomic_write import write_atomically
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


def render_feed(name: str, title: str, events: Sequence[Event], now: dt.datetime) -> bytes:
    """Pure: an Atom document for these events, newest first."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _child(feed, "id", f"{TAG}:feed:{name}")
    _child(feed, "title", title)
    _child(feed, "updated", _stamp(_published(events[0]) if events else now))
    author = _child(feed, "author")
    _child(author, "name", "287(g) tracker")
    _child(feed, "generator", "287(g) tracker")
    for event in events:
        summary = summarize(event.seq, event.payload)
        entry = _child(feed, "entry")
        _child(entry, "id", f"{TAG}:event:{event.id}")
        where = f"{event.state} · " if event.state else ""
        _child(entry, "title", f"{where}{summary.headline}")
        _child(entry, "updated", _stamp(_published(event)))
        _child(entry, "category", term=event.type, label=summary.label)
        if summary.links:
            _child(entry, "link", href=summary.links[0][1], rel="alternate")
        _child(entry, "content", "\n".join(plain_lines(summary)), type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def _write_if_changed(path: Path, data: bytes) -> bool:
    if path.exists() and path.read_bytes() == data:
        return False
    write_atomically(path, data)
    return True


def write_feeds(session: Session, feeds_dir: Path, now: dt.datetime) -> int:
    """Rewrite every feed whose content changed; returns how many files were written."""
    alertable = Event.type != EventType.BASELINE
    newest = select(Event).where(alertable).order_by(Event.seq.desc()).limit(FEED_SIZE)
    written = int(
        _write_if_changed(
            feeds_dir / f"{NATIONAL}.xml",
            render_feed(NATIONAL, "287(g) tracker: all changes", list(session.scalars(newest)), now),
        )
    )
    states = session.scalars(select(Event.state).where(alertable, Event.state.is_not(None)).distinct())
    for state in sorted(s for s in states if s.isalpha() and s.isupper() and len(s) == 2):
        events = list(session.scalars(newest.where(Event.state == state)))
        title = f"287(g) tracker: {state_name(state)}"
        written += _write_if_changed(feeds_dir / f"{state}.xml", render_feed(state, title, events, now))
    return written
