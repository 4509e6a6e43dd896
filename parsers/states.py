"""State names as ICE types them, to USPS codes.

ICE's sheet spells states in capitals, sometimes with typos (`UTAHJ`, `AlABAMA`). Exact
matches come from the `us` package; a typo falls back to fuzzy matching and is reported,
so a maintainer can see which rows were guessed.
"""

from __future__ import annotations

from functools import cache

FUZZY_MIN_SCORE = 85


@cache
def _names() -> dict[str, str]:
    import us  # loaded when a state is first read, not by every process that imports the parsers

    known = [*us.states.STATES_AND_TERRITORIES, us.states.DC]
    names = {s.name.upper(): s.abbr for s in known}
    names.update({s.abbr: s.abbr for s in known})
    return names


def state_code(raw: object) -> tuple[str | None, str | None]:
    """Return (USPS code, warning). The code is None when nothing is close enough."""
    if raw is None:
        return None, "state is empty"
    text = " ".join(str(raw).replace("\xa0", " ").split()).upper().rstrip(".")
    if not text:
        return None, "state is empty"
    names = _names()
    if text in names:
        return names[text], None
    import us
    from rapidfuzz import fuzz, process

    found = us.states.lookup(text)
    if found is not None:
        return found.abbr, f"state {raw!r} read as {found.abbr} (sounds alike)"
    best = process.extractOne(text, [n for n in names if len(n) > 2], scorer=fuzz.ratio)
    if best and best[1] >= FUZZY_MIN_SCORE:
        return names[best[0]], f"state {raw!r} read as {names[best[0]]} (fuzzy match {best[1]:.0f})"
    return None, f"state {raw!r} is not a US state or territory"


def is_state_code(code: str) -> bool:
    """A USPS code of a state, DC or a territory, exactly: for checking what people type in a URL."""
    return code.upper() in set(_names().values())
