"""The agreements as they stand now, or as they stood at the end of a given day, as CSV, JSON lines or Excel."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from storage.models import Agreement, AgreementVersion, iso_z
from vocabulary import PARTICIPATING, AgreementStatus

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP's CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = ["id", "state", "agency", "agency_type", "county", "model", "signed", "signed_raw", "moa_url",
           "addendum_url", "status", "was_pending", "first_seen", "last_seen", "removed_at"]


def _iso(value: object) -> object:
    if isinstance(value, dt.datetime):
        return iso_z(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def current_rows(session: Session, state: str | None = None, include_removed: bool = False) -> list[dict]:
    statuses = (AgreementStatus.ACTIVE, AgreementStatus.REMOVED) if include_removed else (AgreementStatus.ACTIVE,)
    query = select(Agreement).where(Agreement.list_kind == PARTICIPATING, Agreement.status.in_(statuses))
    if state:
        query = query.where(Agreement.state == state)
    return [_row(a, {f: getattr(a, f) for f in COLUMNS if hasattr(a, f)}) for a in session.scalars(query)]


def rows_as_of(session: Session, day: dt.date, state: str | None = None, include_removed: bool = False) -> list[dict]:
    """Each agreement's version in force at the end of `day` (UTC)."""
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
    query = (
        select(AgreementVersion, Agreement)
        .join(Agreement, Agreement.id == AgreementVersion.agreement_id)
        .where(Agreement.list_kind == PARTICIPATING, AgreementVersion.valid_from < end)
        .order_by(AgreementVersion.valid_from)
    )
    if not include_removed:
        query = query.where(or_(AgreementVersion.valid_to.is_(None), AgreementVersion.valid_to >= end))
    latest: dict[int, tuple[AgreementVersion, Agreement]] = {}
    for version, agreement in session.execute(query):
        latest[agreement.id] = (version, agreement)
    rows = []
    for version, agreement in latest.values():
        fields = dict(version.fields)
        if state and fields.get("state") != state:
            continue
        in_force = version.valid_to is None or version.valid_to >= end
        fields.update(status=AgreementStatus.ACTIVE if in_force else AgreementStatus.REMOVED,
                      was_pending=agreement.was_pending,
                      first_seen=agreement.first_seen, last_seen=min(agreement.last_seen, end),
                      removed_at=None if in_force else version.valid_to)
        rows.append(_row(agreement, fields))
    return rows


def _row(agreement: Agreement, fields: dict) -> dict:
    row = {column: _iso(fields.get(column)) for column in COLUMNS}
    row["id"] = agreement.uid
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


def render(rows: list[dict], fmt: str) -> bytes:
    """The rows as a file in `fmt` (csv, jsonl or xlsx)."""
    if fmt == "xlsx":
        return _xlsx(rows)
    buffer = io.StringIO()
    if fmt == "csv":
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: str(v).lower() if isinstance(v, bool) else inert(v) for k, v in row.items()}
                         for row in rows)
    else:
        for row in rows:
            buffer.write(json.dumps(row, ensure_ascii=False) + "\n")
    return buffer.getvalue().encode("utf-8")


def _xlsx(rows: list[dict]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("agreements")
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append([inert(row[c]) for c in COLUMNS])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
