"""Which archived MOA/addendum PDFs are still unread, and keeping what they say.

Parsing (with OCR for scans) can take seconds a page, so the cycle runs it after the crawl,
in worker processes, within a time budget, and hands the results here: what is not reached
now is parsed next cycle. What a document says (signers, dates) is added to its
`moa_published` events, so the alerts and digests that go out afterwards can name who
signed and when.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from storage.archive import archive_path
from storage.models import Agreement, Document, Event, MoaParse, utcnow
from storage.problems import note_once
from vocabulary import EventType

log = logging.getLogger(__name__)
KEPT = ("model", "agency", "lea_signer", "ice_signer", "ice_field_office", "lea_contact", "public_affairs", "revised",
        "pages", "ocr", "needs_ocr", "text_chars")


@dataclass
class MoaReport:
    parsed: int = 0
    failed: int = 0
    left: int = 0

    def __str__(self) -> str:
        return f"{self.parsed} MOA documents read, {self.failed} unreadable, {self.left} left for next time"


def _hint(session: Session, url: str) -> dict | None:
    agreement = session.scalars(
        select(Agreement).where((Agreement.moa_url == url) | (Agreement.addendum_url == url)).limit(1)
    ).first()
    if agreement is None:
        return None
    return {"agency": agreement.agency, "model": agreement.model, "state": agreement.state}


@dataclass(frozen=True)
class MoaJob:
    """One archived MOA to read: where its bytes are, and what the store expects it to say."""

    document_id: int
    url: str
    path: Path
    hint: dict | None


def unread_moas(sessions: sessionmaker[Session], archive_dir: Path) -> list[MoaJob]:
    """Archived MOAs and addenda nobody has read yet, oldest first."""
    with sessions() as session:
        parsed_ids = select(MoaParse.document_id)
        waiting = session.scalars(
            select(Document).where(Document.kind.in_(("moa", "addendum")), Document.id.not_in(parsed_ids))
            .order_by(Document.id)
        ).all()
        return [MoaJob(doc.id, doc.first_url, archive_path(archive_dir, doc), _hint(session, doc.first_url))
                for doc in waiting]


def store_moa_results(sessions: sessionmaker[Session], jobs: list[MoaJob], results: list[dict],
                      report: MoaReport) -> None:
    """Keep what the worker read from each MOA (or why it could not), in one transaction."""
    with sessions.begin() as session:
        for job, result in zip(jobs, results, strict=True):
            _store(session, job.document_id, job.url, result)
            if result.get("error"):
                report.failed += 1
            else:
                report.parsed += 1


def _store(session: Session, document_id: int, url: str, result: dict) -> None:
    fields = {k: result.get(k) for k in KEPT}
    session.add(MoaParse(document_id=document_id, url=url, parsed_at=utcnow(), error=result.get("error"),
                         fields=fields, text=result.get("text") or None))
    if result.get("error"):
        log.warning("MOA %s unreadable: %s", url, result["error"])
        note_once(session, f"moa:unreadable:{document_id}", "moa", f"MOA {url} could not be read: {result['error']}")
        return
    signers = {k: fields[k] for k in ("lea_signer", "ice_signer") if fields.get(k)}
    if not signers:
        return
    published = (EventType.MOA_PUBLISHED, EventType.ADDENDUM_PUBLISHED)
    for event in session.scalars(select(Event).where(Event.type.in_(published))):
        column = "moa_url" if event.type == EventType.MOA_PUBLISHED else "addendum_url"
        link = event.payload.get(column)
        if link == url and not event.payload.get("lea_signer"):
            event.payload = {**event.payload, **signers}
