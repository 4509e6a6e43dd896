"""What counts as a 287(g) signal, judged the way a newsroom would."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from parsers.signals import CONTEXT_WINDOW, find_signals, guess_date

SIGNALS = [
    ("Approve the 287(g) agreement between the Sheriff and ICE.", "287(g)"),
    ("Sheriff to join 287 (g) program with Immigration and Customs Enforcement", "287 (g)"),
    ("Commissioners hear public comment on the sheriff's 287g partnership with ICE", "287g"),
    ("An agreement under Section 287 of the Immigration and Nationality Act", "Section 287"),
    ("pursuant to Section 287(g)(1) of the INA, 8 U.S.C. 1357(g)", "Section 287(g)(1)"),
    ("Deputies trained under the 287(G) Warrant Service Officer model", "287(G)"),
    ("Task Force Model: the county's 287(g)\nagreement was signed on June 2", "287(g)"),
    ("detainers will be honored as part of the jail's 287(g) program", "287(g)"),
    ("Resolution supporting the Sheriff's (287g) partnership with ICE", "287g"),
    ("Deputies will train for the 287 g program with Immigration and Customs Enforcement", "287 g"),
    ("Commissioners approve 287-g agreement with ICE", "287-g"),
    ("Sheriff signs 287-G Warrant Service Officer agreement", "287-G"),
    ("Memorandum of Agreement under Section 287(g) of the Immigration and Nationality Act", "Section 287(g)"),
]

LOOK_ALIKES = [
    "Lease of 287 Grand Ave for the elections warehouse; ICE machine replacement.",
    "Resurfacing of 287 G Street near the county jail.",
    "Traffic on Highway 287 was slowed by an ICE storm; immigration office closed.",
    "Crash on US-287 north of the ICE rink.",
    "Budget amendment per Budget Policy 287(g)(3), fleet reserves.",
    "Code Enforcement case 2025-287G, variance; immigration attorney present.",
    "Procurement under Section 287.057, Florida Statutes, for the immigration services contract.",
    "Item 287: approve the minutes. Item 288: ice machine for the jail kitchen.",
    "The 287(g) line of the chart of accounts funds vehicle maintenance.",
    "Amend County Code Section 287 (noise), requested by the Immigration Services office.",
    "Variance at 287 G Street for an immigration attorney's office sign; ICE machine permit.",
    "Parcel 287-GA rezoning next to the immigration court.",
]


@pytest.mark.parametrize(("text", "phrase"), SIGNALS)
def test_mentions_with_immigration_context_are_signals(text: str, phrase: str) -> None:
    matches = find_signals(text)
    assert [m.matched for m in matches] == [phrase]
    assert phrase.split()[0] in matches[0].snippet


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alikes_are_not_signals(text: str) -> None:
    assert find_signals(text) == []


def test_context_must_be_within_the_window() -> None:
    far = "The 287(g) memo. " + "Routine business continues. " * 20 + "Later: ICE."
    near = "The 287(g) memo. " + "Routine. " * 5 + "Later: ICE."
    assert find_signals(far) == []
    assert len(find_signals(near)) == 1
    assert CONTEXT_WINDOW == 300


def test_snippet_shows_the_sentence_around_a_mention_in_a_long_document() -> None:
    text = "Preamble words. " * 40 + "The Sheriff asks approval of a 287(g) agreement with ICE. " + "More. " * 60
    (match,) = find_signals(text)
    assert match.snippet.startswith("… ") and match.snippet.endswith(" …")
    assert "287(g) agreement with ICE" in match.snippet
    assert len(match.snippet) < 400


def test_extra_keywords_need_no_context() -> None:
    (match,) = find_signals("Update on Operation Tidal Wave arrests", keywords=["operation tidal wave"])
    assert match.matched == "Operation Tidal Wave" and match.context == "keyword"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Regular Meeting, June 3, 2025, 9:00 AM", "2025-06-03"),
        ("Posted 06/10/2025 by the Clerk", "2025-06-10"),
        ("Event 2025-05-27T00:00:00", "2025-05-27"),
        ("No date here, 287 Grand Ave", None),
    ],
)
def test_dates_are_read_in_the_forms_agendas_use(text: str, expected: str | None) -> None:
    assert guess_date(text) == expected


@given(
    st.text(alphabet=st.characters(blacklist_characters="0123456789()"), max_size=200),
    st.sampled_from(LOOK_ALIKES),
)
def test_look_alikes_stay_ignored_in_any_surrounding_text(noise: str, look_alike: str) -> None:
    # Noise without digits or parentheses cannot form a mention. It must hold no immigration term
    # either: a citation like "Budget Policy 287(g)(3)" next to "ICE" is a mention by design.
    assume(find_signals(f"287(g) {noise}") == [])
    assert find_signals(noise + " " + look_alike + " " + noise) == []


@given(st.text(max_size=300), st.text(max_size=300))
def test_a_real_mention_is_found_wherever_it_sits(before: str, after: str) -> None:
    sentence = " The Board approves a 287(g) agreement with ICE. "
    assert any(m.matched == "287(g)" for m in find_signals(before + sentence + after))
