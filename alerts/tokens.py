"""Signed links for one subscription: confirm (expiring), unsubscribe and manage (lasting).

A token names a subscriber row and a hash of its address, signed with SECRET_KEY (itsdangerous),
with one salt per purpose: an unsubscribe token cannot confirm, a token for one address cannot
act on another, and a changed key voids every link. Without SECRET_KEY a random key is written
to `DATA_DIR/secret_key` the first time one is needed (with a warning), so the explorer and the
service, sharing DATA_DIR, sign alike and links survive a restart.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from settings import TrackerSettings

log = logging.getLogger(__name__)

KEY_FILE = "secret_key"
CONFIRM = "confirm"
UNSUBSCRIBE = "unsubscribe"
MANAGE = "manage"
CSRF = "csrf"
CONFIRM_MAX_AGE = dt.timedelta(days=3)


class BadToken(ValueError):
    """A link that is not ours, is for something else, or has expired; the message says which."""


def secret_key(config: TrackerSettings) -> str:
    """SECRET_KEY, or the one generated into DATA_DIR: the first process to need it writes it whole,
    then links it into place (a link never replaces a file), so `serve` and `run` starting together agree."""
    if config.secret_key:
        return config.secret_key
    path = Path(config.data_dir) / KEY_FILE
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    descriptor, draft = tempfile.mkstemp(prefix=".secret_key-", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(key + "\n")
        os.link(draft, path)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    finally:
        os.unlink(draft)
    log.warning("SECRET_KEY is not set: generated one into %s; set SECRET_KEY to keep sign-up links "
                "working if DATA_DIR is lost", path)
    return key


def _address_hash(address: str) -> str:
    return hashlib.sha256(address.strip().lower().encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Claim:
    """What a valid token says: which subscriber, and when it was signed (UTC, naive)."""

    subscriber_id: int
    address_hash: str
    signed_at: dt.datetime

    def matches(self, address: str) -> bool:
        return secrets.compare_digest(self.address_hash, _address_hash(address))


class Signer:
    """Makes and reads the tokens of every purpose with one key."""

    def __init__(self, key: str) -> None:
        self.key = key

    @classmethod
    def of(cls, config: TrackerSettings) -> Signer:
        return cls(secret_key(config))

    def _serializer(self, purpose: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.key, salt=f"287g-tracker:{purpose}")

    def token(self, purpose: str, subscriber_id: int, address: str) -> str:
        return str(self._serializer(purpose).dumps([subscriber_id, _address_hash(address)]))

    def read(self, purpose: str, token: str, max_age: dt.timedelta | None = None) -> Claim:
        serializer = self._serializer(purpose)
        try:
            payload, signed = serializer.loads(token, max_age=int(max_age.total_seconds()) if max_age else None,
                                               return_timestamp=True)
        except SignatureExpired:
            raise BadToken("this link has expired: sign up again for a new one") from None
        except BadSignature:
            raise BadToken("this link is not valid: it may have been cut short when copied") from None
        if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[0], int)
                and isinstance(payload[1], str)):
            raise BadToken("this link is not valid")
        return Claim(payload[0], payload[1], signed.astimezone(dt.UTC).replace(tzinfo=None))

    def csrf_token(self, cookie: str) -> str:
        """The form's hidden token: the client's cookie, signed (a double submit a third site cannot forge)."""
        return str(self._serializer(CSRF).dumps(cookie))

    def csrf_matches(self, token: str, cookie: str) -> bool:
        """A token this site signed within a day; with the visitor's cookie, the one made for it.

        A client that keeps no cookies (a script, a strict browser) still needs the token from the
        form itself; a browser led by another site cannot read it (and the view refuses a foreign
        Origin), and one that sent a cookie must send the token made for that cookie.
        """
        try:
            value = self._serializer(CSRF).loads(token, max_age=86400)
        except BadSignature:
            return False
        return isinstance(value, str) and (not cookie or secrets.compare_digest(value, cookie))


def link(config: TrackerSettings, path: str) -> str:
    """An absolute link on the explorer (PUBLIC_URL), or a root-relative one when it is unset."""
    return f"{config.public_url}{path}"
