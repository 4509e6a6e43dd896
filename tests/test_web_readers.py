"""The explorer read as a reporter reads it, in Chromium at a phone's and a laptop's width.

The store is filled by `backfill` from the real ICE workbooks in tests/fixtures/ice (a flat
archive folder), so every change is history from the archive and ICE's latest list is old.
Run as a script to redraw the README's screenshot: `python -m tests.test_web_readers docs/explorer.png`.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from scrapers.backfill import backfill
from settings import TrackerSettings
from storage.db import connect
from storage.models import CrawlRun
from tests.support import browser as pages
from tests.support.sample_store import ICE
from tests.support.web_server import Explorer
from vocabulary import RunStatus
from web.freshness import age_words

PAGES = ("/", "/state/FL", "/state/TX", "/events", "/methodology", "/agency/{agency}")
WIDTHS = (390, 1280)
CONTACT = "corrections@newsroom.example"
LATEST_LIST = dt.date(2025, 6, 8)  # the last participating workbook of the fixtures, crawled June 8, 2025
ISO_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}(T|\s\d{2}:)")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
FIELD_NAME = re.compile(r"\b[a-z]+_[a-z_]+\b")  # moa_url, signed_raw, agency_type, pending_removed …
RAW_WORDS = re.compile(r"(?-i:\bNone\b)|\bbaseline\b|pending removed|\bdetected\b", re.IGNORECASE)


def backfilled(home: Path) -> str:
    """A store started from the archive of ICE's lists, as `backfill PATH` makes it."""
    config = TrackerSettings(database_url=f"sqlite:///{home / 'tracker.db'}", data_dir=home / "data")
    report = backfill(connect(config.database_url), config, ICE / "sheets")
    assert report.imported > 0 and not report.refused
    return config.database_url


def with_failed_crawl(source: Path, home: Path) -> str:
    """A copy of `source` whose last crawl of ICE's page failed, after a local crawl read Dallas's council."""
    shutil.copy(source, home / "tracker.db")
    url = f"sqlite:///{home / 'tracker.db'}"
    with connect(url).begin() as session:
        session.add(CrawlRun(source="local:legistar", status=RunStatus.OK, started_at=dt.datetime(2026, 1, 4, 6),
                             finished_at=dt.datetime(2026, 1, 4, 6, 2),
                             stats={"local": {"local/items": 12, "local/items/Dallas City Council": 12}}))
        session.add(CrawlRun(source="ice", status=RunStatus.FAILED, started_at=dt.datetime(2026, 1, 5, 14),
                             finished_at=dt.datetime(2026, 1, 5, 14, 1),
                             error="www.ice.gov: DNS lookup failed: no such host\nTraceback (most recent call last)"))
    return url


@pytest.fixture(scope="module")
def stores(tmp_path_factory) -> dict[str, str]:
    homes = {name: tmp_path_factory.mktemp(name) for name in ("backfilled", "failed", "empty", "offline")}
    empty, offline = (f"sqlite:///{homes[name] / 'tracker.db'}" for name in ("empty", "offline"))
    connect(empty)
    with connect(offline).begin() as session:  # a first crawl that could not reach ICE
        session.add(CrawlRun(source="ice", status=RunStatus.FAILED, started_at=dt.datetime(2026, 3, 2, 9),
                             finished_at=dt.datetime(2026, 3, 2, 9, 1), error="www.ice.gov: DNS lookup failed"))
    return {"backfilled": backfilled(homes["backfilled"]),
            "failed": with_failed_crawl(homes["backfilled"] / "tracker.db", homes["failed"]),
            "empty": empty, "offline": offline}


@pytest.fixture(scope="module")
def explorers(stores):
    running = {name: Explorer(url, corrections=CONTACT if name == "backfilled" else "")
               for name, url in stores.items()}
    yield running
    for explorer in running.values():
        explorer.close()


def agency_path(page, explorer: Explorer) -> str:
    page.goto(explorer.url("/events?state=FL&type=agreement_changed"))
    return page.locator("table.events th.agency a").first.get_attribute("href")


def body_text(page) -> str:
    return page.evaluate("document.body.innerText")


