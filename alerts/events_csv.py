"""The events as a spreadsheet: the one CSV writer behind `events --format csv` and the explorer's /events.csv.

One set of columns for both, in the order a reader scans: what happened and when on both
clocks, the agreement, a sentence on what changed, then the details machines filter on.
Flags are `true`/`false` as in JSON; nothing from ICE's sheet or a local page runs as a formula.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator

from alerts.event_text import sentence
from parsers.places import county_from_name
from storage.export import csv_cell
from storage.models import Event

CSV_COLUMNS = (
    "id", "type", "published_at", "publication", "publication_date", "detected_at", "state", "agency",
    "agency_type", "county", "model", "signed", "signed_raw", "moa_url", "addendum_url", "was_pending", "list",
    "what", "before", "after", "rule", "review", "note", "reason", "removed_as_of", "source_url", "run_id",
    "backfilled",
)
ROWS_PER_CHUNK = 500


def csv_row(event: Event) -> dict:
    """One event as a spreadsheet row: before/after as JSON text, the county filled in where the name is sure."""
    payload = event.payload
    row = {column: payload.get(column) for column in CSV_COLUMNS}
    stamp = payload.get("publication")
    row["publication_date"] = stamp[:10] if stamp else None
    row["county"] = row["county"] or (county_from_name(row["agency"]) if payload.get("list") != "local" else None)
    row["what"] = sentence(payload)
    row["was_pending"] = bool(row["was_pending"])
    row["backfilled"] = bool(row["backfilled"])
    for name in ("before", "after"):
        row[name] = json.dumps(row[name], ensure_ascii=False) if row[name] else None
    return {k: csv_cell(v) for k, v in row.items()}


def csv_chunks(events: Iterable[Event]) -> Iterator[str]:
    """The CSV text, header first, a few hundred rows at a time: a long log streams without being held whole."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for number, event in enumerate(events, start=1):
        writer.writerow(csv_row(event))
        if number % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
