"""News reports in the store: which feed items were read, and the one event each reported signal lives in.

A feed item is read once: its link (and guid) are remembered whether or not it carried a
signal, so no later crawl fetches its article again. A report of a place and stage that
another outlet already reported within a few days (`parsers.news.same_signal`) does not
become a second event: its outlet and address are added to the first event's
`also_reported_by`. The event keeps its sequence number, so alerts and digests, which
follow sequence numbers, never tell of it twice; readers of the event see every outlet.
A report first read weeks after it was published (a news search lists old stories too) is
recorded as `history`: in events and the explorer, never in alerts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from parsers.news import FOLD_DAYS, NewsSignal, same_signal
from parsers.places import counties
from storage.events import Signal, add_event, news_signal_event
from storage.models import Agreement, Event, NewsItem
from vocabulary import EventType, SignalSource

# A report first read this long after it was published is history: recorded and shown, never alerted.
OLD_REPORT = dt.timedelta(days=14)


@dataclass(frozen=True)
class Report:
    """One feed item as read: where its text came from, and the signals the reader found in it."""

    feed_url: str
    link: str
    guid: str
    title: str
    outlet: str
    published_at: dt.datetime | None  # naive UTC
    article_url: str | None  # where the article was read, after redirects; None when it was not
    fallback_reason: str | None  # why the feed's own words stood in for the article
    signals: tuple[NewsSignal, ...] = ()


def item_key(text: str) -> str:
    return hashlib.sha256(text.strip().encode()).hexdigest()


def read_items(session: Session, items: Iterable[tuple[str, str]]) -> set[str]:
    """Which of these (link, guid) pairs were read before, by link or by guid; answers with their links."""
    wanted = {item_key(link): link for link, _ in items}
    guids = {item_key(guid or link): link for link, guid in items}
    if not wanted:
        return set()
    found: set[str] = set()
    keys, guid_keys = list(wanted), list(guids)
    for start in range(0, len(keys), 500):
        rows = session.execute(select(NewsItem.key, NewsItem.guid_key).where(or_(
            NewsItem.key.in_(keys[start:start + 500]), NewsItem.guid_key.in_(guid_keys[start:start + 500]))))
        for key, guid_key in rows:
            found |= {link for link in (wanted.get(key), guids.get(guid_key)) if link}
    return found


def listed_agencies(session: Session) -> list[tuple[str, str, str | None]]:
    """Every agency on ICE's lists as stored (name, state, county): the names the news reader knows besides places."""
    rows = session.execute(select(Agreement.agency, Agreement.state, Agreement.county).distinct())
    return [(agency, state, county) for agency, state, county in rows]


def record_report(session: Session, report: Report, *, run_id: int | None, now: dt.datetime) -> str:
    """Store one read feed item and its signal: `new`, `folded` (into an earlier report's event) or `none`."""
    event, outcome = None, "none"
    if report.signals:
        event, outcome = _store_signal(session, report, report.signals[0], run_id=run_id, now=now)
    session.add(NewsItem(
        key=item_key(report.link), guid_key=item_key(report.guid or report.link), link=report.link,
        feed_url=report.feed_url, article_url=report.article_url, outlet=report.outlet, title=report.title,
        published_at=report.published_at, read_at=now, run_id=run_id,
        text_from="feed" if report.fallback_reason else "article", fallback_reason=report.fallback_reason,
        event_seq=event.seq if event is not None else None, folded=outcome == "folded",
    ))
    session.flush()
    return outcome


def _store_signal(session: Session, report: Report, found: NewsSignal, *, run_id: int | None,
                  now: dt.datetime) -> tuple[Event, str]:
    url = report.article_url or report.link
    earlier = _same_signal_event(session, found, report.published_at or now)
    if earlier is not None:
        _also_reported_by(earlier, report.outlet, url)
        return earlier, "folded"
    signal = Signal(
        source=SignalSource.NEWS, stage=found.stage, state=found.state, jurisdiction=found.jurisdiction,
        county_fips=found.county_fips, agency=found.agency or None, title=report.title, outlet=report.outlet,
        source_url=url, published_at=report.published_at, excerpt=found.excerpt,
    )
    payload = news_signal_event(signal, run_id=run_id, detected_at=now, feed_url=report.feed_url, link=report.link)
    payload["county"] = counties().get(found.county_fips or "")
    if report.published_at is not None and now - report.published_at > OLD_REPORT:
        payload["history"] = True
    known = session.scalars(select(Event).where(Event.id == payload["id"])).first()
    if known is not None:  # the same article reached through another link
        return known, "folded"
    event = add_event(session, payload, detected_at=now)
    session.flush()
    return event, "new"


def _same_signal_event(session: Session, found: NewsSignal, published: dt.datetime) -> Event | None:
    """The earliest news event of the same place and stage within the fold window, if any."""
    window = dt.timedelta(days=FOLD_DAYS + 1)
    candidates = session.scalars(
        select(Event).where(Event.type == EventType.LOCAL_SIGNAL, Event.state == found.state,
                            Event.published_at >= published - window, Event.published_at <= published + window)
        .order_by(Event.seq))
    for event in candidates:
        payload = event.payload
        if payload.get("source") != SignalSource.NEWS:
            continue
        other = NewsSignal(stage=payload.get("stage") or "", state=payload.get("state") or "",
                           jurisdiction=payload.get("jurisdiction") or "", county_fips=payload.get("county_fips"),
                           agency=payload.get("agency") or "", excerpt=payload.get("excerpt") or "",
                           published=event.published_at.date() if event.published_at else None)
        if same_signal(other, found):
            return event
    return None


def _also_reported_by(event: Event, outlet: str, url: str) -> None:
    """Add one more outlet's report to an event; the same address twice is one report."""
    payload = dict(event.payload)
    reports = list(payload.get("also_reported_by") or [])
    if url == payload.get("source_url") or any(r.get("url") == url for r in reports):
        return
    payload["also_reported_by"] = [*reports, {"outlet": outlet, "url": url}]
    event.payload = payload
