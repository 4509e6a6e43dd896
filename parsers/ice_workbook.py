"""ICE's participating and pending workbooks, bytes in, records out.

Pure: no network, no database. The same function re-parses the raw archive when a rule
improves, so every rule here is written for the messy files ICE really publishes:
the header is found by name, not position; hundreds of formatted blank rows are dropped;
typos in states, models and dates are repaired only where the reading is unambiguous,
and every repair is reported as a warning.
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from typing import IO
from urllib.parse import parse_qs, unquote, urlsplit

from defusedxml import ElementTree

from parsers.places import state_code
from parsers.urls import web_url
from vocabulary import PARTICIPATING, PENDING

# Header names as ICE has written them, normalised (upper case, single spaces).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "state": ("STATE",),
    "agency": ("LAW ENFORCEMENT AGENCY", "AGENCY", "LAW ENFORCEMENT AGENCY NAME"),
    "agency_type": ("TYPE", "AGENCY TYPE"),
    "county": ("COUNTY",),
    "model": ("SUPPORT TYPE", "MODEL", "287(G) MODEL"),
    "signed": ("SIGNED", "DATE SIGNED", "SIGNED DATE"),
    "moa": ("MOA", "MOA LINK"),
    "addendum": ("ADDENDUM", "ADDENDUM LINK"),
}
REQUIRED = {PARTICIPATING: ("state", "agency", "model", "signed"), PENDING: ("state", "agency", "model")}
HEADER_SEARCH_ROWS = 25

MODELS = {
    "JAIL ENFORCEMENT MODEL": "JEM",
    "JAIL ENFORCEMENT": "JEM",
    "JEM": "JEM",
    "TASK FORCE MODEL": "TFM",
    "TASK FORCE": "TFM",
    "TFM": "TFM",
    "WARRANT SERVICE OFFICER": "WSO",
    "WARRANT SERVICE OFFICER MODEL": "WSO",
    "WARRANT SERVICE": "WSO",
    "WSO": "WSO",
}
# Real lists inflate to under 1 MB at a ratio under 15; these leave room for 100 times the rows.
MAX_INFLATED_BYTES = 100 * 2**20
MAX_INFLATE_RATIO = 200
RATIO_CHECKED_FROM = 2**20
EMPTY_MARKERS = {"", "#N/A", "N/A", "NA", "-", "--"}
EARLIEST_SIGNED = dt.date(1996, 9, 30)  # 287(g) was enacted on this day.
OOXML_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


class WorkbookError(ValueError):
    """The bytes are not a usable ICE workbook; the message says why, for the crawl log."""


@dataclass(frozen=True)
class AgreementRecord:
    """One row of a participating or pending workbook after cleaning."""

    state: str
    agency: str
    agency_type: str | None
    county: str | None
    model: str
    signed: dt.date | None = None
    signed_raw: str | None = None
    moa_url: str | None = None
    moa_text: str | None = None
    addendum_url: str | None = None
    state_raw: str | None = None
    extra: tuple[tuple[str, str], ...] = ()
    row: int = 0

    def as_dict(self) -> dict:
        return {
            "state": self.state,
            "agency": self.agency,
            "agency_type": self.agency_type,
            "county": self.county,
            "model": self.model,
            "signed": self.signed.isoformat() if self.signed else None,
            "signed_raw": self.signed_raw,
            "moa_url": self.moa_url,
            "moa_text": self.moa_text,
            "addendum_url": self.addendum_url,
            "state_raw": self.state_raw,
            "extra": dict(self.extra),
            "row": self.row,
        }


@dataclass
class ParsedWorkbook:
    kind: str
    records: list[AgreementRecord]
    columns: list[str]
    unknown_columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    duplicates: int = 0


def looks_like(data: bytes) -> str:
    """What a body that is not a workbook seems to be, without quoting any of it (it may be anything)."""
    head = data[:2048].lstrip().lower()
    if not data:
        return "an empty file"
    if head.startswith(b"<!doctype html") or b"<html" in head:
        return "an HTML page"
    if head.startswith(b"%pdf-"):
        return "a PDF"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "an old-style .xls file (ICE publishes .xlsx)"
    return f"{len(data):,} bytes of something else"


def parse_workbook(data: bytes, kind: str | None = None, filename: str = "") -> ParsedWorkbook:
    """Parse one workbook. `kind` may be given by the caller (link text); else it is inferred."""
    if not data.startswith(b"PK"):
        raise WorkbookError(f"not an xlsx workbook: {looks_like(data)}")
    import openpyxl  # loaded only when a workbook is read: an unchanged poll never needs it

    try:
        check_inflated_size(data)
        links = _hyperlinks(data)
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except WorkbookError:
        raise
    except Exception as exc:  # openpyxl and zipfile raise many types for a damaged file
        raise WorkbookError(f"unreadable workbook ({type(exc).__name__}: {exc})") from exc
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        return _parse_rows(rows, links, kind or _kind_from_name(filename), filename)
    except WorkbookError:
        raise
    except Exception as exc:
        raise WorkbookError(f"unreadable workbook ({type(exc).__name__}: {exc})") from exc
    finally:
        book.close()


def check_inflated_size(data: bytes) -> None:
    """Refuse a workbook that would inflate far beyond any list ICE publishes, before reading it.

    A 1.3 MB file can hold a sheet that inflates to 1.3 GB (a zip bomb). The sizes a zip
    declares are what Python's zipfile will inflate at most, so checking them is enough.
    Real lists inflate to under 1 MB at a ratio under 15.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise WorkbookError(f"not an xlsx workbook: {exc}") from exc
    total = sum(entry.file_size for entry in entries)
    if total > MAX_INFLATED_BYTES:
        raise WorkbookError(f"refused: the workbook would inflate to {total / 2**20:,.0f} MB, more than the "
                            f"{MAX_INFLATED_BYTES // 2**20} MB any real list needs (a zip bomb?)")
    for entry in entries:
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > RATIO_CHECKED_FROM and ratio > MAX_INFLATE_RATIO:
            raise WorkbookError(f"refused: {entry.filename} inflates {ratio:,.0f} times "
                                f"({entry.file_size / 2**20:,.0f} MB), more than {MAX_INFLATE_RATIO} (a zip bomb?)")


