"""Read a news or meeting report about 287(g): is it a local signal, where, and how far along. Pure.

A report is a local signal when it tells of a named US county, city, sheriff or police
department moving toward, into or away from a 287(g) agreement. It needs three things to
agree: a 287(g) mention with immigration context (the matcher of `parsers.signals`, which
already refuses US-287 and other statutes), a stage cue in a sentence about the agreement,
and a named local place in that sentence or in the headline it continues. Explainers,
national counts, statewide laws and lawsuits name no local decision, or only an old one
(a year two or more before the report, or a past-perfect "had signed"), and are left alone.

The stage comes from a headline that names its place and states one (headlines are written
to say what happened), else from the strongest cue in the report's lead (`parsers.stages`
ranks them: decisions over process over intentions; "could end" and "had signed" are not
decisions). Sentences about a year two or more before the report, and decisions marked as
background ("last June", "initially"), are not the news.

One signal per report, for its main place: the first local place the headline names, else
the first the signal's sentence names. Reports of two decisions ("Lee and Collier
approve…", "Two Louisiana agencies team with ICE") are rare, and one well-placed signal
serves an organizer better than several half-placed ones; the other place stays readable
in the excerpt. A roundup of three or more places, or of places in three states, is a
count, not local news, and yields nothing.

The state is decided by evidence (`parsers.news_places`): a place named in one state only,
state names in the text and a dateline, large cities known by name ("Atlanta"), the
populations of like-named cities, and weakly the outlet's home state (the outlet's town is
never the place). ICE's lists are not evidence: news of a signing
comes before ICE lists the agency, so a namesake already on the list ("Jackson County,
FL") would pull a new county's news into the wrong state. A place left ambiguous yields no
signal rather than a guess: a signal routed to the wrong state's organizers is worse than
none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from parsers.gazetteer import AP_STATES, Gazetteer
from parsers.news_places import Place, choose_state, places_in, state_votes
from parsers.signals import find_signals, mention_spans, normalize
from parsers.stages import DECISIONS as _DECISIONS
from parsers.stages import RANK as _RANK
from parsers.stages import strongest
from vocabulary import Stage

FOLD_DAYS = 4
ROUNDUP_STATES = 3
ROUNDUP_PLACES = 3
OLD_NEWS_YEARS = 2
LEAD_SENTENCES = 8


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


_SHERIFF = re.compile(r"\b(?:sheriff|alguacil)", re.IGNORECASE)
_POLICE = re.compile(r"\b(?:police|polic[ií]a)\b", re.IGNORECASE)

_TOPIC = re.compile(
    r"287|\bICE\b|[Ii]mmigration|[Ii]nmigraci[oó]n|[Mm]igratori|[Tt]ask[- ][Ff]orce|[Ww]arrant [Ss]ervice|[Jj]ail "
    r"[Ee]nforcement|agreement|acuerdo|partnership|participa|program|contract|convenio|colaboraci[oó]n|memorand|MOA\b|MOU\b",
)
_LOCAL_ACTOR = re.compile(
    r"\b(?:commissioners?|commission|council(?:members?|man|woman)?|supervisors?|aldermen|board|sheriff|police|committee|"
    r"mayor|county|city|town|village|comisionados?|comisi[oó]n|concejo|concejales|alguacil|polic[ií]a|alcalde(?:sa)?|"
    r"condado|ciudad|junta|tribunal de comisionados)\b",
    re.IGNORECASE,
)
_COURT_TITLE = re.compile(r"\b(?:lawsuits?|sues|sued|suit|judge|court|ruling|demanda|juez|tribunal federal)\b",
                          re.IGNORECASE)
_DECOY_TITLE = re.compile(
    r"\b(?:explainer|what is|what to know|how many|map|data show|"
    r"analysis|study|report finds|legislature|lawmakers|bill would|states? (?:ban|terminate)|qu[eé] es|"
    r"mapa)\b|^(?:how|why|what|here'?s|c[oó]mo|qu[eé])\b",
    re.IGNORECASE,
)
# "el programa 287 g." ends a sentence; the agenda matcher reads a dotted "287 g." as an address.
_SPACED_G = re.compile(r"\b287 g\.(?!\w)")
# Headlines about the program, a state or the country rather than one place; their local
# news, if any, leads the story ("Two Louisiana agencies team with ICE" — "In February, …").
_NATIONAL_TITLE = re.compile(
    r"\b(?:Trump|Biden|Obama|administration|nationwide|national|across the (?:country|U\.?S\.?|nation)|states|"
    r"program that|program which)\b",
    re.IGNORECASE,
)
# Several offices in a headline ("Gulf Coast sheriffs sign on", "Mobile, Baldwin counties join") are local news
# when the report stays in one state, and a wider story when it does not.
_PLURAL_TITLE = re.compile(r"\b(?:agencies|sheriffs|police departments|counties)\b", re.IGNORECASE)
# "Four sheriff's departments and two state offices have signed": a count of offices, not the place named before it.
_COUNTED_OFFICES = re.compile(
    r"\b(?:\d+|two|three|four|five|six|seven|eight|nine|ten|dozens?|several|many|a handful of)\s+(?:[\w'’]+\s+){0,2}?"
    r"(?:offices|departments|agencies|sheriffs|counties|cities|jurisdictions)\b",
    re.IGNORECASE,
)
# "Two Louisiana agencies team with ICE": a brief on two places' decisions is their news, not a roundup.
_A_PAIR = re.compile(r"\b(?:two|2|both|a pair of|dos|ambos)\b", re.IGNORECASE)
# "In Collier County, Florida, the sheriff signed…": a place given as an example of a wider story.
_AN_EXAMPLE = re.compile(r"^(?:(?P<in>In)|For example|For instance|Among them|Take)\b(?P<words>[^,]{0,60}),")
# A headline's "287(g)" with its letter in parentheses is the program, context or not: a feed
# item read without its article (the page refused) has nothing else to go on.
_PROGRAM_IN_TITLE = re.compile(r"\b287\s*\(\s*g\s*\)", re.IGNORECASE)
# "an ICE (Immigration and Customs Enforcement) task force": the 287(g) task force model, whose reports may not say 287.
_ICE_TASK_FORCE = re.compile(r"\bICE(?:'s|’s)?\s+(?:\([^)]{0,60}\)\s+)?task[- ]force\b", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_SENTENCE_END = re.compile(r"(?<=[.!?;])[\"”’)]?\s+(?=[\"“¿¡(]?[A-Z0-9ÁÉÍÓÚÑ])")
_ABBREVIATION = re.compile(
    r"(?:\b(?:St|Ste|Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Lt|Sgt|Capt|Col|Gen|Jr|Sr|No|Co|Inc|vs|U\.S|Jan|Feb|Mar|Apr|Jun|"
    r"Jul|Aug|Sept?|Oct|Nov|Dec|Ft|Mt|Maj|Cmdr|Det|Dept)|\b[A-Z]|" + "|".join(re.escape(a[:-1]) for a in AP_STATES)
    + r")\.$"
)
# Words that mark a decision as background to the report, not its news.
_BACKGROUND = re.compile(r"\b(?:last (?:year|" + "|".join(_MONTHS) + r")|initially|previously|originally|earlier this "
                         r"year|in the past|years? ago|a year ago|el año pasado|anteriormente|inicialmente)\b",
                         re.IGNORECASE)


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
    stage = strongest(normalize(text))
    return str(stage) if stage else None


def is_about_287g(text: str) -> bool:
    """A 287(g) mention with immigration context, in English or Spanish, or ICE's task force by name."""
    flat = normalize(text)
    if find_signals(flat) or _ICE_TASK_FORCE.search(flat):
        return True
    spans = mention_spans(flat) + [(m.start(), m.end()) for m in _SPACED_G.finditer(flat)]
    return any(re.search(r"\bICE\b|inmigra|migra", flat[max(0, s - 300) : e + 300]) for s, e in spans)


