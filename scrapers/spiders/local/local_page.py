"""The generic watcher: any agenda or press page a maintainer points it at, plus its agenda PDFs.

    scrapy crawl local_page -a url=URL -a jurisdiction="Marion County, FL" [-a keywords=a,b]
        [-a selector="CSS or XPath"] -O out.jsonl

Without a selector the page is read as one document and each mention (with nearby mentions
merged) becomes one signal. With a selector every matching element is one item (a press
release, an agenda row) and gives at most one signal, titled by its heading or first link.
Linked PDFs on the same registered domain are fetched and searched; other sites are not.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy.http import Response, TextResponse

from scrapers import jurisdictions
from scrapers.spiders.local.base import LocalSpider, Target


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
            yield from self._signals_in_blocks(response, target, self.selector)
        else:
            yield from self._signals_in_page(response, target)
        yield from self._follow_documents(response, target)
