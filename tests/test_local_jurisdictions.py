"""The registry maintainers edit by hand: every row must be usable by the spiders."""

from __future__ import annotations

import io

import pytest

from parsers.places import counties, split_jurisdiction
from scrapers import jurisdictions
from scrapers.jurisdictions import COLUMNS, REQUIRED, RegistryError, find, load, parse

MOST_AGREEMENTS = {"FL", "TX", "TN", "PA", "AL", "GA", "NC", "SC", "VA", "LA"}


def test_registry_loads_and_covers_the_states_with_most_agreements() -> None:
    rows = load()
    assert len(rows) >= 25
    assert {r.state for r in rows} == MOST_AGREEMENTS
    assert len({r.name for r in rows}) == len(rows)
    assert {r.platform for r in rows} >= {"legistar", "civicplus", "local_page"}
    assert {r.kind for r in rows} == {"commission", "council", "sheriff"}


def test_every_row_passes_the_checks() -> None:
    with jurisdictions.REGISTRY.open(newline="", encoding="utf-8") as handle:
        import csv

        for row in csv.DictReader(handle):
            assert jurisdictions.problems(row) == [], row["name"]


def _csv(*rows: str) -> io.StringIO:
    return io.StringIO(",".join(COLUMNS) + "\n" + "\n".join(rows) + "\n")


@pytest.mark.parametrize(
    ("row", "complaint"),
    [
        ("X County,ZZ,12083,commission,local_page,https://x.example.gov,me,no", "USPS"),
        ("X County,FL,48113,commission,local_page,https://x.example.gov,me,no", "does not start with"),
        ("X County,FL,1208,commission,local_page,https://x.example.gov,me,no", "five digits"),
        ("Marion County,FL,12083,mayor,local_page,https://x.example.gov,me,no", "kind"),
        ("Marion County,FL,12083,commission,granicus,https://x.example.gov,me,no", "platform"),
        ("Marion County,FL,12083,commission,local_page,www.x.gov,me,no", "absolute"),
        ("Marion County,FL,12083,commission,legistar,https://x.legistar.com,me,no", "Legistar client"),
        ("Marion County,FL,12083,commission,local_page,https://x.example.gov,,no", "maintainer"),
        ("Marion County,FL,12083,commission,local_page,https://x.example.gov,me,maybe", "checked"),
        ("X Sheriff,FL,12999,sheriff,local_page,https://x.example.gov,me,no", "not a county of FL"),
        ("Lake County Sheriff,FL,12083,sheriff,local_page,https://x.example.gov,me,no", "is Marion County"),
        ("Marion County,FL,12083,commission,local_page,https://x.example.gov,me,no,div[,", "selector 'div\\[' is not"),
        ("Marion County,FL,12083,commission,legistar,xcounty,me,no,article,", "only applies to platforms"),
        ("Marion County,FL,12083,commission,local_page,https://x.example.gov,me,no,,.date", "needs a selector"),
    ],
)
def test_a_bad_row_is_refused_with_its_line_and_reason(row: str, complaint: str) -> None:
    with pytest.raises(RegistryError, match=rf"jurisdictions.csv:2: .*{complaint}"):
        parse(_csv(row))


def test_a_duplicate_name_is_refused() -> None:
    row = "Marion County,FL,12083,commission,local_page,https://x.example.gov,me,no"
    with pytest.raises(RegistryError, match="appears twice"):
        parse(_csv(row, row))


def test_spider_arguments_find_their_row_with_or_without_the_state() -> None:
    row = find("Pinellas County Board of County Commissioners, FL")
    assert row is not None and row.url_or_client == "pinellas" and row.county == "Pinellas County"
    assert find("Pinellas County Board of County Commissioners") == row
    assert find("Pinellas County Board of County Commissioners, TX") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Marion County, FL", ("Marion County", "FL")),
        ("Jefferson Parish, Louisiana", ("Jefferson Parish", "LA")),
        ("Somewhere", ("Somewhere", "")),
    ],
)
def test_jurisdiction_argument_gives_name_and_state(text: str, expected: tuple[str, str]) -> None:
    assert split_jurisdiction(text) == expected


def test_county_codes_come_from_the_census_list() -> None:
    assert counties()["12083"] == "Marion County"
    assert counties()["22051"] == "Jefferson Parish"
    assert len(counties()) > 3000


def test_registry_rows_carry_the_selector_that_made_the_page_work() -> None:
    (row,) = parse(_csv("Lake County Sheriff's Office,FL,12069,sheriff,local_page,https://x.example.gov/news,me,no,"
                        "div.views-row,.field-date"))
    assert (row.selector, row.date_selector, row.county) == ("div.views-row", ".field-date", "Lake County")


def test_a_registry_without_the_selector_columns_still_loads() -> None:
    text = ",".join(REQUIRED) + "\nMarion County,FL,12083,commission,local_page,https://x.example.gov,me,no\n"
    (row,) = parse(io.StringIO(text))
    assert row.selector == "" and row.date_selector == ""