def _is_old(sentence: str, published: date | None) -> bool:
    """A sentence about a year or more before the report: background, not news."""
    if published is None:
        return False
    years = [int(y) for y in _YEAR.findall(sentence)]
    if years and max(years) <= published.year - OLD_NEWS_YEARS:
        return True
    return False


def _best_in_lead(lead: list[str], title_places: list[Place], places: Gazetteer,
                  published: date | None) -> tuple[str, Stage, list[Place]] | None:
    """The lead sentence with the strongest stage cue that is about the agreement and a local place.

    A sentence whose actor is local ("the committee discussed…") but unnamed continues the
    place the headline or an earlier sentence of the lead named, as minutes and briefs do.
    """
    best: tuple[int, int, str, Stage, list[Place]] | None = None
    named_before: list[Place] = list(title_places)
    for position, sentence in enumerate(lead):
        here = places_in(sentence, places)
        if not _TOPIC.search(sentence) or _is_old(sentence, published):
            named_before = named_before or here
            continue
        stage = strongest(sentence)
        if stage is None or stage in _DECISIONS and _BACKGROUND.search(sentence):
            named_before = named_before or here
            continue
        if not here and named_before and _LOCAL_ACTOR.search(sentence) and not _COUNTED_OFFICES.search(sentence):
            here = named_before[:1]
        if here and (best is None or (_RANK[stage], position) < best[:2]):
            best = (_RANK[stage], position, sentence, stage, here)
        named_before = named_before or here
    return best[2:] if best else None