def _kind_from_name(filename: str) -> str | None:
    name = filename.lower()
    if "pending" in name:
        return PENDING
    if "participat" in name:
        return PARTICIPATING
    return None


def _norm_header(value: object) -> str:
    return clean_text(value).upper() if value is not None else ""


def _find_header(rows) -> tuple[int, list[str]]:
    for index, row in enumerate(rows, start=1):
        headers = [_norm_header(v) for v in row]
        if "STATE" in headers and any(h in headers for h in COLUMN_ALIASES["agency"]):
            return index, headers
        if index >= HEADER_SEARCH_ROWS:
            break
    raise WorkbookError(
        "no header row with STATE and LAW ENFORCEMENT AGENCY in the first "
        f"{HEADER_SEARCH_ROWS} rows: not an ICE 287(g) list"
    )


def _parse_rows(rows, links: dict[tuple[int, int], str], kind: str | None, filename: str) -> ParsedWorkbook:
    header_row, headers = _find_header(rows)
    positions: dict[str, int] = {}
    unknown: list[str] = []
    for index, name in enumerate(headers):
        if not name:
            continue
        field_name = next((f for f, aliases in COLUMN_ALIASES.items() if name in aliases), None)
        if field_name and field_name not in positions:
            positions[field_name] = index
        else:
            unknown.append(name)
    if kind is None:
        kind = PARTICIPATING if "signed" in positions or "moa" in positions else PENDING
    missing = [f for f in REQUIRED[kind] if f not in positions]
    if missing:
        names = ", ".join(COLUMN_ALIASES[f][0] for f in missing)
        raise WorkbookError(f"{kind} workbook lacks required column(s) {names}")

    parsed = ParsedWorkbook(kind=kind, records=[], columns=[h for h in headers if h], unknown_columns=unknown)
    seen: set[tuple] = set()
    for row_number, values in enumerate(rows, start=header_row + 1):
        record = _record(values, row_number, positions, headers, unknown, links, parsed.warnings)
        if record is None:
            continue
        key = (record.state, record.agency, record.agency_type, record.county, record.model, record.signed,
               record.signed_raw, record.moa_url, record.addendum_url)
        if key in seen:
            parsed.duplicates += 1
            parsed.warnings.append(f"row {row_number}: exact duplicate of an earlier row, collapsed")
            continue
        seen.add(key)
        parsed.records.append(record)
    return parsed


