"""How much earlier than ICE the news told of an agency: the lead time of local signals.

A signal placed an agency before ICE listed it when the signal is in the same state, came
first, moved toward an agreement (a report of a rejection or an ending foretells nothing),
and names the same agency: the same normalised name, or a county whose own agency (its
sheriff, its board, its jail: a name that begins with the county's name) is the one ICE
listed, or a city whose police is. Only exact names count: a wrong "first reported" is worse
than none, so near spellings and the towns inside a county are left unmatched.

The matching is pure (`first_report`); the queries around it read only the signals and the
`agreement_added` events of states that have signals, so asking costs little on a big store.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from parsers.places import county_from_name, split_jurisdiction
from storage.identity import agency_key, county_key
from storage.models import Event
from vocabulary import EventType, Stage

# Stages that foretell a listing; a report of a "no" or of an ending does not.
FORETELLING = frozenset({Stage.PROPOSED, Stage.SCHEDULED, Stage.DEBATED, Stage.APPROVED, Stage.SIGNED})
# A report more than a year before the listing is about another round, not this one.
WINDOW_DAYS = 365
# What may follow a city's name in the name of that city's own police.
_CITY_POLICE = frozenset("police department public safety city town village of".split())


@dataclass(frozen=True)
class FirstReport:
    """The earliest signal that placed an agency before ICE listed it, and how many days earlier.

    A report without an outlet is told by what it was and whose (`source`, `place`), which the
    alerts word in the reader's language.
    """

    outlet: str
    url: str | None
    reported: dt.date
    days: int
    event_id: str
    source: str = ""
    place: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"outlet": self.outlet, "url": self.url, "reported": self.reported.isoformat(), "days": self.days,
                "event_id": self.event_id, "source": self.source, "place": self.place}


def day_of(value: Any) -> dt.date | None:
    """The day of an ISO 8601 date or time (`2025-12-02`, `2025-12-02T14:00:00Z`), or None."""
    if isinstance(value, dt.datetime):
        return value.date()
    text = str(value or "").strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def _day(payload: Mapping[str, Any]) -> dt.date | None:
    """When a signal was reported, or an agreement listed: its publication's day, else the day it was found."""
    return day_of(payload.get("published_at")) or day_of(payload.get("detected_at"))


def _signal_keys(signal: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The names a signal places: its agency's, and its county's or city's."""
    keys = []
    named = agency_key(str(signal.get("agency") or ""))
    if named:
        keys.append(("agency", named))
    place, _ = split_jurisdiction(str(signal.get("jurisdiction") or ""))
    if place:
        county = county_key(county_from_name(place))
        keys.append(("county", county) if county is not None else ("city", agency_key(place)))
    return keys


def _agency_keys(agency: str) -> list[tuple[str, str]]:
    """The names under which a signal would have placed this agency: itself, its county, its city."""
    listed = agency_key(agency)
    if not listed:
        return []
    keys = [("agency", listed)]
    county = county_key(county_from_name(agency))
    if county is not None:
        keys.append(("county", county))
    words = listed.split()
    for cut in range(1, len(words)):
        rest = set(words[cut:])
        if "police" in rest and rest <= _CITY_POLICE:
            keys.append(("city", " ".join(words[:cut])))
    return keys


def foretells(signal: Mapping[str, Any]) -> bool:
    return signal.get("type") == EventType.LOCAL_SIGNAL and signal.get("stage") in FORETELLING


class SignalIndex:
    """Signals that foretell a listing, found by state and the names they place, so matching stays cheap."""

    def __init__(self, signals: Iterable[Mapping[str, Any]]) -> None:
        self.placed: dict[tuple[str, str, str], list[tuple[dt.date, Mapping[str, Any]]]] = defaultdict(list)
        for signal in signals:
            reported, state = _day(signal), signal.get("state")
            if reported is None or not state or not foretells(signal):
                continue
            for kind, key in dict.fromkeys(_signal_keys(signal)):
                self.placed[(str(state), kind, key)].append((reported, signal))

    def naming(self, state: str, agency: str) -> list[tuple[dt.date, Mapping[str, Any]]]:
        """Every signal in `state` whose agency, county or city is, by exact name, this agency's."""
        return [found for kind, key in _agency_keys(agency) for found in self.placed.get((state, kind, key), ())]


def first_report(added: Mapping[str, Any], signals: SignalIndex) -> FirstReport | None:
    """Pure: the earliest signal that placed the agency of an `agreement_added` before ICE listed it."""
    listed = _day(added)
    state, agency = added.get("state"), str(added.get("agency") or "")
    if listed is None or not state:
        return None
    earlier = [(reported, signal) for reported, signal in signals.naming(str(state), agency)
               if 0 < (listed - reported).days <= WINDOW_DAYS]
    if not earlier:
        return None
    reported, signal = min(earlier, key=lambda found: found[0])
    return FirstReport(str(signal.get("outlet") or ""), signal.get("source_url") or signal.get("url"), reported,
                       (listed - reported).days, str(signal.get("id") or ""), str(signal.get("source") or ""),
                       str(signal.get("jurisdiction") or ""))


def load_signals(session: Session, states: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Every stored signal that foretells a listing (of these states, when given)."""
    query = select(Event.payload).where(Event.type == EventType.LOCAL_SIGNAL)
    if states is not None:
        query = query.where(Event.state.in_(sorted(set(states))))
    return [p for p in session.scalars(query) if foretells(p)]


def first_reports(session: Session, added: Sequence[Mapping[str, Any]]) -> dict[str, FirstReport]:
    """The first report of each `agreement_added` payload that has one, by event id."""
    wanted = [p for p in added if p.get("type") == EventType.AGREEMENT_ADDED and p.get("state")]
    if not wanted:
        return {}
    signals = SignalIndex(load_signals(session, {p["state"] for p in wanted}))
    found = {}
    for payload in wanted:
        report = first_report(payload, signals)
        if report is not None:
            found[str(payload.get("id"))] = report
    return found


def lead_times(session: Session, until: dt.datetime | None = None) -> dict[str, Any]:
    """`{"median_lead_days", "matched"}` over the agencies ICE listed (by `until`) after a signal placed them.

    An agency listed with several models at once counts once, by its first listing.
    """
    loaded = load_signals(session)
    states = {s["state"] for s in loaded if s.get("state")}
    signals = SignalIndex(loaded)
    days: dict[tuple[str, str], int] = {}
    if states:
        query = select(Event.payload).where(Event.type == EventType.AGREEMENT_ADDED,
                                            Event.state.in_(sorted(states))).order_by(Event.seq)
        for payload in session.scalars(query):
            listed = _day(payload)
            if listed is None or until is not None and listed >= until.date():
                continue
            report = first_report(payload, signals)
            if report is not None:
                key = (payload["state"], agency_key(str(payload.get("agency") or "")))
                days.setdefault(key, report.days)  # its first listing; a later one is another story
    if not days:
        return {"median_lead_days": None, "matched": 0}
    median = statistics.median(days.values())
    return {"median_lead_days": int(median) if median == int(median) else round(median, 1), "matched": len(days)}
