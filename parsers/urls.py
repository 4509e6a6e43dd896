"""Which addresses the tracker treats as web links: to show to readers and to fetch.

ICE's sheets are typed by hand and could carry anything in a hyperlink. A link that is
not plain http(s), or whose host a browser and Scrapy could read differently
(`https://www.ice.gov\\@other.example/`, `user@host`), is never shown as a link or fetched.
"""

from __future__ import annotations

from urllib.parse import urlsplit

WEB_SCHEMES = ("http", "https")


def web_url(url: str) -> bool:
    """An absolute http(s) address with a host, no credentials and nothing that blurs the host."""
    if not url or any(c.isspace() or ord(c) < 32 or c == "\\" for c in url):
        return False
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    if "@" in parts.netloc:
        return False
    return parts.scheme.lower() in WEB_SCHEMES and bool(host)


def allowed_host(url: str, hosts: tuple[str, ...]) -> bool:
    """A plain web address (no credentials, no backslash) on one of `hosts` or a subdomain of one."""
    if not web_url(url):
        return False
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return any(host == h or host.endswith("." + h) for h in hosts if h)
