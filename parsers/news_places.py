"""Which local places a news report names, and which state each is in. Pure.

Places are found where their kind is written out, so a common word is never read as a
town: "Collier County", "County of Orange", "condado de Webb", "City of Naples", "Fort Myers
City Council", "Kenner Police Department", "Miami commissioners", "Center Line, a city of…".
A name can be in several states; each place carries every state it could be in, weighted
(1/n for a county, by population for a city), and `state_votes` adds what the report says:
state names, a dateline ("NAPLES, Fla. —"), other towns given with their state, large cities
known by name ("Atlanta"), and weakly the outlet's own home. `choose_state` decides only
when one state clearly leads; an even race is no decision.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

from parsers.gazetteer import Gazetteer, fold

# How much each kind of evidence counts toward a state (a place named in n states gives each 1/n).
STATE_NAMED = 2.0
DATELINE = 2.0
CITY_AND_STATE = 0.5  # "Gastonia, N.C." mid-story is as often another state as this one
BIG_CITY = 1.0
OUTLET = 0.75
STATE_MIN_SCORE = 0.9
STATE_MARGIN = 0.5
# An outlet's town counts when it is this many times larger than any namesake ("Tulsa World").
DOMINANT_CITY = 5
_MASTHEAD_WORDS = frozenset({
    "News", "Times", "Star", "Post", "Daily", "Tribune", "Journal", "Herald", "World", "Press", "Sun", "Record",
    "Observer", "Voice", "Independent", "Today", "Review", "Gazette", "Standard", "Express", "Telegraph", "Public",
    "Media", "Radio", "Network", "Leader", "Enterprise", "Democrat", "Republican", "Courier", "Ledger", "Mercury",
    "Chronicle", "Bulletin", "Citizen", "Portal", "Globe", "Union", "Progress", "Page", "Beacon", "Banner", "Register",
    "Sentinel", "Examiner", "Inquirer", "Dispatch", "Messenger", "Advocate", "Reporter", "Signal", "Tribuna", "Diario",
    "Noticias", "Nación", "Center", "Business", "Morning", "Evening", "Weekly", "County", "City", "Live", "Now",
})
# A city name this populous is a city's before it is a county's ("Miami commissioners").
CITY_BEFORE_COUNTY = 100_000


@dataclass(frozen=True)
class Place:
    """A local place named in the text, with the states it could be in and how likely each is."""

    kind: str  # county or city
    name: str  # as printed, without "County": "Collier", "Fort Myers"
    weights: tuple[tuple[str, float], ...]
    start: int
    agency: str = ""

    @property
    def states(self) -> tuple[str, ...]:
        return tuple(state for state, _ in self.weights)


_W = r"[A-Z][A-Za-z.'’\-]*"
_NAMES = rf"{_W}(?:\s+(?:{_W}|de|del|la|du)){{0,3}}"
_COUNTY = re.compile(rf"(?P<name>{_NAMES})\s+(?P<kind>County|Parish|Borough)\b")
_COUNTIES = re.compile(
    rf"(?P<list>(?:{_W}(?:\s+{_W})?,\s+)*)(?P<a>{_W}(?:\s+{_W})?),?\s+(?:and|y)\s+(?P<b>{_W}(?:\s+{_W})?)\s+"
    r"(?:counties|parishes|County|Parish)\b")
_COUNTY_OF = re.compile(rf"\b(?:[Cc]ounty|[Pp]arish|[Cc]ondado)\s+(?:of\s+|de\s+|del\s+)?(?P<name>{_NAMES})")
_CITY = re.compile(
    rf"\b(?:City|Town|Village|[Cc]iudad|[Pp]ueblo)\s+(?:of|de)\s+(?P<of>{_NAMES})"
    rf"|(?P<council>{_NAMES})\s+(?:[Cc]ity|[Tt]own|[Vv]illage)\s+(?:[Cc]ouncil|[Cc]ommission|[Bb]oard|[Mm]anager|[Hh]all)"
    rf"|(?P<police>{_NAMES})\s+(?:[Pp]olice(?:\s+[Dd]epartment|\s+[Cc]hief)?|PD)\b"
    rf"|(?P<app>{_NAMES}),\s+(?:a|the)\s+(?:small\s+|rural\s+)?(?:city|town|village)\b"
    rf"|(?:[Pp]olic[ií]a|[Cc]oncejo(?:\s+[Mm]unicipal)?|[Aa]lcald[ea]|[Cc]oncejo\s+[Mm]unicipal)\s+de\s+(?P<es>{_NAMES})"
)
_BODY = re.compile(
    rf"(?P<name>{_NAMES})\s+(?:[Cc]ommissioners?|[Cc]ommission|[Ss]upervisors|[Bb]oard of [Ss]upervisors|[Cc]ouncil"
    rf"(?:members?)?|[Mm]ayor|[Ll]eaders|[Oo]fficials|[Aa]ldermen|[Ss]electmen|[Ff]reeholders|[Ss]heriff)\b"
)
_CITY_STATE = re.compile(rf"(?P<city>{_NAMES}),\s+(?P<state>[A-Z][a-z]{{1,4}}\.(?:\s?[A-Z][a-z]?\.)?|[A-Z]{{2}}\b)")
# "NAPLES, Fla. —" or "Dickson, TN —": where the story was filed, which names its state.
_DATELINE_STATE = r"[A-Z][a-z]{1,4}\.(?:\s?[A-Z][a-z]?\.)?|[A-Z][a-z]+(?: [A-Z][a-z]+)?|[A-Z]{2}"
_DATELINE = re.compile(
    rf"^(?:[A-Z][A-Z .'\-]+|[A-Z][a-z]+(?: [A-Z][a-z]+)?(?=,\s+\S+\s+[—–-]\s)),\s+(?P<state>{_DATELINE_STATE})"
    r"(?=[\s,(—–-]|$)"
)
_OFFICE = re.compile(r"\s*(?:Sheriff|Police)", re.IGNORECASE)
_ALIASES = {"LA": "Los Angeles", "L.A.": "Los Angeles", "NYC": "New York", "OKC": "Oklahoma City"}
_NOT_A_NAME = {"The", "A", "An", "This", "That", "Last", "Every", "Each", "Our", "Their", "His", "Her", "Its",
               "County", "City", "State", "Local", "Other", "Both", "All", "Some", "Many", "Recently", "Today",
               "Yesterday"}


def _clean_name(name: str) -> str:
    words = name.split()
    while words and words[0] in _NOT_A_NAME:
        words = words[1:]
    name = " ".join(words).removesuffix("'s").removesuffix("’s")
    return _ALIASES.get(name, name)


def _county(name: str, start: int, text: str, places: Gazetteer, kind: str = "County") -> Place | None:
    words = _clean_name(name).split()
    for i in range(len(words)):
        candidate = " ".join(words[i:])
        counties = [c for c in places.counties(candidate) if kind == "County" or c.name.endswith(kind)]
        if counties:
            office = _OFFICE.match(text, start + len(name) + len(kind) + 1)
            agency = ""
            if office:
                agency = counties[0].name + (" Police Department" if "Police" in office[0] else " Sheriff's Office")
            states = sorted({c.state for c in counties})
            return Place("county", candidate, tuple((s, 1 / len(states)) for s in states), start, agency)
    return None


def _is_a_state(name: str, places: Gazetteer) -> bool:
    """A state's name before an office is the state ("Ohio sheriff"), unless a large city has it ("New York Mayor")."""
    cities = places.cities(name)
    return bool(places.state(name)) and not (cities and cities[0].population >= CITY_BEFORE_COUNTY)


