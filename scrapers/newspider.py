"""Write a new local spider together with its saved page and its test, so a county is added in minutes.

    python -m scrapers.newspider NAME URL --jurisdiction "Marion County, FL" [--selector CSS] [--page FILE]

The one scaffold for a county spider, like city-scrapers' genspider: the spider and its test come
from scrapers/templates/; the page is fetched once from URL (or copied from --page when the site
blocks scripts) into tests/fixtures/local/NAME.html; the test runs the spider on that saved page,
so CI never touches the county's site.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import string
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from scrapy.http import HtmlResponse

from parsers.places import county_from_name, split_jurisdiction
from scrapers.items import LocalSignal
from scrapers.jurisdictions import selector_problem

TEMPLATES = Path(__file__).parent / "templates"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class NewSpider:
    spider: Path
    test: Path
    fixture: Path
    signals: int


def classname(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_")) + "Spider"


def _render(template: str, **values: str) -> str:
    return string.Template((TEMPLATES / template).read_text(encoding="utf-8")).substitute(values)


def render_spider(
    name: str,
    url: str,
    jurisdiction: str,
    state: str,
    county: str,
    selector: str | None,
    date_selector: str | None = None,
) -> str:
    return _render("spider.py.tmpl", name=name, classname=classname(name), domain=urlsplit(url).netloc,
                   url=repr(url), jurisdiction=repr(jurisdiction), state=repr(state), county=repr(county),
                   selector=repr(selector), date_selector=repr(date_selector))


def render_test(name: str, url: str, jurisdiction: str, state: str) -> str:
    return _render("test.py.tmpl", name=name, classname=classname(name), url=repr(url),
                   jurisdiction=repr(jurisdiction), state=repr(state))


def fetch(url: str, user_agent: str) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": user_agent})
    with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 - a maintainer's own URL
        return answer.read()


def count_signals(module_path: Path, name: str, url: str, page: bytes) -> int:
    """How many signals the new spider finds on the saved page: zero means its test will fail."""
    spec = importlib.util.spec_from_file_location(f"_new_{name}", module_path)
    if spec is None or spec.loader is None:
        raise ValueError(f"cannot load {module_path}")
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
    date_selector: str | None = None,
) -> NewSpider:
    if not _NAME.match(name):
        raise ValueError(f"spider name {name!r}: use lower case letters, digits and _")
    if urlsplit(url).scheme not in {"http", "https"}:
        raise ValueError(f"url {url!r}: give the full http(s) address of the page to watch")
    place, state = split_jurisdiction(jurisdiction)
    if not state:
        raise ValueError(f'jurisdiction {jurisdiction!r}: end it with the state, e.g. "Marion County, FL"')
    for value, flag in ((selector, "--selector"), (date_selector, "--date-selector")):
        if value and (problem := selector_problem(flag, value)) is not None:
            raise ValueError(problem)
    county = county_from_name(place) or ""
    paths = NewSpider(
        spider=root / "scrapers" / "spiders" / "local" / f"{name}.py",
        test=root / "tests" / f"test_local_{name}.py",
        fixture=root / "tests" / "fixtures" / "local" / f"{name}.html",
        signals=0,
    )
    existing = [str(p) for p in (paths.spider, paths.test, paths.fixture) if p.exists()]
    if existing:
        raise FileExistsError("already there, not overwritten: " + ", ".join(existing))
    body = page if page is not None else fetch(url, user_agent)
    for path in (paths.spider, paths.test, paths.fixture):
        path.parent.mkdir(parents=True, exist_ok=True)
    paths.spider.write_text(
        render_spider(name, url, place, state, county, selector, date_selector), encoding="utf-8"
    )
    paths.fixture.write_bytes(body)
    paths.test.write_text(render_test(name, url, place, state), encoding="utf-8")
    return NewSpider(paths.spider, paths.test, paths.fixture, count_signals(paths.spider, name, url, body))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scrapers.newspider", description=__doc__.splitlines()[0])
    parser.add_argument("name", help="spider name, e.g. marion_sheriff")
    parser.add_argument("url", help="the page to watch")
    parser.add_argument("--jurisdiction", required=True, help='e.g. "Marion County Sheriff\'s Office, FL"')
    parser.add_argument("--selector", help="CSS or XPath for one item, when the page's own structure is not enough")
    parser.add_argument("--date-selector", dest="date_selector", help="CSS or XPath for the date inside an item")
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
            date_selector=args.date_selector,
        )
    except (ValueError, FileExistsError, OSError) as exc:
        print(f"newspider: {exc}", file=sys.stderr)
        return 1
    for path in (made.spider, made.test, made.fixture):
        print(f"wrote {path}")
    if made.signals:
        print(f"the saved page gives {made.signals} signal(s); its test passes")
    else:
        print(
            f"newspider: the saved page gives no 287(g) signal, so {made.test} fails until "
            f"{made.fixture} shows a real item: save such a page (an older agenda or release) and pass --page",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
