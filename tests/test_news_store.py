"""News reports in the store, on real SQLite and PostgreSQL: items read once, one event per reported signal."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from parsers.news import NewsSignal
from storage.db import connect
from storage.event_log import public
from storage.models import Event, NewsItem
from storage.news_reports import Report, read_items, record_report
from storage.summary import store_fingerprint
from tests.support.web_server import serving

NOW = dt.datetime(2026, 3, 5, 12, 0)


@pytest.fixture
def sessions(database_url):
    factory = connect(database_url)
    yield factory
    factory.kw["bind"].dispose()


def report(link: str, outlet: str, *, days_ago: float = 1, place: str = "Collier County", stage: str = "approved",
           guid: str = "", fips: str | None = "12021") -> Report:
    published = NOW - dt.timedelta(days=days_ago)
    signal = NewsSignal(stage, "FL", place, fips, "Collier County Sheriff's Office",
                        f"{place} commissioners voted 4-1 on the 287(g) agreement.", published.date())
    return Report(feed_url="https://news.example/rss", link=link, guid=guid or link, title=f"{place} votes on 287(g)",
                  outlet=outlet, published_at=published, article_url=link, fallback_reason=None, signals=(signal,))


def record(sessions, *reports: Report) -> list[str]:
    with sessions.begin() as session:
        return [record_report(session, r, run_id=None, now=NOW) for r in reports]


def signals(sessions) -> list[dict]:
    with sessions() as session:
        return [public(e) for e in session.scalars(select(Event).order_by(Event.seq))]


def test_outlets_reporting_one_vote_make_one_event_that_lists_them_all(sessions):
    outcomes = record(sessions, report("https://naplesnews.example/a", "Naples Daily News", days_ago=2),
                      report("https://wgcu.example/b", "WGCU", days_ago=1),
                      report("https://wgcu.example/b?utm=x", "WGCU", days_ago=1, guid="https://wgcu.example/b"),
                      report("https://fox4.example/c", "Fox 4", days_ago=0))
    assert outcomes == ["new", "folded", "folded", "folded"]
    (event,) = signals(sessions)
    assert (event["source"], event["stage"], event["jurisdiction"], event["county"]) == (
        "news", "approved", "Collier County", "Collier County")
    assert event["outlet"] == "Naples Daily News" and event["source_url"] == "https://naplesnews.example/a"
    assert event["also_reported_by"] == [
        {"outlet": "WGCU", "url": "https://wgcu.example/b"},
        {"outlet": "WGCU", "url": "https://wgcu.example/b?utm=x"},
        {"outlet": "Fox 4", "url": "https://fox4.example/c"},
    ]
    with sessions() as session:
        assert session.scalar(select(func.count(Event.seq))) == 1
        items = session.scalars(select(NewsItem).order_by(NewsItem.id)).all()
    assert [i.folded for i in items] == [False, True, True, True] and len({i.event_seq for i in items}) == 1


def test_another_stage_place_or_week_is_another_event(sessions):
    outcomes = record(sessions, report("https://a.example/1", "A", days_ago=20),
                      report("https://b.example/2", "B", days_ago=10),  # ten days later: a new vote
                      report("https://c.example/3", "C", days_ago=10, stage="scheduled"),
                      report("https://d.example/4", "D", days_ago=10, place="Lee County", fips="12071"))
    assert outcomes == ["new", "new", "new", "new"]
    assert [e["also_reported_by"] for e in signals(sessions)] == [[], [], [], []]


def test_an_item_is_known_by_its_link_or_its_guid(sessions):
    record(sessions, report("https://a.example/1", "A", guid="tag:a.example,2026:1"))
    with sessions() as session:
        assert read_items(session, [("https://a.example/1", "")]) == {"https://a.example/1"}
        assert read_items(session, [("https://a.example/moved", "tag:a.example,2026:1")]) == {"https://a.example/moved"}
        assert read_items(session, [("https://b.example/2", "tag:b")]) == set()


def test_the_explorer_shows_a_report_folded_in_after_it_answered(database_url, sessions, tmp_path):
    record(sessions, report("https://naplesnews.example/a", "Naples Daily News", days_ago=2))
    with serving(database_url, feeds_dir=tmp_path) as site:
        first = site.get("/api/events.json?type=local_signal").json()["events"]
        assert [e["also_reported_by"] for e in first] == [[]]
        with sessions() as session:
            before = store_fingerprint(session)
        record(sessions, report("https://wgcu.example/b", "WGCU", days_ago=1))
        (event,) = site.get("/api/events.json?type=local_signal").json()["events"]
    with sessions() as session:
        assert store_fingerprint(session) != before  # pages cached under the old key are answered afresh
    assert event["id"] == first[0]["id"]
    assert event["also_reported_by"] == [{"outlet": "WGCU", "url": "https://wgcu.example/b"}]
