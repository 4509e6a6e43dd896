"""The generic watcher: any agenda or press page a maintainer points it at, plus its agenda PDFs.

    scrapy crawl local_page                                    # every local_page row in the registry
    scrapy crawl local_page -a url=URL -a jurisdiction="Marion County, FL" [-a keywords=a,b]
        [-a selector="CSS or XPath"] [-a date_selector="CSS or XPath"] -O out.jsonl

The page is cut into items (agenda rows, list entries, articles, headings with their text; see
``parsers.agenda``) and every item that mentions 287(g) gives one signal with its own
title, date and link. A selector, from the argument or the registry row's `selector` column,
names the item element when the page's structure is not enough; `date_selector` finds each
item's date inside it. Linked PDFs on the same registered domain are fetched and searched
item by item, and link back to this page; other sites are not.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from scrapy.http import Response

from scrapers import jurisdictions
from scrapers.spiders.local.base import LocalSpider, Target, is_pdf, places_to_watch


@dataclass(frozen=True)
class Source:
    url: str
    target: Target
    selector: str | None = None
    date_selector: str | None = None


class LocalPageSpider(LocalSpider):
    name = "local_page"

    def __init__(
        self,
        *args: Any,
        url: str | None = None,
        jurisdiction: str | None = None,
        selector: str | None = None,
        date_selector: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for value, column in ((selector, "selector"), (date_selector, "date_selector")):
            if value and (problem := jurisdictions.selector_problem(column, value)) is not None:
                raise ValueError(problem)
        self.sources = [
            Source(
                place.address,
                place.target,
                selector or (place.row.selector if place.row else None) or None,
                date_selector or (place.row.date_selector if place.row else None) or None,
            )
            for place in places_to_watch("local_page", url, jurisdiction)
        ]

    async def start(self) -> AsyncIterator[Any]:
        for source in self.sources:
            yield self._request(source.url, self.parse, source.target, cb_kwargs={"source": source})

    def parse(self, response: Response, target: Target | None = None, **kwargs: Any) -> Any:
        source: Source | None = kwargs.pop("source", None)
        if source is None and len(self.sources) == 1:
            source = self.sources[0]
        if source is None or is_pdf(response):
            return super().parse(response, target, **kwargs)
        return self._read_page(response, target or source.target, source.selector, source.date_selector)
