"""The registry of local governments we watch: one CSV row per commission, council or sheriff.

The CSV is the maintainers' interface (adding a county is a one-line change reviewed like code),
so this module only reads and checks it; spiders pick their rows by platform. A county FIPS code
must name a real county: it is checked against the Census Bureau's county list (2020) that the
addfips package ships, and against the county the row's name carries, if any.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from cssselect import SelectorError
from lxml.etree import XPathError
from parsel import Selector

from parsers.agenda import is_xpath
from parsers.places import counties, county_from_name, split_jurisdiction, state_fips

REGISTRY = Path(__file__).with_name("jurisdictions.csv")
REQUIRED = ("name", "state", "county_fips", "kind", "platform", "url_or_client", "maintainer", "checked")
COLUMNS = (*REQUIRED, "selector", "date_selector")
SELECTOR_PLATFORMS = frozenset({"local_page", "custom"})
KINDS = frozenset({"commission", "council", "sheriff"})
PLATFORMS = frozenset({"legistar", "civicplus", "local_page", "custom"})
_CLIENT = re.compile(r"^[a-z0-9][a-z0-9-]*$")


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
    selector: str = ""
    date_selector: str = ""

    @property
    def county(self) -> str:
        return county_from_name(self.name) or ""

    @property
    def label(self) -> str:
        return f"{self.name}, {self.state}"


def selector_problem(name: str, selector: str) -> str | None:
    """Why the CSS or XPath selector given as `name` cannot be used, or None; checked before any
    page is fetched, so the registry, the spider and newspider all say it the same way."""
    try:
        probe = Selector(text="<html><body></body></html>")
        probe.xpath(selector) if is_xpath(selector) else probe.css(selector)
    except (SelectorError, XPathError, ValueError) as exc:
        return f"{name} {selector!r} is not valid CSS or XPath: {str(exc).splitlines()[0] or type(exc).__name__}"
    return None


def problems(row: dict[str, str]) -> list[str]:
    """Everything wrong with one row, so a reviewer sees all of it at once."""
    found: list[str] = []
    state = state_fips(row.get("state", ""))
    if state is None:
        found.append(f"state {row.get('state')!r} is not a USPS state code")
    fips = row.get("county_fips", "")
    if not re.fullmatch(r"\d{5}", fips):
        found.append(f"county_fips {fips!r} is not five digits")
    elif state is not None and state != fips[:2]:
        found.append(f"county_fips {fips} does not start with {row.get('state')}'s code {state}")
    elif fips not in counties():
        found.append(f"county_fips {fips} is not a county of {row.get('state')} in the Census Bureau's list")
    else:
        named = county_from_name(row.get("name", ""))
        if named and not named.lower().endswith(counties()[fips].lower()):
            found.append(f"county_fips {fips} is {counties()[fips]}, but the name says {named}")
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
    for column in ("selector", "date_selector"):
        value = (row.get(column) or "").strip()
        if not value:
            continue
        if platform not in SELECTOR_PLATFORMS:
            found.append(f"{column} only applies to platforms {sorted(SELECTOR_PLATFORMS)}")
        elif (problem := selector_problem(column, value)) is not None:
            found.append(problem)
    if (row.get("date_selector") or "").strip() and not (row.get("selector") or "").strip():
        found.append("date_selector needs a selector: it is looked up inside each selected item")
    return found


def _well_formed_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"http", "https"} and "." in parts.netloc and " " not in url


def parse(lines: Iterable[str], origin: str = "jurisdictions.csv") -> list[Jurisdiction]:
    reader = csv.DictReader(lines)
    if tuple(reader.fieldnames or ()) not in (COLUMNS, REQUIRED):
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
                selector=(row.get("selector") or "").strip(),
                date_selector=(row.get("date_selector") or "").strip(),
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
