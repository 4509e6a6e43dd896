"""What organizers read, word for word: bot channels and incoming webhooks, new channels, tests, withdrawals."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from alerts.deliver import deliver_all
from cli.alerts import alert_test_command
from errors import UserError
from tests.support.alert_servers import (
    TOKEN,
    add_active_agreements,
    add_events,
    database,
    make_config,
    ocala,
    start_watching,
)
from tests.support.tracker import run_cli

ICE_PAGE = "<https://www.ice.gov/identify-and-arrest/287g|ICE's 287(g) page>"
MOA = ocala()["moa_url"]
BOT_AND_WEBHOOK = """
[[slack]]
channel = "#fl-organizers"
states = ["FL"]

[[slack]]
webhook_env = "SLACK_WEBHOOK_FL"
states = ["Florida"]
"""


def sections(message) -> list[str]:
    return [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]


def contexts(message) -> list[str]:
    return [b["elements"][0]["text"] for b in message["blocks"] if b["type"] == "context"]


def _webhook_setup(tmp_path, slack, subscriptions=BOT_AND_WEBHOOK, **environment):
    hook = slack.webhook("#fl-coalition")
    config = make_config(tmp_path, subscriptions, slack=slack, public_url="https://287g.example.org",
                         environment={"SLACK_WEBHOOK_FL": hook, **environment})
    db = database(config)
    start_watching(config, db, slack=slack)
    return config, db


def test_a_bot_channel_and_a_webhook_read_the_same_words(tmp_path, slack_server):
    config, db = _webhook_setup(tmp_path, slack_server)
    (ocala_id,) = add_active_agreements(db, {"FL": 1})
    add_events(db, ocala(publication="2025-06-06 am"), agreement_ids={0: ocala_id})
    report = deliver_all(config, db)
    assert report.ok and report.slack_messages == 2

    (bot,) = slack_server.posts("#fl-organizers")
    (hook,) = slack_server.posts("#fl-coalition")
    assert hook["via"] == "webhook" and "via" not in bot
    assert bot["metadata"]["event_type"] == "tracker_alert_batch"
    for message in (bot, hook):
        assert message["blocks"][0]["text"]["text"] == "287(g) tracker: 1 change"
        assert contexts(message) == ["ICE's list of June 6, 2025 (am) · FL 1"]
        assert sections(message) == [
            "*Florida (FL)* — 1 change",
            "*New agreement:* *Ocala Police Department* — Municipality, Marion County\n"
            "Task Force Model (TFM) · signed April 24, 2025 · was on the pending list\n"
            f"MOA: <{MOA}|ocalaPdFL_TFM_MOA_04.24.2025.pdf>\n"
            f"{ICE_PAGE} · <https://287g.example.org/agency/{ocala_id}|agency page>",
        ]
        assert message["text"] == (
            "287(g) tracker: 1 change (ICE's list of June 6, 2025 (am) · FL 1)\n"
            "FL · New agreement: Ocala Police Department — Municipality, Marion County "
            "(Task Force Model (TFM) · signed April 24, 2025 · was on the pending list)"
        )
        assert "xlsx" not in str(message["blocks"])

    assert deliver_all(config, db).slack_messages == 0
    assert len(slack_server.method_calls("webhook")) == 1


def test_a_withdrawal_a_link_pending_row_and_a_two_model_signing(tmp_path, slack_server):
    config, db = _webhook_setup(tmp_path, slack_server)
    colbert = dict(state="FL", agency="Colbert County Sheriff's Office", agency_type="County",
                   county="Colbert County", signed="2025-05-08", moa_url=None, was_pending=False,
                   publication="2025-06-06 am")
    add_events(
        db,
        ocala(**colbert, model="JEM"),
        ocala(**colbert, model="WSO"),
        ocala(agency="Lake Helen Police Department", county="Volusia County", moa_url=None, was_pending=False,
              publication="2025-06-06 am"),
        ocala(type="pending_removed", list="pending", agency="Polk County Sheriff's Office", agency_type="County",
              county="Polk County", signed=None, signed_raw=None, moa_url=None, was_pending=False,
              removed_as_of="2025-06-06T15:17:16Z", missing_from=1, publication="2025-06-06 am"),
        # Signed, so it is already news as the new agreement: not alerted as a removal by default.
        ocala(type="pending_removed", list="pending", reason="signed", agency="Ocala Police Department",
              moa_url=None, publication="2025-06-06 am"),
    )
    deliver_all(config, db)
    for channel in ("#fl-organizers", "#fl-coalition"):
        (message,) = slack_server.posts(channel)
        assert message["blocks"][0]["text"]["text"] == "287(g) tracker: 3 changes"
        assert sections(message) == [
            "*Florida (FL)* — 3 changes",
            "*New agreements:* *Colbert County Sheriff's Office* — County, Colbert County\n"
            "JEM + WSO (Jail Enforcement Model, Warrant Service Officer) · signed May 8, 2025\n"
            "MOA: link pending on ICE's list\n"
            f"{ICE_PAGE}",
            "*New agreement:* *Lake Helen Police Department* — Municipality, Volusia County\n"
            "Task Force Model (TFM) · signed April 24, 2025\n"
            "MOA: link pending on ICE's list\n"
            f"{ICE_PAGE}",
            "*Pending request withdrawn:* *Polk County Sheriff's Office* — County, Polk County\n"
            "Task Force Model (TFM) · left ICE's pending list without signing an agreement "
            "(missing since June 6, 2025)\n"
            f"{ICE_PAGE}",
        ]


def test_a_long_run_through_a_webhook_is_several_numbered_messages(tmp_path, slack_server):
    config, db = _webhook_setup(tmp_path, slack_server)
    agencies = [f"Agency Number {n:03d} Police Department" for n in range(120)]
    add_events(db, *(ocala(agency=name) for name in agencies))
    report = deliver_all(config, db)
    assert report.ok

    messages = slack_server.posts("#fl-coalition")
    assert len(messages) > 1 and all(m["thread_ts"] is None for m in messages)
    count = len(messages)
    assert f"Continued in {count - 1} more part(s), posted next." in contexts(messages[0])
    for number, message in enumerate(messages[1:], start=2):
        assert contexts(message)[0] == f"287(g) tracker, continued: part {number} of {count}"
        assert len(message["blocks"]) <= 50
    text = " ".join(m["text"] for m in messages)
    assert all(name in text for name in agencies)
    assert sum(len(slack_server.replies("#fl-organizers", m["ts"])) for m in slack_server.posts("#fl-organizers"))


def test_a_webhook_outage_loses_nothing_and_an_unconfirmed_resend_says_so(tmp_path, slack_server):
    config, db = _webhook_setup(tmp_path, slack_server)
    add_events(db, ocala())
    slack_server.fail("webhook", 500, times=3)  # the first try and both of slack-sdk's retries
    report = deliver_all(config, db)
    assert report.pending == 1 and "Slack answered HTTP 500" in " ".join(report.errors)
    assert slack_server.posts("#fl-coalition") == []

    report = deliver_all(config, db)
    assert report.ok
    (message,) = slack_server.posts("#fl-coalition")
    assert contexts(message)[1] == (
        "Sent again: the last attempt may or may not have reached this channel, so some of this may repeat."
    )
    assert "Ocala Police Department" in sections(message)[1]
    (bot,) = slack_server.posts("#fl-organizers")
    assert len(contexts(bot)) == 1, "the bot's channel was reachable: no note"


def test_a_webhook_whose_variable_is_not_set_keeps_its_news_until_it_is(tmp_path, slack_server):
    subscriptions = '[[slack]]\nwebhook_env = "SLACK_WEBHOOK_TX"\nstates = ["TX"]\n'
    config = make_config(tmp_path, subscriptions, slack=slack_server)
    db = database(config)
    report = deliver_all(config, db)
    assert report.errors == [
        "welcome to SLACK_WEBHOOK_TX: SLACK_WEBHOOK_TX is not set: put the webhook URL in the environment or .env"
    ]
    add_events(db, ocala(state="TX", agency="Terrell County Sheriff's Office"))
    assert deliver_all(config, db).pending == 1

    hook = slack_server.webhook("#tx-organizers")
    fixed = make_config(tmp_path, subscriptions, slack=slack_server, environment={"SLACK_WEBHOOK_TX": hook})
    assert deliver_all(fixed, db).ok
    welcome, news = slack_server.posts("#tx-organizers")
    assert welcome["blocks"][0]["text"]["text"] == "287(g) tracker is now watching Texas"
    assert "Terrell County Sheriff's Office" in sections(news)[1]
    assert "Sent again" not in news["text"]


def test_a_channel_added_after_history_starts_from_then_and_is_greeted_once(tmp_path, slack_server):
    first = '[[slack]]\nchannel = "#fl-organizers"\nstates = ["FL"]\n'
    config = make_config(tmp_path, first, slack=slack_server)
    db = database(config)
    start_watching(config, db, slack=slack_server)
    add_events(db, ocala(), detected_at=dt.datetime(2025, 6, 6, 15, 17))
    add_active_agreements(db, {"FL": 3, "TX": 5}, stamp="2025-06-06 am")
    add_active_agreements(db, {"FL": 1}, model="JEM", stamp="2025-06-06 am")
    add_active_agreements(db, {"FL": 2}, list_kind="pending", stamp="2025-06-06 am")
    deliver_all(config, db)
    assert len(slack_server.posts("#fl-organizers")) == 1

    later = first + '[[slack]]\nchannel = "#fl-newsroom"\nstates = ["FL"]\n'
    later += '[[slack]]\nchannel = "#fl-history"\nstates = ["FL"]\nsince = 2025-06-01\n'
    config.subscriptions_file.write_text(later)
    deliver_all(config, db)
    (welcome,) = slack_server.posts("#fl-newsroom")
    assert welcome["text"] == (
        "287(g) tracker is now watching Florida\n\n"
        "This channel will hear about new agreements, new pending requests, withdrawn pending requests, "
        "MOAs published, agreements removed and local government signals in Florida, as ICE publishes them.\n"
        "It starts now; earlier changes are not sent here.\n\n"
        "Today, from ICE's list of June 6, 2025 (am):\n"
        "• Florida: 4 agreements with 3 agencies — JEM 1 · TFM 3; 2 pending requests"
    )
    history = slack_server.posts("#fl-history")
    assert len(history) == 2
    assert "It starts with the changes since June 1, 2025." in history[0]["text"]
    assert "Ocala Police Department" in history[1]["text"]
    assert len(slack_server.posts("#fl-organizers")) == 1, "the old channel is not greeted again"

    add_events(db, ocala(agency="Belleview Police Department"))
    deliver_all(config, db)
    welcome_again, news = slack_server.posts("#fl-newsroom")
    assert welcome_again == welcome
    assert "Belleview Police Department" in news["text"] and "Ocala" not in news["text"]


ALERT_TEST = """
[[slack]]
channel = "#fl-organizers"
states = ["FL"]

