"""The explorer behind a CDN: every answer says how long it may be kept, and a current copy costs a 304."""

from __future__ import annotations

import datetime as dt
import gzip
import os
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import pytest

from parsers.ice_workbook import parse_workbook
from storage.archive import archive_document
from storage.db import connect
from storage.models import Agreement
from storage.publications import apply_publication
from tests.support.web_server import serving
from tests.support.workbooks import row, workbook

PATHS = ["/", "/state/FL", "/events", "/methodology", "/api/summary.json", "/api/agreements.json?state=FL",
         "/api/events.json", "/api/timeseries.json?state=FL", "/download/agreements.csv",
         "/download/agreements.xlsx?state=FL", "/static/explorer.css", "/feeds/FL.xml", "/signals?state=FL",
         "/api/signals.json?state=FL"]
FEED = '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Florida</title></feed>'


def publish(database_url: str, archive: Path, agencies: list[str], at: dt.datetime) -> None:
    sessions = connect(database_url)
    data = workbook([row(agency=name) for name in agencies])
    with sessions.begin() as session:
        stored = archive_document(session, archive, body=data, url="https://www.ice.gov/p.xlsx", kind="participating")
        apply_publication(session, document=stored.document, parsed=parse_workbook(data, "participating"), error=None,
                          kind="participating", source_url="https://www.ice.gov/p.xlsx", filename="p.xlsx",
                          run_id=None, detected_at=at)


@pytest.fixture
def store(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    publish(url, tmp_path / "archive", ["Ocala Police Department", "Collier County Sheriff's Office"],
            dt.datetime(2025, 6, 1, 15))
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    (feeds / "FL.xml").write_text(FEED)
    return url


@pytest.fixture
def site(store, tmp_path):
    with serving(store, feeds_dir=tmp_path / "feeds") as running:
        yield running


def an_agency(store: str) -> str:
    with connect(store)() as session:
        return session.query(Agreement).first().uid


def test_every_answer_may_be_kept_a_minute_and_then_costs_a_304(site, store):
    for path in [*PATHS, f"/agency/{an_agency(store)}"]:
        first = site.get(path)
        assert first.status_code == 200, path
        tag, policy = first.headers["etag"], first.headers["cache-control"]
        assert "public" in policy and "max-age=60" in policy and "stale-while-revalidate=" in policy, path
        current = site.get(path, headers={"If-None-Match": tag})
        assert current.status_code == 304 and current.body == b"", path
        assert current.headers["etag"] == tag and current.headers["cache-control"] == policy, path
        assert "default-src 'none'" in current.headers["content-security-policy"], path
        assert site.get(path, headers={"If-None-Match": f'"another", {tag}'}).status_code == 304, path
        other = site.get(path, headers={"If-None-Match": 'W/"another"'})
        assert other.status_code == 200 and other.body == first.body, path


def test_a_new_list_changes_the_tag_at_once(site, store, tmp_path):
    paths = ["/", "/state/FL", "/api/summary.json", "/api/agreements.json?state=FL", "/download/agreements.csv",
             "/api/events.json"]
    before = {path: site.get(path).headers["etag"] for path in paths}
    assert site.get("/api/summary.json").json()["agreements"] == 2
    publish(store, tmp_path / "archive", ["Ocala Police Department", "Collier County Sheriff's Office",
                                          "Marion County Sheriff's Office"], dt.datetime(2025, 6, 8, 15))
    for path, tag in before.items():
        answer = site.get(path, headers={"If-None-Match": tag})
        assert answer.status_code == 200, path
        assert answer.headers["etag"] != tag, path
    assert site.get("/api/summary.json").json()["agreements"] == 3


def test_a_compressed_and_a_plain_copy_share_one_tag(site):
    plain = site.get("/")
    packed = site.get("/", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip"
    assert gzip.decompress(packed.body) == plain.body
    assert packed.headers["etag"] == plain.headers["etag"]
    revalidated = site.get("/", headers={"Accept-Encoding": "gzip", "If-None-Match": plain.headers["etag"]})
    assert revalidated.status_code == 304 and revalidated.body == b""
    head = site.get("/", method="HEAD")
    assert head.status_code == 200 and head.body == b"" and head.headers["etag"] == plain.headers["etag"]


def test_a_feed_answers_if_modified_since(site, tmp_path):
    first = site.get("/feeds/FL.xml")
    modified = parsedate_to_datetime(first.headers["last-modified"])
    assert site.get("/feeds/FL.xml", headers={"If-Modified-Since": first.headers["last-modified"]}).status_code == 304
    earlier = format_datetime(modified - dt.timedelta(days=1), usegmt=True)
    assert site.get("/feeds/FL.xml", headers={"If-Modified-Since": earlier}).status_code == 200
    assert site.get("/feeds/FL.xml", headers={"If-Modified-Since": "last tuesday"}).status_code == 200
    rewritten = tmp_path / "feeds" / "FL.xml"
    rewritten.write_text(FEED.replace("Florida", "Florida, after the next crawl"))
    later = modified.timestamp() + 3600
    os.utime(rewritten, (later, later))
    fresh = site.get("/feeds/FL.xml", headers={"If-None-Match": first.headers["etag"],
                                               "If-Modified-Since": first.headers["last-modified"]})
    assert fresh.status_code == 200 and b"after the next crawl" in fresh.body


def test_errors_are_never_kept(site):
    for path in ("/nowhere", "/state/ZZ", "/api/events.json?limit=0", "/agency/ffffffffff", "/feeds/TX.xml"):
        answer = site.get(path)
        assert answer.status_code in (400, 404), path
        assert answer.headers["cache-control"] == "no-store", path
        assert "etag" not in answer.headers, path
    streamed = site.get("/events.csv")
    assert streamed.status_code == 200 and "max-age=60" in streamed.headers["cache-control"]
