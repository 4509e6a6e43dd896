"""The explorer: an ASGI app over the store, read-only but for sign-up. Pages for people, JSON for their scripts.

Answers that only change when the store does (counts, series, the agreement list) are
cached under a fingerprint of the store, read at each request, so a page costs a few index
lookups between publications and is recomputed the moment one lands.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from web import params
from web.caching import Revalidation
from web.security import SecurityHeaders
from web.signup import SignupDesk
from web.site import HERE, SPANISH_ROOT, Site
from web.views import api, downloads, pages, signals, subscribe
from web.views.errors import failed


def page_routes(signup: bool) -> list[Route]:
    """The pages people read (and sign up on), served as they are in English and again under /es/."""
    routes = [
        Route("/", pages.home),
        Route("/state/{code}", pages.state_page),
        Route("/agency/{uid}", pages.agency_page),
        Route("/events", pages.events),
        Route("/methodology", pages.methodology),
        Route("/signals", signals.signals),
    ]
    if signup:
        routes += [
            Route("/subscribe", subscribe.subscribe_form, methods=["GET"]),
            Route("/subscribe", subscribe.subscribe, methods=["POST"]),
            Route("/confirm/{token}", subscribe.confirm, methods=["GET", "POST"]),
            Route("/unsubscribe/{token}", subscribe.unsubscribe, methods=["GET", "POST"]),
            Route("/manage/{token}", subscribe.manage, methods=["GET", "POST"]),
        ]
    return routes


def create_app(sessions: sessionmaker[Session], feeds_dir: Path | None = None, corrections: str = "",
               signup: SignupDesk | None = None) -> Starlette:
    """The explorer over read-only `sessions` (see storage.db.connect_read_only); sign-up pages with `signup`.

    `corrections` is whom readers should tell of an error (CORRECTIONS_CONTACT); empty: not shown.
    """
    pages_in_spanish = Mount(SPANISH_ROOT, routes=page_routes(signup is not None))
    routes = [
        *page_routes(signup is not None),
        pages_in_spanish,
        Route("/events.csv", downloads.events_csv),
        Route("/api/summary.json", api.api_summary),
        Route("/api/agreements.json", api.api_agreements),
        Route("/api/events.json", api.api_events),
        Route("/api/timeseries.json", api.api_timeseries),
        Route("/api/signals.json", signals.api_signals),
        Route("/download/agreements.csv", downloads.agreements_csv),
        Route("/download/agreements.xlsx", downloads.agreements_xlsx),
        Route("/feeds/{name}.xml", downloads.feed),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    handlers = {params.BadParameter: failed, HTTPException: failed, Exception: failed}
    app = Starlette(routes=routes, exception_handlers=handlers,
                    middleware=[Middleware(SecurityHeaders), Middleware(GZipMiddleware, minimum_size=1024),
                                Middleware(Revalidation)])
    app.state.site = Site(sessions, feeds_dir, corrections)
    app.state.site.set_global("signup", signup is not None)
    app.state.signup = signup
    return app
