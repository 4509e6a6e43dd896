"""A list ICE's page stopped linking: kept as history, marked as no longer published.

Since 2026 ICE's page links only the participating workbook. A missing link is not a
publication: nothing is diffed and no withdrawal is inferred from it. The last list stays in
the store as it was; a `list_absences` row says from when the page stopped linking it, and
maintainers hear of it once. When the link comes back, the list is read again and the row is
closed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from storage.models import ListAbsence, Publication
from storage.problems import note_once
from storage.publications import last_good
from vocabulary import GOOD_PUBLICATIONS


@dataclass(frozen=True)
class Unpublished:
    """A list no longer published: what its last publication held, and since when it is missing."""

    kind: str
    last_published: dt.date
    rows: int
    stamp: str | None
    missing_since: dt.datetime


def list_date(publication: Publication) -> dt.date:
    """The list's own date: ICE's stamp when its file name carries one, else when it was published."""
    if publication.stamp:
        try:
            return dt.date.fromisoformat(publication.stamp[:10])
        except ValueError:
            pass
    return (publication.published_at or publication.applied_at).date()


def list_missing(session: Session, kind: str, run_id: int | None, at: dt.datetime) -> ListAbsence | None:
    """Record that a finished crawl found no link to `kind`; the new absence, or None when not new.

    A list the store never held is not missing (a new install after 2026 knows no pending list).
    """
    if _open(session, kind) is not None:
        return None
    previous = last_good(session, kind)
    if previous is None:
        return None
    absence = ListAbsence(kind=kind, first_missing_at=at, first_missing_run_id=run_id)
    session.add(absence)
    session.flush()
    described = previous.filename or previous.source_url
    note_once(session, f"ice:unpublished:{kind}:{absence.id}", "ice",
              f"ICE's page no longer links a {kind} list (first missing {at:%Y-%m-%d %H:%M} UTC). The last one, "
              f"{described} of {list_date(previous)} with {previous.row_count} entries, is kept as history and "
              f"shown as no longer published; no withdrawals are inferred from its absence.")
    return absence


def list_seen(session: Session, kind: str, at: dt.datetime) -> ListAbsence | None:
    """The page links `kind` again: its absence ends (returned), and the list is read as usual."""
    absence = _open(session, kind)
    if absence is not None:
        absence.returned_at = at
        session.flush()
    return absence


def unpublished(session: Session, kind: str, at: dt.datetime | None = None) -> Unpublished | None:
    """The list's absence in force at `at` (now when None), or None while ICE publishes it."""
    query = select(ListAbsence).where(ListAbsence.kind == kind)
    if at is None:
        query = query.where(ListAbsence.returned_at.is_(None))
    else:
        query = query.where(ListAbsence.first_missing_at < at,
                            or_(ListAbsence.returned_at.is_(None), ListAbsence.returned_at >= at))
    absence = session.scalars(query.order_by(ListAbsence.id.desc()).limit(1)).first()
    if absence is None:
        return None
    last = session.scalars(
        select(Publication).where(Publication.kind == kind, Publication.status.in_(GOOD_PUBLICATIONS),
                                  Publication.published_at <= absence.first_missing_at)
        .order_by(Publication.published_at.desc(), Publication.id.desc()).limit(1)
    ).first()
    if last is None:
        return None
    return Unpublished(kind=kind, last_published=list_date(last), rows=last.row_count, stamp=last.stamp,
                       missing_since=absence.first_missing_at)


def _open(session: Session, kind: str) -> ListAbsence | None:
    return session.scalars(
        select(ListAbsence).where(ListAbsence.kind == kind, ListAbsence.returned_at.is_(None)).limit(1)
    ).first()
