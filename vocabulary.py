"""The tracker's words, defined once: event types, list kinds, run and publication statuses.

Each is a `StrEnum`, so a member *is* its text: it is stored, compared with stored rows,
written to JSON and offered as a command-line choice without conversion. Every stage may
import this module; it imports nothing of the tracker.
"""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    AGREEMENT_ADDED = "agreement_added"
    AGREEMENT_REMOVED = "agreement_removed"
    AGREEMENT_CHANGED = "agreement_changed"
    MOA_PUBLISHED = "moa_published"
    ADDENDUM_PUBLISHED = "addendum_published"
    MOA_CHANGED = "moa_changed"
    PENDING_ADDED = "pending_added"
    PENDING_REMOVED = "pending_removed"
    LOCAL_SIGNAL = "local_signal"
    BASELINE = "baseline"


EVENT_TYPES = tuple(EventType)
# The first import of a list is recorded but never announced: nobody can subscribe to it.
ALERTABLE_EVENT_TYPES = tuple(t for t in EventType if t is not EventType.BASELINE)


class ListKind(StrEnum):
    """Which list an agreement or event belongs to: ICE's two workbooks, or a local source."""

    PARTICIPATING = "participating"
    PENDING = "pending"
    LOCAL = "local"


PARTICIPATING = ListKind.PARTICIPATING
PENDING = ListKind.PENDING
WORKBOOK_KINDS = (ListKind.PARTICIPATING, ListKind.PENDING)


class RunStatus(StrEnum):
    """How one crawl ended (`crawl_runs.status`).

    `interrupted` is a crawl the tracker itself stopped (the service or `once` shutting
    down on SIGTERM/SIGINT): neither good nor failing, and retried at the next start.
    """

    RUNNING = "running"
    OK = "ok"
    UNCHANGED = "unchanged"
    FAILED = "failed"
    REFUSED = "refused"
    INTERRUPTED = "interrupted"


GOOD_RUNS = (RunStatus.OK, RunStatus.UNCHANGED)
FAILING_RUNS = (RunStatus.FAILED, RunStatus.REFUSED)


class PublicationStatus(StrEnum):
    """What became of one workbook (`publications.status`; `unchanged` is never stored)."""

    BASELINE = "baseline"
    APPLIED = "applied"
    REFUSED = "refused"
    UNCHANGED = "unchanged"


GOOD_PUBLICATIONS = (PublicationStatus.BASELINE, PublicationStatus.APPLIED)


class AgreementStatus(StrEnum):
    ACTIVE = "active"
    REMOVED = "removed"
    MERGED = "merged"


class Stage(StrEnum):
    """How far a place has gone toward (or away from) a 287(g) agreement, as a report tells it.

    `debated` is talk with no decision (a failed motion to end one included); `rejected` is a
    vote against, a refusal or a withdrawn proposal; `signed` is a signature or ICE adding
    the agency.
    """

    PROPOSED = "proposed"
    SCHEDULED = "scheduled"
    DEBATED = "debated"
    APPROVED = "approved"
    REJECTED = "rejected"
    SIGNED = "signed"
    ENDED = "ended"


STAGES = tuple(Stage)


class SignalSource(StrEnum):
    """Where a local signal was read: a news report, a meeting's agenda (packet, minutes), or another page."""

    NEWS = "news"
    AGENDA = "agenda"
    PAGE = "page"
