"""Field readers for 287(g) Memoranda of Agreement, working on words with positions.

Every function here is pure: it takes words or strings that the PDF layer (text layer or
Tesseract) produced and returns plain values.  MOAs are mostly scanner output, so each
reader is written to return ``None`` when its evidence is weak: a reporter can fill a gap,
but a wrong signer name in print is a correction.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz

from parsers.places import is_state_code


@dataclass(frozen=True)
class Word:
    """One word with its box in PDF points and a confidence (100 for a text layer)."""

    x0: float
    top: float
    x1: float
    bottom: float
    text: str
    conf: float = 100.0

    @property
    def xc(self) -> float:
        return (self.x0 + self.x1) / 2


Line = list[Word]

MODELS = {
    "JEM": ("jail enforcement model", "jail enforcement"),
    "TFM": ("task force model", "task force"),
    "WSO": ("warrant service officer program", "warrant service officer"),
}

# What each template's PURPOSE clause says; the 2019 WSO template has no model in its heading.
PURPOSE_HINTS = {
    "WSO": "promote public safety by facilitating the custodial transfer",
    "JEM": "arrested and booked into",
}

# ICE officials who signed MOAs in the period the samples cover; OCR'd ICE names are snapped
# to these only when the match is close, so a misread letter does not reach a reporter.
KNOWN_ICE_SIGNERS = (
    "Caleb Vitello",
    "Todd M. Lyons",
    "Todd Lyons",
    "C.M. Cronen",
    "Timothy S. Robbins",
    "Matthew T. Albence",
    "Thomas D. Homan",
    "Tae D. Johnson",
    "Enrique M. Lucero",
)

# ICE Enforcement and Removal Operations field offices, as the templates name them.
FIELD_OFFICES = (
    "Atlanta", "Baltimore", "Boston", "Buffalo", "Chicago", "Dallas", "Denver", "Detroit",
    "El Paso", "Harlingen", "Houston", "Los Angeles", "Miami", "New Orleans", "New York City",
    "Newark", "Philadelphia", "Phoenix", "Salt Lake City", "San Antonio", "San Diego",
    "San Francisco", "Seattle", "St. Paul", "Washington",
)

SHIFT = 29
SHIFTED_LABEL = re.compile(r"(Name|Title|Date|Signature|Agency|FortheLEA|ForICE|For|the|LEA|ICE):?(_*)")
SHIFTED_WORDS = {"fortheLEA".lower(): "For the LEA", "forice": "For ICE"}

MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    )
}

NAME_STOPWORDS = {
    "date", "signature", "title", "name", "agency", "for", "ice", "lea", "the", "office",
    "county", "department", "dept", "police", "sheriff", "sheriffs", "enforcement", "immigration",
    "customs", "director", "acting", "security", "homeland", "operations", "removal", "chief",
    "of", "and", "u.s.", "us", "program", "model", "state", "city", "digitally", "signed", "by",
    "assistant", "executive", "associate", "field", "public", "safety", "jailer", "commissioner",
    "appendix", "contact", "points", "washington", "dc", "memorandum", "agreement", "moa",
    "division", "professional", "standards", "information", "affairs", "officer", "unit", "bureau",
    "services", "street", "avenue", "road", "suite", "box", "center", "jail", "detention", "sheriff's",
    "pio", "captain", "deputy", "lieutenant", "sergeant", "major", "mayor", "manager", "undersheriff",
    "ero", "dhs", "fod", "north", "south", "east", "west", "highway", "hwy", "drive", "lane",
}
NAME_PREFIXES = {
    "sheriff", "chief", "commissioner", "director", "mr.", "ms.", "mrs.", "dr.", "colonel", "captain",
    "capt.", "lt", "lt.", "lieutenant", "sgt", "sgt.", "sergeant", "major", "undersheriff",
}
NAME_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}
AGENCY_WORDS = (
    "sheriff", "police", "county", "department", "dept", "office", "public safety", "detention",
    "jail", "correction", "marshal", "patrol", "city", "state", "parish", "commission",
    "authority", "division", "bureau",
)
TITLE_WORDS = (
    "sheriff", "chief", "director", "commissioner", "jailer", "police", "colonel", "marshal",
    "secretary", "mayor", "manager", "officer", "captain", "judge", "executive", "administrator",
    "superintendent", "warden", "president", "deputy",
)
# A name read under the confidence floor may still be used when the document names the same
# person elsewhere: two weak readings that agree are strong evidence.
WEAK_CONF = 30.0
LABELS = ("date", "name", "title", "agency", "signature")


def group_lines(words: list[Word], tolerance: float = 4.0) -> list[Line]:
    """Group words into reading-order lines, because both pdfplumber and Tesseract hand back
    words, and the signature block has to be read column by column."""
    lines: list[Line] = []
    for w in sorted(words, key=lambda w: ((w.top + w.bottom) / 2, w.x0)):
        mid = (w.top + w.bottom) / 2
        if lines:
            last = lines[-1]
            last_mid = sum((x.top + x.bottom) / 2 for x in last) / len(last)
            if abs(mid - last_mid) <= tolerance:
                last.append(w)
                continue
        lines.append([w])
    return [sorted(line, key=lambda w: w.x0) for line in lines]


def line_text(line: Line) -> str:
    return " ".join(w.text for w in line)


def tidy(text: str) -> str:
    """Drop the fill-in underscores and scanner debris that surround typed values."""
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("_", "")
    text = re.sub(r"[~|\u00ad]+", " ", text)
    text = re.sub(r"\s+", " ", text)
    return text.strip(" .,:;-=\"'*\\")


def _valid_date(y: int, m: int, d: int) -> str | None:
    if y < 100:
        y += 2000
    if not 2000 <= y <= 2039:
        return None
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def parse_date(text: str) -> str | None:
    """Read one date as ISO 8601 from a signature line; None unless it is unambiguous."""
    t = text.replace("O", "0") if re.search(r"\d", text) and not re.search(r"[A-Za-z]{3}", text) else text
    m = re.search(r"\b(20\d\d) ?\. ?(\d\d) ?\. ?(\d\d)\b", t)
    if m:
        return _valid_date(int(m[1]), int(m[2]), int(m[3]))
    m = re.search(r"\b(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{4}|\d{2})(?!\d)", t)
    if m:
        return _valid_date(int(m[3]), int(m[1]), int(m[2]))
    m = re.search(r"\b([A-Za-z]{3,9})\.?\s+(\d\s?\d|\d)\s*,?\s+(\d\s?\d\s?\d\s?\d)\b", t)
    if m:
        month = MONTHS.get(m[1][:3].lower())
        if month and (len(m[1]) == 3 or fuzz.ratio(m[1].lower(), _month_name(month)) >= 80):
            return _valid_date(int(m[3].replace(" ", "")), month, int(m[2].replace(" ", "")))
    return None


def _month_name(month: int) -> str:
    return date(2000, month, 1).strftime("%B").lower()


def clean_person_name(text: str) -> str | None:
    """Return a person's name if the text plausibly is one, else None (OCR debris, labels)."""
    text = tidy(re.sub(r"\([^)]*\)", " ", text))
    if "\u2022" in text:
        return None
    tokens = text.split()
    while tokens and tokens[0].lower().rstrip(".") + ("." if tokens[0].endswith(".") else "") in NAME_PREFIXES:
        tokens = tokens[1:]
    if not 2 <= len(tokens) <= 5:
        return None
    core: list[str] = []
    initials: list[str] = []
    for tok in tokens:
        bare = tok.strip(",")
        low = bare.lower()
        if low in NAME_STOPWORDS:
            return None
        if low in NAME_SUFFIXES:
            continue
        if re.fullmatch(r"(?:[A-Z]\.){1,3}", bare) or re.fullmatch(r"[A-Z]", bare):
            initials.append(bare)
            continue
        if not re.fullmatch(r"[A-Z][A-Za-z'\-]+\.?", bare):
            return None
        core.append(bare)
    if not all(re.search(r"[aeiouyAEIOUY]", w) for w in core):
        return None
    if not core or (len(core) < 2 and not initials):
        return None
    if all(t.isupper() for t in core if len(t) > 2):
        tokens = [t if t.lower().strip(",") in NAME_SUFFIXES or "." in t else t.title() for t in tokens]
    return " ".join(tokens).strip(",")


