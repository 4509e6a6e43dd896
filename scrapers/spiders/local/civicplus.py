"""CivicPlus sites (the "/AgendaCenter" and "News Flash" pages many counties run on).

    scrapy crawl civicplus                                      # every civicplus row in the registry
    scrapy crawl civicplus -a url=https://www.sumtercountyfl.gov -a jurisdiction="Sumter County, FL"

Per site: the Agenda Center RSS feed (ModID=65) and page, whose agenda files are fetched and
searched item by item (most are PDFs; their signals link the Agenda Center, with the file as
`document_url`), and the News Flash RSS feed (ModID=1), whose articles are fetched and searched
whole: one signal per article, titled with its headline and linking the article. `max_agendas`
and `max_articles` bound how many agenda files and articles one run fetches per site; an
article that cannot be fetched is still searched by its headline and summary.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from email.utils import parsedate_to_datetime
from typing import Any

import scrapy
from parsel import Selector
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from parsers.agenda import node_item
from scrapers.spiders.local.base import MAX_DOCUMENT_BYTES, Listing, LocalSpider, Target, places_to_watch, site_of

AGENDA_FEED = "/RSSFeed.aspx?ModID=65&CID=All-0"
NEWS_FEED = "/RSSFeed.aspx?ModID=1&CID=All-newsflash.xml"
AGENDA_CENTER = "/AgendaCenter"
MAX_AGENDAS = 20
MAX_ARTICLES = 25
ARTICLE_BODY = "#divContent .fr-view, .fr-view, #divContent, main, article, #content"
_SITE_PAGES = re.compile(r"/(AgendaCenter|RSSFeed\.aspx|CivicAlerts\.aspx).*$", re.IGNORECASE)


def site_root(url: str) -> str:
    """Maintainers paste whatever page they were on; the feeds hang off the site root."""
    return _SITE_PAGES.sub("", url.strip()).rstrip("/")


def rss_date(value: str | None) -> str | None:
    try:
        return parsedate_to_datetime(value).date().isoformat() if value else None
    except (TypeError, ValueError):
        return None


def html_text(fragment: str) -> str:
    """RSS descriptions carry escaped HTML; a reader sees only its text."""
    return " ".join(Selector(text=f"<div>{fragment}</div>").xpath("//text()").getall())


class CivicPlusSpider(LocalSpider):
    name = "civicplus"

    def __init__(
        self,
        *args: Any,
        url: str | None = None,
        jurisdiction: str | None = None,
        max_agendas: int | str = MAX_AGENDAS,
        max_articles: int | str = MAX_ARTICLES,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.max_agendas = int(max_agendas)
        self.max_articles = int(max_articles)
        self._agendas_taken: dict[str, int] = {}
        self._articles_taken: dict[str, int] = {}
        self.sites = [(site_root(p.address), p.target) for p in places_to_watch("civicplus", url, jurisdiction)]

    async def start(self) -> AsyncIterator[Any]:
        for root, target in self.sites:
            yield self._request(root + AGENDA_FEED, self.parse_agenda_feed, target)
            yield self._request(root + AGENDA_CENTER, self.parse_agenda_center, target)
            yield self._request(root + NEWS_FEED, self.parse_news_feed, target)

    def _agenda_request(self, response: Response, url: str, title: str, date: str | None, target: Target) -> Any:
        """Follow an agenda file on the same site, up to max_agendas per site and run."""
        if site_of(url) != site_of(response.url):
            return
        taken = self._agendas_taken.get(target.jurisdiction, 0)
        if taken >= self.max_agendas:
            return
        self._agendas_taken[target.jurisdiction] = taken + 1
        center = site_root(response.url) + AGENDA_CENTER
        yield self._document_request(url, target, Listing(center, title, date))

    def parse_agenda_feed(self, response: Response, target: Target) -> Iterator[Any]:
        for item in self._rss_items(response):
            self._count("items", target)
            title, link, summary, day = item
            yield from self._signals_in_block(
                f"{title} {summary}", target, url=response.urljoin(link) if link else response.url, title=title,
                source="civicplus_agenda", date=day,
            )
            if link:
                yield from self._agenda_request(response, response.urljoin(link), title, day, target)

    def parse_agenda_center(self, response: Response, target: Target) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            return
        for row in response.css("tr.catAgendaRow"):
            self._count("items", target)
            link = row.css("a[href*='/ViewFile/Agenda/']::attr(href)").get()
            title = " ".join(t.strip() for t in row.css("td p a ::text, td p ::text").getall() if t.strip())
            item = node_item(row, response.url)
            if item is None:
                continue
            url = response.urljoin(link) if link else None
            yield from self._signals_in_item(
                item, target, url=response.url, source="civicplus_agenda", document_url=url
            )
            if url:
                yield from self._agenda_request(response, url, f"{title} {item.date or ''}".strip(), item.date, target)

    def parse_news_feed(self, response: Response, target: Target) -> Iterator[Any]:
        for title, link, summary, day in self._rss_items(response):
            self._count("items", target)
            url = response.urljoin(link) if link else response.url
            article = {"title": title, "summary": summary, "day": day, "url": url}
            taken = self._articles_taken.get(target.jurisdiction, 0)
            if link and site_of(url) == site_of(response.url) and taken < self.max_articles:
                self._articles_taken[target.jurisdiction] = taken + 1
                yield scrapy.Request(
                    url,
                    callback=self.parse_article,
                    errback=self._on_article_error,
                    cb_kwargs={"target": target, "article": article},
                    meta={"download_maxsize": MAX_DOCUMENT_BYTES},
                )
            else:
                yield from self._article_signal(target, article, "")

    def parse_article(self, response: Response, target: Target, article: dict[str, Any]) -> Iterator[Any]:
        """The News Flash article itself: its whole body is searched, not only the feed's summary."""
        self._count("documents", target)
        body = ""
        if isinstance(response, TextResponse):
            content = next((found for query in ARTICLE_BODY.split(", ") if (found := response.css(query))), None)
            body = " ".join((content or response.css("body")).xpath(
                ".//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::noscript)]"
            ).getall())
        yield from self._article_signal(target, article, body)

    def _on_article_error(self, failure: Failure) -> Iterator[Any]:
        """The article could not be fetched: a warning naming it, and its headline and summary still count."""
        self._on_document_error(failure)
        request = failure.request
        yield from self._article_signal(request.cb_kwargs["target"], request.cb_kwargs["article"], "")

    def _article_signal(self, target: Target, article: dict[str, Any], body: str) -> Iterator[Any]:
        yield from self._signals_in_block(
            "\n".join(part for part in (article["title"], article["summary"], body) if part),
            target,
            url=article["url"],
            title=article["title"],
            source="civicplus_news",
            date=article["day"],
        )

    def _rss_items(self, response: Response) -> Iterator[tuple[str, str, str, str | None]]:
        if not isinstance(response, TextResponse):
            return
        feed = Selector(text=response.text, type="xml")
        feed.remove_namespaces()
        for item in feed.xpath("//item"):
            yield (
                (item.xpath("title/text()").get() or "").strip(),
                (item.xpath("link/text()").get() or "").strip(),
                html_text(item.xpath("description/text()").get() or ""),
                rss_date(item.xpath("pubDate/text()").get()),
            )
