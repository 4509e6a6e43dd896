"""Upgrading a running tracker neither floods nor re-greets the destinations it already serves."""

from __future__ import annotations

from alembic import command
from sqlalchemy import select, text

from storage.db import alembic_config, connect, make_engine
from storage.models import Destination


def test_the_upgrade_counts_existing_destinations_as_seen_and_greeted(database_url):
    engine = make_engine(database_url)
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.execute(text(
            "INSERT INTO digest_watermarks (subscriber, last_event_seq, last_active_count) VALUES "
            "('route:slack:#fl-organizers', 41, '{}'), ('route:email:tips@news.example', 40, '{}'), "
            "('digest:desk@news.example', 39, '{}'), ('digest:tips@news.example', 12, '{}')"
        ))
    engine.dispose()

    sessions = connect(database_url)
    with sessions() as session:
        found = {d.key: d for d in session.scalars(select(Destination))}
    assert {key: d.start_seq for key, d in found.items()} == {
        "slack:#fl-organizers": 41, "email:tips@news.example": 40, "email:desk@news.example": 39,
    }
    assert all(d.welcomed_at is not None for d in found.values())