def known_ice_signer(names: list[str]) -> str | None:
    """The first of ``names`` that is an ICE official known to sign MOAs, as read."""
    for name in names:
        if max(fuzz.ratio(k.lower(), name.lower()) for k in KNOWN_ICE_SIGNERS) >= 90:
            return name
    return None


def snap_ice_name(name: str | None) -> str | None:
    """Correct a near-miss OCR reading of a known ICE signer; keep anything else as read."""
    if not name:
        return name
    best = max(KNOWN_ICE_SIGNERS, key=lambda k: fuzz.ratio(k.lower(), name.lower()))
    return best if 85 <= fuzz.ratio(best.lower(), name.lower()) < 100 else name


def _label(line_str: str) -> tuple[str | None, str]:
    """Split 'Title: Sheriff' into ('title', 'Sheriff'), tolerating OCR'd labels ('T itle.')."""
    m = re.match(r"\s*([A-Za-z1][A-Za-z1 ]{2,10}?)\s*[:.,;·\-_]+\s*(.*)$", line_str)
    if m:
        head = m[1].replace(" ", "").replace("1", "i").lower()
        for lab in LABELS:
            if head == lab or (len(head) >= 4 and fuzz.ratio(head, lab) >= 75):
                return lab, m[2]
    m = re.match(r"\s*for\s+(?:the\s+)?(lea|ice)\s*[:.;]?\s*(.*)$", line_str, re.I)
    if m:
        return "for", m[2]
    return None, line_str


