"""Agreements as they stand now, or as they stood at the end of a given day, as CSV, JSON lines or Excel.

Files a newsroom can use as they are: each row names the ICE list it was read from (ICE's
stamp and its date), the county is filled in where the agency's name makes it certain, and
the Excel file has real dates, clickable links, a frozen header and filters.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from parsers.places import county_from_name
from storage.models import Agreement, AgreementVersion, Publication, iso_z
from storage.summary import end_of, in_force
from vocabulary import GOOD_PUBLICATIONS, PARTICIPATING, AgreementStatus

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP's CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = ["id", "state", "agency", "agency_type", "county", "model", "signed", "signed_raw", "moa_url",
           "addendum_url", "status", "was_pending", "first_seen", "last_seen", "removed_at", "publication",
           "publication_date"]
DATE_COLUMNS = ("signed", "publication_date")
TIME_COLUMNS = ("first_seen", "last_seen", "removed_at")
LINK_COLUMNS = ("moa_url", "addendum_url")
MISSING = "missing"  # left out of ICE's latest list, not yet confirmed removed


def _iso(value: object) -> object:
    if isinstance(value, dt.datetime):
        return iso_z(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class _Lists:
    """The good publications of one list in publication order: which one a row was read from."""

    def __init__(self, session: Session, list_kind: str) -> None:
        publications = session.scalars(
            select(Publication).where(Publication.kind == list_kind, Publication.status.in_(GOOD_PUBLICATIONS))
            .order_by(Publication.published_at, Publication.id)
        ).all()
        self.by_id = {p.id: p for p in publications}
        self.ordered = publications
        self.times = [p.published_at for p in publications]

    def before(self, moment: dt.datetime) -> Publication | None:
        """The newest list published before `moment`."""
        index = bisect.bisect_left(self.times, moment)
        return self.ordered[index - 1] if index else None

    def listing(self, agreement: Agreement, moment: dt.datetime) -> Publication | None:
        """The newest list that carried `agreement` before `moment`."""
        if agreement.last_seen < moment:
            return self.by_id.get(agreement.last_publication_id)
        return self.before(moment)


def current_rows(session: Session, state: str | None = None, include_removed: bool = False,
                 list_kind: str = PARTICIPATING, include_missing: bool = True) -> list[dict]:
    """The agreements as they stand; `include_missing=False` drops those ICE's latest list left out.

    Without the ones left out, the rows are exactly what `summary` counts today; with
    `include_removed` they come back, marked `missing` (not yet confirmed removed).
    """
    statuses = (AgreementStatus.ACTIVE, AgreementStatus.REMOVED) if include_removed else (AgreementStatus.ACTIVE,)
    query = select(Agreement).where(Agreement.list_kind == list_kind, Agreement.status.in_(statuses))
    if state:
        query = query.where(Agreement.state == state)
    if not include_missing and not include_removed:
        query = query.where(Agreement.missing_since_publication_id.is_(None))
    lists = _Lists(session, list_kind)
    rows = []
    for agreement in session.scalars(query):
        row = _row(agreement, {f: getattr(agreement, f) for f in COLUMNS if hasattr(agreement, f)},
                   lists.by_id.get(agreement.last_publication_id))
        if not include_missing and agreement.missing_since_publication_id is not None \
                and agreement.status == AgreementStatus.ACTIVE:
            row["status"] = MISSING
        rows.append(row)
    return rows


def rows_as_of(session: Session, day: dt.date, state: str | None = None, include_removed: bool = False,
               list_kind: str = PARTICIPATING) -> list[dict]:
    """Each agreement's version in force at the end of `day` (UTC), on ICE's clock: what its list said then.

    The rule `summary` counts by: an agreement ICE's list left out stops counting from the
    first list without it, though it is confirmed removed only later. Such a row is left
    out, or, with `include_removed`, kept with the status `missing`.
    """
    end = end_of(day)
    left_out = aliased(Publication)
    query = (
        select(AgreementVersion, Agreement, func.coalesce(left_out.published_at, left_out.applied_at))
        .join(Agreement, Agreement.id == AgreementVersion.agreement_id)
        .outerjoin(left_out, left_out.id == Agreement.missing_since_publication_id)
        .where(Agreement.list_kind == list_kind, AgreementVersion.valid_from < end)
        .order_by(AgreementVersion.valid_from)
    )
    if not include_removed:
        query = query.where(or_(AgreementVersion.valid_to.is_(None), AgreementVersion.valid_to >= end))
    latest: dict[int, tuple[AgreementVersion, Agreement, dt.datetime | None]] = {}
    for version, agreement, missing_at in session.execute(query):
        latest[agreement.id] = (version, agreement, missing_at)
    lists = _Lists(session, list_kind)
    rows = []
    for version, agreement, missing_at in latest.values():
        fields = dict(version.fields)
        if state and fields.get("state") != state:
            continue
        listed = in_force(version, end)
        missing = listed and version.valid_to is None and missing_at is not None and missing_at < end
        if missing and not include_removed:
            continue
        listing = lists.listing(agreement, end if listed else version.valid_to)
        status = MISSING if missing else AgreementStatus.ACTIVE if listed else AgreementStatus.REMOVED
        fields.update(status=status, was_pending=agreement.was_pending, first_seen=agreement.first_seen,
                      last_seen=listing.published_at if listing else min(agreement.last_seen, end),
                      removed_at=None if listed else version.valid_to)
        rows.append(_row(agreement, fields, listing))
    return rows


def _row(agreement: Agreement, fields: dict, listing: Publication | None) -> dict:
    row = {column: _iso(fields.get(column)) for column in COLUMNS}
    row["id"] = agreement.uid
    row["county"] = row["county"] or county_from_name(row["agency"])
    stamp = listing.stamp if listing is not None else None
    row["publication"] = stamp
    row["publication_date"] = stamp[:10] if stamp else None
    return row


def in_order(rows: Iterable[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: (r["state"] or "", (r["agency"] or "").lower(), r["model"] or ""))


def inert(value: object) -> object:
    """Text a spreadsheet would read as a formula, quoted as OWASP suggests; other values as they are.

    An agency name like `=HYPERLINK(...)` in ICE's sheet must reach a newsroom's Excel as
    text. Only text is touched: numbers, dates and booleans keep their type and sign.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_cell(value: object) -> object:
    """A value as a CSV cell: flags as `true`/`false` like JSON, text never a live formula (see `inert`)."""
    return str(value).lower() if isinstance(value, bool) else inert(value)


