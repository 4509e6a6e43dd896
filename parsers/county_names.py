"""The county an agency's own name places it in, when the name makes it certain. Pure.

ICE's COUNTY column is often blank (and later workbooks drop it for some rows). A sheriff,
jail or county board named "Marion County …" is in Marion County; "County of Orange …" in
Orange County; a Louisiana parish or an Alaska borough likewise. A city's police department
names no county, and a town can lie in several: those stay blank rather than guessed.
"""

from __future__ import annotations

import re

_KINDS = "County|Parish|Borough"
_WORD = r"[A-Z][A-Za-z.'’\-]*"
_NAME = rf"{_WORD}(?: (?:{_WORD}|du|de|la|le|des))*?"  # Fond du Lac, De Soto, LaSalle
LEADING = re.compile(rf"^(?:The )?(?P<name>{_NAME}) (?P<kind>{_KINDS})\b")
INVERTED = re.compile(rf"^(?:The )?(?P<kind>{_KINDS}) of (?P<name>{_NAME})(?: (?:Sheriff|Police|Board|Department|Jail|"
                      r"Detention|Correction|Office)|$)")
# Words that make "X County" part of something wider than one county.
NOT_ONE_COUNTY = re.compile(r"\b(?:Tri|Multi|Bi|Inter|Regional|City|Town|Village|and)\b", re.I)


def county_from_name(agency: str | None) -> str | None:
    """`Marion County Sheriff's Office` → `Marion County`; None when the name does not say."""
    if not agency:
        return None
    text = " ".join(agency.split())
    found = LEADING.match(text) or INVERTED.match(text)
    if found is None or NOT_ONE_COUNTY.search(found["name"]):
        return None
    return f"{found['name']} {found['kind']}"
