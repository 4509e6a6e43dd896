"""Hosts whose documents (MOAs, addenda) the crawl stopped asking for, and until when.

A host that refuses, resets or blocks us (403, 429) several times in a row is left alone
for the rest of the crawl (see scrapers.fetch_breaker) and for a while after: half an hour
after the first crawl that gave up on it, then twice as long after each further one, never
more than a day. The first document that arrives from it again ends the back-off. When
documents from a host have failed for a day, maintainers hear of it once (`fetch:<host>`),
and once more when it recovers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import FetchBackoff
from storage.problems import close_problem, open_problem

FIRST_BACKOFF = dt.timedelta(minutes=30)
LONGEST_BACKOFF = dt.timedelta(days=1)
PROBLEM_AFTER = dt.timedelta(hours=24)
PROBLEM_SOURCE = "ice"


def backoff_after(failures: int) -> dt.timedelta:
    """How long to leave a host alone after `failures` crawls in a row gave up on it."""
    doublings = min(max(failures - 1, 0), 16)  # a host down for months must not overflow the arithmetic
    return min(FIRST_BACKOFF * 2**doublings, LONGEST_BACKOFF)


def problem_key(host: str) -> str:
    return f"fetch:{host}"


@dataclass(frozen=True)
class CrawlFetches:
    """What one crawl learned about each document host."""

    gave_up: dict[str, str]  # host → why (its last failure)
    reached: frozenset[str]  # hosts that answered with a document
    waiting: dict[str, int]  # host → documents not asked for


def backed_off(session: Session, now: dt.datetime) -> dict[str, FetchBackoff]:
    """Hosts to leave alone for this whole crawl."""
    rows = session.scalars(select(FetchBackoff).where(FetchBackoff.retry_after > now))
    return {row.host: row for row in rows}


def record_crawl(session: Session, fetches: CrawlFetches, now: dt.datetime) -> None:
    """Back off from hosts the crawl gave up on, forgive those that answered, and raise or clear problems."""
    rows = {row.host: row for row in session.scalars(select(FetchBackoff))}
    for host in fetches.reached:
        row = rows.pop(host, None)
        if row is not None:
            session.delete(row)
        close_problem(session, problem_key(host))
    for host, why in fetches.gave_up.items():
        if host in fetches.reached:
            continue
        row = rows.get(host)
        if row is None:
            row = FetchBackoff(host=host, failures=0, first_failed_at=now)
            session.add(row)
            rows[host] = row
        row.failures += 1
        row.last_failed_at = now
        row.last_error = why[:500]
        row.retry_after = now + backoff_after(row.failures)
    for host, count in fetches.waiting.items():
        if host in rows:
            rows[host].waiting = count
    for host, row in rows.items():
        if now - row.first_failed_at >= PROBLEM_AFTER:
            open_problem(session, problem_key(host), PROBLEM_SOURCE,
                         f"documents from {host} have failed since {row.first_failed_at:%Y-%m-%d %H:%M}Z "
                         f"({row.failures} crawls gave up; last: {row.last_error}); {row.waiting} waiting")
    session.flush()


def waiting_lines(session: Session, now: dt.datetime) -> list[str]:
    """One line per host with documents waiting, saying how many and why, for `once` and `status`."""
    lines = []
    for row in session.scalars(select(FetchBackoff).order_by(FetchBackoff.host)):
        when = (f"next try after {row.retry_after:%Y-%m-%d %H:%M}Z" if row.retry_after > now
                else "tried again at the next crawl")
        crawls = "1 crawl" if row.failures == 1 else f"{row.failures} crawls in a row"
        lines.append(f"{row.waiting} documents waiting for {row.host}: {row.last_error}; {crawls} gave up on it "
                     f"since {row.first_failed_at:%Y-%m-%d %H:%M}Z; {when}")
    return lines
