"""The tracker's tables. Every change goes through an Alembic migration (storage/migrations)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL is happier with BIGINT.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


ISO_Z = "%Y-%m-%dT%H:%M:%SZ"


def utcnow() -> dt.datetime:
    """Now in UTC to the second, naive: the form every timestamp column holds."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)


def iso_z(moment: dt.datetime) -> str:
    """A stored (naive UTC) time as events and exports show it: `2025-06-17T23:32:04Z`."""
    return moment.strftime(ISO_Z)


class CrawlRun(Base):
    """One attempt to read a source: what was fetched, what came of it."""

    __tablename__ = "crawl_runs"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(20), default="running")  # running ok unchanged failed refused
    error: Mapped[str | None] = mapped_column(Text)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    bytes_downloaded: Mapped[int] = mapped_column(BigInteger, default=0)
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Document(Base):
    """A raw document, content-addressed: the same bytes under two names are one document."""

    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(30))  # participating pending moa addendum local
    path: Mapped[str] = mapped_column(String(300))
    first_url: Mapped[str] = mapped_column(Text)
    filename: Mapped[str | None] = mapped_column(Text)
    first_fetched_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Fetch(Base):
    """Every response kept for a URL: validators for conditional requests and provenance."""

    __tablename__ = "fetches"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    url: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    status: Mapped[int] = mapped_column(Integer)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    __table_args__ = (Index("ix_fetches_url", "url"),)


class Publication(Base):
    """One distinct workbook as ICE published it: the unit of change."""

    __tablename__ = "publications"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    kind: Mapped[str] = mapped_column(String(20))
    source_url: Mapped[str] = mapped_column(Text)
    filename: Mapped[str | None] = mapped_column(Text)
    stamp: Mapped[str | None] = mapped_column(String(20))
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20))  # applied baseline refused
    reason: Mapped[str | None] = mapped_column(Text)
    warnings: Mapped[list[Any]] = mapped_column(JSON, default=list)
    applied_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)  # import time
    # Publication time: the crawl (or archive snapshot) that first saw this workbook. Every
    # first_seen, version and as-of answer runs on this clock. Always set; nullable for SQLite.
    published_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=True)
    __table_args__ = (Index("ix_publications_kind_status", "kind", "status"),)


class Agreement(Base):
    """One agreement (or pending entry) across publications, with its current fields."""

    __tablename__ = "agreements"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    uid: Mapped[str] = mapped_column(String(40), unique=True)
    list_kind: Mapped[str] = mapped_column(String(20), index=True)  # participating | pending
    status: Mapped[str] = mapped_column(String(20), default="active")  # active | removed
    state: Mapped[str] = mapped_column(String(2), index=True)
    agency: Mapped[str] = mapped_column(Text)
    agency_type: Mapped[str | None] = mapped_column(Text)
    county: Mapped[str | None] = mapped_column(Text)
    model: Mapped[str] = mapped_column(String(3))
    signed: Mapped[dt.date | None] = mapped_column(Date)
    signed_raw: Mapped[str | None] = mapped_column(Text)
    moa_url: Mapped[str | None] = mapped_column(Text)
    addendum_url: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    was_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime)
    first_publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id"))
    last_publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id"))
    missing_since_publication_id: Mapped[int | None] = mapped_column(ForeignKey("publications.id"))
    missing_count: Mapped[int] = mapped_column(Integer, default=0)
    removed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class AgreementVersion(Base):
    """Every version of every agreement, so `export --as-of` can answer for any day."""

    __tablename__ = "agreement_versions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), index=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id"))
    valid_from: Mapped[dt.datetime] = mapped_column(DateTime)
    valid_to: Mapped[dt.datetime | None] = mapped_column(DateTime)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)


class Event(Base):
    """A change worth telling someone about; `seq` orders them, `id` is stable across re-runs."""

    __tablename__ = "events"
    seq: Mapped[int] = mapped_column(BigId, primary_key=True)
    id: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(40), index=True)
    detected_at: Mapped[dt.datetime] = mapped_column(DateTime)  # import time: routing and digests
    published_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=True, index=True)  # publication time
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    publication_id: Mapped[int | None] = mapped_column(ForeignKey("publications.id"))
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"))
    state: Mapped[str | None] = mapped_column(String(2), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


class MoaParse(Base):
    """What was read from one MOA/addendum PDF (by content), kept for search and alerts."""

    __tablename__ = "moa_parses"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), unique=True)
    url: Mapped[str] = mapped_column(Text)
    parsed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    error: Mapped[str | None] = mapped_column(Text)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    text: Mapped[str | None] = mapped_column(Text)


