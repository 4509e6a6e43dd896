"""subscriptions.toml: what people asked for, and bad files refused with the line at fault."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from alerts.subscriptions import DEFAULT_SLACK_EVENTS, SubscriptionsError, load, parse
from errors import UserError

EXAMPLE = Path(__file__).resolve().parents[1] / "subscriptions.example.toml"


def test_the_example_file_loads_with_names_and_codes():
    subs = load(EXAMPLE)
    fl = subs.slack[0]
    assert fl.channel == "#fl-organizers"
    assert fl.states == {"FL"}
    assert fl.events == set(DEFAULT_SLACK_EVENTS)
    newsroom = subs.email[0]
    assert newsroom.states == {"FL", "TX", "GA"}
    assert (newsroom.cadence, newsroom.hour, newsroom.timezone) == ("daily", 7, "America/New_York")
    assert subs.maintainers.slack_channel == "#tracker-ops"


def test_state_names_and_star_are_accepted():
    subs = parse(
        '[[slack]]\nchannel = "#south"\nstates = ["Florida", "texas", "PR"]\n'
        '[[slack]]\nchannel = "#all"\nstates = ["*"]\n'
    )
    assert subs.slack[0].states == {"FL", "TX", "PR"}
    assert subs.slack[1].wants("agreement_added", "WY")
    assert not subs.slack[0].wants("agreement_added", "GA")
    assert not subs.slack[0].wants("agreement_changed", "FL")  # not among the default events


def test_missing_or_empty_file_means_no_subscriptions(tmp_path):
    assert load(tmp_path / "nope.toml").empty
    (tmp_path / "empty.toml").write_text("")
    assert load(tmp_path / "empty.toml").empty


BAD = [
    ('[[slack]]\nchannel = "#fl"\n\n[[slack]]\nchannel = "#x"\nstates = ["Floridaa"]\n', 6,
     "states: 'Floridaa' is not a US state"),
    ('[[slack]]\nchannel = "#fl"\nstates = ["Flordia"]\n', 3, "'Flordia' is not a US state"),
    ('[[slack]]\nchannel = "#fl"\nevents = ["agreement_added", "agreement_adeed"]\n', 3,
     "events: 'agreement_adeed' is not an event type"),
    ('[[slack]]\nchannel = "#fl"\nevents = ["baseline"]\n', 3, "never alerted"),
    ('[[slack]]\nchanel = "#fl"\n', 2, "chanel: unknown key"),
    ('# who hears what\n[[slack]]\nstates = ["FL"]\n', 2, "slack: missing channel"),
    ('[[email]]\nto = ["desk@newsroom.example"]\ncadence = "hourly"\n', 3, "cadence: 'hourly'"),
    ('[[email]]\nto = ["desk@newsroom.example"]\nhour = 24\n', 3, "hour: 24 is not an hour"),
    ('[[email]]\nto = ["desk@newsroom.example"]\ntimezone = "America/Miami"\n', 3, "timezone: 'America/Miami'"),
    ('[[email]]\nstates = ["FL"]\n', 1, "email: missing to"),
    ('[[email]]\nto = ["not-an-address"]\n', 2, "to: 'not-an-address' is not an email address"),
    ('[[email]]\nto = ["desk@newsroom.example", "a,victim@evil.example"]\n', 2,
     "to: 'a,victim@evil.example' is not an email address: The email address contains invalid characters before "
     "the @-sign: ','."),
    ('[[email]]\nto = "Desk <desk@newsroom.example>"\n', 2, "is not an email address: A display name"),
    ('\n[maintainers]\nemail = ["ops@newsroom.example\\nBcc: x@evil.example"]\n', 3,
     "email: 'ops@newsroom.example\\nBcc: x@evil.example' is not an email address"),
    ('[[email]]\nto = ["a@news.example"]\n[[email]]\nto = ["A@news.example"]\n', 4, "already subscribed at line 2"),
    ('[maintainers]\nslack_channel = "#ops"\npager = "x"\n', 3, "pager: unknown key"),
    ('[[sms]]\nto = "555"\n', 1, "sms: unknown section"),
    ('[[slack]]\nchannel = "#fl"\nstates = ["FL"\n', 3, "not valid TOML"),
]


@pytest.mark.parametrize(("text", "line", "reason"), BAD)
def test_bad_files_are_refused_with_file_line_and_reason(tmp_path, text, line, reason):
    path = tmp_path / "subscriptions.toml"
    path.write_text(text)
    with pytest.raises(SubscriptionsError) as caught:
        load(path)
    message = str(caught.value)
    assert message.startswith(f"subscriptions.toml:{line}: "), message
    assert reason in message
    assert isinstance(caught.value, UserError)


def test_the_brief_example_message():
    lines = ["# subscriptions"] + [""] * 8 + ["[[slack]]", 'channel = "#fl"', 'states = ["Floridaa"]']
    with pytest.raises(SubscriptionsError, match=r"^subscriptions.toml:12: states: 'Floridaa' is not a US state$"):
        parse("\n".join(lines) + "\n")


def test_webhooks_since_and_what_pending_removed_means_by_default():
    subs = parse(
        '[[slack]]\nwebhook_env = "SLACK_WEBHOOK_TX"\nstates = ["TX"]\nsince = 2025-06-01\n'
        '[[slack]]\nchannel = "#all"\nevents = ["pending_removed"]\n'
        '[[email]]\nto = "desk@news.example"\nsince = "2025-05-01"\n'
    )
    texas, everything = subs.slack
    assert (texas.channel, texas.webhook_env) == (None, "SLACK_WEBHOOK_TX")
    assert texas.destination == "slack-webhook:SLACK_WEBHOOK_TX"
    assert texas.since == dt.date(2025, 6, 1) and subs.email[0].since == dt.date(2025, 5, 1)
    # By default a request that left the pending list is news only when it was not signed:
    # the signing itself is announced as the new agreement.
    assert texas.wants("pending_removed", "TX", None)
    assert not texas.wants("pending_removed", "TX", "signed")
    assert everything.wants("pending_removed", "TX", "signed")
