"""The explorer is safe by default: escaped values, validated parameters, a CSP, no writes to the store."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from parsers.ice_workbook import parse_workbook
from storage.archive import archive_document
from storage.db import connect, connect_read_only
from storage.export import current_rows
from storage.models import Agreement
from storage.publications import apply_publication
from tests.support.tracker import ROOT, run_cli
from tests.support.web_server import Explorer
from tests.support.workbooks import row, workbook

HOSTILE = "<script>alert(1)</script> Police Department"
COUNTY = '"><img src=x onerror=alert(2)> County'
FORMULA = '@HYPERLINK("http://evil.example") Police Department'  # a text cell Excel would run
PAGES = ["/", "/state/FL", "/events", "/events.csv", "/methodology", "/api/summary.json",
         "/api/agreements.json?state=FL", "/api/events.json", "/api/timeseries.json?state=FL",
         "/download/agreements.csv", "/download/agreements.xlsx?state=FL"]


def filled(database_url: str, archive: Path) -> None:
    sessions = connect(database_url)
    data = workbook([row(agency=HOSTILE, county=COUNTY, moa_link="javascript:alert(3)", moa="MOA"),
                     row(agency="Ocala Police Department"), row(agency=FORMULA)])
    with sessions.begin() as session:
        stored = archive_document(session, archive, body=data, url="https://www.ice.gov/p.xlsx", kind="participating")
        apply_publication(session, document=stored.document, parsed=parse_workbook(data, "participating"), error=None,
                          kind="participating", source_url="https://www.ice.gov/p.xlsx", filename="p.xlsx",
                          run_id=None, detected_at=dt.datetime(2025, 6, 1, 15))


@pytest.fixture
def store(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    filled(url, tmp_path / "archive")
    return url


@dataclass
class Answer:
    status_code: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.text)


class Client:
    """Plain HTTP to the explorer running on 127.0.0.1, as a browser or script would reach it."""

    def __init__(self, database_url: str) -> None:
        self.explorer = Explorer(database_url)

    def get(self, path: str) -> Answer:
        try:
            with urllib.request.urlopen(self.explorer.url(path)) as response:
                return Answer(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.headers, error.read())

    def close(self) -> None:
        self.explorer.close()


@contextmanager
def serving(database_url: str):
    client = Client(database_url)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def client(store):
    with serving(store) as running:
        yield running


def hostile_uid(store: str) -> str:
    with connect(store)() as session:
        return session.query(Agreement).filter(Agreement.agency == HOSTILE).one().uid


def test_every_value_is_escaped_and_only_web_links_are_links(client, store):
    for path in ("/state/FL", f"/agency/{hostile_uid(store)}", "/events", "/"):
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
        assert "No history stored yet" in client.get("/").text
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
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "SLACK_", "SMTP_"))}
    env.update({"DATABASE_URL": store, "DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(ROOT)})
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
