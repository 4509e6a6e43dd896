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
