"""Early warnings in the explorer: /signals in Chromium, a state's section, an agency's first report, and the JSON."""

from __future__ import annotations

import datetime as dt
import html

import pytest

from storage.db import connect
from tests.support.sample_store import build
from tests.support.signals import add_signals, news_signal, reports_before_listing
from tests.support.web_server import Explorer, serving

NAPLES = "https://www.naplesnews.example/story/news/2025/12/02/collier-287g/"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> str:
    """The real May–June 2025 lists, news that came before three of its listings, and this winter's Collier vote."""
    home = tmp_path_factory.mktemp("signals")
    url = f"sqlite:///{home / 'tracker.db'}"
    build(url, home / "archive")
    sessions = connect(url)
    add_signals(sessions, *reports_before_listing(), detected_at=dt.datetime(2025, 6, 10, 12, 0))
    add_signals(sessions, news_signal(), detected_at=dt.datetime(2025, 12, 2, 18, 0))
    return url


@pytest.fixture(scope="module")
def explorer(store):
    server = Explorer(store)
    yield server
    server.close()


def test_the_signals_api_answers_payloads_and_refuses_a_bad_stage(store):
    with serving(store) as client:
        answer = client.get("/api/signals.json?state=TX&stage=proposed")
        assert answer.status_code == 200
        assert answer.headers["Content-Type"] == "application/json"
        assert "max-age=60" in answer.headers["Cache-Control"] and answer.headers["ETag"]
        (payload,) = answer.json()
        assert payload["type"] == "local_signal" and payload["stage"] == "proposed" and payload["state"] == "TX"
        assert payload["outlet"] == "Houston Chronicle" and payload["published_at"] == "2025-05-02T12:00:00Z"
        everything = client.get("/api/signals.json").json()
        assert [p["published_at"][:10] for p in everything][:3] == ["2025-12-02", "2025-06-10", "2025-05-20"]
        assert everything[0]["also_reported_by"] == [
            {"outlet": "WINK News", "url": "https://www.winknews.example/2025/12/02/collier/"}]
        assert client.get("/api/summary.json?as_of=2025-06-10").json()["early_warning"] == \
            {"median_lead_days": 12, "matched": 3}

        for path, reason in (("/api/signals.json?stage=voted", "stage 'voted' is not one of: proposed"),
                             ("/signals?stage=SIGNED", "stage 'SIGNED' is not one of"),
                             ("/signals?state=XX", "state 'XX' is not a US state")):
            refused = client.get(path)
            assert refused.status_code == 400, path
            assert reason in html.unescape(refused.text)
            assert refused.headers["Cache-Control"] == "no-store"
        page = client.get("/signals?state=FL")
        assert "default-src 'none'" in page.headers["Content-Security-Policy"]
        assert client.get("/signals?state=FL", headers={"If-None-Match": page.headers["ETag"]}).status_code == 304


def test_the_signals_page_filters_by_state_and_stage_newest_first(explorer, visit):
    page = visit().page
    page.goto(explorer.url("/"))
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Early warnings").click()
    assert page.url.endswith("/signals")
    items = page.locator("ol.signals li.signal")
    assert items.count() == 9
    newest = items.first
    assert newest.locator(".sentence strong").inner_text() == \
        "Collier County commissioners approved a 287(g) task-force agreement"
    assert newest.locator(".source").inner_text() == "Naples Daily News, Dec 2, 2025 · also reported by WINK News"
    assert newest.get_by_role("link", name="Naples Daily News").get_attribute("href") == NAPLES
    assert newest.get_by_role("link", name="WINK News").count() == 1

    page.locator("select[name=state]").select_option("TX")
    page.locator("select[name=stage]").select_option("proposed")
    page.get_by_role("button", name="Show").click()
    assert page.url.endswith("/signals?state=TX&stage=proposed")
    assert page.locator("h1").inner_text() == "Early warnings in Texas"
    (only,) = page.locator("ol.signals li.signal").all()
    assert only.locator(".sentence strong").inner_text() == \
        "Fort Bend County Sheriff's Office plans to seek a 287(g) jail-enforcement agreement"
    assert only.locator(".source").inner_text() == "Houston Chronicle, May 2, 2025"

    page.locator("select[name=stage]").select_option("")
    page.get_by_role("button", name="Show").click()
    texas = page.locator("ol.signals li.signal .when").all_inner_texts()
    assert texas == ["May 20, 2025", "May 2, 2025"]  # newest report first


def test_a_state_page_has_its_early_warnings_and_an_agency_its_first_report(explorer, visit):
    page = visit().page
    page.goto(explorer.url("/state/FL"))
    section = page.locator("section[aria-labelledby=signals-h]")
    assert section.locator("h2").inner_text() == "Early warnings"
    sentences = section.locator(".sentence strong").all_inner_texts()
    assert "The Fort Myers city council approved a 287(g) agreement" in sentences
    assert not any("Fort Bend" in s or "Lake County" in s for s in sentences)

    page.locator("table.agreements").get_by_role("link", name="Ft. Myers Police Department").click()
    assert page.locator("h1").inner_text() == "Ft. Myers Police Department"
    assert page.locator(".first-report").inner_text() == \
        "First reported by News-Press on May 10, 2025, 9 days earlier than ICE listed it."
    page.goto(explorer.url("/state/FL"))
    page.locator("table.agreements").get_by_role("link", name="Sarasota Police Department").click()
    assert page.locator(".first-report").count() == 0  # Sarasota County's vote is not the city police's