class Delivery(Base):
    """The outbox: one row per (event, destination), so each is sent once and never lost."""

    __tablename__ = "deliveries"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_seq: Mapped[int] = mapped_column(ForeignKey("events.seq"))
    destination: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending sending sent failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    batch: Mapped[str | None] = mapped_column(String(64), index=True)
    external_ref: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (
        UniqueConstraint("event_seq", "destination", name="uq_delivery"),
        Index("ix_deliveries_status", "status"),
    )


class DigestWatermark(Base):
    """How far each email subscriber has been told; moves only after SMTP accepts."""

    __tablename__ = "digest_watermarks"
    subscriber: Mapped[str] = mapped_column(String(300), primary_key=True)
    last_event_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_active_count: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Problem(Base):
    """An operational problem maintainers hear about once when it opens and once when it clears."""

    __tablename__ = "problems"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    source: Mapped[str] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    count: Mapped[int] = mapped_column(Integer, default=1)
    alerted_open: Mapped[bool] = mapped_column(Boolean, default=False)
    alerted_close: Mapped[bool] = mapped_column(Boolean, default=False)


class Lease(Base):
    """Who runs the scheduler for this database; a holder that stops heart-beating loses it."""

    __tablename__ = "leases"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    heartbeat_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Destination(Base):
    """An alert destination as first seen in the subscriptions file: it hears of changes from then on."""

    __tablename__ = "destinations"
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    first_seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    start_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    since: Mapped[dt.date | None] = mapped_column(Date)
    welcome_batch: Mapped[str | None] = mapped_column(String(64))
    welcomed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class FetchBackoff(Base):
    """A host whose documents the crawl gave up on: how often in a row, since when, until when.

    One row per host (`host:port`) while it keeps failing; the row goes when a document
    from it arrives again. `waiting` is how many documents the last crawl left unfetched.
    """

    __tablename__ = "fetch_backoff"
    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_failed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_failed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    retry_after: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    waiting: Mapped[int] = mapped_column(Integer, default=0)


class ListAbsence(Base):
    """A stretch of crawls whose ICE page linked no workbook for a list ICE used to publish.

    The list's last publication before `first_missing_at` stays in the store as history (found
    by time, so `reparse` can rebuild publications freely); this row says it is no longer
    published (`returned_at` empty) or was again from `returned_at` on.
    """

    __tablename__ = "list_absences"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    first_missing_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    first_missing_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    returned_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class NewsItem(Base):
    """A news feed item the tracker has read: never fetched again, and which signal (if any) it became.

    `key` is a digest of the item's link, `guid_key` of its guid: a feed that changes one
    of the two still names an item already read. `event_seq` is the `local_signal` the
    report made or was folded into (`folded`), null when it carried no signal.
    """

    __tablename__ = "news_items"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    guid_key: Mapped[str] = mapped_column(String(64), index=True)
    link: Mapped[str] = mapped_column(Text)
    feed_url: Mapped[str] = mapped_column(Text)
    article_url: Mapped[str | None] = mapped_column(Text)
    outlet: Mapped[str] = mapped_column(Text, default="")
    title: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    read_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    text_from: Mapped[str] = mapped_column(String(20))  # article | feed
    fallback_reason: Mapped[str | None] = mapped_column(Text)
    event_seq: Mapped[int | None] = mapped_column(ForeignKey("events.seq"))
    folded: Mapped[bool] = mapped_column(Boolean, default=False)


class Subscriber(Base):
    """An email address's own word on what it gets: a sign-up on the explorer, or an unsubscribe.

    `origin` is `signup` (the form) or `file` (an address of the subscriptions file that
    unsubscribed or changed its choices through a link). A confirmed or unsubscribed row
    outranks the file; a pending one changes nothing until confirmed. `start_seq` is the newest
    event when the subscriber confirmed or last changed their choices: nothing older is sent.
    """

    __tablename__ = "subscribers"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(320), unique=True)  # the address, lower-cased
    address: Mapped[str] = mapped_column(String(320))
    origin: Mapped[str] = mapped_column(String(10), default="signup")  # signup | file
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending confirmed unsubscribed
    states: Mapped[list[Any]] = mapped_column(JSON, default=list)
    cadence: Mapped[str] = mapped_column(String(10), default="daily")
    language: Mapped[str] = mapped_column(String(5), default="en")
    start_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    unsubscribed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    confirmation_sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Where the explorer was reached from at sign-up; links use it only when PUBLIC_URL is unset.
    link_base: Mapped[str | None] = mapped_column(String(300))
