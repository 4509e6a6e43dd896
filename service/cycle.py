"""One cycle of the tracker: crawl (ICE, local sources, news) → parse → diff → store → alert, each part runnable alone.

Each part reports on stdout in one line a person can read, and returns an exit code:
0 ok, 1 when a crawl failed or a publication was refused (the store is left as it was).
A source another process is crawling is not crawled twice: that crawl is waited for or skipped
(service.crawl_lease), which is 0, not a failure.
SIGTERM or SIGINT (Ctrl-C) to `once` is passed on to its crawl child (`python -m scrapers.crawl`), which is
waited for and recorded as `interrupted`; `once` then exits 128 + the signal's number, and
no child outlives it.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from errors import UserError
from service.crawl import CrawlResult, close_abandoned, run_spider
from service.crawl_lease import Elsewhere, one_crawl
from settings import TrackerSettings
from storage.fetch_backoff import waiting_lines
from storage.moa_store import MoaReport, store_moa_results, unread_moas
from storage.models import Publication, utcnow
from storage.problems import close_problem, open_problem
from vocabulary import FAILING_RUNS, GOOD_RUNS, RunStatus

Sessions = sessionmaker[Session]

log = logging.getLogger(__name__)
MOA_BUDGET = 600  # seconds of MOA reading (OCR included) per cycle; the rest waits for the next one
# How long after its start another process's crawl of the same source is waited for (service.crawl_lease).
CRAWL_WAIT = dt.timedelta(minutes=3)
FIRST_CRAWL_HINT = (
    "hint: no ICE list has been read yet. If this machine is offline or cannot reach ICE's site, "
    "`make demo` shows the tracker at work on two real ICE lists served locally, and "
    "`.venv/bin/python scheduler.py backfill PATH` starts the store from the public archive of ICE's lists "
    "(README: \"Starting a new install from the public archive\"). The next scheduled crawl tries ICE again."
)
SERVICE_MOA_BUDGET = 120  # under `run`, whose ICE crawls come every few minutes: the rest waits for the next


def describe(result: CrawlResult) -> str:
    parts = [f"{result.source}: {result.status}"]
    for publication in result.stats.get("publications", []):
        line = f"{publication['kind']} {publication['status']}"
        if publication.get("rows"):
            line += f" ({publication['rows']} rows, {publication['events']} events)"
        if publication.get("reason"):
            line += f": {publication['reason']}"
        parts.append(line)
    news = result.stats.get("news")
    if news:
        parts.append(news_line(news))
    elif result.stats.get("local_signals"):
        parts.append(f"{result.stats['local_signals']} new local signals")
    if (result.status in FAILING_RUNS or result.status == RunStatus.INTERRUPTED) and result.error:
        parts.append(result.error.replace("\n", "; "))
    return " | ".join(parts)


def news_line(news: dict) -> str:
    """What one news crawl read: new items, how many from the feed's words alone, new and folded signals."""
    line = f"{news.get('items', 0)} new items read"
    if news.get("from_feed"):
        line += f" ({news['from_feed']} from the feed's words: article not fetched)"
    line += f", {news.get('new', 0)} new local signals"
    if news.get("folded"):
        line += f", {news['folded']} reports folded into earlier signals"
    return line


def run_ice(config: TrackerSettings, sessions: Sessions, stop: threading.Event | None = None,
            wait: dt.timedelta = CRAWL_WAIT, after_crawl: Callable[[], object] | None = None,
            moa_budget: float = MOA_BUDGET) -> int:
    """Crawl ICE in its own subprocess (`python -m scrapers.crawl ice_287g`); 0 ok, 1 failed or refused.

    An ICE crawl another process is running is waited for or skipped (service.crawl_lease): 0.
    `after_crawl` runs as soon as the crawl is stored, before MOA PDFs are read: the service
    sends alerts there, so a signing is never held back behind a burst of PDFs.
    """
    with _leased_crawl(config, sessions, "ice_287g", "ice", wait=wait, stop=stop) as result:
        if result is None:
            return 0
        if result.status == RunStatus.FAILED and nothing_read_yet(sessions):
            print(FIRST_CRAWL_HINT, flush=True)
        if after_crawl is not None and not (stop is not None and stop.is_set()):
            after_crawl()
        if config.fetch_moas:
            with sessions() as session:
                for line in waiting_lines(session, utcnow()):
                    print(f"documents: {line}", flush=True)
        if config.fetch_moas and not (stop is not None and stop.is_set()):
            print(f"moa: {read_new_moas(sessions, config.archive_dir, budget_seconds=moa_budget, stop=stop)}",
                  flush=True)
        return 0 if result.status in GOOD_RUNS else 1


