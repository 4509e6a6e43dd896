"""Crafted ICE-shaped workbooks for tests: the real layout, with the edge cases we want."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl

HEADER = ["STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE", "SIGNED", "MOA"]


def row(state="FLORIDA", agency="Ocala Police Department", kind="Municipality", county="Marion County",
        model="Task Force Model", signed=dt.datetime(2025, 4, 24), moa="link pending", moa_link=None,
        **extra) -> dict:
    return {"STATE": state, "LAW ENFORCEMENT AGENCY": agency, "TYPE": kind, "COUNTY": county,
            "SUPPORT TYPE": model, "SIGNED": signed, "MOA": moa, "_links": {"MOA": moa_link, **extra.pop(
                "_links", {})}, **extra}


def workbook(rows: list[dict], header: list[str] = HEADER, lead_rows: int = 0, blank_tail: int = 0) -> bytes:
    """Bytes of an .xlsx whose first sheet holds `header` then `rows` (hyperlinks as ICE sets them)."""
    book = openpyxl.Workbook()
    sheet = book.active
    for _ in range(lead_rows):
        sheet.append(["Updated weekly"] + [None] * (len(header) - 1))
    sheet.append(header)
    for values in rows:
        sheet.append([values.get(name) for name in header])
        for name, target in values.get("_links", {}).items():
            if target and name in header:
                sheet.cell(row=sheet.max_row, column=header.index(name) + 1).hyperlink = target
    for index in range(blank_tail):
        sheet.cell(row=sheet.max_row + 1, column=1).number_format = "General"
        sheet.cell(row=sheet.max_row, column=2).value = None if index else None
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def pending_workbook(rows: list[dict]) -> bytes:
    return workbook(rows, header=HEADER[:5])
