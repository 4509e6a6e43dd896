"""Archive raw bytes → parse → hand each publication (or local signal, or news report) to storage.

Raw documents are committed the moment they arrive, so nothing fetched is lost even if
the crawl dies later. Workbooks are applied when the spider closes, participating before
pending, so a new agreement can be matched against the pending list it left.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from parsers.article import main_text
from parsers.gazetteer import Gazetteer
from parsers.news import read_report, stage_of
from parsers.places import county_fips
from scrapers.items import LocalSignal, MoaDocument, NewsArticle, PageDocument, WorkbookDocument
from scrapers.store import crawl_sessions
from scrapers.workbooks import archived_reader
from settings import SettingsError
from storage.archive import REJECTED, archive_document, last_good_fetch, record_fetch
from storage.events import PublicationRef, Signal, add_event, exists, local_signal_event, moa_changed_event
from storage.list_absence import list_missing, list_seen
from storage.models import ISO_Z, Agreement, CrawlRun, Document, iso_z, utcnow
from storage.news_reports import Report, listed_agencies, record_report
from storage.publications import Outcome, agreement_fields, apply_document, run_status
from vocabulary import PARTICIPATING, WORKBOOK_KINDS, AgreementStatus, PublicationStatus, RunStatus, SignalSource

log = logging.getLogger(__name__)
PAGE = "page"  # the archived ICE page: the links behind a 304
# What local spiders read from agendas, packets and minutes (the rest comes from other pages: news, press releases).
AGENDA_KINDS = ("pdf", "civicplus_agenda", "legistar_matter", "legistar_event")
# A watched page that is itself an agenda or minutes (`/agenda.html`, "Minutes of June 3").
_AGENDA_PAGE = re.compile(r"agenda|minutes|meeting", re.IGNORECASE)


@dataclass
class Queued:
    item: WorkbookDocument
    document_id: int


def source_name(spider) -> str:
    return {"ice_287g": "ice", "news": "news"}.get(spider.name, f"local:{spider.name}")


class StorePipeline:
    def __init__(self, tracker, sessions: sessionmaker[Session], crawler, run_id: int | None) -> None:
        self.tracker = tracker
        self.crawler = crawler
        self.sessions = sessions
        self.stats = crawler.stats
        self.run_id = run_id
        self.queued: list[Queued] = []
        self.outcomes: list[Outcome] = []
        self.failures: list[str] = []
        self.signals = 0
        self.source = ""
        self.news: Counter[str] = Counter()
        self.places: Gazetteer | None = None

    @classmethod
    def from_crawler(cls, crawler):
        if crawler.settings.get("TRACKER_SETTINGS_ERROR"):
            raise SettingsError(crawler.settings["TRACKER_SETTINGS_ERROR"])
        tracker = crawler.settings.get("TRACKER_SETTINGS")
        if tracker is None:
            raise NotConfigured("no tracker settings")
        run_id = crawler.settings.getint("TRACKER_RUN_ID") or None
        pipeline = cls(tracker, crawl_sessions(tracker.database_url), crawler, run_id)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self, spider=None) -> None:
        self.source = source_name(spider or self.crawler.spider)
        if self.run_id is None:
            with self.sessions.begin() as session:
                run = CrawlRun(source=self.source, started_at=utcnow(), status=RunStatus.RUNNING, stats={})
                session.add(run)
                session.flush()
                self.run_id = run.id

    def process_item(self, item, spider=None):
        if isinstance(item, WorkbookDocument):
            self._workbook(item)
        elif isinstance(item, MoaDocument):
            self._moa(item)
        elif isinstance(item, PageDocument):
            self._page(item)
        elif isinstance(item, LocalSignal):
            self._signal(item)
        elif isinstance(item, NewsArticle):
            self._news(item)
        return item

    def _workbook(self, item: WorkbookDocument) -> None:
        with self.sessions.begin() as session:
            if item.not_modified:
                record_fetch(session, url=item.url, status=304, headers=item.headers, run_id=self.run_id)
                known = last_good_fetch(session, item.url)
                if known is not None:
                    # Usually already applied (then "unchanged" without parsing); but a crawl stopped
                    # before it applied its publication must not lose it to a 304 next time.
                    self.queued.append(Queued(item, known.document_id))
                return
            stored = archive_document(session, self.tracker.archive_dir, body=item.body, url=item.url,
                                      kind=item.kind if not item.error else REJECTED, filename=item.filename,
                                      headers=item.headers, status=item.status, run_id=self.run_id,
                                      fetched_at=_parse_time(item.fetched_at))
            document_id = stored.document.id
        if item.error:
            self.failures.append(item.error)
            return
        self.queued.append(Queued(item, document_id))

    def _page(self, item: PageDocument) -> None:
        with self.sessions.begin() as session:
            archive_document(session, self.tracker.archive_dir, body=item.body, url=item.url, kind=PAGE,
                             headers=item.headers, status=item.status, run_id=self.run_id,
                             fetched_at=_parse_time(item.fetched_at))

    def _moa(self, item: MoaDocument) -> None:
        with self.sessions.begin() as session:
            if item.failed:
                record_fetch(session, url=item.url, status=item.status, headers={}, run_id=self.run_id)
                return
            if item.not_modified:
                record_fetch(session, url=item.url, status=304, headers=item.headers, run_id=self.run_id)
                return
            before = last_good_fetch(session, item.url)
            stored = archive_document(session, self.tracker.archive_dir, body=item.body, url=item.url,
                                      kind=item.kind, headers=item.headers, status=item.status, run_id=self.run_id)
            if before is not None and before.document_id != stored.document.id:
                self._moa_changed(session, item, stored.document)

    def _moa_changed(self, session: Session, item: MoaDocument, document: Document) -> None:
        column = Agreement.moa_url if item.kind == "moa" else Agreement.addendum_url
        now = utcnow()
        ref = PublicationRef(sha256=document.sha256, kind=PARTICIPATING, source_url=item.url,
                             detected_at=iso_z(now), run_id=self.run_id)
        active = select(Agreement).where(column == item.url, Agreement.status == AgreementStatus.ACTIVE)
        for agreement in session.scalars(active):
            payload = moa_changed_event(agreement.uid, agreement_fields(agreement), ref, item.kind)
            if not exists(session, payload):
                add_event(session, payload, detected_at=now, agreement_id=agreement.id)

    def _signal(self, item: LocalSignal) -> None:
        now = utcnow()
        payload = local_signal_event(
            url=item.url, content_key=item.content_sha256 or hashlib.sha256(item.snippet.encode()).hexdigest(),
            signal=agenda_signal(item), county=item.county, snippet=item.snippet, matched=item.matched,
            date=item.date, spider=item.spider, run_id=self.run_id, detected_at=now, document_url=item.document_url,
        )
        with self.sessions.begin() as session:
            if exists(session, payload):
                return
            add_event(session, payload, detected_at=now)
            self.signals += 1

    def _news(self, item: NewsArticle) -> None:
        """Read one new feed item (its article's text, or the feed's words) and store its signal, folded or new."""
        text, problem = _article_text(item)
        now = utcnow()
        # A feed's clock is the outlet's: a time still to come is read as now.
        published = min(_parse_time(item.published_at), now) if item.published_at else None
        signals = read_report(item.title, text or item.summary, places=self._gazetteer(),
                              published=published.date() if published else None, outlet=item.outlet)
        report = Report(feed_url=item.feed_url, link=item.link, guid=item.guid, title=item.title, outlet=item.outlet,
                        published_at=published, article_url=item.url or None, fallback_reason=problem,
                        signals=tuple(signals))
        with self.sessions.begin() as session:
            outcome = record_report(session, report, run_id=self.run_id, now=now)
        self.news[outcome] += 1
        self.news["items"] += 1
        self.news["from_feed"] += problem is not None
        if outcome == "new":
            self.signals += 1

    def _gazetteer(self) -> Gazetteer:
        """Places, and the agencies on ICE's lists as stored when the crawl began: read once per crawl."""
        if self.places is None:
            with self.sessions() as session:
                self.places = Gazetteer(listed_agencies(session))
        return self.places

    def spider_closed(self, spider, reason: str) -> None:
        """Apply what was fetched, but only from a crawl that finished: a partial list would
        count agreements as missing. Fetched documents stay archived and are applied next time."""
        failures = list(self.stats.get_value("tracker/failures") or [])
        failures += [f"spider exception {key.split('/', 1)[1]} ({count}×): see the crawl log"
                     for key, count in self.stats.get_stats().items() if key.startswith("spider_exceptions/")
                     and key != "spider_exceptions/count"]
        if reason == "finished" and self.source == "ice" and not failures and not any(
                q.item.kind == PARTICIPATING for q in self.queued):
            failures.append("the ICE page linked no participating list")
        if reason == "finished" and self.source == "ice" and not failures:
            self._note_lists(set(self.stats.get_value("tracker/lists") or ()))
        if reason == "finished":
            self.queued.sort(key=lambda q: q.item.kind != PARTICIPATING)
            for queued in self.queued:
                self.outcomes.append(self._apply(queued))
        else:
            failures.append(f"crawl stopped before it finished ({reason}); nothing applied")
        failures += [f for f in self.failures if f not in failures]
        refused = [o for o in self.outcomes if o.status == PublicationStatus.REFUSED]
        local_errors = int(self.stats.get_value("local/errors") or 0)
        if local_errors and not int(self.stats.get_value("local/items") or 0):
            unreachable = list(self.stats.get_value("local/unreachable") or [])
            failures += [f"could not read {page}" for page in unreachable] or [
                f"nothing read: {local_errors} page{'s' if local_errors != 1 else ''} failed (see the crawl log)"]
        if reason == "shutdown":
            status = RunStatus.INTERRUPTED  # a signal stopped it (the tracker shutting down): retried next start
        elif failures:
            status = RunStatus.FAILED
        else:
            status = run_status(self.outcomes, self.signals)
        errors = failures + [f"{o.kind} refused: {o.reason}" for o in refused]
        with self.sessions.begin() as session:
            run = session.get(CrawlRun, self.run_id)
            run.status = status
            run.error = "\n".join(errors) or None
            run.finished_at = utcnow()
            run.requests = int(self.stats.get_value("downloader/request_count") or 0)
            run.bytes_downloaded = int(self.stats.get_value("downloader/response_bytes") or 0)
            run.stats = {
                "publications": [o.stats() for o in self.outcomes],
                "local_signals": self.signals,
                **({"news": {"items": 0, **self.news}} if self.source == "news" else {}),
                "local": {k: v for k, v in self.stats.get_stats().items() if k.startswith("local/")},
                "items": int(self.stats.get_value("item_scraped_count") or 0),
            }
        for outcome in self.outcomes:
            log.info("%s publication %s: %d rows, %d events%s", outcome.kind, outcome.status, outcome.rows,
                     outcome.events, f" ({outcome.reason})" if outcome.reason else "")

    def _note_lists(self, linked: set[str]) -> None:
        """A list the page stopped linking is marked unpublished (never diffed); one linked again is read."""
        now = utcnow()
        with self.sessions.begin() as session:
            for kind in WORKBOOK_KINDS:
                if kind in linked:
                    list_seen(session, kind, now)
                elif list_missing(session, kind, self.run_id, now) is not None:
                    log.warning("ICE's page links no %s list: the last one is kept, marked no longer published", kind)

    def _apply(self, queued: Queued) -> Outcome:
        item = queued.item
        with self.sessions.begin() as session:
            return apply_document(
                session, document=session.get(Document, queued.document_id),
                read=archived_reader(self.tracker.archive_dir), kind=item.kind, source_url=item.url,
                filename=item.filename, run_id=self.run_id, detected_at=utcnow(),
                published_at=_parse_time(item.fetched_at), removal_confirmations=self.tracker.removal_confirmations,
                max_drop=self.tracker.max_drop_share,
            )


