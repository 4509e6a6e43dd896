"""The gazetteer: US states, counties with FIPS, cities and ICE's agencies, looked up by name offline."""

from __future__ import annotations

import pytest

from parsers.gazetteer import Gazetteer


@pytest.fixture(scope="module")
def places() -> Gazetteer:
    return Gazetteer()


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
    assert places.cities("Fort Myers")[0].state == places.cities("Ft. Myers")[0].state == "FL"


def test_towns_too_small_for_the_city_list_are_known_from_their_police_departments_on_ices_lists():
    assert Gazetteer().cities("Jupiter Island") == ()
    known = Gazetteer([("Jupiter Island Police Department", "FL", "Martin County"),
                       ("Florida Gulf Coast University Police Department", "FL", "Lee County")])
    assert [(c.name, c.state) for c in known.cities("Jupiter Island")] == [("Jupiter Island", "FL")]
    assert known.cities("Florida Gulf Coast University") == ()
    assert [a.state for a in known.agencies("jupiter island police department")] == ["FL"]


def test_big_cities_known_by_name_alone(places):
    big = places.big_cities()
    assert (big["atlanta"], big["phoenix"]) == ("GA", "AZ")
    assert "columbus" not in big  # Ohio's and Georgia's are both large
