"""A store filled from the real ICE publications in tests/fixtures/ice, each at the time it was crawled.

The same archive → parse → diff → store path a live crawl takes (`apply_document`), without a
crawl subprocess per step, so tests that only read the store start in seconds.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from scrapers.workbooks import archived_reader
from storage.archive import archive_document
from storage.db import connect
from storage.publications import apply_document
from tests.support.tracker import FIXTURES, ROOT, command_env

ICE = FIXTURES / "ice"


def manifest() -> list[dict[str, str]]:
    with open(ICE / "manifest.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def crawled_at(step: dict[str, str]) -> dt.datetime:
    return dt.datetime.strptime(step["crawled_at"], "%Y%m%d_%H%M%S")


def build(database_url: str, archive_dir: Path, steps: int | None = None) -> None:
    """Apply the first `steps` crawls of the manifest (all by default), participating before pending."""
    sessions = connect(database_url)
    for step in manifest()[:steps]:
        at = crawled_at(step)
        for kind in ("participating", "pending"):
            name = step[kind]
            apply_workbook(sessions, archive_dir, (ICE / "sheets" / name).read_bytes(), name.split("_", 2)[2],
                           kind, at)


def sample_env(home: Path) -> dict[str, str]:
    """The whole sample store built in `home`, and the environment its commands run in."""
    url = f"sqlite:///{home / 'tracker.db'}"
    build(url, home / "archive")
    return command_env(url, home / "data", PYTHONPATH=str(ROOT), SUBSCRIPTIONS_FILE=str(home / "subscriptions.toml"))


def apply_workbook(sessions: sessionmaker[Session], archive_dir: Path, body: bytes, filename: str, kind: str,
                   at: dt.datetime) -> None:
    """One workbook as if a crawl at `at` had fetched it from ICE under `filename`."""
    url = f"https://www.ice.gov/doclib/about/offices/ero/287g/{filename}"
    with sessions.begin() as session:
        stored = archive_document(session, archive_dir, body=body, url=url, kind=kind, filename=filename,
                                  fetched_at=at)
        apply_document(session, document=stored.document, read=archived_reader(archive_dir), kind=kind,
                       source_url=url, filename=filename, run_id=None, detected_at=at, removal_confirmations=2,
                       max_drop=0.10)
