"""The tracker's settings, declared once: each one's variable, default, reader and meaning.

From the one table below come `TrackerSettings` (the type every stage is handed),
:func:`load` (the environment and `.env`, read once at start by whoever starts the tracker),
`deploy/example.env` and `docs/settings.md` (written by `python -m cli.docs --write`).
Importing this module reads nothing: no `.env`, no environment.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_USER_AGENT = "287g-tracker/0.1 (+https://github.com/287g-tracker/tracker; public-interest monitor)"
DEFAULT_NEWS_FEEDS = (
    "https://news.google.com/rss/search?q=%22287(g)%22&hl=en-US&gl=US&ceid=US:en",
    "https://news.google.com/rss/search?q=%22287(g)%22&hl=es-419&gl=US&ceid=US:es-419",
)
# The most one crawl downloads in a single response; backfill reads no larger archived file.
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}

Reader = Callable[[str, str], Any]


class SettingsError(ValueError):
    """A setting has a value the tracker cannot use; the message names it."""


def text(name: str, raw: str) -> str:
    return raw.strip()


def verbatim(name: str, raw: str) -> str:
    """For a password: spaces may be part of it."""
    return raw


def path(name: str, raw: str) -> Path:
    return Path(raw.strip())


def flag(name: str, raw: str) -> bool:
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise SettingsError(f"{name}={raw!r}: expected true or false")


def whole(minimum: int = 0) -> Reader:
    def read(name: str, raw: str) -> int:
        try:
            value = int(raw.strip())
        except ValueError:
            raise SettingsError(f"{name}={raw!r}: expected a whole number") from None
        if value < minimum:
            raise SettingsError(f"{name}={raw!r}: must be at least {minimum}")
        return value

    return read


def number(low: float, high: float | None = None, what: str = "a number") -> Reader:
    def read(name: str, raw: str) -> float:
        try:
            value = float(raw.strip())
        except ValueError:
            raise SettingsError(f"{name}={raw!r}: expected {what}") from None
        if value < low or (high is not None and value > high):
            bounds = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
            raise SettingsError(f"{name}={raw!r}: expected {what} {bounds}")
        return value

    return read


def address(name: str, raw: str) -> str:
    """A site's address, kept without its trailing slash so links are joined one way."""
    value = raw.strip()
    if not value.startswith(("https://", "http://")):
        raise SettingsError(f"{name}={raw!r}: expected an address like https://287g.example.org")
    return value.rstrip("/")


def addresses(name: str, raw: str) -> tuple[str, ...]:
    found = tuple(raw.split())
    wrong = [url for url in found if not url.startswith(("https://", "http://"))]
    if wrong:
        raise SettingsError(f"{name}={raw!r}: {wrong[0]!r} is not an http(s) address")
    return found


@dataclass(frozen=True)
class Setting:
    """One environment variable: where it lands in `TrackerSettings` and what it means."""

    name: str
    field: str
    type: str
    default: Any
    read: Reader
    meaning: str
    section: str
    # Flags read an empty value as false; every other setting falls back to its default.
    empty_is_default: bool = True
    secret: bool = False


SOURCES = "Sources"
STORAGE = "Storage"
SCHEDULE = "Schedule (5-field crontab expressions, in TZ; weekdays count from Sunday=0 as in crontab)"
TELLING = "Who gets told"
EXPLORER = "The explorer"

