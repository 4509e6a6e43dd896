"""Split an agenda or news page (HTML, or a PDF's text) into the items a reader sees.

A signal is only useful when it names the item it came from: "7.2 Sheriff's Office – 287(g)
Warrant Service Officer agreement", dated by its meeting, linking the press release rather than
the list. So a page is cut into items before anything is matched, and each item carries its own
title, date, link and linked documents.

Items, in order of preference:

- with a ``selector`` (CSS, or XPath starting with "/", "(" or "./"), each element it picks;
- otherwise the page's own structure: an ``article``, a list entry, a table row, an element whose
  class names an item ("news-item", "catAgendaRow", "views-row"…), a heading with the text that
  follows it, and a paragraph that opens with an agenda number ("3.1", "Item 7", "B.").

An item's date is, first, one in its title or a short line of its own ("May 28, 2025"); then the
date of the meeting it sits under (the last heading or short line with a date before it); then
any date in its text. Pure: bytes or text in, items out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml.html import HtmlElement
from parsel import Selector

from parsers.signals import guess_date, normalize

TITLE_CHARS = 160
SHORT_LINE = 100  # a line this short that holds a date is a dateline or a meeting header

DOCUMENT_LINK = re.compile(r"\.pdf$|/viewfile/|/documentcenter/view/|view\.ashx", re.IGNORECASE)
_AGENDA_NUMBER = re.compile(
    r"^(?:item\s+(?:no\.?\s*)?\d{1,3}[\w.-]*|\d{1,3}(?:\.\d{1,3})+\.?|\d{1,3}[.)]|[A-Z][.)])\s", re.IGNORECASE
)
_ITEM_CLASS = re.compile(r"item|entry|post|news|story|card|release|teaser|result|agendarow|views-row", re.IGNORECASE)
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_BLOCKS = _HEADINGS | frozenset({
    "address", "article", "aside", "blockquote", "body", "dd", "details", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "header", "hr", "li", "main", "nav", "ol", "p", "pre",
    "section", "summary", "table", "tbody", "thead", "tfoot", "tr", "ul", "br",
})
_SKIP = frozenset({"script", "style", "noscript", "template", "head", "title", "svg"})
_SENTENCE_END = re.compile(
    r"(?<=[a-z0-9)\]])(?<!\bNo)(?<!\bno)(?<!\bvs)(?<!\bInc)(?<!\bSt)(?<!\bDr)(?<!\bCo)(?<!\bSec)[.!?](?=\s)"
)


@dataclass(frozen=True)
class PageItem:
    """One agenda item, list entry or article, with what a signal about it should show."""

    title: str
    text: str
    date: str | None = None
    link: str | None = None
    documents: tuple[tuple[str, str], ...] = ()


@dataclass
class _Piece:
    """A run of text inside one block element (a paragraph, a row, a heading)."""

    text: str
    block: HtmlElement
    container: HtmlElement | None
    links: list[tuple[str, str]] = field(default_factory=list)

    @property
    def is_heading(self) -> bool:
        return self.block.tag in _HEADINGS


def is_xpath(selector: str) -> bool:
    return selector.startswith(("/", "(", "./"))


def is_document(url: str) -> bool:
    """Agenda packets and attachments: PDFs and the viewers county sites serve them through."""
    return bool(DOCUMENT_LINK.search(urlsplit(url).path))


def html_items(
    html: str | Selector, url: str, selector: str | None = None, date_selector: str | None = None
) -> list[PageItem]:
    """Every item on the page, in reading order; text outside any item is not lost (it has none)."""
    page = html if isinstance(html, Selector) else Selector(text=html)
    if selector:
        nodes = page.xpath(selector) if is_xpath(selector) else page.css(selector)
        return [item for node in nodes if (item := node_item(node, url, date_selector)) is not None]
    body = page.xpath("//body")
    root = (body[0] if body else page).root
    if not isinstance(root, etree._Element):
        return []
    return list(_segment(list(_pieces(root, url, container=None)), url))


def node_item(node: Selector, url: str, date_selector: str | None = None) -> PageItem | None:
    """One element as one item: titled by its first heading (or its opening words)."""
    pieces = list(_pieces(node.root, url, container=node.root)) if isinstance(node.root, etree._Element) else []
    if not pieces:
        return None
    heading = next((p for p in pieces if p.is_heading), None)
    title_piece = heading or pieces[0]
    date = None
    if date_selector:
        found = node.xpath(date_selector) if is_xpath(date_selector) else node.css(date_selector)
        date = guess_date(" ".join(found.xpath("string()").getall()) if found else "")
    return _item(pieces, title_piece, date, None)


def _segment(pieces: list[_Piece], url: str) -> Iterator[PageItem]:
    context_date: str | None = None
    current: list[_Piece] = []
    current_context: str | None = None
    for piece in pieces:
        starts = (
            not current
            or piece.is_heading
            or piece.container is not current[-1].container
            or bool(_AGENDA_NUMBER.match(piece.text))
        )
        if starts and current:
            yield _item(current, current[0], None, current_context)
            current = []
        if not current:
            current_context = context_date
        current.append(piece)
        if piece.is_heading or len(piece.text) <= SHORT_LINE:
            context_date = guess_date(piece.text) or context_date
    if current:
        yield _item(current, current[0], None, current_context)


def _item(pieces: list[_Piece], title_piece: _Piece, date: str | None, context_date: str | None) -> PageItem:
    text = "\n".join(p.text for p in pieces)
    title = title_piece.text if title_piece.is_heading else first_sentence(title_piece.text)
    own = guess_date(title) or next(
        (d for p in pieces if len(p.text) <= SHORT_LINE and (d := guess_date(p.text))), None
    )
    link = next((u for u, _ in title_piece.links if not is_document(u)), None)
    documents: dict[str, str] = {}
    for piece in pieces:
        for href, label in piece.links:
            if is_document(href):
                documents.setdefault(href, label)
    return PageItem(
        title=normalize(title),
        text=text,
        date=date or own or context_date or guess_date(text),
        link=link,
        documents=tuple(documents.items()),
    )


def first_sentence(text: str, limit: int = TITLE_CHARS) -> str:
    """An item's opening words as its title: to the first full stop, cut at a word under `limit`."""
    flat = normalize(text)
    number = _AGENDA_NUMBER.match(flat)
    end = _SENTENCE_END.search(flat, number.end() if number else 0)
    if end and end.start() < limit:
        return flat[: end.start() + 1]
    if len(flat) <= limit:
        return flat
    cut = flat.rfind(" ", 0, limit)
    return flat[: cut if cut > 0 else limit] + " …"


