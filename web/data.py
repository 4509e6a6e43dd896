"""What each page shows, read from the store. Plain dicts and lists, ready for templates and JSON."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.signal_text import report_of
from parsers.places import state_name, state_names  # noqa: F401  (the app reads both from here)
from storage.early_warning import first_reports
from storage.event_log import describe, public, query_events, selected_events
from storage.export import current_rows, in_order, rows_as_of
from storage.identity import agency_key
from storage.models import Agreement, AgreementVersion, Event, MoaParse, Publication, iso_z
from storage.summary import change, load_spans, summary, timeseries
from vocabulary import EventType
from web.charts import county_key

QUIET = ("baseline",)  # the first import is history, not news


def event_row(event: Event) -> dict:
    payload = public(event)
    return {**payload, "seq": event.seq, "what": describe(event.payload),
            "agreement_uid": event.payload.get("agreement_uid")}


def recent_events(session: Session, state: str | None = None, limit: int = 12,
                  kinds: tuple[str, ...] | None = None) -> list[dict]:
    query = select(Event).where(Event.type.not_in(QUIET)).order_by(Event.seq.desc()).limit(limit)
    if state:
        query = query.where(Event.state == state)
    if kinds:
        query = query.where(Event.type.in_(kinds))
    return [event_row(e) for e in session.scalars(query)]


def overview(session: Session, today: dt.date) -> dict:
    spans = load_spans(session)
    now = summary(session, today, spans=spans)
    return {
        "summary": now,
        "states_count": sum(1 for s in now["states"].values() if s["agreements"]),
        "change_7": change(spans, today, 7),
        "change_30": change(spans, today, 30),
        "series": timeseries(session, today, spans=spans)["weeks"],
        "events": recent_events(session, limit=15),
    }


def signal_rows(session: Session, today: dt.date, state: str | None = None, stage: str | None = None,
                limit: int | None = None) -> list[dict]:
    """Local signals, newest report first, each with its payload and the words readers see."""
    reported = func.coalesce(Event.published_at, Event.detected_at)
    query = select(Event).where(Event.type == EventType.LOCAL_SIGNAL).order_by(reported.desc(), Event.seq.desc())
    if state:
        query = query.where(Event.state == state)
    if stage:
        query = query.where(Event.payload["stage"].as_string() == stage)
    if limit is not None:
        query = query.limit(limit)
    return [{"seq": e.seq, "state": e.state, "stage": e.payload.get("stage"), "payload": public(e),
             "report": report_of(e.payload, today)} for e in session.scalars(query)]


def current_agreements(session: Session, state: str | None = None) -> list[dict]:
    """The rows `export` gives for the current list, in export's order."""
    return in_order(current_rows(session, state))


def agreement_list(session: Session, state: str | None, as_of: dt.date | None) -> list[dict]:
    """The agreements of the current list, or of the end of `as_of`, as `export` gives them."""
    if as_of is None:
        return current_agreements(session, state)
    return in_order(rows_as_of(session, as_of, state))


def agreement_rows(session: Session, state: str, list_kind: str = "participating") -> list[dict]:
    """The state's current agreements (or pending requests), each with its store id and whether ICE still lists it."""
    if list_kind == "participating":
        rows = current_agreements(session, state)
    else:
        rows = [{"id": a.uid, "agency": a.agency, "agency_type": a.agency_type, "county": a.county, "model": a.model,
                 "first_seen": iso_z(a.first_seen), "state": a.state}
                for a in session.scalars(select(Agreement).where(Agreement.list_kind == "pending",
                                                                 Agreement.status == "active",
                                                                 Agreement.state == state))]
    missing = dict(session.execute(
        select(Agreement.uid, Publication.stamp)
        .join(Publication, Publication.id == Agreement.missing_since_publication_id)
        .where(Agreement.state == state, Agreement.list_kind == list_kind, Agreement.missing_count > 0)
    ).all())
    for row in rows:
        row["missing_since"] = (missing[row["id"]] or "a later list") if row["id"] in missing else None
    return sorted(rows, key=lambda r: ((r["agency"] or "").lower(), r["model"] or ""))


