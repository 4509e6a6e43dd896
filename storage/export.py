"""`export`: the agreements as they stand now, or as they stood at the end of a given day."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from argparse import Namespace
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from service.errors import UserError
from settings import TrackerSettings
from storage.db import connect
from storage.models import Agreement, AgreementVersion, iso_z

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
    statuses = ("active", "removed") if include_removed else ("active",)
    query = select(Agreement).where(Agreement.list_kind == "participating", Agreement.status.in_(statuses))
    if state:
        query = query.where(Agreement.state == state)
    return [_row(a, {f: getattr(a, f) for f in COLUMNS if hasattr(a, f)}) for a in session.scalars(query)]


def rows_as_of(session: Session, day: dt.date, state: str | None = None, include_removed: bool = False) -> list[dict]:
    """Each agreement's version in force at the end of `day` (UTC)."""
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
    query = (
        select(AgreementVersion, Agreement)
        .join(Agreement, Agreement.id == AgreementVersion.agreement_id)
        .where(Agreement.list_kind == "participating", AgreementVersion.valid_from < end)
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
        fields.update(status="active" if in_force else "removed", was_pending=agreement.was_pending,
                      first_seen=agreement.first_seen, last_seen=min(agreement.last_seen, end),
                      removed_at=None if in_force else version.valid_to)
        rows.append(_row(agreement, fields))
    return rows


def _row(agreement: Agreement, fields: dict) -> dict:
    row = {column: _iso(fields.get(column)) for column in COLUMNS}
    row["id"] = agreement.uid
    return row


def _sorted(rows: Iterable[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: (r["state"] or "", (r["agency"] or "").lower(), r["model"] or ""))


def inert(value: object) -> object:
    """Text a spreadsheet would read as a formula, quoted as OWASP suggests; other values as they are.

    An agency name like `=HYPERLINK(...)` in ICE's sheet must reach a newsroom's Excel as
    text. Only text is touched: numbers, dates and booleans keep their type and sign.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write(rows: list[dict], fmt: str, output: Path | None) -> None:
    if fmt == "xlsx":
        data = _xlsx(rows)
        if output is None:
            if sys.stdout.isatty():
                raise UserError("xlsx is binary: give --output FILE (or redirect standard output)")
            sys.stdout.buffer.write(data)
            return
        output.write_bytes(data)
        return
    buffer = io.StringIO()
    if fmt == "csv":
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: str(v).lower() if isinstance(v, bool) else inert(v) for k, v in row.items()}
                         for row in rows)
    else:
        for row in rows:
            buffer.write(json.dumps(row, ensure_ascii=False) + "\n")
    if output is None:
        sys.stdout.write(buffer.getvalue())
    else:
        output.write_text(buffer.getvalue(), encoding="utf-8")


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


def export_command(config: TrackerSettings, args: Namespace) -> int:
    output = Path(args.output) if args.output else None
    if output is not None and not output.parent.exists():
        raise UserError(f"{output.parent} does not exist")
    sessions = connect(config.database_url)
    with sessions() as session:
        if args.as_of:
            rows = rows_as_of(session, args.as_of, args.state, args.include_removed)
        else:
            rows = current_rows(session, args.state, args.include_removed)
    write(_sorted(rows), args.format, output)
    if output is not None:
        print(f"{len(rows)} agreements written to {output}", file=sys.stderr)
    return 0
