"""Everything the tracker knows about places: states, territories, counties and their FIPS codes. Pure.

One module, so a state's name or a county read from an agency's name is the same in the
workbook parser, the registry of local governments, the alerts and the explorer.

ICE's sheet spells states in capitals, sometimes with typos (`UTAHJ`, `AlABAMA`). Exact
matches come from the `us` package; a typo falls back to fuzzy matching and is reported,
so a maintainer can see which rows were guessed.

ICE's COUNTY column is often blank (and later workbooks drop it for some rows). A sheriff,
jail or county board named "Marion County …" is in Marion County; "County of Orange …" in
Orange County; a Louisiana parish or an Alaska borough likewise. A city's police department
names no county, and a town can lie in several: those stay blank rather than guessed.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from importlib.resources import files

FUZZY_MIN_SCORE = 85


@cache
def _names() -> dict[str, str]:
    import us  # loaded when a state is first read, not by every process that imports the parsers

    known = [*us.states.STATES_AND_TERRITORIES, us.states.DC]
    names = {s.name.upper(): s.abbr for s in known}
    names.update({s.abbr: s.abbr for s in known})
    return names


def state_code(raw: object) -> tuple[str | None, str | None]:
    """Return (USPS code, warning). The code is None when nothing is close enough."""
    if raw is None:
        return None, "state is empty"
    text = " ".join(str(raw).replace("\xa0", " ").split()).upper().rstrip(".")
    if not text:
        return None, "state is empty"
    names = _names()
    if text in names:
        return names[text], None
    import us
    from rapidfuzz import fuzz, process

    found = us.states.lookup(text)
    if found is not None:
        return found.abbr, f"state {raw!r} read as {found.abbr} (sounds alike)"
    best = process.extractOne(text, [n for n in names if len(n) > 2], scorer=fuzz.ratio)
    if best and best[1] >= FUZZY_MIN_SCORE:
        return names[best[0]], f"state {raw!r} read as {names[best[0]]} (fuzzy match {best[1]:.0f})"
    return None, f"state {raw!r} is not a US state or territory"


def is_state_code(code: str) -> bool:
    """A USPS code of a state, DC or a territory, exactly: for checking what people type in a URL."""
    return code.upper() in set(_names().values())


@cache
def state_names() -> dict[str, str]:
    """USPS code → name, for every state, DC and territory."""
    import us

    return {s.abbr: s.name for s in (*us.states.STATES_AND_TERRITORIES, us.states.DC)}


@cache
def state_codes() -> tuple[str, ...]:
    """Every state, DC and territory, sorted: a quiet state still has a feed and a page."""
    return tuple(sorted(state_names()))


def state_name(code: str | None) -> str:
    """A code's name ("FL" → "Florida"); a code nobody knows is shown as given rather than hidden."""
    if not code:
        return "No state"
    import us

    found = us.states.lookup(code)
    return found.name if found is not None else code


def state_fips(code: str) -> str | None:
    """The two-digit FIPS code of a USPS code ("FL" → "12"), or None when `code` is not exactly one."""
    import us

    found = us.states.lookup(code) if code else None
    return found.fips if found is not None and found.abbr == code else None


def state_of(text: str) -> str | None:
    """The USPS code a person meant by a code, a name or a FIPS code ("Florida" → "FL"), or None."""
    import us

    found = us.states.lookup(text)
    return found.abbr if found is not None else None


def split_jurisdiction(text: str) -> tuple[str, str]:
    """'Marion County, FL' → ('Marion County', 'FL'); a trailing state name works too."""
    name, _, tail = text.strip().rpartition(",")
    if name and tail.strip():
        state = state_of(tail.strip())
        if state is not None:
            return name.strip(), state
    return text.strip(), ""


@cache
@cache
def _county_names() -> tuple[tuple[str, str], ...]:
    """(FIPS, name) for every name the Census Bureau's 2020 list gives a county, official name first.

    A few counties are listed twice: New York City's boroughs under their county and their borough
    names (`Kings County`, `Brooklyn Borough`), the District of Columbia also as `Washington`.
    """
    with files("addfips").joinpath("data", "counties_2020.csv").open(encoding="utf-8") as handle:
        return tuple((row["statefp"] + row["countyfp"], row["name"]) for row in csv.DictReader(handle))


def counties() -> dict[str, str]:
    """County FIPS code → its official name ("12083" → "Marion County", "36047" → "Kings County")."""
    names: dict[str, str] = {}
    for fips, name in _county_names():
        names.setdefault(fips, name)
    return names


_KINDS = "County|Parish|Borough"
_WORD = r"[A-Z][A-Za-z.'’\-]*"
_NAME = rf"{_WORD}(?: (?:{_WORD}|du|de|la|le|des))*?"  # Fond du Lac, De Soto, LaSalle
LEADING = re.compile(rf"^(?:The )?(?P<name>{_NAME}) (?P<kind>{_KINDS})\b")
INVERTED = re.compile(rf"^(?:The )?(?P<kind>{_KINDS}) of (?P<name>{_NAME})(?: (?:Sheriff|Police|Board|Department|Jail|"
                      r"Detention|Correction|Office)|$)")
# Words that make "X County" part of something wider than one county.
NOT_ONE_COUNTY = re.compile(r"\b(?:Tri|Multi|Bi|Inter|Regional|City|Town|Village|and)\b", re.I)


def county_from_name(agency: str | None) -> str | None:
    """`Marion County Sheriff's Office` → `Marion County`; None when the name does not say."""
    if not agency:
        return None
    text = " ".join(agency.split())
    found = LEADING.match(text) or INVERTED.match(text)
    if found is None or NOT_ONE_COUNTY.search(found["name"]):
        return None
    return f"{found['name']} {found['kind']}"


def county_fips(county: str | None, state: str | None) -> str | None:
    """The five-digit FIPS code of a county named in full in a state (`Marion County`, `FL` → `12083`), or None.

    Only an exact name in the one state counts: a county is never guessed from a near spelling.
    """
    prefix = state_fips(state or "")
    if not county or prefix is None:
        return None
    wanted = " ".join(county.split()).casefold()
    return next((fips for fips, name in _county_names() if fips.startswith(prefix) and name.casefold() == wanted),
                None)
