"""Early warnings stored as the news reader stores them: `local_signal` events in the contract's shape."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from storage.events import add_event
from storage.models import iso_z

_ids = itertools.count(1)


def news_signal(**changes: Any) -> dict[str, Any]:
    """A folded news report of Collier County's commissioners approving a task-force agreement, to vary per test."""
    payload = {
        "type": "local_signal",
        "source": "news",
        "stage": "approved",
        "state": "FL",
        "jurisdiction": "Collier County",
        "county_fips": "12021",
        "agency": "",
        "title": "Collier commissioners approve 287(g) task force agreement with ICE",
        "outlet": "Naples Daily News",
        "source_url": "https://www.naplesnews.example/story/news/2025/12/02/collier-287g/",
        "published_at": "2025-12-02T14:00:00Z",
        "excerpt": "Collier County commissioners voted 4-1 Tuesday to approve a 287(g) task force agreement "
                   "with U.S. Immigration and Customs Enforcement.",
        "also_reported_by": [{"outlet": "WINK News", "url": "https://www.winknews.example/2025/12/02/collier/"}],
        "list": "local",
        "county": "Collier County",
        "before": None,
        "after": None,
    }
    payload.update(changes)
    return payload


def add_signals(session_factory, *payloads: dict[str, Any], detected_at: dt.datetime | None = None) -> list[int]:
    """Store signals through the storage layer, as the news pipeline does; returns their seqs."""
    moment = detected_at or dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0) - dt.timedelta(minutes=5)
    seqs = []
    with session_factory() as session:
        for payload in payloads:
            full = {"id": f"signal-{next(_ids):05d}", "detected_at": iso_z(moment), "run_id": None, **payload}
            event = add_event(session, full, detected_at=moment)
            session.flush()
            seqs.append(event.seq)
        session.commit()
    return seqs


def reports_before_listing() -> list[dict[str, Any]]:
    """News that placed three agencies of the real May–June 2025 lists days before ICE listed them, and decoys.

    Over the sample store (`tests.support.sample_store.build`) the lead times are 9, 12 and 30 days.
    """
    reports = [
        # ICE listed "Ft. Myers Police Department" on May 19: 9 days after the council's vote.
        news_signal(jurisdiction="City of Fort Myers", county_fips=None, outlet="News-Press",
                    source_url="https://www.news-press.example/fort-myers-287g/", published_at="2025-05-10T12:00:00Z",
                    title="Fort Myers council approves 287(g) agreement",
                    excerpt="The Fort Myers City Council voted 5-1 to approve a 287(g) agreement with ICE."),
        # Lake County, Ohio (two models listed on June 1): 12 days; counted once.
        news_signal(state="OH", jurisdiction="Lake County", county_fips="39085", outlet="The News-Herald",
                    source_url="https://www.news-herald.example/lake-287g/", published_at="2025-05-20T12:00:00Z"),
        # Fort Bend's sheriff said he would apply, 30 days before ICE listed him; a later report is not the first.
        news_signal(state="TX", stage="proposed", jurisdiction="Fort Bend County",
                    agency="Fort Bend County Sheriff's Office", outlet="Houston Chronicle",
                    source_url="https://www.houstonchronicle.example/fort-bend/", published_at="2025-05-02T12:00:00Z",
                    excerpt="Sheriff Eric Fagan said his office will apply to join the 287(g) jail enforcement model."),
        news_signal(state="TX", stage="approved", jurisdiction="Fort Bend County", outlet="Fort Bend Herald",
                    source_url="https://fbherald.example/287g/", published_at="2025-05-20T12:00:00Z"),
        # Decoys: a county is not its city's police; another state's Hillsborough; a "no"; news after the listing.
        news_signal(jurisdiction="Sarasota County", county_fips="12115", published_at="2025-05-10T12:00:00Z"),
        news_signal(jurisdiction="Hillsborough County", county_fips="12057", published_at="2025-05-10T12:00:00Z"),
        news_signal(state="KY", stage="rejected", jurisdiction="Union County", published_at="2025-05-10T12:00:00Z"),
        news_signal(state="AZ", jurisdiction="Yuma County", published_at="2025-06-10T12:00:00Z"),
    ]
    return [{**report, "also_reported_by": []} for report in reports]
