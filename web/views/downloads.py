"""Files to take away: the event log as CSV, the agreements as CSV or Excel, and the Atom feeds."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse

from alerts.events_csv import csv_chunks
from storage.export import render
from web import data, params
from web.site import site_of, today

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def events_csv(request: Request) -> Response:
    filters = params.event_filters(request.query_params)
    sessions = site_of(request).sessions

    def lines():
        with sessions() as session:
            yield from csv_chunks(data.events_oldest_first(session, **filters, after=None, limit=None))

    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8",
                             headers={"content-disposition": 'attachment; filename="287g-events.csv"'})


def agreements_csv(request: Request) -> Response:
    return agreements_file(request, "csv")


def agreements_xlsx(request: Request) -> Response:
    return agreements_file(request, "xlsx")


def agreements_file(request: Request, fmt: str) -> Response:
    """Only the formats the pages link and docs/explorer.md documents: the URL never picks a header or a writer."""
    state = params.state(request.query_params.get("state"))
    as_of = params.day(request.query_params.get("as_of"), "as_of")
    with site_of(request).sessions() as session:
        rows = data.agreement_list(session, state, as_of)
    name = f"287g-agreements-{state or 'US'}-{(as_of or today()).isoformat()}.{fmt}"
    disposition = {"content-disposition": f'attachment; filename="{name}"'}
    # The same file `export` writes: real dates, links, and no cell a spreadsheet would run as a formula.
    return Response(render(rows, fmt), media_type=MEDIA_TYPES[fmt], headers=disposition)


def feed(request: Request) -> Response:
    name = request.path_params["name"]
    if name != "all":
        name = params.state(name, required=True)
    feeds_dir = site_of(request).feeds_dir
    path = (feeds_dir / f"{name}.xml") if feeds_dir else None
    if path is None or not path.is_file():
        raise HTTPException(404, f"no feed for {name} yet: feeds are written after each crawl")
    return FileResponse(path, media_type="application/atom+xml")
