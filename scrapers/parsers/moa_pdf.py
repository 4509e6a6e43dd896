"""Read a 287(g) Memorandum of Agreement PDF: model, agency, who signed and when.

The workbook says an agreement exists; the MOA says who signed it.  Most MOAs are scanner
output with a rough OCR layer and about one in five has no text at all, so pages without a
text layer are OCR'd with Tesseract, and a signature page whose text layer misses a signer
is OCR'd again.  Every field is left ``None`` rather than filled from weak evidence.

``parse_moa`` is pure in the sense that matters here: bytes in, a JSON-ready dict out, no
files, no network.  Hostile PDFs are the caller's job: see ``scrapers.moa_worker``.
"""

from __future__ import annotations

import io
import re
import shutil
from dataclasses import dataclass, field
from datetime import date

import pdfplumber
import pypdfium2
import pytesseract
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfplumber.utils.exceptions import PdfminerException

from scrapers.parsers.moa_fields import (
    Line,
    Word,
    agency_from_parties,
    agrees,
    apply_cids,
    cid_offset,
    find_model,
    footer_agencies,
    group_lines,
    is_ice_column,
    line_text,
    looks_like_agency,
    place_from_title,
    poc_name,
    read_signer_column,
    revised_date,
    snap_ice_name,
)

TEXT_LAYER_MIN_CHARS = 200
SIGNATURE_ANCHOR = re.compile(r"fullest\s+extent|extent\s+allowed|bound\s+thereto", re.I)
SIGNATURE_HINT = re.compile(r"by\s+signing\s+this|fully\s+authorized\s+to\s+enter|for\s+the\s+lea", re.I)


class MoaError(Exception):
    """A document that cannot be read at all; the message is the one-line reason."""


@dataclass
class _Page:
    number: int
    width: float
    height: float
    words: list[Word] = field(default_factory=list)
    text: str = ""
    ocr: bool = False

    @property
    def has_text(self) -> bool:
        return len(self.text.strip()) >= TEXT_LAYER_MIN_CHARS


def tesseract_available(tesseract_cmd: str | None = None) -> bool:
    cmd = tesseract_cmd or pytesseract.pytesseract.tesseract_cmd
    return shutil.which(cmd) is not None


def parse_moa(
    data: bytes,
    *,
    ocr: bool = True,
    hint: dict | None = None,
    tesseract_cmd: str | None = None,
    ocr_scope: str = "all",
    dpi: int = 300,
) -> dict:
    """Parse one MOA.

    ``hint`` is the workbook row ({"agency", "model", "state"}) used only as corroborating
    evidence.  ``ocr_scope`` "fields" OCRs only the first and signature pages (fast, for
    alerts); "all" also OCRs the rest so ``text`` is complete for search.  ``tesseract_cmd``
    names the Tesseract binary; a missing one marks the document ``needs_ocr``.
    Raises ``MoaError`` for input that is not a readable PDF.
    """
    if ocr_scope not in ("fields", "all"):
        raise ValueError("ocr_scope must be 'fields' or 'all'")
    if b"%PDF-" not in data[:1024]:
        raise MoaError("not a PDF")
    hint = hint or {}
    warnings: list[str] = []
    cmd = tesseract_cmd or pytesseract.pytesseract.tesseract_cmd
    can_ocr = ocr and tesseract_available(cmd)
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except PdfminerException as exc:
        reason = _reason(exc)
        if reason.startswith("unreadable") and b"%%EOF" not in data[-2048:]:
            reason = "truncated PDF (no end-of-file marker)"
        raise MoaError(reason) from exc
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise MoaError("encrypted") from exc
    with pdf:
        try:
            pages = _text_pages(pdf)
        except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
            raise MoaError("encrypted") from exc
        except PdfminerException as exc:
            raise MoaError(_reason(exc)) from exc
        title = _metadata_title(pdf.metadata)
    if not pages:
        raise MoaError("PDF has no pages")

    blank = [p for p in pages if not p.has_text]
    renderer = _Renderer(data, cmd, dpi) if can_ocr and blank else None
    if renderer:
        _ocr_field_pages(pages, renderer)
        if ocr_scope == "all":
            for p in pages:
                if not p.has_text and not p.ocr:
                    renderer.ocr_into(p)
    if blank and not can_ocr:
        warnings.append(
            f"{len(blank)} of {len(pages)} pages have no text layer and were not OCR'd"
            + ("" if ocr else " (OCR turned off)")
        )

    sig_page = _signature_page(pages)
    lea, ice = _empty_signer(), _empty_signer()
    if sig_page is None:
        warnings.append("signature page not found")
    else:
        lea, ice = _read_signature_block(sig_page)
        missing = not (lea["name"] and ice["name"] and lea["date"] and ice["date"])
        if missing and can_ocr and not sig_page.ocr:
            renderer = renderer or _Renderer(data, cmd, dpi)
            scanned = renderer.ocr_copy(sig_page)
            lea2, ice2 = _read_signature_block(scanned)
            for mine, theirs in ((lea, lea2), (ice, ice2)):
                for key, value in theirs.items():
                    if mine[key] is None and value is not None:
                        mine[key] = value
            if renderer.used_on_text_page:
                sig_page.ocr = True

    texts = [p.text for p in pages]
    full_text = "\n\f".join(texts)
    model, model_source = find_model(
        "\n".join(texts[0].splitlines()[:6]), full_text, title, hint.get("model")
    )
    if model_source not in ("heading", "none"):
        warnings.append(f"model taken from the {model_source}")
    if model is None:
        warnings.append("model not found")

    revised = revised_date(texts)
    contact = poc_name(full_text)
    _settle_names(lea, ice, contact, warnings)
    _settle_dates(lea, ice, revised, warnings)

    agency, agency_source = _choose_agency(pages, lea.get("agency"), title, hint.get("agency"))
    if agency is None:
        warnings.append("agency not found")
    elif agency_source not in ("parties clause",):
        warnings.append(f"agency taken from the {agency_source}")

    return {
        "model": model,
        "agency": agency,
        "lea_signer": {k: lea[k] for k in ("name", "title", "date")},
        "ice_signer": {k: ice[k] for k in ("name", "title", "date")},
        "lea_contact": contact,
        "revised": revised,
        "pages": len(pages),
        "pdf_title": title,
        "ocr": any(p.ocr for p in pages),
        "ocr_pages": [p.number for p in pages if p.ocr],
        "needs_ocr": bool(blank) and not can_ocr,
        "text_chars": len(full_text),
        "text": full_text,
        "sources": {"model": model_source, "agency": agency_source},
        "warnings": warnings,
    }


