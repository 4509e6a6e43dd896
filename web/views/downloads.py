"""Files to take away: the event log as CSV, the agreements as CSV or Excel, and the Atom feeds."""

from __future__ import annotations

import csv
import io

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse

from storage.export import inert, render
from web import data, params
from web.site import site_of, today

EVENT_COLUMNS = ["detected_at", "publication", "type", "state", "agency", "agency_type", "county", "model", "signed",
                 "moa_url", "was_pending", "what", "source_url", "id"]
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def events_csv(request: Request) -> Response:
    filters = params.event_filters(request.query_params)
    sessions = site_of(request).sessions

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


def agreements_csv(request: Request) -> Response:
    return agreements_file(request, "csv")


def agreements_xlsx(request: Request) -> Response:
    return agreements_file(request, "xlsx")


def agreements_file(request: Request, fmt: str) -> Response:
    """Only the formats the pages link and the README documents: the URL never picks a header or a writer."""
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
