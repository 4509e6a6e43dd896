"""Sign-up pages: the form, confirmation, one-click unsubscribe (RFC 8058) and changing one's choices.

Every answer to the form is the same page whether the address is new, pending, confirmed or
unsubscribed, so the form cannot tell anyone who is subscribed. The form and the manage page
carry a CSRF token: the client's random cookie, signed, submitted back in a hidden field
(double submit); another site can make a browser post, but cannot read or forge that field, and
a post whose Origin is another site is refused. A client that keeps no cookies needs the token
all the same, fresh from the form.
The unsubscribe URL needs no such token: the signed link in the mail is the proof, and mail
providers post to it without cookies.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from alerts.subscriptions import ALL_STATES, CADENCES, address_problem
from alerts.tokens import MANAGE, UNSUBSCRIBE, BadToken
from i18n import ENGLISH, N_, Language, language
from parsers.places import state_code
from storage.subscribers import Choices
from web import data, signup
from web.caching import NOT_STORED
from web.signup import SignupDesk
from web.site import LANGUAGE_NAMES, reader_of, site_of

CSRF_COOKIE = "tracker_csrf"
LANGUAGES = LANGUAGE_NAMES
ONE_CLICK = ("List-Unsubscribe", "One-Click")
MAX_ADDRESS = 254
MAX_FORM_BYTES = 64 * 1024
MAX_FIELDS = 200  # every state and territory, twice over


class Refused(ValueError):
    """A form value a person can fix; the message says which and why."""


def desk_of(request: Request) -> SignupDesk:
    return request.app.state.signup


def _page(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
    """A sign-up page: never cached (it carries a per-visitor token), with the visitor's CSRF cookie."""
    desk = desk_of(request)
    cookie = request.cookies.get(CSRF_COOKIE) or ""
    fresh = len(cookie) < 20
    if fresh:
        cookie = secrets.token_urlsafe(24)
    reader = reader_of(request)
    response = site_of(request).page(name, reader, status=status, csrf_token=desk.signer.csrf_token(cookie),
                                     states=data.state_choices(language(reader.lang)),
                                     cadences=CADENCES, languages=LANGUAGES, all_states=ALL_STATES, **context)
    response.headers["cache-control"] = NOT_STORED
    if fresh:
        response.set_cookie(CSRF_COOKIE, cookie, httponly=True, samesite="strict", path="/",
                            secure=request.url.scheme == "https")
    return response


async def _form(request: Request) -> FormData:
    """The posted form, refused (413) when it is larger than any real sign-up could be."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_FORM_BYTES:
        raise refusal(request, 413, N_("this form is far larger than a sign-up can be"))
    return await request.form(max_files=0, max_fields=MAX_FIELDS, max_part_size=MAX_FORM_BYTES)


def _foreign_origin(request: Request) -> bool:
    """A browser's post that another site's page made: its Origin names a host other than ours."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return bool(origin)
    return urlsplit(origin).netloc.lower() != (request.headers.get("host") or request.url.netloc).lower()


def _check_csrf(request: Request, form: FormData) -> None:
    token = form.get("csrf_token")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if (not isinstance(token, str) or _foreign_origin(request)
            or not desk_of(request).signer.csrf_matches(token, cookie)):
        raise refusal(request, 403, N_("this form has expired or did not come from this site: "
                                       "reload the page and try again"))


def words_of(request: Request) -> Language:
    return language(reader_of(request).lang)


def refusal(request: Request, status: int, message: str) -> HTTPException:
    """A refusal in the page's language (`message` marked with N_)."""
    return HTTPException(status, words_of(request).gettext(message))


def choices_from(form: FormData, lang: Language = ENGLISH) -> Choices:
    typed = [s.strip() for s in form.getlist("states") if isinstance(s, str) and s.strip()]
    if not typed:
        raise Refused(lang.gettext("choose at least one state, or all states"))
    states = []
    for value in typed:
        if value == ALL_STATES or value.lower() == "all":
            states.append(ALL_STATES)
            continue
        code, warning = state_code(value[:40])
        if code is None or warning is not None:
            raise Refused(lang.gettext("%(value)s is not a US state or territory (a code like FL, or its name)")
                          % {"value": repr(value[:40])})
        states.append(code)
    cadence = form.get("cadence") or "instant"
    if cadence not in CADENCES:
        raise Refused(lang.gettext("cadence must be one of %(choices)s") % {"choices": ", ".join(CADENCES)})
    language = form.get("language") or "en"
    if language not in LANGUAGES:
        raise Refused(lang.gettext("language must be one of %(choices)s") % {"choices": ", ".join(LANGUAGES)})
    chosen = (ALL_STATES,) if ALL_STATES in states else tuple(sorted(set(states)))
    return Choices(states=chosen, cadence=str(cadence), language=str(language))


def address_from(form: FormData, lang: Language = ENGLISH) -> str:
    address = form.get("email")
    address = address.strip() if isinstance(address, str) else ""
    if not address:
        raise Refused(lang.gettext("enter your email address"))
    if len(address) > MAX_ADDRESS:
        raise Refused(lang.gettext("that email address is too long"))
    if (problem := address_problem(address)) is not None:
        raise Refused(lang.gettext("%(address)s is not an email address: %(problem)s")
                      % {"address": repr(address[:80]), "problem": problem})
    return address


