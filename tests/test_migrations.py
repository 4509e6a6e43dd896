"""The schema is migrated once, by one process, even when several start on a new database together."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from storage.db import MIGRATIONS, alembic_config, connect, current_revision, head_revision, make_engine
from storage.models import Event, Publication

ROOT = Path(__file__).resolve().parent.parent
STARTER = """
import sys
sys.stdin.readline()  # wait until every process is ready, then all open the store at once
from storage.db import connect
connect(sys.argv[1])
print("ready")
"""
CHECKER = """
import sys
from storage.db import connect
connect(sys.argv[1])
print("alembic loaded" if "alembic" in sys.modules else "alembic not loaded")
"""


def test_head_revision_is_alembics() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert script.get_current_head() == head_revision()
    assert (MIGRATIONS / "versions").is_dir()


def _start_together(url: str, count: int) -> list[subprocess.CompletedProcess]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = [subprocess.Popen([sys.executable, "-c", STARTER, url], cwd=ROOT, env=env, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(count)]
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.flush()
    results = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    return results


def test_processes_starting_together_on_a_new_database_all_start(database_url) -> None:
    results = _start_together(database_url, 3)
    assert [(r.returncode, r.stdout.strip(), r.stderr.strip()[-300:]) for r in results] == [(0, "ready", "")] * 3
    engine = create_engine(database_url)
    with engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        assert {"agreements", "events", "publications"} <= set(inspect(connection).get_table_names())
    engine.dispose()


def test_an_up_to_date_store_is_opened_without_alembic(database_url) -> None:
    connect(database_url).kw["bind"].dispose()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", CHECKER, database_url], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert (result.returncode, result.stdout.strip()) == (0, "alembic not loaded"), result.stderr


def test_a_store_built_before_publication_time_keeps_its_dates(database_url) -> None:
    """Stores from live crawls only: each publication was published when it was applied."""
    engine = make_engine(database_url)
    with engine.begin() as connection:
        config = alembic_config(database_url)
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.execute(text(
            "INSERT INTO documents (id, sha256, size, kind, path, first_url, first_fetched_at) "
            "VALUES (1, 'ab', 1, 'participating', 'ab/ab.xlsx', 'https://www.ice.gov/p.xlsx', '2025-06-01 15:00:00')"))
        connection.execute(text(
            "INSERT INTO publications (id, document_id, kind, source_url, row_count, status, warnings, applied_at) "
            "VALUES (1, 1, 'participating', 'https://www.ice.gov/p.xlsx', 1, 'applied', '[]', '2025-06-01 15:00:00')"))
        connection.execute(text(
            "INSERT INTO events (seq, id, type, detected_at, publication_id, payload) VALUES "
            "(1, 'e1', 'agreement_added', '2025-06-01 15:00:05', 1, :payload)"),
            {"payload": '{"id": "e1", "type": "agreement_added", "detected_at": "2025-06-01T15:00:05Z"}'})
    engine.dispose()

    sessions = connect(database_url)
    with sessions() as session:
        assert str(session.get(Publication, 1).published_at) == "2025-06-01 15:00:00"
        event = session.get(Event, 1)
        assert str(event.published_at) == "2025-06-01 15:00:05"
        assert event.payload["published_at"] == "2025-06-01T15:00:05Z"
    sessions.kw["bind"].dispose()
