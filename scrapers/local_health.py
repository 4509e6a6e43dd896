"""Decide when a local source needs a maintainer: pure, so the runner owns storage and delivery.

A local spider finding no 287(g) signal is the normal case, so health is judged on what a
source *examined* (the ``local/items/<source>`` stat: pages, feed entries, matters, PDFs), not on
signals. A source is failing after ``threshold`` consecutive bad runs (an error, or nothing
examined); that raises one alert, and the first good run after it raises one "recovered".
An error is a failure of the source's own pages and feeds (``local/errors/<source>``); a linked
packet, article or attachment that cannot be read is counted apart
(``local/document_errors/<source>``) and logged with its URL, so one broken PDF link does not
make a working agenda page look broken.
Alerts carry the run time that caused them, so a runner that re-reads history can drop the
ones it already sent by (source, kind, at).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

DEFAULT_THRESHOLD = 3
UNKNOWN_MAINTAINER = "unassigned"


@dataclass(frozen=True)
class RunOutcome:
    source: str
    ok: bool
    items: int
    at: datetime


@dataclass(frozen=True)
class HealthAlert:
    source: str
    kind: str  # "failing" or "recovered"
    maintainer: str
    at: datetime
    bad_runs: int

    @property
    def message(self) -> str:
        if self.kind == "failing":
            return (
                f"Local source {self.source!r} has failed or found nothing for {self.bad_runs} runs in a row "
                f"(maintainer: {self.maintainer})."
            )
        return f"Local source {self.source!r} works again (maintainer: {self.maintainer})."


def is_bad(run: RunOutcome) -> bool:
    return not run.ok or run.items <= 0


def decide_alerts(
    outcomes: Iterable[RunOutcome],
    maintainers: Mapping[str, str],
    threshold: int = DEFAULT_THRESHOLD,
) -> list[HealthAlert]:
    """Every failing/recovered transition in the history, oldest first, one per spell."""
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    alerts: list[HealthAlert] = []
    ordered = sorted(outcomes, key=lambda r: (r.source, r.at))
    for source, runs in groupby(ordered, key=lambda r: r.source):
        maintainer = maintainers.get(source, UNKNOWN_MAINTAINER)
        streak, alerting = 0, False
        for run in runs:
            if is_bad(run):
                streak += 1
                if streak >= threshold and not alerting:
                    alerting = True
                    alerts.append(HealthAlert(source, "failing", maintainer, run.at, streak))
            else:
                if alerting:
                    alerts.append(HealthAlert(source, "recovered", maintainer, run.at, streak))
                streak, alerting = 0, False
    return sorted(alerts, key=lambda a: (a.at, a.source))
