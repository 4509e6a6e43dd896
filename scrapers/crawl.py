"""`python -m scrapers.crawl SPIDER [-a NAME=VALUE]... [-s NAME=VALUE]...`: one crawl, as the tracker runs it.

The same crawl as `scrapy crawl SPIDER`, without what an unattended crawl never uses:
Scrapy's command line (which imports every Scrapy command) and the remote-control and
telnet extensions (a listening socket nobody connects to, and the aiohttp web server behind
it). An hourly crawl that finds nothing new then costs little more than its libraries.
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys

UNUSED_EXTENSIONS = ("scrapy.extensions.remote_control.RemoteControl", "scrapy.extensions.telnet.TelnetConsole")


def _pair(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not name:
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE")
    return name, value


def _could_not_start(failure) -> None:
    """A crawl that fails while being set up (a bad setting its pipeline refuses) says why in the log.

    Twisted would report it only when the failed Deferred is garbage-collected, which the frozen
    start-up objects and an exiting process make too late: the failure reason would be lost.
    """
    logging.getLogger(__name__).critical("the crawl could not start: %s: %s", failure.type.__name__,
                                         failure.getErrorMessage())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scrapers.crawl", description=__doc__.splitlines()[0])
    parser.add_argument("spider")
    parser.add_argument("-a", dest="spider_args", type=_pair, action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("-s", dest="settings", type=_pair, action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    # Start-up builds hundreds of thousands of objects that live as long as the crawl: the cyclic
    # collector would scan them again and again and free nothing. It resumes once the crawl is set
    # up, with those objects frozen out of every later collection.
    gc.disable()
    # Imported first on purpose: importing it inspects the call stack against every loaded module,
    # which costs several times more once the store and the spiders are loaded.
    import scrapy.core.downloader.contextfactory  # noqa: F401
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    for name, value in args.settings:
        settings.set(name, value, priority="cmdline")
    # Listing an extension as None still imports it; leaving it out of the base does not.
    base = {path: order for path, order in settings.getdict("EXTENSIONS_BASE").items() if path not in UNUSED_EXTENSIONS}
    settings.set("EXTENSIONS_BASE", base, priority="cmdline")
    process = CrawlerProcess(settings)
    process.crawl(args.spider, **dict(args.spider_args)).addErrback(_could_not_start)
    gc.freeze()
    gc.enable()
    process.start()
    return 1 if process.bootstrap_failed else 0


if __name__ == "__main__":
    sys.exit(main())