def _conf(words: list[Word]) -> float:
    """The weakest OCR confidence among the words that carry letters or digits ('|' and
    rules don't): one misread word is enough to make a name wrong."""
    real = [w.conf for w in words if re.search(r"[A-Za-z0-9]", w.text)]
    return min(real) if real else 0.0


def _date_conf(words: list[Word]) -> float:
    """Confidence of a date is that of its digits: a month's name is checked against the
    calendar by ``parse_date``, and OCR often doubts a word written on a fill-in line."""
    digits = [w for w in words if re.search(r"\d", w.text)]
    return _conf(digits)


def _remainder_words(line: Line, remainder: str) -> list[Word]:
    n = len(remainder.split())
    return line[len(line) - n:] if n else []


class _Column:
    """One party's column: its lines, their text and labels, and the values each label gives."""

    def __init__(self, lines: list[Line]) -> None:
        self.lines = lines
        self.texts = [line_text(line) for line in lines]
        self.labels = [_label(text) for text in self.texts]
        self.labelled: dict[str, list[tuple[int, str, list[Word]]]] = {}
        for i, (line, (lab, rest)) in enumerate(zip(lines, self.labels, strict=True)):
            if lab:
                self.labelled.setdefault(lab, []).append((i, rest, _remainder_words(line, rest)))
        self.every_line = [(text, line) for line, text in zip(lines, self.texts, strict=True)]

    def values(self, key: str, near: bool = True) -> list[tuple[str, list[Word]]]:
        """The label's own value first, then an unlabelled line just above or below it."""
        found = []
        for i, rest, words in self.labelled.get(key, []):
            found.append((rest, words))
            for j in (i - 1, i + 1) if near else ():
                if 0 <= j < len(self.lines) and self.labels[j][0] is None:
                    found.append((self.texts[j], self.lines[j]))
        return found


def _first_value(candidates: list[tuple[str, list[Word]]], min_conf: float, read: Callable[[str], str | None],
                 fits: Callable[[str], object] = bool) -> str | None:
    """The first candidate that reads as a value, fits, and whose every word reaches ``min_conf``."""
    for value, words in candidates:
        found = read(value)
        if found and _conf(words) >= min_conf and fits(found):
            return found
    return None


