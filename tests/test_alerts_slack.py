"""Slack alerts through a local stand-in for Slack's Web API: routed, complete, never doubled."""

from __future__ import annotations

import json

from sqlalchemy import select, update

from alerts.deliver import deliver_all
from storage.models import Delivery
from tests.support.alert_servers import add_events, database, make_config, ocala, start_watching

SUBS = """
[[slack]]
channel = "#fl-organizers"
states = ["FL"]

[[slack]]
channel = "#tx-organizers"
states = ["Texas"]
"""


def _setup(tmp_path, slack, subscriptions=SUBS, **extra):
    config = make_config(tmp_path, subscriptions, slack=slack, **extra)
    db = database(config)
    start_watching(config, db, slack=slack)
    return config, db


def _all_text(message) -> str:
    return message["text"] + json.dumps(message["blocks"])


def test_events_go_only_to_the_channels_watching_their_state(tmp_path, slack_server):
    config, db = _setup(tmp_path, slack_server)
    add_events(
        db,
        ocala(),
        ocala(agency="Marion County Sheriff's Office", agency_type="County", model="JEM"),
        ocala(state="TX", agency="Terrell County Sheriff's Office", county="Terrell County", model="WSO"),
        ocala(state="GA", agency="Georgia Department of Public Safety", county=None),
        ocala(type="baseline", agency="Lake County Sheriff's Office"),
        ocala(type="agreement_changed", agency="Edgewood Police Department"),  # not a default event
    )
    report = deliver_all(config, db)

    fl = slack_server.posts("#fl-organizers")
    tx = slack_server.posts("#tx-organizers")
    assert len(fl) == 1 and len(tx) == 1
    assert "Ocala Police Department" in _all_text(fl[0])
    assert "Marion County Sheriff" in _all_text(fl[0])
    assert "TFM" in _all_text(fl[0]) and "signed April 24, 2025" in _all_text(fl[0])
    assert "ocalaPdFL_TFM_MOA_04.24.2025.pdf" in _all_text(fl[0])
    for leaked in ("Terrell", "Georgia Department", "Lake County", "Edgewood"):
        assert leaked not in _all_text(fl[0])
    assert "Terrell County Sheriff" in _all_text(tx[0]) and "Ocala" not in _all_text(tx[0])
    assert report.slack_sent == 3 and report.pending == 0 and report.ok

    again = deliver_all(config, db)
    assert len(slack_server.method_calls("chat.postMessage")) == 2
    assert again.slack_sent == 0


def test_one_message_grouped_by_state_with_renames_spelled_out(tmp_path, slack_server):
    subscriptions = '[[slack]]\nchannel = "#south"\nstates = ["FL", "GA", "TX"]\n'
    subscriptions += 'events = ["agreement_added", "agreement_changed"]\n'
    config, db = _setup(tmp_path, slack_server, subscriptions)
    add_events(
        db,
        ocala(state="TX", agency="Terrell County Sheriff's Office", county="Terrell County"),
        ocala(),
        ocala(state="GA", agency="Polk County Sheriff's Office", county="Polk County"),
        ocala(
            type="agreement_changed",
            agency="Kenneth City Police Department",
            before={"agency": "Kenneth City PD"},
            after={"agency": "Kenneth City Police Department"},
        ),
    )
    deliver_all(config, db)
    (message,) = slack_server.posts("#south")
    sections = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]
    headings = [s for s in sections if s.startswith("*") and "change" in s and ":*" not in s]
    assert [h.split(" (")[0] for h in headings] == ["*Florida", "*Georgia", "*Texas"]
    blocks = json.dumps(message["blocks"], ensure_ascii=False)
    assert "• renamed from “Kenneth City PD” to “Kenneth City Police Department”" in blocks
    assert "renamed from “Kenneth City PD” to “Kenneth City Police Department”" in message["text"]
    assert "agency:" not in blocks and "→" not in blocks


def test_a_long_run_continues_in_the_thread_and_names_every_event(tmp_path, slack_server):
    config, db = _setup(tmp_path, slack_server, '[[slack]]\nchannel = "#all"\nstates = ["*"]\n')
    states = ["FL", "TX", "GA", "AL"]
    agencies = [f"Agency Number {n:03d} Police Department" for n in range(120)]
    add_events(db, *(ocala(agency=name, state=states[n % 4]) for n, name in enumerate(agencies)))
    deliver_all(config, db)

    (parent,) = slack_server.posts("#all")
    replies = slack_server.replies("#all", parent["ts"])
    assert replies, "what does not fit continues in the thread"
    everything = [parent, *replies]
    for message in everything:
        assert len(message["blocks"]) <= 50
        assert all(len(b["text"]["text"]) <= 3000 for b in message["blocks"] if b["type"] == "section")
        assert len(message["text"]) <= 40_000
    text = " ".join(_all_text(m) for m in everything)
    assert all(name in text for name in agencies)
    assert "more" not in parent["text"].replace("more part", "")


