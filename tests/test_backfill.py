"""`backfill PATH`: ICE's real May–June 2025 workbooks, laid out like the public archive and like a
flat folder, imported in publication order; `export --as-of` then answers for any day exactly as
the workbooks of that day say, counted here straight from the files with openpyxl.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import sqlite3
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from parsers.places import state_code
from tests.support.alert_servers import TOKEN
from tests.support.tracker import FIXTURES, ROOT, publish, run_cli, sheet

ICE = FIXTURES / "ice"
MODELS = {"jail enforcement model": "JEM", "task force model": "TFM", "warrant service officer": "WSO"}


def manifest() -> list[dict[str, str]]:
    with open(ICE / "manifest.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def archive_layout(root: Path, steps: int | None = None) -> Path:
    """The public archive's layout: a `sheets_<crawl time>` folder per crawl, holding only what changed."""
    for step in manifest()[:steps]:
        for kind in ("participating", "pending"):
            name = step[kind]
            if name.startswith(step["crawled_at"]):  # served first by this crawl
                folder = root / "sheets" / f"sheets_{step['crawled_at']}"
                folder.mkdir(parents=True, exist_ok=True)
                shutil.copy(ICE / "sheets" / name, folder / name.split("_", 2)[2])
    return root


def env_for(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SMTP_", "DATABASE_", "DIGEST_"))}
    env.update({"DATABASE_URL": f"sqlite:///{tmp / 'tracker.db'}", "DATA_DIR": str(tmp / "data"),
                "SUBSCRIPTIONS_FILE": str(tmp / "subscriptions.toml"), "FETCH_MOAS": "false",
                "PYTHONPATH": str(ROOT)})
    return env


def backfill(env: dict[str, str], path: Path):
    return run_cli(env, "backfill", str(path), timeout=600)


def export(env: dict[str, str], *args: str) -> list[dict]:
    result = run_cli(env, "export", "--format", "jsonl", *args)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def events(env: dict[str, str], *args: str) -> list[dict]:
    result = run_cli(env, "events", "--format", "jsonl", *args)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def workbook_agreements(path: Path) -> set[tuple[str, str, str]]:
    """(state, agency, model) of each row of a participating workbook, read with openpyxl alone."""
    rows = openpyxl.load_workbook(path, read_only=True).worksheets[0].iter_rows(values_only=True)
    header: list[str] | None = None
    found = set()
    for values in rows:
        cells = [" ".join(str(v).split()) if v is not None else "" for v in values]
        if header is None:
            header = [c.upper() for c in cells] if "STATE" in (c.upper() for c in cells) else None
            continue
        record = dict(zip(header, cells, strict=False))
        if record.get("LAW ENFORCEMENT AGENCY"):
            found.add((state_code(record["STATE"])[0], record["LAW ENFORCEMENT AGENCY"].lower(),
                       MODELS[record["SUPPORT TYPE"].lower()]))
    return found


def in_force(day: str, kind: str = "participating") -> Path:
    """The workbook ICE was serving at the end of `day`: the last crawl of that day or before."""
    step = [s for s in manifest() if s["crawled_at"][:8] <= day.replace("-", "")][-1]
    return ICE / "sheets" / step[kind]


def ices_stamp(name: str) -> str:
    """`…_participatingAgencies05192025pm.xlsx` → `2025-05-19 pm`, ICE's own date for its list."""
    found = re.search(r"(\d{2})(\d{2})(\d{4})(am|pm)\.xlsx$", name)
    return f"{found[3]}-{found[1]}-{found[2]} {found[4]}"


def keys(rows: list[dict]) -> Counter:
    return Counter((r["state"], " ".join(r["agency"].split()).lower(), r["model"]) for r in rows)


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    return archive_layout(tmp_path_factory.mktemp("archive"))


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory, archive) -> dict[str, str]:
    """A new install started from the whole archive."""
    env = env_for(tmp_path_factory.mktemp("store"))
    result = backfill(env, archive)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "15 snapshots, 24 publications imported" in result.stdout
    return env


