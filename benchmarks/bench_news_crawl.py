"""The news crawl as the tracker runs it, on 1,000 feed items from loopback: time, requests, peak memory.

Run: `.venv/bin/python benchmarks/bench_news_crawl.py [ITEMS]`. The feed and its articles are
those of benchmarks/bench_news.py (the labelled reports, each repeated under its own URL and
headline number), served by the test mirror on 127.0.0.1. The crawl is the real one
(`python -m scrapers.crawl news`, a child process with the store in a temporary SQLite file,
robots.txt obeyed, one connection per host, no crawl delay as for a local mirror); it runs
twice, and the second run should ask for the feed and nothing else. Prints, per run, the
wall time, the requests the server answered, the items read, the signals stored and folded,
and the crawl process's peak resident size.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_news import publish  # noqa: E402
from tests.support.mirror import Mirror  # noqa: E402

ITEMS = int(sys.argv[1]) if len(sys.argv) > 1 else 1000


def crawl(env: dict[str, str]) -> tuple[float, float]:
    """One crawl in a child process: (seconds, the child's peak resident size in MB)."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "scrapers.crawl", "news"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=3600)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    return took, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    mirror = Mirror()
    feed_url = publish(mirror, ITEMS)
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{home}/tracker.db", "DATA_DIR": f"{home}/data",
               "NEWS_FEEDS": feed_url, "CRAWL_DELAY": "0", "PYTHONPATH": str(ROOT)}
        from storage.db import connect
        from storage.models import CrawlRun

        connect(env["DATABASE_URL"]).kw["bind"].dispose()  # the schema, made before the clock starts
        for attempt in ("first run", "second run"):
            mirror.hits.clear()
            took, peak = crawl(env)
            sessions = connect(env["DATABASE_URL"])
            with sessions() as session:
                run = session.query(CrawlRun).order_by(CrawlRun.id.desc()).first()
                news = dict((run.stats or {}).get("news", {}))
            sessions.kw["bind"].dispose()
            articles = sum(1 for hit in mirror.hits if hit.path.startswith("/news/"))
            print(f"{attempt}: {took:.1f} s, {len(mirror.hits)} requests ({articles} articles), "
                  f"peak resident size {peak:.0f} MB")
            print(f"  {json.dumps(news, sort_keys=True)}")
    mirror.close()


if __name__ == "__main__":
    main()