@pytest.mark.parametrize("width", WIDTHS)
def test_pages_speak_in_words_and_keep_the_agency_in_view(explorers, visit, width, tmp_path):
    explorer = explorers["backfilled"]
    page = visit(width=width).page
    agency = agency_path(page, explorer)
    for path in (p.format(agency=agency.removeprefix("/agency/")) for p in PAGES):
        assert page.goto(explorer.url(path)).status == 200, path
        text = body_text(page)
        assert not ISO_STAMP.search(text), f"{path}: {ISO_STAMP.search(text).group()}"
        assert not ISO_DATE.search(text), f"{path}: {ISO_DATE.search(text).group()}"
        assert not FIELD_NAME.search(text), f"{path}: {FIELD_NAME.search(text).group()}"
        assert not RAW_WORDS.search(text), f"{path}: {RAW_WORDS.search(text).group()}"
        banner = page.locator("section.banner")
        assert "From ICE's list of June 8, 2025" in banner.inner_text(), path
        agencies = page.locator("th.agency")
        if path in ("/methodology",):
            continue
        assert agencies.count() > 0, path
        boxes = agencies.evaluate_all("cells => cells.slice(0, 40).map(c => c.getBoundingClientRect())"
                                      ".map(r => [r.left, r.right, r.width])")
        for left, right, cell_width in boxes:
            assert cell_width > 0 and left >= 0 and right <= width, f"{path}: an agency cell sits at {left}–{right}"
        assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{path} scrolls sideways"
        page.screenshot(path=tmp_path / f"{path.strip('/').replace('/', '-') or 'home'}-{width}.png")


def test_the_banner_names_an_old_list_by_its_date_and_age(explorers, visit):
    page = visit().page
    page.goto(explorers["backfilled"].url("/"))
    banner = page.locator("section.banner").inner_text()
    age = age_words(LATEST_LIST, dt.datetime.now(dt.UTC).date())
    assert re.fullmatch(r"\d+ (weeks|months|years) old", age)
    assert f"From ICE's list of June 8, 2025 ({age})" in banner
    assert "pending requests from ICE's list of June 10, 2025" in banner
    assert "archive" in banner and "not been checked yet" in banner
    text = body_text(page)
    today = dt.datetime.now(dt.UTC).date()
    assert f"as of {today:%B} {today.day}, {today.year}" not in text
    assert "last 7 days" not in text and "7 days up to ICE's latest list" in text


def test_history_from_the_archive_is_dated_by_ice_and_marked(explorers, visit):
    page = visit().page
    page.goto(explorers["backfilled"].url("/events?state=FL&type=agreement_changed"))
    when = page.locator("table.events td.when").first.inner_text()
    assert re.fullmatch(r"ICE's list of [A-Z][a-z]+ \d{1,2}, 2025 · from the archive", when)
    renamed = page.locator("table.events tr", has_text="Indiatlantic Police Department").first.inner_text()
    assert "renamed from “Indialantic Police Department” to “Indiatlantic Police Department”" in renamed


def test_a_signed_pending_request_is_one_line(explorers, visit):
    v = visit()
    v.go(explorers["backfilled"].url("/methodology"))
    signed = [e for e in v.json("/api/events.json?type=pending_removed")["events"] if e.get("reason") == "signed"]
    assert signed
    agency, state = signed[-1]["agency"], signed[-1]["state"]
    v.go(explorers["backfilled"].url(f"/events?state={state}"))
    rows = v.page.locator("table.events tbody tr").filter(has=v.page.locator("th.agency", has_text=agency))
    texts = rows.all_inner_texts()
    assert any("New agreement" in t and "pending" in t for t in texts), texts
    assert not any("Pending request signed" in t or "withdrawn" in t for t in texts), texts
    v.go(explorers["backfilled"].url(f"/events?state={state}&type=pending_removed"))  # asked for, it is there
    assert "Pending request signed" in v.page.locator("table.events tr", has_text=agency).first.inner_text()


def test_an_empty_store_says_how_to_fill_it(explorers, visit):
    for width in WIDTHS:
        page = visit(width=width).page
        page.goto(explorers["empty"].url("/"))
        banner = page.locator("section.banner").inner_text()
        assert "No ICE list has been read yet" in banner
        assert "scheduler.py once --only ice" in banner and "scheduler.py backfill PATH" in banner
        assert "0 agreements" not in body_text(page)
        assert page.locator("#n-agreements").count() == 0
        assert "failed" not in banner
    page.goto(explorers["offline"].url("/"))
    banner = page.locator("section.banner").inner_text()
    assert "No ICE list has been read yet" in banner
    assert ("The last check of ICE's page, on March 2, 2026 at 09:01 UTC, failed: "
            "www.ice.gov: DNS lookup failed.") in banner


def test_a_failed_crawl_is_in_the_banner_with_its_reason(explorers, visit):
    page = visit(width=390).page
    for path in ("/", "/state/TX", "/events"):
        page.goto(explorers["failed"].url(path))
        banner = page.locator("section.banner").inner_text()
        assert ("The last check of ICE's page, on January 5, 2026 at 14:01 UTC, failed: "
                "www.ice.gov: DNS lookup failed: no such host.") in banner, path
        assert "Traceback" not in banner


