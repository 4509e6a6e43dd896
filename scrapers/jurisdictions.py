"""The registry of local governments we watch: one CSV row per commission, council or sheriff.

The CSV is the maintainers' interface (adding a county is a one-line change reviewed like code),
so this module only reads and checks it; spiders pick their rows by platform.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import us

REGISTRY = Path(__file__).with_name("jurisdictions.csv")
COLUMNS = ("name", "state", "county_fips", "kind", "platform", "url_or_client", "maintainer", "checked")
KINDS = frozenset({"commission", "council", "sheriff"})
PLATFORMS = frozenset({"legistar", "civicplus", "local_page", "custom"})
_CLIENT = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_COUNTY = re.compile(r"^(.+? (?:County|Parish))\b")


class RegistryError(ValueError):
    """The registry has a row the spiders cannot use; the message names the line."""


@dataclass(frozen=True)
class Jurisdiction:
    name: str
    state: str
    county_fips: str
    kind: str
    platform: str
    url_or_client: str
    maintainer: str
    checked: bool

    @property
    def county(self) -> str:
        """The county named in the row ("Marion County Sheriff's Office" → "Marion County")."""
        found = _COUNTY.match(self.name)
        return found.group(1) if found else ""

    @property
    def label(self) -> str:
        return f"{self.name}, {self.state}"


def split_jurisdiction(text: str) -> tuple[str, str]:
    """'Marion County, FL' → ('Marion County', 'FL'); a trailing state name works too."""
    name, _, tail = text.strip().rpartition(",")
    if name and tail.strip():
        state = us.states.lookup(tail.strip())
        if state is not None:
            return name.strip(), state.abbr
    return text.strip(), ""


def problems(row: dict[str, str]) -> list[str]:
    """Everything wrong with one row, so a reviewer sees all of it at once."""
    found: list[str] = []
    state = us.states.lookup(row.get("state", "")) if row.get("state") else None
    if state is None or state.abbr != row.get("state"):
        found.append(f"state {row.get('state')!r} is not a USPS state code")
    fips = row.get("county_fips", "")
    if not re.fullmatch(r"\d{5}", fips):
        found.append(f"county_fips {fips!r} is not five digits")
    elif state is not None and state.fips != fips[:2]:
        found.append(f"county_fips {fips} does not start with {row.get('state')}'s code {state.fips}")
    if row.get("kind") not in KINDS:
        found.append(f"kind {row.get('kind')!r} is not one of {sorted(KINDS)}")
    platform = row.get("platform")
    if platform not in PLATFORMS:
        found.append(f"platform {platform!r} is not one of {sorted(PLATFORMS)}")
    target = row.get("url_or_client", "")
    if platform == "legistar":
        if not _CLIENT.match(target):
            found.append(f"legistar client {target!r} is not a Legistar client name")
    elif not _well_formed_url(target):
        found.append(f"url {target!r} is not an absolute http(s) URL")
    if not row.get("maintainer", "").strip():
        found.append("maintainer is empty")
    if row.get("checked") not in {"yes", "no"}:
        found.append(f"checked {row.get('checked')!r} is not yes or no")
    return found


def _well_formed_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"http", "https"} and "." in parts.netloc and " " not in url


def parse(lines: Iterable[str], origin: str = "jurisdictions.csv") -> list[Jurisdiction]:
    reader = csv.DictReader(lines)
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise RegistryError(f"{origin}: columns must be {','.join(COLUMNS)}")
    rows: list[Jurisdiction] = []
    seen: set[str] = set()
    for row in reader:
        where = f"{origin}:{reader.line_num}"
        wrong = problems(row)
        if row["name"] in seen:
            wrong.append(f"name {row['name']!r} appears twice")
        if wrong:
            raise RegistryError(f"{where}: " + "; ".join(wrong))
        seen.add(row["name"])
        rows.append(
            Jurisdiction(
                name=row["name"],
                state=row["state"],
                county_fips=row["county_fips"],
                kind=row["kind"],
                platform=row["platform"],
                url_or_client=row["url_or_client"],
                maintainer=row["maintainer"],
                checked=row["checked"] == "yes",
            )
        )
    return rows


def load(path: Path = REGISTRY) -> list[Jurisdiction]:
    with path.open(newline="", encoding="utf-8") as handle:
        return parse(handle, origin=path.name)


def for_platform(platform: str, rows: Iterable[Jurisdiction] | None = None) -> list[Jurisdiction]:
    return [row for row in (load() if rows is None else rows) if row.platform == platform]


def find(text: str, rows: Iterable[Jurisdiction] | None = None) -> Jurisdiction | None:
    """The registry row a spider argument names, with or without its ', ST' suffix."""
    name, state = split_jurisdiction(text)
    for row in load() if rows is None else rows:
        if row.name.lower() == name.lower() and (not state or row.state == state):
            return row
    return None


def maintainers(rows: Iterable[Jurisdiction] | None = None) -> dict[str, str]:
    """Source name → maintainer, the lookup the health check needs."""
    return {row.name: row.maintainer for row in (load() if rows is None else rows)}
