"""The documents generated from the settings and command tables say what the code does."""

from __future__ import annotations

import shutil

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
