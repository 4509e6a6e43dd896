"""Parsing every sample workbook, one full ICE cycle and one unchanged cycle.

Run: `.venv/bin/python benchmarks/bench_ice.py`. Prints medians; the cycles run the real
`scheduler.py once --only ice` against a local mirror and count requests and bytes served.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from parsers.ice_workbook import parse_workbook  # noqa: E402
from tests.support.mirror import Mirror  # noqa: E402
from tests.support.tracker import PAGE_PATH, SHEETS, publish  # noqa: E402
from tests.support.workbooks import row, workbook  # noqa: E402

RUNS = 5


def bench_parse() -> None:
    files = sorted(SHEETS.glob("*.xlsx"))
    per_file, rows = [], 0
    for path in files:
        data = path.read_bytes()
        times = []
        for _ in range(RUNS):
            start = time.perf_counter()
            parsed = parse_workbook(data, filename=path.name)
            times.append(time.perf_counter() - start)
        per_file.append(statistics.median(times))
        rows += len(parsed.records)
    biggest = max(files, key=lambda p: p.stat().st_size).read_bytes()
    tracemalloc.start()
    parse_workbook(biggest)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    big = workbook([row(agency=f"Agency {i} Police Department", moa="link",
                        moa_link=f"https://www.ice.gov/doclib/287gMOA/A{i}.pdf") for i in range(2000)], blank_tail=400)
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        parse_workbook(big)
        times.append(time.perf_counter() - start)
    print(f"parse: a 2,000-row workbook written by openpyxl (inline strings, the slow case; Excel writes shared "
          f"strings), 2,000 hyperlinks, 400 formatted blank rows: median {statistics.median(times) * 1000:.0f} ms")
    largest = sorted(files, key=lambda p: p.stat().st_size)[-3:]
    times, total = [], 0
    for _ in range(RUNS):
        start = time.perf_counter()
        total = sum(len(parse_workbook(p.read_bytes()).records) for p in largest)
        times.append(time.perf_counter() - start)
    print(f"parse: the three largest real workbooks back to back ({total:,} rows, as one ~2,000-row list would be): "
          f"median {statistics.median(times) * 1000:.0f} ms")
    print(f"parse: {len(files)} real workbooks, {rows} rows; median {statistics.median(per_file) * 1000:.0f} ms "
          f"per workbook, slowest {max(per_file) * 1000:.0f} ms, {rows / sum(per_file):,.0f} rows/s; "
          f"peak traced memory {peak / 2**20:.1f} MB (largest workbook)")


def bench_cycles() -> None:
    mirror = Mirror()
    home = Path(tempfile.mkdtemp(prefix="tracker-bench-"))
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{home / 'tracker.db'}", DATA_DIR=str(home / "data"),
               ICE_287G_URL=mirror.url(PAGE_PATH), FETCH_MOAS="false", CRAWL_DELAY="0",
               SUBSCRIPTIONS_FILE=str(home / "none.toml"))
    participating = sorted(SHEETS.glob("*participating*"))
    pending = sorted(SHEETS.glob("*pending*"))

    def cycle() -> tuple[float, int, int]:
        mirror.hits.clear()
        start = time.perf_counter()
        result = subprocess.run([sys.executable, "scheduler.py", "once", "--only", "ice"], cwd=ROOT, env=env,
                                capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        if result.returncode != 0:
            raise SystemExit(f"cycle failed: {result.stdout} {result.stderr[-1500:]}")
        return elapsed, len(mirror.hits), sum(h.sent_bytes for h in mirror.hits)

    full, unchanged = [], []
    for step in range(3):
        publish(mirror, participating[step].read_bytes(), pending[step].read_bytes(),
                participating_name=participating[step].name.split("_", 2)[2])
        full.append(cycle())
        unchanged.append(cycle())
    mirror.close()
    for label, runs in (("full cycle (new publications)", full), ("unchanged cycle (304s)", unchanged)):
        seconds = statistics.median(r[0] for r in runs)
        print(f"{label}: median {seconds:.2f} s wall (process start included); "
              f"{runs[-1][1]} requests, {runs[-1][2]:,} bytes downloaded")


if __name__ == "__main__":
    bench_parse()
    bench_cycles()
