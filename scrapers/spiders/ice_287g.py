"""ICE's 287(g) page → its workbook links → the workbooks (→ their MOA PDFs).

No parsing of rows here: the spider finds links, fetches bytes and says what it got.
A body that is not a real workbook is a failed fetch, never an empty list.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.spidermiddlewares.httperror import HttpError

from parsers.ice_workbook import WorkbookError, clean_text, parse_workbook
from parsers.urls import allowed_host
from scrapers.fetch_breaker import host_of
from scrapers.items import MoaDocument, PageDocument, WorkbookDocument
from scrapers.store import crawl_sessions
from storage.archive import last_good_fetch, read_raw, unfetched_links
from storage.models import Document, iso_z, utcnow
from vocabulary import PARTICIPATING, PENDING

WORKBOOK_LINK = re.compile(r"(\.xlsx?(\?|$)|/file-download/download/public/\d+)", re.I)
OFFICIAL_HOSTS = ("ice.gov", "dhs.gov")


def link_kind(text: str, filename: str) -> str | None:
    """Participating or pending, from what the page says and what the file is called."""
    for source in (filename.lower(), text.lower()):
        if "pending" in source:
            return PENDING
        if "participat" in source or "agreement" in source:
            return PARTICIPATING
    return None


def filename_from(response: Response) -> str:
    """The name ICE gave the file: Content-Disposition when present, else the URL's last segment.

    Control characters (`%00` decodes to a NUL, which PostgreSQL refuses) are dropped.
    """
    disposition = response.headers.get(b"Content-Disposition", b"").decode("latin-1")
    match = re.search(r"filename\*=(?:UTF-8'')?([^;]+)", disposition, re.I)
    if match:
        return clean_text(unquote(match.group(1).strip().strip('"')))
    match = re.search(r'filename="?([^";]+)"?', disposition, re.I)
    if match:
        return clean_text(match.group(1))
    return clean_text(unquote(urlsplit(response.url).path.rsplit("/", 1)[-1]))


def workbook_problem(body: bytes, content_type: str) -> str | None:
    """Why these bytes cannot be a workbook, or None. Cheap: no rows are read."""
    if not body:
        return "empty body"
    if not body.startswith(b"PK\x03\x04"):
        looks = "an HTML page" if b"<html" in body[:2048].lower() or b"<!doctype" in body[:2048].lower() else (
            f"{content_type or 'unknown content'}")
        return f"served {looks} instead of a workbook"
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                return "a zip file without a workbook inside"
    except zipfile.BadZipFile as exc:
        return f"a truncated or damaged workbook ({exc})"
    return None


def official(url: str, extra_hosts: tuple[str, ...] = ()) -> bool:
    """A web address on ICE/DHS (or the page's own host), judged on the URL as it will be requested."""
    return allowed_host(url, (*OFFICIAL_HOSTS, *extra_hosts))


def _headers(response: Response) -> dict[str, str]:
    return {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()}


class Ice287gSpider(scrapy.Spider):
    name = "ice_287g"

    def __init__(self, url: str | None = None, fetch_moas: str | bool | None = None, **kwargs):
        super().__init__(**kwargs)
        self.page_url = url
        self.fetch_moas = fetch_moas
        self.failures: list[str] = []
        self.lists: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        tracker = crawler.settings.get("TRACKER_SETTINGS")
        if spider.page_url is None:
            spider.page_url = tracker.ice_287g_url
        if spider.fetch_moas is None:
            spider.fetch_moas = tracker.fetch_moas
        elif isinstance(spider.fetch_moas, str):
            spider.fetch_moas = spider.fetch_moas.strip().lower() in ("1", "true", "yes", "on")
        return spider

    async def start(self):
        yield self._page_request(conditional=True)

    def _page_request(self, conditional: bool) -> scrapy.Request:
        return scrapy.Request(self.page_url, callback=self.parse, errback=self._failed, dont_filter=True,
                              meta={"tracker_role": "page", "conditional": conditional,
                                    "handle_httpstatus_list": [304] if conditional else []})

    def parse(self, response: Response):
        if response.status == 304:
            stored = self._stored_page(response.url)
            if stored is None:  # the archived copy is gone: ask for the page itself
                yield self._page_request(conditional=False)
                return
            response = stored
        elif b"ETag" in response.headers or b"Last-Modified" in response.headers:
            # Kept only when it can be asked for conditionally next time; identical pages are stored once.
            yield PageDocument(url=self.page_url, body=response.body, status=response.status,
                               headers=_headers(response), fetched_at=iso_z(utcnow()))
        links = list(self._parse_links(response))
        self.crawler.stats.set_value("tracker/workbook_links", len(links))
        if not links:
            self._fail(f"no workbook links on {response.url}")
            return
        for url, text in links:
            yield response.follow(
                url, callback=self.parse_workbook, errback=self._failed,
                meta={"link_text": text, "page_url": response.url, "conditional": True,
                      "handle_httpstatus_list": [304], "tracker_role": "workbook"},
            )

    def _stored_page(self, url: str) -> HtmlResponse | None:
        """The page as last archived: an unchanged page (304) still links the same workbooks."""
        tracker = self.crawler.settings.get("TRACKER_SETTINGS")
        with crawl_sessions(tracker.database_url)() as session:
            fetch = last_good_fetch(session, self.page_url)
            document = session.get(Document, fetch.document_id) if fetch is not None else None
            try:
                body = read_raw(tracker.archive_dir, document) if document is not None else None
            except OSError:
                body = None
        if body is None:
            return None
        self.crawler.stats.inc_value("tracker/page_not_modified")
        return HtmlResponse(url=url, body=body)

    def _parse_links(self, response: Response):
        seen: set[str] = set()
        for anchor in response.css("a[href]"):
            href = anchor.attrib["href"].strip()
            if not WORKBOOK_LINK.search(href):
                continue
            url = response.urljoin(href)
            if url in seen:
                continue
            seen.add(url)
            text = " ".join(anchor.css("::text").getall()).strip() or anchor.attrib.get("title", "")
            yield url, text

    def parse_workbook(self, response: Response):
        filename = filename_from(response)
        text = response.meta.get("link_text", "")
        kind = link_kind(text, filename)
        headers = _headers(response)
        if kind is not None:
            self.lists.add(kind)
            self.crawler.stats.set_value("tracker/lists", sorted(self.lists))
        document = WorkbookDocument(
            url=response.url, kind=kind or "unknown", status=response.status, headers=headers,
            filename=filename, link_text=text, page_url=response.meta.get("page_url", ""),
            fetched_at=iso_z(utcnow()),
        )
        if response.status == 304 and kind is not None:
            document.not_modified = True
            yield document
            if self.fetch_moas and kind == PARTICIPATING:
                yield from self._document_requests(self._waiting_links())
            return
        document.body = response.body
        if kind is None:
            # Another spreadsheet on the page (a new list, a form): noted, not guessed at.
            self.crawler.stats.inc_value("tracker/unknown_workbooks")
            self.logger.warning("ignoring %s (%r): neither the participating nor the pending list", filename, text)
            return
        problem = workbook_problem(response.body, headers.get("Content-Type", ""))
        if problem:
            document.error = f"{response.url}: {problem}"
            self._fail(document.error)
            yield document
            return
        yield document
        if self.fetch_moas and kind == PARTICIPATING:
            yield from self._moa_requests(response.body, filename)

    def _moa_requests(self, body: bytes, filename: str):
        try:
            records = parse_workbook(body, PARTICIPATING, filename).records
        except WorkbookError:
            return
        yield from self._document_requests(
            (url, kind) for record in records
            for url, kind in ((record.moa_url, "moa"), (record.addendum_url, "addendum")))

    def _waiting_links(self) -> list[tuple[str, str]]:
        """Links of the stored list that no crawl has brought in yet: retried while the list is unchanged."""
        tracker = self.crawler.settings.get("TRACKER_SETTINGS")
        with crawl_sessions(tracker.database_url)() as session:
            return unfetched_links(session)

    def _document_requests(self, links):
        page_host = (urlsplit(self.page_url).hostname or "",)
        for url, kind in links:
            if not url:
                continue
            try:
                request = scrapy.Request(url, callback=self.parse_moa, errback=self._moa_failed,
                                         meta={"moa_kind": kind, "conditional": True, "once": True,
                                               "handle_httpstatus_list": [304], "tracker_role": "moa",
                                               "allowed_hosts": (*OFFICIAL_HOSTS, *page_host),
                                               "download_slot": f"moa:{host_of(url)}"})
            except ValueError:
                request = None
            # Scrapy normalises the URL (a backslash becomes `/`): the host checked is the one requested.
            if request is None or not official(url, page_host) or not official(request.url, page_host):
                self.crawler.stats.inc_value("tracker/moa_skipped_host")
                self.logger.info("not following %s link outside ICE/DHS: %s", kind, url)
                continue
            yield request

    def parse_moa(self, response: Response):
        yield MoaDocument(
            url=response.url, kind=response.meta["moa_kind"], body=b"" if response.status == 304 else response.body,
            status=response.status, headers=_headers(response), not_modified=response.status == 304,
            fetched_at=iso_z(utcnow()),
        )

    def _fail(self, message: str) -> None:
        self.failures.append(message)
        self.crawler.stats.set_value("tracker/failures", list(self.failures))
        self.logger.error(message)

    def _failed(self, failure) -> None:
        request = failure.request
        self._fail(f"{request.url}: {failure.getErrorMessage() or failure.type.__name__}")

    def _moa_failed(self, failure) -> Iterator[MoaDocument]:
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            return  # not asked (fetched lately, or its host is backing off): counted where it was decided
        self.crawler.stats.inc_value("tracker/moa_failed")
        self.logger.warning("MOA not fetched: %s (%s)", failure.request.url, failure.getErrorMessage())
        response = getattr(failure.value, "response", None)
        yield MoaDocument(url=failure.request.url, kind=failure.request.meta["moa_kind"],
                          status=response.status if response is not None else 0, failed=True,
                          fetched_at=iso_z(utcnow()))