def _signal_sentence(title: str, lead: list[str], title_places: list[Place], places: Gazetteer,
                     published: date | None) -> tuple[str, Stage, list[Place]] | None:
    """The sentence that carries the signal, its stage, and the places it names.

    A headline that names its place and states a stage decides; one that names no place
    only stands in when the lead states no stage itself.
    """
    title_stage = None
    if _TOPIC.search(title) and (title_places or _LOCAL_ACTOR.search(title)) and not _is_old(title, published):
        title_stage = strongest(title)
    if title_stage is not None and title_places:
        support = next((s for s in lead if strongest(s) == title_stage and _TOPIC.search(s)), title)
        return support, title_stage, title_places
    found = _best_in_lead(lead, title_places, places, published)
    if found is not None or title_stage is None:
        return found
    named = next((s for s in lead if _TOPIC.search(s) and places_in(s, places)), None)
    return (named, title_stage, places_in(named, places)) if named else None


def _is_an_example(sentence: str, places: Gazetteer) -> bool:
    example = _AN_EXAMPLE.match(sentence)
    return bool(example) and (not example["in"] or bool(places_in(example["words"], places)))


def _certain_states(text: str, places: Gazetteer) -> set[str]:
    certain = set()
    for place in places_in(text, places):
        state, weight = max(place.weights, key=lambda w: w[1])
        if weight >= 0.9:
            certain.add(state)
    return certain


def _is_roundup(lead: list[str], places: Gazetteer) -> bool:
    """A lead naming places in several states is a national or regional roundup, not one place's news."""
    return len(_certain_states(" ".join(lead), places)) >= ROUNDUP_STATES


def _is_wider(title: str, body: list[str], lead: list[str], places: Gazetteer) -> bool:
    """A headline about the program, the country or offices in several states: its local news is not the story."""
    if _NATIONAL_TITLE.search(title):
        return not (_A_PAIR.search(title) or body and places_in(body[0], places))
    if _PLURAL_TITLE.search(title):
        text = " ".join([title, *lead])
        named = {places.state(m) for m in re.findall(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)?\b", text) if places.state(m)}
        return len(named | _certain_states(text, places)) != 1
    return False


def _to_signal(place: Place, state: str, stage: Stage, excerpt: str, places: Gazetteer, context: str) -> NewsSignal:
    """The signal for a place; its agency is the office named, else the sheriff or police the report speaks of."""
    if place.kind == "county":
        county = places.counties(place.name, state)[0]
        name, fips = county.name, county.fips
        office = place.agency or (f"{county.name} Sheriff's Office" if _SHERIFF.search(context) else "")
    else:
        name, fips = f"City of {places.cities(place.name, state)[0].name}", None
        office = place.agency or (f"{place.name} Police Department" if _POLICE.search(context) else "")
    listed = [a.name for a in places.agencies(office) if a.state == state] if office else []
    return NewsSignal(str(stage), state, name, fips, listed[0] if listed else office, excerpt)


def read_report(title: str, text: str, *, places: Gazetteer, published: date | None = None,
                outlet: str = "") -> list[NewsSignal]:
    """The local signal a news or meeting report carries, as a list of one, or [] when it carries none.

    `outlet` is the publisher's name as the feed gives it. It is never the place, but a
    local outlet reports on its own state: its name ("Tulsa World") is weak evidence that
    settles a county named in several states when the report itself says nothing more.
    """
    title = normalize(title)
    if not (_PROGRAM_IN_TITLE.search(title) or is_about_287g(f"{title}\n{text}")):
        return []
    body = [s for s in sentences(text) if s.casefold() != title.casefold()]
    title_places = places_in(title, places)
    if _COURT_TITLE.search(title) or _DECOY_TITLE.search(title) and not title_places:
        return []
    lead = body[:LEAD_SENTENCES]
    if not title_places and (_is_roundup(lead, places) or _is_wider(title, body, lead, places)):
        return []
    found = _signal_sentence(title, lead, title_places, places, published)
    if found is None:
        return []
    excerpt, stage, here = found
    if not (title_places or here) or not title_places and _is_an_example(excerpt, places):
        return []
    if not title_places and len({place.name for place in here}) >= ROUNDUP_PLACES:
        return []
    main = (title_places or here)[0]
    everything = "\n".join([title, *body])
    votes = state_votes(everything, places, places_in(everything, places), body[0] if body else "", outlet=outlet,
                        place=main.name)
    state = choose_state(main, votes)
    if state is None:
        return []
    signal = _to_signal(main, state, stage, excerpt, places, " ".join([title, *lead]))
    return [replace(signal, published=published)]


def same_signal(a: NewsSignal, b: NewsSignal, *, days: int = FOLD_DAYS) -> bool:
    """Two reports of one event: same state, place and stage, published within `days` of each other.

    Places compare by jurisdiction name, and by county FIPS when both have one; a report
    without a date folds by place and stage alone.
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
