"""The base every local-government spider shares: targets, items, matching, documents and statistics.

A hand-written spider only sets its jurisdiction and start_urls and, when the page needs it,
an ``item_selector`` or its own ``_parse_items``; everything a maintainer should not have to
think about (cutting a page into items, hashing, snippets, reading linked PDFs, counting errors
for the health check) lives here.

One signal per matching item (agenda row, list entry, article, heading with its text), with
the item's own title, date and link: the article when the item links one, otherwise the page,
with the item's packet PDF as ``document_url``. A linked document's items link back to the page
that listed it, with the document as ``document_url``.

Statistics each run leaves for the runner (see ``scrapers.local_health``), each also with
``/<source>`` appended for every jurisdiction the spider covered: ``local/items`` items
examined (page items, feed entries, matters, events), ``local/signals`` signals yielded,
``local/errors`` failures of the source's own pages and feeds, ``local/documents`` and
``local/document_errors`` linked documents (PDFs, articles, attachments) read and not read.
A broken packet link is a warning naming its URL, not a failing source. ``local/unreachable``
lists each watched page that could not be fetched, as ``URL: reason``, for the person running it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import scrapy
import tldextract
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from parsers.agenda import PageItem, html_items, is_document, text_items
from parsers.places import county_from_name, split_jurisdiction, state_of
from parsers.signals import find_signals, normalize, strongest
from scrapers import jurisdictions
from scrapers.items import LocalSignal
from scrapers.jurisdictions import Jurisdiction
from scrapers.moa_worker import parse_moa_safely

logger = logging.getLogger(__name__)

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024  # an agenda packet; bigger ones are skipped with a warning
UNREACHABLE = "local/unreachable"  # stats: the watched pages that could not be fetched, with the reason
DOCUMENT_TIMEOUT = 90  # seconds to read one PDF's text in the worker
DOCUMENT_MEMORY_MB = 1024
PLACEHOLDER = "TODO"
_DOMAINS = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@dataclass(frozen=True)
class Target:
    """Who a request is for, carried in cb_kwargs so one crawl can cover many jurisdictions."""

    jurisdiction: str
    state: str
    county: str = ""

    @classmethod
    def from_row(cls, row: Jurisdiction) -> Target:
        return cls(jurisdiction=row.name, state=row.state, county=row.county)

    @classmethod
    def parse(cls, text: str, county: str = "") -> Target:
        """'Marion County, FL' names the place and, after the comma, its state."""
        name, state = split_jurisdiction(text)
        return cls(jurisdiction=name, state=state, county=county or county_from_name(name) or "")


@dataclass(frozen=True)
class Place:
    """One address a platform spider watches, whom it is for, and its registry row when it has one."""

    address: str
    target: Target
    row: Jurisdiction | None = None


def places_to_watch(platform: str, address: str | None, jurisdiction: str | None, flag: str = "url") -> list[Place]:
    """The place named by `-a url=` (or `-a client=`) with `-a jurisdiction=`, or every registry row of the
    platform; a place the registry knows keeps its row's county, selectors and spelling."""
    if not address:
        return [Place(row.url_or_client, Target.from_row(row), row) for row in jurisdictions.for_platform(platform)]
    if not jurisdiction:
        raise ValueError(f'{platform} needs -a jurisdiction="Name, ST" with -a {flag}')
    row = jurisdictions.find(jurisdiction)
    return [Place(address, Target.from_row(row) if row else Target.parse(jurisdiction), row)]


@dataclass(frozen=True)
class Listing:
    """The page a document was linked from: where its signals point and what dates them."""

    url: str
    title: str = ""
    date: str | None = None
    split: bool = True  # an agenda packet holds many items; an attachment is one


def sha256(data: bytes | str) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


def site_of(url: str) -> str:
    """The registered domain, so agendas.county.gov and www.county.gov count as one site."""
    parts = _DOMAINS(url)
    return parts.top_domain_under_public_suffix or parts.domain or urlsplit(url).netloc


def is_pdf(response: Response) -> bool:
    content_type = response.headers.get(b"Content-Type", b"").lower()
    return b"pdf" in content_type or response.body[:5] == b"%PDF-"


async def document_text(body: bytes) -> tuple[str, str | None]:
    """A PDF's text through the MOA worker (a child process with time and memory limits), off the
    crawl's event loop; scanned pages give nothing here, OCR is kept for MOAs."""
    result = await asyncio.to_thread(
        parse_moa_safely, body, timeout=DOCUMENT_TIMEOUT, memory_mb=DOCUMENT_MEMORY_MB, ocr=False
    )
    return result.get("text") or "", result.get("error")


