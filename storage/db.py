"""Connecting to the store and bringing its schema up to date."""

from __future__ import annotations

import logging
import re
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import Delete, Insert, Select, Update
from sqlalchemy.sql.ddl import DDLElement

from storage.models import Subscriber

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic announces each of its plugins at INFO when first imported: noise at every start.
logging.getLogger("alembic").setLevel(logging.WARNING)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK = 287_000_001  # PostgreSQL advisory lock key: "the tracker's schema is being migrated"
WRITER_LOCK = 287_000_002  # PostgreSQL advisory lock key: "documents or publications are being written"
_REVISION = re.compile(r"^revision\s*(?::[^=]*)?=\s*['\"]([^'\"]+)['\"]", re.M)
_DOWN_REVISION = re.compile(r"^down_revision\s*(?::[^=]*)?=\s*(.+)$", re.M)
_QUOTED = re.compile(r"['\"]([^'\"]+)['\"]")


def make_engine(database_url: str) -> Engine:
    """An engine for the URL; SQLite gets a folder, a busy timeout and foreign keys."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def head_revision() -> str:
    """The newest migration's id, read from the version files without loading Alembic.

    Alembic costs a noticeable share of an hourly poll's CPU; an up-to-date store needs only
    this and one query. `tests/test_migrations.py` checks it against Alembic's own answer.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN_REVISION.search(source)
        if revision:
            revisions.add(revision[1])
        if down:
            parents.update(_QUOTED.findall(down[1]))
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"migrations have {len(heads)} heads ({', '.join(sorted(heads))}); merge them")
    return heads.pop()


def current_revision(connection: Connection) -> str | None:
    """The store's schema revision; None for a new database."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def alembic_config(database_url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision; safe to call at every start, from many processes at once.

    The usual case, a store already up to date, costs one query. Otherwise one process at a
    time migrates, under a lock held for the whole transaction (a PostgreSQL advisory lock,
    an exclusive SQLite transaction); whoever waited finds the work done and returns.
    """
    head = head_revision()
    with engine.connect() as connection:
        try:
            if connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == head:
                return
        except DBAPIError:
            pass  # a new database: no version table yet
    with engine.begin() as connection:
        _lock_for_migration(connection)
        if current_revision(connection) == head:
            return
        from alembic import command

        config = alembic_config(engine.url.render_as_string(hide_password=False))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _lock_for_migration(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    elif connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN EXCLUSIVE")


def one_writer(session: Session) -> None:
    """Make this transaction the only one writing documents and publications until it ends.

    Two processes that apply the same publication at once (a crawl whose lease lapsed, and the
    crawl that took over) would otherwise both read the store as it was and both insert: the
    second would fail on a unique key. Serialized, the second reads what the first committed
    and finds the publication already applied. PostgreSQL: a transaction-level advisory lock
    (taken again by the same transaction, it is a no-op). SQLite: the write lock, taken now
    rather than at the first write, so what the transaction reads is what it writes over; a
    transaction that has already written holds it.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITER_LOCK})
    else:
        sqlite_write_lock(session)


def sqlite_write_lock(session: Session) -> None:
    """On SQLite, take the write lock now, before this transaction reads what it will write over.

    A transaction that has already written holds it; on other databases this does nothing.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def connect(database_url: str, migrate: bool = True) -> sessionmaker[Session]:
    """The process's session factory: build it once per command (or crawl) and pass it down."""
    engine = make_engine(database_url)
    if migrate:
        upgrade(engine)
    return sessionmaker(engine, expire_on_commit=False)


class StoreMissing(RuntimeError):
    """The database has no tracker tables yet (nothing crawled or backfilled)."""


def _sqlite_file(url: URL) -> Path:
    """The SQLite file a connection that must not create a store opens; StoreMissing when there is none."""
    path = Path(url.database or "")
    if not url.database or url.database == ":memory:" or not path.is_file():
        raise StoreMissing(f"no store at {url.database or 'memory'}")
    return path


def connect_read_only(database_url: str) -> sessionmaker[Session]:
    """Sessions that cannot write: the explorer's only way in. The schema must already exist."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = _sqlite_file(url)
        # A SQLite URI names the file percent-encoded: a `#` or `?` in a folder's name would
        # otherwise end the path and drop `mode=ro` with it.
        read_only = url.set(database=f"file:{quote(str(path.resolve()))}").update_query_dict(
            {"mode": "ro", "uri": "true"})
        engine = create_engine(read_only, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _read_only(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA query_only=ON")
            cursor.close()
    else:
        engine = create_engine(url, pool_pre_ping=True,
                               connect_args={"options": "-c default_transaction_read_only=on"})
    with engine.connect() as connection:
        if not inspect(connection).has_table("agreement_versions"):
            raise StoreMissing(f"the store at {url.render_as_string(hide_password=True)} has no tracker tables yet")
    return sessionmaker(engine, expire_on_commit=False)


SUBSCRIPTIONS_TABLE = Subscriber.__tablename__
_SQLITE_WRITES = {sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE}
_SQLITE_HARMLESS = {sqlite3.SQLITE_READ, sqlite3.SQLITE_SELECT, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_TRANSACTION,
                    sqlite3.SQLITE_SAVEPOINT, sqlite3.SQLITE_RECURSIVE}
_SQLITE_SCHEMA_PRAGMAS = {"table_info", "table_xinfo", "index_list", "index_info", "foreign_key_list"}


class NotSubscriptions(PermissionError):
    """Something tried to write a table other than the subscriptions through the sign-up connection."""


def _sqlite_subscriptions_only(action: int, first: str | None, second: str | None, *_rest) -> int:
    if action in _SQLITE_HARMLESS:
        return sqlite3.SQLITE_OK
    if action in _SQLITE_WRITES:
        return sqlite3.SQLITE_OK if first == SUBSCRIPTIONS_TABLE else sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_PRAGMA and (second is None or first in _SQLITE_SCHEMA_PRAGMAS):
        return sqlite3.SQLITE_OK  # reading a pragma, or the schema (SQLAlchemy's table checks)
    return sqlite3.SQLITE_DENY


def _writes_only_subscriptions(_connection, clause, _multiparams, _params, _options) -> None:
    if isinstance(clause, (Insert, Update, Delete)):
        if clause.table.name != SUBSCRIPTIONS_TABLE:
            raise NotSubscriptions(f"the sign-up connection writes only {SUBSCRIPTIONS_TABLE}, not {clause.table.name}")
    elif isinstance(clause, DDLElement) or not isinstance(clause, Select):
        words = str(clause).lstrip().split(None, 1)
        if not words or words[0].upper() not in ("SELECT", "BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK"):
            raise NotSubscriptions(f"the sign-up connection runs no {words[0] if words else 'empty'} statement")


def subscriptions_ready(session: Session) -> bool:
    """Whether the store has the subscriptions table yet (a store from before sign-up has not)."""
    return inspect(session.connection()).has_table(SUBSCRIPTIONS_TABLE)


def connect_subscriptions(database_url: str) -> sessionmaker[Session]:
    """The explorer's one writable way in: sessions that may write the subscriptions table and nothing else.

    Every statement is checked before it runs, and on SQLite the database itself refuses any
    other write (an authorizer), so a mistake in a view cannot reach agreements or events.
    The schema must already exist.
    """
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        _sqlite_file(url)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _narrow(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()
            dbapi_connection.set_authorizer(_sqlite_subscriptions_only)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    event.listen(engine, "before_execute", _writes_only_subscriptions)
    return sessionmaker(engine, expire_on_commit=False)
