"""Which stage of a 287(g) agreement a sentence tells of, from its wording. Pure; English and Spanish.

Used alike for news reports and agenda items. Each stage has the phrases that announce
it; a sentence's stage is its strongest cue, because a decision (ended, rejected, signed,
approved) outranks the process around it (scheduled, debated), which outranks an intention
(proposed). A failed motion to end an agreement is talk, not a decision, so it is checked
first. A decision phrase does not count when the words before it make it hypothetical or
past background: "could end", "if approved", "asked the council to rescind", "had signed".
"""

from __future__ import annotations

import re

from vocabulary import Stage

_AGREEMENT = r"(?:287|agreement|partnership|participation|contract|program|ties|relationship|memorandum|MOA|deal|pact)"
_UNDO = r"(?:end|terminate|rescind|exit|withdraw|cancel|pull out)"

# A headline's plural present ("Commissioners approve…") is a decision; after "to" or a modal it is not.
_NOT_INFINITIVE = r"(?<!\bto )(?<!\bwill )(?<!\bwould )(?<!\bcould )(?<!\bmay )(?<!\bmust )(?<!\bmight )"

# A failed motion to end an agreement: what follows it in the sentence ("…but it failed on a 3-2 vote") is that failure.
_FAILED_UNDO = (
    rf"(?:fail(?:ed|s)?|rejected|voted down|defeated|declined)\b[^.;]{{0,40}}?\b(?:motion|proposal|effort|bid|push|"
    rf"call|measure|resolution)s?\s+to\s+{_UNDO}",
    rf"motion to {_UNDO}[^.;]{{0,60}}?\bfail(?:ed|s)?",
    rf"declined to {_UNDO}",
)

