"""Answers a CDN (or a browser) may keep for a minute and then revalidate for the price of a 304.

The validator is a hash of the answer's own bytes, not a reading of the store. A page changes
for more reasons than the store does: the day turns (the 7- and 30-day changes, "as of"), a
new release changes a template, and `reparse` can rebuild the store without changing its
fingerprint. A tag built from the latest run or event id would be wrong in each of those
cases, telling a CDN to keep a page that has changed; a hash of what the reader receives
changes exactly when the answer does, by construction. Producing those bytes stays cheap
between publications because the views' answers are cached under the store's fingerprint.

The tag is weak (`W/"…"`): it is taken before GZip, so it names the content, and a compressed
and a plain copy of the same answer share it, as RFC 9110 allows weak tags to.
"""

from __future__ import annotations

import hashlib
from email.utils import parsedate_to_datetime

from starlette.datastructures import Headers, MutableHeaders

# A minute fresh, then served stale while one request revalidates (or while the origin is down):
# a traffic spike reaches the explorer about once a minute per page, and a new list within minutes.
PUBLIC = "public, max-age=60, stale-while-revalidate=300, stale-if-error=86400"
NOT_STORED = "no-store"
# What a 304 may carry (RFC 9110 §15.4.5); the rest described the body it does not send.
KEPT_ON_304 = ("cache-control", "content-location", "date", "etag", "expires", "last-modified", "vary")


def content_tag(body: bytes) -> str:
    return f'W/"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'


def not_modified(request: Headers, response: Headers) -> bool:
    """RFC 9110 §13.2.2: If-None-Match decides when sent (weak comparison); else If-Modified-Since."""
    etag, if_none_match = response.get("etag"), request.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return etag is not None and ("*" in tags or etag.removeprefix("W/") in tags)
    since, modified = request.get("if-modified-since"), response.get("last-modified")
    if not since or not modified:
        return False
    try:
        return parsedate_to_datetime(modified) <= parsedate_to_datetime(since)
    except (TypeError, ValueError):  # an unreadable date, or one without a zone: not a match
        return False


class Revalidation:
    """Cache-Control on every GET answer; an ETag on each whole one; a 304 when the client's copy is current.

    A streamed answer (`/events.csv`) is sent as it is made, with Cache-Control but no tag:
    hashing it would mean holding all of it first.
    """

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        asked = Headers(scope=scope)
        held: dict | None = None
        state = "start"  # then "held" (status 200, waiting for the body), "passing" or "dropping"

        async def revalidating(message) -> None:
            nonlocal held, state
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                if "etag" in headers:  # a static file's or a feed's own tag: weak like ours, as GZip may follow
                    headers["etag"] = "W/" + headers["etag"].removeprefix("W/")
                if "cache-control" not in headers:
                    headers["cache-control"] = PUBLIC if message["status"] in (200, 304) else NOT_STORED
                if message["status"] == 200:
                    held, state = message, "held"
                    return
                state = "passing"
            elif message["type"] == "http.response.body" and state == "held":
                headers = MutableHeaders(scope=held)
                if "etag" not in headers and not message.get("more_body", False):
                    headers["etag"] = content_tag(message.get("body", b""))
                if not_modified(asked, headers):
                    state = "dropping"
                    await send(unchanged(held))
                    await send({"type": "http.response.body", "body": b""})
                    return
                state = "passing"
                await send(held)
            elif state == "dropping":
                return
            await send(message)

        await self.app(scope, receive, revalidating)


def unchanged(start: dict) -> dict:
    kept = [(name, value) for name, value in start["headers"] if name.decode("latin-1").lower() in KEPT_ON_304]
    return {"type": "http.response.start", "status": 304, "headers": kept}