def _cell(values: tuple, index: int | None) -> object:
    if index is None or index >= len(values):
        return None
    return values[index]


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: object) -> str:
    """Text with single spaces and no control characters.

    PostgreSQL refuses a NUL in any text value; a stray control character in ICE's sheet
    must not fail every crawl there while SQLite takes it.
    """
    return " ".join(_CONTROL.sub("", str(value)).replace("\xa0", " ").split())


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = clean_text(value)
    return None if text.upper() in EMPTY_MARKERS else text


def _record(values, row_number, positions, headers, unknown, links, warnings) -> AgreementRecord | None:
    agency = _text(_cell(values, positions.get("agency")))
    state_raw = _text(_cell(values, positions.get("state")))
    model_raw = _text(_cell(values, positions.get("model")))
    if not agency and not state_raw and not model_raw:
        return None
    where = f"row {row_number}"
    if not agency:
        warnings.append(f"{where}: no agency name, row skipped")
        return None
    state, problem = state_code(state_raw)
    if problem:
        warnings.append(f"{where} ({agency}): {problem}")
    if state is None:
        warnings.append(f"{where} ({agency}): row skipped, state unknown")
        return None
    model, problem = model_code(model_raw)
    if model is None:
        warnings.append(f"{where} ({agency}): {problem}, row skipped")
        return None
    signed, signed_raw, problem = None, None, None
    if "signed" in positions:
        signed, signed_raw, problem = parse_signed(_cell(values, positions["signed"]))
        if problem:
            warnings.append(f"{where} ({agency}): {problem}")
    moa_url, moa_text = _link(values, positions.get("moa"), row_number, links, warnings)
    addendum_url, _ = _link(values, positions.get("addendum"), row_number, links, warnings)
    extra = tuple(
        (name, clean_text(_cell(values, headers.index(name))))
        for name in unknown
        if _cell(values, headers.index(name)) not in (None, "")
    )
    return AgreementRecord(
        state=state,
        agency=agency,
        agency_type=_text(_cell(values, positions.get("agency_type"))),
        county=_text(_cell(values, positions.get("county"))),
        model=model,
        signed=signed,
        signed_raw=signed_raw,
        moa_url=moa_url,
        moa_text=moa_text,
        addendum_url=addendum_url,
        state_raw=state_raw if state_raw and state_raw.upper() != state else None,
        extra=extra,
        row=row_number,
    )


def model_code(raw: str | None) -> tuple[str | None, str | None]:
    """`Jail Enforcement Model ` → JEM. Returns (code, problem)."""
    if not raw:
        return None, "support type is empty"
    text = " ".join(raw.upper().replace("-", " ").split())
    if text in MODELS:
        return MODELS[text], None
    for name, code in MODELS.items():
        if len(name) > 3 and name in text:
            return code, None
    return None, f"support type {raw!r} is not JEM, TFM or WSO"


_SLASHED = re.compile(r"^(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4}|\d{2})$")
_RUN_ON_YEAR = re.compile(r"^(\d{1,2})\s*[/.-]\s*(\d{1,2})(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")