@contextmanager
def _leased_crawl(config: TrackerSettings, sessions: Sessions, spider: str, source: str, *, wait: dt.timedelta,
                  stop: threading.Event | None, args: dict[str, str] | None = None) -> Iterator[CrawlResult | None]:
    """Crawl `source` with `spider` under its crawl lease, record its problem and print its line.

    Yields the result with the lease still held, so what follows the crawl (reading MOAs) is
    covered too; None when the source was left to another process (its line printed instead).
    """
    with one_crawl(sessions, source, wait=wait, stop=stop) as elsewhere:
        if elsewhere is not None:
            print(_elsewhere_line(elsewhere), flush=True)
            yield None
            return
        close_abandoned(sessions, source, dt.timedelta(seconds=config.crawl_timeout))
        result = run_spider(sessions, spider, source, timeout=config.crawl_timeout, stop=stop, args=args)
        _record_problem(sessions, result)
        print(describe(result), flush=True)
        yield result


def _elsewhere_line(elsewhere: Elsewhere) -> str:
    """The line for a crawl left to another process: how that crawl ended, when this one waited for it."""
    run = elsewhere.run
    if run is None:
        return elsewhere.line
    return describe(CrawlResult(run.id, run.source, run.status, run.error, None, dict(run.stats or {})))


def nothing_read_yet(sessions: Sessions) -> bool:
    """No ICE list in the store, crawled or backfilled: a failure now is a first run's, worth a hint."""
    with sessions() as session:
        return session.scalar(select(Publication.id).limit(1)) is None


def read_new_moas(sessions: Sessions, archive_dir: Path, *, budget_seconds: float = MOA_BUDGET,
                  workers: int = 2, stop: threading.Event | None = None) -> MoaReport:
    """Read archived MOAs in worker processes as slots free up; none is started past the budget.

    Each result is stored as it arrives, so a burst larger than one cycle can read is finished
    by the next cycles without reading anything twice; a stop ends the reading early.
    """
    report = MoaReport()
    jobs = unread_moas(sessions, archive_dir)
    if not jobs:
        return report
    from scrapers.moa_worker import parse_stream  # PDF and OCR libraries: loaded only when there is a PDF

    done = 0
    for index, result in parse_stream([(job.path, job.hint) for job in jobs], workers=workers,
                                      budget_seconds=budget_seconds, ocr_scope="fields"):
        store_moa_results(sessions, [jobs[index]], [result], report)
        done += 1
        if stop is not None and stop.is_set():
            break
    report.left = len(jobs) - done
    return report


def run_local(config: TrackerSettings, sessions: Sessions, stop: threading.Event | None = None,
              only: dict[str, str] | None = None, wait: dt.timedelta = CRAWL_WAIT) -> int:
    """Crawl every local source (or, with only={"spider": NAME, ...}, one spider with those
    arguments); 0 ok, 1 when one failed. A source another process is crawling is waited for or skipped."""
    from service.local import local_spiders, update_health

    code = 0
    args = dict(only or {})
    chosen = args.pop("spider", None)
    spiders = local_spiders()
    if chosen is not None and chosen not in spiders:
        raise UserError(f"no local spider {chosen!r}; the local spiders are {', '.join(spiders)}")
    for spider in [chosen] if chosen else spiders:
        if stop is not None and stop.is_set():
            break
        with _leased_crawl(config, sessions, spider, f"local:{spider}", wait=wait, stop=stop, args=args) as result:
            if result is None:
                continue
            update_health(sessions, spider)
        code = code or (0 if result.status in GOOD_RUNS else 1)
    return code


