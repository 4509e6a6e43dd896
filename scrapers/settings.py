"""Scrapy's settings module (see scrapy.cfg): what every crawl runs with.

Scrapy imports it once when a crawl starts, so this is where a crawl reads the tracker's
settings (:func:`settings.load`); they reach the spiders, middlewares and pipeline as
`TRACKER_SETTINGS`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from settings import SettingsError, TrackerSettings, load

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
COMMANDS_MODULE = "scrapers.commands"  # `crawl` exits 1 naming the page when a watched page cannot be reached
NEWSPIDER_MODULE = "scrapers.spiders.local"

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