@pytest.mark.parametrize("day", ["2025-05-19", "2025-05-21", "2025-05-25", "2025-06-02"])
def test_export_as_of_any_day_is_what_ices_workbook_of_that_day_lists(backfilled, day):
    rows = export(backfilled, "--as-of", day)
    expected = workbook_agreements(in_force(day))
    assert keys(rows) == Counter(expected)
    assert Counter(r["state"] for r in rows) == Counter(s for s, _, _ in expected)
    assert {r["publication"] for r in rows} == {ices_stamp(in_force(day).name)}


@pytest.mark.parametrize("day", ["2025-05-21", "2025-06-02", "2025-06-09"])
def test_summary_as_of_any_day_counts_what_ices_workbook_of_that_day_lists(backfilled, day):
    result = run_cli(backfilled, "summary", "--as-of", day, "--format", "json")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    expected = workbook_agreements(in_force(day))
    assert answer["as_of"] == day and answer["agreements"] == len(expected)
    per_state = {state: counts["agreements"] for state, counts in answer["states"].items()}
    assert per_state == dict(Counter(state for state, _, _ in expected))
    assert sum(answer["models"].values()) == len(expected)


def test_an_agreement_missing_once_is_not_exported_though_not_yet_announced_removed(backfilled):
    """Export agrees with summary: the list of that day is what counts; the removal waits for confirmation."""
    rows = export(backfilled, "--as-of", "2025-06-09")
    assert keys(rows) == Counter(workbook_agreements(in_force("2025-06-09")))
    butler = ("PA", "butler county sheriff's office", "WSO")
    with_missing = export(backfilled, "--as-of", "2025-06-09", "--include-removed")
    (missing,) = [r for r in with_missing if r["status"] == "missing"]
    assert keys([missing]) == Counter({butler: 1})
    removed = events(backfilled, "--type", "agreement_removed")
    assert not [e for e in removed if e["agency"].lower().startswith("butler county")]


def test_before_the_first_snapshot_there_is_nothing(backfilled):
    assert export(backfilled, "--as-of", "2025-05-18") == []


def test_dates_are_ices_clock_and_detected_at_the_import(backfilled):
    ocala = next(r for r in export(backfilled) if r["agency"] == "Ocala Police Department")
    assert ocala["first_seen"] == "2025-05-22T15:17:40Z"  # the snapshot that first listed it
    added = [e for e in events(backfilled, "--type", "agreement_added") if e["agency"] == "Ocala Police Department"]
    assert [e["published_at"] for e in added] == ["2025-05-22T15:17:40Z"]
    assert added[0]["publication"] == "2025-05-20 pm" and added[0]["backfilled"] is True
    assert added[0]["detected_at"] > "2026"  # imported today, published in 2025
    removed = events(backfilled, "--type", "pending_removed", "--since", "2025-05-23", "--until", "2025-05-24")
    assert removed and all(e["published_at"].startswith("2025-05-23") for e in removed)


def test_the_same_history_from_a_flat_folder_and_a_second_run_imports_nothing(backfilled, tmp_path):
    flat = tmp_path / "flat"
    shutil.copytree(ICE / "sheets", flat)
    env = env_for(tmp_path / "store")
    first = backfill(env, flat)
    assert first.returncode == 0, first.stderr
    assert "15 snapshots, 24 publications imported" in first.stdout
    assert [(e["id"], e["type"], e["published_at"]) for e in events(env)] == [
        (e["id"], e["type"], e["published_at"]) for e in events(backfilled)]
    assert export(env, "--as-of", "2025-05-27") == export(backfilled, "--as-of", "2025-05-27")

    before = events(env)
    again = backfill(env, flat)
    assert again.returncode == 0, again.stderr
    assert "0 publications imported" in again.stdout and "24 already imported" in again.stdout
    assert events(env) == before


