"""Local government sources: which spiders run, and which sources need their maintainer."""

from __future__ import annotations

from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from scrapers.jurisdictions import maintainers
from scrapers.local_health import DEFAULT_THRESHOLD, RunOutcome, decide_alerts
from scrapers.spiders.local.base import LocalSpider
from storage.models import CrawlRun
from storage.problems import close_problem, open_problem
from vocabulary import GOOD_RUNS, RunStatus

PLATFORMS = ("legistar", "civicplus", "local_page")
HISTORY = 20


def local_spiders() -> list[str]:
    """Every local spider: the platform spiders (all registry rows) first, then hand-written ones."""
    loader = SpiderLoader.from_settings(get_project_settings())
    names = [n for n in loader.list() if issubclass(loader.load(n), LocalSpider)]
    return sorted(names, key=lambda n: (n not in PLATFORMS, PLATFORMS.index(n) if n in PLATFORMS else 0, n))


def outcomes(session: Session, spider: str, history: int = HISTORY) -> list[RunOutcome]:
    """Per-source outcomes of a spider's recent runs, from the stats each run recorded."""
    runs = session.scalars(
        select(CrawlRun).where(CrawlRun.source == f"local:{spider}", CrawlRun.status != RunStatus.RUNNING)
        .order_by(CrawlRun.id.desc()).limit(history)
    ).all()
    found: list[RunOutcome] = []
    for run in reversed(runs):
        stats = (run.stats or {}).get("local", {})
        sources = {k.split("/", 2)[2] for k in stats if k.startswith(("local/items/", "local/errors/"))}
        if not sources:
            found.append(RunOutcome(spider, run.status in GOOD_RUNS, int(stats.get("local/items", 0)),
                                    run.started_at))
            continue
        for source in sources:
            ok = run.status != RunStatus.FAILED and not stats.get(f"local/errors/{source}", 0)
            found.append(RunOutcome(source, ok, int(stats.get(f"local/items/{source}", 0)), run.started_at))
    return found


def update_health(sessions: sessionmaker[Session], spider: str, threshold: int = DEFAULT_THRESHOLD) -> list[str]:
    """Open one problem per failing source (naming its maintainer) and close it on recovery."""
    opened: list[str] = []
    with sessions.begin() as session:
        latest: dict[str, object] = {}
        for alert in decide_alerts(outcomes(session, spider), maintainers(), threshold):
            latest[alert.source] = alert
        for source, alert in latest.items():
            key = f"local:{source}:health"
            if alert.kind == "failing":
                open_problem(session, key, f"local:{spider}", alert.message)
                opened.append(source)
            else:
                close_problem(session, key)
    return opened