def read_signer_column(lines: list[Line], *, min_conf: float = 65.0) -> dict:
    """Read name, title, date and agency from one party's column of a signature block.

    Handles the 2025 templates (Date:/Signature:/Name:/Title:/Agency: labels, the value on
    the label's line or typed just above or below an empty one, sometimes a name typed after
    'For ICE:') and the 2019-2020 ones (date line, signature, then name and title lines).
    A value is taken only when every word of it reaches ``min_conf``.
    """
    out: dict = {"name": None, "title": None, "date": None, "agency": None}
    column = _Column(lines)
    # Every value that parses, however weakly it was read, with the words it came from: a
    # caller can read that spot again at a finer resolution to confirm or drop it.
    seen: dict[str, list[tuple[str, list[Word]]]] = {"date": []}
    for value, words in column.values("date") + column.every_line:
        iso = parse_date(tidy(value))
        if iso:
            seen["date"].append((iso, words))
            if out["date"] is None and _date_conf(words) >= min_conf:
                out["date"] = iso
    for key in ("name", "for", "signature"):
        out["name"] = _first_value(column.values(key, near=key == "name"), min_conf, clean_person_name)
        if out["name"]:
            break
    out["title"] = _first_value(column.values("title"), min_conf, tidy,
                                lambda title: is_title(title) and not clean_person_name(title))
    out["agency"] = _first_value(column.values("agency"), min_conf, tidy, _plain)
    if not column.labelled.get("name") and not column.labelled.get("title"):
        _read_unlabelled(lines, column.texts, out, min_conf)
    out.update(_second_readings(column, seen, min_conf))
    return out


def _second_readings(column: _Column, seen: dict[str, list[tuple[str, list[Word]]]], min_conf: float) -> dict:
    """Names read weakly (under the floor) or on lines that no label claims (a value typed off
    its line, a stamp): the caller takes one only when another part of the document, or ICE's
    list of its signing officials, names the same person."""
    weak = min(min_conf, WEAK_CONF)
    every_line = column.every_line
    names = [
        name for value, words in column.values("name", near=False) + every_line
        if _conf(words) >= weak and (name := clean_person_name(value))
    ]
    seen["name"] = [
        (name, words) for value, words in column.values("name") + every_line
        if (name := clean_person_name(_label(value)[1]))
    ]
    seen["title"] = [
        (title, words) for value, words in column.values("title") + every_line
        if _title_only(title := tidy(_label(value)[1]))
    ]
    # Typed text (not OCR) needs no second reading: a name typed in the column is the signer's.
    typed = [
        name for line, text, (lab, _) in zip(column.lines, column.texts, column.labels, strict=True)
        if lab is None and _conf(line) >= 100 and (name := clean_person_name(text))
    ]
    return {"names": names, "seen": seen, "typed": typed}


def read_strip(kind: str, words: list[Word], min_conf: float) -> list[str]:
    """The values of ``kind`` (name, title or date) read with confidence in a strip of a
    signature block that was OCR'd again on its own."""
    found = []
    for line in group_lines(words, tolerance=5.0):
        rest = _label(line_text(line))[1]
        rest_words = _remainder_words(line, rest)
        if kind == "date":
            iso = parse_date(tidy(rest))
            if iso and _date_conf(rest_words) >= min_conf:
                found.append(iso)
        elif kind == "name":
            name = clean_person_name(rest)
            if name and _conf(rest_words) >= min_conf:
                found.append(name)
        elif _title_only(title := tidy(rest)) and _conf(rest_words) >= min_conf:
            found.append(title)
    return found


def _title_only(text: str) -> bool:
    """A job title on a line of its own: not a name, and not the agency's name under it
    ("Cecil County Sheriff's Office" has a title word in it)."""
    return is_title(text) and not clean_person_name(text) and not AGENCY_NAME.search(text)


