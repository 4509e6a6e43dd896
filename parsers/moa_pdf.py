"""Read a 287(g) Memorandum of Agreement PDF: model, agency, who signed, when, and whom to call.

The workbook says an agreement exists; the MOA says who signed it.  Most MOAs are scanner
output with a rough OCR layer and about one in five has no text at all.  Reading must be
cheap (ICE publishes dozens a day and a backfill is ~1,500), so the text layer comes from
pdfium, which is fast, and Tesseract runs only on the pages whose fields are needed: the
first page, the signature page (and the one before it, which names the ICE field office)
and the press-contact appendix; several pages at once, one Tesseract per core.  Every field
is left ``None`` rather than filled from weak evidence: OCR words under a confidence floor
never become values, and names must look like names.

``parse_moa`` is pure in the sense that matters here: bytes in, a JSON-ready dict out, no
files, no network.  Hostile PDFs are the caller's job: see ``scrapers.moa_worker``.
"""

from __future__ import annotations

import glob
import os
import re
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date

import pypdfium2
import pypdfium2.raw as pdfium_c
import tesserocr
from PIL import Image
from rapidfuzz import fuzz

from parsers.moa_fields import (
    PA_HEADING,
    WEAK_CONF,
    Line,
    Word,
    agency_from_parties,
    agrees,
    field_office,
    find_model,
    footer_agencies,
    group_lines,
    is_ice_column,
    known_ice_signer,
    line_text,
    looks_like_agency,
    place_from_title,
    poc_name,
    public_affairs,
    read_signer_column,
    read_strip,
    revised_date,
    snap_ice_name,
    unshift_labels,
)

TEXT_LAYER_MIN_CHARS = 200
# Chosen by measurement on the hand-read samples (benchmarks/bench_moa.py --dpi N
# --skip-baseline): at 150 dpi as many fields were right as at 200 or 300 dpi, and none
# wrong where the finer scans misread an agency, a name and a date; and it is faster.
OCR_DPI = 150
MIN_CONF = 65.0
FULL = (0.0, 1.0)
PAGE_ONE_BAND = (0.0, 0.45)
PRESS_BAND = (0.0, 0.6)
LAYER_OCR_CONF = 50.0
# The resolution Tesseract's command line assumes for an image that names none.  The
# confidence floor and every reader were measured with it; telling Tesseract the true
# resolution changes which words it doubts, and on the samples it misread a footer.
ASSUMED_DPI = 70
INVISIBLE = pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE
SIGNATURE_ANCHOR = re.compile(r"fullest\s+extent|extent\s+allowed|bound\s+thereto", re.I)
SIGNATURE_HINT = re.compile(r"by\s+signing\s+this|fully\s+authorized\s+to\s+enter|for\s+the\s+lea", re.I)
ADDENDUM = re.compile(r"ADDENDUM\s+TO\s+MODIFY|^\s*ADDENDUM\b", re.I | re.M)
FIELD_OFFICE_PAGE = re.compile(r"For\s*[DO0]\s*H\s*S\b")


class MoaError(Exception):
    """A document that cannot be read at all; the message is the one-line reason."""


@dataclass
class _Page:
    number: int
    width: float
    height: float
    text: str = ""
    words: list[Word] | None = None
    ocr: bool = False
    # OCR text with every word under the confidence floor masked, for reading values.
    sure_text: str = ""
    # A page with a text layer whose signature block was also read by Tesseract.
    ocr_read: bool = False

    @property
    def has_text(self) -> bool:
        return len("".join(self.text.split())) >= TEXT_LAYER_MIN_CHARS

    @property
    def value_text(self) -> str:
        return self.sure_text if self.ocr else self.text


# Where Tesseract's English model is looked for when TESSDATA_PREFIX does not say: the
# places Debian's tesseract-ocr-eng and other packagers install it.
TESSDATA_GLOBS = (
    "/usr/share/tesseract-ocr/*/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
    "/opt/homebrew/share/tessdata",
)


