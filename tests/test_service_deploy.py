"""The deploy files say what the code does: every setting with its real default, a sane unit."""

from __future__ import annotations

import re
from configparser import ConfigParser
from pathlib import Path

import settings

ROOT = Path(__file__).resolve().parent.parent


def documented_settings() -> dict[str, str]:
    lines = (ROOT / "deploy" / "example.env").read_text().splitlines()
    pairs = (re.match(r"#([A-Z0-9_]+)=(.*)$", line) for line in lines)
    return {match[1]: match[2] for match in pairs if match}


def test_example_env_lists_every_setting_with_its_real_default() -> None:
    documented = documented_settings()
    assert {s.name for s in settings.SETTINGS} - set(documented) == set(), "every setting is in example.env"
    assert settings.load(env=documented) == settings.load(env={}), "uncommenting example.env changes nothing"


def test_the_systemd_unit_runs_the_service_and_stops_it_with_sigterm() -> None:
    unit = ConfigParser(strict=False, interpolation=None)
    unit.read_string((ROOT / "deploy" / "tracker.service").read_text())
    service = unit["Service"]
    assert service["Type"] == "simple"
    assert service["ExecStart"].endswith(".venv/bin/python scheduler.py run")
    assert service["EnvironmentFile"].endswith("/.env")
    assert service["WorkingDirectory"] in service["ExecStart"]
    assert service["Restart"] == "on-failure" and service["KillSignal"] == "SIGTERM"
    assert int(service["TimeoutStopSec"]) > 60, "longer than the service's own stop grace"
