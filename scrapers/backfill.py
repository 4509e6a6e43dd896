"""`backfill PATH`: import an archive of ICE's workbooks, oldest first, as if crawled back then.

Two layouts are read: the public archive's `sheets/sheets_<YYYYMMDD_HHMMSS>/<ICE file>` (a
snapshot folder holds only the files that changed since the one before: a missing file means
"unchanged"), and a flat folder of `<YYYYMMDD_HHMMSS>_<ICE file>`. Each snapshot is one crawl
run, applied in one transaction through the same archive → parse → diff → store path as a live
crawl, with the snapshot's time as publication time. Its events are marked `backfilled`, so
they are recorded but never alerted. MOA PDFs under `agreements/agreements_<stamp>/` go into
the raw archive, to be read by the next cycle.

A file already imported (same bytes, same snapshot time) is skipped, so a second run imports
nothing. History only runs forward: a file older than the newest publication in the store is
refused before anything is imported.

Archives come from elsewhere, so nothing in one is trusted: symbolic links are named and not
followed, a file larger than a live download may be is refused before it is read, and a
crawl time before ICE's first list or after tomorrow is refused (it would set the store's
clock, and every later publication would count as older).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from errors import UserError
from scrapers.workbooks import archived_reader
from settings import DOWNLOAD_MAXSIZE, TrackerSettings
from storage.archive import archive_document, sha256
from storage.models import CrawlRun, Document, Fetch, utcnow
from storage.publications import Outcome, WorkbookReader, apply_document, newest_published, run_status
from vocabulary import GOOD_PUBLICATIONS, PARTICIPATING, PENDING, PublicationStatus, RunStatus

SOURCE = "backfill"
_TIME = r"(\d{8}_\d{6})"
SNAPSHOT_DIR = re.compile(rf"^sheets_{_TIME}$")
MOA_DIR = re.compile(rf"^agreements_{_TIME}$")
FLAT_NAME = re.compile(rf"^{_TIME}_(.+)$")
WORKBOOK_SUFFIXES = (".xlsx", ".xls")
MAX_FILE_BYTES = DOWNLOAD_MAXSIZE  # what a live crawl would download at most
EARLIEST = dt.datetime(2005, 1, 1)  # before any 287(g) list was published
FUTURE_MARGIN = dt.timedelta(days=1)
LAYOUTS = ("sheets/sheets_<YYYYMMDD_HHMMSS>/<ICE file name> (the public archive), or a flat folder of "
           "<YYYYMMDD_HHMMSS>_<ICE file name>.xlsx")


@dataclass(frozen=True)
class ArchivedFile:
    """One file of the archive: where it is, when it was crawled, and what ICE called it."""

    path: Path
    relative: str
    crawled_at: dt.datetime
    name: str
    kind: str

    @property
    def source_url(self) -> str:
        return f"{SOURCE}:{self.relative}"

    def read(self) -> bytes:
        """The file's bytes, read without following a link and never more than the cap.

        Checked again as it is read: the archive may have changed since it was listed.
        """
        try:
            handle = os.open(self.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError as exc:
            raise UserError(f"{self.relative} cannot be read ({exc.strerror}); stopped here") from None
        with os.fdopen(handle, "rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise UserError(f"{self.relative} grew past {MAX_FILE_BYTES // 2**20} MB while the backfill ran; "
                            "stopped here")
        return data


@dataclass
class Snapshot:
    """Everything one crawl of the archive saw change: at most a participating and a pending list."""

    crawled_at: dt.datetime
    files: list[ArchivedFile] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.crawled_at.strftime("%Y%m%d_%H%M%S")


@dataclass
class BackfillReport:
    snapshots: int = 0
    imported: int = 0
    unchanged: int = 0
    skipped: int = 0
    events: int = 0
    moas: int = 0
    refused: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.refused

    def __str__(self) -> str:
        return (f"backfill: {self.snapshots} snapshots, {self.imported} publications imported, {self.unchanged} "
                f"unchanged, {self.skipped} already imported, {len(self.refused)} refused, {self.events} events "
                f"(recorded, not alerted), {self.moas} MOA files archived")


def _crawl_time(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y%m%d_%H%M%S")


def _kind(name: str) -> str | None:
    lowered = name.lower()
    if "participating" in lowered:
        return PARTICIPATING
    if "pending" in lowered:
        return PENDING
    return None


def _files(root: Path, links: list[str]) -> Iterator[Path]:
    """Regular files under `root`, sorted; symbolic links are named in `links`, never followed."""
    if not root.is_dir():
        yield root
        return
    found: list[Path] = []
    for folder, dirs, names in os.walk(root):
        here = Path(folder)
        dirs[:] = [d for d in dirs if not d.startswith(".")]  # not .git/
        for name in [*dirs, *names]:
            path = here / name
            if path.is_symlink():
                links.append(f"{path.relative_to(root).as_posix()}: a symbolic link, not followed")
            elif name in names and not name.startswith(".") and path.is_file():  # not .DS_Store
                found.append(path)
        dirs[:] = [d for d in dirs if not (here / d).is_symlink()]
    yield from sorted(found)


@dataclass
class Archive:
    """What `find_archive` found: snapshots oldest first, MOA PDFs, and spreadsheets it left alone."""

    snapshots: list[Snapshot]
    moas: list[ArchivedFile]
    ignored: list[str]
    refused: list[str] = field(default_factory=list)


def _moment(stamp: str, relative: str, unknown: list[str]) -> dt.datetime | None:
    try:
        return _crawl_time(stamp)
    except ValueError:
        unknown.append(f"{relative}: {stamp} is not a time like 20250519_024922")
        return None


def _refusal(path: Path, crawled_at: dt.datetime, now: dt.datetime) -> str | None:
    """Why a file is refused before it is read: a crawl time no real crawl had, or too many bytes."""
    if crawled_at < EARLIEST:
        return f"crawl time {crawled_at:%Y-%m-%d %H:%M:%S} is before {EARLIEST:%Y}, when no list was published yet"
    if crawled_at > now + FUTURE_MARGIN:
        return f"crawl time {crawled_at:%Y-%m-%d %H:%M:%S} is in the future"
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        return f"{size:,} bytes, more than the {MAX_FILE_BYTES // 2**20} MB a crawl would download; not read"
    return None


def find_archive(root: Path, now: dt.datetime | None = None) -> Archive:
    """The workbook snapshots under `root`, oldest first, the MOA PDFs, and what was ignored or refused.

    Files that belong to neither layout (a README, a manifest, another project's spreadsheet
    in the same repository) are ignored; the spreadsheets among them are named, so a misnamed
    workbook is noticed. A snapshot time that is not a time is an error, before any import.
    """
    if not root.exists():
        raise UserError(f"{root} does not exist")
    root = root.resolve() if root.is_symlink() else root  # the one link followed: the one the user named
    now = now or utcnow()
    snapshots: dict[dt.datetime, Snapshot] = {}
    found = Archive([], [], [])
    unknown: list[str] = []
    base = root if root.is_dir() else root.parent
    for path in _files(root, found.ignored):
        relative = path.relative_to(base).as_posix()
        lowered = path.name.lower()
        if lowered.endswith(".pdf"):
            stamp = next((m[1] for part in path.parent.relative_to(base).parts if (m := MOA_DIR.match(part))), None)
            moment = _moment(stamp, relative, unknown) if stamp is not None else None
            if moment is not None and (reason := _refusal(path, moment, now)) is not None:
                found.refused.append(f"{relative}: {reason}")
            elif moment is not None:
                found.moas.append(ArchivedFile(path, relative, moment, path.name, "moa"))
            continue
        if not lowered.endswith(WORKBOOK_SUFFIXES):
            continue
        folder, flat = SNAPSHOT_DIR.match(path.parent.name), FLAT_NAME.match(path.name)
        if folder:
            stamp, name = folder[1], path.name
        elif flat:
            stamp, name = flat[1], flat[2]
        else:
            found.ignored.append(f"{relative}: no crawl time (not in sheets_<YYYYMMDD_HHMMSS>/, no <YYYYMMDD_HHMMSS>_)")
            continue
        kind = _kind(name)
        if (crawled_at := _moment(stamp, relative, unknown)) is None:
            continue
        if kind is None:
            found.ignored.append(f"{relative}: neither a participating nor a pending list by its name")
        elif (reason := _refusal(path, crawled_at, now)) is not None:
            found.refused.append(f"{relative}: {reason}")
        else:
            snapshot = snapshots.setdefault(crawled_at, Snapshot(crawled_at))
            snapshot.files.append(ArchivedFile(path, relative, crawled_at, name, kind))
    if unknown:
        raise UserError("cannot tell when these files were crawled; nothing imported:\n  " + "\n  ".join(unknown))
    if not snapshots and not found.moas and not found.refused:
        left = "".join(f"\n  ignored: {line}" for line in found.ignored)
        raise UserError(f"no archived ICE workbooks under {root}; expected {LAYOUTS}{left}")
    found.snapshots = [snapshots[t] for t in sorted(snapshots)]
    for snapshot in found.snapshots:
        kinds = [f.kind for f in snapshot.files]
        if len(kinds) != len(set(kinds)):
            raise UserError(f"snapshot {snapshot.label} holds more than one {max(kinds, key=kinds.count)} list; "
                            "nothing imported")
        snapshot.files.sort(key=lambda f: f.kind != PARTICIPATING)  # as a crawl applies them
    return found


def _imported(session: Session, digest: str, crawled_at: dt.datetime) -> bool:
    """These bytes were already recorded as fetched at this snapshot's time."""
    return session.scalar(
        select(Fetch.id).join(Document, Document.id == Fetch.document_id)
        .where(Document.sha256 == digest, Fetch.fetched_at == crawled_at).limit(1)
    ) is not None


