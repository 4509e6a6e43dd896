"""MOA PDFs in the cycle: fetched once from ICE's host, read, and named in the alert."""

from __future__ import annotations

import json
import sqlite3

import pytest

from parsers.moa_pdf import tesseract_available
from tests.support.tracker import FIXTURES, publish, run_cli
from tests.support.workbooks import row, workbook

TERRELL = (FIXTURES / "moa" / "TerrellCoTX_WSO_MOA_04.16.2025.pdf").read_bytes()


def terrell(moa_link=None, moa="link pending"):
    return row(state="TEXAS", agency="Terrell County Sheriff's Office", kind="County", county="Terrell County",
               model="Warrant Service Officer", moa=moa, moa_link=moa_link)


@pytest.mark.skipif(not tesseract_available(), reason="Tesseract's English model (Debian tesseract-ocr) is missing")
def test_new_moa_is_fetched_read_and_its_signers_named_in_the_event(mirror, tracker_env, tmp_path):
    env = dict(tracker_env, FETCH_MOAS="true")
    others = [row(agency=f"Agency {i} Police Department") for i in range(20)]
    publish(mirror, workbook([terrell(), *others]))
    assert run_cli(env, "once", "--only", "ice").returncode == 0

    pdf = mirror.set("/doclib/287gMOA/TerrellCoTX_WSO_MOA_04.16.2025.pdf", TERRELL, "application/pdf")
    outside = "https://files.example.org/287gMOA/Agency0.pdf"
    publish(mirror, workbook([terrell(pdf, "link"), row(agency="Agency 0 Police Department", moa="link",
                                                           moa_link=outside), *others[1:]]),
            participating_name="participatingAgencies06092025am.xlsx")
    second = run_cli(env, "once", "--only", "ice")
    assert second.returncode == 0, second.stdout + second.stderr[-2000:]
    assert "1 MOA documents read" in second.stdout

    published = [json.loads(line) for line in
                 run_cli(env, "events", "--format", "jsonl", "--type", "moa_published").stdout.splitlines()]
    event = next(e for e in published if e["agency"] == "Terrell County Sheriff's Office")
    assert event["moa_url"] == pdf
    assert event["ice_signer"]["name"] == "Todd M. Lyons"
    assert event["lea_signer"]["name"] == "Thaddeus C. Cleveland"
    assert len(mirror.requests_for("/doclib/287gMOA/TerrellCoTX_WSO_MOA_04.16.2025.pdf")) == 1
    with sqlite3.connect(tmp_path / "tracker.db") as db:
        assert db.execute("select count(*) from documents where kind = 'moa'").fetchone()[0] == 1
        assert db.execute("select count(*) from fetches where url like '%example.org%'").fetchone()[0] == 0

    mirror.hits.clear()
    assert run_cli(env, "once", "--only", "ice").returncode == 0
    assert mirror.requests_for("/doclib/287gMOA/TerrellCoTX_WSO_MOA_04.16.2025.pdf") == []  # fetched this week


def test_new_content_behind_the_same_moa_url_is_moa_changed(mirror, tracker_env, tmp_path):
    env = dict(tracker_env, FETCH_MOAS="true")
    path = "/doclib/287gMOA/TerrellCoTX_WSO_MOA_04.16.2025.pdf"
    pdf = mirror.set(path, b"%PDF-1.4\n% first upload, unreadable on purpose\n%%EOF\n", "application/pdf")
    others = [row(agency=f"Agency {i} Police Department") for i in range(20)]
    publish(mirror, workbook([terrell(pdf, "link"), *others]))
    assert run_cli(env, "once", "--only", "ice").returncode == 0

    mirror.set(path, TERRELL, "application/pdf")
    with sqlite3.connect(tmp_path / "tracker.db") as db:  # a week later, when MOAs are checked again
        db.execute("update fetches set fetched_at = datetime(fetched_at, '-8 days') where url = ?", (pdf,))
    publish(mirror, workbook([terrell(pdf, "link"), *others, row(agency="Agency 99 Police Department")]),
            participating_name="participatingAgencies06092025am.xlsx")  # links are read from new publications
    assert run_cli(env, "once", "--only", "ice").returncode == 0
    changed = [json.loads(line) for line in
               run_cli(env, "events", "--format", "jsonl", "--type", "moa_changed").stdout.splitlines()]
    assert [(e["agency"], e["moa_url"]) for e in changed] == [("Terrell County Sheriff's Office", pdf)]
    hits = mirror.requests_for(path)
    assert [h.status for h in hits] == [200, 200] and "if-none-match" in hits[1].headers


def test_an_unreadable_moa_is_reported_once_with_its_url_and_status_stays_healthy(mirror, tracker_env, tmp_path):
    env = dict(tracker_env, FETCH_MOAS="true")
    others = [row(agency=f"Agency {i} Police Department") for i in range(20)]
    publish(mirror, workbook([terrell(), *others]))
    assert run_cli(env, "once", "--only", "ice").returncode == 0
    broken = mirror.set("/doclib/287gMOA/TerrellCoTX_WSO_MOA_broken.pdf", b"%PDF-1.7\n" + b"\x00" * 2000,
                        "application/pdf")
    publish(mirror, workbook([terrell(broken, "link"), *others]),
            participating_name="participatingAgencies06092025am.xlsx")
    for _ in range(2):
        assert run_cli(env, "once", "--only", "ice").returncode == 0
    with sqlite3.connect(tmp_path / "tracker.db") as db:
        notes = db.execute("select message, closed_at is not null from problems where key like 'moa:unreadable:%'")
        [(message, closed)] = notes.fetchall()
    assert broken in message and closed  # one notice, and nothing left open
    assert run_cli(env, "status").returncode == 0
