"""What spiders yield. Spiders hand over raw documents; parsing happens in the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class WorkbookDocument:
    """One ICE workbook exactly as served, before any parsing.

    `kind` is "participating" or "pending", decided from the link text and file name.
    `not_modified` is set when the server answered 304: nothing to archive or parse.
    """

    url: str
    kind: str
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    filename: str = ""
    link_text: str = ""
    page_url: str = ""
    fetched_at: str = ""
    not_modified: bool = False
    error: str | None = None


@dataclass
class PageDocument:
    """ICE's page as served: archived, so a 304 next time can be answered from its stored links."""

    url: str
    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    fetched_at: str = ""


@dataclass
class MoaDocument:
    """A Memorandum of Agreement or addendum PDF linked from a workbook row."""

    url: str
    kind: str  # "moa" or "addendum"
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    fetched_at: str = ""
    not_modified: bool = False
    failed: bool = False  # the attempt failed (`status` 0 for no answer): recorded, so it is not retried at once


@dataclass
class LocalSignal:
    """A mention of 287(g) with immigration context on a local government page or document."""

    jurisdiction: str
    state: str
    url: str
    title: str
    snippet: str
    matched: str
    county: str = ""
    date: str | None = None
    source: str = ""
    content_sha256: str = ""
    spider: str = ""
    document_url: str | None = None  # the packet PDF or attachment the item is in, when not `url`


@dataclass
class NewsArticle:
    """One new item of a news feed, with its article page when that could be fetched.

    `problem` says why the article itself was not read (robots.txt, an error, not a web
    page, a host the crawl gave up on): the feed's own title and summary stand in then.
    """

    feed_url: str
    link: str
    guid: str
    title: str
    outlet: str
    summary: str
    published_at: str | None = None  # ISO 8601 UTC (`2025-12-02T07:00:00Z`), None when the feed gives no time
    url: str = ""  # where the article was read, after redirects
    body: bytes = b""
    problem: str | None = None
