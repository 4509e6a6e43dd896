"""What every view of one explorer shares: its store, its templates (one set per language) and its cache of answers.

`create_app` builds one `Site` and keeps it on `app.state.site`; views reach it through the request.
Every page is also served in Spanish under `/es/`: the path says the language, so each URL is one
answer in one language, and a CDN or the answer cache never mixes the two.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from babel.dates import format_skeleton
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import HTMLResponse

from alerts.event_text import MODEL_WORDS, human_date, state_label
from i18n import LANGUAGES, SOURCE_LANGUAGE, jinja_environment, language
from storage.summary import store_fingerprint
from web import charts, data
from web.answers import AnswerCache
from web.freshness import Freshness, freshness

HERE = Path(__file__).resolve().parent
SPANISH_ROOT = "/es"
LANGUAGE_NAMES = {"en": "English", "es": "Español"}


def web_link(url: str | None) -> str | None:
    """Only http(s) addresses become links: a workbook cell could hold `javascript:` too."""
    return url if url and urlsplit(url).scheme in ("http", "https") else None


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def contact_link(contact: str) -> str | None:
    """Where the corrections contact links: a mail address, or a web address; plain text otherwise."""
    if "@" in contact and " " not in contact and "/" not in contact:
        return f"mailto:{contact}"
    return web_link(contact)


def page_path(path: str, lang: str) -> str:
    """An explorer page's address in `lang`: `/state/FL` → `/es/state/FL`, `/` → `/es/`."""
    if lang == SOURCE_LANGUAGE:
        return path
    return f"/{lang}{path}"


@dataclass(frozen=True)
class Reader:
    """Who a page is rendered for: its language, and the page's own (English) path and query.

    Hashable, so a cached page is kept per language and per address; the address gives the
    language switch its link to the same page in the other language.
    """

    lang: str = SOURCE_LANGUAGE
    here: str = "/"

    def other(self) -> tuple[str, str]:
        """The other language's code and this page's address in it."""
        other = "es" if self.lang == SOURCE_LANGUAGE else SOURCE_LANGUAGE
        return other, page_path(self.here, other)


def reader_of(request: Request, query: Mapping[str, Any] | None = None) -> Reader:
    """The reader of `request`: Spanish under /es/; `query` is what of the query string the page is about."""
    path = request.url.path
    lang = SOURCE_LANGUAGE
    for code in LANGUAGES:
        root = f"/{code}"
        if code != SOURCE_LANGUAGE and (path == root or path.startswith(root + "/")):
            lang, path = code, path[len(root):] or "/"
    kept = {k: v for k, v in (query or {}).items() if v}
    return Reader(lang, path + (f"?{urlencode(kept)}" if kept else ""))


def model_names(lang: str) -> dict[str, str]:
    """ICE's models as a reader is told them; in Spanish, explained, with ICE's English name kept beside."""
    words = language(lang)
    if lang == SOURCE_LANGUAGE:
        return dict(MODEL_WORDS)
    return {code: f"{words.gettext(name)} ({name})" for code, name in MODEL_WORDS.items()}


def signed_number(lang: str) -> Callable[[int], str]:
    words = language(lang)
    return lambda n: format_decimal(n, format="+#,##0;-#,##0", locale=lang) if n else words.gettext("no change")


def templates(lang: str = SOURCE_LANGUAGE, corrections: str = "") -> Environment:
    """The explorer's templates in `lang`: gettext through Jinja2's i18n extension, Babel for dates and numbers."""
    env = jinja_environment(lang, loader=FileSystemLoader(HERE / "templates"),
                            autoescape=select_autoescape(default=True), trim_blocks=True, lstrip_blocks=True)
    words = language(lang)
    env.globals.update(state_name=lambda code: state_label(code, words), series=charts.SERIES,
                       models=model_names(lang),
                       stage_word=lambda stage: words.gettext(data.STAGE_WORDS.get(stage, stage)),
                       language=words, language_names=LANGUAGE_NAMES, href=lambda path: page_path(path, lang),
                       corrections=corrections, corrections_link=contact_link(corrections) if corrections else None)
    env.filters["web_link"] = web_link
    env.filters["signed"] = signed_number(lang)
    env.filters["day"] = lambda value: human_date(value, words) or ""
    env.filters["short_day"] = lambda value: format_skeleton("MMMd", dt.date.fromisoformat(value[:10]), locale=lang)
    env.filters["long_date"] = lambda day: words.date(dt.date.fromisoformat(day))
    return env


@dataclass
class Site:
    """One explorer over read-only `sessions` (see storage.db.connect_read_only)."""

    sessions: sessionmaker[Session]
    feeds_dir: Path | None = None
    corrections: str = ""
    environments: dict[str, Environment] = field(init=False)
    cache: AnswerCache = field(default_factory=AnswerCache)

    def __post_init__(self) -> None:
        self.environments = {lang: templates(lang, self.corrections) for lang in LANGUAGES}

    def set_global(self, name: str, value: Any) -> None:
        for environment in self.environments.values():
            environment.globals[name] = value

    def freshness(self, session: Session) -> Freshness:
        return freshness(session, today())

    def answer(self, session: Session, key: Any, compute: Callable[[], Any]) -> Any:
        return self.cache.get(store_fingerprint(session), key, compute)

    def render(self, name: str, reader: Reader, **context: Any) -> str:
        other, other_url = reader.other()
        return self.environments[reader.lang].get_template(name).render(
            reader=reader, other_lang=other, other_url=other_url, **context)

    def page(self, name: str, reader: Reader, status: int = 200, **context: Any) -> HTMLResponse:
        return html(self.render(name, reader, **context), reader, status)


def html(body: str, reader: Reader, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers={"content-language": reader.lang})


def site_of(request: Request) -> Site:
    return request.app.state.site
