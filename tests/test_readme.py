"""The README is the first thing a newcomer runs: short, its commands real, its links leading somewhere.

The reference it points to lives in docs/; the hand-written command overview (exit codes and
examples) is checked in tests/test_generated_docs.py, beside the generated flag tables.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import scheduler
from service.cycle import FIRST_CRAWL_HINT
from tests.support.tracker import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
MAX_LINES = 250
# Every page a reader can reach from the README, whose own links must lead somewhere too.
PAGES = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", ROOT / "deploy" / "CDN.md",
         *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", flags=re.M | re.S)


def section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end]


def commands() -> dict[str, object]:
    return scheduler.build_parser().parse_args(["status"]).commands


def anchors(page: Path) -> set[str]:
    """The fragment GitHub gives each heading: lower case, punctuation dropped, spaces as hyphens."""
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    headings = re.findall(r"^#{1,6} (.+)$", text, flags=re.M)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


def broken_links(page: Path) -> list[str]:
    broken = []
    for target in LINK.findall(FENCE.sub("", page.read_text(encoding="utf-8"))):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, fragment = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        if not resolved.exists():
            broken.append(f"{target}: no such file")
        elif fragment and resolved.suffix == ".md" and fragment not in anchors(resolved):
            broken.append(f"{target}: no such heading")
    return broken


def test_the_readme_is_short_enough_to_read_first():
    assert len(README.splitlines()) <= MAX_LINES, "move reference material into docs/"


def test_the_readme_links_every_page_in_docs():
    linked = {(ROOT / target.partition("#")[0]).resolve() for target in LINK.findall(README)}
    unlinked = [page.name for page in sorted((ROOT / "docs").glob("*.md")) if page.resolve() not in linked]
    assert unlinked == []


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_link_leads_to_a_file_and_heading_that_exist(page):
    assert broken_links(page) == []


def test_a_link_to_a_missing_page_or_heading_is_found(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "alerts.md").write_text("# Alerts\n\n## Getting Slack to accept the tracker's messages\n")
    readme = tmp_path / "README.md"
    readme.write_text("[ok](docs/alerts.md#getting-slack-to-accept-the-trackers-messages) [gone](docs/gone.md) "
                      "[moved](docs/alerts.md#the-subscriptions-file) [web](https://example.org/x)\n")
    assert broken_links(readme) == [
        "docs/gone.md: no such file", "docs/alerts.md#the-subscriptions-file: no such heading"]


def test_the_readme_names_every_command():
    named = set(re.findall(r"`(?:python scheduler\.py )?([a-z-]+)`", section("Commands")))
    assert set(commands()) <= named
    assert "docs/commands.md" in section("Commands")


def test_every_command_the_readme_shows_exists_and_takes_the_flags_shown():
    parsers = commands()
    shown_commands = re.findall(r"python scheduler\.py ([a-z-]+)([^`\n]*)", README)
    assert len(shown_commands) >= 8
    for name, usage in shown_commands:
        assert name in parsers, f"the README shows `python scheduler.py {name}`, which does not exist"
        accepted = {flag for action in parsers[name]._actions for flag in action.option_strings}
        shown = set(re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", usage.split("#")[0]))
        assert shown <= accepted, f"{name}: the README shows {sorted(shown - accepted)}, which it does not take"


def test_the_readme_keeps_the_set_up_commands_ci_runs():
    set_up = section("Set up")
    for target in ("make run", "make test", "make check", "make demo"):
        assert target in set_up
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_readme_sends_readers_to_the_generated_settings_table():
    """The table itself is generated from settings.py (tests/test_generated_docs.py keeps it current)."""
    assert "docs/settings.md" in section("Settings")
    assert "| `DATABASE_URL`" not in README, "settings are listed in docs/settings.md only"


def test_the_first_crawl_hint_names_a_readme_heading_that_exists():
    """`make run` offline prints this hint; the section it sends a newcomer to must be in the README."""
    title = re.search(r'README: "([^"]+)"', FIRST_CRAWL_HINT).group(1)
    assert re.search(rf"^#+ {re.escape(title)}$", README, flags=re.M)
