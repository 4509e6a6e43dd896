"""News feeds as a source, end to end: `once --only news` against a Google-News-shaped feed on loopback.

The feed is the labelled set's (tests/fixtures/news/feed.xml) with every link pointing at the
loopback server, which serves each report's saved article page. What a user sees: placed,
staged `local_signal` events, several outlets' reports of one vote as one event, nothing
fetched twice, the feed's own words when an article cannot be had, and a broken feed named.
"""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path

from sqlalchemy import select

from parsers.urls import public_web_url
from storage.db import connect
from storage.models import Event, NewsItem
from tests.news_scoring import NEWS, labels
from tests.support.mirror import Mirror
from tests.support.tracker import run_cli

FEED_PATH = "/rss/search"


def serve_labelled_feed(mirror: Mirror) -> dict[str, str]:
    """Serve the labelled feed and its articles on the mirror; returns each article's path by its label file."""
    feed = (NEWS / "feed.xml").read_text(encoding="utf-8")
    paths = {}
    for url, label in labels().items():
        path = f"/news/{Path(label['file']).stem}.html"
        mirror.set(path, (NEWS / label["file"]).read_bytes(), "text/html; charset=utf-8", validators=False)
        feed = feed.replace(escape(url), mirror.url(path))
        paths[label["file"]] = path
    mirror.set(FEED_PATH, feed, "application/rss+xml; charset=utf-8", validators=False)
    return paths


def one_item_feed(mirror: Mirror, items: list[tuple[str, str, str]], path: str = FEED_PATH,
                  days_ago: dict[str, int] | None = None) -> str:
    """A small news-search feed of (title, link, description) items, published yesterday unless `days_ago` says."""
    now = datetime.now(UTC)
    body = "".join(
        f"<item><title>{title} - Naples Daily News</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>{format_datetime(now - timedelta(days=(days_ago or {}).get(link, 1)), usegmt=True)}</pubDate>"
        f"<description>{description}</description>"
        f"<source url=\"https://www.naplesnews.com\">Naples Daily News</source></item>"
        for title, link, description in items)
    feed = f"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>287(g)</title>{body}</channel></rss>"
    return mirror.set(path, feed, "application/rss+xml", validators=False)


def news_events(env: dict[str, str]) -> list[dict]:
    done = run_cli(env, "events", "--format", "jsonl", "--type", "local_signal")
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if json.loads(line).get("source") == "news"]


def article_requests(mirror: Mirror) -> list[str]:
    return [hit.path for hit in mirror.hits if hit.path.startswith(("/news/", "/private/"))]


def test_once_reads_the_feed_into_placed_staged_folded_signals_and_never_fetches_an_item_twice(tracker_env, mirror):
    paths = serve_labelled_feed(mirror)
    tracker_env["NEWS_FEEDS"] = mirror.url(FEED_PATH)

    first = run_cli(tracker_env, "once", "--only", "news")
    assert first.returncode == 0, first.stdout + first.stderr[-3000:]
    assert first.stdout.startswith("news: ok"), first.stdout
    assert f"{len(labels())} new items read" in first.stdout
    assert len(article_requests(mirror)) == len(labels())
    assert all(hit.headers.get("user-agent", "").startswith("287g") or "tracker" in hit.headers.get("user-agent", "")
               for hit in mirror.hits)

    events = news_events(tracker_env)
    by_file = {next(f for f, p in paths.items() if e["source_url"].endswith(p)): e for e in events}
    atascosa = by_file["articles/atascosa-adopts-tfm.html"]
    assert (atascosa["state"], atascosa["jurisdiction"], atascosa["county_fips"], atascosa["stage"]) == (
        "TX", "Atascosa County", "48013", "approved")
    assert atascosa["outlet"] == "Citizen Portal" and atascosa["published_at"] == "2025-12-09T07:00:00Z"
    assert atascosa["title"].startswith("Atascosa County adopts 287(g) task force model")
    assert atascosa["excerpt"] and atascosa["source"] == "news" and atascosa["type"] == "local_signal"
    assert set(atascosa) >= {"source", "stage", "state", "jurisdiction", "county_fips", "agency", "title", "outlet",
                             "source_url", "published_at", "excerpt", "also_reported_by"}
    decoy = "articles/myattorney-list.html"
    assert decoy not in by_file  # an explainer with national counts is no local signal

    fort_myers = ("articles/wusf-ft-myers-reverse.html", "articles/wgcu-ft-myers-unanimous.html",
                  "articles/usnews-ft-myers-oks.html")
    folded = [e for e in events if any(e["source_url"].endswith(paths[f]) for f in fort_myers)]
    assert len(folded) == 1, [e["source_url"] for e in folded]
    reported = {r["url"] for r in folded[0]["also_reported_by"]} | {folded[0]["source_url"]}
    assert reported == {mirror.url(paths[f]) for f in fort_myers}
    assert all(r["outlet"] for r in folded[0]["also_reported_by"])

    requests_before = len(article_requests(mirror))
    again = run_cli(tracker_env, "once", "--only", "news")
    assert again.returncode == 0, again.stdout + again.stderr[-3000:]
    assert "0 new items read" in again.stdout
    assert len(article_requests(mirror)) == requests_before  # the feed is read again, no article is
    assert news_events(tracker_env) == events


