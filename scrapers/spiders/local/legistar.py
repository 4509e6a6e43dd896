"""Legistar's public Web API: matters (legislation) and events (meetings with their agenda items).

    scrapy crawl legistar                                  # every legistar row in the registry
    scrapy crawl legistar -a client=pinellas -a jurisdiction="Pinellas County, FL" [-a since=2025-01-01]

The API answers OData queries; we ask only for what was introduced or met since `since`
(default: the last 60 days) so a daily run stays a handful of requests per client.
`api_base` (argument, or the LEGISTAR_API_BASE setting) points it elsewhere, e.g. a test server.

A matter whose title does not mention 287(g) but could hide it (an interlocal agreement with the
sheriff, a jail contract) has its attachments read: the staff report or the MOA itself often
names the program when the title does not. Attachments on Legistar's own site are fetched (at
most `max_attachments` per client and run, each size-limited; PDFs through the MOA worker), and
a signal in one links the matter's public page, with the attachment as `document_url`.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

from scrapy.http import Response

from scrapers.spiders.local.base import Listing, LocalSpider, Target, places_to_watch, site_of

API_BASE = "https://webapi.legistar.com/v1"
PAGE_SIZE = 1000  # the most the API returns in one answer
DEFAULT_DAYS = 60
MAX_ATTACHMENTS = 30
LEGISTAR_SITE = "legistar.com"
# Titles worth opening: what a 287(g) agreement is filed under when its title does not say so.
_WORTH_OPENING = re.compile(
    r"\b(?:sheriff|immigration|(?-i:ICE)|customs|enforcement|detention|detainers?|jail|memorandum|(?-i:MOA|MOU)"
    r"|interlocal)\b",
    re.IGNORECASE,
)


def odata_url(base: str, client: str, resource: str, date_field: str, since: str, skip: int, top: int) -> str:
    query = {
        "$filter": f"{date_field} ge datetime'{since}'",
        "$orderby": f"{date_field} desc",
        "$top": str(top),
        "$skip": str(skip),
    }
    return f"{base}/{client}/{resource}?" + "&".join(f"{k}={quote(v, safe=chr(39))}" for k, v in query.items())


def matter_url(client: str, matter: dict[str, Any]) -> str:
    """The public page people can open, not the API record."""
    return (
        f"https://{client}.legistar.com/LegislationDetail.aspx"
        f"?ID={matter.get('MatterId')}&GUID={matter.get('MatterGuid', '')}"
    )


def iso_day(value: object) -> str | None:
    return value[:10] if isinstance(value, str) and len(value) >= 10 else None


class LegistarSpider(LocalSpider):
    name = "legistar"

    def __init__(
        self,
        *args: Any,
        client: str | None = None,
        jurisdiction: str | None = None,
        since: str | None = None,
        api_base: str | None = None,
        page_size: int | str = PAGE_SIZE,
        max_attachments: int | str = MAX_ATTACHMENTS,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.max_attachments = int(max_attachments)
        self._attachments_taken: dict[str, int] = {}
        self.since = since or (date.today() - timedelta(days=DEFAULT_DAYS)).isoformat()
        date.fromisoformat(self.since)
        self.api_base = api_base
        self.page_size = int(page_size)
        self.clients = [(p.address, p.target) for p in places_to_watch("legistar", client, jurisdiction, "client")]

    @property
    def base(self) -> str:
        settings = getattr(self, "settings", None)
        configured = self.api_base or (settings.get("LEGISTAR_API_BASE") if settings else None) or API_BASE
        return configured.rstrip("/")

    async def start(self) -> AsyncIterator[Any]:
        for client, target in self.clients:
            yield self._matters_request(client, target, 0)
            yield self._events_request(client, target, 0)

    def _matters_request(self, client: str, target: Target, skip: int) -> Any:
        url = odata_url(self.base, client, "matters", "MatterIntroDate", self.since, skip, self.page_size)
        return self._request(url, self.parse_matters, target, cb_kwargs={"client": client, "skip": skip})

    def _events_request(self, client: str, target: Target, skip: int) -> Any:
        url = odata_url(self.base, client, "events", "EventDate", self.since, skip, self.page_size)
        return self._request(url, self.parse_events, target, cb_kwargs={"client": client, "skip": skip})

    def parse_matters(self, response: Response, target: Target, client: str, skip: int = 0) -> Iterator[Any]:
        matters = response.json()
        for matter in matters:
            self._count("items", target)
            text = " ".join(str(matter.get(k) or "") for k in ("MatterName", "MatterTitle"))
            title = " ".join(
                str(matter.get(k)) for k in ("MatterBodyName", "MatterFile", "MatterTypeName") if matter.get(k)
            )
            day = iso_day(matter.get("MatterAgendaDate")) or iso_day(matter.get("MatterIntroDate"))
            found = list(
                self._signals_in_block(
                    text, target, url=matter_url(client, matter), title=title, source="legistar_matter", date=day
                )
            )
            yield from found
            if not found and _WORTH_OPENING.search(text) and matter.get("MatterId") is not None:
                listing = Listing(matter_url(client, matter), f"{title} – {matter.get('MatterName') or ''}", day)
                url = f"{self.base}/{client}/matters/{matter['MatterId']}/attachments"
                yield self._request(url, self.parse_attachments, target, cb_kwargs={"listing": listing})
        if len(matters) >= self.page_size:
            yield self._matters_request(client, target, skip + self.page_size)

    def parse_events(self, response: Response, target: Target, client: str, skip: int = 0) -> Iterator[Any]:
        events = response.json()
        for event in events:
            self._count("items", target)
            url = f"{self.base}/{client}/events/{event['EventId']}/eventitems"
            yield self._request(url, self.parse_event_items, target, cb_kwargs={"event": event})
        if len(events) >= self.page_size:
            yield self._events_request(client, target, skip + self.page_size)

    def parse_event_items(self, response: Response, target: Target, event: dict[str, Any]) -> Iterator[Any]:
        day = iso_day(event.get("EventDate"))
        meeting = " ".join(str(event.get(k)) for k in ("EventBodyName",) if event.get(k)) + (f" {day}" if day else "")
        for item in response.json():
            text = " ".join(
                str(item.get(k) or "") for k in ("EventItemTitle", "EventItemMatterName", "EventItemActionText")
            )
            yield from self._signals_in_block(
                text,
                target,
                url=event.get("EventInSiteURL") or response.url,
                title=f"{meeting.strip()} – item {item.get('EventItemAgendaNumber') or item.get('EventItemId')}",
                source="legistar_event",
                date=day,
            )

    def parse_attachments(self, response: Response, target: Target, listing: Listing) -> Iterator[Any]:
        """A matter's attachments on Legistar's own site, each read whole as part of the matter."""
        home = {site_of(self.base), LEGISTAR_SITE}
        for attachment in response.json():
            link = response.urljoin(str(attachment.get("MatterAttachmentHyperlink") or ""))
            if not attachment.get("MatterAttachmentHyperlink") or site_of(link) not in home:
                continue
            taken = self._attachments_taken.get(target.jurisdiction, 0)
            if taken >= self.max_attachments:
                return
            self._attachments_taken[target.jurisdiction] = taken + 1
            name = str(attachment.get("MatterAttachmentName") or attachment.get("MatterAttachmentFileName") or "")
            titled = Listing(listing.url, f"{listing.title} – {name}".strip(" –"), listing.date, split=False)
            yield self._document_request(link, target, titled)
