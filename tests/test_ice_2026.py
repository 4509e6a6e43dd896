"""ICE's page as it publishes since 2026: only the participating workbook, named without am/pm.

A loopback ICE first links both lists (2025), then only a participating one named the 2026 way,
then the pending list again. Checked as users see it: `summary`, the explorer, Slack (the
organizers' channel and the maintainers'), `events`, `status`, and the requests ICE receives.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import urllib.request

import settings
from service.crontab import cron_trigger, longest_gap
from service.jobs import crawl_and_alert
from storage.db import connect
from tests.support.alert_servers import TOKEN
from tests.support.tracker import PAGE_PATH, publish, run_cli, sheet
from tests.support.web_server import Explorer
from tests.support.workbooks import row, workbook

DOCLIB = "/doclib/about/offices/ero/287g/"
SUBSCRIPTIONS = """
[[slack]]
channel = "#everywhere"
states = ["*"]
events = ["agreement_added"]

[maintainers]
slack_channel = "#tracker-ops"
"""


def serve(mirror, participating: tuple[str, bytes], pending: tuple[str, bytes] | None = None) -> None:
    """ICE's page linking the participating workbook (and the pending one, when given) by their file names."""
    links = []
    for served, text in ((participating, "Participating Agencies"), (pending, "Pending Agencies")):
        if served is not None:
            name, body = served
            mirror.set(DOCLIB + name, body)
            links.append((DOCLIB + name, text))
    mirror.page(links, PAGE_PATH)


def once(env) -> None:
    result = run_cli(env, "once", "--only", "ice")
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    alerts = run_cli(env, "once", "--only", "alerts")
    assert alerts.returncode == 0, alerts.stdout + alerts.stderr[-2000:]


def pending_summary(env) -> dict:
    result = run_cli(env, "summary", "--list", "pending", "--format", "json")
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def events(env) -> list[dict]:
    result = run_cli(env, "events", "--format", "jsonl")
    assert result.returncode == 0, result.stderr[-2000:]
    return [json.loads(line) for line in result.stdout.splitlines()]


def page_text(env, path: str) -> str:
    explorer = Explorer(env["DATABASE_URL"])
    try:
        with urllib.request.urlopen(explorer.url(path), timeout=30) as answer:
            return answer.read().decode()
    finally:
        explorer.close()


def ops_notices(slack_server) -> list[str]:
    return [json.dumps(m) for m in slack_server.posts("#tracker-ops") if "pending list" in json.dumps(m)]


def test_a_page_without_the_pending_list_keeps_the_last_one_as_history_and_says_so(
        mirror, tracker_env, tmp_path, slack_server):
    (tmp_path / "subscriptions.toml").write_text(SUBSCRIPTIONS)
    env = dict(tracker_env, SLACK_BOT_TOKEN=TOKEN, SLACK_API_URL=slack_server.url, SLACK_TIMEOUT="5")
    serve(mirror, ("participatingAgencies05192025am.xlsx", sheet("20250519_151802_participating")),
          ("pendingAgencies05192025am.xlsx", sheet("20250519_151802_pending")))
    once(env)
    before = pending_summary(env)
    assert "stale" not in before and before["publication"] == "2025-05-19 am"
    welcomed = len(slack_server.posts("#everywhere"))

    # ICE's 2026 page: the participating list alone, its name without am/pm; it brings new signings.
    serve(mirror, ("participatingAgencies10092026.xlsx", sheet("20250520_151813_participating")))
    once(env)
    once(env)  # a second crawl of the same page: nothing new, and nobody is told twice

    stale = pending_summary(env)
    assert stale["stale"] is True and stale["last_published"] == "2025-05-19"
    assert stale["agreements"] == before["agreements"] > 0  # the last list, kept as it was
    table = run_cli(env, "summary", "--list", "pending")
    assert "ICE stopped publishing its pending list after 2025-05-19" in table.stdout

    found = events(env)
    assert [e for e in found if e["type"] == "pending_removed" and e.get("reason") != "signed"] == []
    added = [e for e in found if e["type"] == "agreement_added"]
    assert added and {e["publication"] for e in added} == {"2026-10-09"}
    assert len(slack_server.posts("#everywhere")) == welcomed + 1  # the new signings, told once
    assert len(ops_notices(slack_server)) == 1
    assert "no longer links a pending list" in ops_notices(slack_server)[0]
    assert run_cli(env, "status").returncode == 0
    (tmp_path / "subscriptions.toml").write_text(SUBSCRIPTIONS + '[[slack]]\nchannel = "#new"\nstates = ["*"]\n')
    assert run_cli(env, "once", "--only", "alerts").returncode == 0
    [welcome] = slack_server.posts("#new")
    assert "on ICE's last pending list, of 2025-05-19 (no longer published)" in welcome["text"]

    held = before["agreements"]
    notice = f"ICE stopped publishing its pending list after May 19, 2025; the last one held {held} requests"
    assert notice in page_text(env, "/")
    state = max(before["states"], key=lambda s: before["states"][s]["agreements"])
    state_page = page_text(env, f"/state/{state}")
    assert notice in state_page and "Pending requests (" not in state_page

    # The pending link comes back: it is read again and the list is current once more.
    serve(mirror, ("participatingAgencies10092026.xlsx", sheet("20250520_151813_participating")),
          ("pendingAgencies05192025pm.xlsx", sheet("20250520_151813_pending")))
    once(env)
    back = pending_summary(env)
    assert "stale" not in back and "last_published" not in back and back["publication"] == "2025-05-19 pm"
    assert "ICE stopped publishing" not in page_text(env, f"/state/{state}")
    assert len(ops_notices(slack_server)) == 1
    assert run_cli(env, "status").returncode == 0