def test_an_article_that_cannot_be_fetched_is_read_from_the_feeds_words(tracker_env, mirror):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    unreachable = f"http://127.0.0.1:{closed.getsockname()[1]}/story.html"
    closed.close()
    mirror.set("/news/pdf.html", b"%PDF-1.7 not a page", "application/pdf", validators=False)
    mirror.set("/private/collier.html", b"<html><body>never read</body></html>", "text/html", validators=False)
    one_item_feed(mirror, [
        ("Collier County commissioners approve 287(g) task force agreement", mirror.url("/private/collier.html"),
         "Collier County commissioners approved a 287(g) task force agreement with ICE on Tuesday."),
        ("Lee County commissioners vote to end 287(g) agreement", unreachable,
         "Lee County commissioners voted to end the county's 287(g) agreement with ICE."),
        ("Sarasota County commissioners reject 287(g) agreement", mirror.url("/news/pdf.html"),
         "Sarasota County commissioners rejected a 287(g) agreement with ICE."),
        ("Hostile link", "http://169.254.169.254/latest/meta-data/", "Nothing to read"),
    ])
    tracker_env["NEWS_FEEDS"] = mirror.url(FEED_PATH)

    done = run_cli(tracker_env, "once", "--only", "news")
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert "4 new items read (4 from the feed's words" in done.stdout
    assert not mirror.requests_for("/private/collier.html")  # robots.txt says no

    signals = {(e["jurisdiction"], e["stage"], e["state"]) for e in news_events(tracker_env)}
    assert signals == {("Collier County", "approved", "FL"), ("Lee County", "ended", "FL"),
                       ("Sarasota County", "rejected", "FL")}
    sessions = connect(tracker_env["DATABASE_URL"])
    with sessions() as session:
        reasons = {item.link: item.fallback_reason for item in session.scalars(select(NewsItem))}
    assert "robots.txt" in reasons[mirror.url("/private/collier.html")]
    assert "application/pdf" in reasons[mirror.url("/news/pdf.html")]
    assert "public web address" in reasons["http://169.254.169.254/latest/meta-data/"]
    assert reasons[unreachable]


def test_a_feed_that_cannot_be_read_is_named_and_the_others_are_still_read(tracker_env, mirror):
    good = one_item_feed(mirror, [(
        "Collier County commissioners approve 287(g) task force agreement", mirror.url("/news/collier.html"),
        "Collier County commissioners approved a 287(g) task force agreement with ICE on Tuesday.")])
    mirror.set("/news/collier.html", b"<html><body>gone</body></html>", "text/html", status=404, validators=False)
    not_xml = mirror.set("/feeds/binary", bytes(range(256)) * 8, "application/octet-stream", validators=False)
    page = mirror.set("/feeds/page", "<!doctype html><html><body><h1>Welcome</h1></body></html>", "text/html",
                      validators=False)
    huge = mirror.set("/feeds/huge", b"<rss>" + b" " * (9 * 1024 * 1024) + b"</rss>", "application/rss+xml",
                      validators=False)
    tracker_env["NEWS_FEEDS"] = " ".join((not_xml, page, huge, good))

    done = run_cli(tracker_env, "once", "--only", "news")
    assert done.returncode == 1, done.stdout + done.stderr[-3000:]
    line = done.stdout.strip().splitlines()[-1]
    assert line.startswith("news: failed") and "1 new items read" in line
    assert f"feed {not_xml}: application/octet-stream" in line
    assert f"feed {page}: an HTML page (57 bytes), not an RSS or Atom feed" in line
    assert f"feed {huge}: larger than 8 MB, not read" in line
    assert "Traceback" not in done.stdout + done.stderr
    assert [(e["jurisdiction"], e["stage"]) for e in news_events(tracker_env)] == [("Collier County", "approved")]


