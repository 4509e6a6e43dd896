"""Every change in words a reader uses: no field names, ICE's list date, one line per agency signing."""

from __future__ import annotations

import pytest

from alerts.event_text import EventRow, Links, describe_change, publication_date, summarize, summarize_rows
from tests.support.alert_servers import ocala


@pytest.mark.parametrize(("field", "old", "new", "words"), [
    ("agency", "Kenneth City PD", "Kenneth City Police Department",
     "renamed from “Kenneth City PD” to “Kenneth City Police Department”"),
    ("state", "TX", "KS", "moved from Texas to Kansas on ICE's list"),
    ("county", "Marion", "Marion County", "county corrected to Marion County (was Marion)"),
    ("county", None, "Lake County", "county now given as Lake County"),
    ("county", "Lake County", None, "county no longer given (was Lake County)"),
    ("agency_type", "Municipality", "County", "agency type corrected to County (was Municipality)"),
    ("signed", "2025-04-24", "2025-04-25", "signed date corrected to April 25, 2025 (was April 24, 2025)"),
    ("signed_raw", "5025-07-07", "07/07/2025", "signed date now published as “07/07/2025” (was “5025-07-07”)"),
    ("model", "TFM", "WSO", "model corrected to Warrant Service Officer (WSO) (was Task Force Model (TFM))"),
    ("moa_url", None, "https://www.ice.gov/a.pdf", "MOA published"),
    ("moa_url", "https://www.ice.gov/a.pdf", None, "MOA link taken off ICE's list"),
    ("moa_url", "https://www.ice.gov/a.pdf", "https://www.ice.gov/b.pdf", "MOA link replaced"),
    ("addendum_url", None, "https://www.ice.gov/c.pdf", "addendum published"),
    ("signed_raw", "7/72025", None, "signed date “7/72025” corrected"),
    ("agency_type", None, "County", "agency type now given as County"),
])
def test_each_change_is_a_sentence(field, old, new, words):
    assert describe_change(field, old, new) == words


def test_a_corrected_date_is_one_sentence_and_no_field_name_shows():
    summary = summarize(1, ocala(type="agreement_changed", before={"signed": "2025-04-25", "signed_raw": "04/25/2025",
                                                                    "moa_url": None},
                                 after={"signed": "2025-04-24", "signed_raw": "04/24/2025", "moa_url": "https://x/a.pdf"}))
    assert summary.changes == ("signed date corrected to April 24, 2025 (was April 25, 2025)", "MOA published")
    assert not any("_" in change or "(none)" in change for change in summary.changes)


@pytest.mark.parametrize(("payload", "said"), [
    ({"publication": "2025-06-06 am"}, "June 6, 2025 (am)"),
    ({"publication": "2025-06-06"}, "June 6, 2025"),
    ({"published_at": "2025-06-06T15:17:16Z", "publication": "2025-06-05 pm"}, "June 6, 2025"),
    ({"detected_at": "2025-06-17T23:32:04Z"}, None),
])
def test_ice_s_list_date_comes_from_the_event_and_is_never_guessed(payload, said):
    assert publication_date(payload) == said


def test_only_the_same_agency_s_same_day_signings_are_one_line():
    rows = [
        EventRow(1, ocala(model="JEM", publication="2025-06-06 am"), 7),
        EventRow(2, ocala(model="WSO", publication="2025-06-06 am"), 8),
        EventRow(3, ocala(model="TFM", signed="2025-05-01", publication="2025-06-06 am"), 9),
        EventRow(4, ocala(model="TFM", agency="Belleview Police Department", publication="2025-06-06 am"), 10),
    ]
    together, later, other = summarize_rows(rows, Links(public_url="https://287g.example.org"))
    assert together.seqs == (1, 2) and together.models == ("JEM", "WSO") and together.label == "New agreements"
    assert together.facts[0] == "JEM + WSO (Jail Enforcement Model, Warrant Service Officer)"
    assert [d.label for d in together.documents] == ["MOA (JEM)", "MOA (WSO)"]
    assert ("agency page", "https://287g.example.org/agency/7") in together.links
    assert later.seqs == (3,) and other.seqs == (4,)