def subscribe_form(request: Request) -> Response:
    """The form; from /es/subscribe, Spanish alerts are the choice already made."""
    chosen = Choices((), "instant", reader_of(request).lang)
    return _page(request, "subscribe.html", chosen=chosen, email="", problem=None)


async def subscribe(request: Request) -> Response:
    desk = desk_of(request)
    client = request.client.host if request.client else "unknown"
    if not desk.limiter.allow(client):
        raise refusal(request, 429, N_("too many sign-ups from your connection: try again in ten minutes"))
    form = await _form(request)
    _check_csrf(request, form)
    typed = form.get("email") if isinstance(form.get("email"), str) else ""
    words = words_of(request)
    try:
        address = address_from(form, words)
        choices = choices_from(form, words)
    except Refused as exc:
        chosen = Choices(tuple(form.getlist("states")), str(form.get("cadence") or "instant"),
                         str(form.get("language") or reader_of(request).lang))
        return _page(request, "subscribe.html", status=400, chosen=chosen, email=typed, problem=str(exc))
    base = desk.link_base(request.url.scheme, request.url.hostname, request.url.port)
    if base is None:
        raise refusal(request, 503, N_("sign-up is not set up here: the explorer needs PUBLIC_URL to send links"))
    try:
        await run_in_threadpool(signup.sign_up, desk, address, choices, base)
    except signup.MailRefused:
        raise refusal(request, 503, N_("the confirmation email could not be sent just now: "
                                       "try again in a few minutes")) from None
    return _page(request, "notice.html", heading=words.gettext("Check your inbox"),
                 lines=[words.gettext("If %(address)s can receive alerts, an email is on its way to it with a link "
                                      "to confirm.") % {"address": address},
                        words.gettext("Nothing else is sent until the link is followed. It may take a minute or two "
                                      "to arrive; look in the spam folder too.")])


async def confirm(request: Request) -> Response:
    try:
        row = await run_in_threadpool(signup.confirm, desk_of(request), request.path_params["token"])
    except BadToken as exc:
        raise HTTPException(400, str(exc)) from None
    if row is None:
        raise refusal(request, 400, N_("this link was made before you unsubscribed: sign up again for a new one"))
    words = words_of(request)
    return _page(request, "notice.html", heading=words.gettext("You are subscribed"),
                 lines=[words.gettext("%(address)s will get alerts from now on; nothing from before today is sent.")
                        % {"address": row.address},
                        words.gettext("Every email has a link to change your states, cadence or language, "
                                      "and one to unsubscribe.")])


async def unsubscribe(request: Request) -> Response:
    token = request.path_params["token"]
    desk = desk_of(request)
    if request.method == "GET":
        try:
            _, row = await run_in_threadpool(desk.claim, UNSUBSCRIBE, token)
        except BadToken as exc:
            raise HTTPException(400, str(exc)) from None
        return _page(request, "unsubscribe.html", address=row.address)
    form = await _form(request)
    if form.get(ONE_CLICK[0]) != ONE_CLICK[1]:
        raise refusal(request, 400, N_("to unsubscribe, post List-Unsubscribe=One-Click "
                                       "(or use the button on this page)"))
    try:
        row = await run_in_threadpool(signup.unsubscribe, desk, UNSUBSCRIBE, token)
    except BadToken as exc:
        raise HTTPException(400, str(exc)) from None
    words = words_of(request)
    return _page(request, "notice.html", heading=words.gettext("You are unsubscribed"),
                 lines=[words.gettext("Nothing more will be sent to %(address)s.")
                        % {"address": row.address if row else words.gettext("this address")},
                        words.gettext("Changed your mind? Sign up again on the subscribe page.")])


async def manage(request: Request) -> Response:
    token = request.path_params["token"]
    desk = desk_of(request)
    try:
        _, row = await run_in_threadpool(desk.claim, MANAGE, token)
    except BadToken as exc:
        raise HTTPException(400, str(exc)) from None
    unsubscribe_token = desk.signer.token(UNSUBSCRIBE, row.id, row.address)
    current = Choices(tuple(row.states), row.cadence, row.language)
    if request.method == "GET":
        return _page(request, "manage.html", address=row.address, chosen=current, problem=None,
                     unsubscribe_token=unsubscribe_token)
    form = await _form(request)
    _check_csrf(request, form)
    words = words_of(request)
    try:
        choices = choices_from(form, words)
    except Refused as exc:
        return _page(request, "manage.html", status=400, address=row.address, chosen=current, problem=str(exc),
                     unsubscribe_token=unsubscribe_token)
    await run_in_threadpool(signup.change, desk, token, MANAGE, choices)
    return _page(request, "notice.html", heading=words.gettext("Your choices are saved"),
                 lines=[words.gettext("%(address)s gets alerts with these choices from now on.")
                        % {"address": row.address}])