def _reason(exc: Exception) -> str:
    inner = exc.args[0] if exc.args else exc
    if isinstance(inner, (PDFPasswordIncorrect, PDFEncryptionError)):
        return "encrypted"
    return f"unreadable PDF ({type(inner).__name__})"


def _metadata_title(meta: dict) -> str | None:
    title = meta.get("Title") if meta else None
    if isinstance(title, bytes):
        title = title.decode("utf-8", "replace")
    return title.strip() if isinstance(title, str) and title.strip() else None


def _text_pages(pdf: pdfplumber.PDF) -> list[_Page]:
    pages = []
    for i, page in enumerate(pdf.pages, start=1):
        raw = page.extract_text() or ""
        offset = cid_offset(raw)
        words = [
            Word(w["x0"], w["top"], w["x1"], w["bottom"], apply_cids(w["text"], offset))
            for w in page.extract_words()
        ]
        words = [w for w in words if w.text.strip()]
        pages.append(
            _Page(i, float(page.width), float(page.height), words, apply_cids(raw, offset))
        )
        page.flush_cache()
    return pages


class _Renderer:
    """Renders pages with pdfium and OCRs them with Tesseract, at most once per page."""

    def __init__(self, data: bytes, cmd: str, dpi: int) -> None:
        self.doc = pypdfium2.PdfDocument(data)
        self.cmd = cmd
        self.dpi = dpi
        self.used_on_text_page = False
        self._cache: dict[int, tuple[list[Word], str]] = {}

    def _ocr(self, number: int) -> tuple[list[Word], str]:
        if number not in self._cache:
            scale = self.dpi / 72
            image = self.doc[number - 1].render(scale=scale, grayscale=True).to_pil()
            pytesseract.pytesseract.tesseract_cmd = self.cmd
            data = pytesseract.image_to_data(
                image, config="--psm 3", output_type=pytesseract.Output.DICT
            )
            words = []
            for i, text in enumerate(data["text"]):
                conf = float(data["conf"][i])
                if text.strip() and conf >= 0:
                    x, y, w, h = (data[k][i] / scale for k in ("left", "top", "width", "height"))
                    words.append(Word(x, y, x + w, y + h, text, conf))
            lines = group_lines(words, tolerance=5.0)
            self._cache[number] = (words, "\n".join(line_text(line) for line in lines))
        return self._cache[number]

    def ocr_into(self, page: _Page) -> None:
        page.words, page.text = self._ocr(page.number)
        page.ocr = True

    def ocr_copy(self, page: _Page) -> _Page:
        self.used_on_text_page = self.used_on_text_page or not page.ocr
        words, text = self._ocr(page.number)
        return _Page(page.number, page.width, page.height, words, text, True)


