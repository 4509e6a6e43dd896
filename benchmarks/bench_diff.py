"""Diff 100,000 agreements against 100,000 with 1% changed: time and peak memory.

Target: under 2 s and 300 MB. Run: `.venv/bin/python benchmarks/bench_diff.py`.
The changed 1% mixes renames (typos), corrected dates, new agreements and dropped ones.
"""

from __future__ import annotations

import random
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage.diff import Known, PublicationRef, diff_publication  # noqa: E402

N = 100_000
STATES = ["FL", "TX", "GA", "VA", "NC", "AL", "OK", "SC", "WI", "KY", "PA", "TN", "NH", "KS", "WY"]
SYLLABLES = ["ma", "ri", "on", "ta", "lee", "pol", "k", "ham", "ber", "ock", "ala", "cha", "ston", "ville", "dor"]


def name(rng: random.Random, n: int) -> str:
    stem = "".join(rng.choice(SYLLABLES) for _ in range(3)).title()
    kind = rng.choice(["Police Department", "County Sheriff's Office", "Department of Public Safety"])
    return f"{stem}{n} {kind}"


def records(rng: random.Random) -> list[dict]:
    return [{
        "state": rng.choice(STATES), "agency": name(rng, i), "agency_type": "County", "county": f"C{i % 900} County",
        "model": rng.choice(["JEM", "TFM", "WSO"]), "signed": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "signed_raw": None, "moa_url": None, "addendum_url": None,
    } for i in range(N)]


def changed(rng: random.Random, old: list[dict]) -> list[dict]:
    new = [dict(r) for r in old]
    picks = rng.sample(range(N), N // 100)
    for k, i in enumerate(picks):
        kind = k % 4
        if kind == 0:
            new[i]["agency"] = new[i]["agency"].replace("Department", "Dept.")
        elif kind == 1:
            new[i]["signed"] = "2025-06-30"
        elif kind == 2:
            new[i] = None
    new = [r for r in new if r is not None]
    new += [dict(old[0], agency=name(rng, N + j), state=rng.choice(STATES)) for j in range(N // 400)]
    rng.shuffle(new)
    return new


def main() -> None:
    rng = random.Random(287)
    old = records(rng)
    known = [Known(uid=f"u{i}", fields=r) for i, r in enumerate(old)]
    new = changed(rng, old)
    ref = PublicationRef(sha256="b" * 64, kind="participating", source_url="bench", detected_at="2025-06-30T00:00:00Z")
    times = []
    for _ in range(3):
        start = time.perf_counter()
        result = diff_publication(known, new, ref)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    diff_publication(known, new, ref)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    counts: dict[str, int] = {}
    for event in result.events:
        counts[event["type"]] = counts.get(event["type"], 0) + 1
    print(f"diff {N:,} known against {len(new):,} rows (1% changed): median {statistics.median(times):.2f} s "
          f"over {len(times)} runs; peak traced memory of the diff {peak / 2**20:.0f} MB")
    print(f"  events: {counts}; missing (awaiting confirmation): {len(result.missing)}")
    print(f"  peak resident memory of the whole process (both lists included): "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
