"""The store on real SQLite and real PostgreSQL: versions, as-of exports, removals, refusals, rollback."""

from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import pytest

from parsers.ice_workbook import parse_workbook
from storage.archive import archive_document
from storage.db import connect
from storage.export import COLUMNS, current_rows, render, rows_as_of
from storage.models import Agreement, Event, Publication
from storage.publications import apply_publication
from tests.support.tracker import sheet
from tests.support.workbooks import row, workbook

DAY = dt.datetime(2025, 6, 1, 15, 0)


def apply(sessions, tmp_path, data: bytes, day: int, kind: str = "participating", **kwargs):
    with sessions.begin() as session:
        stored = archive_document(session, tmp_path / "archive", body=data, url=f"https://www.ice.gov/{day}.xlsx",
                                  kind=kind)
        return apply_publication(session, document=stored.document, parsed=parse_workbook(data, kind), error=None,
                                 kind=kind, source_url=f"https://www.ice.gov/{day}.xlsx", filename=f"{kind}.xlsx",
                                 run_id=None, detected_at=DAY + dt.timedelta(days=day), **kwargs)


def rows(n: int, skip: tuple[int, ...] = ()) -> bytes:
    return workbook([row(agency=f"Town {i} Police Department", signed=dt.datetime(2025, 3, 1 + i % 28))
                     for i in range(n) if i not in skip])


def test_history_is_kept_and_exports_answer_for_any_day(database_url, tmp_path):
    sessions = connect(database_url)
    assert apply(sessions, tmp_path, sheet("20250519_024922_participating"), 0).status == "baseline"
    assert apply(sessions, tmp_path, sheet("20250519_151802_participating"), 1).status == "applied"
    with sessions() as session:
        assert len(current_rows(session)) == 581
        assert len(rows_as_of(session, (DAY + dt.timedelta(days=0)).date())) == 571
        assert rows_as_of(session, (DAY - dt.timedelta(days=1)).date()) == []
        renamed = [r for r in current_rows(session, state="FL") if r["agency"] == "Indiatlantic Police Department"]
        before = [r for r in rows_as_of(session, DAY.date(), state="FL") if r["id"] == renamed[0]["id"]]
        assert before[0]["agency"] == "Indialantic Police Department"  # the version in force that day


def test_removal_after_two_good_publications_dated_by_the_first(database_url, tmp_path):
    sessions = connect(database_url)
    apply(sessions, tmp_path, rows(30), 0)
    apply(sessions, tmp_path, rows(30, skip=(7,)), 1)
    with sessions() as session:
        assert len(current_rows(session)) == 30  # missing once: still listed, not yet removed
    outcome = apply(sessions, tmp_path, rows(30, skip=(7, 8)), 2)
    assert outcome.events == 1
    with sessions() as session:
        gone = session.query(Event).filter_by(type="agreement_removed").one()
        assert gone.payload["agency"] == "Town 7 Police Department"
        assert gone.payload["removed_as_of"] == "2025-06-02T15:00:00Z"
        listed = current_rows(session, include_removed=True)
        removed = next(r for r in listed if r["agency"] == "Town 7 Police Department")
        assert removed["status"] == "removed" and removed["removed_at"] == "2025-06-02T15:00:00Z"
        assert len(current_rows(session)) == 29


def test_a_shrunken_publication_is_refused_and_changes_nothing(database_url, tmp_path):
    sessions = connect(database_url)
    apply(sessions, tmp_path, rows(40), 0)
    outcome = apply(sessions, tmp_path, rows(30), 1)
    assert outcome.status == "refused" and "fell from 40 to 30" in outcome.reason
    with sessions() as session:
        assert session.query(Agreement).filter_by(status="active").count() == 40
        assert session.query(Event).filter(Event.type != "baseline").count() == 0
        assert [p.status for p in session.query(Publication).order_by(Publication.id)] == ["baseline", "refused"]


def test_a_crash_while_applying_leaves_the_previous_state_whole(database_url, tmp_path):
    sessions = connect(database_url)
    apply(sessions, tmp_path, rows(10), 0)
    with pytest.raises(RuntimeError), sessions.begin() as session:
        data = rows(12)
        stored = archive_document(session, tmp_path / "archive", body=data, url="u", kind="participating")
        apply_publication(session, document=stored.document, parsed=parse_workbook(data), error=None,
                          kind="participating", source_url="u", filename="p.xlsx", run_id=None,
                          detected_at=DAY + dt.timedelta(days=1))
        raise RuntimeError("power cut")
    with sessions() as session:
        assert session.query(Agreement).count() == 10
        assert session.query(Publication).count() == 1
        assert session.query(Event).filter(Event.type == "agreement_added").count() == 0


def test_export_formats(tmp_path):
    listed = [dict.fromkeys(COLUMNS), {**dict.fromkeys(COLUMNS), "state": "FL", "agency": "Ocala Police Department",
                                       "was_pending": True}]
    (tmp_path / "a.csv").write_bytes(render(listed, "csv"))
    lines = (tmp_path / "a.csv").read_text().splitlines()
    assert lines[0] == ",".join(COLUMNS) and ",true," in lines[2]
    (tmp_path / "a.jsonl").write_bytes(render(listed, "jsonl"))
    assert json.loads((tmp_path / "a.jsonl").read_text().splitlines()[1])["agency"] == "Ocala Police Department"
    (tmp_path / "a.xlsx").write_bytes(render(listed, "xlsx"))
    sheet_rows = list(openpyxl.load_workbook(io.BytesIO((tmp_path / "a.xlsx").read_bytes())).active.values)
    assert list(sheet_rows[0]) == COLUMNS and sheet_rows[2][2] == "Ocala Police Department"
