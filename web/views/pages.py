"""The pages people read: the overview, a state, an agency, the event log and the methodology.

Each page carries the banner of what the store knows (web.freshness), read at every request;
the cached answers are keyed by it and by the reader (language and address), so a failed crawl
or a day turning shows at once, and an English page is never served for a Spanish one.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from i18n import language
from web import charts, data, params
from web.freshness import Freshness, latest_local_run, local_watch
from web.site import Reader, Site, html, reader_of, site_of


def overview(site: Site, session: Session, fresh: Freshness, lang: str) -> dict:
    day = fresh.today
    return site.answer(session, ("overview", day, lang), lambda: data.overview(session, day, language(lang)))


def render_home(site: Site, session: Session, fresh: Freshness, reader: Reader) -> str:
    view = overview(site, session, fresh, reader.lang)
    counts = {code: s["agreements"] for code, s in view["summary"]["states"].items()}
    names = dict(data.state_choices(language(reader.lang)))
    return site.render("index.html", reader, view=view, events=view["events"], fresh=fresh,
                       map=charts.state_map(counts, names), chart=charts.line_chart(view["series"]))


def home(request: Request) -> Response:
    site, reader = site_of(request), reader_of(request)
    with site.sessions() as session:
        fresh = site.freshness(session)
        return html(site.answer(session, ("/", reader, fresh), lambda: render_home(site, session, fresh, reader)),
                    reader)


def render_state(site: Site, session: Session, code: str, fresh: Freshness, reader: Reader) -> str:
    national = overview(site, session, fresh, reader.lang)["summary"]
    view = data.state_view(session, code, fresh.today, national, language(reader.lang))
    return site.render("state.html", reader, view=view, county_map=charts.county_map(code, view["counties"]),
                       chart=charts.line_chart(view["series"]), fresh=fresh, local=local_watch(session, code))


def state_page(request: Request) -> Response:
    code = params.state(request.path_params["code"], required=True)
    site, reader = site_of(request), reader_of(request)
    with site.sessions() as session:
        fresh = site.freshness(session)
        key = ("/state", code, reader, fresh, latest_local_run(session))
        return html(site.answer(session, key, lambda: render_state(site, session, code, fresh, reader)), reader)


def agency_page(request: Request) -> Response:
    uid = params.uid(request.path_params["uid"])
    site, reader = site_of(request), reader_of(request)
    words = language(reader.lang)
    with site.sessions() as session:
        view = data.agency_view(session, uid, words)
        fresh = site.freshness(session)
    if view is None:
        raise HTTPException(404, words.gettext("no agreement or pending request has the id %(uid)s") % {"uid": uid})
    # One page however it was reached (an export's id, or the store's number alerts link to): one switch link.
    canonical = replace(reader, here=f"/agency/{view['agreements'][0]['uid']}")
    return site.page("agency.html", canonical, view=view, fresh=fresh)


def events(request: Request) -> Response:
    filters = params.event_filters(request.query_params)
    before = params.whole(request.query_params.get("before"), "before", 1, 2**62)
    query = {k: v for k, v in request.query_params.items() if k != "before" and v}
    site, reader = site_of(request), reader_of(request, request.query_params)
    words = language(reader.lang)
    with site.sessions() as session:
        rows, older = data.events_page(session, **filters, before=before, limit=100, lang=words)
        fresh = site.freshness(session)
    return site.page("events.html", reader, rows=rows, older=older, query=query, fresh=fresh,
                     types=[(t, data.type_words(t, words)) for t in params.EVENT_TYPES],
                     states=data.state_choices(words))


def methodology(request: Request) -> Response:
    site = site_of(request)
    with site.sessions() as session:
        fresh = site.freshness(session)
    return site.page("methodology.html", reader_of(request), fresh=fresh)
