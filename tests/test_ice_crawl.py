"""The ICE crawl end to end: a local mirror, `scheduler.py once --only ice`, then `export`."""

from __future__ import annotations

import itertools
import json
import sqlite3

import pytest

from parsers.ice_workbook import parse_workbook
from tests.support.tracker import publish, run_cli, sheet
from tests.support.workbooks import row, workbook

FIRST = "20250519_024922_participating"
SECOND = "20250519_151802_participating"
PENDING_FIRST = "20250519_024922_pending"
PENDING_SECOND = "20250519_151802_pending"


def export_rows(env, *args) -> list[dict]:
    result = run_cli(env, "export", "--format", "jsonl", *args)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def once(env):
    return run_cli(env, "once", "--only", "ice")


def test_two_publications_export_the_second_with_first_seen_from_the_first(mirror, tracker_env):
    publish(mirror, sheet(FIRST), sheet(PENDING_FIRST))
    first = once(tracker_env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "baseline" in first.stdout
    before = {r["id"]: r for r in export_rows(tracker_env)}

    publish(mirror, sheet(SECOND), sheet(PENDING_SECOND), participating_name="participatingAgencies05192025am.xlsx")
    second = once(tracker_env)
    assert second.returncode == 0, second.stdout + second.stderr
    rows = export_rows(tracker_env)

    expected = {(r.state, r.agency, r.model) for r in parse_workbook(sheet(SECOND)).records}
    assert {(r["state"], r["agency"], r["model"]) for r in rows} == expected
    assert len(rows) == len(expected) == 581
    carried = [r for r in rows if r["id"] in before]
    assert len(carried) == 571
    assert all(r["first_seen"] == before[r["id"]]["first_seen"] for r in carried)
    new = [r for r in rows if r["id"] not in before]
    assert new and all(r["first_seen"] > max(b["first_seen"] for b in before.values()) for r in new)
    fort_myers = next(r for r in rows if r["agency"] == "Ft. Myers Police Department")
    assert fort_myers["was_pending"] is True

    florida = export_rows(tracker_env, "--state", "FL")
    assert florida and all(r["state"] == "FL" for r in florida)
    as_of = export_rows(tracker_env, "--as-of", before[next(iter(before))]["first_seen"][:10])
    assert len(as_of) == 581  # both crawls happened today: the end of today sees the second


def test_unchanged_recrawl_downloads_no_workbook_bytes(mirror, tracker_env):
    publish(mirror, sheet(FIRST), sheet(PENDING_FIRST))
    assert once(tracker_env).returncode == 0
    mirror.hits.clear()
    again = once(tracker_env)
    assert again.returncode == 0, again.stderr
    assert "unchanged" in again.stdout
    workbook_hits = [h for h in mirror.hits if h.path.endswith(".xlsx") or "/file-download/" in h.path]
    assert len(workbook_hits) == 2
    assert all(h.status == 304 and h.sent_bytes == 0 for h in workbook_hits)
    assert all("if-none-match" in h.headers for h in workbook_hits)


def test_same_content_under_a_new_name_is_not_a_new_publication(mirror, tracker_env):
    publish(mirror, sheet(FIRST))
    assert once(tracker_env).returncode == 0
    publish(mirror, sheet(FIRST), participating_name="participatingAgencies05172025pm.xlsx")
    again = once(tracker_env)
    assert again.returncode == 0 and "unchanged" in again.stdout
    events = run_cli(tracker_env, "events", "--format", "jsonl", "--type", "agreement_added")
    assert events.stdout == ""


def _store_snapshot(env) -> tuple[list[dict], str]:
    return export_rows(env), run_cli(env, "events", "--format", "jsonl").stdout


@pytest.mark.parametrize("bad", ["html", "truncated", "shrunk", "no_columns"])
def test_bad_publication_exits_1_and_leaves_the_store_as_it_was(mirror, tracker_env, bad):
    publish(mirror, sheet(FIRST))
    assert once(tracker_env).returncode == 0
    snapshot = _store_snapshot(tracker_env)
    body = {
        "html": b"<!DOCTYPE html><html><body><h1>Service Unavailable</h1></body></html>",
        "truncated": sheet(SECOND)[:30000],
        "shrunk": workbook([row(agency=f"Agency {i}") for i in range(100)]),
        "no_columns": workbook([row()], header=["STATE", "LAW ENFORCEMENT AGENCY", "SIGNED", "MOA"]),
    }[bad]
    publish(mirror, body, participating_name="participatingAgencies05192025am.xlsx")
    result = once(tracker_env)
    assert result.returncode == 1
    reason = {"html": "HTML page", "truncated": "truncated", "shrunk": "fell from 571 to 100",
              "no_columns": "SUPPORT TYPE"}[bad]
    assert reason in result.stdout
    assert _store_snapshot(tracker_env) == snapshot

    publish(mirror, sheet(SECOND), participating_name="participatingAgencies05192025am.xlsx")
    recovered = once(tracker_env)
    assert recovered.returncode == 0, recovered.stdout
    added = run_cli(tracker_env, "events", "--format", "jsonl", "--type", "agreement_added").stdout.splitlines()
    assert len(added) == 10  # diffed against the last good publication, not the bad one


def test_page_without_workbook_links_is_a_failed_crawl(mirror, tracker_env, tmp_path):
    mirror.page([("/news/today.html", "News")])
    result = once(tracker_env)
    assert result.returncode == 1
    assert "no workbook links" in result.stdout
    with sqlite3.connect(tmp_path / "tracker.db") as db:
        assert db.execute("select status from crawl_runs").fetchall() == [("failed",)]
        assert db.execute("select count(*) from problems where closed_at is null").fetchone()[0] == 1


def test_raw_documents_are_archived_unedited_with_their_fetch(mirror, tracker_env, tmp_path):
    publish(mirror, sheet(FIRST), sheet(PENDING_FIRST))
    assert once(tracker_env).returncode == 0
    archived = sorted((tmp_path / "data" / "archive").rglob("*.xlsx"))
    assert {p.read_bytes() for p in archived} == {sheet(FIRST), sheet(PENDING_FIRST)}
    with sqlite3.connect(tmp_path / "tracker.db") as db:
        fetches = db.execute("select url, status, etag from fetches order by id").fetchall()
        names = db.execute("select filename from documents order by id").fetchall()
    assert all(status == 200 and etag for _, status, etag in fetches)
    assert ("pendingAgencies.xlsx",) in names  # from Content-Disposition, not the URL


def test_reparse_rebuilds_the_same_history_from_the_archive_without_the_network(mirror, tracker_env):
    publish(mirror, sheet(FIRST), sheet(PENDING_FIRST))
    assert once(tracker_env).returncode == 0
    publish(mirror, sheet(SECOND), sheet(PENDING_SECOND), participating_name="participatingAgencies05192025am.xlsx")
    assert once(tracker_env).returncode == 0
    rows, events = _store_snapshot(tracker_env)
    mirror.close()  # no network from here on

    result = run_cli(tracker_env, "reparse")
    assert result.returncode == 0, result.stderr
    assert "0 new" in result.stdout and "0 no longer found" in result.stdout
    assert _store_snapshot(tracker_env) == (rows, events)


def test_requests_name_the_tracker_and_robots_txt_is_obeyed(mirror, tracker_env):
    mirror.set("/robots.txt", "User-agent: *\nDisallow: /doclib/\n", "text/plain")
    publish(mirror, sheet(FIRST))
    result = once(tracker_env)
    assert result.returncode == 1
    assert "robots.txt" in result.stdout
    assert mirror.requests_for("/doclib/about/offices/ero/287g/participatingAgencies06062025am.xlsx") == []
    page = mirror.requests_for("/identify-and-arrest/287g")[0]
    assert page.headers["user-agent"].startswith("287g-tracker/")


def test_a_brief_outage_is_retried_with_backoff(mirror, tracker_env):
    publish(mirror, sheet(FIRST))
    path = "/doclib/about/offices/ero/287g/participatingAgencies06062025am.xlsx"
    mirror.fail(path, 503, times=2, retry_after=1)
    result = once(tracker_env)
    assert result.returncode == 0, result.stdout
    hits = mirror.requests_for(path)
    assert [h.status for h in hits] == [503, 503, 200]
    assert all(b.at - a.at >= 0.9 for a, b in itertools.pairwise(hits))  # Retry-After: 1


def test_a_spider_exception_fails_the_crawl_loudly(mirror, tracker_env):
    mirror.page([("http://[broken/participatingAgencies.xlsx", "Participating Agencies")])
    result = once(tracker_env)
    assert result.returncode == 1
    assert "spider exception ValueError" in result.stdout


def test_another_spreadsheet_on_the_page_is_ignored_but_a_missing_participating_list_fails(mirror, tracker_env):
    publish(mirror, sheet(FIRST))
    mirror.set("/doclib/forms/request.xlsx", workbook([row()]))
    mirror.page([("/doclib/about/offices/ero/287g/participatingAgencies06062025am.xlsx", "Participating Agencies"),
                 ("/doclib/forms/request.xlsx", "Request form")])
    assert once(tracker_env).returncode == 0
    assert len(export_rows(tracker_env)) == 571

    publish(mirror, None, sheet(PENDING_FIRST))
    result = once(tracker_env)
    assert result.returncode == 1 and "linked no participating list" in result.stdout


def test_an_error_page_served_again_is_fetched_again_not_taken_as_unchanged(mirror, tracker_env):
    publish(mirror, b"<!DOCTYPE html><html><body>Maintenance</body></html>")
    for _ in range(2):
        result = once(tracker_env)
        assert result.returncode == 1 and "HTML page" in result.stdout
    hits = mirror.requests_for("/doclib/about/offices/ero/287g/participatingAgencies06062025am.xlsx")
    assert [h.status for h in hits] == [200, 200]
