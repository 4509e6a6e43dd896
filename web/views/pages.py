"""The pages people read: the overview, a state, an agency, the event log and the methodology."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from web import charts, data, params
from web.site import Site, site_of, today


def render_home(site: Site, session: Session, day: dt.date) -> str:
    view = site.answer(session, ("overview", day), lambda: data.overview(session, day))
    counts = {code: s["agreements"] for code, s in view["summary"]["states"].items()}
    return site.render("index.html", view=view, events=view["events"], today=day,
                       map=charts.state_map(counts, data.state_names()), chart=charts.line_chart(view["series"]))


def home(request: Request) -> Response:
    site, day = site_of(request), today()
    with site.sessions() as session:
        return HTMLResponse(site.answer(session, ("/", day), lambda: render_home(site, session, day)))


def render_state(site: Site, session: Session, code: str, day: dt.date) -> str:
    national = site.answer(session, ("overview", day), lambda: data.overview(session, day))["summary"]
    view = data.state_view(session, code, day, national)
    return site.render("state.html", view=view, county_map=charts.county_map(code, view["counties"]),
                       chart=charts.line_chart(view["series"]), today=day)


def state_page(request: Request) -> Response:
    code = params.state(request.path_params["code"], required=True)
    site, day = site_of(request), today()
    with site.sessions() as session:
        return HTMLResponse(site.answer(session, ("/state", code, day), lambda: render_state(site, session, code, day)))


def agency_page(request: Request) -> Response:
    uid = params.uid(request.path_params["uid"])
    site = site_of(request)
    with site.sessions() as session:
        view = data.agency_view(session, uid)
    if view is None:
        raise HTTPException(404, f"no agreement or pending request has the id {uid}")
    return site.page("agency.html", view=view)


def events(request: Request) -> Response:
    filters = params.event_filters(request.query_params)
    before = params.whole(request.query_params.get("before"), "before", 1, 2**62)
    site = site_of(request)
    with site.sessions() as session:
        rows, older = data.events_page(session, **filters, before=before, limit=100)
    query = {k: v for k, v in request.query_params.items() if k != "before" and v}
    return site.page("events.html", rows=rows, older=older, query=query, types=params.EVENT_TYPES,
                     states=sorted(data.state_names().items(), key=lambda kv: kv[1]))


def methodology(request: Request) -> Response:
    return site_of(request).page("methodology.html")
