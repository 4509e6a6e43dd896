"""Write a new local spider together with its saved page and its test, so a county is added in minutes.

    python -m scrapers.newspider NAME URL --jurisdiction "Marion County, FL" [--selector CSS] [--page FILE]

The spider comes from the same template as `scrapy genspider -t local NAME URL`
(scrapers/templates/spiders/local.tmpl); the page is fetched once from URL (or copied from
--page when the site blocks scripts) into tests/fixtures/local/NAME.html; the test runs the spider
on that saved page, so CI never touches the county's site.
"""

from __future__ import annotations

import argparse
import re
import string
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from scrapers.jurisdictions import split_jurisdiction

TEMPLATE = Path(__file__).parent / "templates" / "spiders" / "local.tmpl"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

TEST_TEMPLATE = '''"""$name: the spider on its saved page (tests/fixtures/local/$name.html)."""

from scrapers.items import LocalSignal
from scrapers.spiders.local.$name import $classname
from tests.local_helpers import file_response


def test_${name}_reads_its_saved_page() -> None:
    spider = $classname()
    response = file_response("$name.html", "$url")
    signals = [item for item in spider.parse(response) if isinstance(item, LocalSignal)]
    assert all(s.jurisdiction == "$jurisdiction" and s.state == "$state" for s in signals)
    assert len(signals) == $expected
'''


@dataclass(frozen=True)
class NewSpider:
    spider: Path
    test: Path
    fixture: Path


def classname(name: str) -> str:
    """The class name `scrapy genspider` would choose, so both tools agree."""
    return "".join(part.capitalize() for part in name.split("_")) + "Spider"


def render_spider(name: str, url: str, jurisdiction: str, state: str, county: str, selector: str | None) -> str:
    text = string.Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        project_name="tracker",
        ProjectName="Tracker",
        module=name,
        name=name,
        url=url,
        domain=urlsplit(url).netloc,
        classname=classname(name),
    )
    text = text.replace('jurisdiction = "Jurisdiction name"', f"jurisdiction = {jurisdiction!r}")
    text = text.replace('state = "ST"', f"state = {state!r}").replace('county = ""', f"county = {county!r}")
    if selector:
        text = text.replace('item_selector = "article, .news-item, tr"', f"item_selector = {selector!r}")
    return text


def render_test(name: str, url: str, jurisdiction: str, state: str, expected: int) -> str:
    return string.Template(TEST_TEMPLATE).substitute(
        name=name, classname=classname(name), url=url, jurisdiction=jurisdiction, state=state, expected=expected
    )


def fetch(url: str, user_agent: str) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": user_agent})
    with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 - a maintainer's own URL
        return answer.read()


def count_signals(module_path: Path, name: str, url: str, page: bytes) -> int:
    """How many signals the new spider finds on the saved page: the test's first expectation."""
    import importlib.util

    from scrapy.http import HtmlResponse

    from scrapers.items import LocalSignal

    spec = importlib.util.spec_from_file_location(f"_new_{name}", module_path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    spider = getattr(module, classname(name))()
    response = HtmlResponse(url, body=page, encoding="utf-8")
    return sum(isinstance(item, LocalSignal) for item in spider.parse(response))


def create(
    root: Path,
    name: str,
    url: str,
    jurisdiction: str,
    selector: str | None = None,
    page: bytes | None = None,
    user_agent: str = "287g-tracker newspider",
) -> NewSpider:
    if not _NAME.match(name):
        raise ValueError(f"spider name {name!r}: use lower case letters, digits and _")
    if urlsplit(url).scheme not in {"http", "https"}:
        raise ValueError(f"url {url!r}: give the full http(s) address of the page to watch")
    place, state = split_jurisdiction(jurisdiction)
    if not state:
        raise ValueError(f'jurisdiction {jurisdiction!r}: end it with the state, e.g. "Marion County, FL"')
    county = place if place.endswith((" County", " Parish")) else ""
    paths = NewSpider(
        spider=root / "scrapers" / "spiders" / "local" / f"{name}.py",
        test=root / "tests" / f"test_local_{name}.py",
        fixture=root / "tests" / "fixtures" / "local" / f"{name}.html",
    )
    existing = [str(p) for p in (paths.spider, paths.test, paths.fixture) if p.exists()]
    if existing:
        raise FileExistsError("already there, not overwritten: " + ", ".join(existing))
    body = page if page is not None else fetch(url, user_agent)
    for path in (paths.spider, paths.test, paths.fixture):
        path.parent.mkdir(parents=True, exist_ok=True)
    paths.spider.write_text(render_spider(name, url, place, state, county, selector), encoding="utf-8")
    paths.fixture.write_bytes(body)
    expected = count_signals(paths.spider, name, url, body)
    paths.test.write_text(render_test(name, url, place, state, expected), encoding="utf-8")
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scrapers.newspider", description=__doc__.splitlines()[0])
    parser.add_argument("name", help="spider name, e.g. marion_sheriff")
    parser.add_argument("url", help="the page to watch")
    parser.add_argument("--jurisdiction", required=True, help='e.g. "Marion County Sheriff\'s Office, FL"')
    parser.add_argument("--selector", help="CSS selector for one item (press release, agenda row)")
    parser.add_argument("--page", type=Path, help="a saved copy of the page instead of fetching it")
    parser.add_argument("--root", type=Path, default=Path("."), help="repository root (default: here)")
    args = parser.parse_args(argv)
    try:
        made = create(
            args.root,
            args.name,
            args.url,
            args.jurisdiction,
            selector=args.selector,
            page=args.page.read_bytes() if args.page else None,
        )
    except (ValueError, FileExistsError, OSError) as exc:
        print(f"newspider: {exc}", file=sys.stderr)
        return 1
    for path in (made.spider, made.test, made.fixture):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