def find_tessdata(tessdata: str | None = None) -> str | None:
    """The folder holding ``eng.traineddata``: ``tessdata`` if given, else TESSDATA_PREFIX,
    else a packaged one; None when there is none, and scans are then marked ``needs_ocr``."""
    if tessdata or os.environ.get("TESSDATA_PREFIX"):
        folders = [tessdata or os.environ["TESSDATA_PREFIX"]]
    else:
        folders = sorted((f for pattern in TESSDATA_GLOBS for f in glob.glob(pattern)), reverse=True)
    return next((f for f in folders if os.path.isfile(os.path.join(f, "eng.traineddata"))), None)


def tesseract_available(tessdata: str | None = None) -> bool:
    return find_tessdata(tessdata) is not None


def parse_moa(
    data: bytes,
    *,
    ocr: bool = True,
    hint: dict | None = None,
    tessdata: str | None = None,
    ocr_scope: str = "fields",
    dpi: int = OCR_DPI,
    ocr_threads: int = 2,
) -> dict:
    """Parse one MOA.

    ``hint`` is the workbook row ({"agency", "model", "state"}) used only as corroborating
    evidence.  ``ocr_scope`` "fields" OCRs only the pages that hold fields; "all" also OCRs
    the rest so ``text`` is complete for search.  ``ocr_threads`` Tesseracts run at once.
    ``tessdata`` is the folder of Tesseract's English model (found by ``find_tessdata``
    when not given); without one the document is marked ``needs_ocr``.  Raises
    ``MoaError`` for input that is not a readable PDF.
    """
    if ocr_scope not in ("fields", "all"):
        raise ValueError("ocr_scope must be 'fields' or 'all'")
    if b"%PDF-" not in data[:1024]:
        raise MoaError("not a PDF")
    hint = hint or {}
    warnings: list[str] = []
    tessdata_dir = find_tessdata(tessdata) if ocr else None
    can_ocr = tessdata_dir is not None
    pages, title, sig_page, lea, ice = _read_pages(data, tessdata_dir, dpi, ocr_threads, ocr_scope, warnings)
    blank = [p for p in pages if not p.has_text]
    if blank and not can_ocr:
        warnings.append(
            f"{len(blank)} of {len(pages)} pages have no text layer and were not OCR'd"
            + ("" if ocr else " (OCR turned off)")
        )

    texts = [p.text for p in pages]
    full_text = "\n\f".join(texts)
    model, model_source = find_model(
        "\n".join(texts[0].splitlines()[:6]), full_text, title, hint.get("model")
    )
    if model_source not in ("heading", "none"):
        warnings.append(f"model taken from the {model_source}")
    if model is None:
        warnings.append("model not found")

    ocr_pages = [p.number for p in pages if p.ocr or p.ocr_read]
    revised = revised_date(texts)
    value_text = "\n\f".join(p.value_text for p in pages)
    contact = poc_name(value_text)
    press = _public_affairs(pages)
    _settle_names(lea, ice, [contact, press["name"]], warnings)
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
        "ice_field_office": _field_office(pages, sig_page),
        "lea_contact": contact,
        "public_affairs": press,
        "revised": revised,
        "pages": len(pages),
        "pdf_title": title,
        "ocr": bool(ocr_pages),
        "ocr_pages": ocr_pages,
        "needs_ocr": bool(blank) and not can_ocr,
        "text_chars": len(full_text),
        "text": full_text,
        "sources": {"model": model_source, "agency": agency_source},
        "warnings": warnings,
    }


def _read_pages(
    data: bytes, tessdata_dir: str | None, dpi: int, ocr_threads: int, ocr_scope: str, warnings: list[str]
) -> tuple[list[_Page], str | None, _Page | None, dict, dict]:
    """The pages (OCR'd where needed and possible), the PDF's title, the signature page and both
    signers as read there; the document and the Tesseract pool are closed before returning."""
    doc = _open(data)
    try:
        pages = _text_pages(doc)
        title = _metadata_title(doc)
        reader = _OcrReader(doc, pages, tessdata_dir, dpi, ocr_threads) if tessdata_dir else None
        try:
            sig_page = _find_pages(pages, reader, ocr_scope)
            lea, ice = _empty_signer(), _empty_signer()
            if sig_page is None:
                warnings.append("signature page not found")
            else:
                lea, ice = _read_signature(doc, sig_page, reader)
        finally:
            if reader:
                reader.close()
    finally:
        doc.close()
    return pages, title, sig_page, lea, ice


