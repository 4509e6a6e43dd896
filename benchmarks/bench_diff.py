"""Diff 100,000 agreements against 100,000 with 1% changed: time and peak memory.

Target: under 2 s and 300 MB. Run: `.venv/bin/python benchmarks/bench_diff.py`.
The changed 1% mixes renames (typos), corrected dates, new agreements and dropped ones.

Then the same 100,000 agreements against a publication that lists them all plus 50,000
or 200,000 agencies never seen: each new row is checked for being a repeat of every kept
row, which must stay near linear (each case runs in its own process, for its peak memory).
"""

from __future__ import annotations

import multiprocessing
import random
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage.diff import Known, PublicationRef, diff_publication

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


def many_new(extra: int, results) -> None:
    """One run in a fresh process: 100,000 known, all listed again, plus `extra` new agencies."""
    rng = random.Random(287)
    old = records(rng)
    known = [Known(uid=f"u{i}", fields=r) for i, r in enumerate(old)]
    new = [dict(r) for r in old] + [
        dict(old[0], agency=name(rng, N + j), state=rng.choice(STATES), model=rng.choice(["JEM", "TFM", "WSO"]))
        for j in range(extra)]
    ref = PublicationRef(sha256="c" * 64, kind="participating", source_url="bench", detected_at="2025-06-30T00:00:00Z")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start, cpu = time.perf_counter(), time.process_time()
    result = diff_publication(known, new, ref)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    results.put((elapsed, cpu, before / 1024, after / 1024, len(result.events)))


def main_many_new() -> None:
    context = multiprocessing.get_context("spawn")
    for extra in (50_000, 200_000):
        results = context.Queue()
        child = context.Process(target=many_new, args=(extra, results))
        child.start()
        elapsed, cpu, before, after, events = results.get()
        child.join()
        print(f"diff {N:,} known against {N + extra:,} rows ({extra:,} never seen): {elapsed:.1f} s "
              f"({cpu:.1f} s of CPU); "
              f"{events:,} agreement_added; peak resident memory {after:.0f} MB "
              f"({after - before:.0f} MB more than the two lists)")


if __name__ == "__main__":
    main()
    main_many_new()
