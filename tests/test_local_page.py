"""The generic watcher run exactly as a maintainer would, against a site served on loopback."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse

from scrapers.spiders.local.base import document_links
from scrapers.spiders.local.local_page import LocalPageSpider
from tests.local_helpers import FIXTURES, crawl_command, file_response, read_jsonl, run_crawls, serve

LOOK_ALIKES = ("Highway 287", "287 Grand", "287(g)(3)", "2025-287G", "287 G Street", "US-287", "287.057")


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict]]:
    out = tmp_path_factory.mktemp("crawl")
    with serve(FIXTURES / "site") as base:
        run_crawls(
            crawl_command(
                "local_page",
                out / "agenda.jsonl",
                "-a",
                f"url={base}/agenda.html",
                "-a",
                "jurisdiction=Marion County, FL",
            ),
            crawl_command(
                "local_page",
                out / "press.jsonl",
                "-a",
                f"url={base}/press.html",
                "-a",
                "jurisdiction=Marion County Sheriff's Office, FL",
                "-a",
                "selector=article.news-item",
            ),
        )
    return {"agenda": read_jsonl(out / "agenda.jsonl"), "press": read_jsonl(out / "press.jsonl")}


def test_agenda_page_item_is_found_with_its_snippet(crawled: dict[str, list[dict]]) -> None:
    pages = [i for i in crawled["agenda"] if i["source"] == "page"]
    assert len(pages) == 1
    item = pages[0]
    assert item["matched"] == "287(g)"
    assert "Task Force Model" in item["snippet"]
    assert (item["jurisdiction"], item["state"], item["county"]) == ("Marion County", "FL", "Marion County")
    assert item["spider"] == "local_page"
    assert len(item["content_sha256"]) == 64


def test_linked_pdf_packet_on_the_same_site_is_searched(crawled: dict[str, list[dict]]) -> None:
    pdfs = [i for i in crawled["agenda"] if i["source"] == "pdf"]
    assert [i["url"].rsplit("/", 1)[-1] for i in pdfs] == ["packet.pdf"]
    assert "Warrant Service Officer" in pdfs[0]["snippet"]
    assert pdfs[0]["title"] == "Agenda packet (PDF)"
    assert pdfs[0]["date"] == "2025-06-03"
    assert not any("elsewhere.example" in i["url"] for i in crawled["agenda"])


def test_press_release_list_gives_one_item_per_matching_release(crawled: dict[str, list[dict]]) -> None:
    press = crawled["press"]
    assert [i["title"] for i in press] == ["Sheriff signs 287(g) agreement with ICE"]
    assert press[0]["url"].endswith("/news/2025-05-28-287g-agreement.html")
    assert press[0]["date"] == "2025-05-28"
    assert press[0]["jurisdiction"] == "Marion County Sheriff's Office"


def test_no_look_alike_is_reported(crawled: dict[str, list[dict]]) -> None:
    for item in crawled["agenda"] + crawled["press"]:
        assert not any(word in item["matched"] for word in LOOK_ALIKES)
        assert "parade" not in item["snippet"] and "crash" not in item["title"]


def test_only_same_site_documents_are_followed() -> None:
    response = file_response("site/agenda.html", "https://agendas.marionfl.example.org/bocc/agenda.html")
    links = document_links(response)
    assert [url for url, _ in links] == ["https://agendas.marionfl.example.org/bocc/packet.pdf"]


def test_subdomains_of_one_county_count_as_one_site() -> None:
    response = file_response("site/agenda.html", "https://www.marioncountyfl.org/agenda.html")
    response = response.replace(
        body=response.body.replace(b'href="packet.pdf"', b'href="https://agendas.marioncountyfl.org/p.pdf"')
    )
    assert [url for url, _ in document_links(response)] == ["https://agendas.marioncountyfl.org/p.pdf"]


def test_extra_keywords_are_reported_without_immigration_context() -> None:
    spider = LocalPageSpider(
        url="https://x.example.org/a", jurisdiction="Marion County, FL", keywords="Operation Tidal Wave, WSO"
    )
    response = HtmlResponse(
        "https://x.example.org/a",
        body=b"<p>Sheriff briefs commissioners on Operation Tidal Wave arrests.</p>",
        encoding="utf-8",
    )
    items = list(spider.parse(response))
    assert [i.matched for i in items] == ["Operation Tidal Wave"]
    assert list(LocalPageSpider(url="https://x.example.org/a", jurisdiction="Marion County, FL").parse(response)) == []
