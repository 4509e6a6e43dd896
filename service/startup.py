"""Which crawls `scheduler.py run` starts at once instead of waiting for their first tick.

A new service on an empty database, or one restarted after a long stop, would otherwise
watch nothing until the cron comes round (minute 7 of some hour, plus jitter). ICE is
crawled at start when its last good crawl is older than one interval of ICE_CRAWL_CRON (or
there is none); any crawl the tracker itself interrupted at its last stop is retried.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from service.status import ICE_SOURCE, last_good, last_run, latest_run
from storage.models import CrawlRun
from vocabulary import RunStatus

LOCAL_PREFIX = "local:"
NEWS_SOURCE = "news"


def crawls_due_at_start(session: Session, ice_interval: dt.timedelta, now: dt.datetime) -> dict[str, str]:
    """Job id → why it runs now (`ice_crawl`, `local_crawl`, `news_crawl`); `now` is naive UTC like the store."""
    due: dict[str, str] = {}
    good = last_good(session, ICE_SOURCE)
    last = last_run(session, ICE_SOURCE)
    if good is None:
        due["ice_crawl"] = "no good ICE crawl yet"
    elif now - (good.finished_at or good.started_at) > ice_interval:
        due["ice_crawl"] = f"the last good ICE crawl is older than the {ice_interval} between scheduled crawls"
    elif last is not None and last.status == RunStatus.INTERRUPTED:
        due["ice_crawl"] = "the last ICE crawl was interrupted by a stop"
    local = latest_run(session, CrawlRun.source.startswith(LOCAL_PREFIX))
    if local is not None and local.status == RunStatus.INTERRUPTED:
        due["local_crawl"] = "the last local crawl was interrupted by a stop"
    news = last_run(session, NEWS_SOURCE)
    if news is not None and news.status == RunStatus.INTERRUPTED:
        due["news_crawl"] = "the last news crawl was interrupted by a stop"
    return due