def _ocr_field_pages(pages: list[_Page], renderer: _Renderer) -> None:
    """OCR page 1 and then the likeliest signature pages until one is found."""
    if not pages[0].has_text:
        renderer.ocr_into(pages[0])
    if _signature_page(pages) is not None:
        return
    n = len(pages)
    model, _ = find_model("\n".join(pages[0].text.splitlines()[:8]), "", None, None)
    expected = {"TFM": 9, "JEM": 7, "WSO": 7}.get(model or "", round(0.6 * n))
    order = sorted(range(2, n + 1), key=lambda k: (abs(k - expected), k))
    for number in order:
        page = pages[number - 1]
        if page.has_text or page.ocr:
            continue
        renderer.ocr_into(page)
        if _signature_page([page]) is not None:
            return


def _signature_page(pages: list[_Page]) -> _Page | None:
    for page in pages:
        if SIGNATURE_HINT.search(page.text) and SIGNATURE_ANCHOR.search(page.text):
            return page
    return None


def _empty_signer() -> dict:
    return {"name": None, "title": None, "date": None, "agency": None}


def _read_signature_block(page: _Page) -> tuple[dict, dict]:
    lines = group_lines(page.words, tolerance=5.0 if page.ocr else 3.0)
    anchor = None
    for line in lines:
        if SIGNATURE_ANCHOR.search(line_text(line)):
            anchor = max(w.bottom for w in line)
    if anchor is None:
        return _empty_signer(), _empty_signer()
    footer = page.height * 0.92
    region = [
        w for w in page.words if w.top > anchor + 1 and w.bottom < footer
    ]
    mid = page.width / 2
    left = [w for w in region if w.xc < mid]
    right = [w for w in region if w.xc >= mid]
    tol = 6.0 if page.ocr else 3.0
    left_lines = [ln for ln in group_lines(left, tol) if not _is_footer(ln)]
    right_lines = [ln for ln in group_lines(right, tol) if not _is_footer(ln)]
    left_is_ice = is_ice_column(left_lines)
    right_is_ice = is_ice_column(right_lines)
    swap = left_is_ice is True or right_is_ice is False
    lea_lines, ice_lines = (right_lines, left_lines) if swap else (left_lines, right_lines)
    lea = read_signer_column(lea_lines)
    ice = read_signer_column(ice_lines)
    if page.ocr:
        ice["name"] = snap_ice_name(ice["name"])
    return lea, ice


def _is_footer(line: Line) -> bool:
    return bool(re.search(r"Re[vV]ised\s*\d", line_text(line)))


def _settle_names(lea: dict, ice: dict, contact: str | None, warnings: list[str]) -> None:
    """A scan often clips the end of a typed name; the points-of-contact page spells it out."""
    name = lea["name"]
    if name and contact and contact != name:
        base = name.rstrip(".")
        if contact.startswith(base) and len(base) >= 6:
            lea["name"] = contact
            warnings.append(f"LEA signer name completed from Appendix A: {name!r} -> {contact!r}")
    if not lea["name"]:
        warnings.append("LEA signer name not read" + (f"; point of contact is {contact}" if contact else ""))
    if not ice["name"]:
        warnings.append("ICE signer name not read")


def _settle_dates(lea: dict, ice: dict, revised: str | None, warnings: list[str]) -> None:
    """Drop dates that cannot be right: before the template's revision, or far from the
    other party's date.  Handwritten LEA dates are the usual OCR casualty, so they go first."""
    for who, signer in (("LEA", lea), ("ICE", ice)):
        if signer["date"] and revised and signer["date"] < revised:
            warnings.append(f"{who} date {signer['date']} precedes template revision; dropped")
            signer["date"] = None
    if lea["date"] and ice["date"]:
        gap = (date.fromisoformat(ice["date"]) - date.fromisoformat(lea["date"])).days
        if not -60 <= gap <= 366:
            warnings.append(f"LEA date {lea['date']} is implausibly far from ICE date; dropped")
            lea["date"] = None


def _choose_agency(
    pages: list[_Page], sig_agency: str | None, title: str | None, hint_agency: str | None
) -> tuple[str | None, str]:
    tails = [p.text.splitlines()[-4:] for p in pages]
    place = place_from_title(title)
    evidence = [e for e in (place, hint_agency) if e]
    footers = [
        text for text, n in footer_agencies(tails) if n >= 2 or any(agrees(text, e) for e in evidence)
    ]
    candidates = [
        ("parties clause", agency_from_parties(pages[0].text)),
        ("signature block", sig_agency if looks_like_agency(sig_agency) else None),
        ("page footer", footers[0] if footers else None),
    ]
    found = [(src, value) for src, value in candidates if value]
    for src, value in found:
        if not evidence or any(agrees(value, e) for e in evidence):
            return value, src
    if candidates[0][1] and not pages[0].ocr:
        return candidates[0][1], "parties clause (differs from workbook or PDF title)"
    if hint_agency:
        return hint_agency, "workbook"
    if found:
        return found[0][1], found[0][0] + " (unconfirmed)"
    return None, "none"
