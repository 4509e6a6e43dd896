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

Names whose numbers differ (`Constable Precinct 2` and `Precinct 3`, `Township 1` and
`Township 25`, `Ward II` and `Ward 3`) are never the same agency, whatever else agrees:
constables, wards and townships are numbered, and a one-character typo score would
otherwise merge them.

A pair that meets none of these is not matched: an honest added + removed (the removal
itself waits for REMOVAL_CONFIRMATIONS publications) beats a silent wrong merge.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache
from posixpath import basename
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from rapidfuzz import fuzz, process, utils

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
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u02bc": "'"})
_POSSESSIVE = re.compile(r"'s\b")
_PUNCTUATION = re.compile(r"[^\w&]+")
_LEADING = ("city of ", "town of ", "village of ", "borough of ", "township of ", "the ")


@cache
def agency_key(name: str) -> str:
    """A name reduced to what identifies the agency, for exact comparison, fuzzy scores and counting.

    Every count of agencies goes through this one key, so a curly and a straight apostrophe,
    a non-breaking space, a dash or a change of case never make two agencies of one.
    """
    text = _POSSESSIVE.sub("", unicodedata.normalize("NFKC", name).casefold().translate(_QUOTES))
    text = " ".join([_ABBREVIATIONS.get(w, w) for w in _PUNCTUATION.sub(" ", text).split()])
    changed = True
    while changed:
        changed = False
        for prefix in _LEADING:
            if text.startswith(prefix):
                text, changed = text[len(prefix):], True
    return text.strip()


_ORDINALS = ("first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
             "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth").split()
_CARDINALS = ("one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
              "sixteen seventeen eighteen nineteen twenty").split()
_ROMANS = "i ii iii iv v vi vii viii ix x xi xii xiii xiv xv xvi xvii xviii xix xx".split()
NUMBER_WORDS = {word: n for words in (_ORDINALS, _CARDINALS, _ROMANS) for n, word in enumerate(words, start=1)}
_DIGITS = re.compile(r"\d+")


@cache
def numbers_of(key: str) -> frozenset[int]:
    """The numbers a name carries: digits (`2`, `2nd`, `25`), number words and roman numerals to twenty."""
    found = {int(d) for d in _DIGITS.findall(key)}
    found.update(NUMBER_WORDS[w] for w in key.split() if w in NUMBER_WORDS)
    return frozenset(found)


def numbers_differ(a: Facts, b: Facts) -> bool:
    """Both names carry numbers and they are not the same: two agencies, never a typo."""
    return bool(a.numbers) and bool(b.numbers) and a.numbers != b.numbers


@cache
def core_of(key: str) -> str:
    """The distinctive words of a normalised name; a truncated generic word (`offic`) is generic too."""
    words = [w for w in key.split() if not _generic(w)]
    return " ".join(words)


_GENERIC_PREFIXES = frozenset(g[:n] for g in GENERIC for n in range(4, len(g) + 1))


def _generic(word: str) -> bool:
    return word in GENERIC or word in _GENERIC_PREFIXES


@cache
def county_key(county: str | None) -> str | None:
    if not county:
        return None
    key = agency_key(county)
    for suffix in (" county", " parish", " borough", " city and borough", " municipality"):
        if key.endswith(suffix):
            key = key[: -len(suffix)]
    return key or None


@cache
def moa_file(url: str | None) -> str | None:
    if not url:
        return None
    name = basename(unquote(urlsplit(url).path)).strip().lower()
    return name if name.endswith(".pdf") else None


class Facts(NamedTuple):
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
    numbers: frozenset[int] = frozenset()

    @classmethod
    def of(cls, fields: dict) -> Facts:
        signed = fields.get("signed")
        name = fields["agency"]
        key, core, roles = _name_facts(name)
        return cls(fields["state"], fields["model"], name, key, core, roles, str(signed) if signed else None,
                   county_key(fields.get("county")), moa_file(fields.get("moa_url")), numbers_of(key))


@cache
def _name_facts(name: str) -> tuple[str, str, frozenset[str]]:
    key = agency_key(name)
    return key, core_of(key), frozenset(key.split()) & ROLES


class Match(NamedTuple):
    old: int
    new: int
    rule: str
    score: float
    review: bool = False


def similar_name(a: Facts, b: Facts) -> str | None:
    """How two names are the same agency's, judged on their cores, or None."""
    if a.key == b.key:
        return "exact"
    if a.roles != b.roles or numbers_differ(a, b):
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
    if old.model != new.model or numbers_differ(old, new):
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


class LazyFacts:
    """Facts of many rows, worked out only for the rows that need more than a glance.

    Most rows of a publication are letter-for-letter what they were last time; those are
    paired on their raw text and never normalised.
    """

    def __init__(self, rows: Sequence[dict]) -> None:
        self.rows = rows
        self._facts: dict[int, Facts] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> Facts:
        facts = self._facts.get(index)
        if facts is None:
            facts = self._facts[index] = Facts.of(self.rows[index])
        return facts