def test_the_search_box_filters_a_state_table(explorers, visit):
    page = visit(width=390).page
    page.goto(explorers["backfilled"].url("/state/FL"))
    rows = page.locator("table.agreements tbody tr")
    total = rows.count()
    search = page.get_by_label("Search agreements")
    search.fill("ocala police")
    visible = page.locator("table.agreements tbody tr:visible")
    assert visible.count() == 1 and "Ocala Police Department" in visible.first.inner_text()
    assert page.locator(".table-search output").first.inner_text() == f"1 of {total} shown"
    search.fill("")
    assert page.locator("table.agreements tbody tr:visible").count() == total


def test_without_javascript_the_whole_table_and_no_search_box(explorers, visit):
    page = visit(javascript=False).page
    page.goto(explorers["backfilled"].url("/state/FL"))
    assert page.locator("input[type=search]").count() == 0
    rows = page.locator("table.agreements tbody tr")
    assert page.locator("table.agreements tbody tr:visible").count() == rows.count() > 250


def test_the_maps_say_what_they_cannot_place(explorers, visit):
    page = visit().page
    page.goto(explorers["backfilled"].url("/state/FL"))
    note = page.locator("p.map-note").inner_text()
    found = re.search(r"The map places (\d+) of (\d+) agreements; (\d+) name no county on ICE's list "
                      r"\((\d+) of them city or town police, which ICE lists without a county\)", note)
    assert found, note
    placed, total, no_county, city = map(int, found.groups())
    assert placed + no_county == total and 0 < city <= no_county
    shaded = page.locator("svg.map.county path").evaluate_all(
        "ps => ps.map(p => Number(p.dataset.tip.split(': ')[1].split(' ')[0])).reduce((a, b) => a + b, 0)")
    assert shaded == placed
    page.goto(explorers["backfilled"].url("/"))
    assert page.locator("p.map-note").inner_text()


def test_the_state_page_says_when_local_sources_were_checked(explorers, visit):
    page = visit().page
    page.goto(explorers["backfilled"].url("/state/TX"))
    local = page.locator("p.local-sources").inner_text()
    assert "watched in Texas" in local and "none has been checked yet" in local
    assert "has mentioned 287(g)" not in body_text(page)
    page.goto(explorers["failed"].url("/state/TX"))
    local = page.locator("p.local-sources").inner_text()
    assert "Dallas City Council" in local and "last checked January 4, 2026" in local
    assert "No local report or page in Texas has told of a 287(g) decision yet" in body_text(page)
    page.goto(explorers["backfilled"].url("/state/WY"))
    assert "watches no county, city or sheriff's page in Wyoming" in page.locator("p.local-sources").inner_text()


def test_glossary_and_corrections_contact(explorers, visit):
    page = visit().page
    page.goto(explorers["backfilled"].url("/state/FL"))
    page.locator("table.agreements a.model", has_text="TFM").first.click()
    assert page.url.endswith("/methodology#tfm")
    assert "Task Force Model" in page.locator("#tfm").inner_text()
    for code, words in (("jem", "Jail Enforcement Model"), ("wso", "Warrant Service Officer")):
        assert words in page.locator(f"#{code}").inner_text()
    assert page.locator("a.corrections").first.get_attribute("href") == f"mailto:{CONTACT}"
    page.goto(explorers["failed"].url("/methodology"))
    assert page.locator(".corrections").count() == 0


@pytest.mark.parametrize(("days", "words"), [(0, "today"), (1, "1 day old"), (3, "3 days old"), (21, "3 weeks old"),
                                             (125, "4 months old"), (800, "2 years old")])
def test_age_in_words(days, words):
    today = dt.date(2026, 12, 6)
    assert age_words(today - dt.timedelta(days=days), today) == words


def redraw_screenshot(target: Path) -> None:
    """The overview of a backfilled store at 1280 px, top of the page, for the README."""
    from PIL import Image

    with tempfile.TemporaryDirectory() as folder, pages.sync_api.sync_playwright() as playwright:
        explorer = Explorer(backfilled(Path(folder)))
        chromium = playwright.chromium.launch(executable_path=pages.CHROMIUM, args=pages.CHROMIUM_ARGS)
        try:
            page = chromium.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(explorer.url("/"))
            page.screenshot(path=Path(folder) / "explorer.png")
        finally:
            chromium.close()
            explorer.close()
        with Image.open(Path(folder) / "explorer.png") as image:
            image.convert("RGB").quantize(colors=256, method=Image.Quantize.MAXCOVERAGE).save(target, optimize=True)


if __name__ == "__main__":
    redraw_screenshot(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/explorer.png"))
