"""What each page shows, read from the store. Plain dicts and lists, ready for templates and JSON."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from alerts.event_text import LABELS, MODEL_WORDS, MODELS, human_date, sentence, state_label, summarize
from alerts.signal_text import first_source, report_of
from i18n import ENGLISH, N_, Language
from parsers.places import state_name, state_names  # noqa: F401  (the app reads both from here)
from storage.early_warning import first_reports
from storage.event_log import public, query_events, selected_events
from storage.export import current_rows, in_order, rows_as_of
from storage.identity import agency_key
from storage.list_absence import unpublished
from storage.models import Agreement, AgreementVersion, Event, MoaParse, Publication, iso_z
from storage.summary import change, last_published, load_spans, summary, timeseries
from vocabulary import GOOD_PUBLICATIONS, PARTICIPATING, EventType
from web.charts import county_key, geometry

QUIET = ("baseline",)  # the first import is history, not news
# A pending request that was signed is told once, by its agreement's arrival ("was on the pending list").
TOLD_BY_ITS_AGREEMENT = ("pending_removed", "signed")
# Words for the kinds of change where the alerts' labels say too little on a page of every change.
TYPE_WORDS = {**{str(k): v for k, v in LABELS.items()},
              "baseline": N_("On the first list the tracker read"),
              "pending_removed": N_("Pending request left the list (signed or withdrawn)")}
_MODEL_WORDS = tuple(MODELS) + tuple(MODELS.values())


STAGE_WORDS = {"proposed": N_("proposed"), "scheduled": N_("scheduled"), "debated": N_("debated"),
               "approved": N_("approved"), "rejected": N_("rejected"), "signed": N_("signed"), "ended": N_("ended")}


def type_words(kind: str, lang: Language = ENGLISH) -> str:
    """A kind of change as the page of changes names it in its filter."""
    return lang.gettext(TYPE_WORDS[kind]) if kind in TYPE_WORDS else kind


def _told_model(fact: str, lang: Language) -> bool:
    """A fact that only names the model, which the row's own model column already shows."""
    return fact.startswith(_MODEL_WORDS) or any(fact.startswith(lang.gettext(m)) for m in MODEL_WORDS.values())


def state_choices(lang: Language = ENGLISH) -> list[tuple[str, str]]:
    """Every state and territory as a filter offers them: by name, in the reader's language."""
    return sorted(((code, state_label(code, lang)) for code in state_names()), key=lambda kv: kv[1])


def told_elsewhere(event: Event) -> bool:
    return (event.type, event.payload.get("reason")) == TOLD_BY_ITS_AGREEMENT


def event_row(event: Event, lang: Language = ENGLISH) -> dict:
    """An event as pages show it: the alerts' own words, on ICE's clock, history marked as such."""
    payload = public(event)
    told = summarize(event.seq, event.payload, agreement_id=event.agreement_id, lang=lang)
    label = type_words("baseline", lang) if event.type == "baseline" else told.label
    details = [*([told.where] if told.where else []), *told.changes,
               *(f for f in told.facts if not _told_model(f, lang))]
    if event.type == "local_signal":
        details = [f for f in told.facts if f != payload.get("title")]
    return {**payload, "seq": event.seq, "what": sentence(event.payload, lang), "label": label,
            "subject": told.subject, "details": details,
            "documents": [d for d in told.documents if d.url],
            "link_pending": any(d.url is None for d in told.documents),
            "list_day": human_date(payload.get("published_at"), lang),
            "found_day": human_date(payload.get("detected_at"), lang),
            "agreement_uid": event.payload.get("agreement_uid")}


def event_rows(session: Session, query: Select, limit: int, keep_all: bool = False,
               lang: Language = ENGLISH) -> tuple[list[dict], bool]:
    """Up to `limit` rows of `query` (newest first), leaving out what another row already tells; and whether more."""
    rows: list[dict] = []
    before: int | None = None
    while len(rows) <= limit:
        page = query if before is None else query.where(Event.seq < before)
        batch = list(session.scalars(page.limit(limit + 1)))
        rows += [event_row(e, lang) for e in batch if keep_all or not told_elsewhere(e)]
        if len(batch) <= limit:
            break
        before = batch[-1].seq
    return rows[:limit], len(rows) > limit


