"""The CivicPlus spider against a saved Agenda Center, its RSS feeds and an agenda PDF, on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest

from scrapers.spiders.local.base import Target
from scrapers.spiders.local.civicplus import CivicPlusSpider, site_root
from tests.support.local_helpers import FIXTURES, crawl_command, file_response, read_jsonl, run_crawls, serve

SUMTER = "Sumter County Board of County Commissioners, FL"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    out: Path = tmp_path_factory.mktemp("civicplus") / "out.jsonl"
    with serve(FIXTURES / "civicplus") as base:
        run_crawls(crawl_command("civicplus", out, "-a", f"url={base}/AgendaCenter", "-a", f"jurisdiction={SUMTER}"))
    return read_jsonl(out)


def test_news_flash_article_is_a_signal_titled_and_linked_to_it(crawled: list[dict]) -> None:
    news = {i["url"].rsplit("=", 1)[-1]: i for i in crawled if i["source"] == "civicplus_news"}
    assert news["812"]["title"] == "Sheriff's Office and ICE sign 287(g) agreement"
    assert news["812"]["url"].endswith("/CivicAlerts.aspx?AID=812")
    assert news["812"]["date"] == "2025-06-02"


def test_a_287g_mention_only_in_the_article_body_is_found(crawled: list[dict]) -> None:
    news = {i["url"].rsplit("=", 1)[-1]: i for i in crawled if i["source"] == "civicplus_news"}
    assert news["813"]["title"] == "Sheriff's Office update on jail operations"
    assert "287(g) Warrant Service Officer agreement with ICE" in news["813"]["snippet"]
    assert news["813"]["date"] == "2025-06-04"


def test_an_article_that_cannot_be_fetched_is_still_read_from_the_feed(crawled: list[dict]) -> None:
    news = {i["url"].rsplit("=", 1)[-1]: i for i in crawled if i["source"] == "civicplus_news"}
    assert set(news) == {"812", "813", "814"}
    assert news["814"]["title"] == "Commissioners to hear Sheriff's 287(g) request"


def test_agenda_file_items_are_linked_from_the_agenda_center(crawled: list[dict]) -> None:
    pdfs = [i for i in crawled if i["source"] == "pdf"]
    assert len(pdfs) == 1
    assert pdfs[0]["url"].endswith("/AgendaCenter")
    assert pdfs[0]["document_url"].endswith("/AgendaCenter/ViewFile/Agenda/_06032025-1187")
    assert pdfs[0]["title"] == "Item 7.2 SHERIFF’S OFFICE"
    assert pdfs[0]["date"] == "2025-06-03"
    assert "Warrant Service Officer" in pdfs[0]["snippet"]
    assert pdfs[0]["jurisdiction"] == "Sumter County Board of County Commissioners"


def test_highway_and_case_numbers_are_not_signals(crawled: list[dict]) -> None:
    assert len(crawled) == 4


def test_agenda_files_on_other_sites_are_not_followed() -> None:
    spider = CivicPlusSpider(url="https://www.sumtercountyfl.gov", jurisdiction=SUMTER)
    response = file_response("civicplus/AgendaCenter.html", "https://www.sumtercountyfl.gov/AgendaCenter")
    requests = list(spider.parse_agenda_center(response, Target("Sumter County", "FL")))
    assert [r.url for r in requests] == ["https://www.sumtercountyfl.gov/AgendaCenter/ViewFile/Agenda/_06032025-1187"]


def test_max_agendas_bounds_the_files_fetched() -> None:
    spider = CivicPlusSpider(url="https://www.sumtercountyfl.gov", jurisdiction=SUMTER, max_agendas=0)
    response = file_response(
        "civicplus/RSSFeed.aspx@ModID=65&CID=All-0", "https://www.sumtercountyfl.gov/RSSFeed.aspx?ModID=65&CID=All-0"
    )
    assert list(spider.parse_agenda_feed(response, Target("Sumter County", "FL"))) == []


@pytest.mark.parametrize(
    "pasted",
    [
        "https://www.sumtercountyfl.gov",
        "https://www.sumtercountyfl.gov/",
        "https://www.sumtercountyfl.gov/AgendaCenter",
    ],
)
def test_any_page_of_the_site_finds_its_feeds(pasted: str) -> None:
    assert site_root(pasted) == "https://www.sumtercountyfl.gov"