def test_a_report_folded_into_an_alerted_signal_is_not_alerted_again(tracker_env, mirror, tmp_path):
    (tmp_path / "subscriptions.toml").write_text('[[slack]]\nchannel = "#fl"\nstates = ["FL"]\n')
    first = ("Collier County commissioners approve 287(g) task force agreement", mirror.url("/news/a.html"),
             "Collier County commissioners approved a 287(g) task force agreement with ICE on Tuesday.")
    second = ("Collier commissioners OK 287(g) deal with ICE", mirror.url("/news/b.html"),
              "Collier County commissioners approved a 287(g) agreement with ICE on Tuesday, 4-1.")
    tracker_env["NEWS_FEEDS"] = one_item_feed(mirror, [first])
    assert run_cli(tracker_env, "once", "--only", "alerts").returncode == 0  # the channel is welcomed: no backlog
    welcomed = sorted((tmp_path / "data" / "outbox").rglob("*.json"))
    assert run_cli(tracker_env, "once", "--only", "news").returncode == 0
    assert run_cli(tracker_env, "once", "--only", "alerts").returncode == 0
    outbox = sorted((tmp_path / "data" / "outbox").rglob("*.json"))
    (alert,) = set(outbox) - set(welcomed)
    assert "Collier" in alert.read_text()

    old = ("Lee County commissioners vote to end 287(g) agreement", mirror.url("/news/old.html"),
           "Lee County commissioners voted to end the county's 287(g) agreement with ICE.")
    one_item_feed(mirror, [first, second, old], days_ago={old[1]: 400})  # a news search lists old stories too
    done = run_cli(tracker_env, "once", "--only", "news")
    assert "2 new items read" in done.stdout and "1 reports folded" in done.stdout, done.stdout
    assert run_cli(tracker_env, "once", "--only", "alerts").returncode == 0
    assert sorted((tmp_path / "data" / "outbox").rglob("*.json")) == outbox
    sessions = connect(tracker_env["DATABASE_URL"])
    with sessions() as session:
        events = {e.payload["jurisdiction"]: e.payload for e in session.scalars(
            select(Event).where(Event.type == "local_signal"))}
    assert events["Collier County"]["also_reported_by"] == [
        {"outlet": "Naples Daily News", "url": mirror.url("/news/b.html")}]
    assert events["Lee County"]["history"] is True and "history" not in events["Collier County"]


def test_a_news_searchs_redirect_is_followed_to_the_article_but_never_to_a_private_address(tracker_env, mirror):
    article = mirror.set("/news/atascosa.html", (NEWS / "articles" / "atascosa-adopts-tfm.html").read_bytes(),
                         "text/html; charset=utf-8", validators=False)
    mirror.set("/rss/articles/CBMiAtascosa", b"", "text/html", status=302, headers={"Location": article},
               validators=False)
    mirror.set("/rss/articles/CBMiInside", b"", "text/html", status=302,
               headers={"Location": "http://10.20.30.40/admin"}, validators=False)
    key_west = mirror.set("/news/key-west.html", (NEWS / "articles" / "key-west-votes-end.html").read_bytes(),
                          "text/html; charset=utf-8", validators=False).replace("127.0.0.1", "localhost")
    one_item_feed(mirror, [
        ("Atascosa County adopts 287(g) task force model", mirror.url("/rss/articles/CBMiAtascosa"),
         "Atascosa County adopts 287(g) task force model"),
        ("Key West ends 287(g) agreement", key_west, "Key West commission votes to end its 287(g) agreement"),
        ("Polk County commissioners approve 287(g) agreement", mirror.url("/rss/articles/CBMiInside"),
         "Polk County, Florida commissioners approved a 287(g) agreement with ICE."),
    ])
    tracker_env["NEWS_FEEDS"] = mirror.url(FEED_PATH)

    done = run_cli(tracker_env, "once", "--only", "news")
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    events = {e["jurisdiction"]: e for e in news_events(tracker_env)}
    assert events["Atascosa County"]["source_url"] == article  # the outlet's address, not the search's
    assert events["Atascosa County"]["stage"] == "approved"
    assert mirror.requests_for("/news/key-west.html")  # a feed on this machine may name it either way
    sessions = connect(tracker_env["DATABASE_URL"])
    with sessions() as session:
        inside = session.scalars(select(NewsItem).where(NewsItem.link.endswith("CBMiInside"))).one()
    assert inside.text_from == "feed" and "10.20.30.40" in inside.fallback_reason
    assert "not a public web address" in inside.fallback_reason


def test_only_public_web_addresses_are_fetched_for_news_unless_on_the_feeds_own_host():
    assert public_web_url("https://www.naplesnews.com/story/news/2025/12/02/collier-287g/")
    assert public_web_url("http://93.184.216.34/story")
    for inside in ("http://127.0.0.1:8080/", "http://localhost/", "http://api.localhost/", "http://10.0.0.5/",
                   "http://169.254.169.254/latest/meta-data/", "http://[::1]/", "http://2130706433/",
                   "http://0x7f.1/", "http://192.168.1.1/", "https://user@www.naplesnews.com/", "file:///etc/passwd"):
        assert not public_web_url(inside), inside
    assert public_web_url("http://127.0.0.1:8080/news/a.html", also=("127.0.0.1",))
