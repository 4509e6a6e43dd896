"""Score the news reader against the labelled set in tests/fixtures/news: feed → article text → signal.

`labels.csv` holds one row per report: its file, URL, outlet, date, language, split (`dev`
items the rules were written from, `holdout` items kept aside to check them, `fresh2` and `fresh3`
reports from states the set lacked, labelled before the reader first read them), whether it is
a local signal, and if so its stage, state, jurisdiction, county FIPS and agency.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from parsers.article import main_text
from parsers.gazetteer import Gazetteer
from parsers.ice_workbook import parse_workbook
from parsers.news import NewsSignal, read_report, same_signal
from parsers.news_feed import parse_feed

NEWS = Path(__file__).parent / "fixtures" / "news"
ICE_SHEETS = Path(__file__).parent / "fixtures" / "ice" / "sheets"
FEED_URL = "https://news.google.com/rss/search?q=%22287(g)%22&hl=en-US&gl=US&ceid=US:en"


@dataclass(frozen=True)
class Reading:
    """One labelled report and what the reader made of it."""

    label: dict[str, str]
    outlet: str
    signals: tuple[NewsSignal, ...]

    @property
    def is_signal(self) -> bool:
        return self.label["is_signal"] == "true"


@dataclass
class Score:
    signals: int = 0
    found: int = 0
    state_right: int = 0
    place_right: int = 0
    stage_right: int = 0
    decoys: int = 0
    decoys_raised: int = 0
    wrong_state: list[str] = field(default_factory=list)

    def rate(self, part: int, whole: int) -> float:
        return part / whole if whole else 1.0

    @property
    def recall(self) -> float:
        return self.rate(self.found, self.signals)

    @property
    def precision(self) -> float:
        return self.rate(self.found, self.found + self.decoys_raised)

    @property
    def state(self) -> float:
        return self.rate(self.state_right, self.found)

    @property
    def place(self) -> float:
        return self.rate(self.place_right, self.found)

    @property
    def stage(self) -> float:
        return self.rate(self.stage_right, self.found)

    @property
    def decoy_rate(self) -> float:
        return self.rate(self.decoys_raised, self.decoys)


def labels() -> dict[str, dict[str, str]]:
    with (NEWS / "labels.csv").open(encoding="utf-8", newline="") as rows:
        return {row["url"]: row for row in csv.DictReader(rows)}


def ice_agencies() -> list[tuple[str, str, str | None]]:
    """The agencies on ICE's latest participating and pending lists in the fixtures, as the store would hold them."""
    latest = {}
    for path in sorted(ICE_SHEETS.glob("*.xlsx")):
        latest["pending" if "pending" in path.name else "participating"] = path
    found = []
    for path in latest.values():
        for record in parse_workbook(path.read_bytes(), filename=path.name).records:
            found.append((record.agency, record.state, record.county))
    return found


def read_all(places: Gazetteer) -> list[Reading]:
    """Every feed item, read the way the tracker reads news: the article's text, or the feed's words without it."""
    known = labels()
    readings = []
    for item in parse_feed((NEWS / "feed.xml").read_bytes(), FEED_URL):
        label = known[item.link]
        text = main_text((NEWS / label["file"]).read_bytes(), item.link) or item.summary
        published = item.published_at.date() if item.published_at else None
        signals = read_report(item.title, text, places=places, published=published, outlet=item.outlet)
        readings.append(Reading(label, item.outlet, tuple(signals)))
    return readings


def same_place(signal: NewsSignal, label: dict[str, str]) -> bool:
    if signal.jurisdiction.casefold() == label["jurisdiction"].casefold():
        return True
    return bool(label["county_fips"]) and signal.county_fips == label["county_fips"]


def score(readings: Iterable[Reading]) -> Score:
    result = Score()
    for reading in readings:
        label = reading.label
        if not reading.is_signal:
            result.decoys += 1
            result.decoys_raised += bool(reading.signals)
            continue
        result.signals += 1
        if not reading.signals:
            continue
        first = reading.signals[0]
        result.found += 1
        result.state_right += first.state == label["state"]
        result.place_right += same_place(first, label)
        result.stage_right += first.stage == label["stage"]
        result.wrong_state += [f"{label['file']}: {s.state} for {label['state']}" for s in reading.signals
                               if s.state != label["state"]]
    return result


def folded(readings: Iterable[Reading]) -> list[list[Reading]]:
    """Reports grouped the way storage folds them: each joins the first group whose first signal it repeats."""
    groups: list[list[Reading]] = []
    for reading in readings:
        if not reading.signals:
            continue
        for group in groups:
            if same_signal(group[0].signals[0], reading.signals[0]):
                group.append(reading)
                break
        else:
            groups.append([reading])
    return groups


def table(rows: dict[str, Score]) -> str:
    """The scores as a small text table, one column per subset."""
    names = list(rows)
    lines = ["".ljust(22) + "".join(name.rjust(14) for name in names)]
    measures = [
        ("local signals", lambda s: str(s.signals)),
        ("found (recall)", lambda s: f"{s.found} {s.recall:.0%}"),
        ("precision", lambda s: f"{s.precision:.0%}"),
        ("state right", lambda s: f"{s.state_right} {s.state:.0%}"),
        ("place right", lambda s: f"{s.place_right} {s.place:.0%}"),
        ("stage right", lambda s: f"{s.stage_right} {s.stage:.0%}"),
        ("decoys raised", lambda s: f"{s.decoys_raised}/{s.decoys} {s.decoy_rate:.0%}"),
        ("wrong state", lambda s: str(len(s.wrong_state))),
    ]
    for title, show in measures:
        lines.append(title.ljust(22) + "".join(show(rows[name]).rjust(14) for name in names))
    return "\n".join(lines)
