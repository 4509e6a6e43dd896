"""What the explorer knows and since when: ICE's latest lists, their age, and how the last crawl went.

Read at every request (a few index lookups) rather than cached with the pages: a failed crawl
adds no publication, so the store's fingerprint would not notice it, and readers must.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.event_text import human_date
from i18n import ENGLISH, Language
from scrapers.backfill import SOURCE as BACKFILL
from scrapers.jurisdictions import Jurisdiction, RegistryError
from scrapers.jurisdictions import load as load_registry
from service.status import ICE_SOURCE, last_run
from storage.models import CrawlRun, Publication, utcnow
from vocabulary import FAILING_RUNS, GOOD_PUBLICATIONS, PARTICIPATING, PENDING, RunStatus

REASON_CHARS = 160
OLD_AFTER_DAYS = 14  # a list older than two weeks is worth a reader's attention
LOCAL_RUNS_READ = 200
LONGEST_CRAWL = dt.timedelta(hours=2)  # a crawl still "running" after this died (killed, a machine restart)


def age_words(then: dt.date, today: dt.date, lang: Language = ENGLISH) -> str:
    """How old a list is, as a person says it: `today`, `3 days old`, `4 months old`."""
    days = (today - then).days
    if days <= 0:
        return lang.gettext("today")
    if days < 14:
        return lang.ngettext("%(n)s day old", "%(n)s days old", days) % {"n": days}
    if days < 61:
        return lang.ngettext("%(n)s week old", "%(n)s weeks old", days // 7) % {"n": days // 7}
    if days < 730:
        return lang.ngettext("%(n)s month old", "%(n)s months old", days // 30) % {"n": days // 30}
    return lang.ngettext("%(n)s year old", "%(n)s years old", days // 365) % {"n": days // 365}


def short_reason(error: str | None) -> str:
    """The first line of a crawl's error, short enough for a banner; ICE's or the network's words, untranslated."""
    line = (error or "").strip().splitlines()[0] if (error or "").strip() else "no reason recorded"
    return line if len(line) <= REASON_CHARS else line[: REASON_CHARS - 1].rstrip() + "…"


def moment_words(moment: dt.datetime, lang: Language = ENGLISH) -> str:
    return lang.gettext("%(day)s at %(time)s UTC") % {"day": human_date(moment.date().isoformat(), lang),
                                                       "time": f"{moment:%H:%M}"}


@dataclass(frozen=True)
class Crawl:
    """ICE's last crawl (or the last archive import, before any crawl) as the banner tells it."""

    status: str
    at: dt.datetime
    reason: str | None
    backfill: bool

    @property
    def failed(self) -> bool:
        return self.status in FAILING_RUNS

    def words(self, lang: Language = ENGLISH) -> str:
        when = moment_words(self.at, lang)
        if self.backfill:
            return lang.gettext("History imported from the archive of ICE's lists on %(day)s; "
                                "ICE's page itself has not been checked yet.") % {
                "day": human_date(self.at.date().isoformat(), lang)}
        if self.failed:
            return lang.gettext("The last check of ICE's page, on %(when)s, failed: %(reason)s.") % {
                "when": when, "reason": self.reason}
        if self.status == RunStatus.RUNNING:
            return lang.gettext("ICE's page is being checked now (since %(when)s).") % {"when": when}
        if self.status == RunStatus.INTERRUPTED:
            return lang.gettext("The last check of ICE's page, on %(when)s, was stopped before it finished; "
                                "it runs again soon.") % {"when": when}
        if self.status == RunStatus.OK:
            return lang.gettext("ICE's page last checked %(when)s: found a new list.") % {"when": when}
        return lang.gettext("ICE's page last checked %(when)s: no newer list.") % {"when": when}


