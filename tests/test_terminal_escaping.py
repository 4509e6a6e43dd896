"""Control characters in outside text (archive file names, agency names) reach the terminal written
out, never raw: a name cannot recolour the screen, retitle the window or rewrite a line. Data
formats (JSON lines) still carry the text as published.
"""

from __future__ import annotations

import json

from cli.terminal import shown
from tests.support.alert_servers import add_events, database, make_config, ocala
from tests.support.tracker import run_cli
from tests.test_backfill import archive_layout, env_for

HOSTILE = "Evil\x1b]0;owned\x07 \x1b[2J\u202eCounty\r"
RAW = ("\x1b", "\x07", "\u202e", "\r")


def test_shown_writes_control_characters_out_and_keeps_lines_and_ordinary_text():
    assert shown(HOSTILE) == "Evil\\x1b]0;owned\\x07 \\x1b[2J\\u202eCounty\\x0d"
    plain = "Doña Ana County Sheriff's Office\n\tSan Juan, PR"
    assert shown(plain) == plain


def test_archive_file_names_are_escaped_in_what_backfill_prints(tmp_path):
    root = archive_layout(tmp_path / "archive", steps=1)
    (root / f"{HOSTILE.replace(chr(13), '')}.xlsx").write_bytes(b"PK")
    result = run_cli(env_for(tmp_path / "store"), "backfill", str(root))
    assert result.returncode == 0, result.stderr
    assert "ignored: Evil\\x1b]0;owned\\x07 \\x1b[2J\\u202eCounty.xlsx: no crawl time" in result.stderr
    assert not any(c in result.stdout + result.stderr for c in RAW)


def test_agency_names_are_escaped_in_the_events_table_and_kept_in_json_lines(tmp_path):
    config = make_config(tmp_path)
    add_events(database(config), ocala(agency=HOSTILE))
    env = env_for(tmp_path)
    table = run_cli(env, "events", "--format", "table")
    assert table.returncode == 0, table.stderr
    assert "Evil\\x1b]0;owned\\x07" in table.stdout
    assert not any(c in table.stdout for c in RAW)
    lines = run_cli(env, "events", "--format", "jsonl").stdout.splitlines()
    assert [json.loads(line)["agency"] for line in lines] == [HOSTILE]