def recent_events(session: Session, state: str | None = None, limit: int = 12,
                  kinds: tuple[str, ...] | None = None, lang: Language = ENGLISH) -> list[dict]:
    query = select(Event).where(Event.type.not_in(QUIET)).order_by(Event.seq.desc())
    if state:
        query = query.where(Event.state == state)
    if kinds:
        query = query.where(Event.type.in_(kinds))
    return event_rows(session, query, limit, lang=lang)[0]


def list_day(session: Session, today: dt.date) -> dt.date:
    """The day of ICE's latest participating list: changes are counted up to it, not up to today."""
    latest = last_published(session)
    return min(today, latest) if latest else today


def first_list_day(session: Session) -> dt.date | None:
    first = session.scalar(select(func.min(Publication.published_at)).where(
        Publication.kind == PARTICIPATING, Publication.status.in_(GOOD_PUBLICATIONS)))
    return first.date() if first else None


def changes(session: Session, spans: list, anchor: dt.date, lang: Language = ENGLISH) -> list[dict]:
    """The net change over 7 and 30 days up to ICE's latest list, or since the first list when history is shorter."""
    first = first_list_day(session)
    found: dict[str, int] = {}
    for days in (7, 30):
        if first is not None and anchor - dt.timedelta(days=days) < first:
            words = lang.gettext("since the first list read, on %(day)s") % {
                "day": human_date(first.isoformat(), lang)}
            found.setdefault(words, change(spans, anchor, (anchor - first).days))
        else:
            found[lang.gettext("in the %(days)s days up to ICE's latest list") % {"days": days}] = change(
                spans, anchor, days)
    return [{"value": value, "words": words} for words, value in found.items()]


def pending_stale(session: Session) -> dict | None:
    """When ICE's page no longer links a pending list: the last one's date and size, shown as history."""
    gone = unpublished(session, "pending")
    if gone is None:
        return None
    return {"last_published": gone.last_published.isoformat(), "rows": gone.rows,
            "missing_since": iso_z(gone.missing_since)}


def overview(session: Session, today: dt.date, lang: Language = ENGLISH) -> dict:
    spans = load_spans(session)
    now = summary(session, today, spans=spans)
    anchor = list_day(session, today)
    return {
        "summary": now,
        "states_count": sum(1 for s in now["states"].values() if s["agreements"]),
        "changes": changes(session, spans, anchor, lang),
        "unmapped": unmapped_states(now["states"]),
        "series": timeseries(session, today, spans=spans)["weeks"],
        "events": recent_events(session, limit=15, lang=lang),
        "pending_stale": pending_stale(session),
    }


def unmapped_states(states: dict[str, dict]) -> dict[str, int]:
    """Agreements in places the national map does not draw (territories), by place name."""
    drawn = geometry()["states"]
    return {state_name(code): s["agreements"] for code, s in states.items() if code not in drawn and s["agreements"]}


def county_placing(state: str, agreements: list[dict]) -> dict:
    """Why some of a state's agreements are not on its county map: no county given, or a county the map lacks."""
    known = {county_key(c["name"]) for c in geometry()["counties"].values() if c["state"] == state}
    listed = [r for r in agreements if not r["missing_since"]]
    no_county = [r for r in listed if not r["county"]]
    unknown = [r for r in listed if r["county"] and county_key(r["county"]) not in known]
    return {"no_county": len(no_county), "unknown": len(unknown),
            "unknown_names": sorted({r["county"] for r in unknown}),
            "city_police": sum(1 for r in no_county if (r["agency_type"] or "").lower() == "municipality")}


def signal_rows(session: Session, today: dt.date, state: str | None = None, stage: str | None = None,
                limit: int | None = None, lang: Language = ENGLISH) -> list[dict]:
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
             "report": report_of(e.payload, today, lang)} for e in session.scalars(query)]


def current_agreements(session: Session, state: str | None = None) -> list[dict]:
    """The rows `export` gives for the current list, in export's order."""
    return in_order(current_rows(session, state))


def agreement_list(session: Session, state: str | None, as_of: dt.date | None) -> list[dict]:
    """The agreements of the current list, or of the end of `as_of`, as `export` gives them."""
    if as_of is None:
        return current_agreements(session, state)
    return in_order(rows_as_of(session, as_of, state))


def list_date(publication: Publication, lang: Language = ENGLISH) -> str:
    """A list as pages name it: by the day ICE published it (ICE's own stamp for stores older than that clock)."""
    day = publication.published_at.date().isoformat() if publication.published_at is not None else publication.stamp
    return human_date(day, lang) or lang.gettext("a later list")