AGENCY_NAME = re.compile(r"\b(?:office|department|dept|sheriff'?s|agency)\b", re.I)


def is_title(text: str) -> bool:
    """A job title has a title word in it; handwriting OCR ('Sheu fates') does not."""
    words = re.findall(r"[a-z]+", text.lower())
    return _plain(text) and any(w in TITLE_WORDS for w in words)


def _plain(text: str) -> bool:
    """True when a value reads like words rather than a scribble's OCR."""
    words = re.findall(r"[A-Za-z][A-Za-z'.,]*", text)
    return bool(words) and sum(len(w) for w in words) >= 0.7 * len(text.replace(" ", ""))


def _read_unlabelled(lines: list[Line], texts: list[str], out: dict, min_conf: float) -> None:
    """2019-2020 templates: the typed name sits under the signature, the title under it.
    A digital-signature stamp also holds a name, but no title follows it."""
    fallback = None
    for i, (line, text) in enumerate(zip(lines, texts, strict=True)):
        if _label(text)[0] or _conf(line) < min_conf:
            continue
        name = clean_person_name(text)
        if not name:
            continue
        fallback = fallback or name
        nxt = texts[i + 1] if i + 1 < len(lines) else ""
        title = tidy(nxt)
        if (
            nxt
            and _conf(lines[i + 1]) >= min_conf
            and _label(nxt)[0] is None
            and not clean_person_name(nxt)
            and is_title(title)
            and not re.search(r"immigration|homeland|department|digitally", title, re.I)
        ):
            out["name"], out["title"] = out["name"] or name, out["title"] or title
            return
    out["name"] = out["name"] or fallback


def is_ice_column(lines: list[Line]) -> bool | None:
    text = " ".join(line_text(line) for line in lines).lower()
    if re.search(r"for\s+ice", text):
        return True
    if re.search(r"for\s+the\s+lea", text):
        return False
    if re.search(r"immigration|homeland security|removal operations", text):
        return True
    return None


def find_model(heading: str, body: str, title: str | None, hint: str | None) -> tuple[str | None, str]:
    """The model from the heading; the purpose clause, PDF title and workbook as fallbacks."""
    head = heading.lower()
    for model, (phrase, _) in MODELS.items():
        if fuzz.partial_ratio(phrase, head) >= 88:
            return model, "heading"
    low = re.sub(r"\s+", " ", body.lower())
    for model, phrase in PURPOSE_HINTS.items():
        if fuzz.partial_ratio(phrase, low[:6000]) >= 90:
            return model, "purpose clause"
    counts = {m: sum(low.count(p) for p in phrases) for m, phrases in MODELS.items()}
    if max(counts.values()) >= 2:
        return max(counts, key=lambda m: counts[m]), "body text"
    if title:
        m = re.search(r"\b(JEM|TFM?|WSO)\b", title)
        if m:
            return ("TFM" if m[1].startswith("TF") else m[1]), "PDF title"
    if hint:
        h = hint.upper()
        for model in MODELS:
            if model in h or (model == "TFM" and "TASK" in h) or (model == "JEM" and "JAIL" in h):
                return model, "workbook"
    return None, "none"


def looks_like_agency(text: str | None) -> bool:
    if not text or not 6 <= len(text) <= 90 or "\u2022" in text:
        return False
    low = text.lower()
    if not any(re.search(rf"\b{w}", low) for w in AGENCY_WORDS):
        return False
    words = re.findall(r"[A-Za-z']+", text)
    if len(words) < 2:
        return False
    return all(re.search(r"[aeiouy]", w.lower()) or len(w) <= 4 for w in words)


