"""Every event the tracker records is built here, in one payload shape.

Diffed publications, changed MOA files and local government signals all become the same
dictionary: the fields every reader relies on (see `EVENT_FIELDS`), null where they do not
apply, then the details of that kind of event. Ids are derived from what the event is
about, so finding the same change again (a re-crawl, a `reparse`) yields the same id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import ISO_Z, Event, iso_z
from vocabulary import EventType, ListKind, SignalSource

EVENT_FIELDS = (
    "id", "type", "detected_at", "published_at", "run_id", "state", "agency", "agency_type", "county", "model",
    "signed", "signed_raw", "moa_url", "addendum_url", "was_pending", "source_url", "publication", "list", "before",
    "after", "agreement_uid",
)


@dataclass(frozen=True)
class PublicationRef:
    """Which publication (or fetched document) an event comes from: it dates and sources the event."""

    sha256: str
    kind: str
    source_url: str
    detected_at: str
    run_id: int | None = None
    stamp: str | None = None
    published_at: str | None = None  # ICE's clock; None: the same as detected_at


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def event_id(kind: str, uid: str, pub: PublicationRef, extra: str = "") -> str:
    return _digest(f"{kind}|{uid}|{pub.sha256}|{extra}")


def _payload(event_id_: str, kind: EventType, *, detected_at: str, published_at: str | None, run_id: int | None,
             fields: dict, source_url: str, publication: str | None, list_kind: str, before: dict | None,
             after: dict | None, agreement_uid: str | None, was_pending: bool, details: dict) -> dict:
    payload = {
        "id": event_id_,
        "type": str(kind),
        "detected_at": detected_at,
        "published_at": published_at or detected_at,
        "run_id": run_id,
        "state": fields.get("state"),
        "agency": fields.get("agency"),
        "agency_type": fields.get("agency_type"),
        "county": fields.get("county"),
        "model": fields.get("model"),
        "signed": fields.get("signed"),
        "signed_raw": fields.get("signed_raw"),
        "moa_url": fields.get("moa_url"),
        "addendum_url": fields.get("addendum_url"),
        "was_pending": bool(was_pending),
        "source_url": source_url,
        "publication": publication,
        "list": str(list_kind),
        "before": before,
        "after": after,
        "agreement_uid": agreement_uid,
    }
    payload.update({k: v for k, v in details.items() if v is not None})
    return payload


def make_event(kind: EventType | str, uid: str, fields: dict, pub: PublicationRef, *, before: dict | None = None,
               after: dict | None = None, extra_id: str = "", **details) -> dict:
    """An event about one agreement, found in one publication (or one fetched MOA)."""
    return _payload(
        event_id(kind, uid, pub, extra_id), EventType(kind), detected_at=pub.detected_at,
        published_at=pub.published_at, run_id=pub.run_id, fields=fields, source_url=pub.source_url,
        publication=pub.stamp, list_kind=pub.kind, before=before, after=after, agreement_uid=uid,
        was_pending=bool(details.pop("was_pending", False)), details=details,
    )


def moa_changed_event(uid: str, fields: dict, pub: PublicationRef, document: str) -> dict:
    """The file behind an agreement's MOA (or addendum) link changed under the same URL."""
    return make_event(EventType.MOA_CHANGED, uid, fields, pub, document=document, sha256=pub.sha256)


@dataclass(frozen=True)
class Signal:
    """A local signal in the one vocabulary news reports, agendas and pages share.

    `stage` is None when the words do not say one (never guessed); `published_at` is the
    report's or the agenda item's own time (naive UTC), None when it has none.
    """

    source: SignalSource
    stage: str | None
    state: str | None
    jurisdiction: str
    county_fips: str | None
    agency: str | None
    title: str
    outlet: str
    source_url: str
    published_at: dt.datetime | None
    excerpt: str


def signal_event(signal: Signal, *, key: str, run_id: int | None, detected_at: dt.datetime,
                 county: str | None = None, **details) -> dict:
    """A `local_signal` event; `key` says what makes it this signal and no other, so finding it again gives its id.

    `also_reported_by` starts empty: other outlets' reports of the same signal are added to
    it when they are folded in (storage.signals), never made into events of their own.
    """
    payload = _payload(
        _digest(f"local_signal|{key}"), EventType.LOCAL_SIGNAL, detected_at=iso_z(detected_at),
        published_at=iso_z(signal.published_at) if signal.published_at else None, run_id=run_id,
        fields={"state": signal.state, "agency": signal.agency, "county": county or None},
        source_url=signal.source_url, publication=None, list_kind=ListKind.LOCAL, before=None, after=None,
        agreement_uid=None, was_pending=False, details=details,
    )
    payload.update({"source": str(signal.source), "stage": signal.stage, "jurisdiction": signal.jurisdiction,
                    "county_fips": signal.county_fips, "title": signal.title, "outlet": signal.outlet,
                    "excerpt": signal.excerpt, "also_reported_by": []})
    return payload


def local_signal_event(*, url: str, content_key: str, signal: Signal, county: str | None, snippet: str,
                       matched: str, date: str | None, spider: str, run_id: int | None, detected_at: dt.datetime,
                       document_url: str | None = None) -> dict:
    """A local government page or agenda mentions 287(g); one event per document and passage.

    Besides the shared signal fields it keeps what the local spiders always recorded (`url`,
    `snippet`, `matched`, `date`, `spider`, `document_url`), and its id is made as before.
    """
    return signal_event(signal, key=f"{url}|{content_key}", run_id=run_id, detected_at=detected_at, county=county,
                        url=url, snippet=snippet, matched=matched, date=date, spider=spider,
                        document_url=document_url)


def news_signal_event(signal: Signal, *, run_id: int | None, detected_at: dt.datetime, feed_url: str,
                      link: str) -> dict:
    """A news report's signal: one event per article (its address after redirects), whichever feed listed it."""
    return signal_event(signal, key=f"news|{signal.source_url}", run_id=run_id, detected_at=detected_at,
                        feed_url=feed_url, url=signal.source_url, link=link if link != signal.source_url else None)


def is_news(payload: dict) -> bool:
    """Whether an event may be alerted or put in a digest: history found later never is.

    `replayed` events were found again by `reparse`, `backfilled` ones imported from an
    archive of old publications, `history` ones news reports first read long after they were
    published (a news search lists months-old stories); all are records of the past, not news.
    """
    return not (payload.get("replayed") or payload.get("backfilled") or payload.get("history"))


def exists(session: Session, payload: dict) -> bool:
    return session.scalars(select(Event.seq).where(Event.id == payload["id"])).first() is not None


def add_event(session: Session, payload: dict, *, detected_at: dt.datetime, publication_id: int | None = None,
              agreement_id: int | None = None) -> Event:
    """The row for a built event; its columns repeat what readers filter on."""
    published = payload.get("published_at")
    event = Event(id=payload["id"], type=payload["type"], detected_at=detected_at,
                  published_at=dt.datetime.strptime(published, ISO_Z) if published else detected_at,
                  run_id=payload["run_id"], publication_id=publication_id, agreement_id=agreement_id,
                  state=payload.get("state"), payload=payload)
    session.add(event)
    return event
