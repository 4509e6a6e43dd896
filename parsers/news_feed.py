"""Items of an RSS 2.0 or Atom news feed, as the tracker needs them. Pure: bytes in, records out.

`feedparser` reads both formats and survives the malformed feeds newsrooms publish. The
default feed is Google News' RSS search, whose items look like

    <title>Collier commissioners approve 287(g) deal - Naples Daily News</title>
    <source url="https://www.naplesnews.com">Naples Daily News</source>
    <description>&lt;a href="…"&gt;Collier commissioners …&lt;/a&gt;&amp;nbsp;&lt;font …&gt;Naples Daily News…

so the outlet is read from `<source>` and its " - Outlet" suffix is taken off the headline.
Feeds without `<source>` get their outlet from that suffix when the feed is a news search
(which always appends it), else from the link's host.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

# Hosts whose feeds append " - Outlet" to every headline.
NEWS_SEARCH_HOSTS = ("news.google.", "bing.com", "news.yahoo.")
_SUFFIX = re.compile(r"^(?P<title>.+)\s[-–—|]\s(?P<outlet>(?:(?!\s[-–—|]\s).){2,60})$")
_SPACE = re.compile(r"\s+")


class FeedError(ValueError):
    """The body is not an RSS or Atom feed; the message says what was found instead."""


@dataclass(frozen=True)
class FeedItem:
    """One news report as a feed lists it. `published_at` is aware UTC, or None when the feed omits it."""

    title: str
    link: str
    outlet: str
    published_at: datetime | None
    summary: str
    guid: str


def plain_text(fragment: str) -> str:
    """HTML of a feed's description as the words a reader sees, entities decoded, spaces collapsed."""
    if not fragment or "<" not in fragment and "&" not in fragment:
        return _SPACE.sub(" ", fragment or "").strip()
    from lxml import html

    try:
        text = html.fragment_fromstring(fragment, create_parent="div").text_content()
    except Exception:  # lxml raises several types for broken markup; the raw words are still worth keeping
        text = re.sub(r"<[^>]+>", " ", fragment)
    return _SPACE.sub(" ", text.replace("\xa0", " ")).strip()


def _host(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def _is_news_search(feed_url: str) -> bool:
    host = urlsplit(feed_url).hostname or ""
    return any(marker in host for marker in NEWS_SEARCH_HOSTS)


def _when(entry: dict) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)


def _title_and_outlet(title: str, source: str, link: str, news_search: bool) -> tuple[str, str]:
    title = _SPACE.sub(" ", title).strip()
    found = _SUFFIX.match(title)
    if source:
        if found and found["outlet"].strip().casefold() == source.casefold():
            return found["title"].strip(), source
        return title, source
    if found and news_search:
        return found["title"].strip(), found["outlet"].strip()
    return title, _host(link)


def parse_feed(body: bytes, feed_url: str) -> list[FeedItem]:
    """Every item with a link, in feed order; relative links are resolved against `feed_url`."""
    import feedparser

    parsed = feedparser.parse(body, response_headers={"content-location": feed_url})
    if not parsed.get("version") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        raise FeedError(f"{feed_url} is not an RSS or Atom feed" + (f" ({problem})" if problem else ""))
    news_search = _is_news_search(feed_url)
    items = []
    for entry in parsed.entries:
        link = (entry.get("link") or "").strip()
        if not link:
            continue
        link = urljoin(feed_url, link)
        source = _SPACE.sub(" ", (entry.get("source") or {}).get("title") or "").strip()
        title, outlet = _title_and_outlet(entry.get("title") or "", source, link, news_search)
        items.append(
            FeedItem(
                title=title,
                link=link,
                outlet=outlet,
                published_at=_when(entry),
                summary=plain_text(entry.get("summary") or ""),
                guid=(entry.get("id") or link).strip(),
            )
        )
    return items
