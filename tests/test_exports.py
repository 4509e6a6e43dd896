"""Exports a newsroom can use as they are, from a store backfilled with ICE's real May–June 2025 lists."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import sys
from collections import Counter

import openpyxl
import pytest

from tests.support.tracker import FIXTURES, ROOT
from tests.test_backfill import env_for, events, export, in_force, keys, run_cli, workbook_agreements


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> dict[str, str]:
    env = env_for(tmp_path_factory.mktemp("store"))
    result = run_cli(env, "backfill", str(FIXTURES / "ice" / "sheets"), timeout=600)
    assert result.returncode == 0, result.stderr
    return env


def test_xlsx_has_real_dates_clickable_links_a_frozen_header_and_filters(store, tmp_path):
    target = tmp_path / "agreements.xlsx"
    result = run_cli(store, "export", "--format", "xlsx", "--output", str(target), "--as-of", "2025-06-02")
    assert result.returncode == 0, result.stderr
    sheet = openpyxl.load_workbook(target).active
    header = [c.value for c in sheet[1]]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}{sheet.max_row}"
    assert sheet.max_row == 1 + len(workbook_agreements(in_force("2025-06-02")))
    rows = [dict(zip(header, (c for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    signed = next(r["signed"] for r in rows if r["signed"].value is not None)
    assert isinstance(signed.value, dt.datetime) and signed.number_format == "yyyy-mm-dd"
    assert all(isinstance(r["first_seen"].value, dt.datetime) for r in rows)
    assert {r["publication_date"].value for r in rows} == {dt.datetime(2025, 5, 29)}
    linked = [r["moa_url"] for r in rows if r["moa_url"].value]
    assert linked and all(c.hyperlink is not None and c.hyperlink.target == c.value for c in linked)


def test_the_same_rows_make_the_same_workbook_dated_by_its_data(store, tmp_path):
    """Two exports a few seconds apart are the same file, so a checksum or a cache can tell nothing changed."""
    first, second = tmp_path / "first.xlsx", tmp_path / "second.xlsx"
    for target in (first, second):
        result = run_cli(store, "export", "--format", "xlsx", "--output", str(target), "--as-of", "2025-06-02")
        assert result.returncode == 0, result.stderr
    assert first.read_bytes() == second.read_bytes()
    book = openpyxl.load_workbook(first)
    header = [c.value for c in book.active[1]]
    seen = [row[header.index("last_seen")] for row in book.active.iter_rows(min_row=2, values_only=True)]
    assert book.properties.created == book.properties.modified
    assert book.properties.modified.date() == max(s for s in seen if s is not None).date()


def test_county_is_filled_from_the_agency_name_only_when_it_is_certain(store):
    rows = {(r["state"], r["agency"]): r for r in export(store)}
    assert rows[("TN", "Bradley County Sheriff's Office")]["county"] == "Bradley County"  # blank in ICE's list
    assert rows[("FL", "Ocala Police Department")]["county"] is None  # a city: no guess
    assert rows[("FL", "Jacksonville Sheriff's Office")]["county"] == "Duval County"  # ICE's own value is kept


def test_pending_list_export_now_and_as_of(store):
    for day in ("2025-05-19", "2025-05-21", "2025-06-10"):
        rows = export(store, "--list", "pending", "--as-of", day)
        assert keys(rows) == Counter(workbook_agreements(in_force(day, "pending")))
    current = export(store, "--list", "pending")
    assert keys(current) == keys(export(store, "--list", "pending", "--as-of", "2025-06-10"))
    assert all(r["signed"] is None and r["publication"] == "2025-06-10 am" for r in current)  # not yet signed


def test_events_csv_between_two_days_on_ices_clock(store):
    result = run_cli(store, "events", "--format", "csv", "--since", "2025-05-22", "--until", "2025-05-24")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows and {r["published_at"][:10] for r in rows} == {"2025-05-22", "2025-05-23"}
    assert len(rows) == len([e for e in events(store) if "2025-05-22" <= e["published_at"] < "2025-05-24"])
    ocala = next(r for r in rows if r["agency"] == "Ocala Police Department" and r["type"] == "agreement_added")
    assert ocala["publication"] == "2025-05-20 pm" and ocala["publication_date"] == "2025-05-20"
    assert ocala["county"] == "" and ocala["backfilled"] == "true" and ocala["was_pending"] == "true"
    changed = next(r for r in rows if r["type"] == "agreement_changed")
    assert changed["before"].startswith("{") and "→" not in changed["what"] and "agency:" not in changed["what"]
    assert changed["what"].startswith(("renamed from “", "county ", "signed date ", "moved from ")), changed["what"]


@pytest.mark.parametrize("command", [("export", "--format", "csv"), ("events", "--format", "jsonl")])
def test_piping_into_head_ends_quietly(store, command):
    script = f"{sys.executable} scheduler.py {' '.join(command)} | head -n 2"
    result = subprocess.run(["bash", "-o", "pipefail", "-c", script], cwd=ROOT, env=store, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0 and result.stderr == ""
    assert len(result.stdout.splitlines()) == 2