def parse_signed(value: object, today: dt.date | None = None) -> tuple[dt.date | None, str | None, str | None]:
    """Return (date, raw text, problem) for a SIGNED cell.

    Excel dates pass through; text is read as M/D/YYYY or YYYY-MM-DD, and a missing
    separator before the year (`7/72025`, `05/082025`) is repaired because the four-digit
    year makes the split unambiguous. A year outside the program's life (`5025-07-07`) is
    not guessed at: the date is null and the raw text kept.
    """
    if value is None:
        return None, None, None
    latest = (today or dt.date.today()) + dt.timedelta(days=366)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return _plausible(value, str(value), latest)
    if isinstance(value, int | float) and not isinstance(value, bool):
        from openpyxl.utils.datetime import from_excel

        try:
            converted = from_excel(value)
        except (ValueError, OverflowError):
            return None, str(value), f"signed {value!r} is not a date"
        day = converted.date() if isinstance(converted, dt.datetime) else converted
        return _plausible(day, str(value), latest)
    raw = clean_text(value)
    if raw.upper() in EMPTY_MARKERS:
        return None, None, None
    for pattern, order in ((_SLASHED, "mdy"), (_ISO, "ymd"), (_RUN_ON_YEAR, "mdy")):
        match = pattern.match(raw)
        if not match:
            continue
        parts = dict(zip(order, (int(g) for g in match.groups()), strict=True))
        year = parts["y"] + 2000 if parts["y"] < 100 else parts["y"]
        try:
            day = dt.date(year, parts["m"], parts["d"])
        except ValueError:
            return None, raw, f"signed {raw!r} is not a real date"
        date, _, problem = _plausible(day, raw, latest)
        if problem:
            return None, raw, problem
        note = None if pattern is not _RUN_ON_YEAR else f"signed {raw!r} read as {day.isoformat()}"
        return date, raw, note
    return None, raw, f"signed {raw!r} is not a date"


def _plausible(day: dt.date, raw: str, latest: dt.date) -> tuple[dt.date | None, str | None, str | None]:
    if EARLIEST_SIGNED <= day <= latest:
        return day, None if raw == str(day) else raw, None
    return None, raw, f"signed {raw!r} is outside the life of the program"


def _link(values, index, row_number, links, warnings) -> tuple[str | None, str | None]:
    """The URL behind a MOA/ADDENDUM cell: its hyperlink, else a URL typed as its text.

    Only a web address is kept: a `javascript:` or `file:` link in ICE's sheet would
    otherwise reach Slack, email and feeds as a live link.
    """
    if index is None:
        return None, None
    text = _text(_cell(values, index))
    target = links.get((row_number, index + 1))
    if not target and text and re.match(r"https?://", text, re.I):
        target = text
    if not target:
        return None, text
    url = unwrap_safelinks(target).replace(" ", "%20")
    if not web_url(url):
        warnings.append(f"row {row_number}: link {url[:80]!r} is not a web address, dropped")
        return None, text
    return url, text


def unwrap_safelinks(url: str) -> str:
    """Outlook SafeLinks wrap the real address in a `url` query parameter; take it out."""
    for _ in range(3):
        parts = urlsplit(url.strip())
        if not parts.netloc.lower().endswith("safelinks.protection.outlook.com"):
            break
        inner = parse_qs(parts.query).get("url")
        if not inner:
            break
        url = unquote(inner[0]) if "%" in inner[0] else inner[0]
    return url.strip()


