"""The documents generated from the settings and command tables say what the code does."""

from __future__ import annotations

import re
import shutil

import pytest

import scheduler
from cli import docs
from tests.support.tracker import ROOT


def test_every_generated_document_is_up_to_date():
    assert docs.out_of_date() == [], "run: python -m cli.docs --write"


def test_a_document_edited_by_hand_or_left_behind_is_found(tmp_path):
    for name in docs.DOCUMENTS:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    with (tmp_path / "docs" / "settings.md").open("a") as edited:
        edited.write("| `OLD_SETTING` | `1` | gone |\n")
    (tmp_path / "docs" / "commands.md").unlink()
    assert docs.out_of_date(tmp_path) == ["docs/settings.md", "docs/commands.md"]


def test_every_setting_and_command_is_documented():
    settings_page, commands_page = docs.settings_markdown(), docs.commands_markdown()
    for name in ("DATABASE_URL", "NEWS_FEEDS", "SECRET_KEY", "SIGNUP", "CORRECTIONS_CONTACT", "SMTP_TIMEOUT"):
        assert f"| `{name}` |" in settings_page
    assert "| `MAX_DROP_SHARE` | `0.1` |" in settings_page
    assert "| `--format` | `csv`, `jsonl`, `xlsx` (required) |" in commands_page
    for command in ("run", "once", "export", "digest", "serve", "alert-test", "backfill"):
        assert f"## `{command}`" in commands_page
    assert "Give exactly one of `--send-now` or `--preview`." in commands_page


def overview() -> str:
    """The hand-written table of commands, exit codes and what each does, at the top of docs/commands.md."""
    return docs.commands_markdown().split("\n## `", 1)[0]


def test_the_command_overview_names_every_command_with_flags_it_takes():
    parsers = scheduler.build_parser().parse_args(["status"]).commands
    rows = re.findall(r"^\| `python scheduler\.py ([a-z-]+)([^`]*)`", overview(), flags=re.M)
    assert {name for name, _ in rows} == set(parsers)
    for name, usage in rows:
        accepted = {flag for action in parsers[name]._actions for flag in action.option_strings}
        shown = set(re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", usage))
        assert shown <= accepted, f"{name}: docs/commands.md shows {sorted(shown - accepted)}, which it does not take"


def test_each_command_s_exit_codes_and_examples_sit_under_its_flags():
    page = docs.commands_markdown()
    export = page[page.index("## `export`"):page.index("## `events`")]
    assert export.index("| `--include-removed` |") < export.index("Export columns: `id, state, agency,")
    summary = page[page.index("## `summary`"):page.index("## `serve`")]
    assert "$ python scheduler.py summary --as-of 2025-06-10 --format json" in summary
    assert "| `python scheduler.py status` | last good crawl per source" in overview()
    assert "0 healthy; 2 stale or failing |" in overview()


def test_prose_about_a_command_that_does_not_exist_is_refused():
    text = "<!-- note -->\nIntro.\n\n## `export`\n\nColumns.\n\n## `exprot`\n\nTypo.\n"
    with pytest.raises(ValueError, match="commands that do not exist: exprot"):
        docs.hand_written(text, ["export", "events"])
    assert docs.hand_written(text.replace("exprot", "events"), ["export", "events"]) == (
        "Intro.", {"export": "Columns.", "events": "Typo."})
