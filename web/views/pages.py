"""The pages people read: the overview, a state, an agency, the event log and the methodology.

Each page carries the banner of what the store knows (web.freshness), read at every request;
the cached answers are keyed by it, so a failed crawl or a day turning shows at once.
"""

from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from web import charts, data, params
from web.freshness import Freshness, latest_local_run, local_watch
from web.site import Site, site_of


def render_home(site: Site, session: Session, fresh: Freshness) -> str:
    day = fresh.today
    view = site.answer(session, ("overview", day), lambda: data.overview(session, day))
    counts = {code: s["agreements"] for code, s in view["summary"]["states"].items()}
    return site.render("index.html", view=view, events=view["events"], fresh=fresh,
                       map=charts.state_map(counts, data.state_names()), chart=charts.line_chart(view["series"]))


def home(request: Request) -> Response:
    site = site_of(request)
    with site.sessions() as session:
        fresh = site.freshness(session)
        return HTMLResponse(site.answer(session, ("/", fresh), lambda: render_home(site, session, fresh)))


def render_state(site: Site, session: Session, code: str, fresh: Freshness) -> str:
    day = fresh.today
    national = site.answer(session, ("overview", day), lambda: data.overview(session, day))["summary"]
    view = data.state_view(session, code, day, national)
    return site.render("state.html", view=view, county_map=charts.county_map(code, view["counties"]),
                       chart=charts.line_chart(view["series"]), fresh=fresh, local=local_watch(session, code))


def state_page(request: Request) -> Response:
    code = params.state(request.path_params["code"], required=True)
    site = site_of(request)
    with site.sessions() as session:
        fresh = site.freshness(session)
        key = ("/state", code, fresh, latest_local_run(session))
        return HTMLResponse(site.answer(session, key, lambda: render_state(site, session, code, fresh)))


def agency_page(request: Request) -> Response:
    uid = params.uid(request.path_params["uid"])
    site = site_of(request)
    with site.sessions() as session:
        view = data.agency_view(session, uid)
        fresh = site.freshness(session)
    if view is None:
        raise HTTPException(404, f"no agreement or pending request has the id {uid}")
    return site.page("agency.html", view=view, fresh=fresh)


def events(request: Request) -> Response:
    filters = params.event_filters(request.query_params)
    before = params.whole(request.query_params.get("before"), "before", 1, 2**62)
    site = site_of(request)
    with site.sessions() as session:
        rows, older = data.events_page(session, **filters, before=before, limit=100)
        fresh = site.freshness(session)
    query = {k: v for k, v in request.query_params.items() if k != "before" and v}
    return site.page("events.html", rows=rows, older=older, query=query, fresh=fresh,
                     types=[(t, data.TYPE_WORDS.get(t, t)) for t in params.EVENT_TYPES],
                     states=sorted(data.state_names().items(), key=lambda kv: kv[1]))


def methodology(request: Request) -> Response:
    site = site_of(request)
    with site.sessions() as session:
        fresh = site.freshness(session)
    return site.page("methodology.html", fresh=fresh)
