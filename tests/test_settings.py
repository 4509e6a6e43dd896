"""Settings from the environment and `.env`, with the documented defaults (docs/settings.md) and clean errors."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import settings
from tests.support.tracker import ROOT, run_cli


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


def test_importing_the_settings_reads_no_dotenv_and_no_environment(tmp_path):
    """Only an explicit load() at start reads them; the type and the command table import clean."""
    (tmp_path / ".env").write_text("REMOVAL_CONFIRMATIONS=two\n")
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import settings, scheduler; "
            "print(settings.TrackerSettings().removal_confirmations, any(m.startswith('dotenv') for m in sys.modules))")
    env = dict(os.environ, REMOVAL_CONFIRMATIONS="also-bad")
    result = subprocess.run([sys.executable, "-c", code, str(ROOT)], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=60)
    assert (result.returncode, result.stdout.strip()) == (0, "2 False"), result.stderr
    with pytest.raises(settings.SettingsError, match="REMOVAL_CONFIRMATIONS='also-bad'"):
        settings.load(env=env, dotenv=tmp_path / ".env")


def test_a_crawl_gets_the_tracker_settings_through_scrapys_settings_module():
    code = ("from scrapy.utils.project import get_project_settings; s = get_project_settings(); "
            "print(s['USER_AGENT'], s.getfloat('DOWNLOAD_DELAY'), s['TRACKER_SETTINGS'].removal_confirmations)")
    env = dict(os.environ, USER_AGENT="county-desk-bot", CRAWL_DELAY="0", REMOVAL_CONFIRMATIONS="3")
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.stdout.split() == ["county-desk-bot", "0.0", "3"], result.stderr


def test_news_feeds_default_to_english_and_spanish_searches_and_refuse_what_is_not_an_address():
    feeds = settings.load({}).news_feeds
    assert len(feeds) == 2 and all("287(g)" in url and url.startswith("https://news.google.com/") for url in feeds)
    assert "hl=es-419" in feeds[1]
    mine = settings.load({"NEWS_FEEDS": " https://a.example/rss\n https://b.example/atom.xml "}).news_feeds
    assert mine == ("https://a.example/rss", "https://b.example/atom.xml")
    with pytest.raises(settings.SettingsError, match="'feeds.example/rss' is not an http"):
        settings.load({"NEWS_FEEDS": "https://a.example/rss feeds.example/rss"})


def test_the_explorer_settings_have_the_contracts_defaults_and_secrets_stay_out_of_repr():
    config = settings.load({"SECRET_KEY": "s3cret-key", "SMTP_PASSWORD": "pw-words", "SIGNUP": "false"})
    assert (config.signup, config.corrections_contact, config.news_crawl_cron) == (False, "", "*/30 * * * *")
    assert settings.load({}).signup is True and settings.load({}).secret_key == ""
    assert "s3cret-key" not in repr(config) and "pw-words" not in repr(config)


def test_every_setting_has_one_name_one_field_and_a_meaning():
    names = [s.name for s in settings.SETTINGS]
    fields = [s.field for s in settings.SETTINGS if s.field != "extra"]
    assert len(names) == len(set(names)) and len(fields) == len(set(fields))
    assert all(s.meaning for s in settings.SETTINGS)
    assert settings.load({}) == settings.TrackerSettings(extra={"SLACK_TIMEOUT": "30", "SMTP_TIMEOUT": "30"})
