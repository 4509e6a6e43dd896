"""Long names and stray control characters: stored the same way on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from sqlalchemy import select

from storage.db import connect
from storage.models import Publication
from tests.support.tracker import PAGE_PATH, run_cli
from tests.support.workbooks import row, workbook

LONG_AGENCY = "Consolidated " + "Metropolitan " * 30 + "Police Department"  # about 420 characters
LONG_NAME = "participatingAgencies" + "x" * 380 + "06062025am.xlsx"


def test_a_400_character_agency_and_file_name_with_a_nul_are_stored_on_both_databases(
        mirror, tracker_env, database_url):
    env = dict(tracker_env, DATABASE_URL=database_url)
    book = workbook([row(agency=LONG_AGENCY, county="Marion County\x7f", signed_raw=None),
                     row(agency="Marion County Sheriff's Office", model="Jail Enforcement Model")])
    disposition = f"attachment; filename*=UTF-8''{LONG_NAME[:30]}%00{LONG_NAME[30:]}"
    mirror.set("/file-download/download/public/4712", book, headers={"Content-Disposition": disposition})
    mirror.page([("/file-download/download/public/4712", "Participating Agencies")], PAGE_PATH)

    result = run_cli(env, "once", "--only", "ice")
    assert result.returncode == 0, result.stdout + result.stderr
    exported = run_cli(env, "export", "--format", "jsonl")
    agencies = {json.loads(line)["agency"]: json.loads(line) for line in exported.stdout.splitlines()}
    assert LONG_AGENCY.strip() in agencies
    assert agencies[LONG_AGENCY.strip()]["county"] == "Marion County"
    with connect(database_url)() as session:
        (filename,) = session.scalars(select(Publication.filename)).all()
    assert filename == LONG_NAME  # the NUL is gone, nothing else