class LocalSpider(scrapy.Spider):
    """Base for spiders that watch one jurisdiction's pages (or, in subclasses, many)."""

    jurisdiction: str = ""
    state: str = ""
    county: str = ""
    start_urls: list[str] = []
    keywords: tuple[str, ...] = ()
    item_selector: str | None = None
    date_selector: str | None = None
    follow_documents: bool = True

    def __init__(self, *args: Any, keywords: str | Iterable[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if isinstance(keywords, str):
            keywords = [k for k in keywords.split(",") if k.strip()]
        self.keywords = tuple(keywords or self.keywords)
        unfilled = [
            name for name in ("jurisdiction", "state", "county", "item_selector")
            if PLACEHOLDER in str(getattr(self, name) or "")
        ]
        if unfilled:
            raise ValueError(
                f"spider {self.name!r} still has placeholders in {', '.join(unfilled)}: "
                f"fill them in scrapers/spiders/local/{self.name}.py before it runs"
            )
        if self.start_urls and self.state and state_of(self.state) is None:
            raise ValueError(f"spider {self.name!r}: state {self.state!r} is not a USPS state code")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> LocalSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._on_spider_error, signal=signals.spider_error)
        return spider

    @property
    def target(self) -> Target:
        if not self.state and ", " in self.jurisdiction:
            return Target.parse(self.jurisdiction, self.county)
        return Target(self.jurisdiction, self.state, self.county or county_from_name(self.jurisdiction) or "")

    async def start(self) -> AsyncIterator[Any]:
        for url in self.start_urls:
            yield self._request(url, self.parse, self.target)

    def _request(self, url: str, callback: Any, target: Target, **kwargs: Any) -> scrapy.Request:
        cb_kwargs = {"target": target, **kwargs.pop("cb_kwargs", {})}
        return scrapy.Request(url, callback=callback, errback=self._on_error, cb_kwargs=cb_kwargs, **kwargs)

    def _document_request(self, url: str, target: Target, listing: Listing, **cb_kwargs: Any) -> scrapy.Request:
        """A linked document: size-limited, and a failure is a warning about it, not about the source."""
        return scrapy.Request(
            url,
            callback=self.parse_document,
            errback=self._on_document_error,
            cb_kwargs={"target": target, "listing": listing, **cb_kwargs},
            meta={"download_maxsize": MAX_DOCUMENT_BYTES},
        )

    def parse(
        self, response: Response, target: Target | None = None, **kwargs: Any
    ) -> Iterator[Any] | AsyncIterator[Any]:
        """A watched page's items and documents; a watched address that serves a PDF is read as one."""
        target = target or self.target
        if is_pdf(response):
            return self.parse_document(response, target, Listing(response.url, kwargs.get("title", "")))
        return self._parse_items(response, target)

    def _parse_items(self, response: Response, target: Target) -> Iterator[Any]:
        """Hook for hand-written spiders: by default the page's items, then its linked documents."""
        yield from self._read_page(response, target, self.item_selector, self.date_selector, self.follow_documents)

    def _read_page(
        self,
        response: Response,
        target: Target,
        selector: str | None = None,
        date_selector: str | None = None,
        follow_documents: bool = True,
    ) -> Iterator[Any]:
        """One signal per matching item of the page (see ``parsers.agenda``), then its documents."""
        if not isinstance(response, TextResponse):
            return
        items = html_items(response.selector, response.url, selector, date_selector)
        self._count("items", target, len(items))
        for item in items:
            yield from self._signals_in_item(item, target, url=item.link or response.url, source="page")
        if follow_documents:
            # Selected items need not hold the packet links: the page's own structure dates them then.
            listed = html_items(response.selector, response.url) if selector else items
            yield from self._follow_documents(response, target, listed)

    def _signals_in_item(
        self, item: PageItem, target: Target, *, url: str, source: str, document_url: str | None = None
    ) -> Iterator[LocalSignal]:
        documents = [d for d, _ in item.documents]
        yield from self._signals_in_block(
            item.text,
            target,
            url=url,
            title=item.title,
            source=source,
            date=item.date,
            document_url=document_url or (documents[0] if documents else None),
        )

    def _follow_documents(
        self, response: TextResponse, target: Target, items: list[PageItem]
    ) -> Iterator[scrapy.Request]:
        """Agenda packets and attachments on the same site, each read for its own items and dated by
        the item that links it."""
        dates = {url: item.date for item in items for url, _ in item.documents}
        for url, text in document_links(response):
            yield self._document_request(url, target, Listing(response.url, text, dates.get(url)))

    async def parse_document(
        self, response: Response, target: Target, listing: Listing, **kwargs: Any
    ) -> AsyncIterator[Any]:
        """A linked PDF (or HTML attachment): one signal per matching item, linked from its listing."""
        self._count("documents", target)
        if is_pdf(response):
            text, problem = await document_text(response.body)
            if problem:
                logger.warning("Unreadable document %s (linked from %s): %s", response.url, listing.url, problem)
                self._count("document_errors", target)
                return
            items = text_items(text) if listing.split else [PageItem("", text)]
        elif isinstance(response, TextResponse):
            items = html_items(response.selector, response.url) if listing.split else [
                PageItem("", " ".join(response.xpath("//body//text()[not(ancestor::script)]").getall()))
            ]
        else:
            return
        name = listing.title or response.url.rsplit("/", 1)[-1]
        for item in items:
            if len(items) == 1 or not item.title:
                item = replace(item, title=name)
            item = replace(item, date=item.date or listing.date)
            for signal in self._signals_in_item(item, target, url=listing.url, source="pdf", document_url=response.url):
                yield signal

    def _signals_in_block(
        self,
        text: str,
        target: Target,
        *,
        url: str,
        title: str,
        source: str,
        date: str | None = None,
        document_url: str | None = None,
    ) -> Iterator[LocalSignal]:
        """One item (press release, agenda row, matter) gives at most one signal.

        It is hashed on its title, date and the words around the mention, not on the whole text, so a
        page whose sidebar or view counter changes does not raise the same item again."""
        matches = find_signals(text, self.keywords)
        if not matches:
            return
        first = strongest(matches)
        self._count("signals", target)
        yield LocalSignal(
            jurisdiction=target.jurisdiction,
            state=target.state,
            url=url,
            title=normalize(title),
            snippet=first.snippet,
            matched=first.matched,
            county=target.county,
            date=date,
            source=source,
            content_sha256=sha256(f"{normalize(title)}\n{date or ''}\n{first.snippet}"),
            spider=self.name,
            document_url=document_url if document_url != url else None,
        )

    def _count(self, what: str, target: Target, by: int = 1) -> None:
        stats = self.crawler.stats if hasattr(self, "crawler") else None
        if stats is None:
            return
        stats.inc_value(f"local/{what}", by)
        stats.inc_value(f"local/{what}/{target.jurisdiction}", by)

    def _on_error(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        target = request.cb_kwargs.get("target") if request is not None else None
        where = request.url if request is not None else "(unknown URL)"
        reason = failure.getErrorMessage()
        if failure.check(HttpError):
            reason = f"the site answered HTTP {failure.value.response.status}"
        logger.warning("Request failed: %s: %s", where, reason)
        self._count("errors", target or self.target)
        if hasattr(self, "crawler"):
            unreachable = self.crawler.stats.get_value(UNREACHABLE) or []
            self.crawler.stats.set_value(UNREACHABLE, [*unreachable, f"{where}: {reason}"])

    def _on_document_error(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        if request is None:
            logger.warning("Linked document failed: %s", failure.getErrorMessage())
            return
        listing = request.cb_kwargs.get("listing")
        logger.warning(
            "Linked document not read: %s (linked from %s): %s",
            request.url,
            listing.url if listing else "?",
            failure.getErrorMessage(),
        )
        self._count("document_errors", request.cb_kwargs.get("target") or self.target)

    def _on_spider_error(self, failure: Failure, response: Response, spider: scrapy.Spider) -> None:
        if spider is not self:
            return
        request = response.request
        target = request.cb_kwargs.get("target") if request is not None else None
        logger.warning("Could not read %s: %s", response.url, failure.getErrorMessage())
        if request is not None and request.callback == self.parse_document:
            self._count("document_errors", target or self.target)
        else:
            self._count("errors", target or self.target)


def document_links(response: TextResponse) -> list[tuple[str, str]]:
    """(absolute URL, link text) of every linked PDF-like document on the page's own site."""
    home = site_of(response.url)
    found: dict[str, str] = {}
    for link in response.css("a[href]"):
        url = response.urljoin(link.attrib["href"]).split("#", 1)[0]
        if urlsplit(url).scheme not in {"http", "https"} or not is_document(url):
            continue
        if site_of(url) != home:
            continue
        found.setdefault(url, " ".join(t.strip() for t in link.css("::text").getall() if t.strip()))
    return list(found.items())
