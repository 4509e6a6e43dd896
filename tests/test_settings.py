"""Settings from the environment and `.env`, with the README's defaults and clean errors."""

from __future__ import annotations

import pytest

import settings
from tests.support.tracker import run_cli


def test_defaults_are_the_contracts():
    config = settings.load({})
    assert config.ice_287g_url == "https://www.ice.gov/identify-and-arrest/287g"
    assert config.database_url == "sqlite:///data/tracker.db"
    assert str(config.data_dir) == "data" and str(config.subscriptions_file) == "subscriptions.toml"
    assert config.slack_api_url == "https://slack.com/api/" and config.slack_bot_token == ""
    assert (config.smtp_port, config.smtp_starttls, config.smtp_ssl) == (587, True, False)
    assert config.fetch_moas is True and config.removal_confirmations == 2
    assert "287g-tracker" in config.user_agent and "http" in config.user_agent


def test_dotenv_is_read_and_the_environment_wins(tmp_path, monkeypatch):
    dotenv = tmp_path / ".env"
    dotenv.write_text("REMOVAL_CONFIRMATIONS=3\nFETCH_MOAS=false\nSMTP_HOST=mail.example\n")
    monkeypatch.setenv("SMTP_HOST", "relay.example")
    config = settings.load(dotenv=dotenv)
    assert (config.removal_confirmations, config.fetch_moas, config.smtp_host) == (3, False, "relay.example")


def test_a_bad_setting_is_a_clean_one_line_error(tracker_env):
    result = run_cli(dict(tracker_env, REMOVAL_CONFIRMATIONS="two"), "events", "--format", "jsonl")
    assert result.returncode == 1
    assert result.stderr.strip() == "Error: REMOVAL_CONFIRMATIONS='two': expected a whole number"


def test_public_url_is_an_address_without_a_trailing_slash():
    assert settings.load(env={"PUBLIC_URL": "https://287g.example.org/"}).public_url == "https://287g.example.org"
    with pytest.raises(settings.SettingsError, match="PUBLIC_URL='287g.example.org'"):
        settings.load(env={"PUBLIC_URL": "287g.example.org"})


def test_webhook_urls_are_read_with_the_settings_but_never_shown():
    loaded = settings.load(env={"SLACK_WEBHOOK_TX": "https://hooks.slack.com/services/T/B/secret"})
    assert loaded.environment["SLACK_WEBHOOK_TX"].endswith("/secret")
    assert "secret" not in repr(loaded)