def run_news(config: TrackerSettings, sessions: Sessions, stop: threading.Event | None = None,
             wait: dt.timedelta = CRAWL_WAIT) -> int:
    """Read the news feeds (`NEWS_FEEDS`) in a crawl subprocess; 0 ok, 1 when a feed could not be read.

    Every other feed is still read then, and what it brought is kept.
    """
    if not config.news_feeds:
        print("news: no feeds (NEWS_FEEDS is empty)", flush=True)
        return 0
    with _leased_crawl(config, sessions, "news", "news", wait=wait, stop=stop) as result:
        return 0 if result is None or result.status in GOOD_RUNS else 1


def run_alerts(config: TrackerSettings, sessions: Sessions) -> int:
    """Deliver pending Slack/instant-email/maintainer messages from the outbox."""
    from alerts.deliver import deliver_all

    report = deliver_all(config, sessions)
    print(f"alerts: {report}", flush=True)
    return 0


def run_digests(config: TrackerSettings, sessions: Sessions, force: bool = False) -> int:
    """Send every email digest that is due now."""
    from alerts.digest import send_due_digests

    report = send_due_digests(config, sessions, force=force)
    print(f"digests: {report}", flush=True)
    return 0


class _Stop:
    """SIGTERM/SIGINT while `once` runs: remember the signal and let the running part end cleanly."""

    SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signum: int | None = None
        self.previous: dict[int, object] = {}

    def __enter__(self) -> _Stop:
        self.previous = {sig: signal.signal(sig, self._on_signal) for sig in self.SIGNALS}
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)

    def _on_signal(self, signum: int, _frame: object) -> None:
        if self.signum is None:
            self.signum = signum
            log.info("%s received: stopping the crawl (it is recorded as interrupted)", signal.Signals(signum).name)
        self.event.set()


def run_once(config: TrackerSettings, sessions: Sessions, only: str | None = None,
             local_args: dict[str, str] | None = None) -> int:
    """All parts in order (or one): a failed crawl does not keep alerts from going out.

    A stop signal ends the running crawl (its child is signalled and waited for) and skips
    the parts after it; the exit code is then 128 + the signal's number, as a shell expects.
    """
    from alerts.subscriptions import load as load_subscriptions

    load_subscriptions(config.subscriptions_file)
    code = 0
    with _Stop() as stop:
        parts = [("ice", lambda: run_ice(config, sessions, stop=stop.event)),
                 ("local", lambda: run_local(config, sessions, stop=stop.event, only=local_args)),
                 ("news", lambda: run_news(config, sessions, stop=stop.event)),
                 ("alerts", lambda: run_alerts(config, sessions)),
                 ("digests", lambda: run_digests(config, sessions))]
        for name, part in parts:
            if only not in (None, name):
                continue
            if stop.event.is_set():
                break
            code = max(code, part())
    if stop.signum is not None:
        print(f"stopped by {signal.Signals(stop.signum).name}: the crawl was interrupted and is retried next time",
              flush=True)
        return 128 + stop.signum
    return code


def _record_problem(sessions: Sessions, result: CrawlResult) -> None:
    key = f"{result.source}:crawl"
    with sessions.begin() as session:
        if result.status == RunStatus.FAILED:
            open_problem(session, key, result.source, f"{result.source} crawl failed: {result.error}")
        elif result.status in GOOD_RUNS:
            close_problem(session, key)


def reparse_archive(config: TrackerSettings, sessions: Sessions) -> int:
    """Rebuild the store from the raw archive (after a parser fix), without the network."""
    from scrapers.workbooks import archived_reader
    from storage.rebuild import rebuild

    print(rebuild(sessions, config, archived_reader(config.archive_dir)), flush=True)
    return 0
