"""Events about to be told, with the news report that placed each newly listed agency first.

An organizer who read "Collier County commissioners approved…" last week should see, when
ICE lists the sheriff, that this is the same story arriving: the alert says who reported it
first and how many days earlier (`storage.early_warning` decides, conservatively).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy.orm import Session

from alerts.event_text import EventRow
from storage.early_warning import first_reports


def with_first_reports(session: Session, rows: Sequence[EventRow]) -> list[EventRow]:
    """The same rows; each `agreement_added` with an earlier signal of its agency carries that signal."""
    found = first_reports(session, [row.payload for row in rows])
    return [replace(row, first_report=found[str(row.payload.get("id"))].as_dict())
            if str(row.payload.get("id")) in found else row for row in rows]
