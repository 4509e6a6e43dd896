"""marion_sheriff, the hand-written example spider, on its saved news page (fixtures/local/marion_sheriff.html)."""

from __future__ import annotations

import scrapy

from scrapers.items import LocalSignal
from scrapers.spiders.local.marion_sheriff import MarionSheriffSpider
from tests.support.local_helpers import file_response

URL = "https://www.marionso.com/news"


def test_marion_sheriff_finds_the_287g_release_and_skips_the_decoys() -> None:
    found = list(MarionSheriffSpider().parse(file_response("marion_sheriff.html", URL)))
    signals = [item for item in found if isinstance(item, LocalSignal)]
    assert [(s.title, s.url, s.date) for s in signals] == [(
        "Sheriff Woods signs 287(g) Task Force agreement",
        "https://www.marionso.com/news/sheriff-woods-signs-287g-task-force-agreement",
        "2025-04-24",
    )]
    signal = signals[0]
    where = (signal.jurisdiction, signal.state, signal.county)
    assert where == ("Marion County Sheriff's Office", "FL", "Marion County")
    assert signal.spider == "marion_sheriff" and "Task Force Model" in signal.snippet


def test_marion_sheriff_reads_the_agreement_its_release_links() -> None:
    found = list(MarionSheriffSpider().parse(file_response("marion_sheriff.html", URL)))
    requests = [item for item in found if isinstance(item, scrapy.Request)]
    assert [r.url for r in requests] == ["https://www.marionso.com/sites/default/files/2025-04/287g-moa.pdf"]
