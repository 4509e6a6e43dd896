"""How many agreements and agencies, where, and how fast: the numbers newsrooms quote.

Everything here answers from the stored agreement versions, with the same rule as
`export --as-of`: a version counts at the end of a day when it began before midnight and had
not ended by then. The version columns carry the time ICE published the list, so a count for
a day means "what ICE's list said that day", whatever day the tracker imported it.
Pure queries: callers print or serve the result.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from storage.early_warning import lead_times
from storage.identity import agency_key
from storage.list_absence import unpublished
from storage.models import Agreement, AgreementVersion, Event, ListAbsence, NewsItem, Publication
from vocabulary import GOOD_PUBLICATIONS

MODELS = ("JEM", "TFM", "WSO")


class Span(NamedTuple):
    """One agreement version reduced to what counting needs; `agency` is (state, normalised name)."""

    agreement_id: int
    state: str
    model: str
    agency: tuple[str, str]
    valid_from: dt.datetime
    valid_to: dt.datetime | None
    publication_id: int


def end_of(day: dt.date) -> dt.datetime:
    """Midnight after `day` (UTC): the instant an as-of count is taken at."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time())


def in_force(span: Span | AgreementVersion, at: dt.datetime) -> bool:
    return span.valid_from < at and (span.valid_to is None or span.valid_to >= at)


def load_spans(session: Session, list_kind: str = "participating", state: str | None = None,
               before: dt.datetime | None = None, at: dt.datetime | None = None) -> list[Span]:
    """The list's agreement versions: all begun before `before`, or only those in force at `at`.

    An agreement missing from ICE's latest lists but not yet confirmed removed has an open
    version; it counts only until the first publication that left it out, so a count matches
    what ICE's list said that day.
    """
    fields = AgreementVersion.fields
    missing = aliased(Publication)
    query = (
        select(AgreementVersion.agreement_id, AgreementVersion.fields, AgreementVersion.valid_from,
               AgreementVersion.valid_to, AgreementVersion.publication_id,
               func.coalesce(missing.published_at, missing.applied_at))
        .join(Agreement, Agreement.id == AgreementVersion.agreement_id)
        .outerjoin(missing, missing.id == Agreement.missing_since_publication_id)
        .where(Agreement.list_kind == list_kind)
    )
    if before is not None:
        query = query.where(AgreementVersion.valid_from < before)
    if at is not None:
        query = query.where(AgreementVersion.valid_from < at,
                            or_(AgreementVersion.valid_to.is_(None), AgreementVersion.valid_to >= at))
    if state:
        query = query.where(fields["state"].as_string() == state)
    spans = [Span(agreement_id, fields.get("state"), fields.get("model"),
                  (fields.get("state") or "", agency_key(fields.get("agency") or "")), valid_from,
                  valid_to or missing_since, publication_id)
             for agreement_id, fields, valid_from, valid_to, publication_id, missing_since in session.execute(query)]
    return spans if at is None else [span for span in spans if in_force(span, at)]


def _models(counter: Counter) -> dict[str, int]:
    extra = sorted(k for k in counter if k not in MODELS)
    return {m: counter.get(m, 0) for m in (*MODELS, *extra)}


def count(spans: Iterable[Span]) -> dict:
    """National, per-model and per-state counts of the given (in force) versions."""
    spans = list(spans)
    states: dict[str, list[Span]] = {}
    for span in spans:
        states.setdefault(span.state or "", []).append(span)
    ordered = sorted(states.items(), key=lambda item: (-len(item[1]), item[0]))
    return {
        "agreements": len(spans),
        "agencies": len({s.agency for s in spans}),
        "models": _models(Counter(s.model for s in spans)),
        "states": {state: {"agreements": len(group), "agencies": len({s.agency for s in group}),
                           "models": _models(Counter(s.model for s in group))}
                   for state, group in ordered},
    }


def list_stamp(session: Session, list_kind: str, at: dt.datetime) -> str | None:
    """ICE's stamp of the newest good list published by `at`: the list the counts come from.

    Named from the publications, not from the versions: a list that only left agreements out
    begins no version, yet it is the list behind that day's counts.
    """
    published = func.coalesce(Publication.published_at, Publication.applied_at)
    row = session.execute(
        select(Publication.stamp, Publication.filename)
        .where(Publication.kind == list_kind, Publication.status.in_(GOOD_PUBLICATIONS), published < at)
        .order_by(published.desc(), Publication.id.desc()).limit(1)
    ).first()
    if row is None:
        return None
    return row.stamp or row.filename


def history_start(session: Session, list_kind: str = "participating") -> dt.date | None:
    """The day of the first stored list: no count can be given for a day before it."""
    first = session.scalar(select(func.min(AgreementVersion.valid_from))
                           .join(Agreement, Agreement.id == AgreementVersion.agreement_id)
                           .where(Agreement.list_kind == list_kind))
    return first.date() if first is not None else None


