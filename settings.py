"""Scrapy settings and the tracker's own settings, both read from the environment.

Scrapy imports this module once when a crawl starts; everything else calls :func:`load`
once at start and passes the result down, so no module deep inside reads the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_USER_AGENT = "287g-tracker/0.1 (+https://github.com/287g-tracker/tracker; public-interest monitor)"
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


# Passed through to the parts that use them, as text: timeouts for delivery.
EXTRA = ("SLACK_TIMEOUT", "SMTP_TIMEOUT")


class SettingsError(ValueError):
    """A setting has a value the tracker cannot use; the message names it."""


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise SettingsError(f"{name}={raw!r}: expected true or false")


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r}: expected a whole number") from None
    if value < minimum:
        raise SettingsError(f"{name}={raw!r}: must be at least {minimum}")
    return value


def _number(env: Mapping[str, str], name: str, default: float, low: float, high: float | None = None,
            what: str = "a number") -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r}: expected {what}") from None
    if value < low or (high is not None and value > high):
        bounds = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
        raise SettingsError(f"{name}={raw!r}: expected {what} {bounds}")
    return value


def _public_url(env: Mapping[str, str]) -> str:
    raw = env.get("PUBLIC_URL", "").strip()
    if raw and not raw.startswith(("https://", "http://")):
        raise SettingsError(f"PUBLIC_URL={raw!r}: expected an address like https://287g.example.org")
    return raw.rstrip("/")


@dataclass(frozen=True)
class TrackerSettings:
    """Every setting the README lists, plus a few operational ones, with their defaults."""

    ice_287g_url: str = "https://www.ice.gov/identify-and-arrest/287g"
    database_url: str = "sqlite:///data/tracker.db"
    data_dir: Path = Path("data")
    subscriptions_file: Path = Path("subscriptions.toml")
    slack_bot_token: str = ""
    slack_api_url: str = "https://slack.com/api/"
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = True
    smtp_ssl: bool = False
    digest_from: str = "287(g) tracker <tracker@localhost>"
    ice_crawl_cron: str = "*/4 * * * *"
    local_crawl_cron: str = "30 5 * * *"
    digest_cron: str = "0 * * * *"
    ice_crawl_jitter: int = 30
    timezone: str = "UTC"
    user_agent: str = DEFAULT_USER_AGENT
    fetch_moas: bool = True
    removal_confirmations: int = 2
    max_drop_share: float = 0.10
    stale_after_days: int = 7
    crawl_timeout: int = 1800
    crawl_delay: float = 1.0
    public_url: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    # The environment as read at start (`.env` included), for variables the subscriptions file
    # names, such as a Slack webhook's `webhook_env`; kept out of repr because they are secrets.
    environment: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def archive_dir(self) -> Path:
        return self.data_dir / "archive"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @property
    def feeds_dir(self) -> Path:
        return self.data_dir / "feeds"


def load(env: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")) -> TrackerSettings:
    """Read the settings once: the process environment wins over a `.env` file."""
    values: dict[str, str] = {}
    if env is None:
        if dotenv is not None and dotenv.is_file():
            from dotenv import dotenv_values

            values.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
        values.update(os.environ)
    else:
        values.update(env)

    def text(name: str, default: str) -> str:
        raw = values.get(name, "").strip()
        return raw or default

    d = TrackerSettings()
    return TrackerSettings(
        ice_287g_url=text("ICE_287G_URL", d.ice_287g_url),
        database_url=text("DATABASE_URL", d.database_url),
        data_dir=Path(text("DATA_DIR", str(d.data_dir))),
        subscriptions_file=Path(text("SUBSCRIPTIONS_FILE", str(d.subscriptions_file))),
        slack_bot_token=text("SLACK_BOT_TOKEN", ""),
        slack_api_url=text("SLACK_API_URL", d.slack_api_url),
        smtp_host=text("SMTP_HOST", ""),
        smtp_port=_int(values, "SMTP_PORT", d.smtp_port, minimum=1),
        smtp_user=text("SMTP_USER", ""),
        smtp_password=values.get("SMTP_PASSWORD", ""),
        smtp_starttls=_flag(values, "SMTP_STARTTLS", d.smtp_starttls),
        smtp_ssl=_flag(values, "SMTP_SSL", d.smtp_ssl),
        digest_from=text("DIGEST_FROM", d.digest_from),
        ice_crawl_cron=text("ICE_CRAWL_CRON", d.ice_crawl_cron),
        local_crawl_cron=text("LOCAL_CRAWL_CRON", d.local_crawl_cron),
        digest_cron=text("DIGEST_CRON", d.digest_cron),
        ice_crawl_jitter=_int(values, "ICE_CRAWL_JITTER", d.ice_crawl_jitter),
        timezone=text("TZ", d.timezone),
        user_agent=text("USER_AGENT", d.user_agent),
        fetch_moas=_flag(values, "FETCH_MOAS", d.fetch_moas),
        removal_confirmations=_int(values, "REMOVAL_CONFIRMATIONS", d.removal_confirmations, minimum=1),
        max_drop_share=_number(values, "MAX_DROP_SHARE", d.max_drop_share, 0, 1, "a share"),
        stale_after_days=_int(values, "STALE_AFTER_DAYS", d.stale_after_days, minimum=1),
        crawl_timeout=_int(values, "CRAWL_TIMEOUT", d.crawl_timeout, minimum=10),
        crawl_delay=_number(values, "CRAWL_DELAY", d.crawl_delay, 0, what="a number of seconds"),
        public_url=_public_url(values),
        extra={name: values[name].strip() for name in EXTRA if values.get(name, "").strip()},
        environment=dict(values),
    )


# --- Scrapy's settings (this module is Scrapy's settings module, see scrapy.cfg) ---
# A bad value must not stop `scheduler.py` from printing a clean error, so it is kept here and
# raised by the crawl's components (scrapers.pipelines) instead of at import.
try:
    _tracker = load()
    TRACKER_SETTINGS_ERROR = None
except SettingsError as _error:
    _tracker = TrackerSettings()
    TRACKER_SETTINGS_ERROR = str(_error)

BOT_NAME = "tracker"
SPIDER_MODULES = ["scrapers.spiders"]
NEWSPIDER_MODULE = "scrapers.spiders.local"
TEMPLATES_DIR = str(Path(__file__).resolve().parent / "scrapers" / "templates")

USER_AGENT = _tracker.user_agent
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = _tracker.crawl_delay
AUTOTHROTTLE_ENABLED = _tracker.crawl_delay > 0
AUTOTHROTTLE_START_DELAY = max(_tracker.crawl_delay, 0.1)
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
RETRY_ENABLED = True
RETRY_TIMES = 3  # spaced 2, 4, 8 s apart (scrapers.middlewares.BackoffRetryMiddleware)
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
DOWNLOAD_TIMEOUT = 60
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
HTTPCACHE_ENABLED = False
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
# `scrapy crawl NAME` imports only NAME's module, not every local spider and its PDF libraries.
SPIDER_LOADER_CLASS = "scrapers.spider_loader.NamedModuleSpiderLoader"

# MOA/addendum downloads: one at a time per host, CRAWL_DELAY apart, in their own download slot
# ("moa:<host>", set by the ICE spider) so they never hold up the page or the workbooks.
MOA_SLOT_HOSTS = ("www.ice.gov", "ice.gov", "www.dhs.gov", "dhs.gov",
                  (urlsplit(_tracker.ice_287g_url).netloc or "").lower())
DOWNLOAD_SLOTS = {f"moa:{host}": {"concurrency": 1, "delay": _tracker.crawl_delay} for host in MOA_SLOT_HOSTS if host}

DOWNLOADER_MIDDLEWARES = {
    "scrapers.middlewares.AllowedHostsMiddleware": 50,  # before robots.txt is asked of a refused host
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "scrapers.middlewares.BackoffRetryMiddleware": 550,
    "scrapers.middlewares.ConditionalGetMiddleware": 560,
    # after the redirect middleware (600) in request order: sees every attempt, retries and redirects included
    "scrapers.fetch_breaker.FetchBreakerMiddleware": 650,
}
ITEM_PIPELINES = {
    "scrapers.pipelines.StorePipeline": 300,
}

TRACKER_SETTINGS = _tracker
