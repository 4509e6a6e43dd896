"""The store's side of sign-up: the explorer's writable connection reaches the subscriptions and nothing else."""

from __future__ import annotations

import dataclasses
import sqlite3

import pytest
from sqlalchemy import func, select, text

from storage import subscribers
from storage.db import NotSubscriptions, connect, connect_subscriptions
from storage.models import Problem, Subscriber
from storage.subscribers import Choices

FLORIDA = Choices(("FL",), "instant", "es")


def test_sqlite_itself_refuses_other_writes_on_the_sign_up_connection(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    connect(url)
    with connect_subscriptions(url)() as session:
        raw = session.connection().connection.dbapi_connection
        with pytest.raises(sqlite3.DatabaseError, match="not authorized"):
            raw.execute("INSERT INTO problems (key, source, message, opened_at, count, alerted_open, alerted_close) "
                        "VALUES ('x', 'y', 'z', '2030-01-01', 1, 0, 0)")
        with pytest.raises(sqlite3.DatabaseError, match="not authorized"):
            raw.execute("DROP TABLE events")


def test_an_old_confirmation_link_does_not_undo_an_unsubscribe(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    sessions = connect(url)
    with sessions.begin() as session:
        row = subscribers.add_pending(session, "reader@example.org", FLORIDA).subscriber
        signed_at = row.created_at
        assert subscribers.confirm(session, row.id, signed_at).status == "confirmed"
        subscribers.unsubscribe(session, row.id)
        assert subscribers.confirm(session, row.id, signed_at) is None
        assert row.status == "unsubscribed"


def test_links_are_signed_with_the_key_generated_into_data_dir_until_secret_key_is_set(tmp_path, caplog):
    from alerts.tokens import UNSUBSCRIBE, BadToken, Signer
    from tests.support.alert_servers import make_config

    config = make_config(tmp_path)
    token = Signer.of(config).token(UNSUBSCRIBE, 7, "reader@example.org")
    assert "SECRET_KEY is not set" in caplog.text and (config.data_dir / "secret_key").is_file()
    claim = Signer.of(config).read(UNSUBSCRIBE, token)  # another process, the same key
    assert claim.subscriber_id == 7 and claim.matches("Reader@example.org") and not claim.matches("other@example.org")
    with pytest.raises(BadToken):
        Signer.of(dataclasses.replace(config, secret_key="a key set by the administrator")).read(UNSUBSCRIBE, token)


def test_the_sign_up_connection_writes_subscriptions_and_nothing_else(database_url):
    connect(database_url)
    narrow = connect_subscriptions(database_url)
    with narrow.begin() as session:
        first = subscribers.add_pending(session, "Reader@Example.org", FLORIDA)
    with narrow.begin() as session:
        again = subscribers.add_pending(session, "reader@example.org", FLORIDA)
    assert (first.send, again.send) == ("confirm", None)  # one email an hour, whatever the case of the address
    with narrow() as session:
        row = session.scalars(select(Subscriber)).one()
    assert (row.status, row.language, row.states) == ("pending", "es", ["FL"])

    with pytest.raises(NotSubscriptions), narrow.begin() as session:
        session.add(Problem(key="web:test", source="web", message="must not be written"))
        session.flush()
    with pytest.raises(NotSubscriptions), narrow.begin() as session:
        session.execute(text("DELETE FROM events"))
    with connect(database_url)() as session:
        assert session.scalar(select(func.count()).select_from(Problem)) == 0
