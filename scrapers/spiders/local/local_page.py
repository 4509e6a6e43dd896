"""The generic watcher: any agenda or press page a maintainer points it at, plus its agenda PDFs.

    scrapy crawl local_page -a url=URL -a jurisdiction="Marion County, FL" [-a keywords=a,b]
        [-a selector="CSS or XPath"] -O out.jsonl

Without a selector the page is read as one document and each mention (with nearby mentions
merged) becomes one signal. With a selector every matching element is one item (a press
release, an agenda row) and gives at most one signal, titled by its heading or first link.
Linked PDFs on the same registered domain are fetched and searched; other sites are not.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

from parsel import Selector
from scrapy.http import Response, TextResponse

from scrapers import jurisdictions
from scrapers.spiders.local.base import LocalSpider, Target, page_text, site_of

_DOCUMENT_LINK = re.compile(r"\.pdf$|/viewfile/|/documentcenter/view/|view\.ashx", re.IGNORECASE)


def is_xpath(selector: str) -> bool:
    return selector.startswith(("/", "(", "./"))


def document_links(response: TextResponse) -> list[tuple[str, str]]:
    """(absolute URL, link text) of every linked PDF-like document on the page's own site."""
    home = site_of(response.url)
    found: dict[str, str] = {}
    for link in response.css("a[href]"):
        url = response.urljoin(link.attrib["href"])
        if urlsplit(url).scheme not in {"http", "https"} or not _DOCUMENT_LINK.search(urlsplit(url).path):
            continue
        if site_of(url) != home:
            continue
        found.setdefault(url, " ".join(t.strip() for t in link.css("::text").getall() if t.strip()))
    return list(found.items())


def block_title(block: Selector) -> str:
    for query in ("h1 ::text, h2 ::text, h3 ::text, h4 ::text", "a ::text", "strong ::text"):
        text = " ".join(t.strip() for t in block.css(query).getall() if t.strip())
        if text:
            return text
    return ""


class LocalPageSpider(LocalSpider):
    name = "local_page"

    def __init__(
        self,
        *args: Any,
        url: str | None = None,
        jurisdiction: str | None = None,
        selector: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.selector = selector
        if url:
            if not jurisdiction:
                raise ValueError('local_page needs -a jurisdiction="Name, ST" with -a url')
            self.start_urls = [url]
            row = jurisdictions.find(jurisdiction)
            self.targets = [Target.from_row(row) if row else Target.parse(jurisdiction)]
        else:
            rows = jurisdictions.for_platform("local_page")
            self.start_urls = [row.url_or_client for row in rows]
            self.targets = [Target.from_row(row) for row in rows]

    async def start(self) -> AsyncIterator[Any]:
        for url, target in zip(self.start_urls, self.targets, strict=True):
            yield self._request(url, self.parse, target)

    def _parse_items(self, response: Response, target: Target) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            return
        if self.selector:
            yield from self._parse_blocks(response, target)
        else:
            yield from self._signals_in_page(response, target)
        for url, text in document_links(response):
            yield self._request(url, self.parse, target, cb_kwargs={"title": text})

    def _parse_blocks(self, response: TextResponse, target: Target) -> Iterator[Any]:
        assert self.selector is not None
        blocks = response.xpath(self.selector) if is_xpath(self.selector) else response.css(self.selector)
        for block in blocks:
            link = block.css("a::attr(href)").get()
            yield from self._signals_in_block(
                page_text(block),
                target,
                url=response.urljoin(link) if link else response.url,
                title=block_title(block),
                source="page",
            )
