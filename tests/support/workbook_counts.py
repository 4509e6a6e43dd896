"""Counts read straight from ICE's workbooks with openpyxl, independently of the tracker's parser."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import openpyxl

from parsers.places import state_code

MODELS = {"jail enforcement model": "JEM", "task force model": "TFM", "warrant service officer": "WSO"}


def participating_counts(path: Path) -> tuple[Counter, Counter]:
    """(agreements per state, agreements per model) of one participating workbook, duplicates once."""
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    header: list[str] | None = None
    seen: set[tuple[str, str, str]] = set()
    for values in sheet.iter_rows(values_only=True):
        cells = [str(v).strip() if v is not None else "" for v in values]
        if header is None:
            header = [c.upper() for c in cells] if "STATE" in (c.upper() for c in cells) else None
            continue
        record = dict(zip(header, cells, strict=False))
        if not record.get("LAW ENFORCEMENT AGENCY"):
            continue
        state, _ = state_code(record["STATE"])
        model = MODELS[record["SUPPORT TYPE"].lower()]
        seen.add((state, " ".join(record["LAW ENFORCEMENT AGENCY"].lower().split()), model))
    return Counter(s for s, _, _ in seen), Counter(m for _, _, m in seen)
