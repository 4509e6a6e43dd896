"""Read a news or meeting report about 287(g): is it a local signal, where, and how far along. Pure.

A report is a local signal when it tells of a named US county, city, sheriff or police
department moving toward, into or away from a 287(g) agreement. It needs three things in
agreement: a 287(g) mention with immigration context (the matcher of `parsers.signals`,
which already refuses US-287 and other statutes), a stage cue in a sentence about the
agreement, and a named local place in that sentence or in the headline it continues.
Explainers, national counts, statewide laws and lawsuits name no local decision, or only
an old one (a year two or more before the report), and are left alone.

One signal per report, for its main place: the first local place the headline names, else
the first the signal's sentence names. Reports of several decisions ("Lee and Collier
approve…") are rare, and one placed signal is worth more to an organizer than several
half-placed ones; the other places stay readable in the excerpt.

The place's state is decided by evidence, never by the outlet: a place named in one state
only, state names and AP abbreviations in the text, and the other places the report names.
A county named in several states with no evidence for one of them yields no signal rather
than a guess, because a signal routed to the wrong state's organizers is worse than none.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date

from parsers.gazetteer import AP_STATES, Gazetteer
from parsers.signals import find_signals, mention_spans, normalize
from vocabulary import Stage

FOLD_DAYS = 4
OLD_NEWS_YEARS = 2


@dataclass(frozen=True)
class NewsSignal:
    """One placed, staged signal. `county_fips` is None unless the county is certain.

    `published` is the report's date as the caller gave it, kept for folding reports of one event.
    """

    stage: str
    state: str
    jurisdiction: str
    county_fips: str | None
    agency: str
    excerpt: str
    published: date | None = None


@dataclass(frozen=True)
class Place:
    """A local place named in the text, with every state it could be in."""

    kind: str  # county, city or agency
    name: str  # as the gazetteer spells it: "Collier County", "Naples", an agency's name
    states: tuple[str, ...]
    start: int
    agency: str = ""


_W = r"[A-Z][A-Za-z.'’\-]*"
_NAME = rf"{_W}(?:\s+(?:{_W}|de|del|la|du))*?"
_COUNTY = re.compile(rf"(?P<name>(?:{_W}\s+){{0,3}}{_W})\s+(?P<kind>County|Parish|Borough)(?:'s|’s)?\b")
_COUNTIES = re.compile(rf"(?P<a>{_W}(?:\s+{_W})?),?\s+(?:and|y)\s+(?P<b>{_W}(?:\s+{_W})?)\s+(?:counties|parishes)\b")
_COUNTY_OF = re.compile(
    rf"\b(?:[Cc]ounty|[Pp]arish|[Cc]ondado|[Pp]arroquia)\s+(?:of|de)\s+(?P<name>{_W}(?:\s+{_W}){{0,2}})"
)
_CITY = re.compile(
    rf"\b(?:City|Town|Village|[Cc]iudad|[Pp]ueblo)\s+(?:of|de)\s+(?P<a>{_W}(?:\s+{_W}){{0,2}})"
    rf"|(?P<b>{_W}(?:\s+{_W}){{0,2}})\s+(?:[Cc]ity|[Tt]own|[Vv]illage)\s+(?:[Cc]ouncil|[Cc]ommission|[Bb]oard|[Mm]anager)"
    rf"|(?P<c>{_W}(?:\s+{_W}){{0,2}})\s+(?:[Pp]olice(?:\s+[Dd]epartment|\s+[Cc]hief)?|PD)\b"
    rf"|(?:[Pp]olic[ií]a|[Cc]oncejo(?:\s+[Mm]unicipal)?|[Aa]lcald[ea])\s+de\s+(?P<d>{_W}(?:\s+{_W}){{0,2}})"
)
_CITY_STATE = re.compile(
    rf"(?P<city>{_W}(?:\s+{_W}){{0,2}}),\s+(?P<state>[A-Z][a-z]{{1,4}}\.(?:\s?[A-Z][a-z]?\.)?|[A-Z]{{2}}\b)"
)
_SHERIFF_OFFICE = re.compile(r"\s*(?:Sheriff'?s?’?s?\s+(?:Office|Department)|Sheriff|Police\s+Department|Jail)")

_TOPIC = re.compile(
    r"287|\bICE\b|[Ii]mmigration|[Ii]nmigraci[oó]n|[Tt]ask[- ][Ff]orce|[Ww]arrant [Ss]ervice|[Jj]ail [Ee]nforcement|"
    r"agreement|acuerdo|partnership|program|contract|convenio|memorandum|MOA\b",
)
_LOCAL_ACTOR = re.compile(
    r"\b(?:commissioners?|commission|council(?:members?|man|woman)?|supervisors?|aldermen|board|sheriff|"
    r"police|mayor|county|city|town|village|comisionados?|comisi[oó]n|concejo|concejales|alguacil|"
    r"polic[ií]a|alcalde(?:sa)?|condado|ciudad|junta)\b",
    re.IGNORECASE,
)
_DECOY_TITLE = re.compile(
    r"\b(?:lawsuit|sues|sued|judge|court|ruling|explainer|what is|what to know|how many|map|data show|analysis|"
    r"study|report finds|legislature|lawmakers|bill would|demanda|juez|tribunal|qué es)\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“¿¡(]?[A-Z0-9ÁÉÍÓÚÑ])")
_ABBREVIATION = re.compile(
    r"(?:\b(?:St|Ste|Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Lt|Sgt|Capt|Col|Gen|Jr|Sr|No|Co|Inc|vs|U\.S|Jan|Feb|Mar|Apr|Jun|"
    r"Jul|Aug|Sept?|Oct|Nov|Dec|Ft|Mt)|\b[A-Z]|" + "|".join(re.escape(a[:-1]) for a in AP_STATES) + r")\.$"
)

_NOT_DECIDED = r"(?<!\bbe )(?<!\bif )(?<!\bunless )(?<!\bnot )(?<!\bbeen )(?<!n't )"
_CUES: tuple[tuple[Stage, re.Pattern[str]], ...] = tuple(
    (stage, re.compile(pattern, re.IGNORECASE))
    for stage, pattern in (
        (Stage.DEBATED, r"\b(?:fail(?:ed|s)?|rejected|voted down|defeated|declined)\b[^.;]{0,40}?\b(?:motion|proposal|"
                        r"effort|bid|push|call|measure|resolution)s?\s+to\s+(?:end|terminate|rescind|exit|withdraw|"
                        r"cancel|pull out)|\bmotion to (?:end|terminate|rescind|exit)[^.;]{0,60}?\bfail|"
                        r"\bdeclined to (?:end|terminate|rescind|exit|withdraw|cancel)"),
        (Stage.ENDED, rf"\b(?:{_NOT_DECIDED}terminat(?:ed|es|ing)|{_NOT_DECIDED}rescind(?:ed|s|ing)?|"
                      r"end(?:ed|s|ing)? (?:its|the|their|his|her|a|our) (?:[\w()-]+ ){0,3}(?:287|agreement|"
                      r"partnership|participation|contract|program|ties)|exit(?:ed|s|ing)?\b|pull(?:ed|s|ing)? out|"
                      r"withdr(?:ew|awn|aws) from|cut(?:s|ting)? ties|cancel(?:l?ed|s)\b|no longer (?:participat|"
                      r"part|in)|puso fin|pone fin|poner fin|termin(?:ó|aron|ar)\b|rescindi(?:ó|eron)|"
                      r"cancel(?:ó|aron)|abandon(?:ed|s|ó|aron))"),
        (Stage.REJECTED, r"\b(?:rejected|rejects|voted (?:\d+-\d+ )?(?:down|against)|votes down|"
                         r"declined to|declines to|"
                         r"refus(?:ed|es) to|(?:will|would|does|do) not (?:sign|join|enter|pursue|seek|participate|"
                         r"apply)|won'?t (?:sign|join|enter|pursue|seek|participate)|shot down|killed|"
                         r"withdr(?:ew|awn|aws) (?:the|its|his|her|a) (?:proposal|item|request|application|motion)|"
                         r"(?:motion|proposal|measure) (?:failed|died)|tie vote|deadlock(?:ed)?|"
                         r"rechaz(?:ó|aron|a|an)|vot(?:ó|aron) en contra|no firmar(?:á|án)|se neg(?:ó|aron))\b"),
        (Stage.SIGNED, rf"\b(?:{_NOT_DECIDED}signed(?! off)|signs\b(?! off)|inked|entered into|joined|joins|"
                       r"officially (?:part|partner|join)|ICE (?:added|approved)|added to ICE|"
                       r"firm(?:ó|aron)|se uni(?:ó|eron)|suscribi(?:ó|eron))"),
        (Stage.APPROVED, rf"\b(?:{_NOT_DECIDED}approved|approves|OK'?d|OKs|okayed|greenlit|green light|signed off|"
                         r"voted (?:\d+-\d+ |unanimously )?(?:on \w+ )?(?:to|in favor)|votes? (?:\d+-\d+ )?to "
                         r"(?:approve|join|enter|sign|move forward|participate|authorize)|{_NOT_DECIDED}authorized|"
                         r"authorizes|passed|adopted|aprob(?:ó|aron|ado|ada)|luz verde|vot(?:ó|aron) a favor)\b"),
        (Stage.SCHEDULED, r"\b(?:will (?:vote|consider|decide|take up|weigh|hear)|to vote|(?:is|are) (?:scheduled|set|"
                          r"expected|slated) to (?:vote|consider|decide|take up)|on (?:the|its|their|\w+'s) agenda|"
                          r"agenda item|vote (?:is )?(?:set|scheduled) for|next meeting|public hearing (?:is )?set|"
                          r"votar(?:á|án)|en la agenda|program(?:ad[oa]|ó) (?:una )?votaci[oó]n)\b"),
        (Stage.DEBATED, r"\b(?:discuss(?:ed|es|ing|ion)|debat(?:ed|es|ing|e)|public comment|spoke (?:against|out|in "
                        r"favor)|heard from|workshop|tabled|postpon(?:ed|es)|delayed|took no action|no decision|"
                        r"pushed back|packed|urged|heated|discuti(?:ó|eron|r)|debati(?:ó|eron|r)|aplaz(?:ó|aron))\b"),
        (Stage.PROPOSED, r"\b(?:(?:will|would|plans? to|intends? to|wants? to|hopes? to|seeks? to|(?:is|are) "
                         r"(?:seeking|applying|pursuing|exploring|considering|looking)) (?:to )?(?:seek|apply|pursue|"
                         r"join|sign|enter|participate|start|be)?|applied|application|propos(?:ed|al|es)|"
                         r"announced|seeking|pursuing|exploring|solicit(?:ó|ará|ar)|planea|propuesta|busca)\b"),
    )
)
# Decisions outrank talk about them; the order of `_CUES` is the order of the checks.
_RANK = {cue[0]: rank for rank, cue in enumerate(_CUES)}


def sentences(text: str) -> list[str]:
    """Split prose into sentences, keeping "St. Lucie", "Fla." and "U.S." inside theirs."""
    pieces: list[str] = []
    for line in text.splitlines():
        line = normalize(line)
        if not line:
            continue
        start = 0
        for cut in _SENTENCE_END.finditer(line):
            if _ABBREVIATION.search(line[start : cut.start()]):
                continue
            pieces.append(line[start : cut.start()].strip())
            start = cut.end()
        pieces.append(line[start:].strip())
    return [p for p in pieces if p]


def stage_of(text: str) -> str | None:
    """The stage one sentence (or an agenda item) tells of, or None when it tells of none."""
    flat = normalize(text)
    for stage, pattern in _CUES:
        if pattern.search(flat):
            return str(stage)
    return None


def is_about_287g(text: str) -> bool:
    """A 287(g) mention with immigration context, in English or Spanish."""
    flat = normalize(text)
    if find_signals(flat):
        return True
    spans = mention_spans(flat)
    return any(re.search(r"\bICE\b|inmigra|migra", flat[max(0, s - 300) : e + 300]) for s, e in spans)


def _places(text: str, places: Gazetteer) -> list[Place]:
    found: list[Place] = []
    for m in _COUNTY.finditer(text):
        words = m["name"].split()
        for i in range(len(words)):
            name = " ".join(words[i:])
            counties = [c for c in places.counties(name) if c.name.split()[-1] == m["kind"] or m["kind"] == "County"]
            if counties:
                office = _SHERIFF_OFFICE.match(text, m.end())
                agency = f"{counties[0].name}{office.group(0)}" if office else ""
                found.append(Place("county", name, tuple(sorted({c.state for c in counties})), m.start() + len(
                    " ".join(words[:i])) + (1 if i else 0), agency.strip()))
                break
    for m in _COUNTIES.finditer(text):
        for key in ("a", "b"):
            counties = places.counties(m[key])
            if counties:
                found.append(Place("county", m[key], tuple(sorted({c.state for c in counties})), m.start(key)))
    for m in _COUNTY_OF.finditer(text):
        words = m["name"].split()
        for i in range(len(words), 0, -1):
            counties = places.counties(" ".join(words[:i]))
            if counties:
                found.append(Place("county", " ".join(words[:i]), tuple(sorted({c.state for c in counties})),
                                   m.start("name")))
                break
    for m in _CITY.finditer(text):
        key = next(k for k in "abcd" if m[k])
        words = m[key].split()
        for i in range(len(words)):
            name = " ".join(words[i:])
            if name in ("County", "The") or places.counties(name) and key in "bc" and not places.cities(name):
                continue
            cities = places.cities(name)
            if cities:
                agency = m.group(0)[m.start(key) - m.start() :].strip() if key == "c" else ""
                found.append(Place("city", name, tuple(sorted({c.state for c in cities})), m.start(key), agency))
                break
    for agency_name in places.agency_names():
        at = text.lower().find(agency_name.lower())
        if at >= 0:
            agencies = places.agencies(agency_name)
            found.append(Place("agency", agency_name, tuple(sorted({a.state for a in agencies})), at, agency_name))
    return sorted(found, key=lambda p: p.start)


def _state_evidence(text: str, places: Gazetteer, named: list[Place]) -> Counter[str]:
    votes: Counter[str] = Counter()
    folded_names = places.state_names()
    pattern = re.compile(r"\b(" + "|".join(sorted((re.escape(n) for n in folded_names), key=len, reverse=True))
                         + r")\b", re.IGNORECASE)
    for m in pattern.finditer(text):
        if m.group(0)[0].isupper() and not re.match(r"\s+(?:County|Parish|Street|Avenue|Ave|St)\b", text[m.end():]):
            votes[folded_names[m.group(0).lower()] if m.group(0).lower() in folded_names
                  else places.state(m.group(0)) or ""] += 2
    for m in _CITY_STATE.finditer(text):
        state = places.state(m["state"])
        if state:
            votes[state] += 2
    for place in named:
        for state in place.states:
            votes[state] += 1 / len(place.states)
    votes.pop("", None)
    return votes


def _choose_state(place: Place, votes: Counter[str]) -> str | None:
    if len(place.states) == 1:
        return place.states[0]
    ranked = sorted(place.states, key=lambda s: -votes[s])
    best, second = ranked[0], ranked[1]
    if votes[best] >= 1.5 and votes[best] > votes[second] + 0.5:
        return best
    return None


def _is_old(sentence: str, published: date | None) -> bool:
    if published is None:
        return False
    years = [int(y) for y in _YEAR.findall(sentence)]
    return bool(years) and max(years) <= published.year - OLD_NEWS_YEARS


def _stage_in(sentence: str) -> tuple[Stage, int] | None:
    hits = [(stage, m.start()) for stage, pattern in _CUES if (m := pattern.search(sentence))]
    if not hits:
        return None
    return min(hits, key=lambda hit: (_RANK[hit[0]], hit[1]))


def _to_signal(place: Place, state: str, stage: Stage, excerpt: str, places: Gazetteer) -> NewsSignal:
    if place.kind == "county":
        county = places.counties(place.name, state)[0]
        return NewsSignal(str(stage), state, county.name, county.fips, place.agency, excerpt)
    if place.kind == "agency":
        agency = next(a for a in places.agencies(place.name) if a.state == state)
        counties = places.counties(agency.county, state) if agency.county else ()
        jurisdiction = counties[0].name if counties else agency.name
        return NewsSignal(str(stage), state, jurisdiction, counties[0].fips if counties else None, agency.name,
                          excerpt)
    return NewsSignal(str(stage), state, f"City of {place.name}", None, place.agency, excerpt)


def read_report(title: str, text: str, *, places: Gazetteer, published: date | None = None) -> list[NewsSignal]:
    """The local signal a news or meeting report carries, as a list of one, or [] when it carries none."""
    title = normalize(title)
    if not is_about_287g(f"{title}\n{text}"):
        return []
    body = sentences(text)
    lead = [title, *body[:12]]
    title_places = _places(title, places)
    if _DECOY_TITLE.search(title) and not title_places:
        return []
    everything = "\n".join(lead + body[12:])
    votes = _state_evidence(everything, places, _places(everything, places))
    for sentence in lead:
        if not _TOPIC.search(sentence) or _is_old(sentence, published):
            continue
        found = _stage_in(sentence)
        if found is None:
            continue
        here = _places(sentence, places) if sentence is not title else title_places
        if not here and not (title_places and _LOCAL_ACTOR.search(sentence)):
            continue
        main = title_places[0] if title_places else here[0]
        state = _choose_state(main, votes)
        if state is None:
            return []
        signal = _to_signal(main, state, found[0], sentence, places)
        return [replace(signal, published=published)]
    return []


def same_signal(a: NewsSignal, b: NewsSignal, *, days: int = FOLD_DAYS) -> bool:
    """Two reports of one event: same state, place and stage, published within `days` of each other.

    Places compare by county FIPS and name when both have a FIPS, else by jurisdiction name;
    a report without a date folds by place and stage alone.
    """
    if a.stage != b.stage or a.state != b.state:
        return False
    if a.jurisdiction.casefold() != b.jurisdiction.casefold():
        return False
    if a.county_fips and b.county_fips and a.county_fips != b.county_fips:
        return False
    if a.published is None or b.published is None:
        return True
    return abs((a.published - b.published).days) <= days
