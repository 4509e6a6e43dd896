"""Archived workbooks read for storage: the one place a stored spreadsheet is parsed.

The pipeline (after a crawl) and `reparse` (from the archive) both hand storage this
reader, so storage decides *whether* a workbook needs reading and never parses one itself.
"""

from __future__ import annotations

from pathlib import Path

from parsers.ice_workbook import ParsedWorkbook, WorkbookError, parse_workbook
from storage.archive import read_raw
from storage.models import Document
from storage.publications import WorkbookReader


def archived_reader(archive_dir: Path) -> WorkbookReader:
    def read(document: Document, kind: str, filename: str) -> tuple[ParsedWorkbook | None, str | None]:
        try:
            return parse_workbook(read_raw(archive_dir, document), kind, filename), None
        except WorkbookError as exc:
            return None, str(exc)

    return read
