"""`summary`: counts for any day, from the stored versions, against counts read from ICE's workbooks."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.support.sample_store import ICE, crawled_at, manifest, sample_env
from tests.support.tracker import run_cli
from tests.support.workbook_counts import participating_counts


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("summary")
    return sample_env(home)


def last_crawl_of_each_day() -> dict[str, dict[str, str]]:
    return {crawled_at(step).date().isoformat(): step for step in manifest()}


@pytest.mark.parametrize("day", ["2025-05-19", "2025-05-22", "2025-05-28", "2025-06-05", "2025-06-10"])
def test_summary_as_of_a_day_matches_that_days_workbook(store, day):
    step = last_crawl_of_each_day()[day]
    states, models = participating_counts(ICE / "sheets" / step["participating"])
    result = run_cli(store, "summary", "--as-of", day, "--format", "json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["as_of"] == day
    assert summary["agreements"] == sum(states.values())
    assert summary["models"] == {m: models[m] for m in ("JEM", "TFM", "WSO")}
    assert {st: s["agreements"] for st, s in summary["states"].items()} == dict(states)
    stamp = step["participating"].split("Agencies", 1)[1][:10]
    assert summary["publication"] == f"{stamp[4:8]}-{stamp[0:2]}-{stamp[2:4]} {stamp[8:10]}"
    assert 0 < summary["agencies"] < summary["agreements"]
    for state in summary["states"].values():
        assert state["agencies"] <= state["agreements"] == sum(state["models"].values())


def test_an_agency_with_two_models_is_one_agency(store):
    summary = json.loads(run_cli(store, "summary", "--as-of", "2025-06-10", "--format", "json").stdout)
    wyoming = summary["states"]["WY"]
    assert wyoming["agreements"] > wyoming["agencies"]  # Sweetwater and Laramie hold several models each


def test_weekly_series_has_a_row_per_week_up_to_the_latest_publication(store):
    result = run_cli(store, "summary", "--by", "week", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["week"] for r in rows] == ["2025-05-19", "2025-05-26", "2025-06-02"]
    ends = {"2025-05-25": "20250523_151708", "2025-06-01": "20250601_151551", "2025-06-08": "20250608_151716"}
    for r in rows:
        step = next(s for s in manifest() if s["crawled_at"] == ends[r["as_of"]])
        states, _ = participating_counts(ICE / "sheets" / step["participating"])
        assert int(r["agreements"]) == sum(states.values())
        assert int(r["JEM"]) + int(r["TFM"]) + int(r["WSO"]) == int(r["agreements"])


def test_by_model_and_state_tables_and_the_pending_list(store):
    by_model = run_cli(store, "summary", "--as-of", "2025-06-10", "--by", "model", "--format", "csv").stdout
    assert by_model.splitlines()[0] == "model,agreements"
    assert sum(int(line.split(",")[1]) for line in by_model.splitlines()[1:]) == 649
    table = run_cli(store, "summary", "--as-of", "2025-06-10").stdout
    lines = table.splitlines()
    assert "as of 2025-06-10" in lines[0] and "2025-06-06 am" in lines[0]
    assert lines[2].split()[:2] == ["FL", "277"] and lines[-1].split()[:2] == ["total", "649"]
    pending = json.loads(run_cli(store, "summary", "--as-of", "2025-06-10", "--list", "pending",
                                 "--format", "json").stdout)
    assert 0 < pending["agreements"] < 200


def test_a_bad_date_is_a_clean_usage_error(store):
    result = run_cli(store, "summary", "--as-of", "2025-13-01")
    assert result.returncode == 2 and "not a date" in result.stderr and "Traceback" not in result.stderr
