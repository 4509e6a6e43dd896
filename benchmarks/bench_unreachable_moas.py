"""One ICE crawl whose every MOA link points at a host that resets or refuses us.

Run: `.venv/bin/python benchmarks/bench_unreachable_moas.py`. The real `scheduler.py once
--only ice` crawls a local mirror whose workbook links 1,700 MOAs on one local host that
resets every connection (then, a second time, on a closed port that refuses them). Prints
the median wall time of the crawl and how many connections that host saw; the tracker's
goal is a crawl that ends in well under 120 s and knocks a handful of times, not 1,700.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.hostile_server import HostileServer  # noqa: E402
from tests.support.mirror import Mirror  # noqa: E402
from tests.support.tracker import PAGE_PATH, publish  # noqa: E402
from tests.support.workbooks import row, workbook  # noqa: E402

LINKS = 1700
RUNS = 3


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def crawl(base: str) -> float:
    mirror = Mirror()
    rows = [row(agency=f"Agency {i} Sheriff's Office", moa="link", moa_link=f"{base}/doclib/287gMOA/A{i}.pdf")
            for i in range(LINKS)]
    publish(mirror, workbook(rows))
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{home}/tracker.db", "DATA_DIR": f"{home}/data",
               "ICE_287G_URL": mirror.url(PAGE_PATH), "SUBSCRIPTIONS_FILE": f"{home}/none.toml",
               "FETCH_MOAS": "true", "CRAWL_DELAY": "0", "PYTHONPATH": str(ROOT)}
        start = time.perf_counter()
        result = subprocess.run([sys.executable, "scheduler.py", "once", "--only", "ice"], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=900)
        elapsed = time.perf_counter() - start
    mirror.close()
    if result.returncode != 0:
        raise SystemExit(f"crawl failed: {result.stdout}{result.stderr[-2000:]}")
    return elapsed


def main() -> None:
    hostile = HostileServer("reset")
    times = [crawl(hostile.base) for _ in range(RUNS)]
    print(f"unreachable MOAs (connection reset), {LINKS} links: median {statistics.median(times):.1f} s per crawl, "
          f"{hostile.connections / RUNS:.0f} connections per crawl")
    hostile.close()
    port = closed_port()
    times = [crawl(f"http://127.0.0.1:{port}") for _ in range(RUNS)]
    print(f"unreachable MOAs (connection refused), {LINKS} links: median {statistics.median(times):.1f} s per crawl")


if __name__ == "__main__":
    main()