def _city(name: str, start: int, places: Gazetteer, agency: str = "") -> Place | None:
    words = _clean_name(name).split()
    for i in range(len(words)):
        candidate = " ".join(words[i:])
        cities = places.cities(candidate)
        if cities and _is_a_state(candidate, places):
            return None
        if cities:
            total = sum(c.population + 1 for c in cities)
            weights: dict[str, float] = {}
            for c in cities:
                weights[c.state] = weights.get(c.state, 0) + (c.population + 1) / total
            agency = f"{candidate} Police Department" if agency else ""
            return Place("city", candidate, tuple(sorted(weights.items())), start, agency)
    return None


def places_in(text: str, places: Gazetteer) -> list[Place]:
    """Every local place the text names, in reading order (one per position)."""
    found: dict[int, Place] = {}
    for m in _COUNTY.finditer(text):
        place = _county(m["name"], m.start(), text, places, m["kind"])
        if place:
            found.setdefault(place.start, place)
    for m in _COUNTIES.finditer(text):
        named = [(item.group(1), m.start("list") + item.start(1)) for item in re.finditer(r"([^,]+),\s+", m["list"])]
        for name, start in [*named, (m["a"], m.start("a")), (m["b"], m.start("b"))]:
            place = _county(name, start, text, places)
            if place:
                found.setdefault(place.start, place)
    for m in _COUNTY_OF.finditer(text):
        if places.state(m["name"].split(",")[0]):
            continue
        place = _county(m["name"], m.start("name"), text, places)
        if place:
            found.setdefault(place.start, place)
    for m in _CITY.finditer(text):
        key = next(k for k in ("of", "council", "police", "app", "es") if m[k])
        place = _city(m[key], m.start(key), places, "police" if key == "police" else "")
        if place and not any(p.start <= place.start < p.start + len(p.name) + 8 for p in found.values()):
            found.setdefault(place.start, place)
    for m in _BODY.finditer(text):
        if any(p.start <= m.start("name") < p.start + len(p.name) + 12 for p in found.values()):
            continue
        name = _clean_name(m["name"])
        if _is_a_state(name, places):
            continue
        cities = places.cities(name)
        county_word = re.search(r"[Cc]ommission|[Ss]upervisors|[Ss]heriff|[Ff]reeholders", m.group(0))
        if county_word and places.counties(name) and not (cities and cities[0].population >= CITY_BEFORE_COUNTY):
            place = _county(name, m.start("name"), text, places)
        else:
            place = _city(name, m.start("name"), places)
        if place:
            found.setdefault(place.start, place)
    return sorted(found.values(), key=lambda p: p.start)


