"""Agreements as an Excel file a newsroom can open and filter at once."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook

from storage.export import COLUMNS

DATES = ("signed",)
TIMES = ("first_seen", "last_seen", "removed_at")
LINKS = ("moa_url", "addendum_url")


def xlsx_bytes(rows: list[dict]) -> bytes:
    """One sheet: real dates, clickable links, a frozen header with filters."""
    book = Workbook()
    sheet = book.active
    sheet.title = "agreements"
    sheet.append(COLUMNS)
    for row in rows:
        values = []
        for column in COLUMNS:
            value = row.get(column)
            if value and column in DATES:
                value = dt.date.fromisoformat(value)
            elif value and column in TIMES:
                value = dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
            values.append(value)
        sheet.append(values)
        for column in LINKS:
            if row.get(column):
                sheet.cell(row=sheet.max_row, column=COLUMNS.index(column) + 1).hyperlink = row[column]
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