def _hyperlinks(data: bytes) -> dict[tuple[int, int], str]:
    """Map (row, column) → external hyperlink target of the first sheet.

    openpyxl's read-only mode, which keeps large sheets fast, does not expose
    hyperlinks, so they are read from the sheet's XML and relationships directly.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise WorkbookError(f"not an xlsx workbook: {exc}") from exc
    with archive:
        names = set(archive.namelist())
        sheet_path = _first_sheet_path(archive, names)
        if sheet_path is None:
            return {}
        rels_path = posixpath.join(posixpath.dirname(sheet_path), "_rels", posixpath.basename(sheet_path) + ".rels")
        targets: dict[str, str] = {}
        if rels_path in names:
            for rel in ElementTree.fromstring(archive.read(rels_path)).iter(f"{PKG_REL_NS}Relationship"):
                if rel.get("Type", "").endswith("/hyperlink"):
                    targets[rel.get("Id", "")] = rel.get("Target", "")
        links: dict[tuple[int, int], str] = {}
        with archive.open(sheet_path) as sheet:
            block = _hyperlink_block(sheet)
        if block is None:
            return links
        for element in ElementTree.fromstring(block).iter(f"{MAIN_NS}hyperlink"):
            target = targets.get(element.get(OOXML_REL, ""))
            if target:
                for cell in _cells(element.get("ref", "")):
                    links[cell] = target
        return links


_ROOT_TAG = re.compile(rb"<([\w:]*worksheet)\b[^>]*>")
_HYPERLINKS_START = re.compile(rb"<(?:\w+:)?hyperlinks\b")
_HYPERLINKS_END = re.compile(rb"</(?:\w+:)?hyperlinks>")
CHUNK = 1 << 20
MAX_HYPERLINK_BLOCK = 32 * 2**20


def _hyperlink_block(sheet: IO[bytes]) -> bytes | None:
    """The sheet's <hyperlinks> element inside its own root tag (for the namespaces).

    Hyperlinks sit after the cell data. The sheet is read in chunks and only the block is
    kept, so a large sheet never sits in memory whole; parsing only the block with
    defusedxml, rather than every cell, keeps a 2,000-row workbook well under a second.
    """
    head = b""
    root = None
    while root is None:
        chunk = sheet.read(CHUNK)
        if not chunk:
            return None
        head += chunk
        root = _ROOT_TAG.search(head)
        if root is None and len(head) > CHUNK * 4:
            return None
    window = head[root.end():]
    start = None
    while start is None:
        start = _HYPERLINKS_START.search(window)
        if start is not None:
            break
        chunk = sheet.read(CHUNK)
        if not chunk:
            return None
        window = window[-64:] + chunk  # a tag split across two chunks is still found
    block = window[start.start():]
    while True:
        end = _HYPERLINKS_END.search(block)
        if end is not None:
            return root.group(0) + block[:end.end()] + b"</" + root.group(1) + b">"
        chunk = sheet.read(CHUNK)
        if not chunk or len(block) > MAX_HYPERLINK_BLOCK:
            return None
        block += chunk


def _first_sheet_path(archive: zipfile.ZipFile, names: set[str]) -> str | None:
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        raise WorkbookError("not an xlsx workbook: no xl/workbook.xml inside the zip")
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    sheet = next(book.iter(f"{MAIN_NS}sheet"), None)
    if sheet is None:
        return None
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for rel in rels.iter(f"{PKG_REL_NS}Relationship"):
        if rel.get("Id") == sheet.get(OOXML_REL):
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            return path if path in names else None
    return None


def _cells(ref: str) -> list[tuple[int, int]]:
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, range_boundaries

    if not ref:
        return []
    if ":" not in ref:
        letters, row = coordinate_from_string(ref)
        return [(row, column_index_from_string(letters))]
    min_col, min_row, max_col, max_row = range_boundaries(ref)
    if (max_row - min_row + 1) * (max_col - min_col + 1) > 10_000:
        return []
    return [(r, c) for r in range(min_row, max_row + 1) for c in range(min_col, max_col + 1)]


# MMDDYYYY, or (since autumn 2026) MMDDYY before am/pm or the extension: `…Agencies091526pm.xlsx`;
# never six digits of a download URL's id.
_STAMP = re.compile(r"(?<![0-9])(\d{2})(\d{2})(\d{4}|\d{2}(?=\s*(?:am|pm)|\.xls))\s*(am|pm)?(?![0-9])", re.I)


def publication_stamp(filename: str) -> str | None:
    """`participatingAgencies05162025am.xlsx` → `2025-05-16 am`, ICE's own date for the list."""
    name = filename.rsplit("/", 1)[-1]
    for match in reversed(list(_STAMP.finditer(name))):
        month, day, year, half = match.groups()
        try:
            stamp = dt.date(int(year) + (2000 if len(year) == 2 else 0), int(month), int(day)).isoformat()
        except ValueError:
            continue
        return f"{stamp} {half.lower()}" if half else stamp
    return None
