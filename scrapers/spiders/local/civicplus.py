"""CivicPlus sites (the "/AgendaCenter" and "News Flash" pages many counties run on).

    scrapy crawl civicplus                                      # every civicplus row in the registry
    scrapy crawl civicplus -a url=https://www.sumtercountyfl.gov -a jurisdiction="Sumter County, FL"

Per site: the Agenda Center RSS feed (ModID=65) and page, whose agenda files are fetched and
searched (most are PDFs), and the News Flash RSS feed (ModID=1), whose press releases are searched
by title and summary. `max_agendas` bounds how many agenda files one run fetches per site.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from email.utils import parsedate_to_datetime
from typing import Any

from parsel import Selector
from scrapy.http import Response, TextResponse

from scrapers import jurisdictions
from scrapers.spiders.local.base import LocalSpider, Target, page_text, site_of

AGENDA_FEED = "/RSSFeed.aspx?ModID=65&CID=All-0"
NEWS_FEED = "/RSSFeed.aspx?ModID=1&CID=All-newsflash.xml"
AGENDA_CENTER = "/AgendaCenter"
MAX_AGENDAS = 20
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
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.max_agendas = int(max_agendas)
        self._agendas_taken: dict[str, int] = {}
        if url:
            if not jurisdiction:
                raise ValueError('civicplus needs -a jurisdiction="Name, ST" with -a url')
            row = jurisdictions.find(jurisdiction)
            self.sites = [(site_root(url), Target.from_row(row) if row else Target.parse(jurisdiction))]
        else:
            rows = jurisdictions.for_platform("civicplus")
            self.sites = [(site_root(row.url_or_client), Target.from_row(row)) for row in rows]

    async def start(self) -> AsyncIterator[Any]:
        for root, target in self.sites:
            yield self._request(root + AGENDA_FEED, self.parse_agenda_feed, target)
            yield self._request(root + AGENDA_CENTER, self.parse_agenda_center, target)
            yield self._request(root + NEWS_FEED, self.parse_news_feed, target)

    def _agenda_request(self, response: Response, url: str, title: str, target: Target) -> Iterator[Any]:
        """Follow an agenda file on the same site, up to max_agendas per site and run."""
        if site_of(url) != site_of(response.url):
            return
        taken = self._agendas_taken.get(target.jurisdiction, 0)
        if taken >= self.max_agendas:
            return
        self._agendas_taken[target.jurisdiction] = taken + 1
        yield self._request(url, self.parse, target, cb_kwargs={"title": title})

    def parse_agenda_feed(self, response: Response, target: Target) -> Iterator[Any]:
        for item in self._rss_items(response):
            self._count("items", target)
            title, link, summary, day = item
            yield from self._signals_in_block(
                f"{title} {summary}", target, url=link, title=title, source="civicplus_agenda", date=day
            )
            if link:
                yield from self._agenda_request(response, response.urljoin(link), title, target)

    def parse_agenda_center(self, response: Response, target: Target) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            return
        for row in response.css("tr.catAgendaRow"):
            self._count("items", target)
            link = row.css("a[href*='/ViewFile/Agenda/']::attr(href)").get()
            title = " ".join(t.strip() for t in row.css("td p a ::text, td p ::text").getall() if t.strip())
            when = " ".join(row.css("h3 ::text, strong ::text").getall())
            url = response.urljoin(link) if link else response.url
            yield from self._signals_in_block(page_text(row), target, url=url, title=title, source="civicplus_agenda")
            if link:
                yield from self._agenda_request(response, url, f"{title} {when}".strip(), target)

    def parse_news_feed(self, response: Response, target: Target) -> Iterator[Any]:
        for title, link, summary, day in self._rss_items(response):
            self._count("items", target)
            yield from self._signals_in_block(
                f"{title} {summary}",
                target,
                url=response.urljoin(link) if link else response.url,
                title=title,
                source="civicplus_news",
                date=day,
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
