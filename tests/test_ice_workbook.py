"""The workbook parser on ICE's real files and on crafted edge cases."""

from __future__ import annotations

import datetime as dt

import pytest

from parsers.ice_workbook import (
    PARTICIPATING,
    PENDING,
    WorkbookError,
    parse_signed,
    parse_workbook,
    publication_stamp,
    unwrap_safelinks,
)
from tests.support.tracker import SHEETS, sheet
from tests.support.workbooks import HEADER, pending_workbook, row, workbook


@pytest.mark.parametrize("path", sorted(SHEETS.glob("*.xlsx")), ids=lambda p: p.name[16:])
def test_every_real_workbook_parses_to_clean_rows(path):
    parsed = parse_workbook(path.read_bytes(), filename=path.name)
    assert parsed.kind == (PENDING if "pending" in path.name else PARTICIPATING)
    assert 60 <= len(parsed.records) <= 700
    assert all(len(r.state) == 2 and r.model in ("JEM", "TFM", "WSO") and r.agency for r in parsed.records)
    assert all(r.agency == r.agency.strip() for r in parsed.records)


def test_real_participating_workbook_details():
    parsed = parse_workbook(sheet("20250608_151716_participating"), filename="participatingAgencies06062025am.xlsx")
    assert len(parsed.records) == 649
    crenshaw = next(r for r in parsed.records if r.agency == "Crenshaw County Sheriff's Office")
    assert (crenshaw.state, crenshaw.model, crenshaw.signed) == ("AL", "WSO", dt.date(2025, 4, 16))
    assert crenshaw.moa_url == "https://www.ice.gov/doclib/287gMOA/CrenshawCoAL_WSO_MOA_04.16.2025.pdf"
    assert crenshaw.moa_text == "link"
    colbert = next(r for r in parsed.records if r.agency == "Colbert County Sheriff's Office")
    assert colbert.moa_url is None and colbert.moa_text == "link pending"
    campbell = next(r for r in parsed.records if r.agency == "Campbell County Sheriff's Office" and r.state == "VA"
                    and r.signed_raw)
    assert campbell.signed == dt.date(2025, 5, 8) and campbell.signed_raw == "05/082025"
    assert any("05/082025" in w for w in parsed.warnings)
    # hundreds of formatted blank rows past the data are not agreements
    assert max(r.row for r in parsed.records) < 700


def test_real_pending_workbook_has_no_dates_and_no_na_counties():
    parsed = parse_workbook(sheet("20250519_024922_pending"), filename="pendingAgencies05152025am.xlsx")
    assert parsed.kind == PENDING and len(parsed.records) == 92
    level_plains = next(r for r in parsed.records if r.agency == "Level Plains Police Department")
    assert level_plains.county is None and level_plains.signed is None


def test_header_found_by_name_not_position_and_unknown_columns_kept():
    header = ["NOTES", "SUPPORT TYPE", "STATE", "SIGNED", "LAW ENFORCEMENT AGENCY", "COUNTY", "TYPE", "MOA",
              "ADDENDUM"]
    data = workbook([row(NOTES="first in county", ADDENDUM="link",
                         _links={"ADDENDUM": "https://www.ice.gov/doclib/287gMOA/OcalaPD_addendum.pdf"})],
                    header=header, lead_rows=3)
    parsed = parse_workbook(data)
    [record] = parsed.records
    assert (record.state, record.agency, record.model) == ("FL", "Ocala Police Department", "TFM")
    assert record.addendum_url == "https://www.ice.gov/doclib/287gMOA/OcalaPD_addendum.pdf"
    assert dict(record.extra) == {"NOTES": "first in county"}
    assert parsed.unknown_columns == ["NOTES"]


def test_state_typos_are_repaired_with_a_warning_and_territories_are_known():
    parsed = parse_workbook(workbook([
        row(state="UTAHJ", agency="Utah County Sheriff's Office"),
        row(state="AlABAMA", agency="Colbert County Sheriff's Office"),
        row(state="GUAM", agency="Guam Police Department"),
        row(state="PUERTO RICO", agency="Puerto Rico Police Bureau"),
        row(state="NARNIA", agency="Cair Paravel Guard"),
    ]))
    assert [r.state for r in parsed.records] == ["UT", "AL", "GU", "PR"]
    assert any("UTAHJ" in w and "UT" in w for w in parsed.warnings)
    assert any("NARNIA" in w for w in parsed.warnings)


def test_support_types_with_trailing_spaces_map_to_model_codes():
    parsed = parse_workbook(workbook([
        row(model="Jail Enforcement Model "), row(model=" warrant service officer", agency="B"),
        row(model="Task Force Model", agency="C"), row(model="Crossing guard", agency="D"),
    ]))
    assert [r.model for r in parsed.records] == ["JEM", "WSO", "TFM"]
    assert any("Crossing guard" in w for w in parsed.warnings)


