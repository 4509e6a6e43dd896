"""Find mentions of a 287(g) agreement in local government text, the way a careful reader would.

A bare "287" is everywhere in public records (street numbers, US-287, Florida's procurement
chapter 287, case numbers), so a mention only counts as a signal when an immigration term sits
within ``CONTEXT_WINDOW`` characters of it, on either side, in whitespace-collapsed text.
300 characters is about fifty words: one agenda item, one press-release paragraph, or a PDF
line with its neighbours. Statutory sub-citations such as "287(g)(3)" follow the same rule,
so a budget policy that cites "287(g)(3)" is ignored while "Section 287(g)(1) of the
Immigration and Nationality Act" is a signal.

Written variants count alike: "287(g)", "287 (g)", "(287g)", "287g", "287-g", "287 g" and
"Section 287(g)"; a spaced capital ("287 G Street") is an address and never a mention.

Phrases a maintainer adds as ``keywords`` are taken at their word: they need no context.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

CONTEXT_WINDOW = 300
SNIPPET_RADIUS = 160

_MENTION = re.compile(
    r"""
    (?<![\w/#-])                      # not the tail of a case number like 2025-287G or #287G
    (?:
        (?:section\s+|sec\.\s*|§\s*)?287\s*\(\s*g\s*\)(?:\s*\(\s*\d+\s*\))?   # 287(g), 287 (g), 287(g)(1)
      | 287g\b                        # 287g, 287G, (287g)
      | 287\s*-\s*g(?![\w-])           # 287-g, 287-G
      | 287\s+(?-i:g)(?![\w.(-])       # 287 g; "287 G Street" keeps its capital and is an address
      | (?:section|sec\.)\s+287(?![\w.(/-])  # "Section 287" of the INA, not "Section 287.057" nor a
        (?=[^.;]{0,40}?(?:immigration\s+and\s+nationality|\bI\.?N\.?A\b|8\s+U\.?S\.?C))  # county code's
    )
    """,
    re.IGNORECASE | re.VERBOSE,
)

# Acronyms only count in capitals: "ice" and "ina" are ordinary words or names.
_CONTEXT_CASED = re.compile(r"\b(?:ICE|ERO|DHS|INA|WSO|HSI)\b")
_CONTEXT_ANYCASE = re.compile(
    r"""\b(?:
        immigration(?:\s+and\s+customs\s+enforcement)?
      | homeland\s+security
      | warrant\s+service\s+officers?
      | task\s+force\s+model
      | jail\s+enforcement\s+model
      | enforcement\s+and\s+removal
      | immigration\s+detainers?
      | detainers?
      | deportations?
      | removal\s+proceedings
      | undocumented
      | illegal\s+aliens?
      | (?:illegal|unlawful)\s+immigrants?
      | 8\s+U\.?S\.?C\.?\s*(?:§\s*)?1357
    )\b""",
    re.IGNORECASE | re.VERBOSE,
)

_SPACE = re.compile(r"\s+")

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_LONG_DATE = re.compile(
    r"\b(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b",
    re.IGNORECASE,
)
_US_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?!\d)")


@dataclass(frozen=True)
class SignalMatch:
    """One mention: the phrase as written, the term that gave it context, and where it sits."""

    matched: str
    context: str
    start: int
    end: int
    snippet: str
    distance: int = 0


def normalize(text: str) -> str:
    """Collapse whitespace so PDF line breaks and HTML indentation do not split phrases."""
    return _SPACE.sub(" ", text).strip()


def mention_spans(text: str) -> list[tuple[int, int]]:
    """Where "287(g)" is printed in any of its forms, context or not: for readers that judge context themselves."""
    return [(m.start(), m.end()) for m in _MENTION.finditer(text)]


def _context_near(text: str, start: int, end: int, window: int) -> tuple[str, int] | None:
    """The immigration term closest to the mention within the window, and how far away it is."""
    lo, hi = max(0, start - window), min(len(text), end + window)
    best: tuple[str, int] | None = None
    for pattern in (_CONTEXT_ANYCASE, _CONTEXT_CASED):
        for found in pattern.finditer(text, lo, hi):
            if found.start() < end and start < found.end():
                continue
            distance = start - found.end() if found.end() <= start else found.start() - end
            if best is None or distance < best[1]:
                best = (found.group(0), distance)
    return best


def strongest(matches: list[SignalMatch]) -> SignalMatch:
    """The mention with its immigration term closest: the one a reader should see first."""
    return min(matches, key=lambda m: (m.distance, m.start))


def snippet_around(text: str, start: int, end: int, radius: int = SNIPPET_RADIUS) -> str:
    """Cut at word boundaries and mark the cuts, so a reader sees the mention in its sentence."""
    lo, hi = max(0, start - radius), min(len(text), end + radius)
    if lo > 0:
        space = text.find(" ", lo, start)
        lo = space + 1 if space != -1 else lo
    if hi < len(text):
        space = text.rfind(" ", end, hi)
        hi = space if space != -1 else hi
    piece = text[lo:hi].strip()
    return ("… " if lo > 0 else "") + piece + (" …" if hi < len(text) else "")


def _keyword_pattern(keywords: Iterable[str]) -> re.Pattern[str] | None:
    words = sorted({normalize(k) for k in keywords if k and k.strip()}, key=len, reverse=True)
    if not words:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.IGNORECASE)


def find_signals(text: str, keywords: Iterable[str] = (), window: int = CONTEXT_WINDOW) -> list[SignalMatch]:
    """Every 287(g) mention with immigration context, plus every extra keyword, in reading order."""
    flat = normalize(text)
    found: list[SignalMatch] = []
    for mention in _MENTION.finditer(flat):
        near = _context_near(flat, mention.start(), mention.end(), window)
        if near is None:
            continue
        found.append(
            SignalMatch(
                matched=normalize(mention.group(0)),
                context=near[0],
                start=mention.start(),
                end=mention.end(),
                snippet=snippet_around(flat, mention.start(), mention.end()),
                distance=near[1],
            )
        )
    extra = _keyword_pattern(keywords)
    if extra is not None:
        taken = [(m.start, m.end) for m in found]
        for hit in extra.finditer(flat):
            if any(s < hit.end() and hit.start() < e for s, e in taken):
                continue
            found.append(
                SignalMatch(
                    matched=hit.group(0),
                    context="keyword",
                    start=hit.start(),
                    end=hit.end(),
                    snippet=snippet_around(flat, hit.start(), hit.end()),
                    distance=window + 1,
                )
            )
    return sorted(found, key=lambda m: m.start)


def guess_date(text: str) -> str | None:
    """The first plausible calendar date in the text as ISO 8601, or None; agendas date their items."""
    candidates: list[tuple[int, date]] = []
    for m in _LONG_DATE.finditer(text):
        _add(candidates, m.start(), int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2)))
    for m in _US_DATE.finditer(text):
        _add(candidates, m.start(), int(m.group(3)), int(m.group(1)), int(m.group(2)))
    for m in _ISO_DATE.finditer(text):
        _add(candidates, m.start(), int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if not candidates:
        return None
    return min(candidates)[1].isoformat()


def _add(candidates: list[tuple[int, date]], at: int, year: int, month: int, day: int) -> None:
    if not 1990 <= year <= 2100:
        return
    try:
        candidates.append((at, date(year, month, day)))
    except ValueError:
        return