def test_agency_names_cannot_ping_the_channel(tmp_path, slack_server):
    config, db = _setup(tmp_path, slack_server)
    add_events(db, ocala(agency="<!channel> Sheriff & Jail <@U123>"))
    deliver_all(config, db)
    (message,) = slack_server.posts("#fl-organizers")
    raw = _all_text(message)
    assert "<!channel>" not in raw and "<@U123>" not in raw
    assert "&lt;!channel&gt; Sheriff &amp; Jail &lt;@U123&gt;" in message["text"]


def test_rate_limit_is_waited_out_and_the_message_sent_once(tmp_path, slack_server):
    config, db = _setup(tmp_path, slack_server)
    add_events(db, ocala())
    slack_server.fail("chat.postMessage", 429, retry_after=1)
    report = deliver_all(config, db)
    assert report.ok
    assert len(slack_server.method_calls("chat.postMessage")) == 2
    assert len(slack_server.posts("#fl-organizers")) == 1


def test_a_server_error_is_retried(tmp_path, slack_server):
    config, db = _setup(tmp_path, slack_server)
    add_events(db, ocala())
    slack_server.fail("chat.postMessage", 500)
    report = deliver_all(config, db)
    assert report.ok
    assert len(slack_server.posts("#fl-organizers")) == 1


def test_a_hung_slack_leaves_the_alert_pending_for_the_next_run(tmp_path, slack_server):
    config, db = _setup(tmp_path, slack_server)
    add_events(db, ocala())
    slack_server.hang("chat.postMessage")
    report = deliver_all(config, db)
    assert report.pending == 1 and not report.ok
    assert slack_server.posts("#fl-organizers") == []

    report = deliver_all(config, db)
    assert report.ok
    assert len(slack_server.posts("#fl-organizers")) == 1
    assert slack_server.method_calls("conversations.history"), "asked Slack before sending again"


def test_nothing_lost_when_slack_is_down_for_a_run(tmp_path, slack_server):
    config, db = _setup(tmp_path, slack_server)
    add_events(db, ocala())
    slack_server.fail("chat.postMessage", 500, times=10)
    report = deliver_all(config, db)
    assert report.pending == 1 and report.errors
    slack_server.heal()
    add_events(db, ocala(agency="Belleview Police Department"))
    report = deliver_all(config, db)
    assert report.ok
    (message,) = slack_server.posts("#fl-organizers")
    assert "Ocala Police Department" in message["text"] and "Belleview Police Department" in message["text"]


def test_no_duplicate_after_a_crash_between_send_and_record(tmp_path, slack_server):
    config, db = _setup(tmp_path, slack_server)
    add_events(db, ocala(), ocala(agency="Dunnellon Police Department"))
    deliver_all(config, db)
    assert len(slack_server.posts("#fl-organizers")) == 1
    # The process died after Slack accepted the message but before the rows were marked sent.
    with db() as session:
        session.execute(update(Delivery).values(status="sending", external_ref=None))
        session.commit()

    report = deliver_all(config, db)
    assert len(slack_server.posts("#fl-organizers")) == 1
    assert report.pending == 0
    with db() as session:
        rows = session.scalars(select(Delivery)).all()
        assert {r.status for r in rows} == {"sent"}
        assert all(r.external_ref == slack_server.posts("#fl-organizers")[0]["ts"] for r in rows)


def test_a_crash_before_slack_got_it_is_resent(tmp_path, slack_server):
    config, db = _setup(tmp_path, slack_server)
    add_events(db, ocala())
    slack_server.fail("chat.postMessage", 500, times=10)
    deliver_all(config, db)
    slack_server.heal()
    # The rows were marked `sending` and the process died before the post reached Slack.
    with db() as session:
        session.execute(update(Delivery).values(status="sending", batch="0123abcd-0"))
        session.commit()
    report = deliver_all(config, db)
    assert report.ok
    assert len(slack_server.posts("#fl-organizers")) == 1


def test_without_a_token_messages_land_in_the_outbox(tmp_path, capsys):
    config = make_config(tmp_path, SUBS)
    db = database(config)
    for greeting in start_watching(config, db):
        assert "287(g) tracker is now watching" in greeting
    capsys.readouterr()
    add_events(db, ocala())
    report = deliver_all(config, db)
    assert report.ok and report.slack_sent == 1
    files = list((config.outbox_dir / "slack").glob("*.json"))
    assert len(files) == 1
    payload = json.loads(files[0].read_text())
    assert payload["channel"] == "#fl-organizers" and "Ocala Police Department" in payload["text"]
    assert "slack #fl-organizers (outbox): 1 event" in capsys.readouterr().out
    deliver_all(config, db)
    assert len(list((config.outbox_dir / "slack").glob("*.json"))) == 1


def test_without_subscriptions_changes_still_reach_the_console_outbox(tmp_path, capsys):
    config = make_config(tmp_path, "")
    db = database(config)
    add_events(db, ocala(), ocala(type="baseline", agency="Lake County Sheriff's Office"))
    deliver_all(config, db)
    files = list((config.outbox_dir / "slack").glob("*.json"))
    assert len(files) == 1
    text = files[0].read_text()
    assert "Ocala Police Department" in text and "Lake County" not in text
    assert "slack console (outbox): 1 event" in capsys.readouterr().out
