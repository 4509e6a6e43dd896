"""The base every local-government spider shares: targets, matching, PDFs and run statistics.

A hand-written spider only sets its jurisdiction and start_urls and, when the page needs it,
overrides ``_parse_items``; everything a maintainer should not have to think about (hashing,
snippets, PDF text, error counting for the health check) lives here.

Statistics each run leaves for the runner (see ``scrapers.local_health``):
``local/items`` records examined (pages, feed entries, matters, events, PDFs),
``local/signals`` signals yielded, ``local/errors`` failed requests and callbacks, and the same
three keys with ``/<source>`` appended for every jurisdiction the spider covered.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pdfplumber
import scrapy
import tldextract
from parsel import Selector, SelectorList
from pdfminer.pdfparser import PDFSyntaxError
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from scrapers.items import LocalSignal
from scrapers.jurisdictions import Jurisdiction, split_jurisdiction
from scrapers.parsers.signals import find_signals, group_nearby, guess_date, normalize, strongest

logger = logging.getLogger(__name__)

MAX_PDF_PAGES = 400
_DOCUMENT_LINK = re.compile(r"\.pdf$|/viewfile/|/documentcenter/view/|view\.ashx", re.IGNORECASE)
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
        if not county and name.endswith((" County", " Parish")):
            county = name
        return cls(jurisdiction=name, state=state, county=county)


def sha256(data: bytes | str) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


def site_of(url: str) -> str:
    """The registered domain, so agendas.county.gov and www.county.gov count as one site."""
    parts = _DOMAINS(url)
    return parts.top_domain_under_public_suffix or parts.domain


def is_pdf(response: Response) -> bool:
    content_type = response.headers.get(b"Content-Type", b"").lower()
    return b"pdf" in content_type or response.body[:5] == b"%PDF-"


def pdf_text(body: bytes, max_pages: int = MAX_PDF_PAGES) -> str:
    """All extractable text; scanned pages give nothing, which is why OCR is not attempted here."""
    with pdfplumber.open(io.BytesIO(body)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages[:max_pages])


class LocalSpider(scrapy.Spider):
    """Base for spiders that watch one jurisdiction's pages (or, in subclasses, many)."""

    jurisdiction: str = ""
    state: str = ""
    county: str = ""
    start_urls: list[str] = []
    keywords: tuple[str, ...] = ()

    def __init__(self, *args: Any, keywords: str | Iterable[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if isinstance(keywords, str):
            keywords = [k for k in keywords.split(",") if k.strip()]
        self.keywords = tuple(keywords or self.keywords)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> LocalSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._on_spider_error, signal=signals.spider_error)
        return spider

    @property
    def target(self) -> Target:
        if not self.state and ", " in self.jurisdiction:
            return Target.parse(self.jurisdiction, self.county)
        return Target(self.jurisdiction, self.state, self.county)

    async def start(self) -> AsyncIterator[Any]:
        for url in self.start_urls:
            yield self._request(url, self.parse, self.target)

    def _request(self, url: str, callback: Any, target: Target, **kwargs: Any) -> scrapy.Request:
        cb_kwargs = {"target": target, **kwargs.pop("cb_kwargs", {})}
        return scrapy.Request(url, callback=callback, errback=self._on_error, cb_kwargs=cb_kwargs, **kwargs)

    def parse(self, response: Response, target: Target | None = None, **kwargs: Any) -> Iterator[Any]:
        target = target or self.target
        self._count("items", target)
        if is_pdf(response):
            yield from self._signals_in_pdf(response, target, title=kwargs.get("title", ""))
            return
        yield from self._parse_items(response, target)

    def _parse_items(self, response: Response, target: Target) -> Iterator[Any]:
        """Hook for hand-written spiders; by default the whole page is searched as one document."""
        yield from self._signals_in_page(response, target)

    def _signals_in_page(self, response: Response, target: Target) -> Iterator[LocalSignal]:
        if not isinstance(response, TextResponse):
            return
        title = normalize(" ".join(response.css("title ::text, h1 ::text").getall()[:1]))
        text = page_text(response)
        for group in group_nearby(find_signals(text, self.keywords)):
            first = strongest(group)
            yield self._signal(
                target,
                url=response.url,
                title=title,
                match=first.matched,
                snippet=first.snippet,
                date=guess_date(first.snippet),
                source="page",
                content=first.snippet,
            )

    def _signals_in_blocks(self, response: Response, target: Target, selector: str) -> Iterator[LocalSignal]:
        """Each element the selector (CSS, or XPath when it starts with "/" or "(") picks is one item."""
        if not isinstance(response, TextResponse):
            return
        blocks = response.xpath(selector) if is_xpath(selector) else response.css(selector)
        for block in blocks:
            link = block.css("a::attr(href)").get()
            yield from self._signals_in_block(
                page_text(block),
                target,
                url=response.urljoin(link) if link else response.url,
                title=block_title(block),
                source="page",
            )

    def _follow_documents(self, response: Response, target: Target) -> Iterator[scrapy.Request]:
        """Agenda packets and attachments on the same site; their link text becomes the title."""
        if not isinstance(response, TextResponse):
            return
        for url, text in document_links(response):
            yield self._request(url, self.parse, target, cb_kwargs={"title": text})

    def _signals_in_block(
        self, text: str, target: Target, *, url: str, title: str, source: str, date: str | None = None
    ) -> Iterator[LocalSignal]:
        """One item (press release, agenda row, matter) gives at most one signal, hashed on its text."""
        matches = find_signals(text, self.keywords)
        if not matches:
            return
        first = strongest(matches)
        yield self._signal(
            target,
            url=url,
            title=normalize(title),
            match=first.matched,
            snippet=first.snippet,
            date=date or guess_date(text),
            source=source,
            content=normalize(text),
        )

    def _signals_in_pdf(self, response: Response, target: Target, title: str = "") -> Iterator[LocalSignal]:
        try:
            text = pdf_text(response.body)
        except (PDFSyntaxError, ValueError, KeyError, TypeError) as exc:
            logger.warning("Unreadable PDF %s: %s", response.url, exc)
            self._count("errors", target)
            return
        matches = find_signals(text, self.keywords)
        if not matches:
            return
        first = strongest(matches)
        name = title or response.url.rsplit("/", 1)[-1]
        yield self._signal(
            target,
            url=response.url,
            title=normalize(name),
            match=first.matched,
            snippet=first.snippet,
            date=guess_date(first.snippet) or guess_date(text[:2000]),
            source="pdf",
            content=response.body,
        )

    def _signal(
        self,
        target: Target,
        *,
        url: str,
        title: str,
        match: str,
        snippet: str,
        date: str | None,
        source: str,
        content: bytes | str,
    ) -> LocalSignal:
        self._count("signals", target)
        return LocalSignal(
            jurisdiction=target.jurisdiction,
            state=target.state,
            url=url,
            title=title,
            snippet=snippet,
            matched=match,
            county=target.county,
            date=date,
            source=source,
            content_sha256=sha256(content),
            spider=self.name,
        )

    def _count(self, what: str, target: Target) -> None:
        stats = self.crawler.stats if hasattr(self, "crawler") else None
        if stats is None:
            return
        stats.inc_value(f"local/{what}")
        stats.inc_value(f"local/{what}/{target.jurisdiction}")

    def _on_error(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        target = request.cb_kwargs.get("target") if request is not None else None
        logger.warning("Request failed: %s", failure.getErrorMessage())
        self._count("errors", target or self.target)

    def _on_spider_error(self, failure: Failure, response: Response, spider: scrapy.Spider) -> None:
        if spider is not self:
            return
        target = response.request.cb_kwargs.get("target") if response.request is not None else None
        self._count("errors", target or self.target)


def is_xpath(selector: str) -> bool:
    return selector.startswith(("/", "(", "./"))


def document_links(response: TextResponse) -> list[tuple[str, str]]:
    """(absolute URL, link text) of every linked PDF-like document on the page's own site."""
    home = site_of(response.url)
    found: dict[str, str] = {}
    for link in response.css("a[href]"):
        url = response.urljoin(link.attrib["href"])
        if urlsplit(url).scheme not in {"http", "https"} or not _DOCUMENT_LINK.search(urlsplit(url).path):
            continue
        if site_of(url) != home:
            continue
        found.setdefault(url, " ".join(t.strip() for t in link.css("::text").getall() if t.strip()))
    return list(found.items())


def block_title(block: Selector) -> str:
    for query in ("h1 ::text, h2 ::text, h3 ::text, h4 ::text", "a ::text", "strong ::text"):
        text = " ".join(t.strip() for t in block.css(query).getall() if t.strip())
        if text:
            return text
    return ""


def page_text(node: TextResponse | Selector | SelectorList[Selector]) -> str:
    """Visible text with block breaks kept, so a mention is never glued to a neighbouring item."""
    if isinstance(node, TextResponse):
        node = node.xpath("//body") or node.xpath("/*")
    pieces = node.xpath(
        ".//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::noscript)]"
    ).getall()
    return " \n".join(p.strip() for p in pieces if p.strip())
