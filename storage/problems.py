"""Operational problems: opened once, counted while they last, closed once.

Maintainers hear about a problem when it opens and when it clears, never once per run;
delivery of those notices is the alerts' job (see `alerts.maintainers`).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Problem, utcnow


def open_problem(session: Session, key: str, source: str, message: str) -> Problem:
    """Record that `key` is failing; repeated calls bump the count of the open problem."""
    problem = session.scalars(select(Problem).where(Problem.key == key, Problem.closed_at.is_(None))).first()
    if problem is None:
        problem = Problem(key=key, source=source, message=message, opened_at=utcnow())
        session.add(problem)
    else:
        problem.count += 1
        problem.message = message
    session.flush()
    return problem


def note_once(session: Session, key: str, source: str, message: str) -> Problem | None:
    """Tell maintainers once about something that will not recover by itself (an unreadable PDF).

    Recorded as a problem already closed, whose recovery is never announced: one notice, and
    `status` stays healthy. None when `key` was already noted.
    """
    if session.scalars(select(Problem.id).where(Problem.key == key)).first() is not None:
        return None
    now = utcnow()
    problem = Problem(key=key, source=source, message=message, opened_at=now, closed_at=now, alerted_close=True)
    session.add(problem)
    session.flush()
    return problem


def close_problem(session: Session, key: str) -> Problem | None:
    """Mark `key` recovered; returns the closed problem, or None when nothing was open."""
    problem = session.scalars(select(Problem).where(Problem.key == key, Problem.closed_at.is_(None))).first()
    if problem is not None:
        problem.closed_at = utcnow()
        session.flush()
    return problem


def open_problems(session: Session) -> list[Problem]:
    return list(session.scalars(select(Problem).where(Problem.closed_at.is_(None)).order_by(Problem.opened_at)))
