"""Refusal rules that read the data: a burst of signings empties the pending list, and that is news.

In July 2025 ICE moved 31 agencies from the pending list (52 entries) to the participating
list at once. The pending list fell by 60%, past the 50% a broken file would show; every
missing entry was on the participating list, so the publication must be applied.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

from parsers.ice_workbook import parse_workbook
from storage.publications import Explained, refusal_reason
from tests.support.tracker import publish, run_cli, sheet
from tests.support.workbooks import pending_workbook, row, workbook

SIGNED = 31


def _agencies() -> list:
    """Real agencies from an ICE publication, one row each, so no name stands on both lists twice."""
    seen, unique = set(), []
    for record in parse_workbook(sheet("20250519_024922_participating")).records:
        if (record.state, record.agency) not in seen:
            seen.add((record.state, record.agency))
            unique.append(record)
    return unique


def _participating(records) -> bytes:
    return workbook([row(state=r.state, agency=r.agency, kind=r.agency_type, county=r.county, model=r.model,
                         signed=dt.datetime.combine(r.signed or dt.date(2025, 7, 1), dt.time()))
                     for r in records])


def _pending(records) -> bytes:
    return pending_workbook([row(state=r.state, agency=r.agency, kind=r.agency_type, county=r.county, model=r.model)
                             for r in records])


def _burst():
    """June: 300 participating, 52 pending. July: 31 of the pending signed (331 and 21)."""
    agencies = _agencies()
    listed, pending = agencies[:300], agencies[300:352]
    return (_participating(listed), _pending(pending),
            _participating(listed + pending[:SIGNED]), _pending(pending[SIGNED:]))


def _events(env, kind: str) -> list[dict]:
    result = run_cli(env, "events", "--format", "jsonl", "--type", kind)
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_a_signing_burst_that_empties_the_pending_list_is_applied(mirror, tracker_env, tmp_path):
    june_listed, june_pending, july_listed, july_pending = _burst()
    publish(mirror, june_listed, june_pending, participating_name="participatingAgencies06302025am.xlsx")
    assert run_cli(tracker_env, "once", "--only", "ice").returncode == 0

    publish(mirror, july_listed, july_pending, participating_name="participatingAgencies07152025am.xlsx")
    july = run_cli(tracker_env, "once", "--only", "ice")
    assert july.returncode == 0, july.stdout + july.stderr
    assert "refused" not in july.stdout
    signed = _events(tracker_env, "pending_removed")
    assert len(signed) == SIGNED and all(e["reason"] == "signed" for e in signed)
    added = _events(tracker_env, "agreement_added")
    assert len(added) == SIGNED and all(e["was_pending"] for e in added)
    with sqlite3.connect(tmp_path / "tracker.db") as db:
        assert db.execute("select count(*) from publications where status = 'refused'").fetchone() == (0,)
        assert db.execute("select count(*) from problems").fetchone() == (0,)


def test_pending_posted_before_the_participating_list_is_judged_again_when_it_catches_up(mirror, tracker_env):
    june_listed, june_pending, july_listed, july_pending = _burst()
    publish(mirror, june_listed, june_pending, participating_name="participatingAgencies06302025am.xlsx")
    assert run_cli(tracker_env, "once", "--only", "ice").returncode == 0

    publish(mirror, june_listed, july_pending, participating_name="participatingAgencies06302025am.xlsx")
    early = run_cli(tracker_env, "once", "--only", "ice")
    assert early.returncode == 1
    assert "pending agreements fell from 52 to 21" in early.stdout and "31 (60%)" in early.stdout
    assert _events(tracker_env, "pending_removed") == []

    publish(mirror, july_listed, july_pending, participating_name="participatingAgencies07152025am.xlsx")
    caught_up = run_cli(tracker_env, "once", "--only", "ice")
    assert caught_up.returncode == 0, caught_up.stdout + caught_up.stderr
    assert len(_events(tracker_env, "pending_removed")) == SIGNED
    status = run_cli(tracker_env, "status")
    assert "ice:refused:pending" not in status.stdout


def test_only_the_unexplained_part_of_a_drop_counts_and_the_message_names_it():
    pending = parse_workbook(_pending(_agencies()[:21]), "pending")

    class Previous:
        row_count = 52

    assert refusal_reason(pending, Previous(), 0.10, Explained(signed=31)) is None
    assert refusal_reason(pending, Previous(), 0.10, Explained(signed=5)) is None  # 26 of 52: not more than half
    assert refusal_reason(pending, Previous(), 0.10, Explained(signed=3, merged=1)) == (
        "pending agreements fell from 52 to 21; 3 now on the participating list and 1 merged into a remaining row "
        "explained: 27 (52%) left without explanation, more than the 50% allowed: refused until a maintainer "
        "checks it"
    )
    assert "31 (60%) left without explanation" in refusal_reason(pending, Previous(), 0.10)
