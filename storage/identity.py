"""Who is the same agreement across two publications.

ICE has no IDs and re-spells agencies between publications. An old agreement and a
new row are the same agreement when the evidence says so, in this order (first rule
that holds wins; each pair is scored and pairs are taken best first, one-to-one):

1. **Exact**: same state, same model, same normalised name (case, punctuation,
   `City of`/`Town of`, `Ft.`→`Fort`, `Dept`→`Department`, `Sheriff's`→`Sheriffs`).
2. **Same MOA file**: same state and model and the same MOA file name.
3. **Same core**: same state and model, the same distinctive words once the words every
   agency shares are set aside (`Idaho State Police` = `Idaho State Police Department`).
4. **Typo**: same state and model, rapidfuzz `ratio` ≥ 90 on the whole name *and* ≥ 88
   on the core (`Indialantic` ↔ `Indiatlantic`, `Sheriff's Offic`; not `Union` ↔ `Lyon`).
5. **Longer/shorter name**: same state, model and signed date, county equal or absent,
   and one core's words contained in the other's.
6. **Rename with evidence**: same state, model, signed date and county, core `ratio` ≥ 75.
7. **State correction**: another state, same model and signed date, a name that passes
   rule 1, 3 or 4 (`Ellis County Sheriff's Office` TX → KS; `UTAHJ` is fixed by the parser).
   Rules 5 and 6 between names of different kinds (`Board of Trustees` → `Police
   Department`) are read as a holder change, flagged for review.
8. **Holder change**: same state, model, signed date and county, and both names carry
   the county's own name (`Escambia County Sheriff's Office` → `Escambia County Board
   of County Commissioners`). Weak evidence: the change is flagged for review.

A pair that meets none of these is not matched: an honest added + removed (the removal
itself waits for REMOVAL_CONFIRMATIONS publications) beats a silent wrong merge.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from posixpath import basename
from urllib.parse import unquote, urlsplit

from rapidfuzz import fuzz

TYPO_RATIO = 90
CORE_RATIO = 88
EVIDENCE_RATIO = 75

_ABBREVIATIONS = {
    "ft": "fort",
    "mt": "mount",
    "st": "saint",
    "ste": "sainte",
    "co": "county",
    "parish": "county",  # Louisiana's counties; ICE writes both
    "cnty": "county",
    "cty": "county",
    "dept": "department",
    "dep": "department",
    "pd": "police department",
    "so": "sheriff office",
    "sheriffs": "sheriff",
    "twp": "township",
    "dist": "district",
    "corr": "correctional",
    "&": "and",
}
# Words every agency name shares; similarity is judged on what is left (the "core"),
# so `Union County Sheriff's Office` and `Lyon County Sheriff's Office` are not a typo.
GENERIC = frozenset(
    "county parish sheriff office offices police department departments city town village township "
    "borough of the and state public safety division agency services service law enforcement".split()
)
# Words that say what kind of agency it is: two names with the same core but different
# roles (`Sarasota Police Department`, `Sarasota County Sheriff's Office`) are two agencies.
ROLES = frozenset(
    "sheriff police constable marshal county parish city town village township university college school "
    "airport port corrections correctional jail patrol highway detention".split()
)
_LEADING = ("city of ", "town of ", "village of ", "borough of ", "township of ", "the ")


@lru_cache(maxsize=65536)
def agency_key(name: str) -> str:
    """A name reduced to what identifies the agency, for exact comparison and fuzzy scores."""
    text = name.lower().replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    text = re.sub(r"'s\b", "", text)
    text = re.sub(r"[^\w&]+", " ", text)
    words = [_ABBREVIATIONS.get(w, w) for w in text.split()]
    text = " ".join(words)
    changed = True
    while changed:
        changed = False
        for prefix in _LEADING:
            if text.startswith(prefix):
                text, changed = text[len(prefix):], True
    return text.strip()


@lru_cache(maxsize=65536)
def core_of(key: str) -> str:
    """The distinctive words of a normalised name; a truncated generic word (`offic`) is generic too."""
    words = [w for w in key.split() if not _generic(w)]
    return " ".join(words)


def _generic(word: str) -> bool:
    return word in GENERIC or (len(word) >= 4 and any(g.startswith(word) for g in GENERIC))


def county_key(county: str | None) -> str | None:
    if not county:
        return None
    key = agency_key(county)
    for suffix in (" county", " parish", " borough", " city and borough", " municipality"):
        if key.endswith(suffix):
            key = key[: -len(suffix)]
    return key or None


def moa_file(url: str | None) -> str | None:
    if not url:
        return None
    name = basename(unquote(urlsplit(url).path)).strip().lower()
    return name if name.endswith(".pdf") else None


@dataclass(frozen=True)
class Facts:
    """What one side of a comparison carries: enough to score, nothing more."""

    state: str
    model: str
    name: str
    key: str
    core: str
    roles: frozenset[str]
    signed: str | None
    county: str | None
    moa: str | None

    @classmethod
    def of(cls, fields: dict) -> Facts:
        signed = fields.get("signed")
        key = agency_key(fields["agency"])
        return cls(
            state=fields["state"],
            model=fields["model"],
            name=fields["agency"],
            key=key,
            core=core_of(key),
            roles=frozenset(key.split()) & ROLES,
            signed=str(signed) if signed else None,
            county=county_key(fields.get("county")),
            moa=moa_file(fields.get("moa_url")),
        )


@dataclass(frozen=True)
class Match:
    old: int
    new: int
    rule: str
    score: float
    review: bool = False


def similar_name(a: Facts, b: Facts) -> str | None:
    """How two names are the same agency's, judged on their cores, or None."""
    if a.key == b.key:
        return "exact"
    if a.roles != b.roles:
        return None
    if a.core and a.core == b.core:
        return "same_core"
    if a.core and b.core and fuzz.ratio(a.key, b.key) >= TYPO_RATIO and fuzz.ratio(a.core, b.core) >= CORE_RATIO:
        return "typo"
    return None