@pytest.mark.parametrize(("raw", "expected", "warned"), [
    ("7/72025", dt.date(2025, 7, 7), True),
    ("05/082025", dt.date(2025, 5, 8), True),
    ("5/8/2025", dt.date(2025, 5, 8), False),
    ("2025-07-07", dt.date(2025, 7, 7), False),
    ("5025-07-07", None, True),
    ("13/45/2025", None, True),
    ("pending", None, True),
    (45785, dt.date(2025, 5, 8), False),
])
def test_signed_dates_from_text_with_typos(raw, expected, warned):
    date, kept, problem = parse_signed(raw, today=dt.date(2025, 12, 1))
    assert date == expected
    assert (problem is not None) == warned
    if expected is None:
        assert kept == str(raw)


def test_unreadable_signed_date_keeps_raw_text_in_the_record():
    [record] = parse_workbook(workbook([row(signed="5025-07-07")])).records
    assert record.signed is None and record.signed_raw == "5025-07-07"


def test_moa_url_comes_from_the_hyperlink_and_safelinks_are_unwrapped():
    wrapped = ("https://gcc02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.ice.gov%2Fdoclib%2F287gMOA"
               "%2FOcalaPDFL_TFM_MOA_042425.pdf&data=05%7C02&reserved=0")
    parsed = parse_workbook(workbook([row(moa="link", moa_link=wrapped),
                                      row(agency="B PD", moa="https://www.ice.gov/doclib/287gMOA/B.pdf")]))
    assert parsed.records[0].moa_url == "https://www.ice.gov/doclib/287gMOA/OcalaPDFL_TFM_MOA_042425.pdf"
    assert parsed.records[1].moa_url == "https://www.ice.gov/doclib/287gMOA/B.pdf"
    assert unwrap_safelinks("https://www.ice.gov/a.pdf") == "https://www.ice.gov/a.pdf"


def test_exact_duplicate_rows_collapse_and_blank_rows_vanish():
    parsed = parse_workbook(workbook([row(), row(), row(agency="Other PD")], blank_tail=300))
    assert [r.agency for r in parsed.records] == ["Ocala Police Department", "Other PD"]
    assert parsed.duplicates == 1


def test_pending_workbook_needs_no_signed_column():
    parsed = parse_workbook(pending_workbook([row()]), filename="pendingAgencies06102025am.xlsx")
    assert parsed.kind == PENDING and parsed.records[0].signed is None


@pytest.mark.parametrize(("body", "message"), [
    (b"<!DOCTYPE html><html><body>Access Denied</body></html>", "not an xlsx"),
    (b"", "not an xlsx"),
])
def test_html_and_empty_bodies_are_refused_with_a_reason(body, message):
    with pytest.raises(WorkbookError, match=message):
        parse_workbook(body)


def test_truncated_workbook_is_refused():
    data = sheet("20250608_151716_participating")
    with pytest.raises(WorkbookError):
        parse_workbook(data[: len(data) // 2])


def test_workbook_without_required_columns_is_refused():
    data = workbook([row()], header=["STATE", "LAW ENFORCEMENT AGENCY", "SIGNED", "MOA"])
    with pytest.raises(WorkbookError, match="SUPPORT TYPE"):
        parse_workbook(data)
    with pytest.raises(WorkbookError, match="header"):
        parse_workbook(workbook([{"A": 1}], header=["A", "B"]))


def test_publication_stamp_from_ice_file_names():
    assert publication_stamp("participatingAgencies05162025am.xlsx") == "2025-05-16 am"
    assert publication_stamp("20250610_151944_pendingAgencies06102025am.xlsx") == "2025-06-10 am"
    assert publication_stamp("download") is None
    assert publication_stamp("287gParticipatingAgencies091526pm.xlsx") == "2026-09-15 pm"  # two-digit years
    assert publication_stamp("ParticipatingAgency091826am.xlsx") == "2026-09-18 am"
    assert publication_stamp("participatingAgencies09082026.xlsx") == "2026-09-08"


def test_header_constant_matches_ice_layout():
    assert parse_workbook(workbook([row()], header=HEADER)).columns == HEADER


@pytest.mark.parametrize(("body", "described"), [
    (b"<html><body>session=hunter2</body></html>", "an HTML page"),
    (b"%PDF-1.7 hunter2", "a PDF"),
    (b"hunter2 " * 10, "80 bytes of something else"),
])
def test_a_body_that_is_not_a_workbook_is_described_never_quoted(body, described):
    with pytest.raises(WorkbookError) as refused:
        parse_workbook(body)
    assert str(refused.value) == f"not an xlsx workbook: {described}"