def _kind(element: HtmlElement) -> str | None:
    """"article" for a whole item (a release, a card), "row" for a list entry or table row.

    A class such as "news-item" only counts when siblings repeat it: a lone "news-list" wrapper
    is the list, not an item.
    """
    if element.tag == "article":
        return "article"
    if element.tag in {"li", "tr", "dd"}:
        return "row"
    classes = element.get("class") or ""
    if not _ITEM_CLASS.search(classes):
        return None
    parent = element.getparent()
    twins = 0 if parent is None else sum(1 for e in parent if e.tag == element.tag and e.get("class") == classes)
    return "article" if twins > 1 else None


def _pieces(root: HtmlElement, url: str, container: HtmlElement | None) -> Iterator[_Piece]:
    """Text runs in reading order, each tagged with its block and the item container around it.

    A row nested in an article belongs to it (the bullet list inside a press release is part of
    the release); a row nested in a row is a sub-item of its own (agenda item 3.1 under 3).
    """
    words: list[str] = []
    links: list[tuple[str, str]] = []

    def flush(block: HtmlElement) -> Iterator[_Piece]:
        text = normalize(" ".join(words))
        if text:
            yield _Piece(text, block, container, list(links))
        words.clear()
        links.clear()

    def link(element: HtmlElement) -> None:
        href = (element.get("href") or "").strip()
        target = urljoin(url, href).split("#", 1)[0] if href else ""
        if target and urlsplit(target).scheme in {"http", "https", "file"}:
            links.append((target, normalize(element.text_content())))

    def walk(element: HtmlElement) -> Iterator[_Piece]:
        nonlocal container
        for child in element:
            if not isinstance(child.tag, str) or child.tag in _SKIP:
                if child.tail:
                    words.append(child.tail)
                continue
            if child.tag in _BLOCKS:
                yield from flush(element)
                outer = container
                kind = _kind(child)
                if kind and (outer is None or kind == "article" or _kind(outer) == "row"):
                    container = child
                if child.text:
                    words.append(child.text)
                yield from walk(child)
                yield from flush(child)
                container = outer
            else:
                if child.tag == "a":
                    link(child)
                if child.text:
                    words.append(child.text)
                yield from walk(child)
            if child.tail:
                words.append(child.tail)

    if root.text:
        words.append(root.text)
    yield from walk(root)
    yield from flush(root)


_PDF_ITEM = re.compile(
    r"^\s*(?:item\s+(?:no\.?\s*)?\d{1,3}[\w.-]*|\d{1,3}(?:\.\d{1,3})+\.?|\d{1,3}[.)])\s+\S", re.IGNORECASE
)


def text_items(text: str) -> list[PageItem]:
    """A PDF packet's items: a line opening with an agenda number starts one.

    The packet's own date (its cover names the meeting) dates every item that has none.
    """
    cover_date = guess_date(text[:2000])
    items: list[PageItem] = []
    lines: list[str] = []

    def close() -> None:
        body = "\n".join(lines).strip()
        if body:
            own = guess_date(lines[0])
            items.append(PageItem(title=first_sentence(lines[0]), text=body, date=own or cover_date))

    for line in text.splitlines():
        if _PDF_ITEM.match(line) and lines:
            close()
            lines = []
        if line.strip():
            lines.append(line.strip())
    close()
    return items