def test_a_backfill_older_than_the_store_is_refused_and_changes_nothing(backfilled, tmp_path):
    older = tmp_path / "older" / "sheets" / "sheets_20250601_120000"
    older.mkdir(parents=True)
    (older / "participatingAgencies05302025am.xlsx").write_bytes(sheet("20250605_151847_participating"))
    before = (events(backfilled), export(backfilled))
    result = backfill(backfilled, tmp_path / "older")
    assert result.returncode == 1
    assert "sheets/sheets_20250601_120000/participatingAgencies05302025am.xlsx" in result.stderr
    assert "only extends history forward" in result.stderr and "Traceback" not in result.stderr
    assert (events(backfilled), export(backfilled)) == before


def test_a_refused_file_is_named_exits_1_and_the_rest_is_imported(tmp_path):
    root = archive_layout(tmp_path / "archive", steps=3)
    damaged = root / "sheets" / "sheets_20250519_151802" / "participatingAgencies05192025am.xlsx"
    damaged.write_bytes(damaged.read_bytes()[:30000])
    env = env_for(tmp_path / "store")
    result = backfill(env, root)
    assert result.returncode == 1
    assert "sheets/sheets_20250519_151802/participatingAgencies05192025am.xlsx" in result.stderr
    assert "1 refused" in result.stdout
    assert keys(export(env)) == Counter(workbook_agreements(in_force("2025-05-20")))  # diffed past the bad one
    assert backfill(env, root).returncode == 0  # judged once: a second run imports nothing


def test_backfilled_news_is_never_alerted_and_a_live_crawl_alerts_only_its_own(mirror, tmp_path, slack_server,
                                                                              smtp_server):
    (tmp_path / "subscriptions.toml").write_text(
        '[[slack]]\nchannel = "#fl-organizers"\nstates = ["FL"]\n\n'
        '[[email]]\nto = ["desk@newsroom.example"]\nstates = ["FL"]\ncadence = "instant"\n')
    env = dict(env_for(tmp_path), SLACK_BOT_TOKEN=TOKEN, SLACK_API_URL=slack_server.url, SMTP_HOST="127.0.0.1",
               SMTP_PORT=str(smtp_server.port), SMTP_STARTTLS="false", SLACK_TIMEOUT="5", CRAWL_DELAY="0",
               ICE_287G_URL=mirror.url("/identify-and-arrest/287g"))
    result = backfill(env, archive_layout(tmp_path / "archive", steps=4))
    assert result.returncode == 0, result.stderr
    assert any(e["agency"] == "Ft. Myers Police Department" for e in events(env, "--type", "agreement_added"))
    for _ in range(2):
        assert run_cli(env, "once", "--only", "alerts").returncode == 0
        assert run_cli(env, "digest", "--send-now").returncode == 0
    greetings = slack_server.method_calls("chat.postMessage")  # each destination is greeted once, with counts
    assert [g["text"].splitlines()[0] for g in greetings] == ["287(g) tracker is now watching Florida"]
    assert [m["Subject"] for m in smtp_server.messages] == ["287(g) tracker is now watching Florida"]
    assert "Ft. Myers" not in json.dumps(greetings) + smtp_server.messages[0].as_string()
    slack_server.forget()
    with sqlite3.connect(tmp_path / "tracker.db") as db:
        assert db.execute("select count(*) from deliveries").fetchone() == (0,)

    step = manifest()[4]  # the next crawl, live, from ICE's (mirrored) page
    publish(mirror, (ICE / "sheets" / step["participating"]).read_bytes(),
            (ICE / "sheets" / step["pending"]).read_bytes(), participating_name="participatingAgencies05202025pm.xlsx")
    crawl = run_cli(env, "once", "--only", "ice")
    assert crawl.returncode == 0, crawl.stdout + crawl.stderr
    assert run_cli(env, "once", "--only", "alerts").returncode == 0
    sent = json.dumps(slack_server.all_messages("#fl-organizers"))
    assert "Ocala Police Department" in sent and "Kissimmee Police Department" in sent
    assert "Ft. Myers" not in sent and "Sarasota Police Department" not in sent  # backfilled: history, not news
    [live] = [e for e in events(env, "--type", "agreement_added") if e["agency"] == "Ocala Police Department"]
    assert "backfilled" not in live and live["published_at"] > "2026" and live["was_pending"] is True


