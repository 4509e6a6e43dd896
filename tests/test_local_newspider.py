"""Adding a county: the scaffold writes a working spider, its saved page and its test."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from scrapers.items import LocalSignal
from scrapers.newspider import classname, create, main
from scrapers.spiders.local.marion_sheriff import MarionSheriffSpider
from tests.local_helpers import FIXTURES, file_response, serve


def test_scaffold_fetches_the_page_and_writes_spider_test_and_fixture(tmp_path: Path) -> None:
    with serve(FIXTURES / "site") as base:
        made = create(
            tmp_path,
            "demo_sheriff",
            f"{base}/press.html",
            "Demo County Sheriff's Office, FL",
            selector="article.news-item",
        )
    assert made.fixture.read_bytes() == (FIXTURES / "site" / "press.html").read_bytes()
    test_text = made.test.read_text()
    assert "assert len(signals) == 1" in test_text
    compile(test_text, str(made.test), "exec")
    spec = importlib.util.spec_from_file_location("demo_sheriff", made.spider)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    spider = getattr(module, classname("demo_sheriff"))()
    response = file_response(made.fixture, f"{base}/press.html")
    (signal,) = [i for i in spider.parse(response) if isinstance(i, LocalSignal)]
    assert (signal.jurisdiction, signal.state, signal.spider) == ("Demo County Sheriff's Office", "FL", "demo_sheriff")


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


def test_hand_written_example_reads_a_press_list() -> None:
    response = file_response("site/press.html", "https://www.marionso.com/news")
    items = [i for i in MarionSheriffSpider().parse(response) if isinstance(i, LocalSignal)]
    assert [(i.title, i.county) for i in items] == [("Sheriff signs 287(g) agreement with ICE", "Marion County")]
