"""Adding a county: the scaffold writes a spider, its saved page and a test that proves it finds its item."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from scrapers.check_page import main as check_page
from scrapers.items import LocalSignal
from scrapers.newspider import classname, create, main, render_spider
from scrapers.spiders.local.marion_sheriff import MarionSheriffSpider
from tests.support.local_helpers import FIXTURES, file_response, serve


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run_generated_test(made, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the written test as pytest would, with the new spider and its fixture where it expects them."""
    monkeypatch.setitem(sys.modules, f"scrapers.spiders.local.{name}", _load(made.spider, name))
    monkeypatch.setattr("tests.support.local_helpers.FIXTURES", made.fixture.parent)
    test_module = _load(made.test, f"test_local_{name}")
    for attribute in dir(test_module):
        if attribute.startswith("test_"):
            getattr(test_module, attribute)()


def test_scaffold_fetches_the_page_and_writes_spider_test_and_fixture(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with serve(FIXTURES / "site") as base:
        made = create(tmp_path, "demo_sheriff", f"{base}/news.html", "Lake County Sheriff's Office, FL")
    assert made.fixture.read_bytes() == (FIXTURES / "site" / "news.html").read_bytes()
    assert made.signals == 2
    spider_source = made.spider.read_text()
    assert '"TODO' not in spider_source and "county = 'Lake County'" in spider_source
    spider = getattr(_load(made.spider, "demo_sheriff"), classname("demo_sheriff"))()
    signals = [i for i in spider.parse(file_response(made.fixture, f"{base}/news.html")) if isinstance(i, LocalSignal)]
    assert [(s.title, s.county, s.spider) for s in signals][0] == (
        "Sheriff joins 287(g) Task Force Model", "Lake County", "demo_sheriff"
    )
    _run_generated_test(made, "demo_sheriff", monkeypatch)


def test_the_written_test_fails_until_the_saved_page_shows_a_real_item(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "quiet.html"
    page.write_text("<html><body><article><h2>Road closures on SR 287</h2><p>Ice on bridges.</p></article></body>")
    args = ["quiet_sheriff", "https://q.example.gov/news", "--jurisdiction", "Q County Sheriff, GA"]
    assert main([*args, "--page", str(page), "--root", str(tmp_path / "repo")]) == 0
    assert "fails until" in capsys.readouterr().err
    made = create(tmp_path / "again", "quiet_sheriff", "https://q.example.gov/news", "Q County Sheriff, GA",
                  page=page.read_bytes())
    with pytest.raises(AssertionError, match="save a page with a real item"):
        _run_generated_test(made, "quiet_sheriff", monkeypatch)


def test_the_written_spider_carries_the_place_and_selectors_it_was_given(tmp_path: Path) -> None:
    path = tmp_path / "fresh_council.py"
    path.write_text(render_spider("fresh_council", "https://www.fresh.example.gov/agendas", "Fresh City Council",
                                  "GA", "", "div.item", ".when"))
    spider = getattr(_load(path, "fresh_council"), classname("fresh_council"))()
    assert (spider.jurisdiction, spider.state, spider.county) == ("Fresh City Council", "GA", "")
    assert (spider.item_selector, spider.date_selector) == ("div.item", ".when")
    assert spider.start_urls == ["https://www.fresh.example.gov/agendas"]


def test_scaffold_refuses_to_overwrite_and_explains_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = str(FIXTURES / "site" / "press.html")
    args = ["x_sheriff", "https://x.example.gov/news", "--jurisdiction", "X County, GA", "--page", page]
    assert main([*args, "--root", str(tmp_path)]) == 0
    assert main([*args, "--root", str(tmp_path)]) == 1
    assert "not overwritten" in capsys.readouterr().err
    assert (
        main(["y", "https://y.example.gov", "--jurisdiction", "Y County", "--page", page, "--root", str(tmp_path)]) == 1
    )
    assert "state" in capsys.readouterr().err
    assert main(["z", "https://z.example.gov", "--jurisdiction", "Z County, GA", "--page", page,
                 "--selector", "div[", "--root", str(tmp_path)]) == 1
    assert "not valid CSS or XPath" in capsys.readouterr().err


def test_a_saved_page_is_checked_before_its_row_goes_in(capsys: pytest.CaptureFixture[str]) -> None:
    news = str(FIXTURES / "site" / "news.html")
    assert check_page([news, "--jurisdiction", "Lake County Sheriff's Office, FL", "--url", "https://x.gov/news"]) == 0
    out = capsys.readouterr().out
    assert "2025-06-12  Sheriff joins 287(g) Task Force Model" in out and "2 signals" in out
    assert check_page([news, "--jurisdiction", "Lake County Sheriff's Office, FL", "--selector", "nav li"]) == 1
    assert "no 287(g) signal" in capsys.readouterr().err


def test_hand_written_example_reads_a_press_list() -> None:
    response = file_response("site/press.html", "https://www.marionso.com/news")
    items = [i for i in MarionSheriffSpider().parse(response) if isinstance(i, LocalSignal)]
    assert [(i.title, i.county, i.date) for i in items] == [
        ("Sheriff signs 287(g) agreement with ICE", "Marion County", "2025-05-28")
    ]
