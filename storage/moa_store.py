"""Read newly archived MOA/addendum PDFs and keep what they say.

Parsing (with OCR for scans) can take seconds a page, so it runs after the crawl, in
worker processes, within a time budget: what is not reached now is parsed next cycle.
What a document says (signers, dates) is added to its `moa_published` events, so the
alerts and digests that go out afterwards can name who signed and when.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from scrapers.moa_worker import parse_many
from storage.models import Agreement, Document, Event, MoaParse, utcnow

log = logging.getLogger(__name__)
KEPT = ("model", "agency", "lea_signer", "ice_signer", "revised", "pages", "ocr", "needs_ocr", "text_chars")


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


def parse_new_moas(sessions: sessionmaker[Session], archive_dir: Path, *, budget_seconds: float = 600,
                   workers: int = 2) -> MoaReport:
    report = MoaReport()
    with sessions() as session:
        parsed_ids = select(MoaParse.document_id)
        waiting = session.scalars(
            select(Document).where(Document.kind.in_(("moa", "addendum")), Document.id.not_in(parsed_ids))
            .order_by(Document.id)
        ).all()
        jobs = [(doc.id, doc.first_url, archive_dir / doc.path, _hint(session, doc.first_url)) for doc in waiting]
    started = time.monotonic()
    while jobs and time.monotonic() - started < budget_seconds:
        batch, jobs = jobs[:workers], jobs[workers:]
        results = parse_many([(path, hint) for _, _, path, hint in batch], workers=workers, ocr_scope="fields")
        with sessions.begin() as session:
            for (document_id, url, _, _), result in zip(batch, results, strict=True):
                _store(session, document_id, url, result)
                if result.get("error"):
                    report.failed += 1
                else:
                    report.parsed += 1
    report.left = len(jobs)
    return report


def _store(session: Session, document_id: int, url: str, result: dict) -> None:
    fields = {k: result.get(k) for k in KEPT}
    session.add(MoaParse(document_id=document_id, url=url, parsed_at=utcnow(), error=result.get("error"),
                         fields=fields, text=result.get("text") or None))
    if result.get("error"):
        log.warning("MOA %s unreadable: %s", url, result["error"])
        return
    signers = {k: fields[k] for k in ("lea_signer", "ice_signer") if fields.get(k)}
    if not signers:
        return
    for event in session.scalars(select(Event).where(Event.type.in_(("moa_published", "addendum_published")))):
        link = event.payload.get("moa_url") if event.type == "moa_published" else event.payload.get("addendum_url")
        if link == url and not event.payload.get("lea_signer"):
            event.payload = {**event.payload, **signers}