# (stage, phrases) in the order a sentence is checked: decisions before process, process before intention.
PHRASES: tuple[tuple[Stage, tuple[str, ...]], ...] = (
    (Stage.DEBATED, _FAILED_UNDO),
    (Stage.ENDED, (
        r"terminat(?:ed|es|ing|e)\b", r"rescind(?:ed|s|ing)?\b",
        rf"end(?:ed|s|ing)?\s+(?!of\b)(?:[\w()'’-]+\s+){{0,4}}?{_AGREEMENT}", r"vot\w* (?:\S+ ){0,3}to end",
        r"in favor of (?:removing|ending|terminating)", r"exit(?:ed|s|ing)?\b", r"pull(?:ed|s|ing)? out",
        r"withdr(?:ew|awn|aws) from", r"cut(?:s|ting)? ties", r"dissolv(?:ed|es)", r"cancel(?:l?ed|s)\b",
        r"no longer (?:participat|part of|in the)", r"opt(?:ed|s)? out",
        r"puso fin", r"pone fin", r"poner fin", r"termin(?:ó|aron|ar)\b", r"rescindi(?:ó|eron)", r"cancel(?:ó|aron)",
        r"abandon(?:ed|s|ó|aron)", r"sever(?:s|ed|ing)? ties",
        rf"(?:drops|dropped|scraps|scrapped|quits|leaves|left)\s+(?:its |the |their )?(?:[\w()-]+\s+){{0,3}}?"
        rf"{_AGREEMENT}",
        r"termina\b", r"terminan\b", r"sale del programa", r"salió del programa",
        rf"moratorium on (?:[\w()'’-]+\s+){{0,4}}?{_AGREEMENT}",
        rf"suspend(?:ed|s|ing)? (?:[\w()'’-]+\s+){{0,4}}?{_AGREEMENT}",
    )),
    (Stage.REJECTED, (
        r"rejected", r"rejects", rf"{_NOT_INFINITIVE}reject\b",
        r"voted (?:\d+-\d+ )?(?:down|against|not to)", r"votes down", r"declined to",
        r"declines to", r"refus(?:ed|es) to", r"won'?t (?:sign|join|enter|pursue|seek|participate)",
        r"will not (?:sign|join|enter|pursue|seek|participate|apply)", r"shot down", r"walked back", r"walks back",
        r"withdr(?:ew|awn|aws) (?:the|its|his|her|a|an) (?:[\w-]+ ){0,2}(?:proposal|item|request|application|motion|"
        r"commitment)",
        r"(?:motion|proposal|measure|vote) (?:failed|died)",
        r"motion to (?:approve|adopt|enter|join)[^.;]{0,80}?\bfail",
        r"(?:voted|vote of|split|tied) (?P<tie>\d)-(?P=tie)\b", r"failed (?:in|on) a", r"tie vote", r"deadlock(?:ed)?",
        r"nix(?:es|ed)", r"turn(?:s|ed) down", r"says no to", r"said no to", r"votes? no\b", r"balk(?:s|ed) at",
        r"decided (?:not to|against) (?:join|participat|sign|enter|partner)\w*", r"decides (?:not to|against)",
        r"rechaz(?:ó|aron|a|an)", r"vot(?:ó|aron) en contra", r"no firmar(?:á|án)", r"se neg(?:ó|aron)",
    )),
    (Stage.SIGNED, (
        r"signed(?! off)", r"signs\b(?! off)", r"sign (?:task|jail|warrant|287|agreement|deal)", r"inked",
        r"entered into", r"(?:re)?joined", r"(?:re)?joins",
        rf"{_NOT_INFINITIVE}join (?:the |ICE)", r"officially (?:part|partner|join)",
        r"ICE (?:added|approved)", r"added to ICE", r"partnered with", r"partners with",
        r"team(?:s|ed)? (?:up )?with ICE",
        r"extended its", r"inks\b", r"enroll(?:s|ed)\b", r"signs? up\b", r"signed up", r"latest to join",
        r"announce[sd]? (?:a |its |the )?(?:new )?partnership",
        r"firm(?:ó|aron|a|an)\b", r"se un(?:ió|ieron|e|en)\b", r"se sum(?:ó|aron|a|an)\b", r"suscribi(?:ó|eron)",
        r"se registr(?:ó|aron)",
    )),
    (Stage.APPROVED, (
        r"approved", r"approves", rf"{_NOT_INFINITIVE}approve\b", r"OK'?d", r"OKs", rf"OK (?:\S+ ){{0,2}}{_AGREEMENT}",
        r"okayed", r"greenlit", r"green light", r"signed off", r"adopts",
        r"adopted", r"voted (?:\S+ ){0,3}(?:to|in favor)",
        r"votes? (?:\d+-\d+ )?to (?:approve|join|enter|sign|move forward|participate|authorize|allow)",
        r"authoriz(?:ed|es) (?:\w+ ){0,5}?to (?:sign|enter|join|execute|participate|move|proceed|negotiate|apply|"
        r"implement)",
        rf"authoriz(?:ed|es) (?:the |an? |its )?(?:[\w()-]+ ){{0,2}}{_AGREEMENT}",
        r"moved to approve[^.]*carried", r"motion (?:carried|passed)",
        r"agreed to (?:approve|join|sign|enter|allow)", r"gave (?:\w+ )?approval",
        r"back(?:s|ed)\b", r"moves? forward with", r"moved forward with", r"advance[sd]\b", r"greenlights?",
        r"aprob(?:ó|aron|ado|ada|ación)", r"aprueban?\b", r"luz verde", r"vot(?:ó|aron) a favor", r"sell(?:ó|aron)",
    )),
    (Stage.SCHEDULED, (
        r"will (?:vote|consider|decide|take up|weigh|hear|discuss)", r"to vote",
        r"(?:is|are) (?:scheduled|set|expected|slated) to (?:vote|consider|decide|take up)",
        r"on (?:the|its|their|\w+'s) agenda", r"agenda item", r"vote (?:is )?(?:set|scheduled) for", r"set to vote",
        r"could vote", r"public hearing (?:is )?set", r"to consider",
        r"to (?:weigh|decide|discuss|take up)", r"weighs?\b", r"mulls?\b",
        r"(?:discussion|consideration) and (?:possible )?action",
        r"consider(?:ation of)? (?:the )?(?:approv|adopt|authoriz)",
        r"request(?:ing|s)? (?:for )?approval", rf"approval of (?:a |an |the )?(?:[\w()-]+ ){{0,3}}?{_AGREEMENT}",
        r"(?:is|are) considering (?:a |an |the )?(?:resolution|measure|proposal|request|ordinance|memorandum)",
        r"votar(?:á|án)", r"considerar(?:á|án)", r"en la agenda", r"program(?:ad[oa]|ó) (?:una )?votaci[oó]n",
    )),
    (Stage.DEBATED, (
        r"discuss(?:ed|es|ing|ion)", r"debat(?:ed|ing)", r"public comment", r"spoke (?:against|out|in favor)",
        r"heard from", r"told (?:commissioners|the council|council members|the board|supervisors)", r"workshop",
        r"tabled", r"postpon(?:ed|es)", r"delayed", r"took no action", r"no action", r"no decision", r"pushed back",
        r"presentation", r"audit", r"raucous", r"opposition", r"oppose",
        r"asked (?:the )?(?:board|commissioners|council)",
        r"discuti(?:ó|eron|r)", r"debati(?:ó|eron|r)", r"aplaz(?:ó|aron)", r"pidieron",
    )),
    (Stage.PROPOSED, (
        r"(?:will|would|plans? to|intends? to|wants? to|hopes? to|seeks? to|(?:is|are) (?:seeking|applying|pursuing|"
        r"exploring|considering|looking)) (?:to )?(?:\w+ly )?(?:seek|apply|pursue|join|sign|enter|participate|start|"
        r"help)",
        r"applied", r"applies", r"application", r"intention to", r"would like to participate", r"propos(?:ed|al|es)",
        r"seeking", r"pursuing", r"exploring", r"explores", r"eyes\b", r"eyeing", r"considering joining",
        r"(?:poised|looks?|looking|set) to (?:partner|join|sign|enter|participate)",
        r"(?:is|are) joining",
        r"(?:wants?|wanted|hopes?|hoped|plans?|planned) to (?:partner|work|collaborate) with "
        r"(?:ICE|federal immigration)",
        r"solicit(?:ó|ará|ar|a)\b", r"planea", r"propuesta", r"busca",
    )),
)
CUES: tuple[tuple[Stage, re.Pattern[str]], ...] = tuple(
    (stage, re.compile(r"\b(?:" + "|".join(phrases) + r")\b", re.IGNORECASE)) for stage, phrases in PHRASES
)
# A stage ranks by its last place in the checks: a failed motion to end is talk, ranked as talk.
RANK = {stage: rank for rank, (stage, _) in enumerate(CUES)}
DECISIONS = frozenset({Stage.ENDED, Stage.REJECTED, Stage.SIGNED, Stage.APPROVED})