def test_moa_pdfs_go_into_the_raw_archive_unedited_and_other_spreadsheets_are_named_and_left(tmp_path):
    root = archive_layout(tmp_path / "archive", steps=1)
    pdf = FIXTURES / "moa" / "287gWSO_LakeCoFl2019-10-15.pdf"
    folder = root / "agreements" / "agreements_20250519_024922" / "FL" / "Lake County Sheriff's Office"
    folder.mkdir(parents=True)
    shutil.copy(pdf, folder / pdf.name)
    (root / "agreements" / ".DS_Store").write_bytes(b"\0")
    (root / "ICPSR_38771").mkdir()  # another data set kept in the same repository
    (root / "ICPSR_38771" / "38771-0001-Documentation-crosswalk.xlsx").write_bytes(sheet("20250519_024922_pending"))
    env = env_for(tmp_path / "store")
    result = backfill(env, root)
    assert result.returncode == 0, result.stderr
    assert "1 MOA files archived" in result.stdout and "1 snapshots, 2 publications imported" in result.stdout
    assert "ignored: ICPSR_38771/38771-0001-Documentation-crosswalk.xlsx" in result.stderr
    with sqlite3.connect(tmp_path / "store" / "tracker.db") as db:
        [(path, fetched_at)] = db.execute(
            "select d.path, f.fetched_at from documents d join fetches f on f.document_id = d.id "
            "where d.kind = 'moa'").fetchall()
    assert (tmp_path / "store" / "data" / "archive" / path).read_bytes() == pdf.read_bytes()
    assert fetched_at.startswith("2025-05-19 02:49:22")
    assert "0 MOA files archived" in backfill(env, root).stdout


def test_reparse_after_a_backfill_rebuilds_the_same_history_on_ices_clock(tmp_path):
    env = env_for(tmp_path / "store")
    assert backfill(env, archive_layout(tmp_path / "archive", steps=6)).returncode == 0
    before = (events(env), export(env, "--as-of", "2025-05-22"), export(env, "--include-removed"))
    result = run_cli(env, "reparse")
    assert result.returncode == 0, result.stderr
    assert "0 new" in result.stdout and "0 no longer found" in result.stdout
    assert (events(env), export(env, "--as-of", "2025-05-22"), export(env, "--include-removed")) == before


def test_2026_names_without_am_pm_are_imported_and_stamped_in_both_layouts(tmp_path):
    """Since 2026 ICE names the participating list `participatingAgencies10092026.xlsx` and links no pending one."""
    body = sheet("20250608_151716_participating")
    sheets = tmp_path / "archive" / "sheets"
    for stamp, name in (("20261009_151500", "participatingAgencies10092026.xlsx"),
                        ("20261014_151500", "participatingAgencies10142026.xlsx")):
        (sheets / f"sheets_{stamp}").mkdir(parents=True)
        (sheets / f"sheets_{stamp}" / name).write_bytes(body if stamp.startswith("20261009") else
                                                        sheet("20250605_151847_participating"))
    flat = tmp_path / "flat"
    flat.mkdir()
    (flat / "20261009_151500_participatingAgencies10092026.xlsx").write_bytes(body)
    for layout, folder in (("sheets", tmp_path / "archive"), ("flat", flat)):
        (tmp_path / f"home-{layout}").mkdir()
        env = env_for(tmp_path / f"home-{layout}")
        result = backfill(env, folder)
        assert result.returncode == 0, result.stdout + result.stderr
        assert {row["publication"] for row in export(env, "--as-of", "2026-10-10")} == {"2026-10-09"}
        assert {row["publication_date"] for row in export(env, "--as-of", "2026-10-10")} == {"2026-10-09"}
    later = run_cli(env_for(tmp_path / "home-sheets"), "summary", "--as-of", "2026-10-15", "--format", "json")
    assert json.loads(later.stdout)["publication"] == "2026-10-14"
