"""Local signals through the real pipeline: stored once as `local_signal` events; sources' health."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

from service.local import local_spiders, update_health
from storage.db import connect
from storage.models import CrawlRun, Problem
from tests.support.local_helpers import FIXTURES, serve
from tests.support.tracker import ROOT, run_cli


def crawl_local_page(env, url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "local_page", "-a", f"url={url}",
         "-a", "jurisdiction=Marion County, FL", "-s", "ROBOTSTXT_OBEY=False"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )


def local_events(env) -> list[dict]:
    result = run_cli(env, "events", "--format", "jsonl", "--type", "local_signal")
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_local_page_signals_become_events_once(tracker_env):
    with serve(FIXTURES / "site") as base:
        first = crawl_local_page(tracker_env, f"{base}/agenda.html")
        assert first.returncode == 0, first.stderr[-2000:]
        events = local_events(tracker_env)
        assert {e["state"] for e in events} == {"FL"}
        assert [(e["url"].rsplit("/", 1)[-1], (e.get("document_url") or "").rsplit("/", 1)[-1]) for e in events] in (
            [("agenda.html", ""), ("agenda.html", "packet.pdf")],
            [("agenda.html", "packet.pdf"), ("agenda.html", "")],
        )
        assert all(e["snippet"] and e["matched"] and e["jurisdiction"] == "Marion County" for e in events)
        # the vocabulary news shares: read from an agenda, placed in its county, dated by its meeting
        assert {e["source"] for e in events} == {"agenda"}
        assert {(e["county_fips"], e["outlet"], e["published_at"]) for e in events} == {
            ("12083", "127.0.0.1", "2025-06-03T00:00:00Z")}
        assert all(e["excerpt"] == e["snippet"] and e["also_reported_by"] == [] for e in events)
        stages = {e["title"][:3]: e["stage"] for e in events}
        assert stages["3.1"] == "scheduled"  # "Discussion and possible action": on the agenda, no decision yet
        assert stages["Ite"] is None  # "Request to approve…" says no stage: none is guessed
        again = crawl_local_page(tracker_env, f"{base}/agenda.html")
        assert again.returncode == 0
    assert local_events(tracker_env) == events  # the same page and packet are not signalled twice


def test_local_spiders_cover_platforms_and_hand_written_ones():
    names = local_spiders()
    assert names[:3] == ["legistar", "civicplus", "local_page"]
    assert "marion_sheriff" in names and "ice_287g" not in names


def _run(sessions, spider: str, at: dt.datetime, items: int, status: str = "ok") -> None:
    with sessions.begin() as session:
        session.add(CrawlRun(source=f"local:{spider}", started_at=at, finished_at=at, status=status, stats={
            "local": {"local/items/Sumter County": items, "local/errors/Sumter County": 0 if items else 1}}))


def test_a_source_failing_three_runs_opens_one_problem_naming_its_maintainer(tmp_path):
    sessions = connect(f"sqlite:///{tmp_path / 'h.db'}")
    start = dt.datetime(2025, 6, 1)
    for day in range(4):
        _run(sessions, "civicplus", start + dt.timedelta(days=day), items=0, status="failed")
        update_health(sessions, "civicplus")
    with sessions() as session:
        problems = session.query(Problem).all()
    assert len(problems) == 1 and problems[0].closed_at is None
    assert "Sumter County" in problems[0].message and "maintainer" in problems[0].message
    _run(sessions, "civicplus", start + dt.timedelta(days=5), items=12)
    update_health(sessions, "civicplus")
    with sessions() as session:
        assert session.query(Problem).one().closed_at is not None


def test_once_runs_one_local_source_and_a_broken_packet_link_does_not_fail_it(tracker_env):
    with serve(FIXTURES / "site") as base:
        done = run_cli(tracker_env, "once", "--only", "local", "-a", "spider=local_page",
                       "-a", f"url={base}/meetings.html", "-a", "jurisdiction=Lake County, FL")
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    assert done.stdout.startswith("local:local_page: ok") and "2 new local signals" in done.stdout
    assert [e["title"][:4] for e in local_events(tracker_env)] == ["5.2 ", "8.2 "]
    with connect(tracker_env["DATABASE_URL"])() as session:
        stats = session.query(CrawlRun).one().stats["local"]
        assert session.query(Problem).count() == 0
    assert stats["local/document_errors/Lake County"] == 1 and "local/errors/Lake County" not in stats


def test_once_explains_a_bad_spider_argument(tracker_env):
    unknown = run_cli(tracker_env, "once", "--only", "local", "-a", "spider=nowhere")
    assert unknown.returncode == 1 and "no local spider 'nowhere'" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    without_only = run_cli(tracker_env, "once", "-a", "spider=local_page")
    assert without_only.returncode == 1 and "needs --only local" in without_only.stderr


def test_failed_packet_links_do_not_make_a_source_fail(tmp_path):
    sessions = connect(f"sqlite:///{tmp_path / 'h.db'}")
    start = dt.datetime(2025, 6, 1)
    for day in range(4):
        with sessions.begin() as session:
            session.add(CrawlRun(source="local:civicplus", started_at=start + dt.timedelta(days=day),
                                 finished_at=start + dt.timedelta(days=day), status="ok", stats={"local": {
                                     "local/items/Sumter County": 9, "local/document_errors/Sumter County": 3}}))
        update_health(sessions, "civicplus")
    with sessions() as session:
        assert session.query(Problem).count() == 0
