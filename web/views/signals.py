"""Early warnings: local reports of a decision on 287(g), as a page and as JSON, by state and stage."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response

from i18n import language
from vocabulary import STAGES
from web import data, params
from web.site import html, reader_of, site_of, today


def _filters(request: Request) -> tuple[str | None, str | None]:
    return params.state(request.query_params.get("state")), params.stage(request.query_params.get("stage"))


def signals(request: Request) -> Response:
    state, stage = _filters(request)
    site, day = site_of(request), today()
    reader = reader_of(request, {"state": state, "stage": stage})
    lang = language(reader.lang)
    with site.sessions() as session:
        page = site.answer(session, ("/signals", reader, day), lambda: site.render(
            "signals.html", reader, rows=data.signal_rows(session, day, state, stage, limit=500, lang=lang),
            state=state, stage=stage, stages=STAGES, states=data.state_choices(lang)))
    return html(page, reader)


def api_signals(request: Request) -> Response:
    """A JSON list of the signals' event payloads (the fields `events --format jsonl` gives), newest first."""
    state, stage = _filters(request)
    site, day = site_of(request), today()
    with site.sessions() as session:
        body = site.answer(session, ("signals.json", state, stage), lambda: json.dumps(
            [row["payload"] for row in data.signal_rows(session, day, state, stage)], ensure_ascii=False).encode())
    return Response(body, media_type="application/json")
