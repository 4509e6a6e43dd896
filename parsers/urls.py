"""Which addresses the tracker treats as web links: to show to readers and to fetch.

ICE's sheets are typed by hand and could carry anything in a hyperlink. A link that is
not plain http(s), or whose host a browser and Scrapy could read differently
(`https://www.ice.gov\\@other.example/`, `user@host`), is never shown as a link or fetched.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

WEB_SCHEMES = ("http", "https")
# Hosts a resolver reads as an address although they are not written as one: `2130706433`, `0x7f.1`, `127.1`.
_NUMERIC_HOST = re.compile(r"[0-9a-fx.]+")


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


def public_web_url(url: str, also: tuple[str, ...] = ()) -> bool:
    """A plain web address that is not on this machine or its private network, unless it is on one of `also`.

    News feeds link anything: an item pointing at `http://169.254.169.254/` or `http://localhost:5432/`
    must not make the tracker fetch it. Addresses written as numbers must be public ones; `localhost`
    and its subdomains never are. `also` names hosts trusted anyway (the feed's own host).
    """
    if not web_url(url):
        return False
    if allowed_host(url, also):
        return True
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        return ipaddress.ip_address(host).is_global
    except ValueError:
        return not _NUMERIC_HOST.fullmatch(host)
