"""Apply one publication to the store in one transaction, or refuse it whole.

The caller opens the transaction (`with session.begin():`); everything here happens
inside it, so a crash leaves the previous state whole, and a refused publication
leaves nothing but its own row saying why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from parsers.ice_workbook import ParsedWorkbook, publication_stamp
from storage.db import one_writer
from storage.events import PublicationRef, add_event
from storage.models import Agreement, AgreementVersion, Document, Event, Fetch, Publication, iso_z
from storage.problems import close_problem, open_problem
from vocabulary import (
    GOOD_PUBLICATIONS,
    PARTICIPATING,
    PENDING,
    WORKBOOK_KINDS,
    AgreementStatus,
    EventType,
    PublicationStatus,
    RunStatus,
)

if TYPE_CHECKING:
    from storage.diff import Diff, Known

PENDING_MAX_DROP = 0.5  # the pending list shrinks by a fifth in a day when agencies sign
VERSIONED = ("state", "agency", "agency_type", "county", "model", "signed", "signed_raw", "moa_url",
             "addendum_url")
LISTED = (AgreementStatus.ACTIVE, AgreementStatus.REMOVED)
# Reads an archived workbook (document, kind, file name) for storage: parsed, or why it could not be.
WorkbookReader = Callable[[Document, str, str], "tuple[ParsedWorkbook | None, str | None]"]


@dataclass
class Outcome:
    """What became of one publication; the run's status and `once`'s exit code follow from it."""

    kind: str
    status: PublicationStatus
    reason: str | None = None
    rows: int = 0
    events: int = 0
    publication_id: int | None = None
    warnings: list[str] = field(default_factory=list)

    def stats(self) -> dict:
        """This publication as its crawl run records it, for the line the cycle logs."""
        return {"kind": self.kind, "status": self.status, "rows": self.rows, "events": self.events,
                "reason": self.reason}


def run_status(outcomes: list[Outcome], signals: int = 0) -> RunStatus:
    """A finished run's status from what became of its publications and local signals.

    A refusal outranks everything, so a maintainer hears of it; a run that read nothing at all
    is ok, not unchanged.
    """
    if any(o.status == PublicationStatus.REFUSED for o in outcomes):
        return RunStatus.REFUSED
    if signals or not outcomes or any(o.status in GOOD_PUBLICATIONS for o in outcomes):
        return RunStatus.OK
    return RunStatus.UNCHANGED


def last_good(session: Session, kind: str) -> Publication | None:
    return session.scalars(
        select(Publication).where(Publication.kind == kind, Publication.status.in_(GOOD_PUBLICATIONS))
        .order_by(Publication.id.desc()).limit(1)
    ).first()


def settled_outcome(session: Session, kind: str, document: Document) -> Outcome | None:
    """The outcome of a document already judged: the current publication, or the last refused one.

    Checked before parsing, so an unchanged publication costs no parse and a refused one is
    not refused (and reported) again every hour while ICE keeps serving it.
    """
    latest = session.scalars(
        select(Publication).where(Publication.kind == kind).order_by(Publication.id.desc()).limit(1)
    ).first()
    if latest is None or latest.document_id != document.id:
        previous = last_good(session, kind)
        if previous is not None and previous.document_id == document.id:
            return Outcome(kind, PublicationStatus.UNCHANGED, rows=previous.row_count, publication_id=previous.id)
        return None
    if latest.status == PublicationStatus.REFUSED:
        if _other_list_moved(session, kind, latest):
            return None  # the other list changed since: it may now explain the drop
        return Outcome(kind, PublicationStatus.REFUSED, latest.reason, latest.row_count, publication_id=latest.id)
    return Outcome(kind, PublicationStatus.UNCHANGED, rows=latest.row_count, publication_id=latest.id)


def _other_list_moved(session: Session, kind: str, refused: Publication) -> bool:
    """Whether the other workbook had a good publication after this refusal.

    ICE does not always post both lists at once: pending entries that signed may leave the
    pending list a crawl before they appear on the participating one. Such a publication is
    judged again once the participating list has caught up.
    """
    others = [k for k in WORKBOOK_KINDS if k != kind]
    return session.scalar(
        select(Publication.id).where(Publication.kind.in_(others), Publication.status.in_(GOOD_PUBLICATIONS),
                                     Publication.id > refused.id).limit(1)
    ) is not None


def refusal_reason(parsed: ParsedWorkbook, previous: Publication | None, max_drop: float,
                   explained: Explained | None = None) -> str | None:
    """Why a parsed workbook must not be trusted, or None. Pure, for tests and for the log.

    The drop is what the list lost that the data does not explain: an entry that left the
    pending list because it is now on the participating one signed, and a row ICE folded
    into another (a known duplicate or rename) is still there under one name. Only the rest
    counts against `max_drop`, so a burst of signings is news, not a broken file.
    """
    rows = len(parsed.records)
    if rows == 0:
        return f"{parsed.kind} workbook has no agreement rows"
    if previous is None or previous.row_count == 0:
        return None
    explained = explained or Explained()
    share = max_drop if parsed.kind == PARTICIPATING else max(max_drop, PENDING_MAX_DROP)
    unexplained = previous.row_count - rows - explained.total
    drop = unexplained / previous.row_count
    if drop > share:
        because = f"; {explained.text()} explained" if explained.total else ""
        return (f"{parsed.kind} agreements fell from {previous.row_count} to {rows}{because}: {unexplained} "
                f"({drop:.0%}) left without explanation, more than the {share:.0%} allowed: refused until a "
                f"maintainer checks it")
    return None


@dataclass(frozen=True)
class Explained:
    """Entries that left a list for a reason the data shows (they do not count as a drop)."""

    signed: int = 0
    merged: int = 0

    @property
    def total(self) -> int:
        return self.signed + self.merged

    def text(self) -> str:
        parts = [f"{self.signed} now on the participating list"] if self.signed else []
        if self.merged:
            parts.append(f"{self.merged} merged into a remaining row")
        return " and ".join(parts)

    @classmethod
    def of(cls, result: Diff) -> Explained:
        signed = sum(1 for e in result.events if e.get("type") == EventType.PENDING_REMOVED
                     and e.get("reason") == "signed")
        return cls(signed=signed, merged=len(result.merged))


@dataclass
class _Loaded:
    """What the store knows of one list before a publication is applied to it."""

    rows: dict[str, Agreement]
    known: list[Known]
    others: list[Known]

    @property
    def baseline(self) -> bool:
        return not any(a.status in LISTED for a in self.rows.values())


def apply_publication(
    session: Session,
    *,
    document: Document,
    parsed: ParsedWorkbook | None,
    error: str | None,
    kind: str,
    source_url: str,
    filename: str,
    run_id: int | None,
    detected_at: dt.datetime,
    removal_confirmations: int = 2,
    max_drop: float = 0.10,
    replay: dict[str, Event] | None = None,
    published_at: dt.datetime | None = None,
    backfilled: bool = False,
) -> Outcome:
    """Diff and apply (or refuse) one workbook the crawl fetched: load → diff → versions → events.

    Two clocks: `detected_at` is when the tracker imports it (events' `detected_at`, what
    routing and digests follow); `published_at`, when the fetch or archive snapshot saw it
    (default: `detected_at`), refined by `publication_time`, dates everything else.
    `replay` is set when rebuilding from the archive: the events that already exist, by id.
    An event found again keeps its row (and so its deliveries); one found for the first time
    is marked `replayed`, so old history is recorded without being announced as news.
    `backfilled` marks every event as imported from an archive: recorded, never announced.
    """
    kind = parsed.kind if parsed is not None else kind
    previous = last_good(session, kind)
    if previous is not None and previous.document_id == document.id:
        return Outcome(kind, PublicationStatus.UNCHANGED, rows=previous.row_count, publication_id=previous.id)

    published = publication_time(session, kind, document, published_at or detected_at)
    reason = error or (refusal_reason(parsed, None, max_drop) if parsed is not None else None)
    result = loaded = None
    if reason is None:
        assert parsed is not None
        # Identity and diff code (and rapidfuzz) load only when a publication is new: an hourly
        # poll that finds the same workbooks is settled by `apply_document` without them.
        from storage.diff import diff_publication

        loaded = _load(session, kind, published)
        ref = PublicationRef(
            sha256=document.sha256, kind=kind, source_url=source_url, run_id=run_id,
            stamp=publication_stamp(filename or source_url), detected_at=iso_z(detected_at),
            published_at=iso_z(published),
        )
        result = diff_publication(
            loaded.known,
            [{f: _value(r.get(f)) for f in VERSIONED} for r in (p.as_dict() for p in parsed.records)],
            ref,
            removal_confirmations=removal_confirmations,
            other_list=loaded.others,
        )
        reason = refusal_reason(parsed, previous, max_drop, Explained.of(result))
    publication = _record_publication(session, document, parsed, kind, source_url, filename, run_id, detected_at,
                                      published, reason)
    problem_key = f"ice:refused:{kind}"
    if reason:
        if not backfilled:  # a backfill names its refused files itself; old history is no live problem
            open_problem(session, problem_key, "ice",
                         f"ICE {kind} publication {filename or source_url} refused: {reason}")
        return Outcome(kind, PublicationStatus.REFUSED, reason, publication.row_count, publication_id=publication.id)
    close_problem(session, problem_key)
    assert parsed is not None and loaded is not None and result is not None
    if loaded.baseline:
        publication.status = PublicationStatus.BASELINE
    _write_versions(session, loaded.rows, result, kind, publication)
    _write_events(session, result.events, loaded.rows, publication, detected_at, replay, backfilled)
    return Outcome(kind, PublicationStatus(publication.status), rows=publication.row_count, events=len(result.events),
                   publication_id=publication.id, warnings=parsed.warnings + result.warnings)


def newest_published(session: Session, kind: str | None = None) -> dt.datetime | None:
    """When the newest good list (of `kind`, or of either kind) was published: where history stands.

    Only good publications set that clock: a refused one may carry any time (a stamp of 2999).
    """
    query = select(func.max(Publication.published_at)).where(Publication.status.in_(GOOD_PUBLICATIONS))
    if kind is not None:
        query = query.where(Publication.kind == kind)
    return session.scalar(query)


def publication_time(session: Session, kind: str, document: Document, seen_at: dt.datetime) -> dt.datetime:
    """When ICE published this workbook, as closely as the tracker can tell.

    The first fetch of these bytes since the list's last publication (a crawl stopped
    half-way fetched it before the one that applies it), never before that publication:
    history runs forward even when ICE serves an older file again.
    """
    latest = newest_published(session, kind)
    first = select(func.min(Fetch.fetched_at)).where(Fetch.document_id == document.id, Fetch.status == 200)
    if latest is not None:
        first = first.where(Fetch.fetched_at > latest)
    earliest = session.scalar(first)
    moment = min(earliest, seen_at) if earliest is not None else seen_at
    return max(moment, latest) if latest is not None else moment


def _record_publication(session: Session, document: Document, parsed: ParsedWorkbook | None, kind: str,
                        source_url: str, filename: str, run_id: int | None, detected_at: dt.datetime,
                        published_at: dt.datetime, reason: str | None) -> Publication:
    publication = Publication(
        document_id=document.id, run_id=run_id, kind=kind, source_url=source_url, filename=filename or None,
        stamp=publication_stamp(filename or source_url), row_count=len(parsed.records) if parsed else 0,
        status=PublicationStatus.REFUSED if reason else PublicationStatus.APPLIED, reason=reason,
        warnings=(parsed.warnings[:500] if parsed else []), applied_at=detected_at, published_at=published_at,
    )
    session.add(publication)
    session.flush()
    return publication


def _load(session: Session, kind: str, published_at: dt.datetime) -> _Loaded:
    """The list's agreements (listed or removed), and the other list's for `was_pending` and `signed`."""
    other_kind = PENDING if kind == PARTICIPATING else PARTICIPATING
    rows = {a.uid: a for a in session.scalars(
        select(Agreement).where(Agreement.list_kind == kind, Agreement.status.in_(LISTED))
    )}
    others = session.scalars(select(Agreement).where(Agreement.list_kind == other_kind)).all()
    firsts = {a.missing_since_publication_id for a in rows.values() if a.missing_since_publication_id}
    since = {p.id: iso_z(p.published_at)
             for p in session.scalars(select(Publication).where(Publication.id.in_(firsts)))}
    return _Loaded(
        rows=rows,
        known=[_known(a, since.get(a.missing_since_publication_id)) for a in rows.values()],
        others=[_known(a) for a in others if a.status == AgreementStatus.ACTIVE or _recent(a, published_at)],
    )


def _write_versions(session: Session, rows: dict[str, Agreement], result: Diff, kind: str,
                    publication: Publication) -> None:
    """Agreements and their versions as the diff says: new, changed, reinstated, missing, removed, merged.

    Every date here is publication time, so `--as-of` answers for the day ICE published.
    """
    at = publication.published_at
    created: list[Agreement] = []
    for upsert in result.upserts:
        agreement = rows.get(upsert.uid)
        if agreement is None:
            agreement = Agreement(
                uid=upsert.uid, list_kind=kind, status=AgreementStatus.ACTIVE, first_seen=at,
                last_seen=at, first_publication_id=publication.id, last_publication_id=publication.id,
                was_pending=upsert.was_pending, extra={},
            )
            _set_fields(agreement, upsert.fields)
            session.add(agreement)
            rows[upsert.uid] = agreement
            created.append(agreement)
            continue
        changed = any(_value(getattr(agreement, f)) != _value(upsert.fields.get(f)) for f in VERSIONED)
        if upsert.reinstated:
            agreement.status, agreement.removed_at = AgreementStatus.ACTIVE, None
            changed = True
        agreement.last_seen, agreement.last_publication_id = at, publication.id
        agreement.missing_count, agreement.missing_since_publication_id = 0, None
        if changed:
            _set_fields(agreement, upsert.fields)
            _close_version(session, agreement, at)
            _open_version(session, agreement, publication, at)

    session.flush()
    for agreement in created:
        _open_version(session, agreement, publication, at)
    for uid, count, _ in result.missing:
        agreement = rows[uid]
        if agreement.missing_count == 0:
            agreement.missing_since_publication_id = publication.id
        agreement.missing_count = count
    for uid in result.removed:
        agreement = rows[uid]
        agreement.status = AgreementStatus.REMOVED
        gone = _first_missing(session, agreement) or at
        agreement.removed_at = gone
        _close_version(session, agreement, gone)
    for uid, _into in result.merged:
        agreement = rows[uid]
        agreement.status = AgreementStatus.MERGED
        agreement.removed_at = at
        _close_version(session, agreement, at)


def _write_events(session: Session, events: list[dict], rows: dict[str, Agreement], publication: Publication,
                  detected_at: dt.datetime, replay: dict[str, Event] | None, backfilled: bool) -> None:
    agreement_ids = {uid: a.id for uid, a in rows.items()}
    for payload in events:
        agreement_id = agreement_ids.get(payload["agreement_uid"])
        if replay is not None:
            if _replayed(replay, payload, publication.id, agreement_id):
                continue
            payload["replayed"] = True
        if backfilled:
            payload["backfilled"] = True
        add_event(session, payload, detected_at=detected_at, publication_id=publication.id,
                  agreement_id=agreement_id)
    session.flush()


def _replayed(replay: dict[str, Event], payload: dict, publication_id: int, agreement_id: int | None) -> bool:
    event = replay.pop(payload["id"], None)
    if event is None:
        return False
    event.publication_id, event.agreement_id = publication_id, agreement_id
    return True


def apply_document(session: Session, *, document: Document, read: WorkbookReader, kind: str, source_url: str,
                   filename: str, run_id: int | None, detected_at: dt.datetime, removal_confirmations: int,
                   max_drop: float, replay: dict[str, Event] | None = None,
                   published_at: dt.datetime | None = None, backfilled: bool = False) -> Outcome:
    """Apply an archived workbook, read only when its outcome is not already settled.

    The one path for crawls and for rebuilds; the caller supplies the parsing, so storage
    never reads a spreadsheet itself. One process applies at a time (`one_writer`): a
    publication another process applied meanwhile is then settled here, as unchanged.
    """
    one_writer(session)
    settled = settled_outcome(session, kind, document)
    if settled is not None:
        return settled
    parsed, error = read(document, kind, filename)
    return apply_publication(
        session, document=document, parsed=parsed, error=error, kind=kind, source_url=source_url,
        filename=filename, run_id=run_id, detected_at=detected_at,
        removal_confirmations=removal_confirmations, max_drop=max_drop, replay=replay,
        published_at=published_at, backfilled=backfilled,
    )


def agreement_fields(agreement: Agreement) -> dict:
    """An agreement's current fields in the shape rows and events use (dates as ISO text)."""
    return {f: _value(getattr(agreement, f)) for f in VERSIONED}