@cache
def _state_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"\b(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")\b")


def state_votes(text: str, places: Gazetteer, named: list[Place], first: str = "", *, outlet: str = "",
                place: str = "") -> Counter[str]:
    """How strongly the report points to each state; `first` is its first line (a dateline), `place` its main place."""
    votes: Counter[str] = Counter()
    names = places.state_names()
    spelled = tuple(n.title() for n in names if n not in ("washington", "georgia y", "carolina"))
    for m in _state_pattern(spelled).finditer(text):
        if not re.match(r"[ \t]+(?:County|Parish|Street|Avenue|Ave|St|Road|Rd)\b", text[m.end() :]):
            votes[names[m.group(0).lower()]] += STATE_NAMED
    dateline = _DATELINE.match(first)
    if dateline and places.state(dateline["state"]):
        votes[places.state(dateline["state"])] += DATELINE
    for m in _CITY_STATE.finditer(text):
        state = places.state(m["state"])
        if state:
            votes[state] += CITY_AND_STATE
    big = places.big_cities()
    for m in re.finditer(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)?\b", text):
        state = big.get(m.group(0).lower())
        if state:
            votes[state] += BIG_CITY
    for other in named:
        for state, weight in other.weights:
            votes[state] += weight
    home = outlet_state(outlet, places, place) if outlet else None
    if home:
        votes[home] += OUTLET
    return votes


def outlet_state(outlet: str, places: Gazetteer, place: str = "") -> str | None:
    """The state an outlet's name places it in ("Tulsa World", "Florida Phoenix"), or None when it does not say.

    A masthead named like the place reported on ("Lincoln Times-News" on Lincoln County)
    is named for that place, wherever it is, and says nothing of the state.
    """
    names = places.state_names()
    spelled = tuple(n.title() for n in names if n not in ("washington", "georgia y", "carolina"))
    named = _state_pattern(spelled).search(outlet)
    if named:
        return names[named.group(0).lower()]
    words = [w for w in re.findall(r"[A-Z][\w.'’-]*", outlet)]
    for size in (3, 2, 1):
        for i in range(len(words) - size + 1):
            span = words[i : i + size]
            if size == 1 and span[0] in _MASTHEAD_WORDS or fold(" ".join(span)) == fold(place):
                continue
            cities = places.cities(" ".join(span))
            if cities and (len(cities) == 1 or cities[0].population >= DOMINANT_CITY * cities[1].population):
                return cities[0].state
    return None


def choose_state(place: Place, votes: Counter[str]) -> str | None:
    if len(place.states) == 1:
        return place.states[0]
    ranked = sorted(place.states, key=lambda s: -votes[s])
    best, second = ranked[0], ranked[1]
    if votes[best] >= STATE_MIN_SCORE and votes[best] >= votes[second] + STATE_MARGIN:
        return best
    return None


