"""Sign-up with `serve` and `run` side by side, as deployed: two processes, one store, one mail server.

ICE is a local mirror, crons tick every two seconds (the test-only knob), and local government
crawls are left out (they would reach the internet).
"""

from __future__ import annotations

import http.cookiejar
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select

from storage.db import connect
from storage.models import Publication
from tests.support.alert_servers import free_port
from tests.support.tracker import ROOT, SHEETS, publish, run_cli, sheet, wait_for

READER = "lectora@example.org"
FIRST, SECOND, THIRD, FOURTH = "20250519_024922", "20250519_151802", "20250522_151740", "20250527_151813"
RUN_WITHOUT_LOCAL = ("import sys; sys.path.insert(0, '.'); import scheduler; from service import cycle; "
                     "cycle.run_local = lambda *args, **kwargs: 0; sys.exit(scheduler.main(['run']))")


@contextmanager
def process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    with log.open("wb") as out:
        child = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield child
        finally:
            child.terminate()
            try:
                child.wait(30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


class Browser:
    """Form posts and link clicks with a cookie jar, as a person's browser makes them."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def open(self, url: str, fields: list[tuple[str, str]] | None = None) -> tuple[int, str]:
        data = urllib.parse.urlencode(fields).encode() if fields is not None else None
        try:
            with self.opener.open(urllib.request.Request(url if "://" in url else self.base + url, data=data)) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()
        except OSError:
            return 0, ""


def publish_step(mirror, stamp: str) -> None:
    """Publish a crawl of the fixtures under ICE's own file name (which carries ICE's stamp)."""
    (path,) = SHEETS.glob(f"{stamp}_participating*")
    publish(mirror, path.read_bytes(), sheet(f"{stamp}_pending"), participating_name=path.name.split("_", 2)[2])


def stored(database_url: str, stamp: str) -> bool:
    """Whether the list ICE stamped `stamp` (as in its file name) has been stored."""
    with connect(database_url)() as session:
        return any(stamp in (name or "") for name in session.scalars(select(Publication.filename)))


def alert_runs(log: Path) -> int:
    return log.read_text(errors="replace").count("alerts: ")


def alerts_to(smtp_server, address: str) -> list[str]:
    """The alerts mailed to a Spanish sign-up: not its confirmation, nor its greeting."""
    return [m.get_body(("plain",)).get_content() for m in smtp_server.to(address)
            if "Confirme" not in m["Subject"] and "ahora vigila" not in m["Subject"]]


def test_sign_up_confirm_alert_and_leave_while_serve_and_run_are_up(tracker_env, mirror, smtp_server, tmp_path):
    env = {**tracker_env, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_server.port), "SMTP_STARTTLS": "false",
           "TRACKER_TEST_TICK_SECONDS": "2", "ICE_CRAWL_JITTER": "0", "PYTHONUNBUFFERED": "1"}
    publish_step(mirror, FIRST)
    assert run_cli(env, "once", "--only", "ice").returncode == 0
    port = free_port()
    serve_args = [sys.executable, "scheduler.py", "serve", "--port", str(port)]
    with process(serve_args, env, tmp_path / "serve.log"), \
            process([sys.executable, "-c", RUN_WITHOUT_LOCAL], env, tmp_path / "run.log"):
        browser = Browser(f"http://127.0.0.1:{port}")
        status, form = wait_for(lambda: (answer := browser.open("/subscribe"))[0] == 200 and answer, timeout=60,
                                what="the explorer")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)[1]
        fields = [("email", READER), ("states", "FL"), ("cadence", "instant"), ("language", "es"),
                  ("csrf_token", token)]
        assert browser.open("/subscribe", fields)[0] == 200
        (confirmation,) = wait_for(lambda: smtp_server.to(READER), timeout=30, what="the confirmation")

        publish_step(mirror, SECOND)  # three new agreements in Florida, before confirming: not sent
        wait_for(lambda: stored(env["DATABASE_URL"], "05192025am"), timeout=120, what="the second list")
        link = re.search(r"http://\S+/confirm/[\w.-]+", confirmation.get_body(("plain",)).get_content())[0]
        assert browser.open(link)[0] == 200
        assert alerts_to(smtp_server, READER) == []

        publish_step(mirror, THIRD)  # fifteen more in Florida: mailed
        (alert,) = wait_for(lambda: alerts_to(smtp_server, READER), timeout=180, what="the alert")
        assert "Auburndale Police Department" in alert
        assert "Ft. Myers Police Department" not in alert and "Sarasota Police Department" not in alert
        (message,) = [m for m in smtp_server.to(READER) if "Auburndale" in m.get_body(("plain",)).get_content()]
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        one_click = message["List-Unsubscribe"].strip("<>")
        assert one_click.startswith(f"http://127.0.0.1:{port}/unsubscribe/")
        assert browser.open(one_click, [("List-Unsubscribe", "One-Click")])[0] == 200

        publish_step(mirror, FOURTH)  # one more in Florida, after leaving: not sent
        wait_for(lambda: stored(env["DATABASE_URL"], "05232025pm"), timeout=120, what="the fourth list")
        runs = alert_runs(tmp_path / "run.log")
        wait_for(lambda: alert_runs(tmp_path / "run.log") >= runs + 2, timeout=60, what="two more alert runs")
        assert len(alerts_to(smtp_server, READER)) == 1
