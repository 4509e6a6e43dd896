"""`make check` leaves out the tests that need PostgreSQL, Chromium or a child process: each is marked
from what it uses, so a contributor adding a test gets the right answer without marking it by hand."""

from __future__ import annotations

import subprocess
import sys
import threading
from types import SimpleNamespace

from parsers.places import state_code
from tests.support.chromium import screenshot
from tests.support.marks import marks_for, started_processes
from tests.support.tracker import run_cli

MODULE = sys.modules[__name__]


def _item(function, *fixtures: str, params: dict | None = None) -> SimpleNamespace:
    callspec = SimpleNamespace(params=params) if params is not None else None
    return SimpleNamespace(fixturenames=list(fixtures), function=function, module=MODULE, callspec=callspec)


def _runs_the_command_line() -> None:
    run_cli({}, "status")


class _Service:
    def start(self) -> None:
        subprocess.Popen([sys.executable, "-c", "pass"]).wait()


def test_a_pure_test_needs_nothing() -> None:
    assert marks_for(_item(lambda: state_code("FLORIDA"), "tmp_path")) == set()


def test_the_command_line_through_a_helper_is_a_subprocess() -> None:
    assert marks_for(_item(lambda: _runs_the_command_line())) == {"subprocess"}
    assert marks_for(_item(lambda: _Service().start())) == {"subprocess"}
    assert marks_for(_item(lambda: None, "tracker_env")) == {"subprocess"}


def test_postgresql_and_chromium_are_read_from_fixtures_parameters_and_helpers() -> None:
    assert marks_for(_item(lambda: None, "database_url", params={"database_url": "postgresql"})) == {"postgres"}
    assert marks_for(_item(lambda: None, "database_url", params={"database_url": "sqlite"})) == set()
    assert marks_for(_item(lambda: screenshot)) == {"browser"}


def test_a_process_started_is_counted() -> None:
    before = started_processes()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    assert started_processes() == before + 1


def test_a_process_another_thread_starts_is_not_the_running_tests() -> None:
    before = started_processes()
    worker = threading.Thread(target=subprocess.run, args=([sys.executable, "-c", "pass"],), kwargs={"check": True})
    worker.start()
    worker.join()
    assert started_processes() == before
