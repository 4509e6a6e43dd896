"""Which hosts documents may come from, and conditional requests.

A document request carries the hosts it may be fetched from; every request, redirects
included, is checked against them before it leaves (`AllowedHostsMiddleware`). A news
article may be on any public host (`public_hosts`): never on this machine or a private network.

Conditional requests: an unchanged publication should cost a 304, not a download.

Validators (ETag, Last-Modified) come from the store's record of earlier fetches of the
same URL. MOA links marked `once` are not asked for again while their last good fetch is
recent: hundreds of PDFs need not be revalidated every hour.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from sqlalchemy.orm import Session, sessionmaker

from parsers.urls import allowed_host, public_web_url
from scrapers.store import crawl_sessions
from storage.archive import last_good_fetch
from storage.models import utcnow

MOA_RECHECK = dt.timedelta(days=7)


class AllowedHostsMiddleware:
    """Refuses a request whose URL is off its allowed hosts, including each redirect it is sent to.

    A MOA link on ice.gov that redirects elsewhere must not make the tracker fetch an
    internal or unrelated address; Scrapy follows redirects by sending a new request, and
    that request passes through here like any other.
    """

    def __init__(self, stats) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_request(self, request, spider=None):
        hosts = request.meta.get("allowed_hosts")
        if request.meta.get("public_hosts"):
            if public_web_url(request.url, tuple(hosts or ())):
                return None
            where = "not a public web address"
        elif hosts is None or allowed_host(request.url, tuple(hosts)):
            return None
        else:
            where = f"outside {', '.join(hosts)}"
        self.stats.inc_value("tracker/refused_host")
        via = request.meta.get("redirect_urls") or []
        origin = f" (redirected from {via[0]})" if via else ""
        raise IgnoreRequest(f"not fetching {request.url}{origin}: {where}")


class ConditionalGetMiddleware:
    def __init__(self, sessions: sessionmaker[Session], stats) -> None:
        self.sessions = sessions
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        tracker = crawler.settings.get("TRACKER_SETTINGS")
        if tracker is None or not crawler.settings.getbool("TRACKER_CONDITIONAL_GET", True):
            raise NotConfigured("no tracker settings")
        return cls(crawl_sessions(tracker.database_url), crawler.stats)

    def process_request(self, request, spider=None):
        if not request.meta.get("conditional"):
            return None
        with self.sessions() as session:
            fetch = last_good_fetch(session, request.url)
        if fetch is None:
            return None
        if request.meta.get("once") and utcnow() - fetch.fetched_at < MOA_RECHECK:
            self.stats.inc_value("tracker/skipped_recent")
            raise IgnoreRequest(f"fetched recently: {request.url}")
        if fetch.etag:
            request.headers.setdefault(b"If-None-Match", fetch.etag.encode("latin-1"))
        if fetch.last_modified:
            request.headers.setdefault(b"If-Modified-Since", fetch.last_modified.encode("latin-1"))
        return None


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, spaced out: 2, 4, 8… seconds (or the server's Retry-After), at most a minute.

    A struggling government site gets room to recover instead of three requests in a row.
    """

    base_delay = 2.0
    max_delay = 60.0

    async def process_response(self, request, response):
        retry = super().process_response(request, response)
        if isinstance(retry, Request):
            await asyncio.sleep(self._delay(request, response.headers.get(b"Retry-After")))
        return retry

    async def process_exception(self, request, exception):
        retry = super().process_exception(request, exception)
        if isinstance(retry, Request):
            await asyncio.sleep(self._delay(request, None))
        return retry

    def _delay(self, request, retry_after: bytes | None) -> float:
        if retry_after and retry_after.strip().isdigit():
            return min(float(retry_after), self.max_delay)
        attempt = request.meta.get("retry_times", 0)
        return min(self.base_delay * 2**attempt, self.max_delay)
