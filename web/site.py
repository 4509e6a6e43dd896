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

from alerts.signal_text import long_date
from storage.summary import store_fingerprint
from web import charts, data
from web.answers import AnswerCache

HERE = Path(__file__).resolve().parent


def web_link(url: str | None) -> str | None:
    """Only http(s) addresses become links: a workbook cell could hold `javascript:` too."""
    return url if url and urlsplit(url).scheme in ("http", "https") else None


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def templates() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals.update(state_name=data.state_name, series=charts.SERIES)
    env.filters["web_link"] = web_link
    env.filters["signed"] = lambda n: f"{n:+,}" if n else "no change"
    env.filters["long_date"] = lambda day: long_date(dt.date.fromisoformat(day))
    return env


@dataclass
class Site:
    """One explorer over read-only `sessions` (see storage.db.connect_read_only)."""

    sessions: sessionmaker[Session]
    feeds_dir: Path | None = None
    templates: Environment = field(default_factory=templates)
    cache: AnswerCache = field(default_factory=AnswerCache)

    def answer(self, session: Session, key: Any, compute: Callable[[], Any]) -> Any:
        return self.cache.get(store_fingerprint(session), key, compute)

    def render(self, name: str, **context: Any) -> str:
        return self.templates.get_template(name).render(**context)

    def page(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(self.render(name, **context), status_code=status)


def site_of(request: Request) -> Site:
    return request.app.state.site
