"""Run one spider as its own crawl subprocess (`python -m scrapers.crawl`, Scrapy's crawl made lean).

Twisted's reactor cannot restart inside one process, and a subprocess also isolates
memory and a hung site: the crawl gets a timeout, and a stop request from the service
(SIGTERM) is passed on so Scrapy can close the spider cleanly.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from storage.models import CrawlRun, utcnow
from vocabulary import RunStatus

ROOT = Path(__file__).resolve().parent.parent
GRACE_SECONDS = 20
# Scrapy's log format: `2025-06-17 23:32:04 [logger] LEVEL: message`.
LOG_ERROR = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[[^\]]+\] (?:ERROR|CRITICAL): ")
STOPPED = "stopped by the tracker shutting down before the crawl finished; retried at the next start"


@dataclass
class CrawlResult:
    run_id: int
    source: str
    status: str
    error: str | None
    returncode: int | None
    stats: dict


def start_run(sessions: sessionmaker[Session], source: str) -> int:
    with sessions.begin() as session:
        run = CrawlRun(source=source, started_at=utcnow(), status=RunStatus.RUNNING, stats={})
        session.add(run)
        session.flush()
        return run.id


def close_abandoned(sessions: sessionmaker[Session], source: str, older_than: dt.timedelta) -> int:
    """Runs left `running` by a crawl that died (killed, machine restart) are marked failed."""
    cutoff = utcnow() - older_than
    with sessions.begin() as session:
        runs = session.scalars(select(CrawlRun).where(
            CrawlRun.source == source, CrawlRun.status == RunStatus.RUNNING, CrawlRun.started_at < cutoff
        )).all()
        for run in runs:
            run.status, run.finished_at = RunStatus.FAILED, utcnow()
            run.error = (run.error or "") + "the crawl process died without finishing"
        return len(runs)


def run_spider(sessions: sessionmaker[Session], spider: str, source: str, *, timeout: float,
               args: dict[str, str] | None = None, stop: threading.Event | None = None,
               env: dict[str, str] | None = None) -> CrawlResult:
    """Crawl in a subprocess; the spider's pipeline writes the run's outcome into `crawl_runs`."""
    run_id = start_run(sessions, source)
    command = [sys.executable, "-m", "scrapers.crawl", spider, "-s", f"TRACKER_RUN_ID={run_id}"]
    for name, value in (args or {}).items():
        command += ["-a", f"{name}={value}"]
    process = subprocess.Popen(command, cwd=ROOT, env=env or dict(os.environ), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    tail: list[str] = []
    reader = threading.Thread(target=_keep_tail, args=(process, tail), daemon=True)
    reader.start()
    deadline = utcnow() + dt.timedelta(seconds=timeout)
    problem = None
    stopped = False
    while process.poll() is None:
        if stop is not None and stop.is_set():
            stopped = True
            _terminate(process)
            break
        if utcnow() > deadline:
            problem = f"timed out after {timeout:.0f} s"
            _terminate(process)
            break
        try:
            process.wait(timeout=0.2)
        except subprocess.TimeoutExpired:
            pass
    process.wait()
    reader.join(timeout=5)
    with sessions.begin() as session:
        run = session.get(CrawlRun, run_id)
        if stopped and run.status in (RunStatus.RUNNING, RunStatus.INTERRUPTED):
            # Our own shutdown, not the source's fault: nothing was applied, and the next start retries.
            run.status = RunStatus.INTERRUPTED
            run.error = STOPPED
            run.finished_at = utcnow()
        elif run.status == RunStatus.RUNNING or problem:
            run.status = RunStatus.FAILED
            detail = problem or f"scrapy exited with status {process.returncode}"
            lines = error_lines(tail)[-5:]
            run.error = "\n".join(filter(None, [run.error, detail, *lines]))
            run.finished_at = utcnow()
        return CrawlResult(run_id, source, run.status, run.error, process.returncode, dict(run.stats or {}))


def error_lines(log: list[str]) -> list[str]:
    """The lines of a crawl's log that say what went wrong: records logged at ERROR or CRITICAL
    and the closing line of each traceback (`settings.SettingsError: ...`).

    Matching on the word "Error" alone copied Scrapy's list of enabled middlewares
    (`HttpErrorMiddleware`) into the failure reason maintainers read.
    """
    found: list[str] = []
    in_traceback = False
    for line in log:
        if line.startswith("Traceback (most recent call last)"):
            in_traceback = True
        elif in_traceback and line and not line[0].isspace():
            in_traceback = False
            found.append(line)
        elif LOG_ERROR.match(line):
            found.append(line)
    return found


def _keep_tail(process: subprocess.Popen, tail: list[str], keep: int = 200) -> None:
    for line in process.stderr:
        tail.append(line.rstrip())
        if len(tail) > keep:
            del tail[: len(tail) - keep]


def _terminate(process: subprocess.Popen) -> None:
    """SIGTERM asks Scrapy to close the spider (pipelines still commit); SIGKILL if it will not."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
