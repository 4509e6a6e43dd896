"""Real publications through `once` and `digest --send-now`: the right messages, once each."""

from __future__ import annotations

import json

from tests.support.alert_servers import TOKEN
from tests.support.tracker import publish, run_cli, sheet

SUBSCRIPTIONS = """
[[slack]]
channel = "#fl-organizers"
states = ["FL"]

[[slack]]
channel = "#ky-organizers"
states = ["Kentucky"]
events = ["agreement_added"]

[[email]]
to = ["desk@newsroom.example"]
states = ["FL", "KY"]
cadence = "daily"
hour = 7
timezone = "America/New_York"

[[email]]
to = ["border@newsroom.example"]
states = ["AZ"]
cadence = "daily"
hour = 7
timezone = "America/Phoenix"
"""


def text(message) -> str:
    return message["text"] + json.dumps(message.get("blocks", []))


def test_two_real_publications_alert_each_channel_and_subscriber_once(mirror, tracker_env, tmp_path,
                                                                      slack_server, smtp_server):
    (tmp_path / "subscriptions.toml").write_text(SUBSCRIPTIONS)
    env = dict(tracker_env, SLACK_BOT_TOKEN=TOKEN, SLACK_API_URL=slack_server.url, SMTP_HOST="127.0.0.1",
               SMTP_PORT=str(smtp_server.port), SMTP_STARTTLS="false", SLACK_TIMEOUT="5")

    publish(mirror, sheet("20250519_024922_participating"), sheet("20250519_024922_pending"))
    assert run_cli(env, "once", "--only", "ice").returncode == 0
    assert run_cli(env, "once", "--only", "alerts").returncode == 0
    # The first import is a baseline, never alerted: each destination is only greeted, with today's counts.
    [welcome] = slack_server.posts("#fl-organizers")
    assert welcome["text"].startswith("287(g) tracker is now watching Florida\n")
    assert "Florida: 2" in welcome["text"] and "pending request" in welcome["text"]
    assert [m["Subject"] for m in smtp_server.to("border@newsroom.example")] == [
        "287(g) tracker is now watching Arizona"]

    publish(mirror, sheet("20250519_151802_participating"), sheet("20250519_151802_pending"),
            participating_name="participatingAgencies05192025am.xlsx")
    assert run_cli(env, "once", "--only", "ice").returncode == 0
    alerts = run_cli(env, "once", "--only", "alerts")
    assert alerts.returncode == 0, alerts.stderr[-2000:]
    assert run_cli(env, "once", "--only", "alerts").returncode == 0  # a second run sends nothing more

    [_, florida] = slack_server.posts("#fl-organizers")
    for agency in ("Ft. Myers Police Department", "Sarasota Police Department", "Lake Clark Shores Police Department",
                   "Riviera Beach Police Department"):
        assert agency in text(florida)
    assert "Union County" not in text(florida) and "Beauregard" not in text(florida)
    [_, kentucky] = slack_server.posts("#ky-organizers")
    assert "Union County Sheriff" in text(kentucky) and "Sarasota" not in text(kentucky)

    for _ in range(2):
        digest = run_cli(env, "digest", "--send-now")
        assert digest.returncode == 0, digest.stderr[-2000:]
    [_, mail] = smtp_server.to("desk@newsroom.example")
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Ft. Myers Police Department" in body and "Union County Sheriff" in body
    assert mail["List-Unsubscribe"]
    assert len(smtp_server.to("border@newsroom.example")) == 1  # nothing new in Arizona: no digest


def test_a_bad_subscriptions_file_is_refused_before_anything_runs(mirror, tracker_env, tmp_path):
    (tmp_path / "subscriptions.toml").write_text('[[slack]]\nchannel = "#fl"\nstates = ["Floridaa"]\n')
    publish(mirror, sheet("20250519_024922_participating"))
    result = run_cli(tracker_env, "once")
    assert result.returncode == 1
    assert "subscriptions.toml:3" in result.stderr and "Floridaa" in result.stderr
    assert "Traceback" not in result.stderr
    assert mirror.hits == []


def test_the_service_refuses_a_bad_subscriptions_file_at_start(tracker_env, tmp_path):
    (tmp_path / "subscriptions.toml").write_text('[[email]]\nto = ["desk@newsroom.example"]\ncadence = "hourly"\n')
    result = run_cli(tracker_env, "run", timeout=60)
    assert result.returncode == 1
    assert "subscriptions.toml:3" in result.stderr and "cadence" in result.stderr
