"""Connecting to the store and bringing its schema up to date."""

from __future__ import annotations

import logging
from pathlib import Path

# Alembic announces each of its plugins at INFO when first imported: noise at every start.
logging.getLogger("alembic").setLevel(logging.WARNING)

from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402
from sqlalchemy import Engine, create_engine, event, inspect  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


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


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(engine: Engine) -> None:
    """Apply every pending migration; safe to call at every start."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def connect(database_url: str, migrate: bool = True) -> sessionmaker[Session]:
    engine = make_engine(database_url)
    if migrate:
        upgrade(engine)
    return sessionmaker(engine, expire_on_commit=False)


class StoreMissing(RuntimeError):
    """The database has no tracker tables yet (nothing crawled or backfilled)."""


def connect_read_only(database_url: str) -> sessionmaker[Session]:
    """Sessions that cannot write: the explorer's only way in. The schema must already exist."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        if not url.database or url.database == ":memory:" or not path.is_file():
            raise StoreMissing(f"no store at {url.database or 'memory'}")
        engine = create_engine(f"sqlite:///file:{path.resolve()}?mode=ro&uri=true",
                               connect_args={"timeout": 30, "check_same_thread": False})

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
