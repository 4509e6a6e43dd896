"""One cycle of the tracker: crawl → parse → diff → store → alert, each part runnable alone."""

from __future__ import annotations

from settings import TrackerSettings


def run_ice(config: TrackerSettings) -> int:
    """Crawl ICE in a `scrapy crawl ice_287g` subprocess; 0 ok, 1 failed or refused."""
    raise NotImplementedError


def run_local(config: TrackerSettings) -> int:
    """Crawl every local source; 0 ok, 1 when one failed."""
    raise NotImplementedError


def run_alerts(config: TrackerSettings) -> int:
    """Deliver pending Slack/instant-email/maintainer messages from the outbox."""
    raise NotImplementedError


def run_digests(config: TrackerSettings) -> int:
    """Send every email digest that is due now."""
    raise NotImplementedError


def run_once(config: TrackerSettings, only: str | None = None) -> int:
    raise NotImplementedError


def reparse_archive(config: TrackerSettings) -> int:
    raise NotImplementedError
