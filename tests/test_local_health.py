"""Maintainer alerts for local sources: once when a source breaks, once when it comes back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from scrapers.local_health import RunOutcome, decide_alerts

T0 = datetime(2025, 6, 1, 5, 30, tzinfo=UTC)
WHO = {"Pinellas County Board of County Commissioners": "fl-desk"}
SRC = "Pinellas County Board of County Commissioners"


def runs(*pattern: str, source: str = SRC) -> list[RunOutcome]:
    """'ok', 'err' or 'zero' per day."""
    return [
        RunOutcome(source, ok=p != "err", items=0 if p in {"err", "zero"} else 12, at=T0 + timedelta(days=i))
        for i, p in enumerate(pattern)
    ]


def test_three_failed_runs_raise_one_alert_naming_the_maintainer() -> None:
    alerts = decide_alerts(runs("ok", "err", "err", "err", "err", "err"), WHO)
    assert [(a.kind, a.at) for a in alerts] == [("failing", T0 + timedelta(days=3))]
    assert "fl-desk" in alerts[0].message and SRC in alerts[0].message


def test_zero_items_counts_as_broken_and_mixes_with_errors() -> None:
    assert [a.kind for a in decide_alerts(runs("zero", "err", "zero"), WHO)] == ["failing"]


def test_two_bad_runs_are_not_yet_an_alert() -> None:
    assert decide_alerts(runs("err", "err", "ok", "err", "err"), WHO) == []


def test_recovery_is_announced_once_and_a_new_spell_alerts_again() -> None:
    alerts = decide_alerts(runs("err", "err", "err", "ok", "ok", "err", "err", "err"), WHO)
    assert [(a.kind, (a.at - T0).days) for a in alerts] == [("failing", 2), ("recovered", 3), ("failing", 7)]


def test_unknown_source_still_alerts_as_unassigned() -> None:
    alerts = decide_alerts(runs("err", "err", "err", source="Nowhere County"), WHO)
    assert alerts[0].maintainer == "unassigned"


@given(st.lists(st.sampled_from(["ok", "err", "zero"]), max_size=40))
def test_alerts_alternate_and_never_repeat(pattern: list[str]) -> None:
    kinds = [a.kind for a in decide_alerts(runs(*pattern), WHO)]
    assert all(kinds[i] == ("failing" if i % 2 == 0 else "recovered") for i in range(len(kinds)))
