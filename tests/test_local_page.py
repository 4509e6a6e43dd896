"""The generic watcher run exactly as a maintainer would, against a site served on loopback."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from scrapers.spiders.local.base import document_links
from scrapers.spiders.local.local_page import LocalPageSpider
from tests.support.local_helpers import FIXTURES, REPO, crawl_command, file_response, read_jsonl, run_crawls, serve

LOOK_ALIKES = (
    "Highway 287", "287 Grand", "287(g)(3)", "2025-287G", "287 G Street", "US-287", "287.057", "Code Section 287",
)


def _crawl(out: Path, page: str, jurisdiction: str, *extra: str) -> list[str]:
    return crawl_command("local_page", out, "-a", f"url={page}", "-a", f"jurisdiction={jurisdiction}", *extra)


def _logged_crawl(tmp_path: Path, page: str, exit_code: int = 0) -> tuple[str, str, Path]:
    """Crawl one page of the loopback site for Lake County, logging at INFO; the crawl must end with `exit_code`.

    Returns the site's base URL, the crawl's log and its output file."""
    out = tmp_path / "out.jsonl"
    with serve(FIXTURES / "site") as base:
        command = _crawl(out, f"{base}/{page}", "Lake County, FL", "-s", "LOG_LEVEL=INFO")
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == exit_code, done.stderr[-2000:]
    return base, done.stderr, out


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict]]:
    out = tmp_path_factory.mktemp("crawl")
    with serve(FIXTURES / "site") as base:
        run_crawls(
            _crawl(out / "agenda.jsonl", f"{base}/agenda.html", "Marion County, FL"),
            _crawl(out / "meetings.jsonl", f"{base}/meetings.html", "Lake County, FL"),
            _crawl(out / "news.jsonl", f"{base}/news.html", "Lake County Sheriff's Office, FL"),
            _crawl(
                out / "press.jsonl",
                f"{base}/press.html",
                "Marion County Sheriff's Office, FL",
                "-a",
                "selector=article.news-item",
                "-a",
                "date_selector=.date",
            ),
        )
    return {name: read_jsonl(out / f"{name}.jsonl") for name in ("agenda", "meetings", "news", "press")}


def test_agenda_gives_one_signal_per_287g_item_with_its_own_title_and_meeting_date(
    crawled: dict[str, list[dict]],
) -> None:
    found = sorted(crawled["meetings"], key=lambda i: i["date"])
    assert [i["date"] for i in found] == ["2025-06-03", "2025-06-17"]
    assert found[0]["title"].startswith("5.2 Sheriff's Office: approve the Memorandum of Agreement with U.S.")
    assert found[1]["title"] == (
        "8.2 Resolution supporting the Sheriff's (287g) jail enforcement partnership with ICE; public comment."
    )
    assert [i["matched"] for i in found] == ["Section 287(g)", "287g"]
    assert all(i["url"].endswith("/meetings.html") for i in found)
    assert found[0]["document_url"].endswith("/packets/2025-06-03-item-5-2.pdf")
    assert found[1]["document_url"] is None
    assert all((i["jurisdiction"], i["state"], i["county"]) == ("Lake County", "FL", "Lake County") for i in found)


def test_a_look_alike_next_to_a_real_item_borrows_none_of_its_context(crawled: dict[str, list[dict]]) -> None:
    for item in crawled["agenda"] + crawled["meetings"] + crawled["news"] + crawled["press"]:
        assert not any(word in item["matched"] for word in LOOK_ALIKES)
        assert not any(word in item["title"] for word in ("5.3", "8.1", "8.3", "2.3", "parade", "crash", "Budget"))


def test_press_list_gives_one_signal_per_matching_article_titled_and_linked_to_it(
    crawled: dict[str, list[dict]],
) -> None:
    news = crawled["news"]
    assert [(i["title"], i["date"]) for i in news] == [
        ("Sheriff joins 287(g) Task Force Model", "2025-06-12"),
        ("First Warrant Service Officers graduate", "2025-05-30"),
    ]
    assert [i["url"].split("/", 3)[-1] for i in news] == [
        "news/sheriff-joins-287g-task-force-model",
        "news/wso-deputies-graduate",
    ]
    assert news[1]["matched"] == "287-g"


def test_a_selector_and_date_selector_pick_the_items(crawled: dict[str, list[dict]]) -> None:
    press = crawled["press"]
    assert [(i["title"], i["date"]) for i in press] == [("Sheriff signs 287(g) agreement with ICE", "2025-05-28")]
    assert press[0]["url"].endswith("/news/2025-05-28-287g-agreement.html")
    assert press[0]["jurisdiction"] == "Marion County Sheriff's Office"


def test_agenda_item_on_the_page_is_found_with_its_snippet(crawled: dict[str, list[dict]]) -> None:
    pages = [i for i in crawled["agenda"] if i["source"] == "page"]
    assert [i["title"][:40] for i in pages] == ["3.1 Sheriff Billy Woods presents the She"]
    item = pages[0]
    assert item["matched"] == "287(g)" and item["date"] == "2025-06-03"
    assert "Task Force Model" in item["snippet"]
    assert item["spider"] == "local_page" and len(item["content_sha256"]) == 64


def test_packet_pdf_item_is_found_and_linked_from_its_agenda_page(crawled: dict[str, list[dict]]) -> None:
    pdfs = [i for i in crawled["agenda"] if i["source"] == "pdf"]
    assert len(pdfs) == 1
    item = pdfs[0]
    assert item["url"].endswith("/agenda.html")
    assert item["document_url"].endswith("/packet.pdf")
    assert item["title"] == "Item 7.2 SHERIFF’S OFFICE"
    assert item["date"] == "2025-06-03"
    assert "Warrant Service Officer" in item["snippet"]
    assert not any("elsewhere.example" in (i["document_url"] or "") for i in crawled["agenda"])


def test_a_broken_packet_link_is_a_warning_naming_it_not_a_failing_source(tmp_path: Path) -> None:
    base, log, out = _logged_crawl(tmp_path, "meetings.html")
    assert f"{base}/packets/2025-06-03-item-5-2.pdf" in log
    assert "'local/document_errors/Lake County': 1" in log
    assert "'local/errors/Lake County'" not in log
    assert len(read_jsonl(out)) == 2


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


def test_a_bad_selector_is_refused_before_any_request() -> None:
    with pytest.raises(ValueError, match="selector 'div\\[' is not valid CSS or XPath"):
        LocalPageSpider(url="https://x.example.org/a", jurisdiction="Marion County, FL", selector="div[")


def test_scrapy_prints_the_bad_selector_not_a_mystery(tmp_path: Path) -> None:
    command = _crawl(tmp_path / "out.jsonl", "https://x.example.org/a", "Marion County, FL", "-a", "selector=div[")
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "is not valid CSS or XPath" in done.stderr


def test_a_source_page_that_fails_is_an_error_naming_its_url(tmp_path: Path) -> None:
    base, log, _ = _logged_crawl(tmp_path, "moved-agenda.html", exit_code=1)
    assert f"Request failed: {base}/moved-agenda.html: the site answered HTTP 404" in log
    assert f"could not read {base}/moved-agenda.html: the site answered HTTP 404" in log.splitlines()[-1]
    assert "'local/errors/Lake County': 1" in log
