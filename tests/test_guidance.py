"""What a newcomer reads when something goes wrong or only half happens: a reason, and what to try next."""

from __future__ import annotations

import io
import logging
import os
import re
import subprocess

from cli.alerts import alert_test_command
from service.demo import main as demo
from service.logs import configure_logging
from tests.support.alert_servers import free_port, make_config
from tests.support.local_helpers import crawl_command
from tests.support.tracker import ROOT, publish, run_cli, sheet


def test_the_first_failed_crawl_says_what_to_try_and_later_ones_do_not(mirror, tracker_env):
    mirror.page([("/news/today.html", "News")])
    first = run_cli(tracker_env, "once", "--only", "ice")
    assert first.returncode == 1
    hint = next(line for line in first.stdout.splitlines() if line.startswith("hint: "))
    assert "`make demo`" in hint and "scheduler.py backfill PATH" in hint

    publish(mirror, sheet("20250519_024922_participating"), sheet("20250519_024922_pending"))
    assert run_cli(tracker_env, "once", "--only", "ice").returncode == 0
    mirror.page([("/news/today.html", "News")])
    later = run_cli(tracker_env, "once", "--only", "ice")
    assert later.returncode == 1 and "hint:" not in later.stdout


def test_the_schedulers_routine_lines_are_quiet_but_its_warnings_are_not():
    configure_logging()
    scheduler = logging.getLogger("apscheduler.scheduler")
    assert not scheduler.isEnabledFor(logging.INFO), "no 'Added job' or 'Running job' lines"
    assert scheduler.isEnabledFor(logging.WARNING), "a missed run is still told"
    assert logging.getLogger("tracker.service").isEnabledFor(logging.INFO)


def test_scrapy_crawl_of_an_unreachable_page_fails_naming_the_page_and_why(tmp_path):
    url = f"http://127.0.0.1:{free_port()}/agenda.html"
    output = tmp_path / "out.jsonl"
    command = crawl_command("local_page", output, "-a", f"url={url}", "-a", "jurisdiction=Marion County, FL")
    result = subprocess.run(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 1
    assert re.search(rf"^could not read {re.escape(url)}: .*[Cc]onnection.*refused", result.stderr, flags=re.M), \
        result.stderr[-2000:]


def test_once_on_an_unreachable_local_page_prints_the_page_and_the_reason(tracker_env):
    url = f"http://127.0.0.1:{free_port()}/agenda.html"
    result = run_cli(tracker_env, "once", "--only", "local", "-a", "spider=local_page", "-a", f"url={url}",
                     "-a", "jurisdiction=Lake County, FL")
    assert result.returncode == 1
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("local:local_page")]
    assert line.startswith(f"local:local_page: failed | could not read {url}: ")
    assert "refused" in line and "errors and nothing read" not in line


def test_alert_test_says_what_was_only_written_to_the_outbox(tmp_path):
    subscriptions = '[[slack]]\nchannel = "#fl-organizers"\nstates = ["FL"]\n\n[[email]]\nto = ["desk@example.org"]\n'
    config = make_config(tmp_path, subscriptions)
    out = io.StringIO()
    assert alert_test_command(config, out=out) == 0
    assert out.getvalue().splitlines() == [
        "ok      slack #fl-organizers: written to the outbox (not sent): SLACK_BOT_TOKEN is not set",
        "ok      email desk@example.org: written to the outbox (not sent) as .eml: SMTP_HOST is not set",
        "alert-test: 0 sent, 2 written to the outbox (not sent), 0 failed",
    ]


def test_the_demo_counts_messages_plainly_and_its_closing_hint_works_from_any_shell(tmp_path, capfd):
    assert demo(tmp_path / "demo") == 0
    shown = capfd.readouterr().out
    assert re.search(r"Slack: 1 message with \d+ changes written to the outbox \(not sent\)", shown), shown[-2000:]
    assert not re.search(r"\d+ of 1 message", shown)
    commands = [line.strip() for line in shown.splitlines() if line.strip().startswith("DATABASE_URL=")]
    assert commands and all(" python " not in f" {c} " for c in commands), "names the interpreter, not a bare python"
    bare = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    bare["PATH"] = "/usr/bin:/bin"
    done = subprocess.run(["sh", "-c", commands[0]], cwd=ROOT, env=bare, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("id,state,agency,") and ",FL," in done.stdout