def match(old: LazyFacts, new: LazyFacts) -> list[Match]:
    """Pair old agreements with new rows one-to-one, best evidence first.

    Identical text and then exact keys are paired through dictionaries (so 100,000 rows
    cost a few look-ups each); what is left is compared only with rows of its state and
    model that share a blocking key (`_pair_blocks`) or its signed date (across states too,
    for a corrected state), so 50,000 renamed rows are not 50,000² comparisons.
    """
    matches: list[Match] = []
    by_raw: dict[tuple[str, str, str], list[int]] = {}
    for i, row in enumerate(old.rows):
        by_raw.setdefault((row["state"], row["model"], row["agency"]), []).append(i)
    unseen: list[int] = []
    for j, row in enumerate(new.rows):
        candidates = by_raw.get((row["state"], row["model"], row["agency"]))
        if candidates:
            best = candidates[0] if len(candidates) == 1 else max(candidates, key=lambda i: _agreement(old[i], new[j]))
            candidates.remove(best)
            matches.append(Match(best, j, "exact", 1000.0))
        else:
            unseen.append(j)
    by_key: dict[tuple[str, str, str], list[int]] = {}
    for i in (i for group in by_raw.values() for i in group):
        facts = old[i]
        by_key.setdefault((facts.state, facts.model, facts.key), []).append(i)
    left_new: list[int] = []
    for j in unseen:
        facts = new[j]
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

    old_by_block: dict[tuple, list[int]] = {}
    old_by_signed: dict[tuple[str, str], list[int]] = {}
    for i in left_old:
        for block in _pair_blocks(old[i]):
            old_by_block.setdefault(block, []).append(i)
        if old[i].signed:
            old_by_signed.setdefault((old[i].model, old[i].signed), []).append(i)
    pairs: list[Match] = []
    for j in left_new:
        facts = new[j]
        candidates = {i for block in _pair_blocks(facts) for i in old_by_block.get(block, ())}
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


def _pair_blocks(facts: Facts) -> list[tuple]:
    """Where a pair can meet without the same signed date: same key, same MOA file, or a shared core block.

    Every rule but 1–4 needs the same signed date (looked up separately), so only rows
    sharing one of these are scored: 50,000 renamed rows cost 50,000 look-ups, not 50,000².
    """
    group = (facts.state, facts.model)
    blocks: list[tuple] = [(*group, "=", facts.key)]
    if facts.moa:
        blocks.append((*group, "moa", facts.moa))
    blocks.extend((*group, key) for key in block_keys(facts.core))
    return blocks


# Raw words that never make a core: generic words, their truncations, abbreviations of them,
# and what is left of a possessive once punctuation is gone.
_NOT_CORE = GENERIC | _GENERIC_PREFIXES | {"s"} | {
    short for short, long in _ABBREVIATIONS.items() if all(_generic(w) for w in long.split())}


def raw_core(text: str) -> str:
    """`core_of` for raw text (lower-cased, punctuation dropped): cheap enough for every row."""
    return " ".join([_ABBREVIATIONS.get(w, w) for w in text.split() if w not in _NOT_CORE])


def block_keys(core: str) -> frozenset[str]:
    """Blocking keys of a core: each word and each way of dropping one of its letters.

    Two cores `similar_name` accepts share one. The same core shares its words; a typo
    leaving the cores 88% alike leaves some word within one substitution, insertion,
    deletion or swap of its twin, and such words share a one-letter deletion (`indialantic`
    and `indiatlantic` share `indialantic`). A name with no distinctive word gets one shared
    key: it can only equal another such name.
    """
    keys: set[str] = set()
    for word in core.split():
        keys.add(word)
        keys.update(word[:i] + word[i + 1:] for i in range(len(word)))
    return frozenset(keys) or frozenset({NO_CORE})


NO_CORE = "<>"
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def near_words(core: str) -> set[str]:
    """Each word of a core and every word one edit (insertion, deletion, substitution, swap) from it.

    Looked up among the words of many indexed names, it finds the names that share a word
    with this one or carry a one-letter typo of it, while each indexed name costs one key
    per word rather than one per letter.
    """
    found: set[str] = set()
    for word in core.split():
        splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
        found.add(word)
        found.update(a + b[1:] for a, b in splits if b)
        found.update(a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1)
        found.update(a + c + b[1:] for a, b in splits if b for c in _ALPHABET)
        found.update(a + c + b for a, b in splits for c in _ALPHABET)
    return found or {NO_CORE}


def _agreement(old: Facts, new: Facts) -> int:
    return (old.name == new.name) * 8 + (old.signed == new.signed) * 2 + (old.county == new.county) + (
        old.moa == new.moa)


def same_agency(a: Facts, b: Facts) -> bool:
    """Used for duplicate rows and for pending ↔ participating: same state, same name."""
    return a.state == b.state and similar_name(a, b) is not None