def test_an_unchanged_2026_page_and_workbook_are_answered_304_and_nothing_is_archived_again(
        mirror, tracker_env, tmp_path):
    serve(mirror, ("participatingAgencies10092026.xlsx", sheet("20250520_151813_participating")))
    assert run_cli(tracker_env, "once", "--only", "ice").returncode == 0
    archive = tmp_path / "data" / "archive"
    archived = sorted(p.name for p in archive.rglob("*") if p.is_file())
    mirror.hits.clear()

    result = run_cli(tracker_env, "once", "--only", "ice")
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    assert "ice: unchanged" in result.stdout
    for path in (PAGE_PATH, DOCLIB + "participatingAgencies10092026.xlsx"):
        [hit] = mirror.requests_for(path)
        assert "if-none-match" in hit.headers and hit.status == 304 and hit.sent_bytes == 0
    assert sorted(p.name for p in archive.rglob("*") if p.is_file()) == archived
    exported = run_cli(tracker_env, "export", "--format", "jsonl")
    assert {json.loads(line)["publication"] for line in exported.stdout.splitlines()} == {"2026-10-09"}


def test_the_default_schedule_leaves_a_minute_for_the_crawl_within_the_six_minute_budget():
    defaults = settings.TrackerSettings()
    gap = longest_gap(cron_trigger(defaults.ice_crawl_cron, dt.UTC), dt.UTC)
    assert gap + dt.timedelta(seconds=defaults.ice_crawl_jitter) <= dt.timedelta(minutes=5)


def test_each_scheduled_ice_crawl_sends_its_alerts_at_once(mirror, tracker_env, tmp_path, slack_server, monkeypatch):
    """What `run` does on each tick: crawl, then Slack straight away, not at the next outbox retry."""
    (tmp_path / "subscriptions.toml").write_text(SUBSCRIPTIONS)
    env = dict(tracker_env, SLACK_BOT_TOKEN=TOKEN, SLACK_API_URL=slack_server.url, SLACK_TIMEOUT="5")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config = settings.load(env, dotenv=None)
    sessions = connect(config.database_url)
    try:
        serve(mirror, ("participatingAgencies05192025am.xlsx", sheet("20250519_151802_participating")))
        assert crawl_and_alert(config, sessions) == 0
        greeted = len(slack_server.posts("#everywhere"))
        serve(mirror, ("participatingAgencies10092026.xlsx", sheet("20250520_151813_participating")))
        assert crawl_and_alert(config, sessions) == 0
    finally:
        sessions.kw["bind"].dispose()
    [news] = slack_server.posts("#everywhere")[greeted:]
    assert "New agreement" in json.dumps(news)


def test_a_dead_moa_link_is_not_asked_for_on_every_poll(mirror, tracker_env, tmp_path):
    """ICE is polled every few minutes: a MOA link that answers 404 waits an hour before it is tried again."""
    env = dict(tracker_env, FETCH_MOAS="true")
    dead = mirror.url("/doclib/287gMOA/Missing_MOA.pdf")
    publish(mirror, workbook([row(agency="Agency 0 Police Department", moa="link", moa_link=dead)]))
    for _ in range(3):
        assert run_cli(env, "once", "--only", "ice").returncode == 0
    assert len(mirror.requests_for("/doclib/287gMOA/Missing_MOA.pdf")) == 1
    with sqlite3.connect(tmp_path / "tracker.db") as db:  # an hour later, it is asked for again
        db.execute("update fetches set fetched_at = datetime(fetched_at, '-61 minutes') where url = ?", (dead,))
    assert run_cli(env, "once", "--only", "ice").returncode == 0
    assert len(mirror.requests_for("/doclib/287gMOA/Missing_MOA.pdf")) == 2


def test_the_no_longer_published_mark_survives_reparse_on_both_databases(mirror, tracker_env, database_url):
    env = dict(tracker_env, DATABASE_URL=database_url)
    serve(mirror, ("participatingAgencies05192025am.xlsx", sheet("20250519_151802_participating")),
          ("pendingAgencies05192025am.xlsx", sheet("20250519_151802_pending")))
    assert run_cli(env, "once", "--only", "ice").returncode == 0
    serve(mirror, ("participatingAgencies10092026.xlsx", sheet("20250520_151813_participating")))
    assert run_cli(env, "once", "--only", "ice").returncode == 0
    before = pending_summary(env)
    assert before["stale"] is True

    rebuilt = run_cli(env, "reparse")
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr[-2000:]
    assert pending_summary(env) == before