def agency_from_parties(text: str) -> str | None:
    """The agency named in the PARTIES clause ('... (DHS), and the X, hereinafter ...')."""
    flat = re.sub(r"\s+", " ", text.replace("_", ""))
    m = re.search(
        r"\([A-Z][A-Z\- ]{0,3}S\)\s*,?\s*and\s+(?:the\s*)?(.{3,120}?)\s*(?:[,;]\s*hereinafter|\(hereinafter|"
        r"[,;]\s*pursuant|\s+pursuant|\s*\([A-Z ]{2,8}\)\s*,)",
        flat,
    )
    if not m:
        return None
    value = tidy(re.sub(r"\s*\([A-Z .]{2,10}\)\s*$", "", m[1]))
    value = re.sub(r"^the(?=[A-Z])", "", value)
    if re.match(r"[A-Z]{2,6}\s+(?:County|City|Parish)\b", value):
        # 'the HCSO County Sheriffs Office': the template's blank filled with an acronym;
        # the full name is elsewhere in the clause.
        return _named_in_body(flat)
    return value if looks_like_agency(value) else None


def _named_in_body(flat: str) -> str | None:
    names = Counter(
        m[1] for m in re.finditer(r"\b((?:[A-Z][a-z]+ ){1,3}(?:County|Parish) Sheriff'?s Office)", flat)
    )
    return names.most_common(1)[0][0] if names else None


def place_from_title(title: str | None) -> str | None:
    """'287(g) MOA TF - Kenneth City PD' -> 'Kenneth City PD': the uploader's own label."""
    if not title:
        return None
    m = re.search(r"[-\u2013]\s*(.+)$", title) or re.search(r"\band\s+(.+)$", title)
    return tidy(m[1]) if m else None


def agrees(candidate: str, evidence: str | None, threshold: float = 80) -> bool:
    if not evidence:
        return False
    a, b = _norm_agency(candidate), _norm_agency(evidence)
    return fuzz.token_set_ratio(a, b) >= threshold or fuzz.partial_ratio(a, b) >= 90


def _norm_agency(text: str) -> str:
    low = text.lower().replace("'", "")
    low = re.sub(r"\bdept\b\.?", "department", low)
    low = re.sub(r"\bco\b\.?", "county", low)
    low = re.sub(r"\bpd\b", "police department", low)
    low = re.sub(r"\bso\b", "sheriffs office", low)
    low = re.sub(r"[^a-z ]+", " ", low)
    return re.sub(r"\s+", " ", low).strip()


def footer_agencies(page_tails: list[list[str]]) -> list[tuple[str, int]]:
    """Agencies printed in page footers (the 2020+ templates do this), with page counts."""
    counts: Counter[str] = Counter()
    for tail in page_tails:
        seen = set()
        for text in tail:
            text = re.sub(r"\bRe[vV]ised\b.*$", "", text)
            text = tidy(re.sub(r"(^|\s)\d{1,2}(\s|$)", " ", text))
            if looks_like_agency(text) and text not in seen:
                seen.add(text)
                counts[text] += 1
    return counts.most_common()