def _plan(session: Session, snapshots: list[Snapshot]) -> tuple[list[Snapshot], int]:
    """The files still to import (and how many are already in), or why the backfill is refused."""
    pending: list[Snapshot] = []
    skipped = 0
    for snapshot in snapshots:
        new = [f for f in snapshot.files if not _imported(session, sha256(f.read()), f.crawled_at)]
        skipped += len(snapshot.files) - len(new)
        if new:
            pending.append(Snapshot(snapshot.crawled_at, new))
    newest = newest_published(session)
    if pending and newest is not None and pending[0].crawled_at < newest:
        first = pending[0].files[0]
        raise UserError(
            f"{first.relative} was crawled {first.crawled_at:%Y-%m-%d %H:%M:%S}, before the newest publication in "
            f"the store ({newest:%Y-%m-%d %H:%M:%S}): a backfill only extends history forward. Import older "
            "archives into a new database (set DATABASE_URL and DATA_DIR), before its first crawl; nothing imported"
        )
    return pending, skipped


def backfill(sessions: sessionmaker[Session], config: TrackerSettings, root: Path,
             progress: Callable[[Snapshot], None] | None = None,
             planned: Callable[[int], None] | None = None) -> BackfillReport:
    """Import every snapshot under `root` not yet in the store; `progress` hears of each one done."""
    found = find_archive(root)
    report = BackfillReport(ignored=found.ignored, refused=list(found.refused))
    with sessions() as session:
        todo, report.skipped = _plan(session, found.snapshots)
    if planned is not None:
        planned(len(todo))
    read = archived_reader(config.archive_dir)
    for snapshot in todo:
        with sessions.begin() as session:
            outcomes = _apply_snapshot(session, config, snapshot, read)
        report.snapshots += 1
        for archived, outcome in outcomes:
            if outcome.status in GOOD_PUBLICATIONS:
                report.imported += 1
                report.events += outcome.events
            elif outcome.status == PublicationStatus.REFUSED:
                report.refused.append(f"{archived.relative}: {outcome.reason}")
            else:
                report.unchanged += 1
        if progress is not None:
            progress(snapshot)
    report.moas = _archive_moas(sessions, config, found.moas)
    return report


