"""News feeds (`NEWS_FEEDS`) → their items never read before → each item's article, fetched politely.

    scrapy crawl news                          # every feed in NEWS_FEEDS
    scrapy crawl news -a feeds="URL URL ..."   # these feeds instead

No reading of reports here: the spider finds new items, fetches their pages and hands both
over (`NewsArticle`); the pipeline extracts the text, places and stages it, and stores it.

An item whose link or guid the store has seen is not fetched again. Articles are asked for
as any request of the tracker's: robots.txt obeyed, one connection per host and the crawl
delay between requests, the fetch breaker giving up on a host that keeps refusing, and only
on public hosts (or the feed's own), redirects included: a news search's link to an article
(`news.google.com/rss/articles/…`) is followed to the outlet under the same checks. When the
article cannot be had, the item is still handed over, saying why: the feed's words stand in.

A feed that cannot be read (an error, not RSS or Atom, larger than `MAX_FEED_BYTES`) is a
failure of this crawl, named with its address; the other feeds are read all the same.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import DownloadCancelledError
from scrapy.http import HtmlResponse, Response
from scrapy.spidermiddlewares.httperror import HttpError

from parsers.news_feed import NEWS_SEARCH_HOSTS, FeedError, FeedItem, parse_feed
from parsers.urls import public_web_url, web_url
from scrapers.fetch_breaker import ARTICLE_ROLE
from scrapers.items import NewsArticle
from scrapers.store import crawl_sessions
from storage.models import iso_z
from storage.news_reports import read_items

MAX_FEED_BYTES = 8 * 1024 * 1024
MAX_ARTICLE_BYTES = 4 * 1024 * 1024
# A feed served from this machine (a mirror, a test) may link its articles under any of these names.
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
# An article that fails twice is read from the feed's words: one more try, not the three a workbook gets.
ARTICLE_RETRIES = 1
ARTICLE_TIMEOUT = 30  # seconds: a news page that takes longer is read from the feed's words


class NewsSpider(scrapy.Spider):
    name = "news"
    custom_settings = {"CONCURRENT_REQUESTS_PER_DOMAIN": 1}

    def __init__(self, feeds: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.feeds: tuple[str, ...] = tuple(feeds.split()) if feeds is not None else ()
        self.failures: list[str] = []
        self.asked: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        if not spider.feeds:
            spider.feeds = tuple(crawler.settings.get("TRACKER_SETTINGS").news_feeds)
        return spider

    async def start(self):
        for url in self.feeds:
            if not web_url(url):
                self._fail(f"feed {url!r}: not a plain http(s) address")
                continue
            yield scrapy.Request(url, callback=self.parse, errback=self._feed_failed, dont_filter=True,
                                 meta={"tracker_role": "feed", "download_maxsize": MAX_FEED_BYTES})

    def parse(self, response: Response):
        items = self._parse_items(response)
        self.crawler.stats.inc_value("news/feed_items", len(items))
        for item in self._parse_new(items):
            yield self._article_request(item, response.url)

    def _parse_items(self, response: Response) -> list[FeedItem]:
        try:
            return parse_feed(response.body, response.url)
        except FeedError:
            self._fail(f"feed {response.url}: {_what_came(response)}, not an RSS or Atom feed")
            return []

    def _parse_new(self, items: list[FeedItem]) -> list[FeedItem]:
        """The items no earlier crawl read and no other feed of this crawl listed."""
        tracker = self.crawler.settings.get("TRACKER_SETTINGS")
        with crawl_sessions(tracker.database_url)() as session:
            read = read_items(session, [(item.link, item.guid) for item in items])
        fresh = []
        for item in items:
            if item.link in read or item.link in self.asked:
                continue
            self.asked.add(item.link)
            fresh.append(item)
        self.crawler.stats.inc_value("news/new_items", len(fresh))
        return fresh

    def _article_request(self, item: FeedItem, feed_url: str) -> scrapy.Request | NewsArticle:
        report = _report(item, feed_url)
        feed_host = _trusted_hosts(feed_url)
        try:
            request = scrapy.Request(item.link, callback=self.parse_article, errback=self._article_failed,
                                     cb_kwargs={"report": report}, dont_filter=True,
                                     meta={"tracker_role": ARTICLE_ROLE, "public_hosts": True,
                                           "allowed_hosts": feed_host, "download_maxsize": MAX_ARTICLE_BYTES,
                                           "max_retry_times": ARTICLE_RETRIES,
                                           "download_timeout": ARTICLE_TIMEOUT})
        except ValueError:
            request = None
        # Scrapy normalises the URL (a backslash becomes `/`): both the link and what would be requested are checked.
        if request is None or not (public_web_url(item.link, feed_host) and public_web_url(request.url, feed_host)):
            return self._fallback(report, "its link is not a public web address")
        return request

    def parse_article(self, response: Response, report: NewsArticle):
        if not _is_web_page(response):
            return self._fallback(report, f"the article is {_what_came(response)}")
        if any(marker in (urlsplit(response.url).hostname or "") for marker in NEWS_SEARCH_HOSTS):
            return self._fallback(report, "the news search did not pass the link on to the article")
        report.url = response.url
        report.body = response.body
        self.crawler.stats.inc_value("news/articles")
        return report

    def _article_failed(self, failure):
        request = failure.request
        why = failure.getErrorMessage() or failure.type.__name__
        if failure.check(DownloadCancelledError):
            why = f"larger than {MAX_ARTICLE_BYTES // 1024 // 1024} MB"
        elif failure.check(HttpError):
            why = f"HTTP {failure.value.response.status}"
        return self._fallback(request.cb_kwargs["report"], why)

    def _fallback(self, report: NewsArticle, why: str) -> NewsArticle:
        self.crawler.stats.inc_value("news/fallbacks")
        self.logger.info("reading %s from the feed's words: %s", report.link, why)
        report.problem = why
        return report

    def _feed_failed(self, failure) -> None:
        url = failure.request.url
        if failure.check(DownloadCancelledError):
            self._fail(f"feed {url}: larger than {MAX_FEED_BYTES // 1024 // 1024} MB, not read")
            return
        if failure.check(HttpError):
            self._fail(f"feed {url}: HTTP {failure.value.response.status}")
            return
        self._fail(f"feed {url}: {failure.getErrorMessage() or failure.type.__name__}")

    def _fail(self, message: str) -> None:
        self.failures.append(message)
        self.crawler.stats.set_value("tracker/failures", list(self.failures))
        self.logger.error(message)


def _report(item: FeedItem, feed_url: str) -> NewsArticle:
    return NewsArticle(feed_url=feed_url, link=item.link, guid=item.guid, title=item.title, outlet=item.outlet,
                       summary=item.summary, published_at=iso_z(item.published_at.replace(tzinfo=None))
                       if item.published_at else None)


def _trusted_hosts(feed_url: str) -> tuple[str, ...]:
    """Hosts a feed's articles may be on besides public ones: its own, and this machine when the feed is on it."""
    host = (urlsplit(feed_url).hostname or "").lower()
    return (host, *LOOPBACK_NAMES) if host in LOOPBACK_NAMES else (host,)


def _is_web_page(response: Response) -> bool:
    """An HTML page by its Content-Type, or, when it sends none, by Scrapy's reading of its address and body."""
    content_type = response.headers.get(b"Content-Type", b"").split(b";")[0].strip().lower()
    if content_type:
        return content_type in (b"text/html", b"application/xhtml+xml")
    return isinstance(response, HtmlResponse)


def _what_came(response: Response) -> str:
    """A body described, never quoted: its content type, or an HTML page, and its size."""
    head = response.body[:2048].lower()
    if b"<html" in head or b"<!doctype html" in head:
        return f"an HTML page ({len(response.body)} bytes)"
    kind = response.headers.get(b"Content-Type", b"").decode("latin-1").split(";")[0].strip() or "unknown content"
    return f"{kind} ({len(response.body)} bytes)"
