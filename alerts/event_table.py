"""`events --format table`: the change log for a terminal, long names and sentences wrapped at word breaks.

A reporter reads it in a terminal window of any width: the fixed columns stay put and the
agency and the sentence on what changed wrap within their own columns, never cut mid-word.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Iterable, Iterator, Mapping
from itertools import zip_longest
from typing import Any

from alerts.event_text import EventRow, sentence, told_as_agreements

FIXED = (("published", 12), ("type", 18), ("st", 2), ("model", 5), ("signed", 12))
NARROWEST = 100  # below this the wrapped columns would be a word wide; the terminal wraps instead
GAP = "  "


def short_date(value: Any) -> str:
    """`2025-06-06T15:17:16Z` → `Jun 6, 2025`: a date a reader says, narrow enough for a column."""
    text = str(value or "")
    try:
        day = dt.date.fromisoformat(text[:10])
    except ValueError:
        return text
    return f"{day:%b} {day.day}, {day.year}"


def _cells(payload: Mapping[str, Any]) -> list[str]:
    return [short_date(payload.get("published_at") or payload.get("detected_at")), str(payload.get("type") or ""),
            str(payload.get("state") or ""), str(payload.get("model") or ""), short_date(payload.get("signed")),
            str(payload.get("agency") or payload.get("jurisdiction") or ""), sentence(payload)]


def table_lines(events: Iterable[tuple[int, Mapping[str, Any]]], width: int) -> Iterator[str]:
    """The header, then each event (seq, payload) as one or more lines; a signing once, as its new agreement."""
    rows = [EventRow(seq, payload) for seq, payload in events]
    told = told_as_agreements(rows)
    room = max(width, NARROWEST) - sum(w for _, w in FIXED) - len(GAP) * (len(FIXED) + 1)
    agency_width = max(20, room * 2 // 5)
    what_width = max(20, room - agency_width)
    widths = [w for _, w in FIXED] + [agency_width, what_width]
    yield _line([name for name, _ in FIXED] + ["agency", "what"], widths)
    for row in rows:
        if row.seq in told:
            continue
        cells = _cells(row.payload)
        wrapped = [textwrap.wrap(cell, w) or [""] for cell, w in zip(cells, widths, strict=True)]
        for parts in zip_longest(*wrapped, fillvalue=""):
            yield _line(list(parts), widths)


def _line(cells: list[str], widths: list[int]) -> str:
    return GAP.join(cell.ljust(w) for cell, w in zip(cells, widths, strict=True)).rstrip()
