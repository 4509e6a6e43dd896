"""Lead time over a busy store: 5,000 news signals and 20,000 `agreement_added` events.

Run: `.venv/bin/python benchmarks/bench_lead_time.py`. Prints the time `summary` spends on
`early_warning` (every listing matched against every earlier signal of its state) and the
time one alert run spends finding the first reports of 200 new agreements. Targets: under a
second for the summary (the explorer keeps it until the store changes) and under 0.2 s per
alert run. Measured: 0.80 s and 0.07 s.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage.db import connect
from storage.early_warning import first_reports, lead_times
from tests.support.alert_servers import add_events, ocala
from tests.support.signals import add_signals, news_signal

SIGNALS, LISTINGS, ALERTED = 5_000, 20_000, 200
STATES = ["FL", "TX", "GA", "VA", "NC", "AL", "OK", "SC", "WI", "KY", "PA", "TN", "NH", "KS", "WY"]
SYLLABLES = ["ma", "ri", "on", "ta", "lee", "pol", "ham", "ber", "ock", "ala", "cha", "ston", "ville", "dor"]


def county(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize() + " County"


def main() -> None:
    rng = random.Random(287)
    with tempfile.TemporaryDirectory() as folder:
        sessions = connect(f"sqlite:///{folder}/bench.db")
        add_signals(sessions, *(news_signal(state=rng.choice(STATES), jurisdiction=county(rng),
                                            published_at=f"2025-0{rng.randint(1, 5)}-{rng.randint(10, 28)}T12:00:00Z")
                                for _ in range(SIGNALS)))
        listed = [ocala(state=rng.choice(STATES), agency=f"{county(rng)} Sheriff's Office",
                        published_at="2025-06-20T15:00:00Z") for _ in range(LISTINGS)]
        add_events(sessions, *listed)
        with sessions() as session:
            started = time.perf_counter()
            answer = lead_times(session, until=dt.datetime(2025, 7, 1))
            summary_seconds = time.perf_counter() - started
            started = time.perf_counter()
            found = first_reports(session, [{**p, "id": str(n)} for n, p in enumerate(listed[:ALERTED])])
            alert_seconds = time.perf_counter() - started
    print(f"summary early_warning over {SIGNALS:,} signals and {LISTINGS:,} listings: {summary_seconds:.2f} s "
          f"({answer})")
    print(f"first reports of {ALERTED} new agreements for one alert run: {alert_seconds:.3f} s ({len(found)} found)")


if __name__ == "__main__":
    main()