def revised_date(page_texts: list[str]) -> str | None:
    """The template's 'Revised mm/dd/yyyy' footer, by majority over pages (OCR misreads vary)."""
    votes: Counter[str] = Counter()
    for text in page_texts:
        for m in re.finditer(r"Re[vV]is[ec]d\s*(\d{1,2})\s*/\s*(\d\s?\d?)\s*/\s*(\d{4})", text):
            iso = _valid_date(int(m[3]), int(m[1]), int(m[2].replace(" ", "")))
            if iso:
                votes[iso] += 1
    if not votes:
        return None
    iso, n = votes.most_common(1)[0]
    return iso if n >= max(1, sum(votes.values()) // 2) else None


def poc_name(text: str) -> str | None:
    """The LEA's point of contact from Appendix A: often the signer, spelled out in full."""
    m = re.search(r"POINTS\s*OF\s*CONTACT\s*\n(?:.*\n){0,8}?\s*For\s+the\s+LEA\s*:?\s*([^\n]+)", text)
    return clean_person_name(m[1]) if m else None


def unshift_labels(text: str) -> str:
    """Undo the fixed character shift some Word-made MOAs carry in their text layer.

    Their subset fonts map every glyph 29 code points low, so 'Name:____' is extracted as
    '1DPHBBBB'.  Only whole words that decode to a signature-block label are replaced: body
    text in the same font is never needed, and a guess there could invent words."""

    def one(m: re.Match[str]) -> str:
        decoded = "".join(chr(ord(c) + SHIFT) if 32 <= ord(c) + SHIFT < 127 else c for c in m[0])
        label = SHIFTED_LABEL.fullmatch(decoded)
        if not label:
            return m[0]
        word = label[1]
        if word in ("For", "the"):
            return word
        return (SHIFTED_WORDS.get(word.lower(), word) + ":" + label[2]).replace("::", ":")

    return re.sub(r"[\x21-\x7e]{3,}", one, text)


def field_office(text: str) -> str | None:
    """The ERO field office the 2019-2025 JEM and WSO templates name as ICE's point of
    contact ('For DHS: ERO Dallas Field Office Director'); only one of ICE's known offices."""
    for m in re.finditer(r"(?:For\s*[DO0]\s*H\s*S\s*[:;.,]?|\b[DO0]HS\s*:)[ \t]*([^\n]{0,60})", text):
        value = re.sub(r"\b(?:ICE|ERO|the)\b", " ", m[1], flags=re.I)
        value = re.split(r",|\bField\b|\bOffice\b|\bDirector\b|\bFOD\b", value, flags=re.I)[0]
        value = re.sub(r"[^A-Za-z. ]", " ", value)
        value = " ".join(value.split())
        if not value:
            continue
        best = max(FIELD_OFFICES, key=lambda office: fuzz.ratio(office.lower(), value.lower()))
        if fuzz.ratio(best.lower(), value.lower()) >= 90:
            return best
    return None


PA_HEADING = re.compile(r"PUBLIC[\s-]*INFORMATION\s+POINTS?\s+OF\s+CONT\s?ACTS?", re.I)
PHONE = re.compile(r"(?<!\d)\(?(\d{3})\)?[\s.\-]{0,2}(\d{3})\s?[\-.]\s?(\d{4})(?!\d)")
EMAIL = re.compile(r"\b[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.(?:gov|org|com|us|net|edu)\b")


def public_affairs(text: str) -> dict:
    """The LEA's press contact in the 'Public Information Points of Contact' appendix: name,
    phone and email, each only when it is plainly there (the blanks are often left empty)."""
    out: dict = {"name": None, "phone": None, "email": None}
    heading = PA_HEADING.search(text)
    if not heading:
        return out
    body = text[heading.end():]
    start = re.search(r"For\s+the\s+[^\n:]{2,60}:", body)
    if not start:
        return out
    body = body[start.end():]
    end = re.search(r"For\s+ICE\b|Revised\s+\d", body)
    section = body[: end.start()] if end else body[:600]
    for line in section.splitlines():
        if re.search(r"\d|@", line):
            continue
        first = re.split(r",|\s{3,}", line.strip())[0]
        name = clean_person_name(first)
        if name:
            out["name"] = name
            break
    phone = PHONE.search(section)
    if phone:
        out["phone"] = "-".join(phone.groups())
    email = EMAIL.search(section)
    if email and _plausible_email(email[0].lower(), out["name"]):
        out["email"] = email[0].lower()
    return out


def _plausible_email(email: str, name: str | None) -> bool:
    """Catch the OCR slips an address cannot survive: a '.us' domain must name a state
    ('co.terrell.bc.us' is a misread 'tx'), and a part that nearly spells the contact's
    name must spell it exactly ('gerajd.widdoes' for Gerald Widdoes)."""
    local, _, domain = email.partition("@")
    parts = domain.split(".")
    if parts[-1] == "us" and (len(parts) < 2 or not is_state_code(parts[-2].upper())):
        return False
    if name:
        tokens = [t.lower() for t in re.findall(r"[A-Za-z]{3,}", name)]
        for piece in re.findall(r"[a-z]{3,}", local):
            for token in tokens:
                if piece not in token and token not in piece and fuzz.ratio(piece, token) >= 80:
                    return False
    return True
