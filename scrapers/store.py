"""The crawl process's one session factory, shared by its middleware and its pipeline.

`scrapy crawl` builds each component separately; without this each would open its own
engine and check the schema again.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from storage.db import connect

_factories: dict[str, sessionmaker[Session]] = {}


def crawl_sessions(database_url: str) -> sessionmaker[Session]:
    if database_url not in _factories:
        _factories[database_url] = connect(database_url)
    return _factories[database_url]
