"""Score MOA readings against the hand-read table: per field, how many are right, left
empty, or wrong.  Shared by the accuracy test and the benchmark, so both count alike."""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from pathlib import Path

from rapidfuzz import fuzz

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SAMPLES = FIXTURES / "moa"
EXPECTED = FIXTURES / "moa_expected.csv"

FIELDS = (
    "model", "agency", "lea_signer_name", "lea_signer_title", "lea_signer_date",
    "ice_signer_name", "ice_signer_title", "ice_signer_date", "ice_field_office",
    "revised", "pages", "pa_name", "pa_phone", "pa_email",
)
EXACT = {"model", "pages", "revised", "lea_signer_date", "ice_signer_date", "pa_email"}


def expected_rows() -> list[dict]:
    with EXPECTED.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def flatten(result: Mapping) -> dict:
    """One reading as the table's columns; results from before a field existed give None."""
    out = {k: result.get(k) for k in ("model", "agency", "revised", "pages", "ice_field_office")}
    for who in ("lea_signer", "ice_signer"):
        for key in ("name", "title", "date"):
            out[f"{who}_{key}"] = (result.get(who) or {}).get(key)
    contact = result.get("public_affairs") or {}
    for key in ("name", "phone", "email"):
        out[f"pa_{key}"] = contact.get(key)
    return out


def _norm(text: str) -> str:
    low = text.lower().replace("\u2019", "'").replace("'", "")
    low = re.sub(r"\bdept\b", "department", low)
    low = re.sub(r",\s*(fl|texas|tx|ga|ky|florida|georgia)\s*$", "", low)
    return " ".join(re.sub(r"[^a-z0-9@ ]+", " ", low).split())


def field_matches(field: str, expected: str, got: object) -> bool:
    if got in (None, ""):
        return expected == ""
    if expected == "":
        return False
    if field in EXACT:
        return str(got).lower() == expected.lower()
    if field == "pa_phone":
        return re.sub(r"\D", "", str(got)) == re.sub(r"\D", "", expected)
    return fuzz.token_sort_ratio(_norm(expected), _norm(str(got))) >= 88


def score(rows: list[dict], results: Mapping[str, Mapping]) -> tuple[dict, list[str]]:
    """{field: {"right", "empty", "wrong"}} and one line per wrong or empty value."""
    table = {f: {"right": 0, "empty": 0, "wrong": 0} for f in FIELDS}
    notes = []
    for row in rows:
        got = flatten(results[row["file"]])
        for field in FIELDS:
            value = got[field]
            if field_matches(field, row[field], value):
                table[field]["right"] += 1
                continue
            kind = "empty" if value in (None, "") else "wrong"
            table[field][kind] += 1
            notes.append(f"{kind:5} {row['file'][:32]:32} {field:17} want {row[field]!r} got {value!r}")
    return table, notes


def render(table: Mapping[str, Mapping[str, int]], title: str) -> str:
    lines = [title, f"  {'field':18} right empty wrong"]
    for field, counts in table.items():
        lines.append(f"  {field:18} {counts['right']:5d} {counts['empty']:5d} {counts['wrong']:5d}")
    return "\n".join(lines)