def state_view(session: Session, state: str, today: dt.date, national: dict) -> dict:
    """One state's page; `national` is today's summary, for the state's numbers and rank."""
    spans = load_spans(session, state=state)
    empty = {"agreements": 0, "agencies": 0, "models": dict.fromkeys(national["models"], 0)}
    numbers = national["states"].get(state, empty)
    agreements = agreement_rows(session, state)
    counties = Counter(county_key(r["county"]) for r in agreements if r["county"] and not r["missing_since"])
    ranked = sorted(national["states"], key=lambda s: -national["states"][s]["agreements"])
    return {
        "state": state,
        "name": state_name(state),
        "numbers": numbers,
        "rank": ranked.index(state) + 1 if state in ranked else None,
        "publication": national["publication"],
        "change_7": change(spans, today, 7),
        "change_30": change(spans, today, 30),
        "series": timeseries(session, today, state=state, spans=spans)["weeks"],
        "agreements": agreements,
        "no_county": sum(1 for r in agreements if not r["county"]),
        "counties": counties,
        "pending": agreement_rows(session, state, "pending"),
        "events": recent_events(session, state, limit=20),
        "signals": signal_rows(session, today, state, limit=10),
    }


def agency_view(session: Session, uid: str) -> dict | None:
    """One agency: every agreement (and pending request) it holds, each with its versions and events.

    `uid` is an agreement's id as exports show it, or the store's number for it, which alerts link to.
    """
    match = Agreement.id == int(uid) if uid.isdigit() and len(uid) < 19 else Agreement.uid == uid
    chosen = session.scalars(select(Agreement).where(match)).first()
    if chosen is None:
        return None
    key = agency_key(chosen.agency)
    held = [a for a in session.scalars(select(Agreement).where(Agreement.state == chosen.state))
            if agency_key(a.agency) == key]
    held.sort(key=lambda a: (a.list_kind != "participating", a.status != "active", a.model, a.id))
    ids = [a.id for a in held]
    versions: dict[int, list[AgreementVersion]] = {}
    for version in session.scalars(select(AgreementVersion).where(AgreementVersion.agreement_id.in_(ids))
                                   .order_by(AgreementVersion.valid_from, AgreementVersion.id)):
        versions.setdefault(version.agreement_id, []).append(version)
    stored = list(session.scalars(select(Event).where(Event.agreement_id.in_(ids)).order_by(Event.seq)))
    events = [event_row(e) for e in stored]
    reports = sorted(first_reports(session, [e.payload for e in stored]).values(), key=lambda r: r.reported)
    links = [a.moa_url for a in held if a.moa_url] + [a.addendum_url for a in held if a.addendum_url]
    parses = {p.url: p.fields for p in session.scalars(select(MoaParse).where(MoaParse.url.in_(links)))}
    wanted = [a.last_publication_id for a in held] + [a.missing_since_publication_id for a in held]
    publications = {p.id: p for p in session.scalars(select(Publication).where(Publication.id.in_(wanted)))}
    sources = {pid: p.source_url for pid, p in publications.items()}
    return {
        "uid": uid,
        "agency": chosen.agency,
        "state": chosen.state,
        "state_name": state_name(chosen.state),
        "agreements": [{
            "uid": a.uid, "list": a.list_kind, "status": a.status, "model": a.model, "agency": a.agency,
            "agency_type": a.agency_type, "county": a.county, "signed": a.signed, "signed_raw": a.signed_raw,
            "moa_url": a.moa_url, "addendum_url": a.addendum_url, "was_pending": a.was_pending,
            "first_seen": iso_z(a.first_seen), "last_seen": iso_z(a.last_seen),
            "removed_at": iso_z(a.removed_at) if a.removed_at else None,
            "missing_since": (publications[a.missing_since_publication_id].stamp or "a later list")
            if a.missing_count and a.missing_since_publication_id in publications else None,
            "ice_url": sources.get(a.last_publication_id),
            "moa": parses.get(a.moa_url) if a.moa_url else None,
            "versions": [{"from": iso_z(v.valid_from), "to": iso_z(v.valid_to) if v.valid_to else None,
                          "fields": v.fields} for v in versions.get(a.id, [])],
        } for a in held],
        "events": events,
        "first_report": reports[0].as_dict() if reports else None,
    }


def events_page(session: Session, state: str | None, kind: str | None, since: dt.datetime | None,
                until: dt.datetime | None, before: int | None, limit: int) -> tuple[list[dict], int | None]:
    """Newest first, `limit` at a time; the second value is the `before` of the next (older) page."""
    query = selected_events(since, kind, state, until).order_by(Event.seq.desc()).limit(limit + 1)
    if before is not None:
        query = query.where(Event.seq < before)
    rows = [event_row(e) for e in session.scalars(query)]
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1]["seq"] if more and rows else None)


def events_oldest_first(session: Session, state: str | None, kind: str | None, since: dt.datetime | None,
                        until: dt.datetime | None, after: int | None, limit: int | None) -> Iterator[Event]:
    return query_events(session, since, kind, state, after_seq=after, until=until, limit=limit)
