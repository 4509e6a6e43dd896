"""The unsubscribe and manage links every email to a subscriber carries, in its headers and its footer.

Each address, from the file or the sign-up form, has a row in the store for its links to name
(`storage.subscribers.handle`), so one click ends it whichever way it came (RFC 8058).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from alerts.tokens import MANAGE, UNSUBSCRIBE, Signer
from settings import TrackerSettings
from storage import subscribers
from storage.models import Subscriber

# Where `serve` listens by default: the links' last resort when PUBLIC_URL is unset.
LOCAL_EXPLORER = "http://127.0.0.1:8287"


@dataclass(frozen=True)
class MailLinks:
    unsubscribe: str
    manage: str


def base_for(config: TrackerSettings, row: Subscriber) -> str:
    return config.public_url or row.link_base or LOCAL_EXPLORER


def links_for_row(config: TrackerSettings, signer: Signer, row: Subscriber) -> MailLinks:
    base = base_for(config, row)
    return MailLinks(
        unsubscribe=f"{base}/unsubscribe/{signer.token(UNSUBSCRIBE, row.id, row.address)}",
        manage=f"{base}/manage/{signer.token(MANAGE, row.id, row.address)}",
    )


def mail_links(session: Session, config: TrackerSettings, address: str, signer: Signer | None = None) -> MailLinks:
    """The links for `address` (recording a file address on its first email; the caller commits)."""
    return links_for_row(config, signer or Signer.of(config), subscribers.handle(session, address))
