"""A stop is not a failure, and leaves no stragglers: `once` sent SIGTERM or SIGINT mid-crawl.

Real processes throughout: `scheduler.py once` crawling a local mirror whose ICE page is
slow to answer, a real signal, then the process table and the store are read.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.tracker import PAGE_PATH, ROOT, publish, run_cli, sheet, wait_for

FIRST = "20250519_024922_participating"
PENDING_FIRST = "20250519_024922_pending"


def _processes() -> Iterator[tuple[int, list[str]]]:
    """Every process's id and the fields of its /proc stat line that follow the command name."""
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[-1].split()
        except OSError:
            continue
        yield int(entry.name), fields


def _children(pid: int) -> list[int]:
    """Processes whose parent is `pid`."""
    return [child for child, fields in _processes() if len(fields) > 1 and fields[1] == str(pid)]


def _alive(pid: int) -> bool:
    """True while `pid` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _in_group(pgid: int) -> list[int]:
    """Processes of the group `pgid` that are not zombies."""
    return [member for member, fields in _processes()
            if len(fields) > 2 and fields[2] == str(pgid) and fields[0] != "Z"]


def _runs(db: Path) -> list[tuple[str, str | None]]:
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        try:
            return conn.execute("select status, error from crawl_runs order by id").fetchall()
        except sqlite3.OperationalError:
            return []


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_once_stops_its_crawl_records_it_interrupted_and_leaves_no_child(
        mirror, tracker_env, tmp_path, signum):
    publish(mirror, sheet(FIRST), sheet(PENDING_FIRST))
    assert run_cli(tracker_env, "once", "--only", "ice").returncode == 0
    mirror.set(PAGE_PATH, mirror.routes[PAGE_PATH].body, "text/html", delay=120)  # ICE's page hangs
    asked = len(mirror.requests_for("/robots.txt"))

    once = subprocess.Popen([sys.executable, "scheduler.py", "once"], cwd=ROOT, env=tracker_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        crawl = wait_for(lambda: _children(once.pid), 60, "the scrapy crawl child", poll=0.1)[0]
        wait_for(lambda: len(mirror.requests_for("/robots.txt")) > asked, 60, "the crawl to start asking the site",
                 poll=0.1)
        once.send_signal(signum)
        out, err = once.communicate(timeout=60)
    finally:
        if once.poll() is None:
            once.kill()
            once.wait()

    assert once.returncode == 128 + signum, out + err
    assert "interrupted" in out
    assert not _alive(crawl), "the scrapy child outlived `once`"
    assert _in_group(crawl) == [], "a process of the crawl's group outlived `once`"
    runs = _runs(tmp_path / "tracker.db")
    assert [status for status, _ in runs] == ["ok", "interrupted"]
    assert "retried at the next start" in runs[-1][1]

    status = run_cli(tracker_env, "status")
    assert status.returncode == 0, status.stdout  # a stop is not a failure: no problem, still healthy
    assert "interrupted at" in status.stdout and "open problems: none" in status.stdout