_NEGATED = re.compile(r"\b(?:not|n't|never|no|nor)\s+(?:\w+\s+)?$", re.IGNORECASE)
_NOT_NOW = re.compile(
    r"\b(?:" + "|".join((
        r"could", r"would", r"may", r"might", r"should", r"will", r"can", r"shall", r"whether to", r"to be", r"be",
        r"been", r"being", r"if", r"unless", r"not", r"n't", r"never", r"had", r"had already", r"had previously",
        r"(?:expected|set|scheduled|slated|poised|likely|going|about) to",
        r"plans? to", r"wants? to", r"seeks? to", r"hopes? to", r"ask\w* (?:\w+ ){0,3}to", r"urg\w* (?:\w+ ){0,4}to",
        r"(?:authority|power|ability|right|option|votes?|motion|petition|letter|campaign|calls?|effort|push|bid) to",
        r"call(?:s|ed|ing)? (?:on|for) (?:[\w'’]+ ){0,8}to", r"pledged? to", r"promised? to", r"vowed? to",
        r"podría", r"podrían", r"si",
    )) + r")\s+$",
    re.IGNORECASE,
)
_PLUPERFECT = re.compile(r"\b(?:had|hab[ií]a|hab[ií]an)\b(?![^,;]*,)", re.IGNORECASE)


_FAILED_UNDO_CUE = re.compile(r"\b(?:" + "|".join(_FAILED_UNDO) + r")", re.IGNORECASE)


def cues(sentence: str) -> list[tuple[Stage, int]]:
    """Every stage cue in a sentence that tells of something done or set, with its position."""
    hits = []
    failed = _FAILED_UNDO_CUE.search(sentence)
    for stage, pattern in CUES:
        for m in pattern.finditer(sentence):
            if failed and stage in (Stage.ENDED, Stage.REJECTED) and m.start() >= failed.start():
                continue
            before = sentence[max(0, m.start() - 60) : m.start()]
            if _NEGATED.search(before):
                continue
            if stage in DECISIONS and (_NOT_NOW.search(before) or _PLUPERFECT.search(sentence[: m.start()])):
                continue
            hits.append((stage, m.start()))
            break
    return hits


def strongest(sentence: str) -> Stage | None:
    """The stage a sentence tells of: its highest-ranked cue, the earliest of equals."""
    hits = cues(sentence)
    return min(hits, key=lambda hit: (RANK[hit[0]], hit[1]))[0] if hits else None
