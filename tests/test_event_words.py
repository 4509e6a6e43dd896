"""Events as people read them: sentences, human dates, a signing told once; the CSV and the table.

The store holds the real May–June 2025 publications, so every kind of change ICE made then is read.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from alerts.event_table import table_lines
from alerts.event_text import EventRow, Links, sentence, summarize_rows
from alerts.events_csv import CSV_COLUMNS
from tests.support.alert_servers import ocala
from tests.support.sample_store import sample_env
from tests.support.tracker import run_cli

FIELD_NAME = re.compile(r"\b(moa_url|addendum_url|signed_raw|agency_type|was_pending|pending_removed|agreement_\w+)\b")
ISO_STAMP = re.compile(r"\d{4}-\d\d-\d\d(T\d\d:\d\d)?")


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("event_words")
    return sample_env(home)


def events_csv(store) -> list[dict]:
    result = run_cli(store, "events", "--format", "csv")
    assert result.returncode == 0, result.stderr
    reader = csv.DictReader(io.StringIO(result.stdout))
    assert tuple(reader.fieldnames) == CSV_COLUMNS
    return list(reader)


def test_the_events_csv_leads_with_ices_clock_and_writes_flags_as_true_or_false(store):
    rows = events_csv(store)
    assert "published_at" in CSV_COLUMNS and all(r["published_at"].endswith("Z") for r in rows)
    assert {r["was_pending"] for r in rows} == {"true", "false"}
    assert {r["backfilled"] for r in rows} == {"false"}
    jsonl = [json.loads(line) for line in run_cli(store, "events").stdout.splitlines()]
    assert [r["id"] for r in rows] == [e["id"] for e in jsonl], "the same events, in the same order"


def test_what_changed_is_words_without_field_names_or_iso_stamps(store):
    rows = events_csv(store)
    for row in rows:
        what = row["what"]
        assert what and not FIELD_NAME.search(what) and not ISO_STAMP.search(what), (row["type"], what)
        assert "None" not in what and "→" not in what and what != row["type"].replace("_", " ")
    said = {(r["type"], r["list"]): r["what"] for r in rows}
    assert said["baseline", "participating"] == "on the first list the tracker read"
    assert said["baseline", "pending"] == "on the first pending list the tracker read"
    assert said["pending_added", "pending"] == "new pending request"


def test_a_pending_request_that_signed_says_so_with_how_long_it_was_pending(store):
    rows = events_csv(store)
    signings = [r for r in rows if r["type"] == "agreement_added" and r["was_pending"] == "true"]
    assert signings and all(r["what"].startswith("signed (was pending since ") for r in signings)
    ocala_signing = next(r for r in signings if r["agency"] == "Ocala Police Department")
    assert ocala_signing["what"] == "signed (was pending since May 19, 2025); agreement dated April 24, 2025"
    left = [r for r in rows if r["type"] == "pending_removed" and r["reason"] == "signed"]
    assert left and all(r["what"].startswith("signed (was pending since ") for r in left)


def test_the_table_tells_a_signing_once_and_wraps_at_word_breaks(store):
    env = {**store, "COLUMNS": "110"}
    result = run_cli(env, "events", "--format", "table", "--since", "2025-05-22", "--until", "2025-05-23")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["published", "type", "st", "model", "signed", "agency", "what"]
    assert max(len(line) for line in lines) <= 110
    body = result.stdout
    ocala_lines = [line for line in lines if "Ocala Police" in line]
    assert len(ocala_lines) == 1 and "May 22, 2025" in ocala_lines[0] and "agreement_added" in ocala_lines[0]
    assert not [line for line in lines if "pending_removed" in line and "Ocala" in line], \
        "the pending entry that signed is not a second line"
    assert not ISO_STAMP.search(body)
    everything = run_cli(env, "events", "--format", "table").stdout.splitlines()
    signed_apart = [line for line in everything if "pending_removed" in line and "signed (was pending" in line]
    assert len(everything) > 900 and signed_apart == [], "every signing is told once, as its new agreement"


def test_a_long_name_and_sentence_wrap_whole_words_within_their_columns():
    long_name = "Consolidated Metropolitan Government of Nashville and Davidson County Sheriff's Office"
    payload = ocala(type="agreement_changed", agency=long_name, before={"agency": "Nashville Sheriff",
                                                                         "county": None},
                    after={"agency": long_name, "county": "Davidson County"}, published_at="2025-06-06T15:17:16Z")
    lines = list(table_lines([(1, payload)], 100))
    assert len(lines) > 2 and max(len(line) for line in lines) <= 100
    words = " ".join(lines[1:]).split()
    for word in (*long_name.split(), "Davidson", "“Nashville"):
        assert word in words, f"{word!r} was cut"


def test_a_signing_is_one_digest_entry_not_a_withdrawal_beside_an_agreement():
    added = ocala(was_pending=True, pending_since="2025-05-19T02:49:22Z", publication="2025-06-06 am")
    left = ocala(type="pending_removed", list="pending", reason="signed", signed=None, moa_url=None,
                 pending_since="2025-05-19T02:49:22Z", publication="2025-06-06 am")
    (entry,) = summarize_rows([EventRow(1, added), EventRow(2, left)], Links())
    assert entry.label == "New agreement" and "was pending since May 19, 2025" in entry.facts
    (alone,) = summarize_rows([EventRow(2, left)], Links())
    assert alone.label == "Pending request signed"
    assert alone.facts[-1].startswith("signed (was pending since May 19, 2025)")
    assert sentence(left) == "signed (was pending since May 19, 2025)"


def test_a_feed_has_one_entry_for_a_signing():
    import datetime as dt
    import xml.etree.ElementTree as ET

    from alerts.feeds import render_feed
    from storage.models import Event

    at = dt.datetime(2025, 6, 6, 15, 17)
    added = ocala(was_pending=True, pending_since="2025-05-19T02:49:22Z", publication="2025-06-06 am")
    left = ocala(type="pending_removed", list="pending", reason="signed", pending_since="2025-05-19T02:49:22Z",
                 publication="2025-06-06 am")
    events = [Event(seq=seq, id=f"e{seq}", type=p["type"], state="FL", payload=p, published_at=at, detected_at=at)
              for seq, p in ((2, left), (1, added))]
    feed = ET.fromstring(render_feed("FL", "FL", events, at))
    entries = feed.findall("{http://www.w3.org/2005/Atom}entry")
    assert [e.find("{http://www.w3.org/2005/Atom}title").text for e in entries] == [
        "FL · New agreement: Ocala Police Department — Municipality, Marion County"]
    assert "was pending since May 19, 2025" in entries[0].find("{http://www.w3.org/2005/Atom}content").text