def _core_subset(a: Facts, b: Facts) -> bool:
    small, large = sorted((set(a.core.split()), set(b.core.split())), key=len)
    return bool(small) and small <= large


def score(old: Facts, new: Facts) -> tuple[str, float, bool] | None:
    """The identity rule that joins two sides, with a score for ordering, or None."""
    if old.model != new.model:
        return None
    same_signed = old.signed is not None and old.signed == new.signed
    same_county = old.county is not None and old.county == new.county
    name = similar_name(old, new)
    ratio = fuzz.ratio(old.key, new.key)
    if old.state != new.state:
        if same_signed and name:
            return "state_correction", 250 + ratio, False
        return None
    if name == "exact":
        return "exact", 1000.0, False
    if old.moa is not None and old.moa == new.moa:
        return "same_moa", 400 + ratio, False
    if name:
        return name, 300 + ratio, False
    holder = old.roles != new.roles  # a sheriff's office became a board: same agreement, new holder
    if same_signed and (same_county or old.county is None or new.county is None) and _core_subset(old, new):
        return ("holder_change", 200 + ratio, True) if holder else ("longer_name", 200 + ratio, False)
    if same_signed and same_county and fuzz.ratio(old.core, new.core) >= EVIDENCE_RATIO:
        return ("holder_change", 150 + ratio, True) if holder else ("rename", 150 + ratio, False)
    if same_signed and same_county and old.county in old.key and old.county in new.key:
        return "holder_change", 50 + ratio, True
    return None


def match(old: Sequence[Facts], new: Sequence[Facts]) -> list[Match]:
    """Pair old agreements with new rows one-to-one, best evidence first.

    Exact keys are paired first through a dictionary (so 100,000 rows cost a few
    dictionary look-ups each); only what is left is compared pairwise, within a state
    and model (or across states for a corrected state with the same signed date).
    """
    matches: list[Match] = []
    by_key: dict[tuple[str, str, str], list[int]] = {}
    for i, facts in enumerate(old):
        by_key.setdefault((facts.state, facts.model, facts.key), []).append(i)
    left_new: list[int] = []
    for j, facts in enumerate(new):
        candidates = by_key.get((facts.state, facts.model, facts.key))
        if candidates:
            best = max(candidates, key=lambda i: _agreement(old[i], facts))
            candidates.remove(best)
            matches.append(Match(best, j, "exact", 1000.0))
        else:
            left_new.append(j)
    left_old = [i for group in by_key.values() for i in group]
    if not left_old or not left_new:
        return matches

    old_by_group: dict[tuple[str, str], list[int]] = {}
    old_by_signed: dict[tuple[str, str], list[int]] = {}
    for i in left_old:
        old_by_group.setdefault((old[i].state, old[i].model), []).append(i)
        if old[i].signed:
            old_by_signed.setdefault((old[i].model, old[i].signed), []).append(i)
    pairs: list[Match] = []
    for j in left_new:
        facts = new[j]
        candidates = set(old_by_group.get((facts.state, facts.model), []))
        if facts.signed:
            candidates.update(old_by_signed.get((facts.model, facts.signed), []))
        for i in candidates:
            result = score(old[i], facts)
            if result:
                rule, value, review = result
                pairs.append(Match(i, j, rule, value, review))
    pairs.sort(key=lambda m: (-m.score, m.old, m.new))
    used_old: set[int] = set()
    used_new: set[int] = set()
    for pair in pairs:
        if pair.old in used_old or pair.new in used_new:
            continue
        used_old.add(pair.old)
        used_new.add(pair.new)
        matches.append(pair)
    return matches


def _agreement(old: Facts, new: Facts) -> int:
    return (old.name == new.name) * 8 + (old.signed == new.signed) * 2 + (old.county == new.county) + (
        old.moa == new.moa)


def same_agency(a: Facts, b: Facts) -> bool:
    """Used for duplicate rows and for pending ↔ participating: same state, same name."""
    return a.state == b.state and similar_name(a, b) is not None
