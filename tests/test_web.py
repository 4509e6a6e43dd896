"""The explorer in a real headless Chromium, over a store filled from ICE's real publications.

Every host but 127.0.0.1 is unreachable from the browser (the `browser` and `visit` fixtures,
tests/support/browser.py), so a page that needs a CDN, a font or a tile server fails.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.support.sample_store import ICE, build, crawled_at, manifest
from tests.support.web_server import Explorer
from tests.support.workbook_counts import participating_counts
from web.charts import geometry


@pytest.fixture(scope="module")
def explorer(tmp_path_factory):
    home = tmp_path_factory.mktemp("explorer")
    url = f"sqlite:///{home / 'tracker.db'}"
    build(url, home / "archive")
    feeds = home / "feeds"
    feeds.mkdir()
    (feeds / "TX.xml").write_text('<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"/>')
    server = Explorer(url, feeds_dir=feeds)
    yield server
    server.close()


def latest_counts():
    return participating_counts(ICE / "sheets" / manifest()[-1]["participating"])


def publication_weeks() -> set[dt.date]:
    """Weeks (Mondays) in which ICE published a new participating list, from the crawl log."""
    weeks, seen = set(), set()
    for step in manifest():
        if step["participating"] not in seen:
            seen.add(step["participating"])
            day = crawled_at(step).date()
            weeks.add(day - dt.timedelta(days=day.weekday()))
    return weeks


def number(page, selector: str) -> int:
    return int(page.locator(selector).inner_text().replace(",", ""))


def test_overview_counts_map_and_chart(explorer, visit):
    states, models = latest_counts()
    v = visit()
    response = v.go(explorer.url("/"))
    assert response.status == 200
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    page = v.page
    assert number(page, "#n-agreements") == sum(states.values()) == 649
    assert number(page, "#n-states") == len(states)
    drawn = page.locator("svg.map path[data-state]")
    assert drawn.count() == len(geometry()["states"]) == 51
    assert sorted(drawn.evaluate_all("ps => ps.map(p => p.dataset.state)")) == sorted(geometry()["states"])
    texas = page.locator("svg.map a[aria-label^='Texas:']")
    assert texas.get_attribute("aria-label") == f"Texas: {states['TX']} agreements"
    points = page.locator("figure.chart circle.point")
    weeks = sorted(publication_weeks())
    assert points.count() == len(weeks) == 3
    assert points.evaluate_all("cs => cs.map(c => c.dataset.week)") == [w.isoformat() for w in weeks]
    table = {row.get_attribute("data-state"): int(row.locator("td").first.inner_text())
             for row in page.locator("table.states tbody tr").all()}
    assert table == dict(states)
    assert page.locator("table.events tbody tr").count() == 15


def test_hover_and_keyboard_show_the_number(explorer, visit):
    states, _ = latest_counts()
    page = visit().page
    page.goto(explorer.url("/"))
    page.locator("svg.map path[data-state='TX']").hover()
    assert page.locator("#tip").inner_text() == f"Texas: {states['TX']} agreements"
    page.locator("figure.chart circle.point").last.hover()
    last_week = max(publication_weeks())
    assert page.locator("#tip").inner_text().startswith(f"Week of {last_week:%B} {last_week.day}, {last_week.year}: "
                                                        "649 agreements")
    page.locator("svg.map a").first.focus()
    assert page.locator("#tip").is_visible()
    page.keyboard.press("Escape")
    assert page.locator("#tip").is_hidden()


def test_without_javascript_and_on_a_phone_the_numbers_are_there(explorer, visit):
    states, _ = latest_counts()
    page = visit(javascript=False, width=390).page
    page.goto(explorer.url("/"))
    assert number(page, "#n-agreements") == sum(states.values())
    assert page.locator("table.states tbody tr").count() == len(states)
    page.locator("figure.chart summary").click()
    assert page.locator("figure.chart table.numbers tbody tr").count() == 3
    for path in ("/", "/state/FL", "/events", "/methodology"):
        page.goto(explorer.url(path))
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways on a phone ({width}px)"


def test_state_page(explorer, visit):
    states, _ = latest_counts()
    page = visit().page
    assert page.goto(explorer.url("/state/TX")).status == 200
    assert number(page, "#n-agreements") == states["TX"]
    assert page.locator("table.agreements tbody tr").count() == states["TX"]
    texas_counties = sum(1 for c in geometry()["counties"].values() if c["state"] == "TX")
    assert page.locator("svg.map.county path").count() == texas_counties == 254
    shaded = page.locator("svg.map.county path").evaluate_all(
        "ps => ps.filter(p => !p.dataset.tip.endsWith(': 0 agreements')).length")
    assert shaded > 40  # most of Texas's agreements are county sheriffs
    assert page.locator("figure.chart circle.point").count() == 3
    assert "link pending" in page.locator("table.agreements").inner_text()
    page.get_by_role("link", name="Atom feed of changes").click()
    assert page.url.endswith("/feeds/TX.xml")


def test_agency_page_shows_versions_and_events(explorer, visit):
    page = visit().page
    page.goto(explorer.url("/events?state=FL&type=agreement_changed"))
    page.get_by_role("link", name="Indiatlantic Police Department").first.click()
    assert page.locator("h1").inner_text() == "Indiatlantic Police Department"
    versions = page.locator("section.agreement table tbody tr")
    assert versions.count() == 2
    assert "Indialantic Police Department" in versions.first.inner_text()
    assert "renamed from “Indialantic Police Department”" in page.locator("table.events").inner_text()


def test_events_filters_and_csv(explorer, visit):
    v = visit()
    page = v.page
    page.goto(explorer.url("/events"))
    page.select_option("select[name=state]", "FL")
    page.select_option("select[name=type]", "agreement_added")
    page.click("button[type=submit]")
    rows = page.locator("table.events tbody tr")
    api = v.json("/api/events.json?state=FL&type=agreement_added")
    assert rows.count() == len(api["events"]) > 0
    assert all(e["state"] == "FL" and e["type"] == "agreement_added" for e in api["events"])
    csv_text = page.evaluate("() => fetch('/events.csv?state=FL&type=agreement_added').then(r => r.text())")
    assert len(csv_text.strip().splitlines()) == rows.count() + 1


def test_json_api_matches_the_workbooks(explorer, visit):
    v = visit()
    v.go(explorer.url("/methodology"))
    states, models = latest_counts()
    summary = v.json("/api/summary.json")
    assert summary["agreements"] == sum(states.values())
    assert {s: x["agreements"] for s, x in summary["states"].items()} == dict(states)
    assert summary["models"] == {m: models[m] for m in ("JEM", "TFM", "WSO")}
    step = next(s for s in manifest() if s["crawled_at"] == "20250522_151740")
    earlier, _ = participating_counts(ICE / "sheets" / step["participating"])
    assert v.json("/api/summary.json?as_of=2025-05-22")["agreements"] == sum(earlier.values())
    texas = v.json("/api/agreements.json?state=TX")["agreements"]
    assert len(texas) == states["TX"] and {a["state"] for a in texas} == {"TX"}
    series = v.json("/api/timeseries.json?state=TX")
    assert [w["week"] for w in series["weeks"]] == [w.isoformat() for w in sorted(publication_weeks())]
    assert series["weeks"][-1]["agreements"] == states["TX"]
    first = v.json("/api/events.json?limit=5")
    assert len(first["events"]) == 5 and first["next"]
    assert first["next"].startswith("/api/events.json?")
    assert v.json(first["next"])["events"][0] != first["events"][0]


@pytest.mark.parametrize("path, message", [
    ("/state/XX", "is not a US state"),
    ("/api/summary.json?as_of=2025-02-30", "is not a date"),
    ("/api/agreements.json?state=Texas", "is not a US state"),
    ("/api/events.json?type=bogus", "is not one of"),
    ("/events?since=yesterday", "is not a date"),
])
def test_bad_parameters_are_a_400_with_a_reason(explorer, visit, path, message):
    v = visit()
    response = v.go(explorer.url(path))
    assert response.status == 400
    assert message in v.page.inner_text("body")
    assert "Traceback" not in v.page.content()
    v.errors.clear()  # Chromium logs the 400 itself


def test_an_agreement_missing_from_the_latest_list_is_flagged_and_not_counted(explorer, visit):
    states, _ = latest_counts()
    page = visit().page
    page.goto(explorer.url("/state/PA"))
    assert number(page, "#n-agreements") == states["PA"]
    rows = page.locator("table.agreements tbody tr")
    assert rows.count() == states["PA"] + 1  # listed until a second list confirms the removal
    butler = rows.filter(has_text="Butler County Sheriff's Office")
    assert "missing from ICE's list of June 8, 2025" in butler.inner_text()
    butler.get_by_role("link").first.click()
    assert "not on ICE's list of June 8, 2025" in page.locator("section.agreement").first.inner_text()
