"""Every failure as a page (or, under /api/, JSON) with a status and a reason a person can act on."""

from __future__ import annotations

import logging
from http import HTTPStatus

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from web import params
from web.caching import NOT_STORED
from web.security import SECURITY_HEADERS
from web.site import reader_of, site_of

log = logging.getLogger("tracker.web")


def failed(request: Request, exc: Exception) -> Response:
    """The answer to any failure, with a page's security headers (a 500 bypasses the middleware), never cached."""
    response = answer_for(request, exc)
    response.headers.update(SECURITY_HEADERS)
    response.headers["cache-control"] = NOT_STORED
    return response


def answer_for(request: Request, exc: Exception) -> Response:
    if isinstance(exc, params.BadParameter):
        status, message = 400, str(exc)
    elif isinstance(exc, HTTPException):
        status, message = exc.status_code, str(exc.detail)
        if message == HTTPStatus(status).phrase and not request.url.path.startswith("/api/"):
            message = ""  # the page's heading says it, in the page's language
    else:
        log.exception("explorer error on %s", request.url.path)
        status, message = 500, "something went wrong on our side; the error was logged"
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=status)
    return site_of(request).page("error.html", reader_of(request), status=status, status_code=status, message=message)
