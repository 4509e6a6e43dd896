"""Feed items and article text, as the news reader takes them in: Google News' RSS, other feeds, real pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from parsers.article import main_text
from parsers.news_feed import FeedError, parse_feed
from tests.news_scoring import FEED_URL, NEWS

GOOGLE_ITEM = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>"287(g)" - Google News</title>
<item><title>Collier commissioners approve 287(g) deal - Naples Daily News</title>
<link>https://news.google.com/rss/articles/CBMiAbc?oc=5</link>
<guid isPermaLink="false">CBMiAbc</guid><pubDate>Tue, 02 Dec 2025 14:05:00 GMT</pubDate>
<description>&lt;a href="https://news.google.com/rss/articles/CBMiAbc?oc=5" target="_blank"&gt;Collier commissioners
approve 287(g) deal&lt;/a&gt;&amp;nbsp;&amp;nbsp;&lt;font color="#6f6f6f"&gt;Naples Daily News&lt;/font&gt;
</description>
<source url="https://www.naplesnews.com">Naples Daily News</source></item>
</channel></rss>"""


def test_a_google_news_item_gives_headline_outlet_time_and_plain_summary():
    [item] = parse_feed(GOOGLE_ITEM, FEED_URL)
    assert item.title == "Collier commissioners approve 287(g) deal"
    assert item.outlet == "Naples Daily News"
    assert item.published_at == datetime(2025, 12, 2, 14, 5, tzinfo=UTC)
    assert item.summary == "Collier commissioners approve 287(g) deal Naples Daily News"
    assert item.guid == "CBMiAbc"
    assert item.link == "https://news.google.com/rss/articles/CBMiAbc?oc=5"


def test_a_news_search_feed_without_source_tags_names_the_outlet_from_the_headline():
    body = GOOGLE_ITEM.replace(b'<source url="https://www.naplesnews.com">Naples Daily News</source>', b"")
    [item] = parse_feed(body, FEED_URL)
    assert (item.title, item.outlet) == ("Collier commissioners approve 287(g) deal", "Naples Daily News")


def test_a_newspaper_feed_keeps_its_headline_whole_and_names_the_outlet_by_host():
    body = b"""<rss version="2.0"><channel><title>Local</title>
    <item><title>Sheriff says yes - for now</title><link>/2025/12/sheriff.html</link>
    <description>&lt;p&gt;The sheriff &lt;b&gt;will&lt;/b&gt; apply.&lt;/p&gt;</description></item></channel></rss>"""
    [item] = parse_feed(body, "https://www.tylerpaper.com/feed/")
    assert item.title == "Sheriff says yes - for now"
    assert item.outlet == "tylerpaper.com"
    assert item.link == "https://www.tylerpaper.com/2025/12/sheriff.html"
    assert item.summary == "The sheriff will apply."
    assert item.published_at is None
    assert item.guid == item.link


def test_an_atom_feed_is_read_too():
    body = b"""<?xml version="1.0" encoding="utf-8"?>
    <feed xmlns="http://www.w3.org/2005/Atom"><title>Sheriff news</title>
    <entry><title>Sheriff signs 287(g) agreement</title><link href="https://sheriff.example.gov/news/287g"/>
    <id>tag:sheriff.example.gov,2025:287g</id><updated>2025-03-04T09:30:00-05:00</updated>
    <summary type="html">&lt;p&gt;Signed today.&lt;/p&gt;</summary></entry></feed>"""
    [item] = parse_feed(body, "https://sheriff.example.gov/news.atom")
    assert item.outlet == "sheriff.example.gov"
    assert item.published_at == datetime(2025, 3, 4, 14, 30, tzinfo=UTC)
    assert (item.guid, item.summary) == ("tag:sheriff.example.gov,2025:287g", "Signed today.")


def test_a_page_that_is_not_a_feed_is_refused_with_a_clear_message():
    with pytest.raises(FeedError, match="https://example.org/news is not an RSS or Atom feed"):
        parse_feed(b"<html><body><h1>Page not found</h1></body></html>", "https://example.org/news")


def test_the_labelled_feed_lists_every_labelled_report():
    items = parse_feed((NEWS / "feed.xml").read_bytes(), FEED_URL)
    assert len(items) == len({i.guid for i in items}) >= 60
    assert all(i.outlet and i.published_at and " - " + i.outlet not in i.title for i in items)


def test_the_main_text_of_a_real_page_leaves_its_menus_ads_and_footer_behind():
    page = (NEWS / "articles" / "tyler-smith-signs.html").read_bytes()
    text = main_text(page, "https://tylerpaper.com/2025/02/23/smith-county-sheriffs-office-ice-sign-task-force")
    assert "Under an agreement signed Tuesday, Smith County Sheriff's Office personnel" in text
    for chrome in ("Obituaries", "We use cookies", "High school football", "All rights reserved", "Advertisement"):
        assert chrome not in text


@pytest.mark.parametrize("body", [b"", b"   ", b"<html><body><nav>Home</nav></body></html>", b"\x00\xff\xfe"])
def test_a_page_with_nothing_readable_gives_empty_text(body):
    assert main_text(body, "https://example.org/") == ""
