"""What a person sees at the terminal: summaries in words, quiet pipes, the right usage on a bad flag."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from tests.support.tracker import ROOT, publish, run_cli, sheet

FIRST = "20250519_024922_participating"
SECOND = "20250519_151802_participating"


def test_events_piped_into_head_ends_quietly(mirror, tracker_env):
    publish(mirror, sheet(FIRST))
    assert run_cli(tracker_env, "once", "--only", "ice").returncode == 0
    events = subprocess.Popen([sys.executable, "scheduler.py", "events", "--format", "jsonl"], cwd=ROOT,
                              env=tracker_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    head = subprocess.run(["head", "-n", "2"], stdin=events.stdout, capture_output=True, timeout=120)
    events.stdout.close()  # like the shell: only `head` reads the pipe, and it has gone
    err = events.stderr.read().decode()
    events.wait(timeout=120)
    assert len(head.stdout.splitlines()) == 2
    assert events.returncode == 0 and err == "", err


def test_a_bad_flag_shows_the_command_s_own_usage():
    result = run_cli(dict(os.environ), "events", "--bogus")
    assert result.returncode == 2
    assert "usage: scheduler.py events" in result.stderr
    assert "scheduler.py events: error: unrecognized arguments: --bogus" in result.stderr


def test_alerts_say_written_to_the_outbox_when_nothing_was_sent(mirror, tracker_env):
    publish(mirror, sheet(FIRST))
    assert run_cli(tracker_env, "once", "--only", "ice").returncode == 0
    publish(mirror, sheet(SECOND), participating_name="participatingAgencies05192025am.xlsx")
    assert run_cli(tracker_env, "once", "--only", "ice").returncode == 0
    alerts = run_cli(tracker_env, "once", "--only", "alerts")
    assert alerts.returncode == 0
    line = next(text for text in alerts.stdout.splitlines() if text.startswith("alerts: "))
    assert "DeliveryReport(" not in line and "new events routed" in line
    assert re.search(r"Slack: 1 message with \d+ changes written to the outbox \(not sent\);", line), line
    assert " of " not in line and " sent;" not in line
    digests = run_cli(tracker_env, "once", "--only", "digests")
    assert "digests: 0 written to the outbox (not sent), 0 with nothing new, 0 not due" in digests.stdout


# Each command of the table in turn, in one interpreter, each exit code on its own line of stderr.
EVERY_COMMAND = r"""
import json, sys
import scheduler

for argv in json.loads(sys.argv[1]):
    code = scheduler.main(argv)
    print(f"EXIT {argv[0]} {code}", file=sys.stderr, flush=True)
"""


def test_every_command_of_the_table_starts_and_answers_on_a_new_store(tracker_env, tmp_path):
    commands = [["jobs"], ["status"], ["export", "--format", "csv"], ["events", "--format", "table"],
                ["summary", "--format", "json"], ["digest", "--send-now"], ["alert-test"], ["reparse"],
                ["parse-moa", str(tmp_path / "missing.pdf")], ["backfill", str(tmp_path / "no-archive")]]
    result = subprocess.run([sys.executable, "-c", EVERY_COMMAND, json.dumps(commands)], cwd=ROOT, env=tracker_env,
                            capture_output=True, text=True, timeout=300)
    codes = dict(line.split()[1:] for line in result.stderr.splitlines() if line.startswith("EXIT "))
    assert codes == {"jobs": "0", "status": "2", "export": "0", "events": "0", "summary": "0", "digest": "0",
                     "alert-test": "1", "reparse": "0", "parse-moa": "1", "backfill": "1"}, result.stderr
    assert "unexpected error" not in result.stderr and "Traceback" not in result.stderr
    assert "names no Slack destination or email subscriber to test" in result.stderr
    assert "no-archive does not exist" in result.stderr
