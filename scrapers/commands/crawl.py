"""`scrapy crawl`, failing loudly when a watched page could not be reached.

Scrapy's own `crawl` exits 0 whenever the crawl ran, so `scrapy crawl local_page -a url=…`
on a mistyped or unreachable address leaves an empty file and a zero exit code. This one
prints each unreachable page with the reason and exits 1 when nothing at all was read.
"""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

UNREACHABLE = "local/unreachable"


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1 or self.crawler_process is None:
            raise UsageError("give one spider: scrapy crawl NAME [-a KEY=VALUE ...]")
        crawler = self.crawler_process.create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        stats = crawler.stats
        unreachable = (stats.get_value(UNREACHABLE) or []) if stats is not None else []
        if unreachable and not (stats.get_value("local/items") or 0):
            for page in unreachable:
                print(f"could not read {page}", file=sys.stderr)
            self.exitcode = 1