def render(rows: list[dict], fmt: str) -> bytes:
    """The rows as a file in `fmt` (csv, jsonl or xlsx)."""
    if fmt == "xlsx":
        return _xlsx(rows)
    buffer = io.StringIO()
    if fmt == "csv":
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: csv_cell(v) for k, v in row.items()} for row in rows)
    else:
        for row in rows:
            buffer.write(json.dumps(row, ensure_ascii=False) + "\n")
    return buffer.getvalue().encode("utf-8")


def _cell_value(column: str, value: object) -> object:
    """ISO text back to a real date or time, so Excel sorts and filters it as one."""
    if not isinstance(value, str) or not value:
        return value
    try:
        if column in DATE_COLUMNS:
            return dt.date.fromisoformat(value)
        if column in TIME_COLUMNS:
            return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return value
    return value


def _xlsx(rows: list[dict]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.xml.functions import tostring

    book = Workbook()
    sheet = book.active
    sheet.title = "agreements"
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append([inert(_cell_value(c, row.get(c))) for c in COLUMNS])
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        cells = sheet[letter][1:]
        if column in DATE_COLUMNS:
            for cell in cells:
                cell.number_format = "yyyy-mm-dd"
        elif column in TIME_COLUMNS:
            for cell in cells:
                cell.number_format = "yyyy-mm-dd hh:mm"
        elif column in LINK_COLUMNS:
            for cell in cells:
                if isinstance(cell.value, str) and cell.value.startswith(("http://", "https://")):
                    cell.hyperlink = cell.value
                    cell.style = "Hyperlink"
        widest = max([len(column), *(len(str(c.value)) for c in cells[:500] if c.value is not None)])
        sheet.column_dimensions[letter].width = min(max(widest, 8) + 2, 60)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(rows) + 1}"
    buffer = io.BytesIO()
    book.save(buffer)
    # Saving stamps the workbook "modified" now; the file's date is the data's instead.
    book.properties.created = book.properties.modified = _as_of(rows)
    return _without_clock(buffer.getvalue(), {"docProps/core.xml": tostring(book.properties.to_tree())})


def _as_of(rows: list[dict]) -> dt.datetime:
    """When the newest row was last seen on ICE's list: the file's own date, the same at every download."""
    seen = [row["last_seen"] for row in rows if isinstance(row.get("last_seen"), str)]
    return dt.datetime.fromisoformat(max(seen).replace("Z", "")) if seen else dt.datetime(2000, 1, 1)


def _without_clock(data: bytes, replaced: dict[str, bytes]) -> bytes:
    """The same workbook with every archive member dated alike (and `replaced` members swapped in), so the
    same rows make the same bytes.

    openpyxl stamps each member with the second it was written; a download would then differ from
    the one a second earlier, and no cache or checksum could tell that nothing changed.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = replaced.get(info.filename) or source.read(info)
            target.writestr(zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0)), body,
                            compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()