SETTINGS: tuple[Setting, ...] = (
    Setting("ICE_287G_URL", "ice_287g_url", "str", "https://www.ice.gov/identify-and-arrest/287g", text,
            "page that links ICE's 287(g) spreadsheets", SOURCES),
    Setting("USER_AGENT", "user_agent", "str", DEFAULT_USER_AGENT, text,
            "sent with every request: name the project and a way to reach you", SOURCES),
    Setting("FETCH_MOAS", "fetch_moas", "bool", True, flag,
            "`false` skips downloading MOA/addendum PDFs (offline replays, quick demos)", SOURCES,
            empty_is_default=False),
    Setting("CRAWL_DELAY", "crawl_delay", "float", 1.0, number(0, what="a number of seconds"),
            "seconds between requests to one site (AutoThrottle adapts above it); `0` for local mirrors", SOURCES),
    Setting("REMOVAL_CONFIRMATIONS", "removal_confirmations", "int", 2, whole(minimum=1),
            "good publications an agreement must be missing from before `agreement_removed`", SOURCES),
    Setting("MAX_DROP_SHARE", "max_drop_share", "float", 0.10, number(0, 1, "a share"),
            "a participating list that shrinks by more than this share is refused (pending: 50%)", SOURCES),
    Setting("NEWS_FEEDS", "news_feeds", "tuple[str, ...]", DEFAULT_NEWS_FEEDS, addresses,
            "whitespace-separated RSS/Atom feed URLs read by `once --only news` and on `NEWS_CRAWL_CRON` "
            "(default: a news search for \"287(g)\", in English and in Spanish); set but empty: no news is read",
            SOURCES, empty_is_default=False),
    Setting("DATABASE_URL", "database_url", "str", "sqlite:///data/tracker.db", text,
            "SQLAlchemy URL; `postgresql+psycopg://user:pw@host/db` for PostgreSQL", STORAGE),
    Setting("DATA_DIR", "data_dir", "Path", Path("data"), path,
            "raw document archive, outbox, feeds", STORAGE),
    Setting("ICE_CRAWL_CRON", "ice_crawl_cron", "str", "*/4 * * * *", text,
            "ICE crawl, every 4 minutes: an unchanged poll costs three small requests answered 304, and a "
            "signing reaches Slack within about 5 minutes of ICE publishing it", SCHEDULE),
    Setting("ICE_CRAWL_JITTER", "ice_crawl_jitter", "int", 30, whole(),
            "seconds of random delay added to each scheduled ICE crawl, to spread the load; `0` for none", SCHEDULE),
    Setting("LOCAL_CRAWL_CRON", "local_crawl_cron", "str", "30 5 * * *", text,
            "local government sources, daily", SCHEDULE),
    Setting("NEWS_CRAWL_CRON", "news_crawl_cron", "str", "*/30 * * * *", text,
            "news feeds, every 30 minutes", SCHEDULE),
    Setting("DIGEST_CRON", "digest_cron", "str", "0 * * * *", text,
            "digest check; each subscriber's hour and time zone decide", SCHEDULE),
    Setting("TZ", "timezone", "str", "UTC", text,
            "time zone of the cron expressions", SCHEDULE),
    Setting("STALE_AFTER_DAYS", "stale_after_days", "int", 7, whole(minimum=1),
            "maintainers are told when ICE has published nothing new for this long", SCHEDULE),
    Setting("CRAWL_TIMEOUT", "crawl_timeout", "int", 1800, whole(minimum=10),
            "seconds one crawl may run before it is stopped and counted failed", SCHEDULE),
    Setting("SUBSCRIPTIONS_FILE", "subscriptions_file", "Path", Path("subscriptions.toml"), path,
            "who gets what (see docs/alerts.md); empty or missing: console and outbox only", TELLING),
    Setting("SLACK_BOT_TOKEN", "slack_bot_token", "str", "", text,
            "bot token; empty: bot channels' messages go to `DATA_DIR/outbox/slack/`", TELLING, secret=True),
    Setting("SLACK_API_URL", "slack_api_url", "str", "https://slack.com/api/", text,
            "base URL for slack-sdk's WebClient", TELLING),
    Setting("SLACK_TIMEOUT", "extra", "str", "30", text,
            "seconds before a Slack delivery attempt is given up (it is retried next run)", TELLING),
    Setting("SMTP_HOST", "smtp_host", "str", "", text,
            "mail server; empty: mail goes to `DATA_DIR/outbox/email/` as `.eml`", TELLING),
    Setting("SMTP_PORT", "smtp_port", "int", 587, whole(minimum=1), "mail server port", TELLING),
    Setting("SMTP_USER", "smtp_user", "str", "", text, "mail server login", TELLING),
    Setting("SMTP_PASSWORD", "smtp_password", "str", "", verbatim, "mail server password", TELLING,
            empty_is_default=False, secret=True),
    Setting("SMTP_STARTTLS", "smtp_starttls", "bool", True, flag, "upgrade the connection with STARTTLS",
            TELLING, empty_is_default=False),
    Setting("SMTP_SSL", "smtp_ssl", "bool", False, flag, "connect over TLS from the start (port 465)",
            TELLING, empty_is_default=False),
    Setting("SMTP_TIMEOUT", "extra", "str", "30", text,
            "seconds before a mail delivery attempt is given up (it is retried next run)", TELLING),
    Setting("DIGEST_FROM", "digest_from", "str", "287(g) tracker <tracker@localhost>", text,
            "sender of digests and test mails", TELLING),
    Setting("PUBLIC_URL", "public_url", "str", "", address,
            "where the explorer is published (e.g. `https://287g.example.org`); when set, alerts and feeds "
            "link its agency pages (`/agency/<id>`), the feeds name their address under `/feeds/`, and "
            "sign-up links point there", EXPLORER),
    Setting("SECRET_KEY", "secret_key", "str", "", text,
            "signs confirmation, unsubscribe and manage links; empty: generated into `DATA_DIR` on first use "
            "(with a warning)", EXPLORER, secret=True),
    Setting("SIGNUP", "signup", "bool", True, flag,
            "`false`: the explorer offers no sign-up (as `serve --read-only`)", EXPLORER, empty_is_default=False),
    Setting("CORRECTIONS_CONTACT", "corrections_contact", "str", "", text,
            "an address or URL the explorer names for corrections", EXPLORER),
)


def _field(setting: Setting) -> tuple[str, str, dataclasses.Field]:
    return setting.field, setting.type, dataclasses.field(default=setting.default, repr=not setting.secret)


def _archive_dir(self) -> Path:
    return self.data_dir / "archive"


def _outbox_dir(self) -> Path:
    return self.data_dir / "outbox"


def _feeds_dir(self) -> Path:
    return self.data_dir / "feeds"


TrackerSettings = dataclasses.make_dataclass(
    "TrackerSettings",
    [
        *(_field(s) for s in SETTINGS if s.field != "extra"),
        ("extra", "dict[str, str]", dataclasses.field(default_factory=dict)),
        # The environment as read at start (`.env` included), for variables the subscriptions file
        # names, such as a Slack webhook's `webhook_env`; kept out of repr because they are secrets.
        ("environment", "Mapping[str, str]", dataclasses.field(default_factory=dict, repr=False, compare=False)),
    ],
    frozen=True,
    namespace={
        "__module__": __name__,
        "__doc__": "Every setting of the table above, with its default; the one object stages are handed.",
        "archive_dir": property(_archive_dir),
        "outbox_dir": property(_outbox_dir),
        "feeds_dir": property(_feeds_dir),
    },
)


def value_of(setting: Setting, values: Mapping[str, str]) -> Any:
    raw = values.get(setting.name)
    if raw is None or (setting.empty_is_default and not raw.strip()):
        return setting.default
    return setting.read(setting.name, raw)


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
    fields = {s.field: value_of(s, values) for s in SETTINGS if s.field != "extra"}
    extra = {s.name: value_of(s, values) for s in SETTINGS if s.field == "extra"}
    return TrackerSettings(**fields, extra=extra, environment=dict(values))