def _open(data: bytes) -> pypdfium2.PdfDocument:
    try:
        doc = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        message = str(exc).lower()
        if "password" in message:
            raise MoaError("encrypted") from exc
        if b"%%EOF" not in data[-2048:]:
            raise MoaError("truncated PDF (no end-of-file marker)") from exc
        raise MoaError(f"unreadable PDF ({str(exc).splitlines()[0][:80]})") from exc
    if len(doc) == 0:
        doc.close()
        raise MoaError("PDF has no pages")
    return doc


def _metadata_title(doc: pypdfium2.PdfDocument) -> str | None:
    title = doc.get_metadata_dict(skip_empty=True).get("Title")
    return title.strip() if isinstance(title, str) and title.strip() else None


def _text_pages(doc: pypdfium2.PdfDocument) -> list[_Page]:
    pages = []
    for i in range(len(doc)):
        page = doc[i]
        width, height = page.get_size()
        textpage = page.get_textpage()
        text = unshift_labels(textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n"))
        textpage.close()
        page.close()
        pages.append(_Page(i + 1, width, height, text))
    return pages


def _layer_words(doc: pypdfium2.PdfDocument, page: _Page) -> list[Word]:
    """Words with boxes from the text layer (pdfium hands out characters), top-down coordinates.

    Invisible text is a scanner's own OCR laid over the image, with no confidence to go by:
    its words get ``LAYER_OCR_CONF``, under the floor, so they place the signature block but
    never become a value unless Tesseract reads the same page again here."""
    pdf_page = doc[page.number - 1]
    if pdf_page.get_rotation():
        # Character boxes come unrotated; such a page is read by OCR, which sees it upright.
        pdf_page.close()
        return []
    textpage = pdf_page.get_textpage()
    words: list[Word] = []
    chars: list[tuple[str, float, float, float, float]] = []
    invisible = False

    def flush() -> None:
        if chars:
            text = unshift_labels("".join(c[0] for c in chars))
            words.append(Word(min(c[1] for c in chars), min(c[2] for c in chars),
                              max(c[3] for c in chars), max(c[4] for c in chars), text,
                              LAYER_OCR_CONF if invisible else 100.0))
            chars.clear()

    for i in range(textpage.count_chars()):
        code = pdfium_c.FPDFText_GetUnicode(textpage.raw, i)
        ch = chr(code) if code else " "
        if ch.isspace() or code in (0xFFFE, 0xFFFF, 2):
            flush()
            continue
        left, bottom, right, top = textpage.get_charbox(i)
        x0, y0, x1, y1 = left, page.height - top, right, page.height - bottom
        if chars:
            # A wide gap (pdfium inserts spaces for ordinary ones), a step back to the left,
            # or a character outside the word's band of height starts a new word; a full
            # stop sitting low on the baseline does not.
            _, wx0, wtop, wx1, wbottom = chars[-1]
            height = max(1.0, wbottom - wtop, y1 - y0)
            centre = (y0 + y1) / 2
            if x0 - wx1 > 1.0 * height or x0 < wx0 or not wtop - 0.3 * height <= centre <= wbottom + 0.3 * height:
                flush()
        if not chars:
            obj = pdfium_c.FPDFText_GetTextObject(textpage.raw, i)
            invisible = bool(obj) and pdfium_c.FPDFTextObj_GetTextRenderMode(obj) == INVISIBLE
        chars.append((ch, x0, y0, x1, y1))
    flush()
    textpage.close()
    pdf_page.close()
    return words


class _OcrReader:
    """Renders pages with pdfium (in this thread: pdfium is not thread-safe) and OCRs them
    with Tesseract in a small pool of threads, each page at most once.

    Tesseract runs in this process through its C API, one engine per thread, so its model
    is loaded once per thread rather than once per page as a command-line run would."""

    def __init__(
        self, doc: pypdfium2.PdfDocument, pages: list[_Page], tessdata: str, dpi: int, threads: int
    ) -> None:
        self.doc = doc
        # Page sizes as pdfium gives them (as the page is shown), read once with the text.
        self.sizes = [(p.width, p.height) for p in pages]
        self.tessdata = tessdata
        self.dpi = dpi
        self.pool = ThreadPoolExecutor(max_workers=max(1, threads))
        self.local = threading.local()
        self.engines: list[tesserocr.PyTessBaseAPI] = []
        self.jobs: dict[tuple[int, tuple[float, float]], Future] = {}

    def submit(self, number: int, band: tuple[float, float] = FULL) -> Future:
        """Start OCR of page ``number``, or of a band of it (shares of its height): the
        first page's heading and parties clause sit in its top part, a press-contact
        appendix in its upper half, a signature block below the closing clause."""
        if (number, FULL) in self.jobs:
            return self.jobs[(number, FULL)]
        key = (number, band)
        if key not in self.jobs:
            width, height = self.sizes[number - 1]
            box = (0.0, height * band[0], width, height * band[1])
            self.jobs[key] = self.pool.submit(self._ocr, self._render(number, box, self.dpi), self.dpi / 72, box[:2])
        return self.jobs[key]

    def submit_crop(self, number: int, box: tuple[float, float, float, float], dpi: int) -> Future:
        """Start OCR of one strip of a page (``box`` in points, top-down), read as a block."""
        image = self._render(number, box, dpi)
        return self.pool.submit(self._ocr, image, dpi / 72, box[:2], tesserocr.PSM.SINGLE_BLOCK)

    def _render(self, number: int, box: tuple[float, float, float, float], dpi: int) -> Image.Image:
        """Render only ``box`` (points, top-down, as the page is shown): a strip costs a
        strip's pixels."""
        width, height = self.sizes[number - 1]
        page = self.doc[number - 1]
        x0, top, x1, bottom = max(0.0, box[0]), max(0.0, box[1]), min(width, box[2]), min(height, box[3])
        image = page.render(scale=dpi / 72, grayscale=True, crop=(x0, height - bottom, width - x1, top)).to_pil()
        page.close()
        return image

    def _engine(self) -> tesserocr.PyTessBaseAPI:
        engine = getattr(self.local, "engine", None)
        if engine is None:
            engine = tesserocr.PyTessBaseAPI(path=self.tessdata, lang="eng")
            self.local.engine = engine
            self.engines.append(engine)
        return engine

    def _ocr(
        self, image: Image.Image, scale: float, offset: tuple[float, float], psm: int = tesserocr.PSM.AUTO
    ) -> tuple[list[Word], str, str]:
        engine = self._engine()
        engine.SetPageSegMode(psm)
        engine.SetImage(image)
        engine.SetSourceResolution(ASSUMED_DPI)
        engine.Recognize()
        words = []
        dx, dy = offset
        level = tesserocr.RIL.WORD
        for item in tesserocr.iterate_level(engine.GetIterator(), level):
            if item.Empty(level):  # a strip with no text at all
                continue
            text, conf, box = item.GetUTF8Text(level), item.Confidence(level), item.BoundingBox(level)
            if text and text.strip() and box and conf >= 0:
                x0, y0, x1, y1 = (v / scale for v in box)
                words.append(Word(x0 + dx, y0 + dy, x1 + dx, y1 + dy, text.strip(), conf))
        lines = group_lines(words, tolerance=5.0)
        text = "\n".join(line_text(line) for line in lines)
        sure = "\n".join(
            " ".join(w.text if w.conf >= MIN_CONF or not re.search(r"[A-Za-z0-9]", w.text) else "\u2022"
                     for w in line)
            for line in lines
        )
        return words, text, sure

    def read_into(self, page: _Page, band: tuple[float, float] = FULL) -> None:
        """Replace a page's text with Tesseract's; a few typed words laid over a scan (a
        field office, an agency in a form field) are kept after it."""
        overlay = page.text.strip()
        page.words, page.text, page.sure_text = self.submit(page.number, band).result()
        if overlay:
            page.text += "\n" + overlay
            page.sure_text += "\n" + overlay
        page.ocr = True

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        for engine in self.engines:
            engine.End()


def _is_signature_page(page: _Page) -> bool:
    text = page.text
    return bool(SIGNATURE_HINT.search(text) and SIGNATURE_ANCHOR.search(text) and not ADDENDUM.search(text))


def _signature_page(pages: list[_Page]) -> _Page | None:
    return next((p for p in pages if _is_signature_page(p)), None)


def _find_pages(pages: list[_Page], reader: _OcrReader | None, scope: str) -> _Page | None:
    """OCR the pages that hold fields, several at once, and return the signature page.

    Without a text layer: the top of page 1 (model, agency), the page where the template
    puts the signatures, the page before it (the ICE field office; JEM and WSO only) and the
    top of the last page (press contact) go to Tesseract together; the signature search
    and the press contact then move outwards only when their guess was wrong."""
    n = len(pages)
    if reader is None:
        return _signature_page(pages)
    bands: dict[int, tuple[float, float]] = {}

    def want(number: int, band: tuple[float, float] = FULL) -> bool:
        page = pages[number - 1] if 1 <= number <= n else None
        if page is None or page.has_text or number in bands:
            return False
        bands[number] = FULL if scope == "all" else band
        reader.submit(number, bands[number])
        return True

    def read(number: int) -> _Page:
        page = pages[number - 1]
        if number in bands and not page.ocr:
            reader.read_into(page, bands[number])
        return page

    if scope == "all":
        for p in pages:
            want(p.number)
    want(1, PAGE_ONE_BAND)
    model, _ = find_model("\n".join(read(1).text.splitlines()[:8]), "", None, None)
    sig = _signature_page(pages)
    guess = sig.number if sig else _expected_signature_page(len(pages), model)
    want(guess)
    if model != "TFM":
        want(guess - 1)
    want(n, PRESS_BAND)
    sig = _signature_page([read(guess)]) or _signature_page(pages)
    if sig is None:
        for number in sorted(range(2, n + 1), key=lambda k: (abs(k - guess), k)):
            if want(number) and _is_signature_page(read(number)):
                sig = pages[number - 1]
                break
        if sig is not None and model != "TFM":
            want(sig.number - 1)
    for number in range(n, max(1, n - 3), -1):
        if PA_HEADING.search(read(number).text) or any(PA_HEADING.search(p.text) for p in pages):
            break
        want(number - 1, PRESS_BAND)
    for number in list(bands):
        read(number)
    return sig


def _expected_signature_page(n: int, model: str | None) -> int:
    """Where each template puts its signatures: page 9 of the 14-page 2025 Task Force MOA,
    page 7 of the JEM and WSO ones (10 to 12 pages)."""
    if model == "TFM" or (model is None and n >= 13):
        return min(9, n)
    return min(7, n)


def _empty_signer() -> dict:
    return {"name": None, "title": None, "date": None, "agency": None, "names": [], "typed": []}


def _read_signature(doc: pypdfium2.PdfDocument, page: _Page, reader: _OcrReader | None) -> tuple[dict, dict]:
    """Read the signature block, filling only gaps and only on agreement.

    Typed text is taken as it is.  Where it leaves a name, title or date out, Tesseract
    reads the block: a value every word of which clears the confidence floor is taken,
    unless the scanner's own OCR layer says something else; a value read under the floor
    is taken only when a second reading (that layer, or a confident one by Tesseract again
    at a finer resolution) says the same and the layer does not contradict it."""
    if page.words is None:
        page.words = _layer_words(doc, page)
    lea, ice = _read_signature_block(page)
    if reader is None:
        return lea, ice
    layer = None
    if page.ocr:
        strict, weak = (lea, ice), _read_signature_block(page, min_conf=WEAK_CONF)
    elif not (lea["name"] and ice["name"] and ice["date"]):
        # A handwritten LEA date alone is not worth OCR: Tesseract rarely reads one.
        strict, weak = _ocr_block(reader, page, _block_band(page))
        page.ocr_read = True
        if any(w.conf < 100 for w in page.words):
            layer = _read_signature_block(page, min_conf=0)
    else:
        return lea, ice
    for n, mine in enumerate((lea, ice)):
        if mine is not strict[n]:
            mine["names"] = mine["names"] + strict[n]["names"]
    _merge((lea, ice), strict, weak, layer)
    _look_closer((lea, ice), page, reader, [weak] + ([layer] if layer else []), layer)
    return lea, ice


# The fields a closer look is spent on: typed names, the ICE title and ICE's (often stamped)
# date.  The LEA's handwritten date and title rarely read the same way twice.
CLOSER_LOOK = ((0, "name"), (0, "title"), (1, "name"), (1, "title"), (1, "date"))
CLOSE_DPI = 300


def _look_closer(signers: tuple[dict, dict], page: _Page, reader: _OcrReader, readings: list, layer) -> None:
    """Fill a gap only where a second, finer reading of the same spot agrees.

    Every value some reading saw there, however weakly, is a candidate; Tesseract reads
    just the words' own strip again at ``CLOSE_DPI`` (a few hundredths of a page, so it is
    cheap), and when that confident reading says the same, letter for letter, and the
    scanner's layer does not say something else, it is taken."""
    jobs = []
    for n, key in CLOSER_LOOK:
        if signers[n][key] is not None:
            continue
        candidates: dict[str, list[Word]] = {}
        for reading in readings:
            for value, words in reading[n]["seen"].get(key, []):
                candidates.setdefault(value, words)
        ranked = list(candidates.items())
        if key == "name":
            # The stamp over a signature often spells part of a name ("M CRONEN"); the
            # fuller one typed under it goes first.
            ranked.sort(key=lambda item: -len(item[0].split()))
        for value, words in ranked[:2]:
            box = _strip(page, words)
            jobs.append((n, key, value, reader.submit_crop(page.number, box, CLOSE_DPI)))
    for n, key, value, job in jobs:
        mine = signers[n]
        other = layer[n][key] if layer else None
        if mine[key] is not None or (other is not None and not _agree(key, value, other)):
            continue
        # Two readings agree only letter for letter ("Burnet" and a confident "Bumet" do not):
        # close is not enough when neither reading is sure on its own.
        closer_values = read_strip(key, job.result()[0], MIN_CONF)
        closer = next((seen for seen in closer_values if _letters(seen) == _letters(value)), None)
        if closer is not None:
            mine[key] = closer


def _strip(page: _Page, words: list[Word]) -> tuple[float, float, float, float]:
    """The words' box with room around it, kept within their half of the page."""
    x0, x1 = min(w.x0 for w in words), max(w.x1 for w in words)
    top, bottom = min(w.top for w in words), max(w.bottom for w in words)
    pad = max(4.0, 0.6 * (bottom - top))
    mid = page.width / 2
    left_edge, right_edge = (0.0, mid + 12) if (x0 + x1) / 2 < mid else (mid - 12, page.width)
    return (
        max(left_edge, x0 - 3 * pad), max(0.0, top - pad),
        min(right_edge, x1 + 3 * pad), min(page.height, bottom + pad),
    )


def _ocr_block(reader: _OcrReader, page: _Page, band: tuple[float, float]):
    words, text, _ = reader.submit(page.number, band).result()
    scanned = _Page(page.number, page.width, page.height, text, words, ocr=True)
    return _read_signature_block(scanned), _read_signature_block(scanned, min_conf=WEAK_CONF)


def _merge(signers: tuple[dict, dict], strict, weak, layer) -> None:
    for n, mine in enumerate(signers):
        for key in ("name", "title", "date", "agency"):
            if mine[key] is not None:
                continue
            sure, maybe = strict[n][key], weak[n][key]
            other = layer[n][key] if layer else None
            if sure is not None and (other is None or _agree(key, sure, other)):
                mine[key] = sure
            elif maybe is not None and other is not None and _agree(key, maybe, other):
                mine[key] = maybe


def _agree(key: str, reading: str, layer: str) -> bool:
    """Whether the scanner's layer backs a reading.  For a name, letter for letter: where a
    signature crosses the end of a typed name, both readers can stop short of it, each in
    its own place ("Hofberg", "Hofber"), and a name cut short is a wrong name."""
    return _letters(reading) == _letters(layer) if key == "name" else _same(key, reading, layer)


def _block_band(page: _Page) -> tuple[float, float]:
    """The part of the page below the closing clause, where the signatures are."""
    anchors = [w.top for w in page.words or [] if w.text.lower() == "fullest"]
    top = max(0.0, min(anchors) / page.height - 0.03) if anchors else 0.0
    return (top, 1.0)


def _letters(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def _same(key: str, a: str, b: str) -> bool:
    if key == "date":
        return a == b
    # Punctuation parts words: "C.M. Cronen" and "C. M. Cronen" are the same name.
    return fuzz.token_sort_ratio(re.sub(r"[^a-z]+", " ", a.lower()), re.sub(r"[^a-z]+", " ", b.lower())) >= 85


def _read_signature_block(page: _Page, min_conf: float = MIN_CONF) -> tuple[dict, dict]:
    words = page.words or []
    lines = group_lines(words, tolerance=5.0 if page.ocr else 3.0)
    anchor = None
    for line in lines:
        if SIGNATURE_ANCHOR.search(line_text(line)):
            anchor = max(w.bottom for w in line)
    if anchor is None:
        return _empty_signer(), _empty_signer()
    footer = page.height * 0.92
    region = [w for w in words if w.top > anchor + 1 and w.bottom < footer]
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
    lea = read_signer_column(lea_lines, min_conf=min_conf)
    ice = read_signer_column(ice_lines, min_conf=min_conf)
    if page.ocr:
        ice["name"] = snap_ice_name(ice["name"])
    return lea, ice


def _is_footer(line: Line) -> bool:
    return bool(re.search(r"Re[vV]ised\s*\d", line_text(line)))


def _field_office(pages: list[_Page], sig_page: _Page | None) -> str | None:
    before_signatures = pages[: sig_page.number] if sig_page else pages
    for page in before_signatures:
        if FIELD_OFFICE_PAGE.search(page.value_text):
            office = field_office(page.value_text)
            if office:
                return office
    return None


def _public_affairs(pages: list[_Page]) -> dict:
    for page in pages:
        if PA_HEADING.search(page.text):
            return public_affairs(page.value_text)
    return {"name": None, "phone": None, "email": None}


def _settle_names(lea: dict, ice: dict, contacts: list[str | None], warnings: list[str]) -> None:
    """A scan often clips the end of a typed name; the contact pages spell it out.  A name
    typed off its line counts only when the contact pages or ICE's own list confirm it."""
    if not ice["name"]:
        ice["name"] = known_ice_signer(ice["names"]) or next(iter(ice["typed"]), None)
    if not lea["name"]:
        lea["name"] = next(
            (n for n in lea["names"] for c in contacts if c and _same("name", n, c)), None
        ) or next(iter(lea["typed"]), None)
    name = lea["name"]
    for contact in contacts:
        if name and contact and contact != name and _completes(name, contact):
            lea["name"] = contact
            warnings.append(f"LEA signer name completed from the contact page: {name!r} -> {contact!r}")
            break
    if not lea["name"]:
        contact = next((c for c in contacts if c), None)
        warnings.append("LEA signer name not read" + (f"; point of contact is {contact}" if contact else ""))
    if not ice["name"]:
        warnings.append("ICE signer name not read")


def _completes(short: str, full: str) -> bool:
    a, b = (re.sub(r"[^a-z ]", "", x.lower()).split() for x in (short, full))
    return len(a) == len(b) and len(" ".join(a)) >= 6 and all(y.startswith(x) for x, y in zip(a, b, strict=True))


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
        ("parties clause", agency_from_parties(pages[0].value_text)),
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
