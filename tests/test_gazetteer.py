"""The gazetteer: US states, counties with FIPS, cities and ICE's agencies, looked up by name offline."""

from __future__ import annotations

import pytest

from parsers.gazetteer import Gazetteer


@pytest.fixture(scope="module")
def places() -> Gazetteer:
    return Gazetteer([("St. Lucie County Sheriff's Office", "FL", ""), ("Kenner Police Department", "LA", None),
                      ("Marion County Sheriff's Office", "fl", "Marion County")])


@pytest.mark.parametrize("written, state", [("Florida", "FL"), ("Fla.", "FL"), ("TX", "TX"),
                                            ("Carolina del Norte", "NC"), ("Nuevo México", "NM"), ("Puerto Rico", "PR"),
                                            ("Narnia", None)])
def test_states_by_name_code_ap_abbreviation_or_spanish(places, written, state):
    assert places.state(written) == state


def test_counties_carry_their_census_fips_however_saint_is_written(places):
    for written in ("St. Lucie", "Saint Lucie County", "ST LUCIE"):
        assert [(c.name, c.state, c.fips) for c in places.counties(written)] == [("St. Lucie County", "FL", "12111")]
    assert [c.fips for c in places.counties("Miami-Dade County")] == ["12086"]
    assert [c.fips for c in places.counties("Orleans Parish")] == ["22071"]
    assert len(places.counties("Washington")) > 25
    assert [c.state for c in places.counties("Washington", "AR")] == ["AR"]


def test_cities_most_populous_first(places):
    naples = places.cities("Naples")
    assert naples[0].state == "FL"
    assert [c.population for c in naples] == sorted((c.population for c in naples), reverse=True)
    assert places.cities("Fort Myers")[0].state == "FL"


def test_agencies_on_ices_lists_tell_where_a_place_works_with_ice(places):
    assert places.agency_states("St. Lucie") == {"FL"}
    assert places.agency_states("Marion County") == {"FL"}
    assert places.agency_states("Kenner") == {"LA"}
    assert places.agency_states("Collier") == frozenset()


def test_big_cities_known_by_name_alone(places):
    big = places.big_cities()
    assert (big["atlanta"], big["phoenix"]) == ("GA", "AZ")
    assert "columbus" not in big  # Ohio's and Georgia's are both large
