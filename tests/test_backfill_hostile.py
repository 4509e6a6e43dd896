"""`backfill PATH` on archives that are wrong or hostile: impossible crawl times, symbolic links,
huge files, files that are not workbooks, and an empty folder. Each is refused by name with exit 1
(or named and skipped), and nothing it holds reaches the store's clock or the terminal.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3

from tests.support.tracker import FIXTURES, run_cli
from tests.test_backfill import archive_layout, backfill, env_for

SHEETS = FIXTURES / "ice" / "sheets"
SECRET_BYTES = b"<html><body>TOKEN-7f3a-should-never-be-echoed</body></html>"


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y%m%d_%H%M%S")


def _status(env: dict[str, str]) -> str:
    result = run_cli(env, "status")
    return result.stdout + result.stderr


def test_a_crawl_time_in_the_future_or_before_2005_is_refused_by_name_and_sets_no_clock(tmp_path):
    root = archive_layout(tmp_path / "archive", steps=1)
    future = root / "sheets" / "sheets_29991231_235959"
    future.mkdir()
    shutil.copy(SHEETS / "20250519_151802_participatingAgencies05192025am.xlsx",
                future / "participatingAgencies12312999am.xlsx")
    ancient = root / "sheets" / "sheets_19991231_000000"
    ancient.mkdir()
    (ancient / "pendingAgencies12311999.xlsx").write_bytes(SECRET_BYTES)
    env = env_for(tmp_path / "store")
    first = backfill(env, root)
    assert first.returncode == 1
    assert "1 snapshots, 2 publications imported" in first.stdout
    assert "refused: sheets/sheets_29991231_235959/participatingAgencies12312999am.xlsx: crawl time " \
           "2999-12-31 23:59:59 is in the future" in first.stderr
    assert "refused: sheets/sheets_19991231_000000/pendingAgencies12311999.xlsx: crawl time 1999-12-31" \
           in first.stderr
    later = tmp_path / "later"
    later.mkdir()
    shutil.copy(SHEETS / "20250519_151802_participatingAgencies05192025am.xlsx",
                later / "20250519_151802_participatingAgencies05192025am.xlsx")
    second = backfill(env, later)
    assert second.returncode == 0, second.stderr
    assert "1 publications imported" in second.stdout
    with sqlite3.connect(tmp_path / "store" / "tracker.db") as db:
        [(newest,)] = db.execute("select max(published_at) from publications").fetchall()
    assert newest.startswith("2025-05-19 15:18:02")


def test_a_refused_publication_never_counts_as_the_newest(tmp_path):
    """A non-workbook stamped a few hours ahead is refused; an archive stamped before it still imports."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    soon = tmp_path / "soon"
    soon.mkdir()
    shutil.copy(SHEETS / "20250519_024922_participatingAgencies05162025am.xlsx",
                soon / "20250519_024922_participatingAgencies05162025am.xlsx")
    (soon / f"{_stamp(now + dt.timedelta(hours=12))}_participatingAgencies.xlsx").write_bytes(SECRET_BYTES)
    env = env_for(tmp_path / "store")
    first = backfill(env, soon)
    assert first.returncode == 1
    assert "_participatingAgencies.xlsx: not an xlsx workbook: an HTML page" in first.stderr
    assert "TOKEN-7f3a" not in first.stdout + first.stderr + _status(env)
    later = tmp_path / "later"
    later.mkdir()
    shutil.copy(SHEETS / "20250519_151802_participatingAgencies05192025am.xlsx",
                later / f"{_stamp(now - dt.timedelta(hours=1))}_participatingAgencies05192025am.xlsx")
    second = backfill(env, later)
    assert second.returncode == 0, second.stderr
    assert "1 publications imported" in second.stdout


def test_symbolic_links_are_named_and_not_followed(tmp_path):
    root = archive_layout(tmp_path / "archive", steps=1)
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(SHEETS / "20250519_151802_participatingAgencies05192025am.xlsx",
                outside / "participatingAgencies05192025am.xlsx")
    (root / "sheets" / "sheets_20250519_151802").symlink_to(outside, target_is_directory=True)
    (root / "20250520_151813_participatingAgencies05192025pm.xlsx").symlink_to(
        SHEETS / "20250520_151813_participatingAgencies05192025pm.xlsx")
    env = env_for(tmp_path / "store")
    result = backfill(env, root)
    assert result.returncode == 0, result.stderr
    assert "1 snapshots, 2 publications imported" in result.stdout
    assert "ignored: sheets/sheets_20250519_151802: a symbolic link, not followed" in result.stderr
    assert "ignored: 20250520_151813_participatingAgencies05192025pm.xlsx: a symbolic link, not followed" \
           in result.stderr
    named = tmp_path / "named-link"
    named.symlink_to(root, target_is_directory=True)
    again = backfill(env, named)
    assert again.returncode == 0, again.stderr
    assert "0 publications imported" in again.stdout and "2 already imported" in again.stdout


def test_a_huge_file_is_refused_by_its_size_without_being_read(tmp_path):
    root = archive_layout(tmp_path / "archive", steps=1)
    huge = root / "20250519_151802_participatingAgencies05192025am.xlsx"
    with open(huge, "wb") as handle:
        handle.truncate(2**30)  # sparse: a 1 GB file that costs no disk
    env = env_for(tmp_path / "store")
    result = backfill(env, root)
    assert result.returncode == 1
    assert "1 snapshots, 2 publications imported" in result.stdout
    assert (f"refused: {huge.name}: 1,073,741,824 bytes, more than the 64 MB a crawl would download; not read"
            in result.stderr)
    assert "Traceback" not in result.stderr


def test_an_empty_folder_says_what_layout_it_expects_and_exits_1(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "crosswalk.xlsx").write_bytes(b"PK")
    env = env_for(tmp_path / "store")
    for folder in ("empty", "notes"):
        result = backfill(env, tmp_path / folder)
        assert result.returncode == 1
        assert "no archived ICE workbooks under" in result.stderr
        assert "sheets/sheets_<YYYYMMDD_HHMMSS>/<ICE file name>" in result.stderr
        assert "Traceback" not in result.stderr
    assert "ignored: crosswalk.xlsx: no crawl time" in result.stderr
    assert not os.path.exists(tmp_path / "store" / "data" / "archive")


def test_a_live_crawl_is_not_stamped_by_a_refused_publication_from_the_future(database_url, tmp_path):
    """A store that already holds a refused file stamped 2999 (from before the stamps were checked)."""
    from storage.archive import archive_document
    from storage.db import connect
    from storage.models import Publication
    from storage.publications import publication_time

    sessions = connect(database_url)
    seen = dt.datetime(2026, 3, 2, 9, 7)
    with sessions.begin() as session:
        old = archive_document(session, tmp_path, body=SECRET_BYTES, url="backfill:x", kind="participating",
                               filename="participatingAgencies.xlsx", fetched_at=dt.datetime(2999, 12, 31))
        session.add(Publication(document_id=old.document.id, kind="participating", source_url="backfill:x",
                                status="refused", reason="not an xlsx workbook",
                                published_at=dt.datetime(2999, 12, 31)))
        new = archive_document(session, tmp_path, body=b"PK new list", url="https://www.ice.gov/x.xlsx",
                               kind="participating", filename="participatingAgencies03022026.xlsx", fetched_at=seen)
        assert publication_time(session, "participating", new.document, seen) == seen
