"""The explorer on a big store: 10,000 agreements, 100,000 events, a year of weekly publications.

Prints the median time of `/`, `/state/TX` and `/api/agreements.json` over real HTTP
(uvicorn on 127.0.0.1), and the first request of each, which computes what later ones
reuse until the store changes. Target: each median under 100 ms.
Run: `.venv/bin/python benchmarks/bench_web.py`.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert

from storage.db import connect
from storage.models import Agreement, AgreementVersion, Document, Event, Publication
from tests.support.web_server import Explorer

AGREEMENTS = 10_000
EVENTS = 100_000
WEEKS = 52
STATES = ["FL", "TX", "GA", "VA", "NC", "AL", "OK", "SC", "WI", "KY", "PA", "TN", "NH", "KS", "WY", "LA", "AZ", "OH"]
MODELS = ["JEM", "TFM", "WSO"]
PATHS = ["/", "/state/TX", "/api/agreements.json"]
REPEAT = 30


def fill(database_url: str) -> None:
    rng = random.Random(287)
    sessions = connect(database_url)
    start = dt.datetime(2025, 1, 6, 15)
    with sessions.begin() as session:
        session.execute(insert(Document), [{"id": 1, "sha256": "0" * 64, "size": 0, "kind": "participating",
                                            "path": "00/none.xlsx", "first_url": "https://www.ice.gov/",
                                            "first_fetched_at": start}])
        session.execute(insert(Publication), [
            {"id": week + 1, "document_id": 1, "kind": "participating", "status": "applied", "row_count": 0,
             "source_url": "https://www.ice.gov/doclib/participatingAgencies.xlsx", "warnings": [],
             "stamp": (start + dt.timedelta(weeks=week)).date().isoformat() + " am",
             "applied_at": start + dt.timedelta(weeks=week)} for week in range(WEEKS)])
        agreements, versions = [], []
        for n in range(AGREEMENTS):
            week = min(int(rng.expovariate(1 / 30)), WEEKS - 1) if n > AGREEMENTS // 10 else 0
            seen = start + dt.timedelta(weeks=week)
            state = "TX" if n % 10 == 0 else rng.choice(STATES)
            fields = {"state": state, "agency": f"Agency {n} County Sheriff's Office", "agency_type": "County",
                      "county": f"County {n % 250}", "model": rng.choice(MODELS), "signed": "2025-01-02",
                      "signed_raw": None, "moa_url": None if n % 3 else f"https://www.ice.gov/doclib/287gMOA/{n}.pdf",
                      "addendum_url": None}
            agreements.append({"id": n + 1, "uid": f"{n:032x}", "list_kind": "participating", "status": "active",
                               "extra": {}, "was_pending": False, "first_seen": seen,
                               "last_seen": start + dt.timedelta(weeks=WEEKS - 1), "first_publication_id": week + 1,
                               "last_publication_id": WEEKS, "missing_count": 0,
                               **{k: v for k, v in fields.items() if k != "signed"},
                               "signed": dt.date(2025, 1, 2)})
            versions.append({"agreement_id": n + 1, "publication_id": week + 1, "valid_from": seen, "valid_to": None,
                             "fields": fields})
        session.execute(insert(Agreement), agreements)
        session.execute(insert(AgreementVersion), versions)
        kinds = ["agreement_added", "agreement_changed", "pending_added", "pending_removed", "moa_published",
                 "local_signal"]
        batch = []
        for n in range(EVENTS):
            agreement = agreements[n % AGREEMENTS]
            kind = "baseline" if n < AGREEMENTS and agreement["first_publication_id"] == 1 else rng.choice(kinds)
            at = start + dt.timedelta(minutes=n * 5)
            payload = {"id": f"e{n:031x}", "type": kind, "detected_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                       "state": agreement["state"], "agency": agreement["agency"], "model": agreement["model"],
                       "publication": "2025-06-06 am", "agreement_uid": agreement["uid"], "before": None,
                       "after": None}
            batch.append({"id": payload["id"], "type": kind, "detected_at": at, "state": agreement["state"],
                          "agreement_id": agreement["id"], "payload": payload})
            if len(batch) == 10_000:
                session.execute(insert(Event), batch)
                batch = []


def timed(url: str) -> float:
    began = time.perf_counter()
    with urllib.request.urlopen(url) as response:
        response.read()
        assert response.status == 200
    return (time.perf_counter() - began) * 1000


def main() -> int:
    with tempfile.TemporaryDirectory() as home:
        database_url = f"sqlite:///{Path(home) / 'tracker.db'}"
        began = time.perf_counter()
        fill(database_url)
        print(f"store: {AGREEMENTS:,} agreements, {EVENTS:,} events, {WEEKS} weekly publications "
              f"(built in {time.perf_counter() - began:.1f} s)")
        explorer = Explorer(database_url)
        worst = 0.0
        try:
            for path in PATHS:
                first = timed(explorer.url(path))
                times = [timed(explorer.url(path)) for _ in range(REPEAT)]
                median = statistics.median(times)
                worst = max(worst, median)
                print(f"  {path:24} median {median:6.1f} ms over {REPEAT} requests   first {first:7.1f} ms")
        finally:
            explorer.close()
    verdict = "ok" if worst < 100 else "TOO SLOW"
    print(f"target: every median under 100 ms: {verdict}")
    return 0 if worst < 100 else 1


if __name__ == "__main__":
    sys.exit(main())
