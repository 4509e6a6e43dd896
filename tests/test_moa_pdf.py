"""What a reporter gets from an MOA: model, agency, signers and dates, checked against a
table written by reading the sample agreements (scans included) by eye."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pytest
from rapidfuzz import fuzz

from scrapers.moa_worker import parse_many
from scrapers.parsers.moa_fields import parse_date
from scrapers.parsers.moa_pdf import MoaError, parse_moa
from tests.test_moa_builders import image_only_pdf, typed_moa

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = FIXTURES / "moa"
EXPECTED = FIXTURES / "moa_expected.csv"
HAVE_TESSERACT = shutil.which("tesseract") is not None
needs_tesseract = pytest.mark.skipif(
    not HAVE_TESSERACT, reason="tesseract is not on PATH (apt-get install tesseract-ocr); CI installs it"
)

FIELDS = (
    "model", "agency", "lea_signer_name", "lea_signer_title", "lea_signer_date",
    "ice_signer_name", "ice_signer_title", "ice_signer_date", "revised", "pages",
)


def _expected() -> list[dict]:
    with EXPECTED.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _flat(result: dict) -> dict:
    out = {k: result.get(k) for k in ("model", "agency", "revised", "pages")}
    for who in ("lea_signer", "ice_signer"):
        for key in ("name", "title", "date"):
            out[f"{who}_{key}"] = (result.get(who) or {}).get(key)
    return out


def _norm(text: str) -> str:
    low = text.lower().replace("'", "").replace("\u2019", "")
    low = re.sub(r"\bdept\b", "department", low)
    low = re.sub(r",\s*(fl|texas|tx|ga|ky|florida|georgia)\s*$", "", low)
    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", low).split())


def field_matches(field: str, expected: str, got: object) -> bool:
    if expected == "":
        return got in (None, "")
    if got in (None, ""):
        return False
    if field in ("model", "pages") or field.endswith("date") or field == "revised":
        return str(got) == expected
    return fuzz.token_sort_ratio(_norm(expected), _norm(str(got))) >= 88


@pytest.fixture(scope="module")
def sample_results() -> dict[str, dict]:
    """Parse every sample once, through the worker, on both cores (OCR is the slow part)."""
    rows = _expected()
    results = parse_many([SAMPLES / row["file"] for row in rows], workers=2, ocr_scope="fields")
    return {row["file"]: result for row, result in zip(rows, results, strict=True)}


def test_every_sample_is_in_the_expected_table() -> None:
    assert sorted(r["file"] for r in _expected()) == sorted(p.name for p in SAMPLES.glob("*.pdf"))


@needs_tesseract
def test_field_accuracy_against_hand_checked_table(sample_results: dict[str, dict]) -> None:
    rows = _expected()
    right = dict.fromkeys(FIELDS, 0)
    wrong_non_null = dict.fromkeys(FIELDS, 0)
    misses = []
    for row in rows:
        got = _flat(sample_results[row["file"]])
        for field in FIELDS:
            if field_matches(field, row[field], got[field]):
                right[field] += 1
            else:
                misses.append(f"{row['file'][:28]:28} {field:17} want {row[field]!r:34} got {got[field]!r}")
                if got[field] not in (None, ""):
                    wrong_non_null[field] += 1
    n = len(rows)
    print("\nMOA field accuracy (right / wrong-but-filled / of)")
    for field in FIELDS:
        print(f"  {field:18} {right[field]:2d}  {wrong_non_null[field]:2d}  /{n}  {100 * right[field] / n:5.0f}%")
    print("\n".join(["misses:"] + misses))
    assert right["model"] == n
    assert right["agency"] == n
    assert right["ice_signer_name"] >= 0.8 * n
    assert right["ice_signer_date"] >= 0.8 * n
    assert right["lea_signer_name"] >= 0.7 * n
    assert wrong_non_null["lea_signer_date"] == 0, "a wrong LEA date is worse than none"
    assert wrong_non_null["ice_signer_date"] == 0
    assert right["revised"] == n
    assert right["pages"] == n


@needs_tesseract
def test_image_only_scans_are_ocrd_and_say_so(sample_results: dict[str, dict]) -> None:
    lee = sample_results["LeeCoSheriffsOffice_JEM_MOA_02.20.2025.pdf"]
    assert lee["ocr"] is True and lee["needs_ocr"] is False
    assert 1 in lee["ocr_pages"] and lee["text_chars"] > 2000
    assert "Jail Enforcement Model" in lee["text"]


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
    missing = str(tmp_path / "no-such-tesseract")
    result = parse_moa(image_only_pdf(), tesseract_cmd=missing, hint={"agency": "Example County Jail"})
    assert result["needs_ocr"] is True and result["ocr"] is False
    assert result["lea_signer"]["name"] is None
    assert result["agency"] == "Example County Jail"
    assert any("no text layer" in w for w in result["warnings"])


def test_sample_scan_without_tesseract_keeps_its_text_layer_pages(tmp_path: Path) -> None:
    data = (SAMPLES / "KennethCityPoliceDeptFL_TFM_MOA_02.27.2025.pdf").read_bytes()
    result = parse_moa(data, tesseract_cmd=str(tmp_path / "missing"))
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
        ("February 28, 202", None),
        ("()7, GI-", None),
        ("13/45/2025", None),
    ],
)
def test_signature_dates_are_read_or_left_empty(text: str, iso: str | None) -> None:
    assert parse_date(text) == iso
