"""What a reporter gets from an MOA: model, agency, signers and dates, checked against a
table written by reading the sample agreements (scans included) by eye."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers.moa_fields import field_office, parse_date, public_affairs, unshift_labels
from parsers.moa_pdf import MoaError, parse_moa, tesseract_available
from scrapers.moa_worker import parse_many
from tests.support.moa_accuracy import SAMPLES, expected_rows, render, score
from tests.test_moa_builders import image_only_pdf, typed_moa

needs_tesseract = pytest.mark.skipif(
    not tesseract_available(), reason="Tesseract's English model is missing (apt-get install tesseract-ocr)"
)


@pytest.fixture(scope="module")
def sample_results() -> dict[str, dict]:
    """Parse every hand-read sample once, through the worker, on both cores."""
    rows = expected_rows()
    results = parse_many([SAMPLES / row["file"] for row in rows], workers=2)
    return {row["file"]: result for row, result in zip(rows, results, strict=True)}


def test_every_sample_is_in_the_expected_table() -> None:
    rows = expected_rows()
    assert sorted(r["file"] for r in rows) == sorted(p.name for p in SAMPLES.glob("*.pdf"))
    assert len(rows) >= 20 and sum(r["scan"] == "yes" for r in rows) >= 6


@needs_tesseract
def test_no_field_is_ever_wrong_on_the_hand_read_moas(sample_results: dict[str, dict]) -> None:
    """A wrong signer in print is a correction; an empty one is a reporter's phone call.
    So every field may be left empty, none may be wrong, and the ones a reporter needs
    most must be read on most MOAs."""
    rows = expected_rows()
    table, notes = score(rows, sample_results)
    print("\n" + render(table, f"MOA fields on {len(rows)} hand-read agreements:"))
    print("\n".join(notes))
    wrong = [note for note in notes if note.startswith("wrong")]
    assert not wrong, "\n".join(wrong)
    n = len(rows)
    for field in ("model", "pages", "revised", "pa_phone"):
        assert table[field]["right"] == n, field
    assert table["agency"]["right"] >= 0.85 * n
    assert table["ice_signer_name"]["right"] >= 0.8 * n
    assert table["ice_signer_title"]["right"] >= 0.85 * n
    assert table["ice_field_office"]["right"] >= 0.9 * n
    assert table["ice_signer_date"]["right"] >= 0.85 * n
    assert table["lea_signer_name"]["right"] >= 0.7 * n
    assert table["lea_signer_title"]["right"] >= 0.55 * n
    assert table["pa_name"]["right"] >= 0.85 * n


@needs_tesseract
def test_image_only_scans_are_ocrd_and_say_so(sample_results: dict[str, dict]) -> None:
    lee = sample_results["LeeCoSheriffsOffice_JEM_MOA_02.20.2025.pdf"]
    assert lee["ocr"] is True and lee["needs_ocr"] is False
    assert 1 in lee["ocr_pages"] and 7 in lee["ocr_pages"]
    assert "Jail Enforcement Model" in lee["text"]


@needs_tesseract
def test_only_the_pages_that_hold_fields_are_ocrd(sample_results: dict[str, dict]) -> None:
    """Speed comes from OCRing little: a typed MOA at most its signature page, a scan its
    first page, signature page, field-office page and press-contact page."""
    for row in expected_rows():
        result = sample_results[row["file"]]
        limit = 5 if row["scan"] == "yes" else 2
        assert len(result["ocr_pages"]) <= limit, (row["file"], result["ocr_pages"])


def test_typed_moa_reads_every_field_without_ocr() -> None:
    result = parse_moa(typed_moa(), ocr=False)
    assert result["model"] == "JEM"
    assert result["agency"] == "Example County Sheriff's Office"
    assert result["lea_signer"] == {"name": "Jane Q. Example", "title": "Sheriff", "date": "2025-03-03"}
    assert result["ice_signer"] == {"name": "Todd M. Lyons", "title": "Acting Director", "date": "2025-03-12"}
    assert result["revised"] == "2025-02-15"
    assert result["ocr"] is False and result["needs_ocr"] is False
    assert result["text_chars"] == len(result["text"]) > 500


@pytest.mark.parametrize(
    ("heading", "model"),
    [("287(g) Task Force Model", "TFM"), ("Warrant Service Officer Program", "WSO")],
)
def test_model_comes_from_the_heading(heading: str, model: str) -> None:
    assert parse_moa(typed_moa(heading), ocr=False)["model"] == model


def test_hint_does_not_override_what_the_document_says() -> None:
    result = parse_moa(typed_moa(), ocr=False, hint={"agency": "Other County Jail", "model": "TFM"})
    assert result["model"] == "JEM"
    assert result["agency"] == "Example County Sheriff's Office"


def test_scan_without_tesseract_is_flagged_not_fatal(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-tessdata")
    result = parse_moa(image_only_pdf(), tessdata=missing, hint={"agency": "Example County Jail"})
    assert result["needs_ocr"] is True and result["ocr"] is False
    assert result["lea_signer"]["name"] is None
    assert result["agency"] == "Example County Jail"
    assert any("no text layer" in w for w in result["warnings"])


def test_sample_scan_without_tesseract_keeps_its_text_layer_pages(tmp_path: Path) -> None:
    data = (SAMPLES / "KennethCityPoliceDeptFL_TFM_MOA_02.27.2025.pdf").read_bytes()
    result = parse_moa(data, tessdata=str(tmp_path / "missing"))
    assert result["needs_ocr"] is True and result["pages"] == 14
    assert result["model"] == "TFM"  # the PDF title is the evidence left when pages are images
    assert result["sources"]["model"] == "PDF title"


def test_not_a_pdf_raises_a_clear_reason() -> None:
    with pytest.raises(MoaError, match="not a PDF"):
        parse_moa(b"<html><body>Not found</body></html>")


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("OCT 1 5 2019", "2019-10-15"),
        ("2020.07.02 11 :59:46 -04'00'", "2020-07-02"),
        ("March 5, 2025", "2025-03-05"),
        ("02-19-25", "2025-02-19"),
        ("Date: 2025. 03. 26 09:51 :52", "2025-03-26"),
        ("February 28, 202", None),
        ("()7, GI-", None),
        ("13/45/2025", None),
    ],
)
def test_signature_dates_are_read_or_left_empty(text: str, iso: str | None) -> None:
    assert parse_date(text) == iso


@pytest.mark.parametrize(
    ("text", "office"),
    [
        ("For DHS: ERO Dallas Field Office Director", "Dallas"),
        ("ForDHS: The Miami Field Office Director", "Miami"),
        ("For OHS: Houston Field Office", "Houston"),
        ("For DHS: CHICAGO FIELD OFFICE DIRECTOR", "Chicago"),
        ("For DHS: Salt Lake City Field Office Director", "Salt Lake City"),
        ("DHS: Miami Field Office Director", "Miami"),
        ("For DHS: ICE ERO Field Office Director", None),
        ("For DHS:\nVIII. EFFECTIVE DATE", None),
        ("For DHS: Springfield Field Office Director", None),
    ],
)
def test_field_office_is_one_of_ices_or_nothing(text: str, office: str | None) -> None:
    assert field_office(text) == office


PRESS_PAGE = """APPENDIX C
PUBLIC INFORMATION POINTS OF CONTACT
Pursuant to Section V(D) of this MOA, the signatories agree to coordinate release.
For the LEA:
{lea}
For ICE:
Public Affairs Office
Washington, DC 20536
202-732-4242
"""


@pytest.mark.parametrize(
    ("lea", "expected"),
    [
        ("LT Mitchell Grube\nWinnebago County Sheriffs Office\n4311 Jackson St. Oshkosh WI 54901\n920-236-7385",
         {"name": "Mitchell Grube", "phone": "920-236-7385", "email": None}),
        ("Craig A. Capri\nChief of Police\n352-483-5400\nccapri@eustis.org",
         {"name": "Craig A. Capri", "phone": "352-483-5400", "email": "ccapri@eustis.org"}),
        ("Public Information Officer\nProfessional Standards Division\nTavares, FL 32778\n(352)343-9592",
         {"name": None, "phone": "352-343-9592", "email": None}),
        ("Trent Faris, Public Affairs Officer", {"name": "Trent Faris", "phone": None, "email": None}),
        ("St. Lucie County Sheriff's Office\n4700 W. Midway Rd\nFort Pierce, FL 34981",
         {"name": None, "phone": None, "email": None}),
        # OCR slips an address cannot survive: a misread state in a .us domain, a misspelt name.
        ("Thaddeus C. Cleveland\nthad.cleveland@co.terrell.bc.us 432-345-2525",
         {"name": "Thaddeus C. Cleveland", "phone": "432-345-2525", "email": None}),
        ("Gerald Widdoes\nChief Deputy\ngerajd.widdoes@ccdps.org\n410-392-2101",
         {"name": "Gerald Widdoes", "phone": "410-392-2101", "email": None}),
        ("", {"name": None, "phone": None, "email": None}),
    ],
)
def test_press_contact_is_read_from_its_appendix_only(lea: str, expected: dict) -> None:
    assert public_affairs(PRESS_PAGE.format(lea=lea)) == expected


def test_shifted_font_labels_are_decoded_and_body_text_is_left_alone() -> None:
    assert unshift_labels("1DPHBBBB 7LWOH 'DWH )RU WKH /($ ,&(") == "Name:____ Title: Date: For the LEA: ICE:"
    assert unshift_labels("The Sheriff signs") == "The Sheriff signs"