def _known(agreement: Agreement, missing_since: str | None = None) -> Known:
    from storage.diff import Known

    return Known(
        uid=agreement.uid,
        fields=agreement_fields(agreement),
        status=agreement.status,
        missing_count=agreement.missing_count,
        missing_since=missing_since,
        was_pending=agreement.was_pending,
        first_seen=iso_z(agreement.first_seen) if agreement.first_seen else None,
    )


def _recent(agreement: Agreement, now: dt.datetime, days: int = 120) -> bool:
    """A pending entry that left the list lately still explains a new agreement's `was_pending`."""
    return agreement.removed_at is not None and now - agreement.removed_at <= dt.timedelta(days=days)


def _value(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value or None


def _set_fields(agreement: Agreement, fields: dict) -> None:
    for name in VERSIONED:
        value = fields.get(name)
        if name == "signed" and isinstance(value, str):
            value = dt.date.fromisoformat(value)
        setattr(agreement, name, value)


def _open_version(session: Session, agreement: Agreement, publication: Publication, at: dt.datetime) -> None:
    session.add(AgreementVersion(
        agreement_id=agreement.id, publication_id=publication.id, valid_from=at, valid_to=None,
        fields=agreement_fields(agreement),
    ))


def _close_version(session: Session, agreement: Agreement, at: dt.datetime) -> None:
    session.flush()
    current = session.scalars(
        select(AgreementVersion).where(AgreementVersion.agreement_id == agreement.id,
                                       AgreementVersion.valid_to.is_(None))
    ).all()
    for version in current:
        version.valid_to = at


def _first_missing(session: Session, agreement: Agreement) -> dt.datetime | None:
    if agreement.missing_since_publication_id is None:
        return None
    first = session.get(Publication, agreement.missing_since_publication_id)
    return first.published_at if first else None
