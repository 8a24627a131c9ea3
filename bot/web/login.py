"""Logging in and out: the page a one-time link opens (GET changes nothing, so a messenger
fetching the link for a preview cannot use it up), its "Log in" button (POST, with a CSRF
token held in a cookie until there is a session), logging out here or everywhere, and the
page language.

Bad links are refused plainly and counted per client address (bot/web/limits.py: behind a
trusted proxy, the address it forwarded); the token is never logged.
"""

from __future__ import annotations

import hmac
import logging
import secrets

from aiohttp import web

from bot import i18n
from bot.web import auth
from bot.web.app import (
    ATTEMPTS,
    COOKIE,
    LOGIN_CSRF_COOKIE,
    PREFIX,
    PROXIES,
    Page,
    core_of,
    officer_page,
    render,
    request_locale,
    secure_cookies,
    see_other,
)
from bot.web.limits import client_address

log = logging.getLogger(__name__)

PROBLEM_STATUS = {
    auth.LinkProblem.UNKNOWN: 404,
    auth.LinkProblem.USED: 410,
    auth.LinkProblem.EXPIRED: 410,
    auth.LinkProblem.NOT_OFFICER: 403,
}


def _address(request: web.Request) -> str:
    """The client's address, through the configured trusted proxies (bot/web/limits.py)."""
    proxies: tuple = request.app[PROXIES]
    return client_address(request.remote, request.headers.getall("X-Forwarded-For", []), proxies)


def _locked(request: web.Request) -> web.Response | None:
    core = core_of(request)
    if request.app[ATTEMPTS].locked(_address(request), core.clock.now()):
        return render(request, "link_refused.html", status=429, problem="locked")
    return None


def _refused(request: web.Request, problem: auth.LinkProblem) -> web.Response:
    core = core_of(request)
    request.app[ATTEMPTS].failed(_address(request), core.clock.now())
    log.info("web: login link refused (%s)", problem.value)
    return render(request, "link_refused.html", status=PROBLEM_STATUS[problem], problem=problem)


async def link_page(request: web.Request) -> web.Response:
    token = request.match_info["token"]
    core = core_of(request)
    with i18n.use_locale(request_locale(request)):
        locked = _locked(request)
        if locked is not None:
            return locked
        async with core.db.transaction() as session:
            try:
                link = await auth.check_link(session, token, core.clock.now())
            except auth.LinkRefused as e:
                return _refused(request, e.problem)
    csrf = secrets.token_urlsafe(24)
    with i18n.use_locale(link.locale):  # the language the officer asked in
        response = render(request, "login.html", token=token, csrf=csrf)
        response.set_cookie(
            LOGIN_CSRF_COOKIE,
            csrf,
            path=PREFIX,
            max_age=auth.LINK_MINUTES * 60,
            httponly=True,
            samesite="Strict",
            secure=secure_cookies(core),
        )
    return response


async def log_in(request: web.Request) -> web.Response:
    core = core_of(request)
    form = await request.post()
    token, csrf = form.get("token", ""), form.get("csrf", "")
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    with i18n.use_locale(request_locale(request)):
        locked = _locked(request)
        if locked is not None:
            return locked
        if not (
            isinstance(token, str)
            and isinstance(csrf, str)
            and expected
            and hmac.compare_digest(csrf.encode(), expected.encode())
        ):
            log.warning("web: refused a login form without its CSRF token")
            return render(request, "refused.html", status=403, reason="csrf")
        async with core.db.transaction() as session:
            try:
                opened = await auth.redeem_link(
                    session,
                    token,
                    core.clock.now(),
                    hours=core.config.web.session_hours,
                )
            except auth.LinkRefused as e:
                return _refused(request, e.problem)
    request.app[ATTEMPTS].succeeded(_address(request))
    response = see_other(PREFIX + "/")
    response.set_cookie(
        COOKIE,
        opened.cookie,
        path=PREFIX,
        max_age=core.config.web.session_hours * 3600,
        httponly=True,
        samesite="Lax",
        secure=secure_cookies(core),
    )
    response.del_cookie(LOGIN_CSRF_COOKIE, path=PREFIX)
    return response


def _logged_out(page: Page) -> web.Response:
    response = page.render("logged_out.html")
    response.del_cookie(COOKIE, path=PREFIX)
    return response


@officer_page
async def log_out(page: Page) -> web.Response:
    await auth.log_out(page.session, page.user, page.web_session, page.now())
    return _logged_out(page)


@officer_page
async def log_out_everywhere(page: Page) -> web.Response:
    await auth.log_out_everywhere(page.session, page.user, page.now())
    return _logged_out(page)


@officer_page
async def language(page: Page) -> web.Response:
    locale = i18n.normalize_locale(str(page.form.get("locale", "")))
    if locale is not None:
        page.web_session.locale = locale
    back = str(page.form.get("back", ""))
    # Only back to one of our own pages: never an address a form could smuggle in.
    return see_other(back if back.startswith(PREFIX + "/") and "//" not in back else PREFIX + "/")


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/login/{token}", link_page)
    router.add_post("/login", log_in)
    router.add_post("/logout", log_out)
    router.add_post("/logout-everywhere", log_out_everywhere)
    router.add_post("/language", language)
