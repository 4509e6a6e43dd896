"""One scheduler per database: a lease row that its holder keeps alive with a heartbeat.

Two `scheduler.py run` processes against one database (a second host, a unit started twice, a
restart that overlaps the old process) would otherwise both crawl ICE on every tick. Whoever
holds the lease runs the jobs; the others stay on standby and keep trying, so when the holder
dies (its `expires_at` passes without a heartbeat) one of them takes over within a lease period.

Every change is a single conditional UPDATE, or an INSERT when the row does not exist yet, which
the database serializes: on PostgreSQL the second UPDATE waits for the first and re-checks its
WHERE against the committed row, on SQLite writers queue for the database lock, and a racing
INSERT loses on the primary key. So two processes cannot both win, without advisory locks.

Times are the hosts' UTC clocks: hosts sharing one database need synchronised clocks, with skew
far below the lease period. Unlike the store's other timestamps they keep their microseconds:
cut to the second, a lease taken at 10:00:00.999 would count from 10:00:00 and last up to a
second less than its period, so a holder could lose it between two heartbeats.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from storage.models import Lease

SCHEDULER_LEASE = "scheduler"


def _now() -> dt.datetime:
    """Naive UTC to the microsecond (see the module's note on times)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def new_holder_id() -> str:
    """Names this process in the lease row; the random part tells apart a restarted pid."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class DatabaseLease:
    """The lease `name` as seen by the process `holder`."""

    def __init__(self, sessions: sessionmaker[Session], holder: str, period: dt.timedelta,
                 name: str = SCHEDULER_LEASE) -> None:
        self.sessions = sessions
        self.holder = holder
        self.period = period
        self.name = name

    def acquire(self) -> bool:
        """Keep the lease if it is ours, take it over if it expired, create it if absent."""
        now = _now()
        expires = now + self.period
        with self.sessions.begin() as session:
            kept = session.execute(
                update(Lease)
                .where(Lease.name == self.name, Lease.holder == self.holder)
                .values(heartbeat_at=now, expires_at=expires)
                .execution_options(synchronize_session=False)
            )
            if kept.rowcount == 1:
                return True
            taken = session.execute(
                update(Lease)
                .where(Lease.name == self.name, Lease.expires_at <= now)
                .values(holder=self.holder, acquired_at=now, heartbeat_at=now, expires_at=expires)
                .execution_options(synchronize_session=False)
            )
            if taken.rowcount == 1:
                return True
        try:
            with self.sessions.begin() as session:
                session.execute(insert(Lease).values(name=self.name, holder=self.holder, acquired_at=now,
                                                     heartbeat_at=now, expires_at=expires))
        except IntegrityError:
            return False
        return True

    def renew(self) -> bool:
        """Heartbeat: True only while the database still says this process holds an unexpired lease.

        Jobs call this right before crawling, so a holder that stalled past its expiry and was
        replaced finds out before it does any work, not at its next heartbeat.
        """
        now = _now()
        with self.sessions.begin() as session:
            result = session.execute(
                update(Lease)
                .where(Lease.name == self.name, Lease.holder == self.holder, Lease.expires_at > now)
                .values(heartbeat_at=now, expires_at=now + self.period)
                .execution_options(synchronize_session=False)
            )
            return result.rowcount == 1

    def release(self) -> None:
        """Expire the lease now, so a standby takes over at its next try instead of a period later.

        The row stays, naming the last holder, for `status`.
        """
        now = _now()
        with self.sessions.begin() as session:
            session.execute(
                update(Lease)
                .where(Lease.name == self.name, Lease.holder == self.holder)
                .values(expires_at=now, heartbeat_at=now)
                .execution_options(synchronize_session=False)
            )


def current_holder(session: Session, name: str = SCHEDULER_LEASE) -> Lease | None:
    """The unexpired lease row, or None when no scheduler is running for this database."""
    lease = session.get(Lease, name)
    if lease is None or lease.expires_at <= _now():
        return None
    return lease


def last_lease(session: Session, name: str = SCHEDULER_LEASE) -> Lease | None:
    return session.scalars(select(Lease).where(Lease.name == name)).first()
