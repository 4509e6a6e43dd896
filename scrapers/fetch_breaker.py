"""A circuit breaker for document downloads: stop asking a host that keeps refusing us.

ICE's MOA links can all point at a host that is down or that blocks us; without a breaker
one crawl asked it about 1,700 times over several minutes, and the next crawl did it again.
Here every answer from a host is watched: after FAILURES_TO_TRIP connection failures, 403s
or 429s in a row, no more documents (requests marked `tracker_role: moa`, or `article` for
news articles) are asked of it in this crawl, and the store's back-off (storage.fetch_backoff)
keeps later crawls away from a MOA host for a while. The ICE page and workbooks are never
held back: without them there is no crawl.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from sqlalchemy.orm import Session, sessionmaker

from scrapers.store import crawl_sessions
from storage.fetch_backoff import CrawlFetches, backed_off, record_crawl
from storage.models import utcnow

log = logging.getLogger(__name__)

FAILURES_TO_TRIP = 5
BLOCKING_STATUSES = (403, 429)
DOCUMENT_ROLE = "moa"
# A news article is held back like a document within a crawl, but its host is not remembered in the store's
# back-off: articles come from hundreds of outlets, and a paywall's 403 is not an outage to report.
ARTICLE_ROLE = "article"
HELD_BACK_ROLES = (DOCUMENT_ROLE, ARTICLE_ROLE)


def host_of(url: str) -> str:
    """`host:port` as the breaker counts it (no user info, lower case)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return f"{host}:{parts.port}" if parts.port else host


class FetchBreakerMiddleware:
    def __init__(self, sessions: sessionmaker[Session], stats) -> None:
        self.sessions = sessions
        self.stats = stats
        self.in_a_row: dict[str, int] = defaultdict(int)
        self.gave_up: dict[str, str] = {}
        self.asked: dict[str, set[str]] = defaultdict(set)
        self.article_hosts: set[str] = set()
        self.got: dict[str, set[str]] = defaultdict(set)
        self.resting: dict[str, str] = {}
        self.busy: dict[str, object | None] = {}
        self.start_host = ""
        self.idle: dict[str, asyncio.Event] = {}

    @classmethod
    def from_crawler(cls, crawler):
        tracker = crawler.settings.get("TRACKER_SETTINGS")
        if tracker is None or not crawler.settings.getbool("TRACKER_FETCH_BREAKER", True):
            raise NotConfigured("no tracker settings")
        middleware = cls(crawl_sessions(tracker.database_url), crawler.stats)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_opened(self, spider=None) -> None:
        now = utcnow()
        self.start_host = host_of(getattr(spider, "page_url", None) or "")
        with self.sessions() as session:
            for host, row in backed_off(session, now).items():
                self.resting[host] = f"backing off until {row.retry_after:%Y-%m-%d %H:%M}Z after {row.last_error}"
        for host, why in self.resting.items():
            log.info("not fetching documents from %s in this crawl: %s", host, why)

    async def process_request(self, request, spider=None):
        """One document at a time per host, decided just before it is sent.

        Waiting here rather than in Scrapy's download queue means a request is only let
        through once the answer to the one before it is known: a host that has just been
        given up on gets no further requests, not a queue's worth.
        """
        role = request.meta.get("tracker_role")
        if role not in HELD_BACK_ROLES:
            self._robots_of_a_held_back_host(request)
            return None
        host = host_of(request.url)
        if role == DOCUMENT_ROLE:
            self.asked[host].add(request.url)
        else:
            self.article_hosts.add(host)
        while self.busy.get(host) is not None:
            await self._idle(host).wait()
        why = self.gave_up.get(host) or self.resting.get(host)
        if why is not None:
            self.stats.inc_value("tracker/documents_held_back")
            raise IgnoreRequest(f"not fetching from {host}: {why}")
        self.busy[host] = request
        self._idle(host).clear()
        return None

    def _robots_of_a_held_back_host(self, request) -> None:
        """robots.txt is only asked of a document host for its documents: not while we leave it alone.

        The site the crawl starts from is never held back here; its robots.txt rules the crawl.
        """
        if urlsplit(request.url).path != "/robots.txt" or not request.meta.get("dont_obey_robotstxt"):
            return
        host = host_of(request.url)
        asked = host in self.asked or host in self.article_hosts
        why = self.resting.get(host) or (self.gave_up.get(host) if asked else None)
        if why is not None and host != self.start_host:
            raise IgnoreRequest(f"not asking {host} for robots.txt: {why}")

    def process_response(self, request, response, spider=None):
        host = host_of(request.url)
        if response.status in BLOCKING_STATUSES:
            self._failed(host, f"HTTP {response.status}")
        elif response.status < 500:
            self.in_a_row[host] = 0
            if request.meta.get("tracker_role") == DOCUMENT_ROLE:
                self.got[host].add(request.url)
        self._release(host, request)
        return response

    def process_exception(self, request, exception, spider=None):
        host = host_of(request.url)
        if not isinstance(exception, IgnoreRequest):
            self._failed(host, _reason(exception))
        self._release(host, request)
        return None

    def _idle(self, host: str) -> asyncio.Event:
        if host not in self.idle:
            self.idle[host] = asyncio.Event()
            self.idle[host].set()
        return self.idle[host]

    def _release(self, host: str, request) -> None:
        if self.busy.get(host) is request:
            self.busy[host] = None
            self._idle(host).set()

    def _failed(self, host: str, why: str) -> None:
        self.in_a_row[host] += 1
        if self.in_a_row[host] >= FAILURES_TO_TRIP and host not in self.gave_up:
            self.gave_up[host] = f"{self.in_a_row[host]} failures in a row, the last: {why.rstrip('.')}"
            self.stats.inc_value("tracker/hosts_given_up")
            log.warning("giving up on documents from %s for this crawl: %s", host, self.gave_up[host])

    def spider_closed(self, spider=None, reason: str = "") -> None:
        waiting = {host: len(urls - self.got[host]) for host, urls in self.asked.items()}
        # Only document hosts are remembered: a local government site that fails has its own health check.
        gave_up = {host: why for host, why in self.gave_up.items() if host in self.asked}
        reached = frozenset(host for host, urls in self.got.items() if urls) - set(gave_up)
        fetches = CrawlFetches(gave_up=gave_up, reached=reached, waiting=waiting)
        if not (fetches.gave_up or fetches.reached or self.resting):
            return
        with self.sessions.begin() as session:
            record_crawl(session, fetches, utcnow())


def _reason(exception: BaseException) -> str:
    """A short reason: Twisted wraps connection errors in a list of Failures, Scrapy wraps those again."""
    for error in (exception, exception.__cause__, exception.__context__):
        reasons = getattr(error, "reasons", None)
        if reasons:
            return reasons[0].getErrorMessage() if hasattr(reasons[0], "getErrorMessage") else str(reasons[0])
    return str(exception) or type(exception).__name__
