"""The explorer: an ASGI app over the store, read-only. Pages for people, JSON for their scripts.

Answers that only change when the store does (counts, series, the agreement list) are
cached under a fingerprint of the store, read at each request, so a page costs a few index
lookups between publications and is recomputed the moment one lands.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from storage.event_log import public
from storage.export import in_order, inert, render, rows_as_of
from storage.summary import store_fingerprint, summary, timeseries
from web import charts, data, params

HERE = Path(__file__).resolve().parent
log = logging.getLogger("tracker.web")
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]
EVENT_COLUMNS = ["detected_at", "publication", "type", "state", "agency", "agency_type", "county", "model", "signed",
                 "moa_url", "was_pending", "what", "source_url", "id"]


class SecurityHeaders:
    """Adds the Content-Security-Policy and friends to every response, errors included."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


class AnswerCache:
    """Computed answers keyed by (store fingerprint, question); a new fingerprint empties it.

    Answers also expire after `max_age` seconds, for the one change the fingerprint can miss:
    `reparse` rebuilding the same number of rows.
    """

    def __init__(self, size: int = 256, max_age: float = 300.0) -> None:
        self.size, self.max_age = size, max_age
        self.fingerprint: tuple | None = None
        self.since = 0.0
        self.answers: OrderedDict[Any, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, fingerprint: tuple, key: Any, compute: Callable[[], Any]) -> Any:
        with self.lock:
            if fingerprint != self.fingerprint or time.monotonic() - self.since > self.max_age:
                self.fingerprint, self.since, self.answers = fingerprint, time.monotonic(), OrderedDict()
            if key in self.answers:
                self.answers.move_to_end(key)
                return self.answers[key]
        answer = compute()
        with self.lock:
            if fingerprint == self.fingerprint:
                self.answers[key] = answer
                while len(self.answers) > self.size:
                    self.answers.popitem(last=False)
        return answer


