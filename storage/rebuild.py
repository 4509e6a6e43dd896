"""`reparse`: rebuild agreements, publications and events from the raw archive, offline.

When a parser or identity rule improves, history is rebuilt from the bytes ICE served, in
the order they were fetched, each at its original publication time, in one transaction. Events found
again keep their rows (and their delivery records); events found for the first time are
recorded as `replayed` and never alerted; events no longer found are kept, marked `retracted`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from settings import TrackerSettings
from storage.models import Agreement, AgreementVersion, Document, Event, Fetch, Publication, utcnow
from storage.publications import WorkbookReader, apply_document
from vocabulary import GOOD_PUBLICATIONS, PARTICIPATING, WORKBOOK_KINDS, PublicationStatus


@dataclass
class RebuildReport:
    documents: int = 0
    applied: int = 0
    refused: int = 0
    kept: int = 0
    new: int = 0
    retracted: int = 0

    def __str__(self) -> str:
        return (f"rebuilt from {self.documents} archived workbook fetches: {self.applied} publications applied, "
                f"{self.refused} refused; events: {self.kept} found again, {self.new} new (recorded, not alerted), "
                f"{self.retracted} no longer found (marked retracted)")


def rebuild(sessions: sessionmaker[Session], config: TrackerSettings, read: WorkbookReader) -> RebuildReport:
    """`read` parses an archived workbook: the caller's parser, so storage reads no spreadsheet."""
    report = RebuildReport()
    rebuilt_at = utcnow()  # the import clock; publication times come from the fetch records
    with sessions.begin() as session:
        replay = {e.id: e for e in session.scalars(select(Event).where(Event.publication_id.is_not(None)))}
        before = len(replay)
        session.execute(update(Event).values(agreement_id=None, publication_id=None))
        session.execute(delete(AgreementVersion))
        session.execute(delete(Agreement))
        session.execute(delete(Publication))
        fetches = session.execute(
            select(Fetch, Document).join(Document, Document.id == Fetch.document_id)
            .where(Document.kind.in_(WORKBOOK_KINDS), Fetch.status == 200)
            .order_by(Fetch.run_id, Document.kind != PARTICIPATING, Fetch.id)
        ).all()
        for fetch, document in fetches:
            report.documents += 1
            outcome = apply_document(
                session, document=document, read=read, kind=document.kind,
                source_url=fetch.url, filename=document.filename or "", run_id=fetch.run_id,
                detected_at=rebuilt_at, published_at=fetch.fetched_at,
                removal_confirmations=config.removal_confirmations,
                max_drop=config.max_drop_share, replay=replay,
            )
            if outcome.status in GOOD_PUBLICATIONS:
                report.applied += 1
            elif outcome.status == PublicationStatus.REFUSED:
                report.refused += 1
        for event in replay.values():
            event.payload = {**event.payload, "retracted": True}
        report.retracted = len(replay)
        report.kept = before - len(replay)
        report.new = session.query(Event).filter(Event.publication_id.is_not(None)).count() - report.kept
    return report
