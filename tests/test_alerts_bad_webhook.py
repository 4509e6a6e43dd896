"""A webhook URL with a typo, or one that is not a web address at all: that destination waits, every
other one is delivered, maintainers are told once, and the URL (a secret) appears nowhere: not in
logs, not in `status`, not in the maintainers' email, not on the terminal.
"""

from __future__ import annotations

import dataclasses
import io
import logging

from alerts.deliver import deliver_all
from cli.alerts import alert_test_command
from service.status import status_report
from tests.support.alert_servers import (
    FL_CHANNEL_AND_DESK,
    add_events,
    database,
    make_config,
    ocala,
    start_watching,
)
from tests.support.tracker import run_cli
from tests.test_backfill import env_for

SUBSCRIPTIONS = """
[[slack]]
webhook_env = "SLACK_WEBHOOK_TX"
states = ["FL"]

[[slack]]
webhook_env = "SLACK_WEBHOOK_FL"
states = ["FL"]
""" + FL_CHANNEL_AND_DESK + """
[maintainers]
email = ["ops@newsroom.example"]
"""


def _mail_text(mailbox, address: str) -> list[str]:
    return [m["Subject"] + "\n" + m.get_body(("plain",)).get_content() for m in mailbox.to(address)]


def test_a_mistyped_webhook_waits_alone_and_maintainers_hear_once_without_its_url(
        tmp_path, slack_server, smtp_server, caplog):
    caplog.set_level(logging.DEBUG)
    good = slack_server.webhook("#fl-coalition")
    secret = good.replace("http://", "htps://").replace("/B00000001/", "/B00000009/")
    config = make_config(tmp_path, SUBSCRIPTIONS, slack=slack_server, smtp=smtp_server,
                         environment={"SLACK_WEBHOOK_TX": secret, "SLACK_WEBHOOK_FL": good})
    db = database(config)
    start_watching(config, db, slack=slack_server)
    add_events(db, ocala())

    report = deliver_all(config, db)
    assert report.pending == 1
    assert report.errors[-1] == (
        "SLACK_WEBHOOK_TX: SLACK_WEBHOOK_TX does not hold a web address (an incoming "
        "webhook's URL starts with https://hooks.slack.com/): fix it in the environment or .env")
    assert "Ocala Police Department" in slack_server.posts("#fl-coalition")[0]["text"]
    assert "Ocala Police Department" in slack_server.posts("#fl-organizers")[0]["text"]
    assert any("Ocala Police Department" in text for text in _mail_text(smtp_server, "desk@newsroom.example"))
    (notice,) = _mail_text(smtp_server, "ops@newsroom.example")
    assert "SLACK_WEBHOOK_TX does not hold a web address" in notice

    deliver_all(config, db)
    deliver_all(config, db)
    assert len(_mail_text(smtp_server, "ops@newsroom.example")) == 1, "told once, not every run"
    with db() as session:
        lines, reasons = status_report(session, config)
    shown = "\n".join([*lines, *reasons, caplog.text, *_mail_text(smtp_server, "ops@newsroom.example")])
    assert "SLACK_WEBHOOK_TX" in shown
    assert secret not in shown and secret.rsplit("/", 1)[-1] not in shown
    assert good.rsplit("/", 1)[-1] not in caplog.text, "slack-sdk logs no request URL"

    fixed = make_config(tmp_path, SUBSCRIPTIONS, slack=slack_server, smtp=smtp_server,
                        environment={"SLACK_WEBHOOK_TX": slack_server.webhook("#tx-organizers"),
                                     "SLACK_WEBHOOK_FL": good})
    assert deliver_all(fixed, db).ok
    news = [m for m in slack_server.posts("#tx-organizers") if "Ocala Police Department" in m["text"]]
    assert len(news) == 1, "the held news went out once the URL was fixed"
    assert "RECOVERED" in _mail_text(smtp_server, "ops@newsroom.example")[-1]


def test_once_only_alerts_with_a_mistyped_webhook_ends_cleanly_and_never_prints_it(tmp_path, slack_server):
    good = slack_server.webhook("#fl-coalition")
    secret = "htps://hooks.slack.com/services/T0000TEST/B00000009/s3cr3tPath0fTheHook"
    env = env_for(tmp_path)
    (tmp_path / "subscriptions.toml").write_text(SUBSCRIPTIONS.split("[[slack]]\nchannel")[0], encoding="utf-8")
    env.update({"SLACK_WEBHOOK_TX": secret, "SLACK_WEBHOOK_FL": good})
    result = run_cli(env, "once", "--only", "alerts")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Traceback" not in output
    assert "s3cr3tPath0fTheHook" not in output
    assert "SLACK_WEBHOOK_TX does not hold a web address" in output
    assert len(slack_server.posts("#fl-coalition")) == 1, "the other webhook is greeted"
    status = run_cli(env, "status")
    assert "s3cr3tPath0fTheHook" not in status.stdout + status.stderr


def test_alert_test_reports_the_mistyped_webhook_by_its_variable_and_tests_the_others(tmp_path, slack_server):
    good = slack_server.webhook("#fl-coalition")
    secret = "htps://hooks.slack.com/services/T0000TEST/B00000009/s3cr3tPath0fTheHook"
    config = make_config(tmp_path, SUBSCRIPTIONS.split("[[email]]")[0], slack=slack_server,
                         environment={"SLACK_WEBHOOK_TX": secret, "SLACK_WEBHOOK_FL": good})
    out = io.StringIO()
    assert alert_test_command(config, out=out) == 1
    printed = out.getvalue()
    assert "FAILED  slack SLACK_WEBHOOK_TX (webhook): SLACK_WEBHOOK_TX does not hold a web address" in printed
    assert "ok      slack SLACK_WEBHOOK_FL (webhook)" in printed and "ok      slack #fl-organizers" in printed
    assert "s3cr3tPath0fTheHook" not in printed


def test_a_mistyped_slack_api_url_holds_the_bot_channels_and_lets_email_through(tmp_path, smtp_server):
    config = make_config(tmp_path, SUBSCRIPTIONS.replace('webhook_env = "SLACK_WEBHOOK_TX"', 'channel = "#tx"'),
                         smtp=smtp_server)
    config = dataclasses.replace(config, slack_bot_token="xoxb-test-token", slack_api_url="htps://slack.com/api/")
    db = database(config)
    deliver_all(config, db)
    add_events(db, ocala())
    report = deliver_all(config, db)
    assert report.pending == 3, "both bot channels and the unset webhook keep their news"
    assert any(e.startswith("#fl-organizers: Slack") for e in report.errors)
    assert any("Ocala Police Department" in text for text in _mail_text(smtp_server, "desk@newsroom.example"))
