"""Marion County Sheriff's Office (FL) news releases: the hand-written example for a site no platform fits.

The address is in the registry as not yet checked from here; `scrapy check marion_sheriff` on a
connected machine tells whether the page still has the shape this spider expects.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from scrapers.spiders.local.base import LocalSpider, Target


class MarionSheriffSpider(LocalSpider):
    name = "marion_sheriff"
    jurisdiction = "Marion County Sheriff's Office"
    state = "FL"
    county = "Marion County"
    start_urls = ["https://www.marionso.com/news"]
    item_selector = "article, .news-item, .views-row"

    def parse(self, response: Response, target: Target | None = None, **kwargs: Any) -> Iterator[Any]:
        """A live smoke test for maintainers: the page answers and parses without error.

        @url https://www.marionso.com/news
        @returns items 0
        """
        return super().parse(response, target, **kwargs)
