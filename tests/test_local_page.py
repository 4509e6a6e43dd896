"""The generic watcher run exactly as a maintainer would, against a site served on loopback."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from scrapers.spiders.local.local_page import LocalPageSpider, document_links
from tests.local_helpers import FIXTURES, REPO, crawl_command, file_response, serve

LOOK_ALIKES = ("Highway 287", "287 Grand", "287(g)(3)", "2025-287G", "287 G Street", "US-287", "287.057")


def _run(*commands: list[str]) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [subprocess.Popen(c, cwd=REPO, env=env, stderr=subprocess.PIPE, text=True) for c in commands]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err


def _items(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict]]:
    out = tmp_path_factory.mktemp("crawl")
    with serve(FIXTURES / "site") as base:
        _run(
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
    return {"agenda": _items(out / "agenda.jsonl"), "press": _items(out / "press.jsonl")}


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
    spider = LocalPageSpider(url="https://x.example.org/a", jurisdiction="Marion County, FL", keywords="Billy Woods")
    response = file_response("site/agenda.html", "https://x.example.org/a")
    items = [i for i in spider.parse(response) if hasattr(i, "matched")]
    assert sorted(i.matched for i in items) == ["287(g)"]
    spider = LocalPageSpider(url="https://x.example.org/a", jurisdiction="Marion County, FL", keywords="right-of-way")
    items = [i for i in spider.parse(response) if hasattr(i, "matched")]
    assert sorted(i.matched for i in items) == ["287(g)", "right-of-way"]