def summary(session: Session, as_of: dt.date, list_kind: str = "participating", state: str | None = None,
            spans: Sequence[Span] | None = None) -> dict:
    """The counts at the end of `as_of`, in the shape of `summary --format json` and /api/summary.json.

    `spans`, when the caller already loaded the list's versions, saves reading them again.
    A list ICE's page no longer linked by then still counts as its last publication said,
    marked `stale` with that publication's date (`last_published`).
    The participating list's answer adds `early_warning`: how many agencies ICE listed after a
    local report placed them, and the median of how many days earlier the report came.
    """
    at = end_of(as_of)
    if spans is None:
        spans = load_spans(session, list_kind, state, at=at)
    else:
        spans = [span for span in spans if in_force(span, at) and (state is None or span.state == state)]
    result = {"as_of": as_of.isoformat(), "publication": list_stamp(session, list_kind, at), **count(spans)}
    gone = unpublished(session, list_kind, at)
    if gone is not None:
        result.update(last_published=gone.last_published.isoformat(), stale=True)
    if list_kind == "participating":
        result["early_warning"] = lead_times(session, until=at)
    return result


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def weekly(spans: Sequence[Span], until: dt.date) -> list[dict]:
    """One point per week (Monday to Sunday) from the first stored version to `until`.

    Each point counts what was in force at the end of the week's last day, or at the end of
    `until` for the week still running. Versions are swept once in time order, so a long
    history costs one pass, not one query per week.
    """
    if not spans:
        return []
    first = week_start(min(s.valid_from for s in spans).date())
    if first > until:
        return []
    starts = sorted(spans, key=lambda s: s.valid_from)
    ends = sorted((s for s in spans if s.valid_to is not None), key=lambda s: s.valid_to)  # type: ignore[arg-type,return-value]
    models: Counter = Counter()
    agencies: Counter = Counter()
    opened = closed = 0
    points = []
    monday = first
    while monday <= until:
        last_day = min(monday + dt.timedelta(days=6), until)
        at = end_of(last_day)
        while opened < len(starts) and starts[opened].valid_from < at:
            span = starts[opened]
            opened += 1
            models[span.model] += 1
            agencies[span.agency] += 1
        while closed < len(ends) and ends[closed].valid_to < at:  # type: ignore[operator]
            span = ends[closed]
            closed += 1
            models[span.model] -= 1
            agencies[span.agency] -= 1
            if agencies[span.agency] == 0:
                del agencies[span.agency]
        points.append({"week": monday.isoformat(), "as_of": last_day.isoformat(),
                       "agreements": sum(models.values()), "agencies": len(agencies),
                       "models": _models(+models)})
        monday += dt.timedelta(days=7)
    return points


def last_published(session: Session, list_kind: str = "participating") -> dt.date | None:
    """The day of the latest good publication of the list: the last day the store can vouch for."""
    latest = session.scalar(select(func.max(Agreement.last_seen)).where(Agreement.list_kind == list_kind))
    return latest.date() if latest is not None else None


def timeseries(session: Session, until: dt.date, list_kind: str = "participating", state: str | None = None,
               spans: Sequence[Span] | None = None) -> dict:
    """The weekly series of `summary --by week` and /api/timeseries.json, up to the latest publication.

    The series stops at the week of the last list ICE published (or `until`, if earlier): a
    flat line drawn past it would claim publications nobody has seen.
    """
    latest = last_published(session, list_kind)
    if latest is not None:
        until = min(until, latest)
    if spans is None:
        spans = load_spans(session, list_kind, state, before=end_of(until))
    else:
        spans = [span for span in spans if span.valid_from < end_of(until) and (state is None or span.state == state)]
    return {"as_of": until.isoformat(), "state": state, "list": list_kind, "weeks": weekly(spans, until)}


def change(spans: Sequence[Span], now: dt.date, days: int) -> int:
    """Net change in agreements over the last `days` days up to the end of `now`."""
    later, earlier = end_of(now), end_of(now - dt.timedelta(days=days))
    return sum(1 for s in spans if in_force(s, later)) - sum(1 for s in spans if in_force(s, earlier))


def store_fingerprint(session: Session) -> tuple:
    """Changes whenever a publication is applied or a news item read (each adds a row): a key for caching answers.

    Only maxima of primary keys, each one index lookup, so checking it costs far less than
    any answer it guards.
    """
    return tuple(session.execute(select(
        select(func.max(Publication.id)).scalar_subquery(),
        select(func.max(AgreementVersion.id)).scalar_subquery(),
        select(func.max(Agreement.id)).scalar_subquery(),
        select(func.max(Event.seq)).scalar_subquery(),
        select(func.max(ListAbsence.id)).scalar_subquery(),
        select(func.count(ListAbsence.returned_at)).scalar_subquery(),
        select(func.max(NewsItem.id)).scalar_subquery(),  # a report folded into an event changes no other key
    )).one())


def table(result: dict, by: str) -> tuple[list[str], list[list]]:
    """A summary (or weekly series) as a header and rows, for the table and CSV formats."""
    if by == "week":
        models = list(result["weeks"][-1]["models"]) if result["weeks"] else list(MODELS)
        return (["week", "as_of", "agreements", "agencies", *models],
                [[w["week"], w["as_of"], w["agreements"], w["agencies"], *(w["models"].get(m, 0) for m in models)]
                 for w in result["weeks"]])
    if by == "model":
        return (["model", "agreements"], [[model, n] for model, n in result["models"].items()])
    models = list(result["models"])
    rows = [[state, s["agreements"], s["agencies"], *(s["models"].get(m, 0) for m in models)]
            for state, s in result["states"].items()]
    rows.append(["total", result["agreements"], result["agencies"], *(result["models"][m] for m in models)])
    return ["state", "agreements", "agencies", *models], rows
