"""One count everywhere: a new channel's greeting, the digest, `summary` and `export` agree, on real lists.

The store holds the real May–June 2025 publications, then one more participating list: the
last real one with its last row left out (the agreement is missing, not yet confirmed removed).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter

import openpyxl
import pytest
from sqlalchemy import select

from alerts.digest import headline
from alerts.subscriptions import EmailSubscription, SlackSubscription
from alerts.welcome import area_counts, welcome
from storage.db import connect
from storage.models import Agreement
from storage.summary import summary
from tests.support.sample_store import ICE, apply_workbook, manifest, sample_env
from tests.support.tracker import run_cli
from tests.support.workbook_counts import participating_counts

SHORTER_DAY = "2025-06-12"
LAST_PARTICIPATING = ICE / "sheets" / manifest()[-1]["participating"]


def without_last_row(path) -> tuple[bytes, str]:
    """The workbook with its last agency row taken out, and that row's agency."""
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    last = max(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 2).value)
    agency = sheet.cell(last, 2).value
    sheet.delete_rows(last)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), agency


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> dict:
    home = tmp_path_factory.mktemp("one_count")
    env = sample_env(home)
    url = env["DATABASE_URL"]
    body, left_out = without_last_row(LAST_PARTICIPATING)
    apply_workbook(connect(url), home / "archive", body, "participatingAgencies06122025am.xlsx", "participating",
                   dt.datetime(2025, 6, 12, 15, 17))
    return {"env": env, "url": url, "left_out": left_out}


def summary_json(store, *args: str) -> dict:
    result = run_cli(store["env"], "summary", "--format", "json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def export_rows(store, *args: str) -> list[dict]:
    result = run_cli(store["env"], "export", "--format", "csv", *args)
    assert result.returncode == 0, result.stderr
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_the_count_names_the_newest_list_applied_by_that_day(store):
    before, after = summary_json(store, "--as-of", "2025-06-11"), summary_json(store, "--as-of", SHORTER_DAY)
    assert before["publication"] == "2025-06-06 am"
    assert after["publication"] == "2025-06-12 am", "the shorter list only left a row out, yet it is the one counted"
    assert after["agreements"] == before["agreements"] - 1


def test_export_as_of_a_day_has_exactly_the_rows_summary_counts(store):
    for day in ("2025-06-11", SHORTER_DAY):
        counted = summary_json(store, "--as-of", day)
        rows = export_rows(store, "--as-of", day)
        assert len(rows) == counted["agreements"]
        assert Counter(r["state"] for r in rows) == {st: s["agreements"] for st, s in counted["states"].items()}
    shorter, longer = export_rows(store, "--as-of", SHORTER_DAY), export_rows(store, "--as-of", "2025-06-11")
    held = Counter(r["agency"] for r in longer)
    held.subtract(r["agency"] for r in shorter)
    assert +held == {store["left_out"]: 1}
    assert {r["publication"] for r in shorter} == {"2025-06-12 am"}


def test_the_agreement_left_out_is_marked_missing_with_include_removed(store):
    rows = export_rows(store, "--as-of", SHORTER_DAY, "--include-removed")
    (missing,) = [r for r in rows if r["status"] == "missing"]
    assert missing["agency"] == store["left_out"] and missing["removed_at"] == ""
    assert missing["publication"] == "2025-06-06 am", "the last list that carried it"


def test_export_today_has_exactly_the_rows_summary_counts_today(store):
    assert len(export_rows(store)) == summary_json(store)["agreements"]


def test_a_greeting_and_a_digest_count_agencies_as_summary_does(store):
    """In Texas ICE spells some agencies two ways (`Sheriff's` and `Sheriff’s`, case): still one agency each."""
    sessions = connect(store["url"])
    today = dt.date(2025, 6, 12)
    with sessions() as session:
        counted = summary(session, today)
        texas = counted["states"]["TX"]
        (greeting,) = area_counts(session, ["TX"], today)
        channel = SlackSubscription(channel="#tx", states=frozenset({"TX"}), events=frozenset({"agreement_added"}))
        heading = welcome(session, channel, today).counts_heading
        sub = EmailSubscription(to=("desk@example.org",), states=frozenset({"TX"}), events=frozenset())
        top = headline(session, sub, [], None, today)
        names = set(session.scalars(select(Agreement.agency).where(
            Agreement.state == "TX", Agreement.list_kind == "participating", Agreement.status == "active")))
    assert len(names) > texas["agencies"], "the sample does spell Texas agencies several ways"
    assert (greeting.agreements, greeting.agencies) == (texas["agreements"], texas["agencies"])
    assert greeting.line().startswith(f"Texas: {texas['agreements']} agreements with {texas['agencies']} agencies")
    assert top.national == counted["agreements"] and top.states == {"TX": texas["agreements"]}
    assert counted["publication"] == "2025-06-12 am"
    assert heading == "Today, from ICE's list of June 12, 2025 (am):", "the greeting names the list it counts"


def test_a_weekly_series_of_one_state(store):
    result = run_cli(store["env"], "summary", "--state", "FL", "--by", "week", "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["week"] for r in rows] == ["2025-05-19", "2025-05-26", "2025-06-02", "2025-06-09"]
    first_week_end = next(s for s in manifest() if s["crawled_at"] == "20250523_151708")
    florida, _ = participating_counts(ICE / "sheets" / first_week_end["participating"])
    assert int(rows[0]["agreements"]) == florida["FL"]
    national = run_cli(store["env"], "summary", "--by", "week", "--format", "csv").stdout
    assert int(list(csv.DictReader(io.StringIO(national)))[0]["agreements"]) > florida["FL"]
    table = run_cli(store["env"], "summary", "--state", "FL", "--as-of", "2025-06-10")
    assert table.returncode == 0 and "in FL as of 2025-06-10" in table.stdout.splitlines()[0]
    assert [line.split()[0] for line in table.stdout.splitlines()[2:]] == ["FL", "total"]


def test_a_day_before_history_starts_says_when_it_starts(store):
    result = run_cli(store["env"], "summary", "--as-of", "2025-05-18")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip() == ("Error: no count for 2025-05-18: the stored history of ICE's participating "
                                     "list starts on 2025-05-19")
    assert run_cli(store["env"], "summary", "--as-of", "2025-05-19").returncode == 0
