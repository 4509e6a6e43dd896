"""One gazetteer: every stage names states and reads counties from agency names the same way."""

from __future__ import annotations

import pytest

from parsers.places import (
    counties,
    county_fips,
    county_from_name,
    is_state_code,
    split_jurisdiction,
    state_code,
    state_codes,
    state_fips,
    state_name,
    state_of,
)


def test_every_state_dc_and_territory_has_a_code_and_a_name() -> None:
    codes = state_codes()
    assert len(codes) == 56 and {"DC", "PR", "GU", "VI", "MP", "AS"} <= set(codes)
    assert list(codes) == sorted(codes)
    assert all(is_state_code(code) and state_name(code) != code for code in codes)


@pytest.mark.parametrize(("code", "name"), [("FL", "Florida"), ("PR", "Puerto Rico"), ("DC", "District of Columbia"),
                                            (None, "No state"), ("", "No state"), ("ZZ", "ZZ")])
def test_a_state_is_named_and_an_unknown_code_is_shown_as_given(code, name) -> None:
    assert state_name(code) == name


def test_what_people_type_is_read_as_a_code() -> None:
    assert state_code("UTAHJ")[0] == "UT" and "fuzzy" in state_code("UTAHJ")[1]
    assert (state_of("Florida"), state_of("fl"), state_of("12"), state_of("Atlantis")) == ("FL", "FL", "FL", None)
    assert (state_fips("FL"), state_fips("fl"), state_fips("Florida")) == ("12", None, None)
    assert split_jurisdiction("Jefferson Parish, Louisiana") == ("Jefferson Parish", "LA")
    assert counties()["12083"] == "Marion County"


@pytest.mark.parametrize(("agency", "county"), [
    ("Marion County Sheriff's Office", "Marion County"),
    ("Marion County Board of County Commissioners", "Marion County"),
    ("County of Orange Sheriff's Department", "Orange County"),
    ("St. Tammany Parish Sheriff's Office", "St. Tammany Parish"),
    ("Matanuska-Susitna Borough", "Matanuska-Susitna Borough"),
    ("Fond du Lac County Sheriff", "Fond du Lac County"),
    ("Ocala Police Department", None),
    ("Tri-County Regional Jail", None),
    # A consolidated city-county government names more than one place: left blank, never guessed.
    ("Metropolitan Council of Nashville and Davidson County", None),
    ("Board of County Commissioners", None),
])
def test_the_county_an_agency_name_makes_certain(agency, county) -> None:
    assert county_from_name(agency) == county


def test_new_york_boroughs_and_the_district_are_counties_by_their_official_names_and_their_others():
    assert counties()["36047"] == "Kings County" and counties()["11001"] == "District of Columbia"
    assert county_fips("Kings County", "NY") == county_fips("Brooklyn Borough", "NY") == "36047"
    assert county_fips("Bronx County", "NY") == "36005"
    assert county_fips("District of Columbia", "DC") == "11001"
