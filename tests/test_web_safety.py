"""The explorer is safe by default: escaped values, validated parameters, a CSP, no writes to the store."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from parsers.ice_workbook import parse_workbook
from storage.archive import archive_document
from storage.db import connect, connect_read_only
from storage.export import current_rows
from storage.models import Agreement
from storage.publications import apply_publication
from tests.support.signals import add_signals, news_signal
from tests.support.tracker import ROOT, command_env, run_cli
from tests.support.web_server import Answer, serving
from tests.support.workbooks import row, workbook

HOSTILE = "<script>alert(1)</script> Police Department"
COUNTY = '"><img src=x onerror=alert(2)> County'
FORMULA = '@HYPERLINK("http://evil.example") Police Department'  # a text cell Excel would run
PAGES = ["/", "/state/FL", "/events", "/events.csv", "/methodology", "/api/summary.json",
         "/api/agreements.json?state=FL", "/api/events.json", "/api/timeseries.json?state=FL",
         "/download/agreements.csv", "/download/agreements.xlsx?state=FL", "/signals",
         "/api/signals.json?state=FL&stage=approved"]


def filled(database_url: str, archive: Path) -> None:
    sessions = connect(database_url)
    data = workbook([row(agency=HOSTILE, county=COUNTY, moa_link="javascript:alert(3)", moa="MOA"),
                     row(agency="Ocala Police Department"), row(agency=FORMULA)])
    with sessions.begin() as session:
        stored = archive_document(session, archive, body=data, url="https://www.ice.gov/p.xlsx", kind="participating")
        apply_publication(session, document=stored.document, parsed=parse_workbook(data, "participating"), error=None,
                          kind="participating", source_url="https://www.ice.gov/p.xlsx", filename="p.xlsx",
                          run_id=None, detected_at=dt.datetime(2025, 6, 1, 15))
    add_signals(sessions, news_signal(jurisdiction=COUNTY, outlet="<script>alert(4)</script> Daily",
                                      source_url="javascript:alert(5)", excerpt=HOSTILE,
                                      also_reported_by=[{"outlet": COUNTY, "url": "javascript:alert(6)"}]))


@pytest.fixture
def store(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    filled(url, tmp_path / "archive")
    return url


@pytest.fixture
def client(store):
    with serving(store) as running:
        yield running


def hostile_uid(store: str) -> str:
    with connect(store)() as session:
        return session.query(Agreement).filter(Agreement.agency == HOSTILE).one().uid


def test_every_value_is_escaped_and_only_web_links_are_links(client, store):
    for path in ("/state/FL", f"/agency/{hostile_uid(store)}", "/events", "/", "/signals"):
        page = client.get(path).text
        assert "<script>alert" not in page and "<img src=x" not in page, path
        assert 'href="javascript:' not in page, path
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get("/state/FL").text


def test_the_agency_page_answers_to_the_number_alerts_link(client, store):
    with connect(store)() as session:
        number = session.query(Agreement).filter(Agreement.agency == HOSTILE).one().id
    by_number, by_uid = client.get(f"/agency/{number}"), client.get(f"/agency/{hostile_uid(store)}")
    assert by_number.status_code == 200
    assert by_number.text == by_uid.text


def test_downloads_never_carry_a_live_formula(client):
    import csv
    import io

    import openpyxl

    agreements = list(csv.DictReader(io.StringIO(client.get("/download/agreements.csv").text)))
    assert "'" + FORMULA in [r["agency"] for r in agreements]
    events = list(csv.DictReader(io.StringIO(client.get("/events.csv").text)))
    assert "'" + FORMULA in [r["agency"] for r in events] and FORMULA not in [r["agency"] for r in events]
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/download/agreements.xlsx").body)).active
    assert not any(cell.data_type == "f" for line in sheet.iter_rows() for cell in line)


def test_every_response_carries_the_security_headers(client):
    for path in [*PAGES, "/state/ZZ", "/agency/0000000000", "/nowhere", "/api/summary.json?as_of=june"]:
        response = client.get(path)
        assert response.status_code in (200, 400, 404), path
        assert "default-src 'none'" in response.headers["content-security-policy"], path
        assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", ["/state/TX'%20OR%201=1", "/api/agreements.json?state=TX%27--",
                                  "/api/events.json?since=2025-06-01%3Bdrop", "/events?before=-1",
                                  "/api/events.json?limit=999999", "/agency/..%2F..%2Fetc"])
def test_bad_parameters_never_reach_the_store(client, path):
    response = client.get(path)
    assert response.status_code in (400, 404)
    assert "Traceback" not in response.text


def test_the_explorer_never_writes_the_store(store, client):
    database = Path(store.removeprefix("sqlite:///"))
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    for path in PAGES:
        assert client.get(path).status_code == 200, path
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before
    with connect_read_only(store)() as session, pytest.raises(DBAPIError, match="readonly"):
        session.execute(text("delete from events"))


def test_read_only_on_postgresql_too(postgres, tmp_path):
    url = postgres.create_database("explorer_read_only")
    filled(url, tmp_path / "archive")
    with serving(url) as client:
        assert client.get("/api/summary.json?as_of=2025-06-01").json()["agreements"] == 3
        assert client.get("/state/FL").status_code == 200
    with connect_read_only(url)() as session, pytest.raises(DBAPIError, match="read-only"):
        session.execute(text("delete from events"))


def test_an_empty_store_shows_empty_pages(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    connect(url)
    with serving(url) as client:
        home = client.get("/").text
        assert "No ICE list has been read yet" in home and "backfill" in home
        assert client.get("/state/TX").status_code == 200
        assert client.get("/api/summary.json").json()["agreements"] == 0


def test_serve_without_a_store_says_what_to_do(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}", "DATA_DIR": str(tmp_path / "data"),
           "PATH": "/usr/bin:/bin"}
    result = run_cli(env, "serve", "--port", "0")
    assert result.returncode == 1
    assert "no store at" in result.stderr and "once" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "none.db").exists()


def test_serve_answers_on_its_port_and_stops_cleanly_on_sigterm(store, tmp_path):
    env = command_env(store, tmp_path / "data", PYTHONPATH=str(ROOT))
    server = subprocess.Popen([sys.executable, "scheduler.py", "serve", "--host", "127.0.0.1", "--port", "0"], cwd=ROOT,
                              env=env, stderr=subprocess.PIPE, text=True)
    try:
        address = None
        for line in server.stderr:
            found = re.search(r"running on (http://127\.0\.0\.1:\d+)", line)
            if found:
                address = found.group(1)
                break
        assert address, "serve never said where it listens"
        with urllib.request.urlopen(address + "/api/summary.json?as_of=2025-06-01") as response:
            assert json.load(response)["agreements"] == 3
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        server.stderr.close()


def test_the_agreements_api_gives_exports_rows(store, client):
    with connect(store)() as session:
        exported = sorted(current_rows(session), key=lambda r: (r["state"], r["agency"].lower(), r["model"]))
    assert client.get("/api/agreements.json").json()["agreements"] == json.loads(json.dumps(exported))
    assert client.get("/api/agreements.json?as_of=2025-05-31").json()["agreements"] == []


@pytest.mark.parametrize("path", ["/download/agreements.CSV", "/download/agreements.Xlsx", "/download/agreements.jsonl",
                                  "/download/agreements.xls", "/download/agreements.html",
                                  '/download/agreements.csv";x=.exe'])
def test_downloads_answer_only_their_documented_formats(client, path):
    response = client.get(path.replace('"', "%22").replace(";", "%3B"))
    assert response.status_code == 404
    assert "content-disposition" not in response.headers
    assert response.headers["content-type"].startswith("text/html")
    assert FORMULA not in response.text


@pytest.mark.parametrize("path, reason", [
    ("/api/summary.json?as_of=9999-12-31", "is out of range"),
    ("/api/agreements.json?as_of=0001-01-01", "is out of range"),
    ("/download/agreements.csv?as_of=9999-12-31", "is out of range"),
    ("/events?until=9999-12-31", "is out of range"),
    ("/events.csv?until=9999-12-31", "is out of range"),
    ("/api/events.json?since=0001-01-01T00:00:00%2B14:00", "is out of range"),
    ("/api/events.json?since=9999-12-31T23:59:59-14:00", "is out of range"),
    ("/api/events.json?limit=%C2%B2", "limit must be a whole number"),
    ("/api/events.json?limit=" + "9" * 5000, "limit must be a whole number"),
    ("/api/events.json?after=%D9%A1%D9%A2", "after must be a whole number"),
    ("/events?before=%EF%BC%91", "before must be a whole number"),
    ("/api/events.json?since=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%95-01-01", "is not a date"),
    ("/api/events.json?state=%EF%AC%82", "is not a US state"),
    ("/state/%EF%AC%82", "is not a US state"),
    ("/api/events.json?type=%00", "is not one of"),
    ("/agency/1234%0A", "an agency id is"),
])
def test_hostile_parameters_are_a_400_with_a_short_reason(client, path, reason):
    response = client.get(path)
    assert response.status_code == 400, path
    assert reason in (response.json()["error"] if path.startswith("/api/") else response.text)
    assert "Traceback" not in response.text and len(response.text) < 20_000


def assert_secured(response: Answer, what: str) -> None:
    assert "default-src 'none'" in response.headers["content-security-policy"], what
    assert response.headers.get_all("content-security-policy") == [response.headers["content-security-policy"]]
    assert response.headers["x-content-type-options"] == "nosniff", what
    assert response.headers["x-frame-options"] == "DENY", what


def test_every_error_carries_the_security_headers(store, tmp_path):
    with serving(store) as running:
        for path, method, status in [("/nowhere", "GET", 404), ("/static/nothing.css", "GET", 404),
                                     ("/download/agreements.CSV", "GET", 404), ("/", "POST", 405),
                                     ("/api/summary.json", "DELETE", 405), ("/state/ZZ", "GET", 400),
                                     ("/api/events.json?limit=%C2%B2", "GET", 400)]:
            response = running.get(path, method=method)
            assert response.status_code == status, path
            assert_secured(response, f"{method} {path}")
        with connect(store)().connection() as connection:  # the store breaks behind the explorer's back
            connection.execute(text("ALTER TABLE events RENAME TO events_gone"))
            connection.commit()
        for path in ("/api/events.json", "/events"):
            broken = running.get(path)
            assert broken.status_code == 500, path
            assert "something went wrong on our side" in broken.text and "events_gone" not in broken.text
            assert_secured(broken, path)


def test_read_only_holds_in_a_folder_named_with_hash_and_question_mark(tmp_path):
    folder = tmp_path / "desk #2?mode=rwc"
    folder.mkdir()
    url = make_url("sqlite://").set(database=str(folder / "tracker.db")).render_as_string()
    filled(url, tmp_path / "archive")
    with serving(url) as running:
        assert running.get("/api/summary.json?as_of=2025-06-01").json()["agreements"] == 3
    with connect_read_only(url)() as session:
        session.execute(text("PRAGMA query_only=OFF"))  # the file itself is opened read-only, not just the session
        with pytest.raises(DBAPIError, match="readonly"):
            session.execute(text("delete from events"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive", folder.name]


def serve_env(store: str, tmp_path: Path) -> dict[str, str]:
    return command_env(store, tmp_path / "data")


def test_serve_refuses_a_port_out_of_range_or_taken_in_one_line(store, tmp_path):
    out_of_range = run_cli(serve_env(store, tmp_path), "serve", "--port", "99999")
    assert out_of_range.returncode == 1
    assert out_of_range.stderr.strip().splitlines() == [
        "Error: --port 99999 is not a port: give a number from 1 to 65535 (0: any free port)"]
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        in_use = run_cli(serve_env(store, tmp_path), "serve", "--host", "127.0.0.1", "--port", str(port))
    assert in_use.returncode == 1
    assert in_use.stderr.strip().splitlines() == [
        f"Error: cannot listen on 127.0.0.1 port {port}: Address already in use"]
