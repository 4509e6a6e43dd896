"""Raw documents, saved unedited and addressed by content.

ICE has re-published different content under one file name and the same content under
new names, so a document's identity is its sha256; the URL, time and headers of each
fetch are rows in the database (`fetches`), never part of the file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.atomic_write import write_atomically
from storage.db import one_writer
from storage.models import Agreement, Document, Fetch, utcnow
from vocabulary import PARTICIPATING, AgreementStatus

REJECTED = "rejected"  # kept for the record, never a basis for a conditional request
UNFETCHED_RETRY = dt.timedelta(hours=1)
# No answer, 403 and 429 speak for the whole host: the fetch back-off (scrapers.fetch_breaker) waits on those.
HOST_REFUSALS = (0, 403, 429)
KEPT_HEADERS = ("content-type", "content-length", "content-disposition", "etag", "last-modified", "date", "server")


@dataclass(frozen=True)
class Stored:
    document: Document
    new: bool


def sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def write_raw(archive_dir: Path, body: bytes, suffix: str = "") -> tuple[str, str]:
    """Write the bytes once under archive/ab/<sha256><suffix>; returns (sha256, relative path)."""
    digest = sha256(body)
    relative = PurePosixPath(digest[:2]) / f"{digest}{suffix}"
    target = archive_dir / relative
    if not target.exists():
        write_atomically(target, body)
    return digest, str(relative)


def archive_path(archive_dir: Path, document: Document) -> Path:
    return archive_dir / document.path


def read_raw(archive_dir: Path, document: Document) -> bytes:
    return archive_path(archive_dir, document).read_bytes()


def suffix_for(filename: str, content_type: str | None) -> str:
    lowered = filename.lower()
    for suffix in (".xlsx", ".pdf", ".html", ".json", ".xml"):
        if lowered.endswith(suffix):
            return suffix
    if content_type and "html" in content_type:
        return ".html"
    return ""


def archive_document(session: Session, archive_dir: Path, *, body: bytes, url: str, kind: str,
                     filename: str = "", headers: dict[str, str] | None = None, status: int = 200,
                     run_id: int | None = None, fetched_at: dt.datetime | None = None) -> Stored:
    """Save the bytes (if new) and record this fetch of them.

    One writer at a time (`one_writer`), so two processes fetching the same new bytes at once
    share one document row instead of the second failing on its unique sha256.
    """
    one_writer(session)
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    content_type = headers.get("content-type")
    digest, relative = write_raw(archive_dir, body, suffix_for(filename or url, content_type))
    document = session.scalars(select(Document).where(Document.sha256 == digest)).first()
    new = document is None
    if document is None:
        document = Document(sha256=digest, size=len(body), content_type=content_type, kind=kind, path=relative,
                            first_url=url, filename=filename or None, first_fetched_at=utcnow())
        session.add(document)
        session.flush()
    record_fetch(session, url=url, status=status, headers=headers, document=document, run_id=run_id,
                 fetched_at=fetched_at)
    return Stored(document, new)


def record_fetch(session: Session, *, url: str, status: int, headers: dict[str, str],
                 document: Document | None = None, run_id: int | None = None,
                 fetched_at: dt.datetime | None = None) -> Fetch:
    headers = {k.lower(): v for k, v in headers.items()}
    fetch = Fetch(
        run_id=run_id,
        document_id=document.id if document else None,
        url=url,
        status=status,
        etag=headers.get("etag"),
        last_modified=headers.get("last-modified"),
        headers={k: v for k, v in headers.items() if k in KEPT_HEADERS},
        fetched_at=fetched_at or utcnow(),
    )
    session.add(fetch)
    session.flush()
    return fetch


def last_good_fetch(session: Session, url: str) -> Fetch | None:
    """The newest fetch of `url` that produced a usable document: its validators drive conditional GETs."""
    return session.scalars(
        select(Fetch).join(Document, Document.id == Fetch.document_id)
        .where(Fetch.url == url, Document.kind != REJECTED).order_by(Fetch.id.desc()).limit(1)
    ).first()


def unfetched_links(session: Session, now: dt.datetime | None = None) -> list[tuple[str, str]]:
    """MOA and addendum links of listed agreements that no fetch has brought in yet, as (url, kind).

    A link that failed on its own (a 404, a server error) within `UNFETCHED_RETRY` waits: ICE is
    polled every few minutes, and a dead link must not be asked for on every poll.
    """
    listed = session.execute(
        select(Agreement.moa_url, Agreement.addendum_url)
        .where(Agreement.list_kind == PARTICIPATING, Agreement.status == AgreementStatus.ACTIVE)
    ).all()
    links = {(url, kind) for moa, addendum in listed for url, kind in ((moa, "moa"), (addendum, "addendum")) if url}
    if not links:
        return []
    fetched = set(session.scalars(select(Fetch.url).where(Fetch.document_id.is_not(None)).distinct()))
    since = (now or utcnow()) - UNFETCHED_RETRY
    tried = set(session.scalars(select(Fetch.url).where(Fetch.url.in_([url for url, _ in links]),
                                                        Fetch.fetched_at > since,
                                                        Fetch.status.not_in(HOST_REFUSALS)).distinct()))
    return sorted(link for link in links if link[0] not in fetched and link[0] not in tried)
