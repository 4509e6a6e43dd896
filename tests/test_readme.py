"""The README is the first thing a newcomer runs: its commands, flags and settings must be real."""

from __future__ import annotations

import re

import scheduler
from tests.support.tracker import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end]


def commands() -> dict[str, object]:
    return scheduler.build_parser().parse_args(["status"]).commands


def test_every_command_is_in_the_readme_and_every_readme_command_exists():
    documented = set(re.findall(r"`python scheduler\.py ([a-z-]+)", section("Commands")))
    assert documented == set(commands())


def test_every_flag_the_readme_shows_is_accepted_by_its_command():
    parsers = commands()
    rows = re.findall(r"^\| `python scheduler\.py ([a-z-]+)([^`]*)`", section("Commands"), flags=re.M)
    assert rows
    for name, usage in rows:
        accepted = {flag for action in parsers[name]._actions for flag in action.option_strings}
        shown = set(re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", usage))
        assert shown <= accepted, f"{name}: the README shows {sorted(shown - accepted)}, which it does not take"


def test_the_readme_sends_readers_to_the_generated_settings_table():
    """The table itself is generated from settings.py (tests/test_generated_docs.py keeps it current)."""
    assert "docs/settings.md" in section("Settings")
    assert "| `DATABASE_URL`" not in README, "settings are listed in docs/settings.md only"