class NameIndex:
    """Finds, among many rows, one that `same_agency` would call the same agency, quickly.

    Rows are indexed by the words of their raw cores, per state (and model), when a group
    is first searched. A query looks only at the rows sharing a word with it or carrying a
    one-letter typo of one (`near_words`); rapidfuzz's C loop ranks their cores and only
    the best few are normalised and checked with `same_agency`. Each query costs about the size
    of its blocks, not of the whole group, so 200,000 new rows stay near linear.
    """

    SHORTLIST = 25
    CUTOFF = 75  # on the cores; `same_agency` asks 88 of a typo, 100 of the rest
    NEAR_WORDS_COST = 64  # one `near_words` search costs about as much as indexing this many rows

    def __init__(self, facts: LazyFacts, by_model: bool = True) -> None:
        self.facts = facts
        self.by_model = by_model
        self.members: dict[tuple, list[int]] = {}
        self.names: dict[tuple, list[str]] = {}
        self.cores: dict[tuple, list[str]] = {}
        self.words: dict[tuple, dict[str, list[int]]] = {}
        self.deletions: dict[tuple, dict[int, int | list[int]]] = {}
        self.searches: dict[tuple, int] = {}

    def _group(self, row: dict) -> tuple:
        return (row["state"], row["model"]) if self.by_model else (row["state"],)

    def add(self, index: int) -> None:
        row = self.facts.rows[index]
        group = self._group(row)
        self.members.setdefault(group, []).append(index)
        self.names.setdefault(group, []).append(row["agency"])

    def extend(self, indices: Iterable[int]) -> None:
        """`add` for many rows at once: one pass, no method call per row."""
        rows, members, names, by_model = self.facts.rows, self.members, self.names, self.by_model
        for index in indices:
            row = rows[index]
            group = (row["state"], row["model"]) if by_model else (row["state"],)
            if group in members:
                members[group].append(index)
                names[group].append(row["agency"])
            else:
                members[group], names[group] = [index], [row["agency"]]

    def _indexed(self, group: tuple) -> tuple[list[str], dict[str, list[int]]]:
        """The group's raw cores and where each core word is, brought up to date with added rows."""
        names = self.names[group]
        cores = self.cores.setdefault(group, [])
        words = self.words.setdefault(group, {})
        deletions = self.deletions.get(group)
        for position in range(len(cores), len(names)):
            core = raw_core(utils.default_process(names[position]))
            cores.append(core)
            for key in core.split() or (NO_CORE,):
                _put(words, key, position)
            if deletions is not None:
                for key in block_keys(core):
                    _put_hash(deletions, hash(key), position)
        return cores, words

    def _candidates(self, group: tuple, core: str) -> list[int]:
        """Positions of the rows whose core shares a word with `core` or holds a one-letter typo of one.

        A few searches generate the typos of the query's words (`near_words`); once a group
        has answered many, its rows are indexed by their own one-letter deletions instead
        (`block_keys`), which makes each further search a few look-ups.
        """
        cores, words = self._indexed(group)
        if not core:
            return list(words.get(NO_CORE, ()))
        deletions = self.deletions.get(group)
        if deletions is None:
            searches = self.searches[group] = self.searches.get(group, 0) + 1
            if searches * self.NEAR_WORDS_COST < len(cores):
                return sorted({p for key in words.keys() & near_words(core) for p in words[key]})
            deletions = self.deletions[group] = {}
            for position, known in enumerate(cores):
                for key in block_keys(known):
                    _put_hash(deletions, hash(key), position)
        found: set[int] = set()
        for key in block_keys(core):
            hit = deletions.get(hash(key))
            if isinstance(hit, int):
                found.add(hit)
            elif hit is not None:
                found.update(hit)
        return sorted(found)

    def find(self, facts: Facts) -> int | None:
        group = (facts.state, facts.model) if self.by_model else (facts.state,)
        if not self.names.get(group):
            return None
        core = raw_core(utils.default_process(facts.name))
        positions = self._candidates(group, core)
        cores = self.cores[group]
        if core:
            shortlist = process.extract(core, [cores[p] for p in positions], scorer=fuzz.ratio, processor=None,
                                        score_cutoff=self.CUTOFF, limit=self.SHORTLIST)
            found = [positions[k] for _, _, k in shortlist]
        else:
            found = positions[: self.SHORTLIST]
        members = self.members[group]
        for position in found:
            index = members[position]
            if same_agency(self.facts[index], facts):
                return index
        return None


def _put_hash(index: dict[int, int | list[int]], key: int, position: int) -> None:
    """Most one-letter deletions belong to one row: kept as a hash and a bare position, half the memory.

    A hash collision only adds a candidate, which `same_agency` then turns down.
    """
    found = index.get(key)
    if found is None:
        index[key] = position
    elif isinstance(found, int):
        index[key] = [found, position]
    else:
        found.append(position)


def _put(index: dict[str, list[int]], key: str, position: int) -> None:
    if key in index:
        index[key].append(position)
    else:
        index[key] = [position]
