"""Prove a new source finds its signal: run the generic watcher on a saved page, offline.

    python -m scrapers.check_page SAVED.html --jurisdiction "Lake County Sheriff's Office, FL"
        [--url URL] [--selector CSS] [--date-selector CSS]
    python -m scrapers.check_page SAVED.html --row "Lake County Sheriff's Office"

Save a page from the site that shows a real 287(g) item (an older agenda or press release),
then run this with the selector you mean to put in the registry (or `--row` to take the row's
address and selectors). It prints every item the page was cut into that gave a signal, and exits
1 when there is none: a source that cannot find the item it is for must not go in unnoticed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scrapy.http import HtmlResponse

from parsers.agenda import html_items
from scrapers import jurisdictions
from scrapers.items import LocalSignal
from scrapers.spiders.local.local_page import LocalPageSpider


def check(
    page: bytes, url: str, jurisdiction: str, selector: str | None = None, date_selector: str | None = None
) -> tuple[int, list[LocalSignal]]:
    """(items the page was cut into, signals found): what `local_page` would report for it."""
    spider = LocalPageSpider(url=url, jurisdiction=jurisdiction, selector=selector, date_selector=date_selector)
    source = spider.sources[0]
    response = HtmlResponse(url, body=page, encoding="utf-8")
    items = html_items(response.selector, url, source.selector, source.date_selector)
    signals = [item for item in spider.parse(response) if isinstance(item, LocalSignal)]
    return len(items), signals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scrapers.check_page", description=__doc__.splitlines()[0])
    parser.add_argument("page", type=Path, help="the saved page (HTML)")
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--jurisdiction", help='e.g. "Lake County Sheriff\'s Office, FL"')
    who.add_argument("--row", help="a registry row's name: its address and selectors are used")
    parser.add_argument("--url", help="the page's address, so links resolve as on the site")
    parser.add_argument("--selector", help="CSS or XPath for one item")
    parser.add_argument("--date-selector", dest="date_selector", help="CSS or XPath for the date inside an item")
    args = parser.parse_args(argv)
    try:
        jurisdiction, url = args.jurisdiction, args.url
        selector, date_selector = args.selector, args.date_selector
        if args.row:
            row = jurisdictions.find(args.row)
            if row is None:
                raise ValueError(f"no registry row named {args.row!r}")
            jurisdiction, url = row.label, url or row.url_or_client
            selector, date_selector = selector or row.selector or None, date_selector or row.date_selector or None
        count, signals = check(
            args.page.read_bytes(), url or args.page.resolve().as_uri(), jurisdiction, selector, date_selector
        )
    except (ValueError, OSError, jurisdictions.RegistryError) as exc:
        print(f"check_page: {exc}", file=sys.stderr)
        return 1
    for signal in signals:
        print(f"{signal.date or '----------'}  {signal.title}\n            {signal.url}  [{signal.matched}]")
    print(f"{count} items, {len(signals)} signals")
    if not signals:
        print(
            "check_page: no 287(g) signal: save a page that shows a real item, or try --selector",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
