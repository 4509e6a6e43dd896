"""What every view of one explorer shares: its store, its templates and its cache of answers.

`create_app` builds one `Site` and keeps it on `app.state.site`; views reach it through the request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import HTMLResponse

from alerts.event_text import MODELS, human_date
from alerts.signal_text import long_date
from storage.summary import store_fingerprint
from web import charts, data
from web.answers import AnswerCache
from web.freshness import Freshness, freshness

HERE = Path(__file__).resolve().parent


def web_link(url: str | None) -> str | None:
    """Only http(s) addresses become links: a workbook cell could hold `javascript:` too."""
    return url if url and urlsplit(url).scheme in ("http", "https") else None


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def short_day(value: str) -> str:
    """`2025-05-19` → `May 19`, for chart ticks where the year would crowd the axis."""
    day = dt.date.fromisoformat(value[:10])
    return f"{day:%b} {day.day}"


def contact_link(contact: str) -> str | None:
    """Where the corrections contact links: a mail address, or a web address; plain text otherwise."""
    if "@" in contact and " " not in contact and "/" not in contact:
        return f"mailto:{contact}"
    return web_link(contact)


def templates(corrections: str = "") -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals.update(state_name=data.state_name, series=charts.SERIES, models=MODELS,
                       corrections=corrections, corrections_link=contact_link(corrections) if corrections else None)
    env.filters["web_link"] = web_link
    env.filters["signed"] = lambda n: f"{n:+,}" if n else "no change"
    env.filters["day"] = lambda value: human_date(value) or ""
    env.filters["short_day"] = short_day
    env.filters["long_date"] = lambda day: long_date(dt.date.fromisoformat(day))
    return env


@dataclass
class Site:
    """One explorer over read-only `sessions` (see storage.db.connect_read_only)."""

    sessions: sessionmaker[Session]
    feeds_dir: Path | None = None
    corrections: str = ""
    templates: Environment = field(init=False)
    cache: AnswerCache = field(default_factory=AnswerCache)

    def __post_init__(self) -> None:
        self.templates = templates(self.corrections)

    def freshness(self, session: Session) -> Freshness:
        return freshness(session, today())

    def answer(self, session: Session, key: Any, compute: Callable[[], Any]) -> Any:
        return self.cache.get(store_fingerprint(session), key, compute)

    def render(self, name: str, **context: Any) -> str:
        return self.templates.get_template(name).render(**context)

    def page(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(self.render(name, **context), status_code=status)


def site_of(request: Request) -> Site:
    return request.app.state.site