def agreement_rows(session: Session, state: str, list_kind: str = "participating",
                   lang: Language = ENGLISH) -> list[dict]:
    """The state's current agreements (or pending requests), each with its store id and whether ICE still lists it."""
    if list_kind == "participating":
        rows = current_agreements(session, state)
    else:
        rows = [{"id": a.uid, "agency": a.agency, "agency_type": a.agency_type, "county": a.county, "model": a.model,
                 "first_seen": iso_z(a.first_seen), "state": a.state}
                for a in session.scalars(select(Agreement).where(Agreement.list_kind == "pending",
                                                                 Agreement.status == "active",
                                                                 Agreement.state == state))]
    missing = {uid: list_date(publication, lang) for uid, publication in session.execute(
        select(Agreement.uid, Publication)
        .join(Publication, Publication.id == Agreement.missing_since_publication_id)
        .where(Agreement.state == state, Agreement.list_kind == list_kind, Agreement.missing_count > 0)
    ).all()}
    for row in rows:
        row["missing_since"] = missing.get(row["id"])
    return sorted(rows, key=lambda r: ((r["agency"] or "").lower(), r["model"] or ""))


def state_view(session: Session, state: str, today: dt.date, national: dict, lang: Language = ENGLISH) -> dict:
    """One state's page; `national` is today's summary, for the state's numbers and rank."""
    spans = load_spans(session, state=state)
    anchor = list_day(session, today)
    empty = {"agreements": 0, "agencies": 0, "models": dict.fromkeys(national["models"], 0)}
    numbers = national["states"].get(state, empty)
    agreements = agreement_rows(session, state, lang=lang)
    counties = Counter(county_key(r["county"]) for r in agreements if r["county"] and not r["missing_since"])
    ranked = sorted(national["states"], key=lambda s: -national["states"][s]["agreements"])
    return {
        "state": state,
        "name": state_name(state),
        "numbers": numbers,
        "rank": ranked.index(state) + 1 if state in ranked else None,
        "publication": national["publication"],
        "changes": changes(session, spans, anchor, lang),
        "series": timeseries(session, today, state=state, spans=spans)["weeks"],
        "agreements": agreements,
        "placing": county_placing(state, agreements),
        "counties": counties,
        "pending": agreement_rows(session, state, "pending", lang),
        "pending_stale": pending_stale(session),
        "events": recent_events(session, state, limit=20, lang=lang),
        "signals": signal_rows(session, today, state, limit=10, lang=lang),
    }


def agency_view(session: Session, uid: str, lang: Language = ENGLISH) -> dict | None:
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
    events = [event_row(e, lang) for e in stored if not told_elsewhere(e)]
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
            "missing_since": list_date(publications[a.missing_since_publication_id], lang)
            if a.missing_count and a.missing_since_publication_id in publications else None,
            "ice_url": sources.get(a.last_publication_id),
            "moa": parses.get(a.moa_url) if a.moa_url else None,
            "versions": [{"from": iso_z(v.valid_from), "to": iso_z(v.valid_to) if v.valid_to else None,
                          "fields": v.fields} for v in versions.get(a.id, [])],
        } for a in held],
        "events": events,
        "first_report": ({**reports[0].as_dict(), "outlet": first_source(reports[0].as_dict(), lang)}
                         if reports else None),
    }


def events_page(session: Session, state: str | None, kind: str | None, since: dt.datetime | None,
                until: dt.datetime | None, before: int | None, limit: int,
                lang: Language = ENGLISH) -> tuple[list[dict], int | None]:
    """Newest first, `limit` at a time; the second value is the `before` of the next (older) page."""
    query = selected_events(since, kind, state, until).order_by(Event.seq.desc())
    if before is not None:
        query = query.where(Event.seq < before)
    rows, more = event_rows(session, query, limit, keep_all=kind == "pending_removed", lang=lang)
    return rows, (rows[-1]["seq"] if more and rows else None)


def events_oldest_first(session: Session, state: str | None, kind: str | None, since: dt.datetime | None,
                        until: dt.datetime | None, after: int | None, limit: int | None) -> Iterator[Event]:
    return query_events(session, since, kind, state, after_seq=after, until=until, limit=limit)