[[slack]]
webhook_env = "SLACK_WEBHOOK_TX"
states = ["TX"]
events = ["agreement_added"]

[[slack]]
webhook_env = "SLACK_WEBHOOK_GA"
states = ["GA"]

[[email]]
to = ["desk@newsroom.example"]
states = ["FL", "TX"]

[maintainers]
slack_channel = "#tracker-ops"
"""


def test_alert_test_reaches_every_destination_and_reports_each(tmp_path, slack_server, smtp_server):
    hook = slack_server.webhook("#tx-organizers")
    config = make_config(tmp_path, ALERT_TEST, slack=slack_server, smtp=smtp_server,
                         environment={"SLACK_WEBHOOK_TX": hook})
    out = io.StringIO()
    assert alert_test_command(config, out=out) == 1
    assert out.getvalue() == (
        "ok      slack #fl-organizers: posted\n"
        "ok      slack SLACK_WEBHOOK_TX (webhook): posted through the webhook\n"
        "FAILED  slack SLACK_WEBHOOK_GA (webhook): SLACK_WEBHOOK_GA is not set: "
        "put the webhook URL in the environment or .env\n"
        "ok      slack #tracker-ops (maintainers): posted\n"
        "ok      email desk@newsroom.example: accepted by 127.0.0.1\n"
        "alert-test: 4 sent, 1 failed\n"
    )
    (texas,) = slack_server.posts("#tx-organizers")
    assert texas["blocks"][0]["text"]["text"] == "287(g) tracker: test message"
    lines = sections(texas)[0].split("\n")
    assert lines[:2] == [
        "This is a test from `python scheduler.py alert-test`: nothing changed on ICE's lists.",
        "This channel is set up for new agreements in Texas.",
    ]
    assert lines[2].startswith("Sent ") and lines[2].endswith(" UTC.")
    assert "operational alerts" in slack_server.posts("#tracker-ops")[0]["text"]
    (mail,) = smtp_server.to("desk@newsroom.example")
    assert mail["Subject"] == "287(g) tracker: test message"
    assert "a daily digest about new agreements" in mail.get_body(("plain",)).get_content()

    out = io.StringIO()
    assert alert_test_command(config, to="SLACK_WEBHOOK_TX", out=out) == 0
    assert out.getvalue().splitlines() == [
        "ok      slack SLACK_WEBHOOK_TX (webhook): posted through the webhook",
        "alert-test: 1 sent, 0 failed",
    ]
    assert len(slack_server.posts("#tx-organizers")) == 2
    assert alert_test_command(config, to="fl-organizers", out=io.StringIO()) == 0
    with pytest.raises(UserError, match="#nowhere is not in subscriptions.toml"):
        alert_test_command(config, to="#nowhere", out=io.StringIO())


def test_alert_test_from_the_command_line(tracker_env, tmp_path, slack_server, smtp_server):
    (tmp_path / "subscriptions.toml").write_text(ALERT_TEST)
    env = dict(tracker_env, SLACK_BOT_TOKEN=TOKEN, SLACK_API_URL=slack_server.url, SMTP_HOST="127.0.0.1",
               SMTP_PORT=str(smtp_server.port), SMTP_STARTTLS="false",
               SLACK_WEBHOOK_TX=slack_server.webhook("#tx-organizers"))
    result = run_cli(env, "alert-test")
    assert result.returncode == 1, result.stderr[-2000:]
    assert "FAILED  slack SLACK_WEBHOOK_GA (webhook)" in result.stdout
    assert result.stdout.endswith("alert-test: 4 sent, 1 failed\n")
    result = run_cli(env, "alert-test", "--to", "desk@newsroom.example")
    assert result.returncode == 0 and result.stdout.endswith("alert-test: 1 sent, 0 failed\n")
    result = run_cli(env, "alert-test", "--to", "#nowhere")
    assert result.returncode == 1 and "Error: #nowhere is not in subscriptions.toml" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_channel_taken_out_and_put_back_starts_afresh(tmp_path, slack_server):
    watched = '[[slack]]\nchannel = "#fl-organizers"\nstates = ["FL"]\n'
    config = make_config(tmp_path, watched, slack=slack_server)
    db = database(config)
    start_watching(config, db, slack=slack_server)

    config.subscriptions_file.write_text("")
    deliver_all(config, db)
    add_events(db, ocala(), ocala(agency="Dunnellon Police Department"))  # while the channel was away
    deliver_all(config, db)

    config.subscriptions_file.write_text(watched)
    deliver_all(config, db)
    (welcome,) = slack_server.posts("#fl-organizers")
    assert welcome["text"].startswith("287(g) tracker is now watching Florida\n")
    add_events(db, ocala(agency="Belleview Police Department"))
    deliver_all(config, db)
    _, news = slack_server.posts("#fl-organizers")
    assert "Belleview Police Department" in news["text"]
    assert "Ocala" not in news["text"] and "Dunnellon" not in news["text"]