def _article_text(item: NewsArticle) -> tuple[str, str | None]:
    """The article's main text and why it is missing, if it is (then the feed's words stand in)."""
    if not item.body:
        return "", item.problem
    try:
        text = main_text(item.body, item.url)
    except Exception as exc:  # a hostile page must cost its own text, never the crawl's other items
        return "", f"the article's text could not be extracted ({type(exc).__name__})"
    return text, None if text else "no article text on the page"


def agenda_signal(item: LocalSignal) -> Signal:
    """A local spider's find in the signal vocabulary news shares: its stage only when the words say one."""
    host = (urlsplit(item.url).hostname or "").removeprefix("www.")
    return Signal(
        source=SignalSource.AGENDA if item.source in AGENDA_KINDS or _AGENDA_PAGE.search(
            f"{urlsplit(item.url).path} {item.title}") else SignalSource.PAGE,
        stage=stage_of(f"{item.title}. {item.snippet}"), state=item.state or None, jurisdiction=item.jurisdiction,
        county_fips=county_fips(item.county, item.state), agency=item.jurisdiction, title=item.title, outlet=host,
        source_url=item.url, published_at=_item_day(item.date), excerpt=item.snippet,
    )


def _item_day(text: str | None) -> dt.datetime | None:
    """An agenda item's date (`2025-06-17`) as the start of that day, or None when it has none or it is not a date."""
    try:
        return dt.datetime.combine(dt.date.fromisoformat((text or "")[:10]), dt.time())
    except ValueError:
        return None


def _parse_time(text: str) -> dt.datetime:
    if not text:
        return utcnow()
    return dt.datetime.strptime(text, ISO_Z)