def _apply_snapshot(session: Session, config: TrackerSettings, snapshot: Snapshot,
                    read: WorkbookReader) -> list[tuple[ArchivedFile, Outcome]]:
    """One snapshot as one crawl run: its files archived unedited, then applied in order."""
    run = CrawlRun(source=SOURCE, started_at=utcnow(), status=RunStatus.RUNNING,
                   stats={"snapshot": snapshot.label})
    session.add(run)
    session.flush()
    outcomes = []
    for archived in snapshot.files:
        stored = archive_document(session, config.archive_dir, body=archived.read(),
                                  url=archived.source_url, kind=archived.kind, filename=archived.name,
                                  run_id=run.id, fetched_at=archived.crawled_at)
        outcome = apply_document(
            session, document=stored.document, read=read, kind=archived.kind, source_url=archived.source_url,
            filename=archived.name, run_id=run.id, detected_at=utcnow(), published_at=archived.crawled_at,
            removal_confirmations=config.removal_confirmations, max_drop=config.max_drop_share, backfilled=True,
        )
        outcomes.append((archived, outcome))
    run.status = run_status([o for _, o in outcomes])
    run.error = "\n".join(f"{a.name} refused: {o.reason}" for a, o in outcomes if o.reason) or None
    run.finished_at = utcnow()
    run.stats = {**run.stats, "publications": [{**o.stats(), "file": a.name} for a, o in outcomes]}
    return outcomes


def _archive_moas(sessions: sessionmaker[Session], config: TrackerSettings, moas: list[ArchivedFile]) -> int:
    """MOA PDFs into the raw archive, each recorded once per snapshot time; the next cycle reads them."""
    archived = 0
    for moa in moas:
        body = moa.read()
        with sessions.begin() as session:
            if _imported(session, sha256(body), moa.crawled_at):
                continue
            archive_document(session, config.archive_dir, body=body, url=moa.source_url, kind="moa",
                             filename=moa.name, fetched_at=moa.crawled_at)
            archived += 1
    return archived
