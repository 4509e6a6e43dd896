"""The JSON API: the same numbers and rows as the pages and the command line, for scripts."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from storage.event_log import public
from storage.summary import summary, timeseries
from web import data, params
from web.site import site_of, today


def api_summary(request: Request) -> Response:
    as_of = params.day(request.query_params.get("as_of"), "as_of") or today()
    site = site_of(request)
    with site.sessions() as session:
        body = site.answer(session, ("summary.json", as_of),
                           lambda: json.dumps(summary(session, as_of), ensure_ascii=False).encode())
    return Response(body, media_type="application/json")


def api_agreements(request: Request) -> Response:
    state = params.state(request.query_params.get("state"))
    as_of = params.day(request.query_params.get("as_of"), "as_of")
    site = site_of(request)
    with site.sessions() as session:
        body = site.answer(session, ("agreements.json", state, as_of), lambda: json.dumps(
            {"as_of": (as_of or today()).isoformat(), "state": state,
             "agreements": data.agreement_list(session, state, as_of)}, ensure_ascii=False).encode())
    return Response(body, media_type="application/json")


def api_events(request: Request) -> Response:
    filters = params.event_filters(request.query_params)
    after = params.whole(request.query_params.get("after"), "after", 0, 2**62)
    limit = params.whole(request.query_params.get("limit"), "limit", 1, 5000, default=1000)
    with site_of(request).sessions() as session:
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
    site, day = site_of(request), today()
    with site.sessions() as session:
        body = site.answer(session, ("timeseries.json", state, day),
                           lambda: json.dumps(timeseries(session, day, state=state)).encode())
    return Response(body, media_type="application/json")
