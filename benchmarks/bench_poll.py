"""What an unchanged poll costs, against what importing its libraries once costs.

Run: `.venv/bin/python benchmarks/bench_poll.py [RUNS]`. A local mirror serves ICE's page and
two real workbooks; after one full cycle, each poll is the real `scheduler.py once --only ice`
whose page and workbook requests are answered with 304s. Its CPU time (user + system, its crawl subprocess included) is
compared with a fresh interpreter importing scrapy, twisted, SQLAlchemy and openpyxl, the two
measured alternately so both see the same machine. Prints medians and their ratio.

Both run as a deployed tracker does, with Python's bytecode cache (an inherited
PYTHONDONTWRITEBYTECODE is dropped; the libraries' caches exist already, and the first,
unmeasured cycle writes the tracker's own).
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.mirror import Mirror  # noqa: E402
from tests.support.tracker import PAGE_PATH, SHEETS, publish  # noqa: E402

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 7
LIBRARIES = ("import scrapy, scrapy.crawler, twisted.internet.reactor, sqlalchemy.orm, openpyxl")


def child_cpu(command: list[str], env: dict[str, str]) -> float:
    """CPU seconds of `command` and every process it waited for."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {result.stdout}\n{result.stderr[-2000:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    mirror = Mirror()
    home = Path(tempfile.mkdtemp(prefix="tracker-bench-"))
    deployed = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env = dict(deployed, DATABASE_URL=f"sqlite:///{home / 'tracker.db'}", DATA_DIR=str(home / "data"),
               ICE_287G_URL=mirror.url(PAGE_PATH), FETCH_MOAS="false", CRAWL_DELAY="0",
               SUBSCRIPTIONS_FILE=str(home / "none.toml"))
    participating = sorted(SHEETS.glob("*participating*"))[0]
    pending = sorted(SHEETS.glob("*pending*"))[0]
    publish(mirror, participating.read_bytes(), pending.read_bytes(),
            participating_name=participating.name.split("_", 2)[2])
    poll = [sys.executable, "scheduler.py", "once", "--only", "ice"]
    child_cpu(poll, env)  # the first cycle applies both lists; every later one is unchanged

    polls, imports, statuses, requests, sent = [], [], [], [], []
    for _ in range(RUNS):
        mirror.hits.clear()
        polls.append(child_cpu(poll, env))
        statuses.append(sorted({h.status for h in mirror.hits if h.path != "/robots.txt"}))
        requests.append(len(mirror.hits))
        sent.append(sum(h.sent_bytes for h in mirror.hits))
        imports.append(child_cpu([sys.executable, "-c", LIBRARIES], deployed))
    mirror.close()
    if any(status != [304] for status in statuses):
        raise SystemExit(f"the polls were not all answered with 304s: {statuses}")
    poll_cpu, import_cpu = statistics.median(polls), statistics.median(imports)
    print(f"unchanged poll: {max(requests)} requests (robots.txt, the page and each workbook: all but robots.txt "
          f"answered 304), {max(sent)} body bytes from the server")
    print(f"unchanged poll (once --only ice, page and workbooks 304): median {poll_cpu:.2f} s CPU over {RUNS} runs "
          f"(min {min(polls):.2f}, max {max(polls):.2f})")
    print(f"importing scrapy, twisted, SQLAlchemy, openpyxl once: median {import_cpu:.2f} s CPU "
          f"(min {min(imports):.2f}, max {max(imports):.2f})")
    paired = statistics.median(p / i for p, i in zip(polls, imports, strict=True))
    print(f"ratio: {poll_cpu / import_cpu:.2f} (goal: at most 2.0); median of the side-by-side pairs' ratios "
          f"{paired:.2f}")


if __name__ == "__main__":
    main()