@dataclass(frozen=True)
class Freshness:
    """What every page's banner says; frozen, so pages can be cached under it."""

    today: dt.date
    participating: dt.datetime | None
    pending: dt.datetime | None
    from_archive: bool
    crawl: Crawl | None

    @property
    def empty(self) -> bool:
        return self.participating is None and self.pending is None

    @property
    def latest(self) -> dt.datetime | None:
        return self.participating or self.pending

    @property
    def list_day(self) -> dt.date | None:
        return self.latest.date() if self.latest else None

    def list_words(self, lang: Language = ENGLISH) -> str:
        return human_date(self.list_day.isoformat(), lang) or "" if self.list_day else ""

    def pending_words(self, lang: Language = ENGLISH) -> str | None:
        """The pending list's date, when it differs from the participating list's."""
        if self.pending is None or self.participating is None or self.pending.date() == self.participating.date():
            return None
        return human_date(self.pending.date().isoformat(), lang)

    def age(self, lang: Language = ENGLISH) -> str:
        return age_words(self.list_day, self.today, lang) if self.list_day else ""

    @property
    def published_today(self) -> bool:
        return self.list_day is not None and (self.today - self.list_day).days <= 0

    @property
    def old(self) -> bool:
        return self.list_day is not None and (self.today - self.list_day).days > OLD_AFTER_DAYS


def _latest_list(session: Session, kind: str) -> tuple[dt.datetime | None, str | None]:
    row = session.execute(
        select(Publication.published_at, Publication.source_url)
        .where(Publication.kind == kind, Publication.status.in_(GOOD_PUBLICATIONS),
               Publication.published_at.is_not(None))
        .order_by(Publication.published_at.desc(), Publication.id.desc()).limit(1)
    ).first()
    return (row.published_at, row.source_url) if row else (None, None)


def _crawl(session: Session) -> Crawl | None:
    run = last_run(session, ICE_SOURCE)
    backfill = run is None
    if run is None:
        run = last_run(session, BACKFILL)
    if run is None:
        return None
    status = run.status
    if status == RunStatus.RUNNING and utcnow() - run.started_at > LONGEST_CRAWL:
        status = RunStatus.FAILED
        run_error = "the crawl stopped without finishing"
    else:
        run_error = run.error
    reason = short_reason(run_error) if status in FAILING_RUNS else None
    return Crawl(status=status, at=run.finished_at or run.started_at, reason=reason, backfill=backfill)


def freshness(session: Session, today: dt.date) -> Freshness:
    participating, source = _latest_list(session, PARTICIPATING)
    pending, pending_source = _latest_list(session, PENDING)
    newest = source or pending_source
    return Freshness(today=today, participating=participating, pending=pending,
                     from_archive=bool(newest and newest.startswith(f"{BACKFILL}:")), crawl=_crawl(session))


@dataclass(frozen=True)
class LocalWatch:
    """A state's local sources (county, city and sheriff pages) and when any was last read."""

    watched: tuple[str, ...]
    checked: dt.datetime | None
    failed: bool

    def checked_words(self, lang: Language = ENGLISH) -> str | None:
        return human_date(self.checked.date().isoformat(), lang) if self.checked else None


def _registry() -> list[Jurisdiction]:
    try:
        return load_registry()
    except (OSError, RegistryError):
        return []  # a broken registry is the crawl's to report; the page just knows of no source


def local_watch(session: Session, state: str) -> LocalWatch:
    """The state's registry rows, and the latest local crawl that read one of them."""
    names = tuple(sorted(j.name for j in _registry() if j.state == state))
    checked, failed = None, False
    if names:
        runs = session.scalars(
            select(CrawlRun).where(CrawlRun.source.like("local:%"), CrawlRun.status != RunStatus.RUNNING)
            .order_by(CrawlRun.id.desc()).limit(LOCAL_RUNS_READ))
        for run in runs:
            stats = (run.stats or {}).get("local", {})
            if any(f"local/items/{n}" in stats or f"local/errors/{n}" in stats for n in names):
                checked = run.finished_at or run.started_at
                failed = run.status in FAILING_RUNS
                break
    return LocalWatch(watched=names, checked=checked, failed=failed)


def latest_local_run(session: Session) -> int | None:
    """Part of a state page's cache key: a local crawl changes what the page says about its sources."""
    return session.scalar(select(func.max(CrawlRun.id)).where(CrawlRun.source.like("local:%")))
