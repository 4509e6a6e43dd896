"""Read 1,000 news-search feed items and their articles from loopback: time, requests, peak memory.

Run: `.venv/bin/python benchmarks/bench_news.py [ITEMS]`. A local server (tests/mirror.py)
serves one Google-News-shaped RSS feed of ITEMS items (1,000 by default) and an article page
for each, made from the labelled set in tests/fixtures/news (every report repeated with its
own URL and headline number, the three real page shells among them). The reading runs in
this process, the way the news spider will hand pages to the parsers: fetch the feed, parse
it, fetch each article over one kept-alive connection (one connection per host, as the
crawler is configured), extract its main text and read it against a gazetteer holding ICE's
agencies from the fixtures. Prints the time of each part, the requests served, signals
found, and the process's peak resident size (after loading the gazetteer, and at the end).
"""

from __future__ import annotations

import html
import http.client
import re
import resource
import sys
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from parsers.article import main_text  # noqa: E402
from parsers.gazetteer import Gazetteer  # noqa: E402
from parsers.news import read_report  # noqa: E402
from parsers.news_feed import parse_feed  # noqa: E402
from tests.news_scoring import NEWS, ice_agencies, labels  # noqa: E402
from tests.support.mirror import Mirror  # noqa: E402

ITEMS = int(sys.argv[1]) if len(sys.argv) > 1 else 1000


def publish(mirror: Mirror, count: int) -> str:
    """Serve `count` items cycling through the labelled reports; return the feed's URL."""
    reports = list(labels().values())
    items = []
    for i in range(count):
        label = reports[i % len(reports)]
        path = f"/news/{i:05d}.html"
        mirror.set(path, (NEWS / label["file"]).read_bytes(), "text/html; charset=utf-8", validators=False)
        when = datetime.fromisoformat(label["published"]).replace(hour=7, tzinfo=UTC)
        title = f"{label['title']} ({i}) - {label['outlet']}"
        items.append(f"<item><title>{html.escape(title)}</title><link>{mirror.url(path)}</link>"
                     f"<guid isPermaLink=\"false\">bench-{i}</guid><pubDate>{format_datetime(when, usegmt=True)}"
                     f"</pubDate><description>{html.escape(label['title'])}</description>"
                     f"<source url=\"https://example.org\">{html.escape(label['outlet'])}</source></item>")
    feed = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>\"287(g)\" - Google News"
            "</title>" + "".join(items) + "</channel></rss>")
    return mirror.set("/rss/search", feed.encode(), "application/rss+xml; charset=utf-8", validators=False)


def get(connection: http.client.HTTPConnection, url: str) -> bytes:
    connection.request("GET", urlsplit(url).path, headers={"User-Agent": "287g-tracker-bench"})
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise SystemExit(f"{url} answered {response.status}")
    return body


def main() -> None:
    mirror = Mirror()
    feed_url = publish(mirror, ITEMS)
    mirror.hits.clear()
    started = time.perf_counter()
    places = Gazetteer(ice_agencies())
    places.counties("Collier"), places.cities("Naples"), places.big_cities()  # load the lists once, timed apart
    loaded = time.perf_counter()
    loaded_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    host, port = re.match(r"http://([\d.]+):(\d+)", feed_url).groups()
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    items = parse_feed(get(connection, feed_url), feed_url)
    fetching = extracting = reading = 0.0
    signals = 0
    for item in items:
        t0 = time.perf_counter()
        page = get(connection, item.link)
        t1 = time.perf_counter()
        text = main_text(page, item.link) or item.summary
        t2 = time.perf_counter()
        published = item.published_at.date() if item.published_at else None
        signals += len(read_report(item.title, text, places=places, published=published))
        t3 = time.perf_counter()
        fetching, extracting, reading = fetching + t1 - t0, extracting + t2 - t1, reading + t3 - t2
    finished = time.perf_counter()
    connection.close()
    mirror.close()

    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"items read           {len(items)}")
    print(f"requests served      {len(mirror.hits)} (1 feed + {len(mirror.hits) - 1} articles)")
    print(f"signals found        {signals}")
    print(f"gazetteer load       {loaded - started:.2f} s")
    print(f"fetch articles       {fetching:.2f} s")
    print(f"extract main text    {extracting:.2f} s ({extracting / len(items) * 1000:.1f} ms each)")
    print(f"read reports         {reading:.2f} s ({reading / len(items) * 1000:.1f} ms each)")
    print(f"total                {finished - started:.2f} s")
    print(f"peak resident size   {rss_mb:.0f} MB ({loaded_rss:.0f} MB once the gazetteer was loaded)")


if __name__ == "__main__":
    main()