def web_link(url: str | None) -> str | None:
    """Only http(s) addresses become links: a workbook cell could hold `javascript:` too."""
    return url if url and urlsplit(url).scheme in ("http", "https") else None


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def create_app(sessions: sessionmaker[Session], feeds_dir: Path | None = None) -> Starlette:
    """The explorer over read-only `sessions` (see storage.db.connect_read_only)."""
    templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                            trim_blocks=True, lstrip_blocks=True)
    templates.globals.update(state_name=data.state_name, series=charts.SERIES)
    templates.filters["web_link"] = web_link
    templates.filters["signed"] = lambda n: f"{n:+,}" if n else "no change"
    cache = AnswerCache()

    def answer(session: Session, key: Any, compute: Callable[[], Any]) -> Any:
        return cache.get(store_fingerprint(session), key, compute)

    def page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(templates.get_template(name).render(**context), status_code=status)

    def html(body: str) -> HTMLResponse:
        return HTMLResponse(body)

    def render_home(session: Session, day: dt.date) -> str:
        view = answer(session, ("overview", day), lambda: data.overview(session, day))
        counts = {code: s["agreements"] for code, s in view["summary"]["states"].items()}
        return templates.get_template("index.html").render(
            view=view, events=view["events"], today=day, map=charts.state_map(counts, data.state_names()),
            chart=charts.line_chart(view["series"]))

    def home(request: Request) -> Response:
        day = today()
        with sessions() as session:
            return html(answer(session, ("/", day), lambda: render_home(session, day)))

    def render_state(session: Session, code: str, day: dt.date) -> str:
        national = answer(session, ("overview", day), lambda: data.overview(session, day))["summary"]
        view = data.state_view(session, code, day, national)
        return templates.get_template("state.html").render(
            view=view, county_map=charts.county_map(code, view["counties"]), chart=charts.line_chart(view["series"]),
            today=day)

    def state_page(request: Request) -> Response:
        code = params.state(request.path_params["code"], required=True)
        day = today()
        with sessions() as session:
            return html(answer(session, ("/state", code, day), lambda: render_state(session, code, day)))

    def agency_page(request: Request) -> Response:
        uid = params.uid(request.path_params["uid"])
        with sessions() as session:
            view = data.agency_view(session, uid)
        if view is None:
            raise HTTPException(404, f"no agreement or pending request has the id {uid}")
        return page("agency.html", view=view)

    def event_filters(request: Request) -> dict:
        query = request.query_params
        until = params.day(query.get("until"), "until")
        return {
            "state": params.state(query.get("state")),
            "kind": params.event_type(query.get("type")),
            "since": params.moment(query.get("since"), "since"),
            "until": dt.datetime.combine(until + dt.timedelta(days=1), dt.time()) if until else None,
        }

    def events(request: Request) -> Response:
        filters = event_filters(request)
        before = params.whole(request.query_params.get("before"), "before", 1, 2**62)
        with sessions() as session:
            rows, older = data.events_page(session, **filters, before=before, limit=100)
        query = {k: v for k, v in request.query_params.items() if k != "before" and v}
        return page("events.html", rows=rows, older=older, query=query, types=params.EVENT_TYPES,
                    states=sorted(data.state_names().items(), key=lambda kv: kv[1]))

    def events_csv(request: Request) -> Response:
        filters = event_filters(request)

        def lines():
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=EVENT_COLUMNS, extrasaction="ignore", lineterminator="\n")
            writer.writeheader()
            with sessions() as session:
                for number, event in enumerate(data.events_oldest_first(session, **filters, after=None, limit=None)):
                    writer.writerow({k: inert(v) for k, v in data.event_row(event).items()})
                    if number % 500 == 0:
                        yield buffer.getvalue()
                        buffer.seek(0)
                        buffer.truncate()
            yield buffer.getvalue()

        return StreamingResponse(lines(), media_type="text/csv; charset=utf-8",
                                 headers={"content-disposition": 'attachment; filename="287g-events.csv"'})

    def methodology(request: Request) -> Response:
        return page("methodology.html")

    def api_summary(request: Request) -> Response:
        as_of = params.day(request.query_params.get("as_of"), "as_of") or today()
        with sessions() as session:
            body = answer(session, ("summary.json", as_of),
                          lambda: json.dumps(summary(session, as_of), ensure_ascii=False).encode())
        return Response(body, media_type="application/json")

    def agreement_list(session: Session, state: str | None, as_of: dt.date | None) -> list[dict]:
        if as_of is None:
            return data.current_agreements(session, state)
        return in_order(rows_as_of(session, as_of, state))

    def api_agreements(request: Request) -> Response:
        state = params.state(request.query_params.get("state"))
        as_of = params.day(request.query_params.get("as_of"), "as_of")
        with sessions() as session:
            body = answer(session, ("agreements.json", state, as_of), lambda: json.dumps(
                {"as_of": (as_of or today()).isoformat(), "state": state,
                 "agreements": agreement_list(session, state, as_of)}, ensure_ascii=False).encode())
        return Response(body, media_type="application/json")

    def api_events(request: Request) -> Response:
        filters = event_filters(request)
        after = params.whole(request.query_params.get("after"), "after", 0, 2**62)
        limit = params.whole(request.query_params.get("limit"), "limit", 1, 5000, default=1000)
        with sessions() as session:
            found = list(data.events_oldest_first(session, **filters, after=after, limit=limit + 1))
        more = len(found) > limit
        found = found[:limit]
        following = None
        if more:
            query = {**request.query_params, "after": str(found[-1].seq)}
            following = f"{request.url.path}?{urlencode(query)}"
        return JSONResponse({"events": [public(e) for e in found], "next": following})

    def api_timeseries(request: Request) -> Response:
        state = params.state(request.query_params.get("state"))
        day = today()
        with sessions() as session:
            body = answer(session, ("timeseries.json", state, day),
                          lambda: json.dumps(timeseries(session, day, state=state)).encode())
        return Response(body, media_type="application/json")

    def download(request: Request) -> Response:
        state = params.state(request.query_params.get("state"))
        as_of = params.day(request.query_params.get("as_of"), "as_of")
        fmt = request.path_params["fmt"]
        with sessions() as session:
            rows = agreement_list(session, state, as_of)
        name = f"287g-agreements-{state or 'US'}-{(as_of or today()).isoformat()}.{fmt}"
        disposition = {"content-disposition": f'attachment; filename="{name}"'}
        # The same file `export` writes: real dates, links, and no cell a spreadsheet would run as a formula.
        media = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if fmt == "xlsx"
                 else "text/csv; charset=utf-8")
        return Response(render(rows, fmt), media_type=media, headers=disposition)

    def feed(request: Request) -> Response:
        name = request.path_params["name"]
        if name != "all":
            name = params.state(name, required=True)
        path = (feeds_dir / f"{name}.xml") if feeds_dir else None
        if path is None or not path.is_file():
            raise HTTPException(404, f"no feed for {name} yet: feeds are written after each crawl")
        return FileResponse(path, media_type="application/atom+xml")

    def failed(request: Request, exc: Exception) -> Response:
        if isinstance(exc, params.BadParameter):
            status, message = 400, str(exc)
        elif isinstance(exc, HTTPException):
            status, message = exc.status_code, str(exc.detail)
        else:
            log.exception("explorer error on %s", request.url.path)
            status, message = 500, "something went wrong on our side; the error was logged"
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message}, status_code=status)
        return page("error.html", status=status, status_code=status, message=message)

    routes = [
        Route("/", home),
        Route("/state/{code}", state_page),
        Route("/agency/{uid}", agency_page),
        Route("/events", events),
        Route("/events.csv", events_csv),
        Route("/methodology", methodology),
        Route("/api/summary.json", api_summary),
        Route("/api/agreements.json", api_agreements),
        Route("/api/events.json", api_events),
        Route("/api/timeseries.json", api_timeseries),
        Route("/download/agreements.{fmt:str}", download),
        Route("/feeds/{name}.xml", feed),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    handlers = {params.BadParameter: failed, HTTPException: failed, Exception: failed}
    return Starlette(routes=routes, exception_handlers=handlers,
                     middleware=[Middleware(SecurityHeaders), Middleware(GZipMiddleware, minimum_size=1024)])
