"""The Legistar spider against saved Web API answers, served on loopback through `api_base`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scrapers.items import LocalSignal
from scrapers.spiders.local.base import Target
from scrapers.spiders.local.legistar import LegistarSpider, odata_url
from tests.support.local_helpers import FIXTURES, crawl_command, file_response, read_jsonl, run_crawls, serve

MOA_FIXTURES = FIXTURES.parent / "moa"

PINELLAS = "Pinellas County Board of County Commissioners, FL"


LEGISTAR_SITE = "https://pinellas.legistar.com"
MOA = "View.ashx@M=F&ID=14001&GUID=0C1D2E3F-4A5B-4C6D-8E7F-90A1B2C3D4E5"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """The saved API answers, with Legistar's own site (where attachments live) on the same loopback server."""
    site: Path = tmp_path_factory.mktemp("legistar-site")
    out = site.parent / "legistar-out.jsonl"
    shutil.copytree(FIXTURES / "legistar", site, dirs_exist_ok=True)
    shutil.copy(MOA_FIXTURES / "EdgewoodPoliceDeptFL_TFM_MOA_04.10.2025.pdf", site / MOA)
    attachments = site / "v1/pinellas/matters/31004/attachments.json"
    with serve(site) as base:
        attachments.write_text(attachments.read_text().replace(LEGISTAR_SITE, base))
        run_crawls(
            crawl_command(
                "legistar",
                out,
                "-a",
                "client=pinellas",
                "-a",
                f"jurisdiction={PINELLAS}",
                "-a",
                "since=2025-05-01",
                "-a",
                f"api_base={base}/v1",
            )
        )
    return read_jsonl(out)


def test_matter_about_an_ice_agreement_is_a_signal_with_its_public_page(crawled: list[dict]) -> None:
    matters = [i for i in crawled if i["source"] == "legistar_matter"]
    assert len(matters) == 1
    assert matters[0]["url"] == (
        "https://pinellas.legistar.com/LegislationDetail.aspx?ID=31001&GUID=6F1E8C2A-0B5D-4A57-9C33-0A1B2C3D4E5F"
    )
    assert matters[0]["matched"] == "Section 287(g)"
    assert matters[0]["date"] == "2025-06-10"
    assert (matters[0]["jurisdiction"], matters[0]["state"]) == ("Pinellas County Board of County Commissioners", "FL")
    assert matters[0]["county"] == "Pinellas County"


def test_meeting_agenda_item_is_a_signal_linked_to_the_meeting(crawled: list[dict]) -> None:
    events = [i for i in crawled if i["source"] == "legistar_event"]
    assert [e["url"] for e in events] == [
        "https://pinellas.legistar.com/MeetingDetail.aspx?LEGID=9101&GID=138&G=C2D3E4F5"
    ]
    assert "Warrant Service Officer" in events[0]["snippet"]
    assert events[0]["title"] == "Board of County Commissioners 2025-06-10 – item 14."


def test_a_287g_agreement_only_in_a_matter_attachment_is_found_and_linked_to_the_matter(crawled: list[dict]) -> None:
    (found,) = [i for i in crawled if i["source"] == "pdf"]
    assert found["url"] == (
        "https://pinellas.legistar.com/LegislationDetail.aspx?ID=31004&GUID=C2D3E4F5-A6B7-4283-9495-B6C7D8E9F0A2"
    )
    assert found["document_url"].endswith("/View.ashx?M=F&ID=14001&GUID=0C1D2E3F-4A5B-4C6D-8E7F-90A1B2C3D4E5")
    assert found["title"].endswith("Interlocal agreement - Sheriff - jail operations – Memorandum of Agreement (ICE)")
    assert found["date"] == "2025-06-24"
    assert "287(g)" in found["matched"]


def test_paving_budget_and_case_numbers_are_not_signals(crawled: list[dict]) -> None:
    assert len(crawled) == 3
    assert not any("jail-consultants" in (i["document_url"] or "") for i in crawled)
    assert all(i["spider"] == "legistar" for i in crawled)


def test_queries_ask_only_for_recent_records() -> None:
    url = odata_url("https://webapi.legistar.com/v1", "broward", "matters", "MatterIntroDate", "2025-01-01", 0, 1000)
    assert url == (
        "https://webapi.legistar.com/v1/broward/matters?$filter=MatterIntroDate%20ge%20datetime'2025-01-01'"
        "&$orderby=MatterIntroDate%20desc&$top=1000&$skip=0"
    )


def test_a_full_page_asks_for_the_next_one() -> None:
    spider = LegistarSpider(client="pinellas", jurisdiction=PINELLAS, page_size=3, since="2025-05-01")
    response = file_response("legistar/v1/pinellas/matters.json", "https://webapi.legistar.com/v1/pinellas/matters")
    out = list(spider.parse_matters(response, Target("Pinellas", "FL"), client="pinellas", skip=0))
    follow = [o.url for o in out if not isinstance(o, LocalSignal)]
    assert [u for u in follow if "$skip=" in u] == [follow[-1]] and "$skip=3" in follow[-1]
    assert [u.rsplit("/v1/", 1)[-1] for u in follow[:-1]] == ["pinellas/matters/31004/attachments"]


def test_without_arguments_every_registry_client_is_crawled() -> None:
    spider = LegistarSpider()
    clients = dict(spider.clients)
    assert {"pinellas", "broward", "nashville", "phila"} <= set(clients)
    assert clients["nashville"].state == "TN"
