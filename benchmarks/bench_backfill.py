"""Backfilling every shared sample workbook into a new store: snapshots per second.

Run: `.venv/bin/python benchmarks/bench_backfill.py [PATH]` (default: the real May–June 2025
workbooks in tests/fixtures/ice/sheets, a flat folder). Each run starts from an empty SQLite
store and goes through the same archive → parse → diff → store path as `scheduler.py backfill`;
prints the median over the runs (wall clock and CPU time: on a busy machine the CPU time is the
steadier figure), the cost of a second (no-op) run, and peak Python memory.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import settings  # noqa: E402
from scrapers.backfill import backfill, find_archive  # noqa: E402
from storage.db import connect  # noqa: E402

RUNS = 3
SAMPLES = ROOT / "tests" / "fixtures" / "ice" / "sheets"


def one_run(path: Path, measure_memory: bool = False) -> tuple[float, float, int, int, float]:
    """(seconds for the backfill, seconds for a second one, events stored, peak bytes, CPU seconds)."""
    with tempfile.TemporaryDirectory() as tmp:
        config = settings.load({"DATABASE_URL": f"sqlite:///{tmp}/tracker.db", "DATA_DIR": f"{tmp}/data"},
                               dotenv=None)
        sessions = connect(config.database_url)
        if measure_memory:
            tracemalloc.start()
        start, cpu = time.perf_counter(), time.process_time()
        report = backfill(sessions, config, path)
        first, cpu = time.perf_counter() - start, time.process_time() - cpu
        peak = tracemalloc.get_traced_memory()[1] if measure_memory else 0
        if measure_memory:
            tracemalloc.stop()
        start = time.perf_counter()
        again = backfill(sessions, config, path)
        second = time.perf_counter() - start
        assert again.imported == 0 and again.skipped == report.imported + report.unchanged + len(report.refused)
        sessions.kw["bind"].dispose()
        return first, second, report.events, peak, cpu


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else SAMPLES
    snapshots = find_archive(path).snapshots
    files = sum(len(s.files) for s in snapshots)
    runs = [one_run(path) for _ in range(RUNS)]
    first = statistics.median(r[0] for r in runs)
    second = statistics.median(r[1] for r in runs)
    cpu = statistics.median(r[4] for r in runs)
    peak = one_run(path, measure_memory=True)[3]
    print(f"backfill: {len(snapshots)} snapshots ({files} workbooks, {runs[0][2]} events) into a new SQLite store: "
          f"median {first:.2f} s over {RUNS} runs = {len(snapshots) / first:.1f} snapshots/s "
          f"({files / first:.1f} workbooks/s); CPU {cpu:.2f} s = {len(snapshots) / cpu:.1f} snapshots per CPU second "
          "(about half of it is reading the workbooks)")
    print(f"backfill again (nothing new): median {second:.2f} s; peak Python memory of one backfill "
          f"{peak / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
